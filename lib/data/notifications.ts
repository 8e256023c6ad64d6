import "server-only";
import { db, type Tx } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { requireUserActor, type Scope } from "@/lib/scope";

// Notices for the owner and the admins of a connection (issue 12): a status change, an expiry
// reminder, a new owner; and for the people a build concerns: it failed, or it was fixed.
// Written in the same transaction as what they report, once each (`dedupeKey`); e-mailed
// afterwards by the `notifications.email` job (lib/notifications).

export type NoticeKind = "connection.status_changed" | "connection.expiry_reminder" | "connection.owner_changed";

export type NewNotice = {
  connectionId: string;
  kind: NoticeKind;
  /** Once-only key: a second notice with the same key is not created. */
  dedupeKey: string;
  /** What to tell (names, statuses, dates, reasons): never a secret. */
  data: Prisma.InputJsonValue;
  /** Also tell this user (a new owner), besides the owner and the admins. */
  alsoTell?: string | null;
};

/**
 * Who hears about a connection: its owner (when still an active member) and every active admin
 * of the organization. An owner who left (null, disabled) leaves the admins, who always hear.
 */
async function recipientsOf(tx: Tx, scope: Scope, connectionId: string, alsoTell?: string | null): Promise<string[]> {
  const connection = await tx.connection.findFirst({ where: { id: connectionId, organizationId: scope.organizationId }, select: { ownerId: true } });
  const candidates = [connection?.ownerId, alsoTell].filter((id): id is string => typeof id === "string");
  const members = await tx.membership.findMany({
    where: { organizationId: scope.organizationId, user: { isActive: true }, OR: [{ role: "ADMIN" }, ...(candidates.length > 0 ? [{ userId: { in: candidates } }] : [])] },
    select: { userId: true },
    orderBy: { createdAt: "asc" },
  });
  return [...new Set(members.map((member) => member.userId))];
}

/** Records a notice inside the caller's transaction; false when one with the same key exists. */
export async function createNotice(tx: Tx, scope: Scope, notice: NewNotice): Promise<boolean> {
  const recipientIds = await recipientsOf(tx, scope, notice.connectionId, notice.alsoTell);
  const created = await tx.notification.createMany({
    data: [{ organizationId: scope.organizationId, connectionId: notice.connectionId, kind: notice.kind, dedupeKey: notice.dedupeKey, data: notice.data, recipientIds }],
    skipDuplicates: true,
  });
  return created.count === 1;
}

/** How a build ended, for the people it concerns (lib/builds/README.md, "Build notices"). */
/** `build.succeeded`: a success that fixed nothing, for those who watch every build only. */
export type BuildNoticeKind = "build.failed" | "build.fixed" | "build.succeeded";

/**
 * Records a build notice inside the caller's transaction (once per build and kind) for whoever
 * started the build, the member whose e-mail is the commit author's and, when `watchedProfileId`
 * is given (a build of the default branch or a tag), the profile's watchers — active members who
 * did not turn build e-mails off. Nobody to tell: no notice. Returns whether one was created.
 */
export async function createBuildNotice(
  tx: Tx,
  scope: Scope,
  notice: { buildId: string; kind: BuildNoticeKind; requestedById: string | null; commitAuthorEmail: string | null; watchedProfileId?: string | null; data: Prisma.InputJsonValue },
): Promise<boolean> {
  // An ordinary success is news only to those who asked for every build; failures and fixes, to everyone concerned.
  const everyBuildOnly = notice.kind === "build.succeeded";
  const who: Prisma.UserWhereInput[] = [
    ...(notice.requestedById && !everyBuildOnly ? [{ id: notice.requestedById }] : []),
    ...(notice.commitAuthorEmail && !everyBuildOnly ? [{ email: { equals: notice.commitAuthorEmail, mode: "insensitive" as const } }] : []),
    ...(notice.watchedProfileId ? [{ profileWatches: { some: { profileId: notice.watchedProfileId, ...(everyBuildOnly ? { everyBuild: true } : {}) } } }] : []),
  ];
  if (who.length === 0) {
    return false;
  }
  const users = await tx.user.findMany({
    where: { isActive: true, buildEmails: true, memberships: { some: { organizationId: scope.organizationId } }, OR: who },
    select: { id: true },
    orderBy: { createdAt: "asc" },
  });
  if (users.length === 0) {
    return false;
  }
  const created = await tx.notification.createMany({
    data: [{ organizationId: scope.organizationId, connectionId: null, kind: notice.kind, dedupeKey: `${notice.kind}:${notice.buildId}`, data: notice.data, recipientIds: users.map((user) => user.id) }],
    skipDuplicates: true,
  });
  return created.count === 1;
}

export type PendingNotice = {
  id: string;
  organizationId: string;
  connectionId: string | null;
  kind: string;
  data: Prisma.JsonValue;
  createdAt: Date;
  recipients: { id: string; email: string; name: string }[];
};

