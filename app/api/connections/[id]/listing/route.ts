import { getListing } from "@/lib/data/repository-listing";
import { listingDto } from "@/lib/repositories/picker";
import { json, jsonError, parseQuery, routeConnection } from "@/lib/repositories/route-helpers";
import { noQuerySchema } from "@/lib/validation/profiles";

/** Where the connection's repository listing stands (polled while it runs); never starts one. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const target = await routeConnection(id);
  if (!target.ok) {
    return target.response;
  }
  const query = parseQuery(request, noQuerySchema);
  if (!query.ok) {
    return query.response;
  }
  const listing = await getListing(target.user.organizationId, target.connection.id);
  if (!listing) {
    return jsonError(404, "NOT_FOUND", "This connection's repositories have not been listed yet.");
  }
  return json({ listing: listingDto(listing) });
}
