import "server-only";
import { db, type Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { can, refusalOf } from "@/lib/policy";
import type { Scope } from "@/lib/scope";
import { poolOfQueue } from "@/lib/shared/build-pools";

// The job engine's own rows in Keel's schema: worker heartbeats, schedule slots and the
// idempotency keys of effects (JobEffect). pg-boss's tables live in their own schema and are
// read by lib/jobs; nothing here touches them.

// ---------------------------------------------------------------------------------------------
// Idempotent effects

export type EffectKey = {
  /** Unique across Keel: `<what>:<stable id>`, e.g. "audit:repositories.listed:<jobId>". */
  key: string;
  queue: string;
  jobId?: string | null;
  organizationId?: string | null;
};

/**
 * Records that the effect named by `key` happened, inside the caller's transaction. Returns
 * false when it had already happened (the caller then skips the effect and the transaction
 * commits nothing new). Insert this row in the same transaction as the effect itself.
 */
export async function recordEffect(tx: Tx, effect: EffectKey): Promise<boolean> {
  const inserted = await tx.$executeRaw`
    INSERT INTO "JobEffect" (key, queue, "jobId", "organizationId")
    VALUES (${effect.key}, ${effect.queue}, ${effect.jobId ?? null}::uuid, ${effect.organizationId ?? null}::uuid)
    ON CONFLICT (key) DO NOTHING`;
  return inserted === 1;
}

/**
 * Runs `effect` once per key: in one transaction, the key is recorded and the effect runs;
 * a second call with the same key (a retried job, a duplicate delivery) runs nothing and
 * returns `{ done: false }`. Only database effects can share the transaction: for an outbound
 * call, record the key after the call succeeded and make the call itself idempotent (see
 * lib/jobs/README.md).
 */
export async function runOnce<T>(effect: EffectKey, run: (tx: Tx) => Promise<T>): Promise<{ done: true; value: T } | { done: false }> {
  return db.$transaction(async (tx) => {
    if (!(await recordEffect(tx, effect))) {
      return { done: false as const };
    }
    return { done: true as const, value: await run(tx) };
  });
}

/** Whether an effect with this key was recorded. */
export async function effectRecorded(key: string): Promise<boolean> {
  return (await db.jobEffect.count({ where: { key } })) > 0;
}

// ---------------------------------------------------------------------------------------------
// Worker heartbeats

export type WorkerBeat = { id: string; host: string; pid: number; queues: string[]; startedAt: Date; activeJobs: number; drainingSince: Date | null; buildUser: string | null };

/** Writes (or refreshes) a worker's heartbeat row. */
export async function beatWorker(beat: WorkerBeat): Promise<void> {
  const now = new Date();
  await db.workerHeartbeat.upsert({
    where: { id: beat.id },
    create: { ...beat, lastBeatAt: now },
    update: { lastBeatAt: now, activeJobs: beat.activeJobs, queues: beat.queues, drainingSince: beat.drainingSince },
  });
}

/** Removes a worker's row (clean stop). */
export async function removeWorker(id: string): Promise<void> {
  await db.workerHeartbeat.deleteMany({ where: { id } });
}

export type WorkerSummary = {
  live: number;
  lastHeartbeatAt: Date | null;
  activeJobs: number;
  /** Live workers that drain (SIGQUIT, before an upgrade): they finish their builds and take no new one. */
  draining: number;
  /** The build pools at least one live worker builds for (from the queues in their heartbeats), sorted. */
  pools: string[];
};

/** Workers whose last beat is younger than `liveWithinMs`, the build pools they serve, and the newest beat of any worker. */
export async function summarizeWorkers(liveWithinMs: number): Promise<WorkerSummary> {
  const since = new Date(Date.now() - liveWithinMs);
  const [live, newest] = await Promise.all([
    // One row per worker process: a handful, even on a large installation.
    db.workerHeartbeat.findMany({ where: { lastBeatAt: { gte: since } }, select: { queues: true, activeJobs: true, drainingSince: true } }),
    db.workerHeartbeat.aggregate({ _max: { lastBeatAt: true } }),
  ]);
  // A draining worker takes no new builds: its pools are served only if another worker serves them.
  const pools = new Set(live.filter((worker) => worker.drainingSince === null).flatMap((worker) => worker.queues.map(poolOfQueue).filter((pool): pool is string => pool !== null)));
  return {
    live: live.length,
    lastHeartbeatAt: newest._max.lastBeatAt,
    activeJobs: live.reduce((sum, worker) => sum + worker.activeJobs, 0),
    draining: live.filter((worker) => worker.drainingSince !== null).length,
    pools: [...pools].sort((a, b) => a.localeCompare(b, "en")),
  };
}

/**
 * How many live workers (a beat within `liveWithinMs`, not draining) build for `pool` with their
 * steps run as a build user: those that run a fork's build without secrets (lib/builds/README.md,
 * "Isolation"). One row per worker process: a handful.
 */
export async function isolatedWorkers(pool: string, liveWithinMs: number): Promise<number> {
  const rows = await db.workerHeartbeat.findMany({ where: { lastBeatAt: { gte: new Date(Date.now() - liveWithinMs) }, drainingSince: null, buildUser: { not: null } }, select: { queues: true } });
  return rows.filter((row) => row.queues.map(poolOfQueue).includes(pool)).length;
}

export type WorkerView = {
  id: string;
  host: string;
  pid: number;
  /** The build pools it builds for; empty for a worker that runs no builds. */
  pools: string[];
  /** Jobs running in it at its last heartbeat (builds and other background work). */
  activeJobs: number;
  startedAt: Date;
  lastBeatAt: Date;
  /** Whether it beat within the window: false for one that stopped reporting (killed, its machine gone). */
  live: boolean;
  /** Since when it drains (SIGQUIT): it finishes its builds, takes no new ones, then stops. */
  drainingSince: Date | null;
  /** The user its builds' steps run as (KEEL_BUILD_USER); null: the worker's own. */
  buildUser: string | null;
};

/**
 * Every worker that wrote a heartbeat (a clean stop deletes its row; a killed one's stays until
 * housekeeping prunes it after a day), live ones first, for the admins' Workers page.
 */
export async function listWorkers(scope: Scope, liveWithinMs: number): Promise<WorkerView[]> {
  if (!can(scope, "worker.read")) {
    throw new AppError("FORBIDDEN", refusalOf("worker.read"));
  }
  const since = Date.now() - liveWithinMs;
  const rows = await db.workerHeartbeat.findMany({ orderBy: [{ lastBeatAt: "desc" }, { id: "asc" }], take: 500 });
  return rows
    .map((row) => ({
      id: row.id,
      host: row.host,
      pid: row.pid,
      pools: row.queues.map(poolOfQueue).filter((pool): pool is string => pool !== null),
      activeJobs: row.activeJobs,
      startedAt: row.startedAt,
      lastBeatAt: row.lastBeatAt,
      live: row.lastBeatAt.getTime() >= since,
      drainingSince: row.drainingSince,
      buildUser: row.buildUser,
    }))
    .sort((a, b) => Number(b.live) - Number(a.live) || a.host.localeCompare(b.host, "en") || a.pid - b.pid);
}

// ---------------------------------------------------------------------------------------------
// Schedules

/** The last slot a schedule enqueued, or null when it never ran. */
export async function lastScheduleSlot(name: string): Promise<Date | null> {
  const row = await db.jobSchedule.findUnique({ where: { name }, select: { lastSlotAt: true } });
  return row?.lastSlotAt ?? null;
}

/** Moves a schedule's last slot forward (never back: a late worker cannot rewind it). */
export async function advanceScheduleSlot(name: string, queue: string, slotAt: Date, jobId: string | null): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "JobSchedule" (name, queue, "lastSlotAt", "lastJobId", "updatedAt")
    VALUES (${name}, ${queue}, ${slotAt}, ${jobId}::uuid, now())
    ON CONFLICT (name) DO UPDATE SET "lastSlotAt" = EXCLUDED."lastSlotAt", "lastJobId" = EXCLUDED."lastJobId", queue = EXCLUDED.queue, "updatedAt" = now()
    WHERE "JobSchedule"."lastSlotAt" < EXCLUDED."lastSlotAt"`;
}

// ---------------------------------------------------------------------------------------------
// Housekeeping

/** Deletes heartbeat rows of workers silent for longer than `olderThanMs`, and effect keys past `effectsOlderThanMs`. */
export async function pruneJobRows(options: { workersOlderThanMs: number; effectsOlderThanMs: number }): Promise<{ workers: number; effects: number }> {
  const now = Date.now();
  const [workers, effects] = await Promise.all([
    db.workerHeartbeat.deleteMany({ where: { lastBeatAt: { lt: new Date(now - options.workersOlderThanMs) } } }),
    db.jobEffect.deleteMany({ where: { createdAt: { lt: new Date(now - options.effectsOlderThanMs) } } }),
  ]);
  return { workers: workers.count, effects: effects.count };
}

