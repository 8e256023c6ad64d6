import "server-only";
import { reportBuildJob } from "@/lib/builds/report";
import { runBuildJob } from "@/lib/builds/runner";
import { sweepBuildsJob } from "@/lib/builds/sweep";
import { checkAllConnectionsJob, checkConnectionJob } from "@/lib/connections/scheduled";
import { pruneJobRows } from "@/lib/data/jobs";
import { pruneNotices } from "@/lib/data/notifications";
import { rotateSigningKeys } from "@/lib/entra/signing-keys";
import { getEnv } from "@/lib/env";
import { emailNoticesJob } from "@/lib/notifications/deliver";
import { logger } from "@/lib/logger";
import { listRepositoriesJob } from "@/lib/repositories/listing";
import { defineSchedule, handle, type Registry } from "./define";
import {
  checkAllConnectionsQueue,
  checkConnectionQueue,
  housekeepingQueue,
  listRepositoriesQueue,
  noticeEmailQueue,
  reportBuildQueue,
  rotateFederationKeysQueue,
  runBuildQueue,
  sweepBuildsQueue,
} from "./queues";

// What Keel's workers run: one handler per queue of queues.ts, and the schedules.

const DAY_MS = 24 * 3_600_000;

/** Keel's queues with their handlers, and its schedules. */
export const registry: Registry = {
  handlers: [
    handle(listRepositoriesQueue, listRepositoriesJob),
    handle(housekeepingQueue, async () => {
      const pruned = await pruneJobRows({ workersOlderThanMs: DAY_MS, effectsOlderThanMs: 90 * DAY_MS });
      // Notices are shown and e-mailed within a day; the audit log keeps what happened.
      const notices = await pruneNotices(90 * DAY_MS);
      logger("jobs.housekeeping").info({ ...pruned, notices }, "pruned job engine rows and old notices");
    }),
    handle(checkAllConnectionsQueue, checkAllConnectionsJob),
    handle(checkConnectionQueue, checkConnectionJob),
    handle(noticeEmailQueue, emailNoticesJob),
    handle(runBuildQueue, runBuildJob),
    handle(reportBuildQueue, reportBuildJob),
    handle(sweepBuildsQueue, sweepBuildsJob),
    // The rotation decides from the keys' dates (and takes an advisory lock), so a slot that
    // runs twice, or late, does no harm.
    handle(rotateFederationKeysQueue, async () => {
      await rotateSigningKeys({ createFirst: false });
    }),
  ],
  schedules: [
    defineSchedule({ name: "jobs.housekeeping.hourly", queue: housekeepingQueue, everySeconds: 3_600, payload: {} }),
    // Every connection, once per interval across all workers (lib/connections/scheduled.ts); 0 = off.
    ...(getEnv().KEEL_CONNECTION_CHECK_INTERVAL_SECONDS > 0
      ? [defineSchedule({ name: "connections.check", queue: checkAllConnectionsQueue, everySeconds: getEnv().KEEL_CONNECTION_CHECK_INTERVAL_SECONDS, payload: {} })]
      : []),
    // A safety net for notice e-mails a process could not queue (requestNoticeEmails is best effort).
    defineSchedule({ name: "notifications.email", queue: noticeEmailQueue, everySeconds: 300, payload: {} }),
    defineSchedule({ name: "builds.sweep", queue: sweepBuildsQueue, everySeconds: sweepSeconds(), payload: {} }),
    defineSchedule({ name: "entra.rotate-signing-keys.hourly", queue: rotateFederationKeysQueue, everySeconds: 3_600, payload: {} }),
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
