// The stored, display-safe form of a connection check (doctor run): what the wizard's
// check page and a connection's health panel show. Never contains a token.

export type CheckFinding = {
  id: string;
  severity: "error" | "warning";
  title: string;
  detail: string;
  fix: string[];
  data?: Record<string, string | number>;
};

export type CheckSummary = {
  ok: boolean;
  checkedAt: string;
  findings: CheckFinding[];
  identity?: { displayName: string; uniqueName?: string };
  server?: { deploymentType: string; product: string; apiVersion?: string };
  projects?: { count: number; countIsLowerBound: boolean; first: string[] };
  /**
   * Set when this check could not list projects and `projects` is the last-known list, carried
   * over from the check that last listed them (its time) — a failing connection keeps it.
   */
  projectsAsOf?: string;
  scopes?: { present: string[]; missing: string[] };
  /** Outbound calls the check made (method, path, status), for the admin's curiosity and the audit log. */
  calls?: number;
};

/** Reads a stored JSON value back into a CheckSummary (null when absent or malformed). */
export function readCheckSummary(value: unknown): CheckSummary | null {
  if (!value || typeof value !== "object") {
    return null;
  }
  const candidate = value as Partial<CheckSummary>;
  if (typeof candidate.ok !== "boolean" || !Array.isArray(candidate.findings) || typeof candidate.checkedAt !== "string") {
    return null;
  }
  return candidate as CheckSummary;
}
