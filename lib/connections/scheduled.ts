import "server-only";
import { listConnectionsToCheck } from "@/lib/data/connections";
import { isAppError } from "@/lib/errors";
import type { JobContext } from "@/lib/jobs/define";
import { enqueue } from "@/lib/jobs/enqueue";
import { checkConnectionQueue, noticeEmailQueue } from "@/lib/jobs/queues";
import { slotJobId } from "@/lib/jobs/schedules";
import { logger } from "@/lib/logger";
import { mailConfigured } from "@/lib/notifications/mailer";
import { systemScope, type Scope } from "@/lib/scope";
import { getConnection } from "@/lib/data/connections";
import { healConnectionHooks } from "@/lib/hooks/subscriptions";
import { checkSavedConnection } from "./service";

// Scheduled connection checks (issue 12). One schedule on the job engine (`connections.check`,
// every KEEL_CONNECTION_CHECK_INTERVAL_SECONDS, once per slot across all workers) runs the
// fan-out below, which queues one `connections.check` job per connection; each runs the doctor
// with the system scope of the connection's organization and records the health through the
// same path as an admin's Check (status change audited and told once, expiry reminders).

const log = logger("connections.scheduled");

/**
 * The fan-out: one check job per connection of every organization. Each job's id is derived from
 * the connection and the slot, so a retried fan-out (or a second worker) queues nothing twice.
 * Also asks for pending notice e-mails, so nothing waits for the next change to be sent.
 */
export async function checkAllConnectionsJob(_payload: Record<string, never>, context: JobContext<"global">): Promise<void> {
  const slot = (context.scheduledFor ?? new Date()).toISOString();
  const connections = await listConnectionsToCheck();
  let queued = 0;
  for (const connection of connections) {
    if (context.signal.aborted) {
      throw new Error("stopped before every check was queued");
    }
    const id = await enqueue(checkConnectionQueue, { connectionId: connection.id }, { scope: systemScope(connection.organizationId, context.queue), id: slotJobId(`connections.check:${connection.id}`, new Date(slot)) });
    queued += id ? 1 : 0;
  }
  if (mailConfigured()) {
    await enqueue(noticeEmailQueue, {}, {});
  }
  log.info({ connections: connections.length, queued, slot }, "scheduled connection checks queued");
}

/** Checks one connection now from the job engine (a connection deleted meanwhile is skipped). */
export async function checkConnectionJob(payload: { connectionId: string }, context: JobContext<"organization">): Promise<void> {
  try {
    await checkSavedConnection(context.scope, payload.connectionId, { source: "scheduled_check", jobId: context.jobId, queue: context.queue });
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") {
      log.info({ connectionId: payload.connectionId, jobId: context.jobId }, "scheduled check skipped: the connection is gone");
      return;
    }
    throw error;
  }
  // Self-healing (issue 14): every service-hook subscription of the connection exists, points at
  // Keel and is enabled — or is created, corrected or enabled again, audited.
  const connection = await getConnection(context.scope, payload.connectionId);
  if (connection) {
    const healed = await healConnectionHooks(context.scope, connection);
    if (healed.created + healed.repaired + healed.removed + healed.failed > 0) {
      log.info({ connectionId: connection.id, ...healed }, "service hooks checked");
    }
  }
}

/** Queues a check of every connection of the scope's organization now (the admin's "Check all now"); returns how many were queued. */
export async function queueOrganizationChecks(scope: Scope, connectionIds: readonly string[]): Promise<number> {
  let queued = 0;
  for (const connectionId of connectionIds) {
    queued += (await enqueue(checkConnectionQueue, { connectionId }, { scope })) ? 1 : 0;
  }
  return queued;
}
