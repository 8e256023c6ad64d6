import "server-only";
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import os from "node:os";
import type PgBoss from "pg-boss";
import { advanceScheduleSlot, beatWorker, lastScheduleSlot, removeWorker } from "@/lib/data/jobs";
import { AppError } from "@/lib/errors";
import type { logger } from "@/lib/logger";
import { systemScope } from "@/lib/scope";
import { createBoss, JOB_SCHEMA } from "./boss";
import { deadLetterQueue, handlerQueues, JobDeferred, type BoundHandler, type JobContext, type JobEnvelope, type QueueDefinition, type Registry, type ScheduleDefinition } from "./define";
import { ensureQueue, sendJob } from "./send";
import { slotJobId, slotStart, tickMs } from "./schedules";

// A worker of the job engine: fetches jobs from pg-boss (its own loop, not pg-boss's work(),
// so completion is awaited, concurrency is exact and shutdown can hand jobs back), runs their
// handlers with a system scope and an AbortSignal, ticks the schedules and writes a heartbeat.

export type WorkerSettings = {
  /** Jobs of one queue run at once, unless the queue sets its own. */
  concurrency: number;
  pollMs: number;
  heartbeatMs: number;
  /** On stop, how long running jobs may take before they are handed back. */
  graceMs: number;
  /** pg-boss maintenance interval: how soon an expired job (dead worker) is retried. */
  maintenanceSeconds: number;
  /** Per-queue concurrency from configuration (e.g. builds.run ← KEEL_BUILD_CONCURRENCY), over the queue's own. */
  queueConcurrency?: Record<string, number>;
  /** The user its builds' steps run as (KEEL_BUILD_USER), reported in its heartbeat; null: its own. */
  buildUser?: string | null;
};

export type RunningWorker = {
  id: string;
  /** Stops fetching, lets running jobs finish within the grace period, hands back the rest. */
  stop(reason: string): Promise<void>;
  /**
   * Drains: takes no new jobs of the `finishOnDrain` queues (builds), keeps taking the others,
   * and stops (as `stop`) once none of its `finishOnDrain` jobs runs any more. Resolves when stopped.
   */
  drain(reason: string): Promise<void>;
};

type ActiveJob = { queue: string; id: string; controller: AbortController; settled: Promise<void>; handedBack: boolean };

