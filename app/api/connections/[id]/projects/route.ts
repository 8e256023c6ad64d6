import { json, route, serverTiming } from "@/lib/entry/route";
import { projectPage } from "@/lib/repositories/picker";
import { upstreamFailure } from "@/lib/repositories/route-helpers";
import { projectQuerySchema } from "@/lib/validation/profiles";

/** One page of the connection's projects (with repository counts) from Keel's listing cache. */
export const GET = route(
  { name: "api.connections.projects", permission: "connection.read", target: "pickerConnection", query: projectQuerySchema },
  async ({ scope, target: connection, query }) => {
    try {
      // Server-Timing "picker": the listing's upkeep and the page's query, without session, framework
      // and the connection's load (which brings the listing along).
      const started = performance.now();
      const page = await projectPage(scope, connection, query);
      return json(page, 200, serverTiming("picker", started));
    } catch (error) {
      return upstreamFailure(scope, error, connection, "Reading the project list");
    }
  },
);
