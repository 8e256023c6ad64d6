import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";
import { db, type Tx } from "@/lib/db";

export type AuditInput = {
  organizationId?: string | null;
  actorId?: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  /** Context for the record. Never secrets: callers pass ids, names, outcomes. */
  data?: Prisma.InputJsonValue;
  ip?: string | null;
};

/** Appends an audit event, inside the caller's transaction when one is given. */
export async function recordAudit(input: AuditInput, tx?: Tx): Promise<void> {
  await (tx ?? db).auditEvent.create({
    data: {
      organizationId: input.organizationId ?? null,
      actorId: input.actorId ?? null,
      action: input.action,
      targetType: input.targetType,
      targetId: input.targetId,
      data: input.data,
      ip: input.ip ?? null,
    },
  });
}

/** Latest audit events of an organization, newest first. */
export async function listAuditEvents(organizationId: string, options: { take?: number; action?: string } = {}) {
  return db.auditEvent.findMany({
    where: { organizationId, ...(options.action ? { action: options.action } : {}) },
    orderBy: { createdAt: "desc" },
    take: Math.min(options.take ?? 100, 500),
    include: { actor: { select: { id: true, name: true, email: true } } },
  });
}
