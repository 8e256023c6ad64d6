import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import { listBranchCommits } from "@/lib/repositories/branches";
import { clientForConnection } from "@/lib/repositories/connection-client";
import { json, jsonError, parseQuery, routeProfile, upstreamFailure } from "@/lib/repositories/route-helpers";
import { commitQuerySchema } from "@/lib/validation/profiles";

/** The latest commits (up to 100) of one branch of the profile's repository, on demand. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const target = await routeProfile(id);
  if (!target.ok) {
    return target.response;
  }
  const query = parseQuery(request, commitQuerySchema);
  if (!query.ok) {
    return query.response;
  }
  const { profile, user } = target;
  try {
    const { client } = await clientForConnection({ organizationId: user.organizationId, userId: user.id }, profile.connection);
    return json(await listBranchCommits(client, profile.projectId, profile.repositoryId, query.data.branch, query.data.top));
  } catch (error) {
    if (isAzureDevOpsError(error, "not_found")) {
      return jsonError(404, "NOT_FOUND", `Azure DevOps has no branch "${query.data.branch}" in ${profile.repositoryName} any more. Refresh the branch list.`);
    }
    return upstreamFailure(error, profile.connection, "Listing the commits", user.organizationId);
  }
}
