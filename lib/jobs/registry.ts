import "server-only";
import { reportBuildJob } from "@/lib/builds/report";
import { runBuildJob } from "@/lib/builds/runner";
import { sweepBuildsJob } from "@/lib/builds/sweep";
import { pruneJobRows } from "@/lib/data/jobs";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import { listRepositoriesJob } from "@/lib/repositories/listing";
import { defineSchedule, handle, type Registry } from "./define";
import { housekeepingQueue, listRepositoriesQueue, reportBuildQueue, runBuildQueue, sweepBuildsQueue } from "./queues";

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
    handle(runBuildQueue, runBuildJob),
    handle(reportBuildQueue, reportBuildJob),
    handle(sweepBuildsQueue, sweepBuildsJob),
  ],
  schedules: [
    defineSchedule({ name: "jobs.housekeeping.hourly", queue: housekeepingQueue, everySeconds: 3_600, payload: {} }),
    defineSchedule({ name: "builds.sweep", queue: sweepBuildsQueue, everySeconds: sweepSeconds(), payload: {} }),
  ],
};

/** KEEL_BUILD_SWEEP_SECONDS, read when the worker loads its registry (the worker validates the rest). */
function sweepSeconds(): number {
  try {
    return getEnv().KEEL_BUILD_SWEEP_SECONDS;
  } catch {
    return 10;
  }
}
