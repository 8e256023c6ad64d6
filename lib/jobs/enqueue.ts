import "server-only";
import type PgBoss from "pg-boss";
import type { z } from "zod";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import type { Scope } from "@/lib/scope";
import { createBoss, JOB_SCHEMA } from "./boss";
import type { QueueDefinition, ScopeKind } from "./define";
import { sendJob } from "./send";

// enqueue() for any process, the web server included: a send-only pg-boss (no fetching, no
// maintenance, no schema changes) on a pool of two connections, started on first use.

const log = logger("jobs.enqueue");
const holder = globalThis as unknown as { __keelJobSender?: { url: string; boss: Promise<PgBoss> } };

/** The process-wide send-only pg-boss instance. */
export function jobSender(): Promise<PgBoss> {
  const url = getEnv().DATABASE_URL;
  if (!url) {
    throw new Error("DATABASE_URL is not set: start Keel with `npm start`, which provides the database");
  }
  if (!holder.__keelJobSender || holder.__keelJobSender.url !== url) {
    const boss = createBoss(url, "sender");
    boss.on("error", (error) => log.warn({ err: error }, "job engine: database error"));
    const started = boss.start().catch((error: unknown) => {
      // Let the next call try again (PostgreSQL may be restarting).
      holder.__keelJobSender = undefined;
      throw error;
    });
    holder.__keelJobSender = { url, boss: started };
  }
  return holder.__keelJobSender.boss;
}

export type EnqueueOptions<Kind extends ScopeKind> = (Kind extends "organization"
  ? {
      /** Whose organization the job acts for; a user scope also records who asked (requestedBy). */
      scope: Scope;
    }
  : { scope?: undefined }) & {
  /** Start no earlier than this. */
  startAfter?: Date;
  /** A fixed job id (derive it from what makes the job unique): a second send with the same id is dropped. */
  id?: string;
  /** Fetched before the queue's jobs of a lower priority (0 by default). */
  priority?: number;
};

/**
 * Enqueues a job. The payload is validated with the queue's schema (a bad one throws here,
 * not in a worker). Returns the job id, or null when the queue's singleton policy dropped it
 * (the same work is already queued).
 */
export async function enqueue<Schema extends z.ZodType, Kind extends ScopeKind>(
  queue: QueueDefinition<Schema, Kind>,
  payload: z.infer<Schema>,
  options: EnqueueOptions<Kind>,
): Promise<string | null> {
  const scope = options.scope;
  const requestedBy = scope ? (scope.actor.kind === "user" ? scope.actor.userId : (scope.actor.requestedBy ?? null)) : null;
  const id = await sendJob(await jobSender(), queue as unknown as QueueDefinition, payload, {
    organizationId: scope?.organizationId ?? null,
    requestedBy,
    ...(options.startAfter ? { startAfter: options.startAfter } : {}),
    ...(options.id ? { id: options.id } : {}),
    ...(options.priority ? { priority: options.priority } : {}),
  });
  log.debug({ queue: queue.name, jobId: id }, id ? "job enqueued" : "job not enqueued: the same work is already queued");
  return id;
}

/**
 * Raises the priority of a job still waiting in its queue (created, or put back for later), so
 * that workers fetch it before the others: pg-boss has no call for it. False when the job is not
 * waiting any more (running, done) or does not exist.
 */
export async function raiseJobPriority(queue: QueueDefinition, id: string, priority: number): Promise<boolean> {
  const boss = await jobSender();
  const { rows } = await boss.getDb().executeSql(`UPDATE ${JOB_SCHEMA}.job SET priority = $3 WHERE name = $1 AND id = $2 AND state IN ('created', 'retry') RETURNING id`, [queue.name, id, priority]);
  return rows.length === 1;
}

/** Closes the send-only pg-boss of this process (tests, before dropping their database). */
export async function stopJobSender(): Promise<void> {
  const current = holder.__keelJobSender;
  holder.__keelJobSender = undefined;
  const boss = await current?.boss.catch(() => undefined);
  await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
}
