import { json, route, serverTiming } from "@/lib/entry/route";
import { repositoryPage } from "@/lib/repositories/picker";
import { upstreamFailure } from "@/lib/repositories/route-helpers";
import { repositoryQuerySchema } from "@/lib/validation/profiles";

/**
 * One page of the connection's repositories from Keel's listing cache, searched by repository
 * or project name (`q`), optionally within one project; starts a listing in the background
 * when there is none or it expired. Members and admins of the connection's organization.
 */
export const GET = route(
  { name: "api.connections.repositories", permission: "connection.read", target: "pickerConnection", query: repositoryQuerySchema },
  async ({ scope, target: connection, query }) => {
    try {
      // Server-Timing "picker": the listing's upkeep and the page's query, without session, framework
      // and the connection's load (which brings the listing along).
      const started = performance.now();
      const page = await repositoryPage(scope, connection, query);
      return json(page, 200, serverTiming("picker", started));
    } catch (error) {
      return upstreamFailure(scope, error, connection, "Reading the repository list");
    }
  },
);
