import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import { syncProfileFromAzureDevOps } from "@/lib/data/profiles";
import { listBranchPage } from "@/lib/repositories/branches";
import { clientForConnection } from "@/lib/repositories/connection-client";
import { repositoryChanges } from "@/lib/repositories/profile-sync";
import { json, jsonError, parseQuery, routeProfile, upstreamFailure } from "@/lib/repositories/route-helpers";
import { branchQuerySchema } from "@/lib/validation/profiles";

/**
 * A page of the profile repository's branches, live from Azure DevOps, optionally searched.
 * The first unfiltered page (opening the profile, Refresh) also reads the repository itself,
 * in parallel, and copies a rename, a move or new clone URLs onto the profile (`updated`
 * names what changed, so the page re-renders); a repository deleted in Azure DevOps is a 404
 * that says so.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const target = await routeProfile(id);
  if (!target.ok) {
    return target.response;
  }
  const query = parseQuery(request, branchQuerySchema);
  if (!query.ok) {
    return query.response;
  }
  const { profile, user } = target;
  try {
    const { client } = await clientForConnection({ organizationId: user.organizationId, userId: user.id }, profile.connection);
    const firstPage = !query.data.q && !query.data.cursor;
    const [repository, page] = await Promise.allSettled([
      firstPage ? client.getRepositoryById(profile.repositoryId) : Promise.resolve(null),
      listBranchPage(client, profile.projectId, profile.repositoryId, {
        ...(query.data.q ? { q: query.data.q } : {}),
        ...(query.data.cursor ? { cursor: query.data.cursor } : {}),
        limit: query.data.limit,
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
      if (await syncProfileFromAzureDevOps(user.organizationId, profile.id, profile, changes, user.id)) {
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
      const again = await listBranchPage(client, projectId, profile.repositoryId, { limit: query.data.limit });
      return json({ ...again, defaultBranch, updated });
    }
    return json({ ...page.value, defaultBranch, updated });
  } catch (error) {
    return upstreamFailure(error, profile.connection, "Listing the branches", user.organizationId);
  }
}
