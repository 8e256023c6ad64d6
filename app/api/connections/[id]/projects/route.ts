import { json, route, serverTiming } from "@/lib/entry/route";
import { projectPage } from "@/lib/repositories/picker";
import { upstreamFailure } from "@/lib/repositories/route-helpers";
import { projectQuerySchema } from "@/lib/validation/profiles";

/** One page of the connection's projects (with repository counts) from Keel's listing cache. */
export const GET = route(
  { name: "api.connections.projects", permission: "connection.read", target: "connection", query: projectQuerySchema },
  async ({ scope, target: connection, query }) => {
    try {
      // Server-Timing "picker": the listing state and the page's query, without session and framework.
      const started = performance.now();
      const page = await projectPage(scope, connection, query);
      return json(page, 200, serverTiming("picker", started));
    } catch (error) {
      return upstreamFailure(scope, error, connection, "Reading the project list");
    }
  },
);
