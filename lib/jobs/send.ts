// Sending a job and creating its queue: shared by enqueue() (web processes), the schedule
// ticker (workers) and the tests. Validates the payload with the queue's zod schema first,
// so a job that could never run is refused where it is made.
import type PgBoss from "pg-boss";
import { deadLetterQueue, type JobEnvelope, type QueueDefinition } from "./define";

const created = new WeakMap<PgBoss, Set<string>>();

/** Creates (or updates the options of) a queue and its dead-letter queue, once per boss instance. */
export async function ensureQueue(boss: PgBoss, queue: QueueDefinition): Promise<void> {
  const known = created.get(boss) ?? new Set<string>();
  created.set(boss, known);
  if (known.has(queue.name)) {
    return;
  }
  const deadLetter = queue.deadLetter === false ? undefined : deadLetterQueue(queue.name);
  if (deadLetter) {
    // Dead letters wait to be looked at: nothing consumes them, they are counted in health.
    await createConcurrently(boss, deadLetter, { name: deadLetter, policy: "standard", retentionMinutes: 30 * 24 * 60 });
  }
  const options: PgBoss.Queue = {
    name: queue.name,
    policy: queue.policy,
    retryLimit: queue.retry.limit,
    retryDelay: queue.retry.delaySeconds,
    retryBackoff: queue.retry.backoff,
    expireInSeconds: queue.expireInSeconds,
    ...(deadLetter ? { deadLetter } : {}),
  };
  // createQueue leaves an existing queue's options alone; updateQueue brings them in line
  // with the code (a deploy that changes a retry limit takes effect for new jobs).
  await createConcurrently(boss, queue.name, options);
  await boss.updateQueue(queue.name, options);
  known.add(queue.name);
}

/**
 * Creates a queue unless it exists. Several workers starting together race to create the same
 * queue (pg-boss creates a partition per queue); PostgreSQL resolves that as a deadlock or a
 * unique violation for all but one, and the others find the queue on their next look.
 */
async function createConcurrently(boss: PgBoss, name: string, options: PgBoss.Queue): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    if (await boss.getQueue(name)) {
      return;
    }
    try {
      await boss.createQueue(name, options);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 5 || (code !== "40P01" && code !== "23505" && code !== "42P07")) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
    }
  }
}

export type SendOptions = {
  organizationId: string | null;
  requestedBy?: string | null;
  /** A fixed job id: a second send with the same id is dropped (schedules derive it from the slot). */
  id?: string;
  /** Start no earlier than this. */
  startAfter?: Date;
  scheduledFor?: Date | null;
  /** Fetched before the queue's other jobs (pg-boss orders by priority, then age): a build moved to the front. */
  priority?: number;
};

/**
 * Validates the payload and sends one job. Returns the job id, or null when the queue's
 * policy dropped it (a job with the same singleton key is already queued) or the id exists.
 */
export async function sendJob(boss: PgBoss, queue: QueueDefinition, payload: unknown, options: SendOptions): Promise<string | null> {
  const parsed = queue.payload.safeParse(payload);
  if (!parsed.success) {
    throw new Error(`Job payload for ${queue.name} is invalid: ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "(payload)"} ${issue.message}`).join("; ")}`);
  }
  if (queue.scope === "organization" && !options.organizationId) {
    throw new Error(`Queue ${queue.name} acts for an organization: enqueue it with one`);
  }
  await ensureQueue(boss, queue);
  const envelope: JobEnvelope = {
    organizationId: options.organizationId,
    requestedBy: options.requestedBy ?? null,
    scheduledFor: options.scheduledFor ? options.scheduledFor.toISOString() : null,
    payload: parsed.data,
  };
  const singletonKey = queue.singletonKey?.(parsed.data);
  return boss.send(queue.name, envelope as unknown as object, {
    ...(options.id ? { id: options.id } : {}),
    ...(singletonKey ? { singletonKey } : {}),
    ...(options.startAfter ? { startAfter: options.startAfter } : {}),
    ...(options.priority ? { priority: options.priority } : {}),
  });
}
