/** A user-facing explanation of why the picker (or a profile's branch list) cannot show data. */
export type PickerProblem = {
  /** A doctor finding id (token_expired, unreachable_refused, …) or a Keel one. */
  id: string;
  title: string;
  detail: string;
  fix: string[];
};

/** Reads a stored problem (JSON column) back; null when absent or malformed. */
export function readProblem(value: unknown): PickerProblem | null {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return null;
  }
  const candidate = value as Record<string, unknown>;
  if (typeof candidate.id !== "string" || typeof candidate.title !== "string" || typeof candidate.detail !== "string" || !Array.isArray(candidate.fix)) {
    return null;
  }
  return { id: candidate.id, title: candidate.title, detail: candidate.detail, fix: candidate.fix.filter((step): step is string => typeof step === "string") };
}

/** The problem for a failure nobody anticipated (details go to the log, not the screen). */
export function unexpectedProblem(what: string): PickerProblem {
  return {
    id: "unexpected",
    title: `${what} failed unexpectedly`,
    detail: "Keel logged the details for whoever runs it.",
    fix: ["Try again in a moment.", "If it keeps failing, an admin can run Check on the connection's page."],
  };
}

/**
 * Findings that mean "Azure DevOps refuses this credential": a new token, consent or app
 * registration fixes them. lib/connections/status.ts maps them to a status; problemForViewer
 * tells each reader who fixes them.
 */
export const CREDENTIAL_REFUSED_FINDINGS: ReadonlySet<string> = new Set([
  "token_invalid",
  "token_wrong_organization",
  "sign_in_page",
  "missing_scope",
  // Legacy Azure DevOps OAuth refused by the organization's policy: switching the connection to
  // Microsoft Entra ID (a re-authorization) or turning the policy on fixes it.
  "oauth_policy_disabled",
  "oauth_reauthorization_needed",
  "credentials_unusable",
  // A service principal or managed identity: Entra ID refused its credential, or Azure DevOps
  // does not know it. An admin fixes the app registration or replaces the secret/certificate.
  "service_principal_not_added",
  "entra_wrong_tenant",
  "entra_personal_account",
  "entra_app_not_found",
  "entra_secret_invalid",
  "entra_certificate_not_registered",
  "entra_certificate_key_mismatch",
  "entra_federation_no_match",
  "entra_admin_consent_required",
  "managed_identity_disabled",
  "managed_identity_not_found",
]);

/** Findings that say the credential itself has run out (a PAT, a client secret, a certificate). */
export const CREDENTIAL_EXPIRED_FINDINGS: ReadonlySet<string> = new Set(["token_expired", "entra_secret_expired", "entra_certificate_expired"]);

/** True for a problem a new credential fixes (refused or expired): only admins can. */
export function isCredentialProblem(findingId: string): boolean {
  return CREDENTIAL_REFUSED_FINDINGS.has(findingId) || CREDENTIAL_EXPIRED_FINDINGS.has(findingId);
}

/** Who is reading a problem about a saved connection: whether they may fix its credential, and who can. */
export type ProblemViewer = {
  connectionId: string;
  authMethod: "PAT" | "OAUTH" | "SERVICE_PRINCIPAL";
  /** May replace the token or re-authorize (admins). */
  canFix: boolean;
  /** The admins' names, for "ask an admin (…)". */
  admins: string[];
};

/** A problem as one reader should see it, with the one link that fixes it when they may. */
export type ViewerProblem = PickerProblem & { action?: { label: string; href: string } };

/** "Ann", "Ann or Bo", "Ann, Bo or Cy" — at most three names. */
function adminNames(admins: string[]): string {
  const names = admins.slice(0, 3);
  if (names.length <= 1) {
    return names[0] ?? "";
  }
  return `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

/**
 * The doctor writes its fix steps for whoever can act on them ("paste the whole token into
 * Keel"). A member cannot: they are told which admin to ask. An admin gets the link to the one
 * place that fixes it (Replace token, Re-authorize). Problems that are not about the credential
 * are returned as they are.
 */
export function problemForViewer(problem: PickerProblem, viewer: ProblemViewer | null | undefined): ViewerProblem {
  if (!viewer || !isCredentialProblem(problem.id)) {
    return problem;
  }
  const pat = viewer.authMethod === "PAT";
  const principal = viewer.authMethod === "SERVICE_PRINCIPAL";
  if (!viewer.canFix) {
    const who = viewer.admins.length > 0 ? `an admin (${adminNames(viewer.admins)})` : "an admin";
    const what = pat ? "replace this connection's token" : principal ? "fix this connection's service principal" : "re-authorize this connection";
    return { ...problem, fix: [`Ask ${who} to ${what}: only admins can. Nothing else is needed from you.`, "Then reload this page."] };
  }
  if (principal) {
    return { ...problem, action: { label: "Open the connection", href: `/connections/${viewer.connectionId}` } };
  }
  const fix = problem.fix.map((step) =>
    /^Paste the (?:whole|new) token into Keel/.test(step) ? (pat ? "Paste it under Replace token on the connection's page: Keel checks it before it replaces the old one." : step) : step,
  );
  return pat
    ? { ...problem, fix, action: { label: "Replace token", href: `/connections/${viewer.connectionId}#replace-token` } }
    : { ...problem, fix, action: { label: "Re-authorize", href: `/connections/${viewer.connectionId}/reauthorize` } };
}
