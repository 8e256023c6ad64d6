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

/**
 * The data of a recent audit event of the scope's organization (`action` on `targetId`, at most
 * `withinMs` old), or null. Pages use it to confirm what just happened from Keel's own record
 * rather than from a query parameter anyone can write ("Deleted the build profile …").
 */
export async function getRecentAuditData(scope: Scope, action: string, targetId: string, withinMs: number): Promise<Prisma.JsonValue | null> {
  const event = await db.auditEvent.findFirst({
    where: { organizationId: scope.organizationId, action, targetId, createdAt: { gte: new Date(Date.now() - withinMs) } },
    orderBy: { createdAt: "desc" },
    select: { data: true },
  });
  return event?.data ?? null;
}
