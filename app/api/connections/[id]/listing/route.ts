import { json, jsonError, route } from "@/lib/entry/route";
import { listingDto } from "@/lib/repositories/picker";

/** Where the connection's repository listing stands (polled while it runs); never starts one. */
export const GET = route({ name: "api.connections.listing", permission: "connection.read", target: "pickerConnection" }, async ({ target: connection }) => {
  const listing = connection.listing;
  if (!listing) {
    return jsonError(404, "NOT_FOUND", "This connection's repositories have not been listed yet.");
  }
  return json({ listing: listingDto(listing) });
});
