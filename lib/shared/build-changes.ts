// What a build has that the earlier successful build of its line lacked: the commits in between
// (lib/builds/README.md, "Changes since the last good build"). The worker asks Azure DevOps when
// the build runs and stores them on the build; the build page, the share form's What's new, the
// failure notice and chat message, the token API, webhooks and the steps' changelog file read
// them from here. Pure, safe in client components.
import { z } from "zod";

/** At most this many commits are kept per build; `complete` says whether there were more. */
export const CHANGES_MAX = 100;

const changedCommitSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{40}$/),
  /** The first line of the commit's message (Azure DevOps may shorten long messages). */
  message: z.string(),
  author: z.string().nullable(),
  date: z.string().nullable(),
});

export const buildChangesSchema = z.object({
  /** The earlier successful build compared with; null when this is the first of its line. */
  since: z.object({ buildId: z.string().uuid(), number: z.number().int().positive(), commitId: z.string().regex(/^[0-9a-f]{40}$/) }).nullable(),
  /** Newest first, at most CHANGES_MAX. */
  commits: z.array(changedCommitSchema).max(CHANGES_MAX),
  /** False when there were more commits than kept. */
  complete: z.boolean(),
});

export type BuildChanges = z.infer<typeof buildChangesSchema>;

/** The stored JSON as changes, or null when it is missing or not that. */
export function buildChangesOf(stored: unknown): BuildChanges | null {
  const parsed = buildChangesSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

/**
 * The changes as the token API and webhooks name them (`since: { id, number, commit }`,
 * `commits: [{ commit, message, author, date }]`, `complete`), or null when not known.
 */
export function changesJson(stored: unknown) {
  const changes = buildChangesOf(stored);
  return changes
    ? {
        since: changes.since ? { id: changes.since.buildId, number: changes.since.number, commit: changes.since.commitId } : null,
        commits: changes.commits.map((commit) => ({ commit: commit.id, message: commit.message, author: commit.author, date: commit.date })),
        complete: changes.complete,
      }
    : null;
}

/** A commit message's first non-empty line, trimmed and bounded. */
export function firstLine(message: string | null | undefined, max = 200): string {
  const line = (message ?? "").split(/\r?\n/).find((candidate) => candidate.trim() !== "")?.trim() ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** What a build of this kind is compared with: "main", "pull request 42", "tag". */
export type BuildLine = { branch: string | null; tag: string | null; pullRequestId: number | null };

/** Whether a build belongs to a line (a pasted commit's build does not: it has nothing to compare with). */
export function hasLine(line: BuildLine): boolean {
  return line.pullRequestId !== null || Boolean(line.tag) || Boolean(line.branch);
}

/** How the line is named after "the last successful build of": "main", "pull request 42", "a tag". */
export function lineWords(line: BuildLine): string {
  if (line.pullRequestId !== null) {
    return `pull request ${line.pullRequestId}`;
  }
  if (line.tag) {
    return "a tag";
  }
  return (line.branch ?? "").replace(/^refs\/heads\//, "");
}

/** "3 commits since #41" / "No new commits since #41" / "First successful build of main: nothing to compare with". */
export function changesSummary(changes: BuildChanges, line: BuildLine): string {
  if (!changes.since) {
    return `No earlier successful build of ${lineWords(line)} to compare with`;
  }
  const count = changes.commits.length;
  if (count === 0) {
    return `No new commits since #${changes.since.number}`;
  }
  return `${changes.complete ? "" : "More than "}${count} commit${count === 1 && changes.complete ? "" : "s"} since #${changes.since.number}`;
}

/** What a failure's notice and chat message name of the changes: the likely causes. */
export const suspectsSchema = z.object({
  since: z.number().int().positive(),
  commits: z.array(z.object({ message: z.string(), author: z.string().nullable() })).min(1),
  more: z.number().int().min(0),
  complete: z.boolean(),
});

export type Suspects = z.infer<typeof suspectsSchema>;

/**
 * The first `max` commits since the last good build, for a failed build's e-mail and chat message
 * (the change that broke it is among them); null when there is nothing to name.
 */
export function suspectsOf(changes: BuildChanges | null, max = 5): Suspects | null {
  if (!changes?.since || changes.commits.length === 0) {
    return null;
  }
  const shown = changes.commits.slice(0, max).map((commit) => ({ message: commit.message, author: commit.author }));
  return { since: changes.since.number, commits: shown, more: changes.commits.length - shown.length, complete: changes.complete };
}

/** "Add the leaderboard (Mona Kane)". */
export function suspectWords(commit: Suspects["commits"][number]): string {
  return `${commit.message || "(no message)"}${commit.author ? ` (${commit.author})` : ""}`;
}

/** "and 3 more" / "and more" (past the kept commits the count is not known) / "". */
export function moreWords(suspects: Pick<Suspects, "more" | "complete">): string {
  return !suspects.complete ? "and more" : suspects.more > 0 ? `and ${suspects.more} more` : "";
}

/**
 * The changelog the steps get in `$KEEL_BUILD_CHANGELOG`: one line per commit, newest first,
 * "- message (author)", ready for TestFlight's "What to Test" or Firebase App Distribution's
 * release notes; a last line when there were more. Without authors: what a link for testers
 * starts its "What's new" with.
 */
export function changelogText(changes: BuildChanges, options: { authors: boolean } = { authors: true }): string {
  const lines = changes.commits.map((commit) => `- ${commit.message || "(no message)"}${options.authors && commit.author ? ` (${commit.author})` : ""}`);
  if (!changes.complete) {
    lines.push(`- …and more commits since build #${changes.since?.number ?? "?"}`);
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
