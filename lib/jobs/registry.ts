import "server-only";
import { downstreamBuildsJob } from "@/lib/builds/after";
import { reportBuildJob, reportForkWaitingJob } from "@/lib/builds/report";
import { runBuildJob } from "@/lib/builds/runner";
import { readUnreadSigningFiles } from "@/lib/builds/signing-files";
import { scheduleBuildsJob, scheduledBuildJob } from "@/lib/builds/schedule";
import { sweepBuildsJob } from "@/lib/builds/sweep";
import { checkAllConnectionsJob, checkConnectionJob } from "@/lib/connections/scheduled";
import { pruneApiTokens, remindExpiringApiTokens } from "@/lib/data/api-tokens";
import { pruneArtifacts } from "@/lib/data/artifacts";
import { remindEndingSigningFiles } from "@/lib/data/secret-files";
import { pruneShares } from "@/lib/data/shares";
import { pruneBuildLogs } from "@/lib/data/builds";
import { pruneCaches } from "@/lib/data/caches";
import { pruneJobRows } from "@/lib/data/jobs";
import { pruneNotices } from "@/lib/data/notifications";
import { pruneRateLimits } from "@/lib/data/rate-limits";
import { pruneExpiredSessions } from "@/lib/data/users";
import { rotateSigningKeys } from "@/lib/entra/signing-keys";
import { getEnv } from "@/lib/env";
import { chatBuildJob } from "@/lib/notifications/chat";
import { deliverWebhookJob } from "@/lib/webhooks/deliver";
import { pruneDeliveries } from "@/lib/data/webhooks";
import { DELIVERY_DAYS } from "@/lib/shared/webhooks";
import { emailNoticesJob } from "@/lib/notifications/deliver";
import { weeklySummaryJob } from "@/lib/notifications/weekly";
import { requestNoticeEmails } from "@/lib/notifications/request";
import { logger } from "@/lib/logger";
import { listRepositoriesJob } from "@/lib/repositories/listing";
import { backfillJob } from "@/lib/hooks/backfill";
import { pollAllJob, pollRepositoryJob, sweepDeliveriesJob } from "@/lib/hooks/poll";
import { processDeliveryJob } from "@/lib/hooks/process";
import { syncHooksJob } from "@/lib/hooks/subscriptions";
import { DEFAULT_POOL } from "@/lib/shared/build-pools";
import { defineSchedule, handle, type Registry } from "./define";
import {
  backfillHooksQueue,
  chatBuildQueue,
  afterBuildQueue,
  forkWaitingQueue,
  deliverWebhookQueue,
  checkAllConnectionsQueue,
  checkConnectionQueue,
  housekeepingQueue,
  listRepositoriesQueue,
  noticeEmailQueue,
  weeklySummaryQueue,
  pollAllQueue,
  pollRepositoryQueue,
  processDeliveryQueue,
  reportBuildQueue,
  rotateFederationKeysQueue,
  buildQueueFor,
  scheduleBuildsQueue,
  scheduledBuildQueue,
  sweepBuildsQueue,
  sweepDeliveriesQueue,
  syncHooksQueue,
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
      // Sessions past their end and rate-limit rows nobody has touched for a day (the longest window is an hour).
      const sessions = await pruneExpiredSessions();
      const limits = await pruneRateLimits(DAY_MS);
      logger("jobs.housekeeping").info({ sessions, ...limits }, "pruned sessions and rate-limit rows");
      // API tokens: their owners hear a week before the end; the page shows ended ones for 30 days.
      const tokenReminders = await remindExpiringApiTokens();
      const tokens = await pruneApiTokens(30 * DAY_MS);
      const shares = await pruneShares();
      const webhookDeliveries = await pruneDeliveries(DELIVERY_DAYS);
      logger("jobs.housekeeping").info({ tokenReminders, tokens, shares, webhookDeliveries }, "reminded owners of API tokens that end soon, deleted long-ended ones, ended share links and old webhook deliveries");
      // Past their days (a profile's latest successful build keeps its own), and unfinished ones of dead workers.
      const artifacts = await pruneArtifacts(getEnv().KEEL_BUILD_ARTIFACT_DAYS);
      const logs = await pruneBuildLogs(getEnv().KEEL_BUILD_LOG_DAYS);
      // Caches no build used for their days, and unfinished ones of dead workers.
      const caches = await pruneCaches(getEnv().KEEL_BUILD_CACHE_DAYS);
      logger("jobs.housekeeping").info({ artifacts, logs, caches }, "pruned build artifacts, old builds' logs and unused caches");
      // Signing files: those saved before Keel read them are read, then admins hear of ending ones.
      const signingFilesRead = await readUnreadSigningFiles();
      const signingReminders = await remindEndingSigningFiles();
      if (signingReminders > 0) {
        await requestNoticeEmails();
      }
      logger("jobs.housekeeping").info({ signingFilesRead, signingReminders }, "read signing files saved before Keel read them, reminded admins of ending ones");
    }),
    handle(checkAllConnectionsQueue, checkAllConnectionsJob),
    handle(checkConnectionQueue, checkConnectionJob),
    handle(noticeEmailQueue, emailNoticesJob),
    handle(weeklySummaryQueue, async () => {
      await weeklySummaryJob();
    }),
    buildHandler(),
    handle(reportBuildQueue, reportBuildJob),
    handle(sweepBuildsQueue, sweepBuildsJob),
    handle(scheduleBuildsQueue, scheduleBuildsJob),
    handle(scheduledBuildQueue, scheduledBuildJob),
    handle(chatBuildQueue, chatBuildJob),
    handle(afterBuildQueue, downstreamBuildsJob),
    handle(forkWaitingQueue, reportForkWaitingJob),
    handle(deliverWebhookQueue, deliverWebhookJob),
    handle(syncHooksQueue, syncHooksJob),
    handle(processDeliveryQueue, processDeliveryJob),
    handle(backfillHooksQueue, backfillJob),
    handle(sweepDeliveriesQueue, sweepDeliveriesJob),
    handle(pollAllQueue, pollAllJob),
    handle(pollRepositoryQueue, pollRepositoryJob),
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
    // The week's summary: looked for every hour, sent once per organization on Monday from 06:00 UTC.
    defineSchedule({ name: "notifications.weekly-summary", queue: weeklySummaryQueue, everySeconds: 3_600, payload: {} }),
    defineSchedule({ name: "builds.sweep", queue: sweepBuildsQueue, everySeconds: sweepSeconds(), payload: {} }),
    // Profiles' schedules: a slot is looked for every minute (a schedule's times are whole minutes).
    defineSchedule({ name: "builds.schedule", queue: scheduleBuildsQueue, everySeconds: 60, payload: {} }),
    // Deliveries stored whose job was never queued (lib/hooks/poll.ts).
    defineSchedule({ name: "hooks.sweep", queue: sweepDeliveriesQueue, everySeconds: 30, payload: {} }),
    // The polling fallback for repositories that cannot receive service hooks; 0 = off.
    ...(pollSeconds() > 0 ? [defineSchedule({ name: "hooks.poll", queue: pollAllQueue, everySeconds: pollSeconds(), payload: {} })] : []),
    defineSchedule({ name: "entra.rotate-signing-keys.hourly", queue: rotateFederationKeysQueue, everySeconds: 3_600, payload: {} }),
  ],
};

/**
 * The builds.run handler for the pools this worker builds for (KEEL_BUILD_POOLS): the first
 * pool's queue, the others as its variants, so KEEL_BUILD_CONCURRENCY counts across them.
 */
function buildHandler() {
  const [first, ...others] = buildPools().map((pool) => buildQueueFor(pool));
  return handle(first!, runBuildJob, others);
}

/** KEEL_BUILD_POOLS, read when the worker loads its registry (the worker validates the rest). */
function buildPools(): string[] {
  try {
    return getEnv().KEEL_BUILD_POOLS;
  } catch {
    return [DEFAULT_POOL];
  }
}

/** KEEL_POLL_INTERVAL_SECONDS, read when the worker loads its registry. */
function pollSeconds(): number {
  try {
    return getEnv().KEEL_POLL_INTERVAL_SECONDS;
  } catch {
    return 120;
  }
}

/** KEEL_BUILD_SWEEP_SECONDS, read when the worker loads its registry (the worker validates the rest). */
function sweepSeconds(): number {
  try {
    return getEnv().KEEL_BUILD_SWEEP_SECONDS;
  } catch {
    return 10;
  }
}
