// Who may do what: the one place Keel decides it. Entry points (lib/entry), pages, the OAuth
// link and data functions that make a role decision (deleting a profile) all ask `can()`;
// nothing else compares roles. Beside lib/scope.ts because lib/data needs it too.
//
// A rule names the roles of a signed-in member that may act, whether the system (a job acting
// for an organization) may, and whether the person who created the resource may even without
// the role. The refusal message is part of the rule, so every entry point says the same thing.
import type { Role } from "@/lib/generated/prisma/enums";
import type { Actor, Scope } from "@/lib/scope";

type Rule = {
  roles: readonly Role[];
  system: boolean;
  /** The creator of the resource may, whatever their role. */
  owner?: boolean;
  /** What a refused member is told. */
  refusal: string;
};

const ADMINS_ONLY = "Only admins can do this. Ask an admin of your organization.";

const RULES = {
  /** See connections, their health, their repositories (picker, branch lists). */
  "connection.read": { roles: ["ADMIN", "MEMBER"], system: true, refusal: ADMINS_ONLY },
  /** The connect wizard, from the first step to saving, and linking an OAuth identity to it. */
  "connection.create": { roles: ["ADMIN"], system: false, refusal: ADMINS_ONLY },
  /** Run the doctor on a saved connection and store its health. */
  "connection.check": { roles: ["ADMIN"], system: true, refusal: ADMINS_ONLY },
  /** Edit a saved connection: address, token, expiry, trusted CA. */
  "connection.update": { roles: ["ADMIN"], system: false, refusal: ADMINS_ONLY },
  /** Re-authorize an OAuth connection with a new consent (also: switch legacy Azure DevOps OAuth to Microsoft Entra ID). */
  "connection.reauthorize": { roles: ["ADMIN"], system: false, refusal: ADMINS_ONLY },
  /** Hand a connection to another admin (its owner, who is told about its health). */
  "connection.transfer": { roles: ["ADMIN"], system: false, refusal: ADMINS_ONLY },
  /** Delete a connection (its build profiles are kept, disconnected). */
  "connection.delete": { roles: ["ADMIN"], system: false, refusal: ADMINS_ONLY },
  /** List a connection's repositories again (the picker's Refresh). */
  "repositories.refresh": { roles: ["ADMIN", "MEMBER"], system: true, refusal: ADMINS_ONLY },
  /** See build profiles and their branches and commits. */
  "profile.read": { roles: ["ADMIN", "MEMBER"], system: true, refusal: ADMINS_ONLY },
  /** Create a build profile from a repository of a connection. */
  "profile.create": { roles: ["ADMIN", "MEMBER"], system: false, refusal: ADMINS_ONLY },
  /** Bind a profile to another connection that reaches the same repository: admins, and the person who created it. */
  "profile.rebind": { roles: ["ADMIN"], system: false, owner: true, refusal: "Only the person who created this build profile or an admin can re-bind it." },
  /** Edit a build profile's name, platform and default branch: admins, and the person who created it. */
  "profile.update": { roles: ["ADMIN"], system: false, owner: true, refusal: "Only the person who created this build profile or an admin can edit it." },
  /** Delete a build profile: admins, and the person who created it. */
  "profile.delete": { roles: ["ADMIN"], system: false, owner: true, refusal: "Only the person who created this build profile or an admin can delete it." },
  /** Watch a build profile for oneself: hear when its default branch's or tags' builds fail or are fixed. */
  "profile.watch": { roles: ["ADMIN", "MEMBER"], system: false, refusal: ADMINS_ONLY },
  /** Read and export the organization's audit log. */
  "audit.read": { roles: ["ADMIN"], system: false, refusal: ADMINS_ONLY },
  /** See builds, their logs and what was reported to Azure DevOps. */
  "build.read": { roles: ["ADMIN", "MEMBER"], system: true, refusal: ADMINS_ONLY },
  /** Start a build of a profile (manually; service hooks and polling start them as the system). */
  "build.start": { roles: ["ADMIN", "MEMBER"], system: true, refusal: ADMINS_ONLY },
  /** Keep a build forever (a release): retention deletes neither its log nor its artifacts. Admins: it is storage for good. */
  "build.keep": { roles: ["ADMIN"], system: false, refusal: "Only admins can keep a build forever. Ask an admin of your organization." },
  /** Share a finished build's artifacts with a link anyone may open (testers), and turn such links off. */
  "build.share": { roles: ["ADMIN", "MEMBER"], system: false, refusal: ADMINS_ONLY },
  /** Cancel a queued or running build. */
  "build.cancel": { roles: ["ADMIN", "MEMBER"], system: true, refusal: ADMINS_ONLY },
  /** Cancel every queued build at once (a flood of builds after a bad trigger or a mass merge). */
  "build.cancel_queued": { roles: ["ADMIN"], system: false, refusal: "Only admins can cancel every queued build at once. Cancel builds one by one, or ask an admin." },
  /** Move a queued build to the front of its pool's queue ("Run next": a hotfix while the Macs are busy). */
  "build.run_next": { roles: ["ADMIN"], system: false, refusal: "Only admins can move a build to the front of the queue. Ask an admin if it cannot wait." },
  /** Pause a profile's builds and resume them (an Xcode upgrade on the Macs, a store freeze): builds queue but do not start. */
  "profile.pause": { roles: ["ADMIN"], system: false, refusal: "Only admins can pause or resume a build profile's builds. Ask an admin of your organization." },
  /** Change what starts a profile's builds by itself (push and pull-request triggers, manual only): admins, and the person who created it. */
  "profile.triggers": { roles: ["ADMIN"], system: false, owner: true, refusal: "Only the person who created this build profile or an admin can change its triggers." },
  /** See the service-hook delivery log, replay deliveries, backfill, manage subscriptions (the system keeps them healthy). */
  "hooks.manage": { roles: ["ADMIN"], system: true, refusal: "Only admins can see and replay service-hook deliveries. Ask an admin of your organization." },
  /** Change a profile's workflow: steps, time limit, variables and secrets. */
  "workflow.update": { roles: ["ADMIN"], system: false, refusal: "Only admins can change a build profile's workflow. Ask an admin of your organization." },
  /** See, create, edit and delete the organization's variable groups (values several profiles share, secrets among them). */
  "variableGroup.manage": { roles: ["ADMIN"], system: false, refusal: "Only admins can see and change variable groups. Ask an admin of your organization." },
  /** See and manage the organization's members: add, change roles, disable, reset passwords, unlock sign-in. */
  "member.manage": { roles: ["ADMIN"], system: false, refusal: ADMINS_ONLY },
  /**
   * See Keel's network settings (egress addresses, outbound allowlist). Admins only: the
   * allowlist maps the private networks Keel may reach, which members do not need to know.
   */
  "network.read": { roles: ["ADMIN"], system: false, refusal: ADMINS_ONLY },
  /**
   * See Keel's workers: host names, process ids, the build pools each serves, how long it has
   * run. Admins only, like the network settings: it maps the installation's machines.
   */
  "worker.read": { roles: ["ADMIN"], system: false, refusal: ADMINS_ONLY },
  /**
   * Add, delete and test the organization's outgoing webhooks, see their deliveries and send one
   * again (admins: a webhook sends every build's details to a server of their choosing).
   */
  "webhook.manage": { roles: ["ADMIN"], system: false, refusal: "Only admins can manage webhooks. Ask an admin of your organization." },
  /** Edit the organization's own outbound allowlist entries (KEEL_OUTBOUND_ALLOWLIST stays the operator's). */
  "network.update": { roles: ["ADMIN"], system: false, refusal: ADMINS_ONLY },
  /** Create API tokens of one's own (scripts start and read builds as their creator), see and revoke them. */
  "apiToken.manage": { roles: ["ADMIN", "MEMBER"], system: false, refusal: ADMINS_ONLY },
  /** Revoke a token: its owner, and admins (anyone's: a token of someone who left, one that leaked). */
  "apiToken.revoke": { roles: ["ADMIN"], system: false, owner: true, refusal: "Only the person who created this token or an admin can revoke it." },
  /** End one's own sessions (sign out everywhere). */
  "session.manage": { roles: ["ADMIN", "MEMBER"], system: false, refusal: ADMINS_ONLY },
  /** Change one's own password (proving the current one). */
  "account.password": { roles: ["ADMIN", "MEMBER"], system: false, refusal: ADMINS_ONLY },
  /** Change one's own preferences (which e-mails to get). */
  "account.preferences": { roles: ["ADMIN", "MEMBER"], system: false, refusal: ADMINS_ONLY },
} as const satisfies Record<string, Rule>;

