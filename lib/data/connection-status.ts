import "server-only";
import { randomUUID } from "node:crypto";
import type { Tx } from "@/lib/db";
import type { ConnectionStatus } from "@/lib/generated/prisma/client";
import type { Scope } from "@/lib/scope";
import { recordAudit } from "./audit";
import { createNotice } from "./notifications";

// Every write of a connection's status goes through writeConnectionStatus, whoever decides it
// (a check, a refused credential during use, a refresh that failed for good, an unreadable
// secret, an admin's action): so every change is audited exactly once and told to the owner and
// the admins, and a write that changes nothing writes nothing. The statuses themselves are
// decided by lib/connections/status.ts.

/** What noticed the status. */
export type StatusSource = "check" | "scheduled_check" | "use" | "oauth_refresh" | "credentials" | "action";

export type StatusWrite = {
  status: ConnectionStatus;
  reason: string | null;
  source: StatusSource;
  /** The doctor finding behind it, if any. */
  finding?: string;
  /** false: the change is audited but nobody is notified (another notice of the same transaction says it). */
  notify?: boolean;
};

export type StatusWriteResult = { found: boolean; changed: boolean; from: ConnectionStatus | null };

/**
 * Sets a connection's status inside the caller's transaction, under a row lock. When the status
 * changes: a `connection.status_changed` audit event and a notice for the owner and the admins.
 * When only the reason changes, the reason is updated quietly.
 */
export async function writeConnectionStatus(tx: Tx, scope: Scope, connectionId: string, write: StatusWrite): Promise<StatusWriteResult> {
  const rows = await tx.$queryRaw<{ status: ConnectionStatus; statusReason: string | null; name: string; authMethod: string }[]>`
    SELECT status, "statusReason", name, "authMethod"::text AS "authMethod" FROM "Connection"
    WHERE id = ${connectionId}::uuid AND "organizationId" = ${scope.organizationId}::uuid
    FOR UPDATE`;
  const current = rows[0];
  if (!current) {
    return { found: false, changed: false, from: null };
  }
  if (current.status === write.status) {
    if (current.statusReason !== write.reason) {
      await tx.connection.update({ where: { id: connectionId }, data: { statusReason: write.reason } });
    }
    return { found: true, changed: false, from: current.status };
  }
  await tx.connection.update({ where: { id: connectionId }, data: { status: write.status, statusReason: write.reason } });
  const data = { name: current.name, from: current.status, to: write.status, reason: write.reason, source: write.source, ...(write.finding ? { finding: write.finding } : {}) };
  await recordAudit(scope, { action: "connection.status_changed", targetType: "connection", targetId: connectionId, data }, tx);
  if (write.notify !== false) {
    // The notice also knows how the connection signs in: what to do depends on it (a token, an authorization, a service principal).
    await createNotice(tx, scope, { connectionId, kind: "connection.status_changed", dedupeKey: `status:${connectionId}:${randomUUID()}`, data: { ...data, authMethod: current.authMethod } });
  }
  return { found: true, changed: true, from: current.status };
}
