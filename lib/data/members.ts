import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { Prisma, type Role } from "@/lib/generated/prisma/client";
import { requireUserActor, type Scope } from "@/lib/scope";
import { recordAudit } from "./audit";
import { likeLiteral } from "./like";
import { endMemberSessions } from "./users";

export type MemberFilter = { q?: string; role?: "ADMIN" | "MEMBER"; status?: "ACTIVE" | "INVITED" | "DISABLED" | "IDLE"; page: number; pageSize: number };

/** An active account not signed in for this long is idle (the Members page's filter): its person may have left. */
export const IDLE_DAYS = 90;

/** Whether an account last signed in then (null: never since Keel kept it) is idle at `now`: the filter's rule, and the page's mark. */
export function isIdleSignIn(lastSignInAt: Date | null, now: Date): boolean {
  return lastSignInAt === null || lastSignInAt.getTime() < idleCutoff(now).getTime();
}

function idleCutoff(now: Date): Date {
  return new Date(now.getTime() - IDLE_DAYS * 86_400_000);
}

/** The organization's members (a page of them, searched by name or email and filtered), newest first, and how many match. */
export async function listMembers(scope: Scope, filter: MemberFilter) {
  const term = filter.q ? likeLiteral(filter.q) : undefined;
  const where: Prisma.MembershipWhereInput = {
    organizationId: scope.organizationId,
    ...(filter.role ? { role: filter.role } : {}),
    user: {
      ...(term ? { OR: [{ name: { contains: term, mode: "insensitive" } }, { email: { contains: term, mode: "insensitive" } }] } : {}),
      ...(filter.status === "ACTIVE"
        ? { isActive: true, passwordHash: { not: null } }
        : filter.status === "INVITED"
          ? { isActive: true, passwordHash: null }
          : filter.status === "DISABLED"
            ? { isActive: false }
            : filter.status === "IDLE"
              ? // AND, not OR: the search's OR sits beside it.
                { isActive: true, passwordHash: { not: null }, AND: [{ OR: [{ lastSignInAt: null }, { lastSignInAt: { lt: idleCutoff(new Date()) } }] }] }
              : {}),
    },
  };
  const list = db.membership.findMany({
    where,
    // Newest first: the members an admin just added or invited, and acts on next, are on top.
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    skip: (filter.page - 1) * filter.pageSize,
    take: filter.pageSize,
    select: {
      role: true,
      createdAt: true,
      user: {
        select: {
          id: true,
          name: true,
          email: true,
          isActive: true,
          passwordHash: true,
          lastSignInAt: true,
          invitations: { where: { usedAt: null, expiresAt: { gt: new Date() } }, select: { purpose: true }, orderBy: { createdAt: "desc" }, take: 1 },
        },
      },
    },
  });
  const [rows, total] = await Promise.all([list, db.membership.count({ where })]);
  // The hash is read only to tell "no password yet" apart; it never leaves here.
  const members = rows.map((row) => ({
    userId: row.user.id,
    name: row.user.name,
    email: row.user.email,
    isActive: row.user.isActive,
    role: row.role,
    pendingInvitation: row.user.passwordHash === null,
    /** An open link that sets this member's password: JOIN (invited) or PASSWORD_RESET. */
    openLink: row.user.invitations[0]?.purpose ?? null,
    joinedAt: row.createdAt,
    lastSignInAt: row.user.lastSignInAt,
  }));
  return { members, total };
}

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

/** SHA-256 of an invitation token: only the hash is stored, the link is shown once. */
export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Adds a member with either an initial password hash or an invitation link.
 * Returns the invitation token (to show once) when no password was given.
 */
