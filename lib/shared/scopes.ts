/**
 * Human names of Azure DevOps scopes ("Code (Read)" for `vso.code`), as the PAT dialog and OAuth
 * app registrations show them, for every place Keel shows a scope. Pure data, safe in client
 * components. lib/azure-devops/scopes.ts describes the scopes Keel asks for with the same labels
 * (a test keeps the two in step).
 */

const SCOPE_LABELS: Readonly<Record<string, string>> = Object.freeze({
  "vso.identity": "Identity (Read)",
  "vso.identity_manage": "Identity (Manage)",
  "vso.code": "Code (Read)",
  "vso.code_write": "Code (Read & write)",
  "vso.code_manage": "Code (Read, write & manage)",
  "vso.code_full": "Code (Full)",
  "vso.code_status": "Code (Status)",
  "vso.notification": "Notifications (Read)",
  "vso.notification_write": "Notifications (Write)",
  "vso.notification_manage": "Notifications (Read, write & manage)",
  "vso.notification_diagnostics": "Notifications (Diagnostics)",
  "vso.threads_full": "PR threads (Full)",
  "vso.serviceendpoint": "Service Endpoints (Read)",
  "vso.serviceendpoint_query": "Service Endpoints (Read & Query)",
  "vso.serviceendpoint_manage": "Service Endpoints (Read, query & manage)",
  "vso.project": "Project and team (Read)",
  "vso.project_write": "Project and team (Read & write)",
  "vso.project_manage": "Project and team (Read, write & manage)",
  "vso.profile": "User profile (Read)",
  "vso.profile_write": "User profile (Write)",
  "vso.build": "Build (Read)",
  "vso.build_execute": "Build (Read & execute)",
  "vso.release": "Release (Read)",
  "vso.release_execute": "Release (Read, write & execute)",
  "vso.work": "Work Items (Read)",
  "vso.work_write": "Work Items (Read & write)",
  "vso.work_full": "Work Items (Full)",
  "vso.packaging": "Packaging (Read)",
  "vso.packaging_write": "Packaging (Read & write)",
  "vso.graph": "Graph (Read)",
  "vso.graph_manage": "Graph (Manage)",
  "vso.hooks": "Service Hooks (Read)",
  "vso.hooks_write": "Service Hooks (Read & write)",
  "vso.memberentitlementmanagement": "Member Entitlement Management (Read)",
  "vso.variablegroups_read": "Variable Groups (Read)",
  "vso.agentpools": "Agent Pools (Read)",
  "vso.securefiles_read": "Secure Files (Read)",
  "vso.wiki": "Wiki (Read)",
  "vso.test": "Test Management (Read)",
  "vso.dashboards": "Team dashboard (Read)",
  "vso.tokens": "Delegated Authorization Tokens (Read)",
  app_token: "Full access",
});

/** The human name of a scope ("Code (Read)" for `vso.code`); an unknown scope keeps its id. */
export function scopeLabel(id: string): string {
  return SCOPE_LABELS[id] ?? id;
}
