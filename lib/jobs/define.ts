// The typed vocabulary of the job engine: a queue is a name, a zod payload schema and its
// delivery policy; a handler is bound to it separately (lib/jobs/handlers.ts) so that code
// which only enqueues never imports the code that runs jobs. Not a "server-only" module:
// it holds no secret and no I/O, and the worker's tests import it from plain Node.
import type { z } from "zod";
import type { Scope } from "@/lib/scope";

/**
 * pg-boss queue policies, as Keel uses them:
 * - standard: every send is a job;
 * - singleton: at most one job per singleton key is *active* (others wait queued);
 * - stately: at most one queued and one active job per singleton key (a send while one is
 *   queued is dropped: "already requested");
 * - short: at most one queued job per singleton key.
 */
export type QueuePolicy = "standard" | "singleton" | "stately" | "short";

/** Whether a job acts for one Keel organization (and gets its system scope) or for none (fan-out schedules). */
export type ScopeKind = "organization" | "global";

export type QueueDefinition<Schema extends z.ZodType = z.ZodType, Kind extends ScopeKind = ScopeKind> = {
  /** Queue name, `area.verb` (e.g. "repositories.list"). The dead-letter queue is `<name>.dead`. */
  name: string;
  payload: Schema;
  scope: Kind;
  policy: QueuePolicy;
  /** The singleton key of a job (required by singleton/stately/short policies to mean anything). */
  singletonKey?: (payload: z.infer<Schema>) => string;
  /** Attempts after the first, the first retry's delay and whether later ones double (with jitter). */
  retry: { limit: number; delaySeconds: number; backoff: boolean };
  /**
   * An active job older than this is considered lost (its worker died) and is retried; the
   * handler's signal is aborted at this age too. Up to 23 hours (pg-boss's limit).
   */
  expireInSeconds: number;
  /** Jobs of this queue one worker runs at once; default KEEL_WORKER_CONCURRENCY. */
  concurrency?: number;
  /** Failed jobs with no attempt left are moved to `<name>.dead` (default true). */
  deadLetter?: boolean;
  /**
   * Long jobs a draining worker (SIGQUIT) finishes before it stops, taking no new ones (builds):
   * the worker stops once none of them runs, while it keeps taking other queues' short jobs.
   */
  finishOnDrain?: boolean;
};

/** Declares a queue (identity function that keeps the payload type). */
export function defineQueue<Schema extends z.ZodType, Kind extends ScopeKind>(definition: QueueDefinition<Schema, Kind>): QueueDefinition<Schema, Kind> {
  if (definition.expireInSeconds < 1 || definition.expireInSeconds >= 23 * 3_600) {
    throw new Error(`Queue ${definition.name}: expireInSeconds must be between 1 and 82,799`);
  }
  return definition;
}

/** The dead-letter queue of a queue. */
export function deadLetterQueue(name: string): string {
  return `${name}.dead`;
}

/** What a handler receives besides its payload. */
export type JobContext<Kind extends ScopeKind = ScopeKind> = {
  /** The job's pg-boss id (stable across its retries: use it in idempotency keys). */
  jobId: string;
  queue: string;
  /** 0 for the first attempt, 1 for the first retry… */
  retryCount: number;
  /** Aborted on shutdown after the grace period, and when the job reaches its expiry. */
  signal: AbortSignal;
  /** For schedule jobs: the start of the slot this job runs for. */
  scheduledFor: Date | null;
} & (Kind extends "organization" ? { scope: Scope } : { scope: null });

export type JobHandler<Schema extends z.ZodType = z.ZodType, Kind extends ScopeKind = ScopeKind> = (
  payload: z.infer<Schema>,
  context: JobContext<Kind>,
) => Promise<void>;

/**
 * Thrown by a handler whose job cannot run yet (a build whose profile runs one build at a time
 * while another runs): the worker puts the job back to run after `seconds`, spending no attempt.
 */
export class JobDeferred extends Error {
  constructor(
    readonly seconds: number,
    message: string,
  ) {
    super(message);
    this.name = "JobDeferred";
  }
}

/**
 * A handler bound to its queue definition. `variants`: more queues of the same work (the same
 * payload and policy under other names — build pools), fetched in turn by the same loops, so
 * the handler's concurrency counts across all of them.
 */
export type BoundHandler = { queue: QueueDefinition; run: JobHandler; variants?: QueueDefinition[] };

/** Binds a handler to a queue (and its variants), checking the handler's payload and context types against it. */
export function handle<Schema extends z.ZodType, Kind extends ScopeKind>(queue: QueueDefinition<Schema, Kind>, run: JobHandler<Schema, Kind>, variants?: QueueDefinition<Schema, Kind>[]): BoundHandler {
  return { queue: queue as unknown as QueueDefinition, run: run as unknown as JobHandler, ...(variants && variants.length > 0 ? { variants: variants as unknown as QueueDefinition[] } : {}) };
}

/** Every queue a handler fetches from: its own, then its variants. */
export function handlerQueues(handler: BoundHandler): QueueDefinition[] {
  return [handler.queue, ...(handler.variants ?? [])];
}

/**
 * A recurring job: enqueued once per slot across every worker. `everySeconds` slots are
 * aligned to the Unix epoch (3,600 → at the top of each hour, UTC).
 */
export type ScheduleDefinition = {
  /** Schedule name (unique); part of each slot's job id. */
  name: string;
  /** A queue with scope "global" (the schedule acts for no organization; it fans out). */
  queue: QueueDefinition<z.ZodType, "global">;
  everySeconds: number;
  payload: unknown;
};

/** Declares a schedule. */
export function defineSchedule<Schema extends z.ZodType>(definition: {
  name: string;
  queue: QueueDefinition<Schema, "global">;
  everySeconds: number;
  payload: z.infer<Schema>;
}): ScheduleDefinition {
  if (!Number.isInteger(definition.everySeconds) || definition.everySeconds < 1) {
    throw new Error(`Schedule ${definition.name}: everySeconds must be a whole number of seconds ≥ 1`);
  }
  return definition as unknown as ScheduleDefinition;
}

/** Everything a worker runs: queue handlers and schedules. */
export type Registry = { handlers: BoundHandler[]; schedules: ScheduleDefinition[] };

/** The job data pg-boss stores: the payload and who it is for. Never a secret. */
export type JobEnvelope = { organizationId: string | null; requestedBy: string | null; scheduledFor: string | null; payload: unknown };
