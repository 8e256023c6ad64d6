// The queues of the engine tests' worker (worker-fixture.ts), shared with the tests that enqueue.
import { z } from "zod";
import { defineQueue } from "../define";

/** A job that sleeps (abortably) on its first attempt, then writes its effect once. */
export const testWorkQueue = defineQueue({
  name: "test.work",
  payload: z.object({ name: z.string(), firstAttemptMs: z.number().int().min(0) }),
  scope: "global",
  policy: "standard",
  retry: { limit: 3, delaySeconds: 0, backoff: false },
  expireInSeconds: 4,
});

/** The scheduled job: records each run with its slot. */
export const testTickQueue = defineQueue({
  name: "test.tick",
  payload: z.object({}),
  scope: "global",
  policy: "standard",
  retry: { limit: 0, delaySeconds: 0, backoff: false },
  expireInSeconds: 30,
});

