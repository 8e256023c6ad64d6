/**
 * Azure DevOps OAuth/PAT scopes and their inheritance (docs/azure-devops-facts.md §3.4):
 * a broader scope includes the narrower ones, so "vso.code" satisfies an endpoint that
 * accepts "vso.hooks_write", and "vso.notification" satisfies "vso.profile".
 */

/** What each scope directly includes. */
const INCLUDES: Record<string, string[]> = {
  "vso.code_full": ["vso.code_manage"],
  "vso.code_manage": ["vso.code_write"],
  "vso.code_write": ["vso.code"],
  "vso.code": ["vso.hooks_write"],
  "vso.hooks_interact": ["vso.hooks_write"],
  "vso.hooks_write": ["vso.hooks"],
  "vso.notification_manage": ["vso.notification_write"],
  "vso.notification_write": ["vso.notification"],
  "vso.notification": ["vso.profile"],
  "vso.profile_write": ["vso.profile"],
  "vso.project_manage": ["vso.project_write"],
  "vso.project_write": ["vso.project"],
  "vso.identity_manage": ["vso.identity"],
  "vso.build_execute": ["vso.build"],
  "vso.build": ["vso.hooks_write"],
  "vso.work_full": ["vso.work_write"],
  "vso.work_write": ["vso.work"],
  "vso.work": ["vso.hooks_write"],
};

/** The pseudo-scope of a "Full access" PAT: satisfies every check. */
export const FULL_ACCESS = "app_token";

/** Every scope a granted set implies (closure over INCLUDES). */
export function expandScopes(granted: readonly string[]): Set<string> {
  const result = new Set<string>();
  const queue = [...granted];
  while (queue.length > 0) {
    const scope = queue.pop();
    if (scope === undefined || result.has(scope)) {
      continue;
    }
    result.add(scope);
    for (const child of INCLUDES[scope] ?? []) {
      queue.push(child);
    }
  }
  return result;
}

/** True when the granted scopes satisfy at least one of the accepted scopes. */
export function hasAnyScope(granted: readonly string[], accepted: readonly string[]): boolean {
  if (accepted.length === 0) {
    return true;
  }
  const expanded = expandScopes(granted);
  if (expanded.has(FULL_ACCESS)) {
    return true;
  }
  return accepted.some((scope) => expanded.has(scope));
}

/** The Azure DevOps resource (application) id used in Entra scopes (docs/azure-devops-facts.md §3.3). */
export const AZURE_DEVOPS_RESOURCE_ID = "499b84ac-1321-427f-aa17-267ca6975798";

/** Splits an OAuth scope string on spaces (and `+`, which some clients leave unencoded). */
export function parseScopeString(raw: string | null | undefined): string[] {
  if (!raw) {
    return [];
  }
  return raw
    .split(/[\s+]+/)
    .map((scope) => scope.trim())
    .filter((scope) => scope.length > 0);
}