export type Permission = keyof typeof RULES;

/** Every permission Keel knows (for tests and docs). */
export const PERMISSIONS = Object.keys(RULES) as Permission[];

/**
 * What a request with an API token may do at most (its owner's role still decides within
 * these): read profiles and builds, start and cancel builds, keep a build forever (admins: the
 * build a store got; the token API offers no way to let one go), and (admins) pause and resume a
 * profile's builds and move a queued build to the front — what a maintenance or release script
 * does around a Mac's Xcode upgrade or a hotfix. Nothing that changes settings,
 * connections, members or tokens — a leaked token cannot be used to keep access.
 */
/** What a read-only token (a dashboard's, a report's) may do at most: read profiles and builds, download artifacts. */
export const API_TOKEN_READ_PERMISSIONS: readonly Permission[] = ["profile.read", "build.read"];

export const API_TOKEN_PERMISSIONS: readonly Permission[] = ["profile.read", "profile.pause", "build.read", "build.start", "build.cancel", "build.keep", "build.run_next"];

/** The resource an owner rule looks at: who created it (resources without a creator never match). */
export type OwnedResource = { createdById?: string | null };

function actorOf(subject: Actor | Scope): Actor {
  return "actor" in subject ? subject.actor : subject;
}

/** True when the actor (or the scope's actor) may do `permission`, on `resource` when the rule looks at its owner. */
export function can(subject: Actor | Scope, permission: Permission, resource?: OwnedResource): boolean {
  const rule: Rule = RULES[permission];
  const actor = actorOf(subject);
  if (actor.kind === "system") {
    return rule.system;
  }
  if (actor.apiToken && !(actor.apiToken.readOnly ? API_TOKEN_READ_PERMISSIONS : API_TOKEN_PERMISSIONS).includes(permission)) {
    return false;
  }
  if (rule.roles.includes(actor.role)) {
    return true;
  }
  return rule.owner === true && typeof resource?.createdById === "string" && resource.createdById === actor.userId;
}

/**
 * True when the actor may do `permission` to at least some resource: its role allows it, or the
 * rule lets creators act and the actor is a person. Entry points ask this before loading the
 * target, and `can()` with the target after.
 */
export function canForSome(subject: Actor | Scope, permission: Permission): boolean {
  const actor = actorOf(subject);
  const rule: Rule = RULES[permission];
  return can(actor, permission) || (actor.kind === "user" && !actor.apiToken && rule.owner === true);
}

/** What an actor refused `permission` is told. */
export function refusalOf(permission: Permission): string {
  return RULES[permission].refusal;
}
