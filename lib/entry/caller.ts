import "server-only";
import { getCurrentUser } from "@/lib/auth/session";
import type { SessionUser } from "@/lib/data/users";
import { AppError } from "@/lib/errors";
import { can, canForSome, refusalOf, type OwnedResource, type Permission } from "@/lib/policy";
import { userScope, type Scope } from "@/lib/scope";

/** The message of every entry point a request without a live session reaches. */
export const SESSION_ENDED = "Your session has ended. Sign in again to continue.";

export type Caller = { user: SessionUser; scope: Scope };

/**
 * The first two steps of every guarded entry point: the session (checked against the database
 * on every request, lib/auth/session.ts), then the role the policy asks for. Throws the
 * UNAUTHENTICATED or FORBIDDEN AppError to answer. Rules that let a creator act are decided
 * again with the target (`authorizeTarget`).
 */
export async function authorizeCaller(permission: Permission): Promise<Caller> {
  const user = await getCurrentUser();
  if (!user) {
    throw new AppError("UNAUTHENTICATED", SESSION_ENDED);
  }
  const scope = userScope(user);
  if (!canForSome(scope, permission)) {
    throw new AppError("FORBIDDEN", refusalOf(permission));
  }
  return { user, scope };
}

/** After the target is loaded: the policy's answer for this very resource (its creator), or FORBIDDEN. */
export function authorizeTarget(scope: Scope, permission: Permission, target: unknown): void {
  const resource: OwnedResource = typeof target === "object" && target !== null && "createdById" in target ? { createdById: (target as OwnedResource).createdById ?? null } : {};
  if (!can(scope, permission, resource)) {
    throw new AppError("FORBIDDEN", refusalOf(permission));
  }
}
