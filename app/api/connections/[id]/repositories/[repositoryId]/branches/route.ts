import { z } from "zod";
import { getListing, getListedRepository } from "@/lib/data/repository-listing";
import { json, jsonError, route } from "@/lib/entry/route";
import { listBranchPage } from "@/lib/repositories/branches";
import { clientForConnection } from "@/lib/repositories/connection-client";
import { upstreamFailure } from "@/lib/repositories/route-helpers";
import { adoIdSchema, branchQuerySchema } from "@/lib/validation/profiles";

/**
 * Branches of a repository the picker listed (for the create form's default branch), live
 * from Azure DevOps. Only repositories in this connection's listing are answered.
 */
export const GET = route(
  {
    name: "api.connections.repository-branches",
    permission: "connection.read",
    target: "connection",
    params: z.object({ repositoryId: adoIdSchema }),
    query: branchQuerySchema,
  },
  async ({ scope, target: connection, params, query }) => {
    const listing = await getListing(scope, connection.id);
    const listed = listing?.visibleGeneration ? await getListedRepository(scope, connection.id, listing.visibleGeneration, params.repositoryId) : null;
    if (!listed) {
      return jsonError(404, "NOT_FOUND", "That repository is not in this connection's list. Refresh the list and pick it again.");
    }
    if (listed.isEmpty) {
      return json({ items: [], nextCursor: null, empty: true });
    }
    try {
      const { client } = await clientForConnection(scope, connection);
      const page = await listBranchPage(client, listed.projectId, listed.repositoryId, {
        ...(query.q ? { q: query.q } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: query.limit,
      });
      return json({ ...page, empty: false });
    } catch (error) {
      return upstreamFailure(scope, error, connection, "Listing the branches");
    }
  },
);
