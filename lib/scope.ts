// Who is acting, and for which Keel organization. Every lib/data function that reads or
// writes organization data takes a Scope; the actor is either a signed-in user (with the role
// their membership gives them) or the system — a job of the job engine acting on behalf of an
// organization, never on behalf of a browser. Audit events record both kinds of actor.
import type { Role } from "@/lib/generated/prisma/enums";

/**
 * A signed-in person, with the role of their membership in the scope's organization — or a
 * script using one of their API tokens (`apiToken`), which lib/policy.ts allows only a few
 * permissions and the audit log names.
 */
export type UserActor = { kind: "user"; userId: string; role: Role; apiToken?: { id: string; name: string; readOnly?: boolean } };

/**
 * Keel itself: a job (`job` is the queue or schedule name, e.g. "connections.check") acting
 * on behalf of an organization. `requestedBy` names the user whose action queued the job,
 * when one did (a Refresh click), for the audit log; it grants nothing.
 */
export type SystemActor = { kind: "system"; job: string; requestedBy?: string | null };

export type Actor = UserActor | SystemActor;

/** The one scope type: the organization acted in, and who acts. */
export type Scope = { organizationId: string; actor: Actor };

/** The scope of a signed-in user in their organization. */
export function userScope(user: { id: string; organizationId: string; role: Role }): Scope {
  return { organizationId: user.organizationId, actor: { kind: "user", userId: user.id, role: user.role } };
}

/** The scope of a script acting with one of a member's API tokens. */
export function tokenScope(user: { id: string; organizationId: string; role: Role }, token: { id: string; name: string; readOnly?: boolean }): Scope {
  return { organizationId: user.organizationId, actor: { kind: "user", userId: user.id, role: user.role, apiToken: token } };
}

/** The scope of a job acting for an organization. */
export function systemScope(organizationId: string, job: string, requestedBy?: string | null): Scope {
  return { organizationId, actor: { kind: "system", job, requestedBy: requestedBy ?? null } };
}

/** The person behind the act, for "requested by" columns and the audit log: the user, or whoever queued the job (null when nobody did). */
export function onBehalfOf(scope: Scope): string | null {
  return scope.actor.kind === "user" ? scope.actor.userId : (scope.actor.requestedBy ?? null);
}

/** The user behind the scope (for columns that reference a User), or null for the system. */
export function actorUserId(scope: Scope): string | null {
  return scope.actor.kind === "user" ? scope.actor.userId : null;
}

/**
 * The signed-in person behind the scope, for things only a person has (a draft of the connect
 * wizard, linked OAuth identities, their own sessions). A job reaching one is a bug, not a
 * refusal to show, so it throws.
 */
export function requireUserActor(scope: Scope): UserActor {
  if (scope.actor.kind !== "user") {
    throw new Error(`${actorLabel(scope)} acted where only a signed-in user can`);
  }
  return scope.actor;
}

/** A short label of the actor for logs and audit rows: the user id, or "system:<job>". */
export function actorLabel(scope: Scope): string {
  return scope.actor.kind === "user" ? scope.actor.userId : `system:${scope.actor.job}`;
}
