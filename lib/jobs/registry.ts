import "server-only";
import { pruneJobRows } from "@/lib/data/jobs";
import { rotateSigningKeys } from "@/lib/entra/signing-keys";
import { logger } from "@/lib/logger";
import { listRepositoriesJob } from "@/lib/repositories/listing";
import { defineSchedule, handle, type Registry } from "./define";
import { housekeepingQueue, listRepositoriesQueue, rotateFederationKeysQueue } from "./queues";

// What Keel's workers run: one handler per queue of queues.ts, and the schedules.

const DAY_MS = 24 * 3_600_000;

/** Keel's queues with their handlers, and its schedules. */
export const registry: Registry = {
  handlers: [
    handle(listRepositoriesQueue, listRepositoriesJob),
    handle(housekeepingQueue, async () => {
      const pruned = await pruneJobRows({ workersOlderThanMs: DAY_MS, effectsOlderThanMs: 90 * DAY_MS });
      logger("jobs.housekeeping").info(pruned, "pruned job engine rows");
    }),
    // The rotation decides from the keys' dates (and takes an advisory lock), so a slot that
    // runs twice, or late, does no harm.
    handle(rotateFederationKeysQueue, async () => {
      await rotateSigningKeys({ createFirst: false });
    }),
  ],
  schedules: [
    defineSchedule({ name: "jobs.housekeeping.hourly", queue: housekeepingQueue, everySeconds: 3_600, payload: {} }),
    defineSchedule({ name: "entra.rotate-signing-keys.hourly", queue: rotateFederationKeysQueue, everySeconds: 3_600, payload: {} }),
  ],
};
