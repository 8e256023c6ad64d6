import "server-only";
import { buildsOver, buildsWithStaleReports, noticeLongPauses, noticeStrandedPools, sweepBuilds } from "@/lib/data/builds";
import { summarizeWorkers } from "@/lib/data/jobs";
import { webhooksWithStaleDeliveries } from "@/lib/data/webhooks";
import { getEnv } from "@/lib/env";
import { enqueue } from "@/lib/jobs/enqueue";
import { buildQueueFor, RUN_NEXT_PRIORITY } from "@/lib/jobs/queues";
import { logger } from "@/lib/logger";
import { systemScope } from "@/lib/scope";
import { readdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { killBuildProcesses } from "./process";
import { requestNoticeEmails } from "@/lib/notifications/request";
import { requestWebhook } from "@/lib/webhooks/deliver";
import { requestReport } from "./report-queue";
import { followWorkerGone, removeTree, WORKSPACE_PREFIX } from "./runner";

// The builds.sweep schedule (every KEEL_BUILD_SWEEP_SECONDS): pg-boss would notice a killed
// worker's job only at its expiry (hours, for builds), so running builds carry their own
// heartbeat and this job marks those whose heartbeat went quiet as errors, at once.

const log = logger("builds.sweep");

/** A running build whose heartbeat is older than this lost its worker. */
export function staleAfterMs(heartbeatMs: number): number {
  // Builds beat every second; three worker heartbeats (15 s by default) absorb a slow database.
  return Math.max(3 * heartbeatMs, 3_000);
}

/** Queued builds older than this get their job sent again (idempotent: the job id is the build id). */
const REQUEUE_AFTER_MS = 60_000;
/** Builds queued this long in a pool with no live worker make a notice for the admins. */
const STRANDED_AFTER_MS = 10 * 60_000;
/** A profile paused this long makes a notice for the admins (a pause nobody lifted). */
const PAUSED_LONG_AFTER_MS = 24 * 3_600_000;
/** Unsent report intents older than this get their report job queued again. */
const REPORT_AGAIN_AFTER_MS = 120_000;

/** The handler of the builds.sweep queue. */
export async function sweepBuildsJob(): Promise<void> {
  const env = getEnv();
  const now = Date.now();
  const { lost, queued } = await sweepBuilds(new Date(now - staleAfterMs(env.KEEL_WORKER_HEARTBEAT_MS)), new Date(now - REQUEUE_AFTER_MS));
  for (const build of lost) {
    log.warn({ buildId: build.id, retryId: build.retry?.id }, build.retry ? "a running build lost its worker: marked as an error and started again" : "a running build lost its worker: marked as an error");
    await cleanUpOnThisMachine(build.id, env.KEEL_BUILD_DIR ?? os.tmpdir());
    await followWorkerGone(systemScope(build.organizationId, "builds.sweep", build.requestedById), build);
  }
  for (const build of queued) {
    // A build moved to the front keeps its place when its job is sent again.
    await enqueue(buildQueueFor(build.pool), { buildId: build.id }, { scope: systemScope(build.organizationId, "builds.sweep"), id: build.id, ...(build.runNextAt ? { priority: RUN_NEXT_PRIORITY } : {}) }).catch((error: unknown) =>
      log.warn({ err: error, buildId: build.id }, "could not queue a build's job again"),
    );
  }
  for (const build of await buildsWithStaleReports(new Date(now - REPORT_AGAIN_AFTER_MS))) {
    await requestReport(systemScope(build.organizationId, "builds.sweep"), build.id);
  }
  // Builds waiting for a pool no live worker builds for: its admins hear of it (once per episode).
  const { pools } = await summarizeWorkers(staleAfterMs(env.KEEL_WORKER_HEARTBEAT_MS));
  const stranded = await noticeStrandedPools(new Date(now - STRANDED_AFTER_MS), pools);
  const pausedLong = await noticeLongPauses(new Date(now - PAUSED_LONG_AFTER_MS));
  if (pausedLong > 0) {
    log.info({ notices: pausedLong }, "profiles paused for a day: told the admins");
    await requestNoticeEmails();
  }
  if (stranded > 0) {
    log.warn({ notices: stranded }, "builds wait for a build pool with no live worker: told the admins");
    await requestNoticeEmails();
  }
  // Outgoing webhook deliveries whose sender was never queued or was lost (a crash between the
  // state change and the request): wake it. A sender already waiting makes this a no-op.
  for (const stale of await webhooksWithStaleDeliveries(new Date(now - REPORT_AGAIN_AFTER_MS))) {
    await requestWebhook(systemScope(stale.organizationId, "builds.sweep"), stale.webhookId);
  }
}

/**
 * What a killed worker left on this machine: the build's processes (they carry its marker
 * variable) and its workspace. On a single machine the launcher's next worker sweeps them; on
 * a fleet, each worker machine cleans what is its own when its sweeper runs or when a worker
 * starts there (cleanUpLeftWorkspaces), and a container that died takes both with it.
 */
async function cleanUpOnThisMachine(buildId: string, root: string): Promise<void> {
  await killBuildProcesses([], `KEEL_BUILD_ID=${buildId}`, 0).catch(() => 0);
  const entries = await readdir(root).catch(() => [] as string[]);
  for (const entry of entries.filter((name) => name.startsWith(`${WORKSPACE_PREFIX}${buildId}-`))) {
    await removeTree(path.join(root, entry)).catch(() => undefined);
  }
}

/**
 * When a worker starts: deletes the build workspaces in this machine's build folder that runs left
 * behind (a worker killed, a machine restarted, a worker stopped before its cleanup ended) and
 * kills what those runs left running — only for builds this database knows to be over: a running
 * build's may be another worker's on the same machine, and an unknown one another Keel's sharing
 * the folder. Returns how many builds' it deleted.
 */
export async function cleanUpLeftWorkspaces(root: string): Promise<number> {
  const entries = await readdir(root).catch(() => [] as string[]);
  const ids = new Set(entries.flatMap((entry) => LEFT_WORKSPACE.exec(entry)?.slice(1, 2) ?? []));
  if (ids.size === 0) {
    return 0;
  }
  const over = await buildsOver([...ids]);
  for (const id of over) {
    await cleanUpOnThisMachine(id, root);
  }
  return over.size;
}

/** A build workspace's folder name: the prefix, the build's id, mkdtemp's suffix. */
const LEFT_WORKSPACE = new RegExp(`^${WORKSPACE_PREFIX}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-`);
