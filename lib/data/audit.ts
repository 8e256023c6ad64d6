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

function withToken(data: Prisma.InputJsonValue | undefined, token: { id: string; name: string }): Prisma.InputJsonValue {
  const base = data !== undefined && data !== null && typeof data === "object" && !Array.isArray(data) ? data : data === undefined ? {} : { value: data };
  return { ...(base as Prisma.InputJsonObject), apiToken: token.name, apiTokenId: token.id };
}

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
      // A script's act names the API token it used (lib/auth/README.md, "API tokens").
      data: actor.kind === "user" && actor.apiToken ? withToken(event.data, actor.apiToken) : event.data,
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

export type AuditFilter = {
  /** A user id, or "system" for events Keel's jobs wrote. */
  actor?: string;
  /** One action, or a family ending in "." (e.g. "connection."). */
  action?: string;
  /** A target's id (exact), or text found in the target's name. */
  target?: string;
  from?: Date;
  to?: Date;
};

export type AuditCursor = { createdAt: Date; id: string };

export type AuditRow = {
  id: string;
  createdAt: Date;
  actorKind: "USER" | "SYSTEM";
  actorJob: string | null;
  actor: { id: string; name: string; email: string } | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: Prisma.JsonValue;
  ip: string | null;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function auditWhere(scope: Scope, filter: AuditFilter): Prisma.AuditEventWhereInput {
  const and: Prisma.AuditEventWhereInput[] = [{ organizationId: scope.organizationId }];
  if (filter.actor === "system") {
    and.push({ actorKind: "SYSTEM" });
  } else if (filter.actor) {
    and.push({ actorKind: "USER", actorId: filter.actor });
  }
  if (filter.action) {
    and.push(filter.action.endsWith(".") ? { action: { startsWith: filter.action } } : { action: filter.action });
  }
  if (filter.target) {
    and.push(UUID.test(filter.target) ? { targetId: filter.target.toLowerCase() } : { data: { path: ["name"], string_contains: filter.target } });
  }
  if (filter.from) {
    and.push({ createdAt: { gte: filter.from } });
  }
  if (filter.to) {
    and.push({ createdAt: { lt: filter.to } });
  }
  return { AND: and };
}

/**
 * A page of the scope organization's audit log, newest first, filtered, by keyset (createdAt,
 * id): stable while new events arrive, and as fast on page 1,000 as on page 1 (the index
 * `(organizationId, createdAt DESC, id DESC)`). `next` is the cursor of the following page.
 */
export async function listAuditEvents(scope: Scope, filter: AuditFilter, page: { cursor?: AuditCursor | null; limit: number }): Promise<{ rows: AuditRow[]; next: AuditCursor | null }> {
  const where = auditWhere(scope, filter);
  const cursor = page.cursor;
  const rows = await db.auditEvent.findMany({
    where: cursor ? { AND: [where, { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] }] } : where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: page.limit + 1,
    select: { id: true, createdAt: true, actorKind: true, actorJob: true, actor: { select: { id: true, name: true, email: true } }, action: true, targetType: true, targetId: true, data: true, ip: true },
  });
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const last = shown.at(-1);
  return { rows: shown, next: more && last ? { createdAt: last.createdAt, id: last.id } : null };
}

/** The people who may appear as actors (members of the organization, past ones included through their events). */
export async function listAuditActors(scope: Scope): Promise<{ id: string; name: string; email: string }[]> {
  const members = await db.membership.findMany({ where: { organizationId: scope.organizationId }, select: { user: { select: { id: true, name: true, email: true } } }, orderBy: { user: { name: "asc" } } });
  return members.map((member) => member.user);
}
