import "server-only";
import { forbidden, redirect } from "next/navigation";
import type { SessionUser } from "@/lib/data/users";
import { hasAnyUser } from "@/lib/data/users";
import { can, type Permission } from "@/lib/policy";
import { userScope, type Scope } from "@/lib/scope";
import { getCurrentUser } from "./session";

// Authorization helpers for pages: requireUser() or requireScope(permission), which ask the
// policy (lib/policy.ts). Server actions and route handlers go through lib/entry instead,
// which answers a typed error state or JSON rather than redirecting.

/** The signed-in user, or a redirect: to /setup on a fresh install, else to /signin. */
export async function requireUser(): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (user) {
    return user;
  }
  if (!(await hasAnyUser())) {
    redirect("/setup");
  }
  redirect("/signin");
}

/**
 * The signed-in user and their scope (their organization, acting as themselves); with a
 * permission, users the policy refuses get the 403 page.
 */
export async function requireScope(permission?: Permission): Promise<{ user: SessionUser; scope: Scope }> {
  const user = await requireUser();
  const scope = userScope(user);
  if (permission !== undefined && !can(scope, permission)) {
    forbidden();
  }
  return { user, scope };
}
