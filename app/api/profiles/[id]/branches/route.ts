import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import { syncProfileFromAzureDevOps } from "@/lib/data/profiles";
import { json, jsonError, route } from "@/lib/entry/route";
import { listBranchPage } from "@/lib/repositories/branches";
import { clientForConnection } from "@/lib/repositories/connection-client";
import { repositoryChanges } from "@/lib/repositories/profile-sync";
import { disconnectedProfile, upstreamFailure } from "@/lib/repositories/route-helpers";
import { branchQuerySchema } from "@/lib/validation/profiles";

/**
 * A page of the profile repository's branches, live from Azure DevOps, optionally searched.
 * The first unfiltered page (opening the profile, Refresh) also reads the repository itself,
 * in parallel, and copies a rename, a move or new clone URLs onto the profile (`updated`
 * names what changed, so the page re-renders); a repository deleted in Azure DevOps is a 404
 * that says so.
 */
export const GET = route({ name: "api.profiles.branches", permission: "profile.read", target: "profile", query: branchQuerySchema }, async ({ scope, target: profile, query }) => {
  const connection = profile.connection;
  if (!connection) {
    return disconnectedProfile(profile);
  }
  try {
    const { client } = await clientForConnection(scope, connection);
    const firstPage = !query.q && !query.cursor;
    const [repository, page] = await Promise.allSettled([
      firstPage ? client.getRepositoryById(profile.repositoryId) : Promise.resolve(null),
      listBranchPage(client, profile.projectId, profile.repositoryId, {
        ...(query.q ? { q: query.q } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: query.limit,
      }),
    ]);
    if (repository.status === "rejected") {
      if (isAzureDevOpsError(repository.reason, "not_found")) {
        return jsonError(
          404,
          "NOT_FOUND",
          `Azure DevOps no longer has the repository "${profile.repositoryName}" (deleted, or moved where this connection cannot see it). Delete this profile, or create a new one from the repository's new home.`,
        );
      }
      throw repository.reason;
    }
    let updated: string[] = [];
    let defaultBranch = profile.defaultBranch;
    let projectId = profile.projectId;
    if (repository.value) {
      const changes = repositoryChanges(profile, repository.value);
      if (await syncProfileFromAzureDevOps(scope, profile.id, profile, changes)) {
        updated = Object.keys(changes);
        defaultBranch = changes.defaultBranch ?? defaultBranch;
        projectId = changes.projectId ?? projectId;
      }
    }
    if (page.status === "rejected") {
      // Moved to another project: the branches live under the new project's id now.
      if (projectId === profile.projectId) {
        throw page.reason;
      }
      const again = await listBranchPage(client, projectId, profile.repositoryId, { limit: query.limit });
      return json({ ...again, defaultBranch, updated });
    }
    return json({ ...page.value, defaultBranch, updated });
  } catch (error) {
    return upstreamFailure(scope, error, connection, "Listing the branches");
  }
});
