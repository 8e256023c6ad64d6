import "server-only";
import { enqueue } from "@/lib/jobs/enqueue";
import { reportBuildQueue } from "@/lib/jobs/queues";
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
