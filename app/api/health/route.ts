import { getEnv } from "@/lib/env";
import { checkDatabase } from "@/lib/data/health";
import { summarizeWorkers } from "@/lib/data/jobs";
import { jobCounts } from "@/lib/jobs/stats";
import { publicRoute } from "@/lib/entry/route";

const TIMEOUT_MS = 3_000;

function withTimeout<T>(promise: Promise<T>): Promise<T | null> {
  return Promise.race([promise.catch(() => null), new Promise<null>((resolve) => setTimeout(() => resolve(null), TIMEOUT_MS).unref())]);
}

/**
 * Liveness for load balancers and supervisors, as JSON; open to anyone, so it says only what
 * anyone may know: whether the database answers, how many job workers are live and when the
 * last one beat, and job counts. No host names, process ids, queue names, organization data,
 * error messages or versions. 503 only when the database does not answer (this instance
 * cannot serve); no live worker is "degraded" with 200 (the pages still work; background work
 * waits), so a load balancer does not pull web-only instances when workers are elsewhere.
 */
export const GET = publicRoute({ name: "api.health" }, async () => {
  const database = await checkDatabase();
  const [workers, jobs] = database.ok ? await Promise.all([withTimeout(summarizeWorkers(3 * getEnv().KEEL_WORKER_HEARTBEAT_MS)), withTimeout(jobCounts())]) : [null, null];
  const body = {
    status: database.ok && workers !== null && workers.live > 0 ? "ok" : "degraded",
    database: database.ok ? "reachable" : "unreachable",
    workers: workers ? { live: workers.live, draining: workers.draining, lastHeartbeatAt: workers.lastHeartbeatAt?.toISOString() ?? null, runningJobs: workers.activeJobs } : null,
    jobs,
    checkedAt: new Date().toISOString(),
  };
  return Response.json(body, { status: database.ok ? 200 : 503, headers: { "Cache-Control": "no-store" } });
});
