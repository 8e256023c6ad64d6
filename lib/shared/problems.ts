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
