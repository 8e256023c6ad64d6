import "server-only";
import { pruneJobRows } from "@/lib/data/jobs";
import { pruneRateLimits } from "@/lib/data/rate-limits";
import { pruneExpiredSessions } from "@/lib/data/users";
import { logger } from "@/lib/logger";
import { listRepositoriesJob } from "@/lib/repositories/listing";
import { defineSchedule, handle, type Registry } from "./define";
import { housekeepingQueue, listRepositoriesQueue } from "./queues";

// What Keel's workers run: one handler per queue of queues.ts, and the schedules.

const DAY_MS = 24 * 3_600_000;

/** Keel's queues with their handlers, and its schedules. */
export const registry: Registry = {
  handlers: [
    handle(listRepositoriesQueue, listRepositoriesJob),
    handle(housekeepingQueue, async () => {
      const pruned = await pruneJobRows({ workersOlderThanMs: DAY_MS, effectsOlderThanMs: 90 * DAY_MS });
      logger("jobs.housekeeping").info(pruned, "pruned job engine rows");
      // Sessions past their end and rate-limit rows nobody has touched for a day (the longest window is an hour).
      const sessions = await pruneExpiredSessions();
      const limits = await pruneRateLimits(DAY_MS);
      logger("jobs.housekeeping").info({ sessions, ...limits }, "pruned sessions and rate-limit rows");
    }),
  ],
  schedules: [defineSchedule({ name: "jobs.housekeeping.hourly", queue: housekeepingQueue, everySeconds: 3_600, payload: {} })],
};