/**
 * Global by nature (lib/data/README.md): the e-mail job sends every organization's notices that
 * are not e-mailed yet and younger than `maxAgeMs` (older ones are not worth an e-mail any more),
 * oldest first, with their recipients who are still active.
 */
export async function listNoticesToEmail(maxAgeMs: number, limit = 100): Promise<PendingNotice[]> {
  const rows = await db.notification.findMany({
    where: { emailedAt: null, createdAt: { gt: new Date(Date.now() - maxAgeMs) } },
    orderBy: { createdAt: "asc" },
    take: limit,
    select: { id: true, organizationId: true, connectionId: true, kind: true, data: true, createdAt: true, recipientIds: true },
  });
  const userIds = [...new Set(rows.flatMap((row) => row.recipientIds))];
  const users = await db.user.findMany({ where: { id: { in: userIds }, isActive: true }, select: { id: true, email: true, name: true } });
  const byId = new Map(users.map((user) => [user.id, user]));
  return rows.map(({ recipientIds, ...row }) => ({ ...row, recipients: recipientIds.map((id) => byId.get(id)).filter((user): user is { id: string; email: string; name: string } => Boolean(user)) }));
}

/** Marks a notice as e-mailed to everyone (global, like listNoticesToEmail). */
export async function markNoticeEmailed(id: string): Promise<void> {
  await db.notification.updateMany({ where: { id, emailedAt: null }, data: { emailedAt: new Date() } });
}

/**
 * The notices told to the scope's user (newest first, at most `limit`), each marked new when it
 * came after they last opened their notices; and that moment.
 */
export async function listMyNotices(scope: Scope, limit = 50): Promise<{ notices: Array<{ id: string; kind: string; data: Prisma.JsonValue; createdAt: Date; connectionId: string | null; isNew: boolean }>; seenAt: Date | null }> {
  const userId = requireUserActor(scope).userId;
  const [user, rows] = await Promise.all([
    db.user.findFirst({ where: { id: userId, organizationId: scope.organizationId }, select: { noticesSeenAt: true, createdAt: true } }),
    db.notification.findMany({
      where: { organizationId: scope.organizationId, recipientIds: { has: userId } },
      orderBy: { createdAt: "desc" },
      take: limit,
      select: { id: true, kind: true, data: true, createdAt: true, connectionId: true },
    }),
  ]);
  const since = user?.noticesSeenAt ?? user?.createdAt ?? new Date(0);
  return { notices: rows.map((row) => ({ ...row, isNew: row.createdAt > since })), seenAt: user?.noticesSeenAt ?? null };
}

/** Records that the scope's user has seen their notices up to now (the header's count starts again from zero). */
export async function markNoticesSeen(scope: Scope): Promise<void> {
  await db.user.updateMany({ where: { id: requireUserActor(scope).userId, organizationId: scope.organizationId }, data: { noticesSeenAt: new Date() } });
}

/** Deletes notices older than `maxAgeMs` (global: the hourly housekeeping job); returns how many. */
export async function pruneNotices(maxAgeMs: number): Promise<number> {
  const deleted = await db.notification.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - maxAgeMs) } } });
  return deleted.count;
}

/** The once-only key of an organization's summary of the week that ends at `to`. */
function weeklySummaryKey(organizationId: string, to: Date): string {
  return `digest.weekly:${organizationId}:${to.toISOString()}`;
}

/**
 * Global by nature (lib/data/README.md): the organizations whose active members asked for the
 * week's summary (Settings → Your account) and have not been sent the one of the week that ends at
 * `to`, each with those members.
 */
export async function weeklySummaryRecipients(to: Date): Promise<Array<{ organizationId: string; recipientIds: string[] }>> {
  const members = await db.membership.findMany({
    where: { user: { isActive: true, weeklySummary: true } },
    orderBy: { createdAt: "asc" },
    select: { organizationId: true, userId: true },
  });
  const byOrganization = new Map<string, string[]>();
  for (const member of members) {
    byOrganization.set(member.organizationId, [...(byOrganization.get(member.organizationId) ?? []), member.userId]);
  }
  const done = await db.notification.findMany({ where: { dedupeKey: { in: [...byOrganization.keys()].map((id) => weeklySummaryKey(id, to)) } }, select: { organizationId: true } });
  for (const notice of done) {
    byOrganization.delete(notice.organizationId);
  }
  return [...byOrganization].map(([organizationId, recipientIds]) => ({ organizationId, recipientIds }));
}

/** Records the organization's summary of the week that ends at `to` (`digest.weekly`); false when it was already. */
export async function createWeeklySummaryNotice(scope: Scope, to: Date, recipientIds: string[], data: Prisma.InputJsonValue): Promise<boolean> {
  const created = await db.notification.createMany({
    data: [{ organizationId: scope.organizationId, connectionId: null, kind: "digest.weekly", dedupeKey: weeklySummaryKey(scope.organizationId, to), data, recipientIds }],
    skipDuplicates: true,
  });
  return created.count === 1;
}
