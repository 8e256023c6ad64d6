// The queues of the engine tests' worker (worker-fixture.ts), shared with the tests that enqueue.
import { z } from "zod";
import { defineQueue } from "../define";

/** A job that sleeps (abortably) on its first attempt, then writes its effect once. */
export const testWorkQueue = defineQueue({
  name: "test.work",
  payload: z.object({ name: z.string(), firstAttemptMs: z.number().int().min(0) }),
  // Organization-scoped like Keel's own jobs: its effect is an audit row of that organization.
  scope: "organization",
  policy: "standard",
  retry: { limit: 3, delaySeconds: 0, backoff: false },
  expireInSeconds: 4,
});

/** The same job with a long expiry, for the SIGTERM test (its jobs must not expire while the test waits on a busy machine). */
export const testLongWorkQueue = defineQueue({ ...testWorkQueue, name: "test.work.long", expireInSeconds: 120 });

/** The same job in a queue a draining worker finishes before it stops, as builds.run is. */
export const testFinishQueue = defineQueue({ ...testWorkQueue, name: "test.finish", expireInSeconds: 120, finishOnDrain: true });

/**
 * Two queues of the same work served by one handler with one slot (what build pools do with
 * builds.run and builds.run.<pool>): the slot is shared, so their jobs never overlap.
 */
export const testPoolQueue = defineQueue({ ...testWorkQueue, name: "test.pool", expireInSeconds: 60, concurrency: 1 });
export const testOtherPoolQueue = defineQueue({ ...testPoolQueue, name: "test.pool.other" });

/** The scheduled job: records each run with its slot. */
export const testTickQueue = defineQueue({
  name: "test.tick",
  payload: z.object({}),
  scope: "global",
  policy: "standard",
  retry: { limit: 0, delaySeconds: 0, backoff: false },
  expireInSeconds: 30,
});

