import { checkDatabase } from "@/lib/data/health";

/** Liveness and database reachability, as JSON (no secrets, no versions). */
export async function GET() {
  const database = await checkDatabase();
  const body = { status: database.ok ? "ok" : "degraded", database: database.ok ? "reachable" : "unreachable", checkedAt: new Date().toISOString() };
  return Response.json(body, { status: database.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
