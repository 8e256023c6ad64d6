import "server-only";
import { enqueue } from "@/lib/jobs/enqueue";
import { forkWaitingQueue, reportBuildQueue } from "@/lib/jobs/queues";
import { slotJobId } from "@/lib/jobs/schedules";
import { logger } from "@/lib/logger";
import { requestWebhookDeliveries } from "@/lib/webhooks/deliver";
import type { Scope } from "@/lib/scope";

const log = logger("builds.report");

/**
 * Asks for a build's unsent report intents to be sent (one report job per build at a time;
 * a request while one waits is dropped, the waiting job sends everything). Never throws: the
 * intents are rows, and the sweeper asks again for any left unsent.
 */
export async function requestReport(scope: Scope, buildId: string): Promise<void> {
  try {
    await enqueue(reportBuildQueue, { buildId }, { scope });
  } catch (error) {
    log.warn({ err: error, buildId }, "could not queue the report job (the sweeper will)");
  }
  // The same state change wrote the outgoing webhooks' deliveries (lib/data/builds.ts, addReports).
  await requestWebhookDeliveries(scope, buildId);
}

/**
 * Asks for a fork's pull request to be told that its build waits for a person (lib/builds/report.ts,
 * reportForkWaitingJob): once per profile and source commit. Never throws: the delivery goes on.
 */
export async function requestForkWaiting(scope: Scope, input: { profileId: string; pullRequestId: number; sourceCommit: string }): Promise<void> {
  const payload = { ...input, sourceCommit: input.sourceCommit.toLowerCase() };
  try {
    await enqueue(forkWaitingQueue, payload, { scope, id: slotJobId(`builds.fork-waiting:${payload.profileId}:${payload.pullRequestId}:${payload.sourceCommit}`, new Date(0)) });
  } catch (error) {
    log.warn({ err: error, ...input }, "could not queue the status of a fork's pull request");
  }
}
