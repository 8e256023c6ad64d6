import "server-only";
import { db } from "@/lib/db";
import type { Role } from "@/lib/generated/prisma/client";
import { requireUserActor, type Scope } from "@/lib/scope";

/** True once the first admin exists (first-run setup is then gone for good). */
export async function hasAnyUser(): Promise<boolean> {
  return (await db.user.count({ take: 1 })) > 0;
}

/**
 * The fields sign-in needs, including the password hash (opted in explicitly) and the
 * membership the session will act in. Global by nature: the email is all sign-in knows.
 */
export async function getUserForSignIn(email: string) {
  const user = await db.user.findUnique({
    where: { email: email.toLowerCase() },
    select: {
      id: true,
      email: true,
      passwordHash: true,
      isActive: true,
      sessionVersion: true,
      memberships: { select: { organizationId: true, role: true }, orderBy: { createdAt: "asc" }, take: 1 },
    },
  });
  if (!user) {
    return null;
  }
  const { memberships, ...rest } = user;
  return { ...rest, membership: memberships[0] ?? null };
}

/** Stores a new password hash (rehash after a parameter upgrade, invitation accepted). */
export async function setPasswordHash(userId: string, passwordHash: string): Promise<void> {
  await db.user.update({ where: { id: userId }, data: { passwordHash } });
}

export type SessionUser = {
  id: string;
  email: string;
  name: string;
  sessionVersion: number;
  organizationId: string;
  organizationName: string;
  role: Role;
};

/**
 * The user behind a session, or null when the session must no longer count: user
 * gone or disabled, session version bumped (sign-out everywhere, role change), or no
 * membership left.
 */
export async function getSessionUser(userId: string, sessionVersion: number): Promise<SessionUser | null> {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: {
      id: true,
      email: true,
      name: true,
      isActive: true,
      sessionVersion: true,
      memberships: {
        select: { role: true, organization: { select: { id: true, name: true } } },
        orderBy: { createdAt: "asc" },
        take: 1,
      },
    },
  });
  const membership = user?.memberships[0];
  if (!user || !user.isActive || user.sessionVersion !== sessionVersion || !membership) {
    return null;
  }
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    sessionVersion: user.sessionVersion,
    organizationId: membership.organization.id,
    organizationName: membership.organization.name,
    role: membership.role,
  };
}

/** Invalidates every session of the scope's user (sign out everywhere). */
export async function bumpSessionVersion(scope: Scope): Promise<void> {
  await db.user.update({ where: { id: requireUserActor(scope).userId }, data: { sessionVersion: { increment: 1 } } });
}
