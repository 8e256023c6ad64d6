import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";
import { db, type Tx } from "@/lib/db";
import { onBehalfOf, type Scope } from "@/lib/scope";

export type AuditEventInput = {
  action: string;
  targetType?: string;
  targetId?: string;
  /** Context for the record. Never secrets: callers pass ids, names, outcomes. */
  data?: Prisma.InputJsonValue;
  ip?: string | null;
};

/**
 * Appends an audit event in the scope's organization, by the scope's actor (a person, or a job
 * with the person who queued it, if any), inside the caller's transaction when one is given.
 */
export async function recordAudit(scope: Scope, event: AuditEventInput, tx?: Tx): Promise<void> {
  const { actor } = scope;
  await (tx ?? db).auditEvent.create({
    data: {
      organizationId: scope.organizationId,
      actorKind: actor.kind === "user" ? "USER" : "SYSTEM",
      actorJob: actor.kind === "system" ? actor.job : null,
      actorId: onBehalfOf(scope),
      action: event.action,
      targetType: event.targetType,
      targetId: event.targetId,
      data: event.data,
      ip: event.ip ?? null,
    },
  });
}
