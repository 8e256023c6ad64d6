/**
 * The Azure DevOps scopes Keel needs, with the labels Azure DevOps shows (docs/azure-devops-facts.md §3.4), so
 * findings can say exactly which box to tick.
 *
 * PAT dialog ("New Token" → Custom defined): scopes are grouped in sections (Code, Identity,
 * Notifications…) with options (Read, Status…). OAuth app registrations list the same scopes
 * as "Code (read)", "Code (status)", …
 */

export type ScopeId =
  | "vso.identity"
  | "vso.code"
  | "vso.code_status"
  | "vso.notification"
  | "vso.threads_full"
  | "vso.serviceendpoint_query"
  | "vso.project"
  | "vso.profile";

export type ScopeInfo = {
  id: ScopeId;
  /** "Section (Option)", as admins talk about it: "Code (Read)". */
  label: string;
  /** The section heading in the PAT dialog. */
  section: string;
  /** The option to tick in that section. */
  option: string;
  /** What Keel does with it, for findings. */
  purpose: string;
};

/** Scopes a Keel PAT needs: Identity (Read), Code (Read), Code (Status), Notifications (Read). */
export const REQUIRED_PAT_SCOPES: readonly ScopeInfo[] = Object.freeze([
  { id: "vso.identity", label: "Identity (Read)", section: "Identity", option: "Read", purpose: "read who the token belongs to" },
  { id: "vso.code", label: "Code (Read)", section: "Code", option: "Read", purpose: "list projects, repositories, branches and commits" },
  { id: "vso.code_status", label: "Code (Status)", section: "Code", option: "Status", purpose: "report build results as commit statuses" },
  {
    id: "vso.notification",
    label: "Notifications (Read)",
    section: "Notifications",
    option: "Read",
    // vso.notification includes vso.profile, which the projects list needs (docs/azure-devops-facts.md §1.2, §3.4).
    purpose: "read notification subscriptions and list the projects you can see",
  },
]);

/** Scopes Keel's OAuth app asks for (legacy Azure DevOps OAuth and Entra ID alike). */
export const OAUTH_SCOPES: readonly ScopeInfo[] = Object.freeze([
  { id: "vso.code", label: "Code (Read)", section: "Code", option: "Read", purpose: "list repositories, branches and commits" },
  { id: "vso.code_status", label: "Code (Status)", section: "Code", option: "Status", purpose: "report build results as commit statuses" },
  { id: "vso.threads_full", label: "PR threads (Full)", section: "PR threads", option: "Full", purpose: "comment on pull requests" },
  {
    id: "vso.serviceendpoint_query",
    label: "Service Endpoints (Read & Query)",
    section: "Service Endpoints",
    option: "Read & query",
    purpose: "read service connections",
  },
  { id: "vso.project", label: "Project and team (Read)", section: "Project and Team", option: "Read", purpose: "list projects" },
  { id: "vso.notification", label: "Notifications (Read)", section: "Notifications", option: "Read", purpose: "read notification subscriptions" },
  { id: "vso.profile", label: "User profile (Read)", section: "User Profile", option: "Read", purpose: "read who signed in and their organizations" },
]);

const ALL: ReadonlyMap<ScopeId, ScopeInfo> = new Map([...OAUTH_SCOPES, ...REQUIRED_PAT_SCOPES].map((scope) => [scope.id, scope]));

/** The description of a scope Keel knows. */
export function scopeInfo(id: ScopeId): ScopeInfo {
  const info = ALL.get(id);
  if (info === undefined) {
    throw new Error(`Unknown scope ${id}`);
  }
  return info;
}

