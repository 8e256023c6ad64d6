import Link from "next/link";
import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { formatDuration } from "@/lib/shared/builds";
import { describeTests, failureName, historyKind, historyLabel, type FailureHistory, type TestSummaryView } from "@/lib/shared/tests";

const buildLink = (build: { id: string; number: number }) => (
  <Link href={`/builds/${build.id}`} className="font-medium text-brand-700 underline">
    #{build.number}
  </Link>
);

/** What the card says of the build's line and, for a pull request, of the branch it merges into. */
export type HistoryContext = { line: string; target: string | null };

/** A failed case's history as a badge and a sentence (lib/shared/tests.ts, `historyKind`); nothing when unknown. */
function historyOf(history: FailureHistory | undefined, { line, target }: HistoryContext): { badge: ReactNode; sentence: ReactNode } | null {
  const onTarget = history?.onTarget && target ? <>{buildLink(history.onTarget)} of {target}</> : null;
  switch (historyKind(history)) {
    case "flaky":
      return { badge: <Badge tone="warning">{historyLabel(history, target)}</Badge>, sentence: <>Flaky: {buildLink(history!.passedOnSameCommit!)} built this same commit and did not fail it.</> };
    case "fails-on-target":
      return { badge: <Badge tone="neutral">{historyLabel(history, target)}</Badge>, sentence: <>Not this pull request&apos;s doing: {onTarget}, the newest build of {target} before it with test results, failed it too.</> };
    case "failing":
      return {
        badge: <Badge tone="neutral">{historyLabel(history, target)}</Badge>,
        sentence: (
          <>
            Not new: the last {history!.streak} builds of {line} with test results failed it, since {buildLink(history!.failingSince!)}
            {history!.lastPassed ? <> ({buildLink(history!.lastPassed)} did not)</> : null}
            {onTarget ? <>; {onTarget} does not fail it</> : null}.
          </>
        ),
      };
    case "new":
      return {
        badge: <Badge tone="error">{historyLabel(history, target)}</Badge>,
        sentence: history!.lastPassed ? (
          <>New in this build: {buildLink(history!.lastPassed)}, the build of {line} before it with test results, did not fail it.</>
        ) : (
          <>New in this pull request: {onTarget}, the newest build of {target} before it with test results, did not fail it.</>
        ),
      };
    default:
      return null;
  }
}

/** "2 new in this build, 1 failing since an earlier build, 1 flaky": what the histories say, in one line. */
function historyCounts(histories: FailureHistory[], { target }: HistoryContext): string | null {
  const kinds = histories.map(historyKind);
  const count = (kind: ReturnType<typeof historyKind>) => kinds.filter((each) => each === kind).length;
  const parts = [
    [count("new"), "new in this build"],
    [count("fails-on-target"), `failing on ${target} too`],
    [count("failing"), "failing since an earlier build"],
    [count("flaky"), "flaky"],
  ]
    .filter(([number]) => (number as number) > 0)
    .map(([number, words]) => `${number} ${words}`);
  return parts.length > 0 ? `Of the failed cases: ${parts.join(", ")}.` : null;
}

/**
 * A build's test results from its JUnit reports: the counts, then each failed case with its
 * message and, given `histories` (one per failure, lib/shared/tests.ts), whether it is new to its
 * line (`context.line`: "main", "pull request 42", "the tags") or, for a pull request, to the branch
 * it merges into (`context.target`).
 */
export function TestSummaryCard({
  summary,
  histories = [],
  passingAgain = null,
  context = { line: "this branch", target: null },
}: {
  summary: TestSummaryView;
  histories?: FailureHistory[];
  /** What the build before it on its line failed and this one did not (lib/shared/tests.ts). */
  passingAgain?: { since: { id: string; number: number }; names: string[] } | null;
  context?: HistoryContext;
}) {
  const hidden = summary.failed - summary.failures.length;
  const counts = historyCounts(histories, context);
  const again = passingAgain ? (
    <p className="mb-3 text-sm text-slate-700">
      <Badge tone="success">Passing again</Badge> since {buildLink(passingAgain.since)}: <span className="font-mono text-xs break-words">{passingAgain.names.slice(0, 5).join(", ")}</span>
      {passingAgain.names.length > 5 ? ` and ${passingAgain.names.length - 5} more` : ""}.
    </p>
  ) : null;
  return (
    <Card
      title="Tests"
      id="tests"
      description={`${describeTests(summary)}${summary.durationMs > 0 ? ` in ${formatDuration(summary.durationMs)}` : ""} (from ${summary.reports} JUnit report${summary.reports === 1 ? "" : "s"} among the artifacts).`}
    >
      {again}
      {summary.failures.length === 0 ? (
        <p className="text-sm text-slate-700">
          <Badge tone={summary.failed === 0 ? "success" : "error"}>{summary.failed === 0 ? "All passed" : `${summary.failed} failed`}</Badge>
          {summary.skipped > 0 ? <span className="ml-2 text-slate-600">{summary.skipped} skipped.</span> : null}
        </p>
      ) : (
        <>
          {counts ? <p className="mb-3 text-sm text-slate-700">{counts}</p> : null}
          <ul className="space-y-3" aria-label="Failed tests">
            {summary.failures.map((failure, index) => {
              const history = historyOf(histories[index], context);
              return (
                <li key={`${failure.className}-${failure.name}-${index}`} className="text-sm">
                  <details className="group" open={index < 3}>
                    <summary className="cursor-pointer font-medium break-words text-slate-900">
                      <Badge tone="error">{failure.kind === "error" ? "Error" : "Failed"}</Badge> <span className="font-mono text-xs">{failureName(failure)}</span>
                      {history ? <> {history.badge}</> : null}
                    </summary>
                    {history ? <p className="mt-1 text-xs text-slate-700">{history.sentence}</p> : null}
                    {failure.message ? (
                      <pre tabIndex={0} className="mt-2 max-h-60 overflow-auto rounded bg-slate-100 p-2 font-mono text-xs whitespace-pre-wrap text-slate-800">
                        {failure.message}
                      </pre>
                    ) : (
                      <p className="mt-1 text-xs text-slate-600">The report gives no message.</p>
                    )}
                  </details>
                </li>
              );
            })}
            {hidden > 0 ? <li className="text-xs text-slate-600">…and {hidden} more failed (the first {summary.failures.length} are shown; the reports are among the artifacts).</li> : null}
          </ul>
        </>
      )}
    </Card>
  );
}
