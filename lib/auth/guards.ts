import "server-only";
import { forbidden, redirect } from "next/navigation";
import type { SessionUser } from "@/lib/data/users";
import { hasAnyUser } from "@/lib/data/users";
import type { FormState } from "@/lib/validation/form";
import { getCurrentUser } from "./session";

// Authorization helpers. Pages call requireUser()/requireAdmin(); server actions call
// the action variants, which return a typed error state instead of redirecting, so
// every action checks the session and role by itself (never through middleware).

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

/** The signed-in admin; members get the 403 page. */
export async function requireAdmin(): Promise<SessionUser> {
  const user = await requireUser();
  if (user.role !== "ADMIN") {
    forbidden();
  }
  return user;
}

type ErrorState = Extract<FormState, { status: "error" }>;
export type ActionAuth = { ok: true; user: SessionUser } | { ok: false; state: ErrorState };

const unauthenticated: ErrorState = {
  status: "error",
  message: "Your session has ended. Sign in again to continue.",
  fieldErrors: {},
  values: {},
};

const notAdmin: ErrorState = {
  status: "error",
  message: "Only admins can do this. Ask an admin of your organization.",
  fieldErrors: {},
  values: {},
};

/** For server actions: the signed-in user or an error state to return. */
export async function requireActionUser(): Promise<ActionAuth> {
  const user = await getCurrentUser();
  return user ? { ok: true, user } : { ok: false, state: unauthenticated };
}

/** For server actions: the signed-in admin or an error state to return. */
export async function requireActionAdmin(): Promise<ActionAuth> {
  const auth = await requireActionUser();
  if (!auth.ok) {
    return auth;
  }
  return auth.user.role === "ADMIN" ? auth : { ok: false, state: notAdmin };
}
