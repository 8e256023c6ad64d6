import "server-only";
import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import { getConnection } from "@/lib/data/connections";
import { knownNotificationIds, listHookSubscriptions, storeDelivery } from "@/lib/data/hooks";
import { recordAudit } from "@/lib/data/audit";
import { AppError } from "@/lib/errors";
import type { JobContext } from "@/lib/jobs/define";
import { logger } from "@/lib/logger";
import { clientForConnection } from "@/lib/repositories/connection-client";
import type { Scope } from "@/lib/scope";
import { aboutEvent, envelopeSchema, maskPayload } from "./payload";
import { processDelivery } from "./process";

// Backfill (issue 14): after an outage, Azure DevOps still has each subscription's recent
// notifications (docs/azure-devops-facts.md §1.6, "History"). Keel lists them, fetches the event of
// every one its inbox does not hold, stores it as a BACKFILL delivery — the inbox's unique
// (subscription, notification) makes a delivery that arrives meanwhile the same row — and
// processes it. Builds are keyed by the change, so nothing already built starts again.

const log = logger("hooks.backfill");

export type BackfillSummary = { subscriptions: number; notifications: number; missing: number; stored: number; builds: number; failed: number };

/** The hooks.backfill job. */
export async function backfillJob(payload: { connectionId: string }, context: JobContext<"organization">): Promise<void> {
  const summary = await backfillConnection(context.scope, payload.connectionId);
  log.info({ connectionId: payload.connectionId, ...summary }, "backfill done");
}

/** Fetches the notification history of every subscription of a connection and processes what Keel never received. */
export async function backfillConnection(scope: Scope, connectionId: string, options: { maxPerSubscription?: number } = {}): Promise<BackfillSummary> {
  const connection = await getConnection(scope, connectionId);
  if (!connection) {
    throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
  }
  const rows = (await listHookSubscriptions(scope, { connectionId })).filter((row) => row.remoteId !== null);
  const summary: BackfillSummary = { subscriptions: rows.length, notifications: 0, missing: 0, stored: 0, builds: 0, failed: 0 };
  if (rows.length === 0) {
    return summary;
  }
  const { client } = await clientForConnection(scope, connection);
  for (const row of rows) {
    const remoteId = row.remoteId!.toLowerCase();
    let notifications;
    try {
      notifications = await client.listHookNotifications(remoteId, { maxResults: options.maxPerSubscription ?? 100 });
    } catch (error) {
      if (isAzureDevOpsError(error, "not_found")) {
        continue;
      }
      throw error;
    }
    summary.notifications += notifications.length;
    const known = await knownNotificationIds(scope, remoteId, notifications.map((item) => item.id));
    // Oldest first, so builds start in the order the changes happened.
    const missing = notifications.filter((item) => !known.has(item.id)).sort((a, b) => a.id - b.id);
    summary.missing += missing.length;
    for (const notification of missing) {
      const event = notification.details?.event ?? (await client.getHookNotification(remoteId, notification.id)).details?.event;
      const envelope = envelopeSchema.safeParse(event);
      const about = envelope.success ? aboutEvent(envelope.data) : { repositoryId: row.repositoryId, branch: null, commitId: null, pullRequestId: null };
      const stored = await storeDelivery(scope, {
        connectionId,
        subscriptionId: row.id,
        remoteSubscriptionId: remoteId,
        notificationId: notification.id,
        eventId: notification.eventId ?? null,
        eventType: notification.eventType ?? row.eventType,
        source: "BACKFILL",
        status: envelope.success ? "RECEIVED" : "UNPROCESSABLE",
        reason: envelope.success ? null : "Azure DevOps' history holds no readable event for this notification.",
        repositoryId: about.repositoryId ?? row.repositoryId,
        branch: about.branch,
        commitId: about.commitId,
        pullRequestId: about.pullRequestId,
        payload: (maskPayload(event ?? { notificationId: notification.id }) ?? {}) as object,
      });
      if (!stored.created || !envelope.success) {
        continue;
      }
      summary.stored += 1;
      try {
        const outcome = await processDelivery(scope, stored.id);
        summary.builds += outcome.filter((item) => item.created).length;
      } catch (error) {
        summary.failed += 1;
        log.warn({ err: error, deliveryId: stored.id }, "a backfilled delivery failed; it stays RECEIVED for the sweep");
      }
    }
  }
  await recordAudit(scope, { action: "hooks.backfilled", targetType: "connection", targetId: connectionId, data: { connectionName: connection.name, ...summary } });
  return summary;
}
