// Every queue of Keel: name, payload schema and delivery policy. Code that enqueues imports
// this file (through lib/jobs/enqueue.ts); the handlers are bound in lib/jobs/registry.ts.
// Payloads are stored in PostgreSQL as JSON and shown in logs: ids and flags, never secrets.
import { z } from "zod";
import { defineQueue } from "./define";

/** Lists a connection's projects and repositories into the picker's cache (lib/repositories/listing.ts). */
export const listRepositoriesQueue = defineQueue({
  name: "repositories.list",
  payload: z.object({
    connectionId: z.uuid(),
    /** When the run was asked for: a run that finished after it satisfies the job. */
    requestedAt: z.iso.datetime(),
  }),
  scope: "organization",
  // One queued and one running job per connection: a second request while one waits is dropped.
  policy: "stately",
  singletonKey: (payload) => payload.connectionId,
  retry: { limit: 2, delaySeconds: 5, backoff: true },
  // 50,000 repositories list in about 10 s; a job active for 15 minutes lost its worker.
  expireInSeconds: 15 * 60,
});

/** Hourly: forgets heartbeats of workers gone for a day and idempotency keys older than 90 days. */
export const housekeepingQueue = defineQueue({
  name: "jobs.housekeeping",
  payload: z.object({}),
  scope: "global",
  policy: "standard",
  retry: { limit: 2, delaySeconds: 60, backoff: true },
  expireInSeconds: 10 * 60,
  concurrency: 1,
});

/**
 * Hourly: rotates Keel's workload identity federation signing keys (lib/entra/signing-keys.ts):
 * publishes the next key ahead of use, retires and removes old ones. Global: one issuer per Keel.
 */
export const rotateFederationKeysQueue = defineQueue({
  name: "entra.rotate-signing-keys",
  payload: z.object({}),
  scope: "global",
  policy: "standard",
  retry: { limit: 3, delaySeconds: 60, backoff: true },
  expireInSeconds: 5 * 60,
  concurrency: 1,
});
