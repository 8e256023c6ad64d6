import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import { json, jsonError, route } from "@/lib/entry/route";
import { listBranchCommits } from "@/lib/repositories/branches";
import { clientForConnection } from "@/lib/repositories/connection-client";
import { disconnectedProfile, upstreamFailure } from "@/lib/repositories/route-helpers";
import { commitQuerySchema } from "@/lib/validation/profiles";

/** The latest commits (up to 100) of one branch of the profile's repository, on demand. */
export const GET = route({ name: "api.profiles.commits", permission: "profile.read", target: "profile", query: commitQuerySchema }, async ({ scope, target: profile, query }) => {
  const connection = profile.connection;
  if (!connection) {
    return disconnectedProfile(profile);
  }
  try {
    const { client } = await clientForConnection(scope, connection);
    return json(await listBranchCommits(client, profile.projectId, profile.repositoryId, query.branch, query.top));
  } catch (error) {
    if (isAzureDevOpsError(error, "not_found")) {
      return jsonError(404, "NOT_FOUND", `Azure DevOps has no branch "${query.branch}" in ${profile.repositoryName} any more. Refresh the branch list.`);
    }
    return upstreamFailure(scope, error, connection, "Listing the commits");
  }
});
