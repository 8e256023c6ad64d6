import { getListing, getListedRepository } from "@/lib/data/repository-listing";
import { listBranchPage } from "@/lib/repositories/branches";
import { clientForConnection } from "@/lib/repositories/connection-client";
import { json, jsonError, parseQuery, routeConnection, upstreamFailure } from "@/lib/repositories/route-helpers";
import { adoIdSchema, branchQuerySchema } from "@/lib/validation/profiles";

/**
 * Branches of a repository the picker listed (for the create form's default branch), live
 * from Azure DevOps. Only repositories in this connection's listing are answered.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string; repositoryId: string }> }) {
  const { id, repositoryId } = await params;
  const target = await routeConnection(id);
  if (!target.ok) {
    return target.response;
  }
  const repoId = adoIdSchema.safeParse(repositoryId);
  if (!repoId.success) {
    return jsonError(400, "INVALID_INPUT", "repositoryId must be an Azure DevOps id (a GUID)", { fields: { repositoryId: ["repositoryId must be an Azure DevOps id (a GUID)"] } });
  }
  const query = parseQuery(request, branchQuerySchema);
  if (!query.ok) {
    return query.response;
  }
  const listing = await getListing(target.user.organizationId, target.connection.id);
  const listed = listing?.visibleGeneration ? await getListedRepository(target.connection.id, listing.visibleGeneration, repoId.data) : null;
  if (!listed) {
    return jsonError(404, "NOT_FOUND", "That repository is not in this connection's list. Refresh the list and pick it again.");
  }
  if (listed.isEmpty) {
    return json({ items: [], nextCursor: null, empty: true });
  }
  try {
    const { client } = await clientForConnection({ organizationId: target.user.organizationId, userId: target.user.id }, target.connection);
    const page = await listBranchPage(client, listed.projectId, listed.repositoryId, {
      ...(query.data.q ? { q: query.data.q } : {}),
      ...(query.data.cursor ? { cursor: query.data.cursor } : {}),
      limit: query.data.limit,
    });
    return json({ ...page, empty: false });
  } catch (error) {
    return upstreamFailure(error, target.connection, "Listing the branches", target.user.organizationId);
  }
}
