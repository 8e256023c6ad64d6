import { formatDay } from "@/lib/shared/dates";
import type { BuildChanges } from "@/lib/shared/build-changes";

/**
 * The commits a build has since its line's last good build (lib/shared/build-changes.ts), newest
 * first, on its page: each linked to Azure DevOps when the repository's web address is known
 * (`web`), with its author and day. `commitId`: the build's, what Azure DevOps compares the rest with.
 */
export function ChangesList({ changes, web, commitId, label }: { changes: BuildChanges; web: string | null; commitId: string; label: string }) {
  if (changes.commits.length === 0) {
    return null;
  }
  return (
    <>
      <ul aria-label={label} className="divide-y divide-slate-100 text-sm">
        {changes.commits.map((commit) => (
          <li key={commit.id} className="flex gap-3 py-2 first:pt-0">
            {web ? (
              <a href={`${web}/commit/${commit.id}`} target="_blank" rel="noreferrer" className="shrink-0 font-mono text-xs leading-5 text-brand-700 underline">
                <span className="sr-only">Commit </span>
                {commit.id.slice(0, 8)}
              </a>
            ) : (
              <span className="shrink-0 font-mono text-xs leading-5 text-slate-600">{commit.id.slice(0, 8)}</span>
            )}
            <span className="min-w-0">
              <span className="block break-words text-slate-900">{commit.message || "(no message)"}</span>
              {commit.author || commit.date ? (
                <span className="block text-xs text-slate-600">
                  {commit.author ? `${commit.author}` : ""}
                  {commit.author && commit.date ? ", " : ""}
                  {commit.date ? formatDay(new Date(commit.date)) : ""}
                </span>
              ) : null}
            </span>
          </li>
        ))}
      </ul>
      {!changes.complete ? (
        <p className="mt-2 text-xs text-slate-600">
          The newest {changes.commits.length} are shown
          {web && changes.since ? (
            <>
              ;{" "}
              <a href={`${web}/branchCompare?baseVersion=GC${changes.since.commitId}&targetVersion=GC${commitId}&_a=commits`} target="_blank" rel="noreferrer" className="text-brand-700 underline">
                compare on Azure DevOps
              </a>{" "}
              for the rest
            </>
          ) : null}
          .
        </p>
      ) : null}
    </>
  );
}