const MAX_BACKOFF_MS = 10_000;
/** After aborting on shutdown, how long handlers get to release what they hold before their jobs are handed back. */
const RELEASE_MS = 3_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Starts a worker for the registry's queues and schedules on `databaseUrl`. */
export async function startWorker(options: { databaseUrl: string; registry: Registry; settings: WorkerSettings; log: ReturnType<typeof logger> }): Promise<RunningWorker> {
  const { registry, settings, log } = options;
  const id = randomUUID();
  const boss = createBoss(options.databaseUrl, "worker", { maintenanceSeconds: settings.maintenanceSeconds, poolSize: 2 + registry.handlers.length });
  // pg-boss reports pool and maintenance errors as events (a restarted PostgreSQL): the
  // loops below retry on their own, so these are logged, not fatal.
  boss.on("error", (error) => log.warn({ err: error }, "job engine: database error (retrying)"));
  await boss.start();
  for (const handler of registry.handlers) {
    for (const queue of handlerQueues(handler)) {
      await ensureQueue(boss, queue);
    }
  }

  const stopping = new AbortController();
  const active = new Map<string, ActiveJob>();
  let drainingSince: Date | null = null;
  /** Fetches of finishOnDrain queues in flight: a drain waits for them too (one may bring a build). */
  let fetchingToFinish = 0;
  // The heartbeat names every queue this worker fetches: pages read which build pools have a live worker from it.
  const queues = registry.handlers.flatMap((handler) => handlerQueues(handler).map((queue) => queue.name));
  const startedAt = new Date();

  const beat = async () => {
    try {
      await beatWorker({ id, host: os.hostname(), pid: process.pid, queues, startedAt, activeJobs: active.size, drainingSince, buildUser: settings.buildUser ?? null });
    } catch (error) {
      log.warn({ err: error }, "job engine: heartbeat failed (retrying)");
    }
  };
  await beat();
  const heartbeat = setInterval(() => void beat(), settings.heartbeatMs);

  const loops: Promise<void>[] = [];
  for (const handler of registry.handlers) {
    const slots = settings.queueConcurrency?.[handler.queue.name] ?? handler.queue.concurrency ?? settings.concurrency;
    for (let slot = 0; slot < slots; slot += 1) {
      loops.push(fetchLoop(handler));
    }
  }
  for (const schedule of registry.schedules) {
    loops.push(scheduleLoop(schedule));
  }
  // Every idle loop sleeps on `stopping` (one listener each, removed when it wakes): more loops
  // than Node's default of 10 made it print a "possible EventTarget memory leak" warning at
  // every start. The threshold follows the loops, so a real leak would still be reported.
  setMaxListeners(loops.length + 10, stopping.signal);
  log.info({ workerId: id, queues, schedules: registry.schedules.map((schedule) => schedule.name), concurrency: settings.concurrency }, "job engine: worker started");

  async function fetchLoop(handler: BoundHandler): Promise<void> {
    const candidates = handlerQueues(handler);
    let failures = 0;
    let turn = 0;
    // Draining, a finishOnDrain handler's loop takes nothing more (its running job finishes first).
    while (!stopping.signal.aborted && !(drainingSince && handler.queue.finishOnDrain)) {
      let job: PgBoss.JobWithMetadata<JobEnvelope> | undefined;
      let queue: QueueDefinition = handler.queue;
      try {
        // A handler with variants (build pools) asks each of its queues in turn, starting one
        // further each time, so one busy pool cannot starve the others.
        fetchingToFinish += handler.queue.finishOnDrain ? 1 : 0;
        try {
          for (let index = 0; index < candidates.length && !job; index += 1) {
            queue = candidates[(turn + index) % candidates.length]!;
            [job] = await boss.fetch<JobEnvelope>(queue.name, { batchSize: 1, includeMetadata: true });
          }
        } finally {
          // (A job fetched is in `active` before anything else awaits: see runJob.)
          fetchingToFinish -= handler.queue.finishOnDrain ? 1 : 0;
        }
        turn = (turn + 1) % candidates.length;
        failures = 0;
      } catch (error) {
        failures += 1;
        if (failures === 1) {
          log.warn({ err: error, queue: queue.name }, "job engine: fetching jobs failed (retrying)");
        }
        await sleep(Math.min(MAX_BACKOFF_MS, settings.pollMs * 2 ** failures), stopping.signal);
        continue;
      }
      if (!job) {
        await sleep(settings.pollMs, stopping.signal);
        continue;
      }
      await runJob(handler, queue, job);
    }
  }

  async function runJob(handler: BoundHandler, queue: QueueDefinition, job: PgBoss.JobWithMetadata<JobEnvelope>): Promise<void> {
    const controller = new AbortController();
    const entry: ActiveJob = { queue: queue.name, id: job.id, controller, settled: Promise.resolve(), handedBack: false };
    const fields = { queue: queue.name, jobId: job.id, attempt: job.retryCount + 1 };
    const expiry = setTimeout(() => controller.abort(new Error(`the job reached its expiry (${queue.expireInSeconds} s)`)), queue.expireInSeconds * 1_000);
    let release: () => void = () => undefined;
    entry.settled = new Promise((resolve) => {
      release = resolve;
    });
    active.set(job.id, entry);
    const started = performance.now();
    try {
      const envelope = job.data;
      const payload = queue.payload.parse(envelope.payload);
      let context: JobContext;
      const base = { jobId: job.id, queue: queue.name, retryCount: job.retryCount, signal: controller.signal, scheduledFor: envelope.scheduledFor ? new Date(envelope.scheduledFor) : null };
      if (queue.scope === "organization") {
        if (!envelope.organizationId) {
          throw new Error("the job names no organization");
        }
        context = { ...base, scope: systemScope(envelope.organizationId, queue.name, envelope.requestedBy) };
      } else {
        context = { ...base, scope: null };
      }
      await handler.run(payload, context);
      if (entry.handedBack || controller.signal.aborted) {
        // Handed back on shutdown, or expired: the job is the queue's again (pg-boss expires
        // it into a retry); completing it here would race the next attempt.
        return;
      }
      await boss.complete(queue.name, job.id);
      log.info({ ...fields, ms: Math.round(performance.now() - started) }, "job completed");
    } catch (error) {
      if (entry.handedBack || controller.signal.aborted) {
        // Handed back, or past its expiry: pg-boss's maintenance retries an expired job, and
        // failing it here as well would spend a second attempt.
        return;
      }
      if (error instanceof JobDeferred) {
        // Not yet: back in the queue for later, as if it had not been fetched (no attempt spent).
        try {
          await putBack(queue.name, job.id, error.seconds);
          log.info({ ...fields, afterSeconds: error.seconds, reason: error.message }, "job deferred");
        } catch (putBackError) {
          log.warn({ ...fields, err: putBackError }, "job engine: could not defer a job (it will expire and run again)");
        }
        return;
      }
      if (error instanceof AppError && error.code === "NOT_FOUND") {
        // What the job works on is gone (a connection or profile deleted after the job was
        // queued): no later attempt can find it again, so the job is done, not failed — retrying
        // would only fill the log and the dead-letter queue.
        try {
          await boss.complete(queue.name, job.id);
          log.info({ ...fields, reason: error.message }, "job completed without work: its target no longer exists");
        } catch (completeError) {
          log.warn({ ...fields, err: completeError }, "job engine: could not complete a job whose target is gone (it will expire and run again)");
        }
        return;
      }
      const final = job.retryCount >= job.retryLimit;
      try {
        await boss.fail(queue.name, job.id, { message: errorMessage(error) });
      } catch (failError) {
        log.warn({ ...fields, err: failError }, "job engine: could not record a failure (the job will expire and be retried)");
      }
      if (final) {
        // The visible dead-letter path: logged here, counted by /api/health, kept in <queue>.dead.
        log.error({ ...fields, err: error, deadLetter: queue.deadLetter === false ? null : deadLetterQueue(queue.name) }, "job failed on its last attempt");
      } else {
        log.warn({ ...fields, err: error }, "job failed; it will be retried");
      }
    } finally {
      clearTimeout(expiry);
      active.delete(job.id);
      release();
    }
  }

  async function scheduleLoop(schedule: ScheduleDefinition): Promise<void> {
    let known: Date | null = null;
    await ensureQueue(boss, schedule.queue).catch(() => undefined);
    while (!stopping.signal.aborted) {
      const slot = slotStart(new Date(), schedule.everySeconds);
      if (known === null || known.getTime() < slot.getTime()) {
        try {
          known = await lastScheduleSlot(schedule.name);
          if (known === null || known.getTime() < slot.getTime()) {
            const jobId = slotJobId(schedule.name, slot);
            const sent = await sendJob(boss, schedule.queue, schedule.payload, { organizationId: null, id: jobId, scheduledFor: slot });
            await advanceScheduleSlot(schedule.name, schedule.queue.name, slot, jobId);
            known = slot;
            if (sent !== null) {
              log.info({ schedule: schedule.name, slot: slot.toISOString(), jobId }, "schedule: enqueued its job for this slot");
            }
          }
        } catch (error) {
          known = null;
          log.warn({ err: error, schedule: schedule.name }, "schedule: could not enqueue (retrying)");
        }
      }
      await sleep(tickMs(schedule.everySeconds), stopping.signal);
    }
  }

  // Puts a running job back in the queue without spending one of its attempts: pg-boss has
  // no call for it (fail() would count an attempt, and dead-letter a job on its last one).
  async function putBack(queue: string, jobId: string, afterSeconds: number): Promise<boolean> {
    const { rows } = await boss.getDb().executeSql(
      `UPDATE ${JOB_SCHEMA}.job SET state = 'retry', start_after = now() + make_interval(secs => $3), retry_limit = retry_limit + 1
       WHERE name = $1 AND id = $2 AND state = 'active' RETURNING id`,
      [queue, jobId, afterSeconds],
    );
    return rows.length === 1;
  }

  const handBack = (job: ActiveJob) => putBack(job.queue, job.id, 0);

  let stopped: Promise<void> | undefined;
  let drained: Promise<void> | undefined;
  const finishOnDrain = new Set(registry.handlers.filter((handler) => handler.queue.finishOnDrain).flatMap((handler) => handlerQueues(handler).map((queue) => queue.name)));
  /** Running jobs a draining worker waits for (builds). */
  const finishing = () => fetchingToFinish + [...active.values()].filter((job) => finishOnDrain.has(job.queue)).length;

  function drain(reason: string): Promise<void> {
    drained ??= (async () => {
      drainingSince = new Date();
      log.info({ workerId: id, reason, finishing: finishing() }, "job engine: worker draining (it finishes its builds, takes no new ones, then stops)");
      // At once, so that pages stop counting it as a worker of its build pools.
      await beat();
      while (finishing() > 0 && !stopping.signal.aborted) {
        await sleep(settings.pollMs, stopping.signal);
      }
      await stop(`drained (${reason})`);
    })();
    return drained;
  }

  function stop(reason: string): Promise<void> {
    stopped ??= (async () => {
      log.info({ workerId: id, reason, running: active.size, graceMs: settings.graceMs }, "job engine: worker stopping");
      stopping.abort();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, settings.graceMs).unref());
      await Promise.race([Promise.all([...active.values()].map((job) => job.settled)), deadline]);
      const remaining = [...active.values()];
      // Abort first and give handlers a moment to release what they hold (a lease), so the
      // job's next attempt, on another worker, finds it free; then hand the jobs back.
      for (const job of remaining) {
        job.handedBack = true;
        job.controller.abort(new Error("the worker is shutting down"));
      }
      await Promise.race([Promise.all(remaining.map((job) => job.settled)), new Promise((resolve) => setTimeout(resolve, RELEASE_MS).unref())]);
      for (const job of remaining) {
        try {
          const handed = await handBack(job);
          log.info({ queue: job.queue, jobId: job.id, handed }, "job engine: handed a running job back to the queue");
        } catch (error) {
          log.warn({ queue: job.queue, jobId: job.id, err: error }, "job engine: could not hand a job back (it will expire and be retried)");
        }
      }
      clearInterval(heartbeat);
      await Promise.race([Promise.all(loops), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      await removeWorker(id).catch(() => undefined);
      await boss.stop({ graceful: false, close: true, wait: true }).catch(() => undefined);
      log.info({ workerId: id }, "job engine: worker stopped");
    })();
    return stopped;
  }

  return { id, stop, drain };
}
