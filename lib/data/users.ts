import "server-only";
import { randomUUID } from "node:crypto";
import { db, type Tx } from "@/lib/db";
import type { Role } from "@/lib/generated/prisma/client";
import { requireUserActor, type Scope } from "@/lib/scope";
import { recordAudit } from "./audit";

/**
 * The active member of the scope's organization whose e-mail is this address (case-insensitive),
 * or null: who a pull-request comment's author is in Keel (lib/hooks/README.md, "Comments").
 */
export async function activeMemberByEmail(scope: Scope, email: string): Promise<{ id: string; name: string } | null> {
  const address = email.trim().toLowerCase();
  if (!address.includes("@")) {
    return null;
  }
  return db.user.findFirst({
    where: { organizationId: scope.organizationId, email: address, isActive: true, memberships: { some: { organizationId: scope.organizationId } } },
    select: { id: true, name: true },
  });
}

/** True once the first admin exists (first-run setup is then gone for good). */
export async function hasAnyUser(): Promise<boolean> {
  return (await db.user.count({ take: 1 })) > 0;
}

export type SignInCandidate = {
  id: string;
  email: string;
  passwordHash: string | null;
  isActive: boolean;
  membership: { organizationId: string; role: Role } | null;
};

/**
 * Every account with this email, oldest first, with the password hash (opted in explicitly) and
 * the membership the session will act in. Global by nature: the email is all sign-in knows, and
 * accounts belong to one organization each, so one email may have accounts in several.
 */
export async function getSignInCandidates(email: string): Promise<SignInCandidate[]> {
  const users = await db.user.findMany({
    where: { email: email.toLowerCase() },
    orderBy: { createdAt: "asc" },
    take: 10,
    select: {
      id: true,
      email: true,
      passwordHash: true,
      isActive: true,
      memberships: { select: { organizationId: true, role: true }, orderBy: { createdAt: "asc" }, take: 1 },
    },
  });
  return users.map(({ memberships, ...rest }) => ({ ...rest, membership: memberships[0] ?? null }));
}

/** Stores a new password hash (rehash after a parameter upgrade). */
export async function setPasswordHash(userId: string, passwordHash: string): Promise<void> {
  await db.user.update({ where: { id: userId }, data: { passwordHash } });
}

/** Which build e-mails the scope's own user gets (lib/builds/README.md, "Build notices" and "The week's summary"). */
export async function getOwnEmailPreferences(scope: Scope): Promise<{ buildEmails: boolean; weeklySummary: boolean }> {
  const user = await db.user.findUnique({ where: { id: requireUserActor(scope).userId }, select: { buildEmails: true, weeklySummary: true } });
  return { buildEmails: user?.buildEmails ?? true, weeklySummary: user?.weeklySummary ?? false };
}

/** Turns the scope's own build e-mails and week's summary on or off. */
export async function setOwnEmailPreferences(scope: Scope, preferences: { buildEmails: boolean; weeklySummary: boolean }): Promise<void> {
  await db.user.update({ where: { id: requireUserActor(scope).userId }, data: preferences });
}

/** The password hash of the scope's own user (to check "current password"), or null. */
export async function getOwnPasswordHash(scope: Scope): Promise<string | null> {
  const user = await db.user.findUnique({ where: { id: requireUserActor(scope).userId }, select: { passwordHash: true } });
  return user?.passwordHash ?? null;
}

// --- Sessions -------------------------------------------------------------------------------
// A session is a `Session` row; the cookie (next-auth's JWT) carries its id as `sid` and the
// user's id as `sub`. The check on every request is ONE query (issue 17): the row, its user and
// the membership, joined. Ending a session is deleting its row: the next request with the same
// cookie finds nothing. lib/auth/README.md describes the design.

/** Sessions last at most this long after sign-in (SECURITY.md, "Sessions"); nothing extends them. */
export const SESSION_LIFETIME_SECONDS = 12 * 60 * 60;