export async function addMember(
  scope: Scope,
  input: {
    email: string;
    name: string;
    role: Role;
    passwordHash?: string;
  },
): Promise<{ userId: string; invitationToken?: string }> {
  const invitationToken = input.passwordHash ? undefined : randomBytes(32).toString("base64url");
  try {
    return await db.$transaction(async (tx) => {
      // An account of this organization: the same email may have accounts in others, and
      // nothing here tells the admin whether it does (SECURITY.md, "Accounts belong to one organization").
      const user = await tx.user.create({
        data: {
          organizationId: scope.organizationId,
          email: input.email,
          name: input.name,
          passwordHash: input.passwordHash ?? null,
          memberships: { create: { organizationId: scope.organizationId, role: input.role } },
        },
        select: { id: true },
      });
      if (invitationToken) {
        await tx.invitation.create({
          data: {
            organizationId: scope.organizationId,
            userId: user.id,
            createdById: requireUserActor(scope).userId,
            tokenHash: hashInvitationToken(invitationToken),
            expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
          },
        });
      }
      await recordAudit(
        scope,
        {
          action: "member.added",
          targetType: "user",
          targetId: user.id,
          data: { email: input.email, role: input.role, method: invitationToken ? "invitation" : "password" },
        },
        tx,
      );
      return { userId: user.id, invitationToken };
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      // Only a member of this very organization can collide (the unique key is organization + email).
      throw new AppError("CONFLICT", "A member of your organization already has this email.", { details: { field: "email" } });
    }
    throw error;
  }
}

/**
 * Changes a member's role; refuses to leave the organization without an admin, and an admin's
 * change of their own role. The member's open sessions end (they sign in again with the new role).
 */
export async function changeMemberRole(scope: Scope, input: { userId: string; role: Role }): Promise<{ changed: boolean }> {
  return db.$transaction(async (tx) => {
    // Serialise role changes per organization so two admins cannot demote each other
    // at the same time and leave nobody in charge.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`keel.roles.${scope.organizationId}`}))`;
    const membership = await tx.membership.findUnique({
      where: { userId_organizationId: { userId: input.userId, organizationId: scope.organizationId } },
    });
    if (!membership) {
      throw new AppError("NOT_FOUND", "That member is not in your organization.");
    }
    if (membership.role === input.role) {
      // Saved without choosing another role: nothing to change, and no reason to sign them out.
      return { changed: false };
    }
    if (scope.actor.kind === "user" && input.userId === scope.actor.userId) {
      // A new role ends the member's sessions: an admin demoting themselves would be signed out
      // in the middle of the page, unable to undo it. Like disabling, it is another admin's call.
      throw new AppError("CONFLICT", "You cannot change your own role. Ask another admin to change it.");
    }
    if (membership.role === "ADMIN" && input.role !== "ADMIN") {
      const admins = await tx.membership.count({
        where: { organizationId: scope.organizationId, role: "ADMIN", user: { isActive: true } },
      });
      if (admins <= 1) {
        throw new AppError("CONFLICT", "The organization needs at least one admin. Make someone else an admin first.");
      }
    }
    await tx.membership.update({ where: { id: membership.id }, data: { role: input.role } });
    // A new role means a new sign-in: every open session of the member ends (SECURITY.md, "Sessions").
    const endedSessions = await endMemberSessions(scope, input.userId, tx);
    await recordAudit(
      scope,
      {
        action: "member.role_changed",
        targetType: "user",
        targetId: input.userId,
        data: { from: membership.role, to: input.role, endedSessions },
      },
      tx,
    );
    return { changed: true };
  });
}

/** Disables or re-enables a member; disabling ends their sessions at once. */
export async function setMemberActive(scope: Scope, input: { userId: string; isActive: boolean }): Promise<void> {
  if (scope.actor.kind === "user" && input.userId === scope.actor.userId && !input.isActive) {
    throw new AppError("CONFLICT", "You cannot disable your own account.");
  }
  await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`keel.roles.${scope.organizationId}`}))`;
    const membership = await tx.membership.findUnique({
      where: { userId_organizationId: { userId: input.userId, organizationId: scope.organizationId } },
      include: { user: { select: { isActive: true } } },
    });
    if (!membership) {
      throw new AppError("NOT_FOUND", "That member is not in your organization.");
    }
    if (membership.user.isActive === input.isActive) {
      return;
    }
    if (!input.isActive && membership.role === "ADMIN") {
      const admins = await tx.membership.count({
        where: { organizationId: scope.organizationId, role: "ADMIN", user: { isActive: true } },
      });
      if (admins <= 1) {
        throw new AppError("CONFLICT", "The organization needs at least one active admin.");
      }
    }
    await tx.user.update({ where: { id: input.userId }, data: { isActive: input.isActive } });
    if (!input.isActive) {
      // Disabled: every session ends, and no open link (invitation, reset) can set a password.
      await endMemberSessions(scope, input.userId, tx);
      await tx.invitation.updateMany({ where: { userId: input.userId, organizationId: scope.organizationId, usedAt: null }, data: { usedAt: new Date() } });
    }
    await recordAudit(
      scope,
      {
        action: input.isActive ? "member.enabled" : "member.disabled",
        targetType: "user",
        targetId: input.userId,
      },
      tx,
    );
  });
}

/**
 * A new invitation link for a member who has not set a password yet (the first was lost, or
 * expired): every earlier link of theirs stops working in the same transaction, and the new
 * token is returned to show once. Null when they have set a password meanwhile (nothing to do).
 */
export async function regenerateInvitation(scope: Scope, userId: string): Promise<{ token: string } | null> {
  const token = randomBytes(32).toString("base64url");
  return db.$transaction(async (tx) => {
    const membership = await tx.membership.findUnique({
      where: { userId_organizationId: { userId, organizationId: scope.organizationId } },
      select: { user: { select: { passwordHash: true, isActive: true } } },
    });
    if (!membership) {
      throw new AppError("NOT_FOUND", "That member is not in your organization.");
    }
    if (membership.user.passwordHash !== null) {
      return null;
    }
    const now = new Date();
    // Earlier links end now: only the newest link works.
    const revoked = await tx.invitation.updateMany({ where: { userId, organizationId: scope.organizationId, usedAt: null, expiresAt: { gt: now } }, data: { expiresAt: now } });
    await tx.invitation.create({
      data: { organizationId: scope.organizationId, userId, createdById: requireUserActor(scope).userId, tokenHash: hashInvitationToken(token), expiresAt: new Date(now.getTime() + INVITATION_TTL_MS) },
    });
    await recordAudit(scope, { action: "member.invitation_regenerated", targetType: "user", targetId: userId, data: { revoked: revoked.count } }, tx);
    return { token };
  });
}


// An invitation link works only while all of these hold: unused, unexpired, its user active
// and still a member of the organization that issued it. Checked when the page opens and again,
// under the claim, when the password is set — a member disabled or removed in between cannot
// use a link they were sent earlier.
function openInvitationWhere(tokenHash: string) {
  return {
    tokenHash,
    usedAt: null,
    expiresAt: { gt: new Date() },
    user: { isActive: true },
  } as const;
}

/** An open invitation by its token, or null when unknown, used, expired, or its user disabled or removed. */
export async function getOpenInvitation(token: string) {
  const invitation = await db.invitation.findFirst({
    where: openInvitationWhere(hashInvitationToken(token)),
    select: {
      id: true,
      purpose: true,
      expiresAt: true,
      organizationId: true,
      organization: { select: { name: true } },
      user: { select: { id: true, email: true, name: true, memberships: { select: { organizationId: true } } } },
    },
  });
  if (!invitation || !invitation.user.memberships.some((membership) => membership.organizationId === invitation.organizationId)) {
    return null;
  }
  return invitation;
}

/**
 * Sets the invited (or reset) user's password and closes the link (single use, race-safe). Ends
 * the user's sessions, so a password set through a reset link is the only way back in.
 */
export async function acceptInvitation(token: string, passwordHash: string): Promise<{ email: string; userId: string }> {
  return db.$transaction(async (tx) => {
    const tokenHash = hashInvitationToken(token);
    const claimed = await tx.invitation.updateMany({ where: { ...openInvitationWhere(tokenHash), user: { isActive: true, memberships: { some: {} } } }, data: { usedAt: new Date() } });
    if (claimed.count !== 1) {
      throw new AppError("NOT_FOUND", "This link has expired, was already used, or its account was disabled. Ask an admin for a new one.");
    }
    const invitation = await tx.invitation.findUniqueOrThrow({
      where: { tokenHash },
      select: { organizationId: true, userId: true, purpose: true, user: { select: { email: true, memberships: { select: { organizationId: true, role: true } } } } },
    });
    const membership = invitation.user.memberships.find((candidate) => candidate.organizationId === invitation.organizationId);
    if (!membership) {
      // Removed from the organization after the link was made: refused, nothing is set.
      throw new AppError("NOT_FOUND", "This link has expired, was already used, or its account was disabled. Ask an admin for a new one.");
    }
    await tx.user.update({ where: { id: invitation.userId }, data: { passwordHash } });
    // Any other open link of this user stops working too.
    await tx.invitation.updateMany({ where: { userId: invitation.userId, usedAt: null }, data: { usedAt: new Date() } });
    // The link is the credential: from here on the invited member acts, in the organization
    // that invited them.
    const scope: Scope = { organizationId: invitation.organizationId, actor: { kind: "user", userId: invitation.userId, role: membership.role } };
    await endMemberSessions(scope, invitation.userId, tx);
    await recordAudit(
      scope,
      { action: invitation.purpose === "PASSWORD_RESET" ? "auth.password_reset_completed" : "member.invitation_accepted", targetType: "user", targetId: invitation.userId },
      tx,
    );
    return { email: invitation.user.email, userId: invitation.userId };
  });
}

/**
 * An admin resets a member's password: either to a password the admin sets, or by a one-time
 * link that lets the member choose one (the old password stops working at once). Either way
 * every session of the member ends and older links stop working. Audited. Returns the link's
 * token when one was made.
 */
export async function resetMemberPassword(scope: Scope, input: { userId: string; passwordHash?: string }): Promise<{ resetToken?: string; endedSessions: number }> {
  const resetToken = input.passwordHash ? undefined : randomBytes(32).toString("base64url");
  return db.$transaction(async (tx) => {
    const membership = await tx.membership.findUnique({
      where: { userId_organizationId: { userId: input.userId, organizationId: scope.organizationId } },
      select: { user: { select: { isActive: true } } },
    });
    if (!membership) {
      throw new AppError("NOT_FOUND", "That member is not in your organization.");
    }
    if (!membership.user.isActive) {
      throw new AppError("CONFLICT", "This member is disabled. Enable them first, then reset their password.");
    }
    await tx.user.update({ where: { id: input.userId }, data: { passwordHash: input.passwordHash ?? null } });
    await tx.invitation.updateMany({ where: { userId: input.userId, usedAt: null }, data: { usedAt: new Date() } });
    if (resetToken) {
      await tx.invitation.create({
        data: {
          organizationId: scope.organizationId,
          userId: input.userId,
          createdById: requireUserActor(scope).userId,
          purpose: "PASSWORD_RESET",
          tokenHash: hashInvitationToken(resetToken),
          expiresAt: new Date(Date.now() + RESET_LINK_TTL_MS),
        },
      });
    }
    const endedSessions = await endMemberSessions(scope, input.userId, tx);
    await recordAudit(
      scope,
      { action: "member.password_reset", targetType: "user", targetId: input.userId, data: { method: resetToken ? "link" : "password", endedSessions } },
      tx,
    );
    return { ...(resetToken ? { resetToken } : {}), endedSessions };
  });
}

const RESET_LINK_TTL_MS = 24 * 3600 * 1000;

/** Active admins of the scope's organization (whom a member should ask). */
export async function listAdmins(scope: Scope): Promise<{ name: string; email: string }[]> {
  const rows = await db.membership.findMany({
    where: { organizationId: scope.organizationId, role: "ADMIN", user: { isActive: true } },
    select: { user: { select: { name: true, email: true } } },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((row) => row.user);
}

export type MemberView = { userId: string; name: string; email: string; role: Role; isActive: boolean };

/** One member of the scope's organization, or null (another organization's user looks the same as a missing one). */
export async function getMember(scope: Scope, userId: string): Promise<MemberView | null> {
  const row = await db.membership.findUnique({
    where: { userId_organizationId: { userId, organizationId: scope.organizationId } },
    select: { role: true, user: { select: { id: true, name: true, email: true, isActive: true } } },
  });
  return row ? { userId: row.user.id, name: row.user.name, email: row.user.email, role: row.role, isActive: row.user.isActive } : null;
}
