import { repositoryPage } from "@/lib/repositories/picker";
import { json, parseQuery, routeConnection, upstreamFailure } from "@/lib/repositories/route-helpers";
import { repositoryQuerySchema } from "@/lib/validation/profiles";

/**
 * One page of the connection's repositories from Keel's listing cache, searched by repository
 * or project name (`q`), optionally within one project; starts a listing in the background
 * when there is none or it expired. Members and admins of the connection's organization.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const target = await routeConnection(id);
  if (!target.ok) {
    return target.response;
  }
  const query = parseQuery(request, repositoryQuerySchema);
  if (!query.ok) {
    return query.response;
  }
  try {
    return json(await repositoryPage({ organizationId: target.user.organizationId, userId: target.user.id }, target.connection, query.data));
  } catch (error) {
    return upstreamFailure(error, target.connection, "Reading the repository list", target.user.organizationId);
  }
}