export type SessionUser = {
  id: string;
  email: string;
  name: string;
  /** The `Session` row this request authenticated with. */
  sessionId: string;
  organizationId: string;
  organizationName: string;
  role: Role;
  /** Notices for them since they last opened the Notices page (counted up to 99). */
  unseenNotices: number;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Starts a session for a user who just proved who they are (sign-in), and forgets this user's
 * sessions that have run out. Global by nature: it runs before any scope exists.
 */
export async function createSession(userId: string, ip: string | null): Promise<{ id: string; expiresAt: Date }> {
  const id = randomUUID();
  const expiresAt = new Date(Date.now() + SESSION_LIFETIME_SECONDS * 1000);
  await db.$transaction([
    db.session.deleteMany({ where: { userId, expiresAt: { lt: new Date() } } }),
    db.session.create({ data: { id, userId, expiresAt, ip: ip?.slice(0, 64) ?? null } }),
    // Members shows it: an account nobody has used for months belongs to someone who may have left.
    db.user.update({ where: { id: userId }, data: { lastSignInAt: new Date() }, select: { id: true } }),
  ]);
  return { id, expiresAt };
}

type SessionRow = { id: string; email: string; name: string; role: Role; organizationId: string; organizationName: string; unseenNotices: number };

/**
 * The user behind a live session, or null when it must no longer count: the row is gone (signed
 * out, ended by a password change or reset, a role change, disabling, "sign out everywhere"),
 * past its end, for another user than the cookie says, the user is disabled, or has no
 * membership. One round trip to PostgreSQL. Global by nature: it produces the scope.
 */
export async function getSessionUser(sessionId: string, userId: string): Promise<SessionUser | null> {
  if (!UUID.test(sessionId) || !UUID.test(userId)) {
    return null;
  }
  const rows = await db.$queryRaw<SessionRow[]>`
    SELECT u."id", u."email", u."name", m."role", o."id" AS "organizationId", o."name" AS "organizationName",
      -- The header's count of new notices, in the same round trip (capped: the header says 99+).
      (SELECT count(*)::int FROM (
        SELECT 1 FROM "Notification" n
        WHERE n."organizationId" = o."id" AND n."recipientIds" @> ARRAY[u."id"] AND n."createdAt" > COALESCE(u."noticesSeenAt", u."createdAt")
        LIMIT 100
      ) unseen) AS "unseenNotices"
    FROM "Session" s
    JOIN "User" u ON u."id" = s."userId"
    JOIN LATERAL (
      SELECT m."role", m."organizationId" FROM "Membership" m WHERE m."userId" = u."id" ORDER BY m."createdAt" ASC LIMIT 1
    ) m ON true
    JOIN "Organization" o ON o."id" = m."organizationId"
    WHERE s."id" = ${sessionId}::uuid AND s."userId" = ${userId}::uuid AND s."expiresAt" > now() AND u."isActive"`;
  const row = rows[0];
  return row ? { ...row, sessionId } : null;
}

/**
 * Ends one session of the scope's user (sign-out). A session id that is not theirs ends
 * nothing. Returns whether a session ended.
 */
export async function endSession(scope: Scope, sessionId: string): Promise<boolean> {
  if (!UUID.test(sessionId)) {
    return false;
  }
  const { count } = await db.session.deleteMany({ where: { id: sessionId, userId: requireUserActor(scope).userId } });
  return count > 0;
}

/** Ends every session of the scope's own user, or all but `except` (the one making the request). */
export async function endOwnSessions(scope: Scope, options: { except?: string } = {}, tx?: Tx): Promise<number> {
  const userId = requireUserActor(scope).userId;
  const { count } = await (tx ?? db).session.deleteMany({ where: { userId, ...(options.except ? { id: { not: options.except } } : {}) } });
  return count;
}

/**
 * Ends every session of a member of the scope's organization (role change, disabling, password
 * reset by an admin). Users of other organizations are untouched: the membership is the filter.
 */
export async function endMemberSessions(scope: Scope, userId: string, tx?: Tx): Promise<number> {
  const { count } = await (tx ?? db).session.deleteMany({ where: { userId, user: { memberships: { some: { organizationId: scope.organizationId } } } } });
  return count;
}

/**
 * Sets the scope's own password after the caller proved the current one, and ends every other
 * session of theirs (the browser that changed it stays signed in). Audited.
 */
export async function changeOwnPassword(scope: Scope, input: { passwordHash: string; keepSessionId: string; ip: string | null }): Promise<{ endedSessions: number }> {
  const userId = requireUserActor(scope).userId;
  return db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { passwordHash: input.passwordHash } });
    // Open password-setting links of this user would undo the change: they stop working.
    await tx.invitation.updateMany({ where: { userId, usedAt: null }, data: { usedAt: new Date() } });
    const endedSessions = await endOwnSessions(scope, { except: input.keepSessionId }, tx);
    await recordAudit(scope, { action: "auth.password_changed", targetType: "user", targetId: userId, data: { endedSessions }, ip: input.ip }, tx);
    return { endedSessions };
  });
}

/** Deletes sessions past their end, across organizations (housekeeping; an expired row already counts for nothing). */
export async function pruneExpiredSessions(): Promise<number> {
  const { count } = await db.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  return count;
}
