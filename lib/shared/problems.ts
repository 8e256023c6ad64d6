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
 * Findings that mean "Azure DevOps refuses this credential": a new token or consent fixes them.
 * lib/connections/status.ts maps them to a status; problemForViewer tells each reader who fixes them.
 */
export const CREDENTIAL_REFUSED_FINDINGS: ReadonlySet<string> = new Set([
  "token_invalid",
  "token_expired",
  "token_wrong_organization",
  "sign_in_page",
  "missing_scope",
  "oauth_policy_disabled",
  "oauth_reauthorization_needed",
  "credentials_unusable",
]);

/** Who is reading a problem about a saved connection: whether they may fix its credential, and who can. */
export type ProblemViewer = {
  connectionId: string;
  authMethod: "PAT" | "OAUTH";
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
  if (!viewer || !CREDENTIAL_REFUSED_FINDINGS.has(problem.id)) {
    return problem;
  }
  const pat = viewer.authMethod === "PAT";
  if (!viewer.canFix) {
    const who = viewer.admins.length > 0 ? `an admin (${adminNames(viewer.admins)})` : "an admin";
    return {
      ...problem,
      fix: [`Ask ${who} to ${pat ? "replace this connection's token" : "re-authorize this connection"}: only admins can. Nothing else is needed from you.`, "Then reload this page."],
    };
  }
  const fix = problem.fix.map((step) =>
    /^Paste the (?:whole|new) token into Keel/.test(step) ? (pat ? "Paste it under Replace token on the connection's page: Keel checks it before it replaces the old one." : step) : step,
  );
  return pat
    ? { ...problem, fix, action: { label: "Replace token", href: `/connections/${viewer.connectionId}#replace-token` } }
    : { ...problem, fix, action: { label: "Re-authorize", href: `/connections/${viewer.connectionId}/reauthorize` } };
}
