import Link from "next/link";
import { DataTable } from "@/components/ui/data-table";
import { buildTriggerLabel, etaWords, formatDuration } from "@/lib/shared/builds";
import { shortBranchName } from "@/lib/shared/names";
import { BuildStatusBadge } from "./build-status-badge";
import { When } from "@/components/ui/when";

export type BuildTableRow = {
  id: string;
  number: number;
  status: string;
  trigger: string;
  commitId: string;
  branch: string | null;
  /** A tag build's tag (its branch is null). */
  tag?: string | null;
  commitMessage: string | null;
  pullRequestId: number | null;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  requestedBy: { name: string } | null;
  /** `pausedAt`: an admin paused the profile's builds (its queued ones wait for the resume). */
  profile: { id: string; name: string; pausedAt?: Date | null };
  /** Set when an admin keeps the build forever (a release). */
  keptAt?: Date | null;
  /** A fork's pull request built by itself without the profile's secrets: not an app to ship. */
  secretsWithheld?: boolean;
  /** Why: a fork's pull request (FORK), or a branch the profile gives no secrets (REF). */
  secretsWithheldFor?: "FORK" | "REF" | null;
  /** The build its profile started again in its place when its worker was lost, and the other way round. */
  retriedAs?: { number: number } | null;
  retryOf?: { number: number } | null;
  /** While queued: when it is likely to start (ISO, lib/data/builds.ts expectedStarts), if Keel can tell. */
  expectedStartAt?: string | null;
};


/** How long it ran (so far, while running), or that it has not started (and when it likely will). */
function duration(row: BuildTableRow): string {
  if (!row.startedAt) {
    return row.expectedStartAt ? `starts ${etaWords(Date.parse(row.expectedStartAt), Date.now())}` : row.status === "QUEUED" && row.profile.pausedAt ? "paused: waits for an admin to resume" : "not started";
  }
  return `${row.finishedAt ? "took" : "running for"} ${formatDuration((row.finishedAt ?? new Date()).getTime() - row.startedAt.getTime())}`;
}

/** Builds, newest first: status, number, commit, branch, trigger, when and how long (the profile's column is optional). */
export function BuildTable({ rows, caption, showProfile }: { rows: BuildTableRow[]; caption: string; showProfile: boolean }) {
  return (
    <DataTable
      caption={caption}
      columns={[
        { key: "status", label: "Status" },
        { key: "build", label: "Build" },
        ...(showProfile ? [{ key: "profile", label: "Profile" }] : []),
        { key: "commit", label: "Commit" },
        { key: "trigger", label: "Trigger" },
        // When and how long in one column: with the profile's name and the commit, a seventh
        // column did not fit a profile page's card at desktop width.
        { key: "queued", label: "Queued" },
      ]}
    >
      {rows.map((row) => (
        <tr key={row.id} className="border-t border-slate-100 align-top">
          <td className="px-4 py-3" data-inline="">
            <BuildStatusBadge status={row.status} />
          </td>
          <td className="px-4 py-3" data-inline="">
            <Link href={`/builds/${row.id}`} className="font-medium text-brand-700 underline">
              #{row.number}
            </Link>
            {row.keptAt ? <span className="block text-xs text-slate-600">kept forever</span> : null}
            {row.secretsWithheld ? <span className="block whitespace-nowrap text-xs text-slate-600">{row.secretsWithheldFor === "REF" ? "no secrets" : "fork, no secrets"}</span> : null}
            {/* An error that is already being dealt with: the worker was lost and the build runs again. */}
            {row.retriedAs ? <span className="block whitespace-nowrap text-xs text-slate-600">started again as #{row.retriedAs.number}</span> : null}
            {row.retryOf ? <span className="block whitespace-nowrap text-xs text-slate-600">again for #{row.retryOf.number}</span> : null}
          </td>
          {showProfile ? (
            <td className="px-4 py-3" data-label="Profile">
              <Link href={`/profiles/${row.profile.id}`} className="text-brand-700 underline">
                {row.profile.name}
              </Link>
            </td>
          ) : null}
          <td className="max-w-xs px-4 py-3" data-label="Commit">
            <span className="font-mono text-xs text-slate-700">{row.commitId.slice(0, 8)}</span>
            {row.branch ? <span className="ml-2 font-mono text-xs text-slate-600">{shortBranchName(row.branch)}</span> : row.tag ? <span className="ml-2 font-mono text-xs text-slate-600">tag {row.tag}</span> : null}
            {row.pullRequestId !== null ? <span className="ml-2 text-xs text-slate-600">PR {row.pullRequestId}</span> : null}
            {row.commitMessage ? <span className="block truncate text-xs text-slate-600">{row.commitMessage}</span> : null}
          </td>
          <td className="px-4 py-3 text-slate-700" data-label="Trigger">
            {buildTriggerLabel(row.trigger)}
            {row.requestedBy ? <span className="text-xs text-slate-600 md:block"> {row.requestedBy.name}</span> : null}
          </td>
          <td className="whitespace-nowrap px-4 py-3 text-xs text-slate-600" data-label="Queued">
            <When date={row.queuedAt} relative />
            <span className="block text-slate-700">{duration(row)}</span>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
