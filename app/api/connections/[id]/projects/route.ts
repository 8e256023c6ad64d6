import { projectPage } from "@/lib/repositories/picker";
import { json, parseQuery, routeConnection, upstreamFailure } from "@/lib/repositories/route-helpers";
import { projectQuerySchema } from "@/lib/validation/profiles";

/** One page of the connection's projects (with repository counts) from Keel's listing cache. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const target = await routeConnection(id);
  if (!target.ok) {
    return target.response;
  }
  const query = parseQuery(request, projectQuerySchema);
  if (!query.ok) {
    return query.response;
  }
  try {
    return json(await projectPage({ organizationId: target.user.organizationId, userId: target.user.id }, target.connection, query.data));
  } catch (error) {
    return upstreamFailure(error, target.connection, "Reading the project list", target.user.organizationId);
  }
}
