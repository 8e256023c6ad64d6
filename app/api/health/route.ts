import { checkDatabase } from "@/lib/data/health";
import { publicRoute } from "@/lib/entry/route";

/** Liveness and database reachability, as JSON (no secrets, no versions). Public: supervisors and load balancers ask it. */
export const GET = publicRoute({ name: "api.health" }, async () => {
  const database = await checkDatabase();
  const body = { status: database.ok ? "ok" : "degraded", database: database.ok ? "reachable" : "unreachable", checkedAt: new Date().toISOString() };
  return Response.json(body, { status: database.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
});
