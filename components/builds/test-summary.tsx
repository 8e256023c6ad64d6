import Link from "next/link";
import type { ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { formatDuration } from "@/lib/shared/builds";
import { describeTests, failureName, type FailureHistory, type TestSummaryView } from "@/lib/shared/tests";

const buildLink = (build: { id: string; number: number }) => (
  <Link href={`/builds/${build.id}`} className="font-medium text-brand-700 underline">
    #{build.number}
  </Link>
);

/** A failed case's history as a badge and a sentence: flaky, failing for longer, or new in this build; nothing when unknown. */
function historyOf(history: FailureHistory | undefined, line: string): { badge: ReactNode; sentence: ReactNode } | null {
  if (history?.passedOnSameCommit) {
    return { badge: <Badge tone="warning">Flaky</Badge>, sentence: <>Flaky: {buildLink(history.passedOnSameCommit)} built this same commit and did not fail it.</> };
  }
  if (history?.failingSince) {
    return {
      badge: <Badge tone="neutral">Failing since #{history.failingSince.number}</Badge>,
      sentence: (
        <>
          Not new: the last {history.streak} builds of {line} with test results failed it, since {buildLink(history.failingSince)}
          {history.lastPassed ? <> ({buildLink(history.lastPassed)} did not)</> : null}.
        </>
      ),
    };
  }
  if (history?.lastPassed) {
    return { badge: <Badge tone="error">New</Badge>, sentence: <>New in this build: {buildLink(history.lastPassed)}, the build of {line} before it with test results, did not fail it.</> };
  }
  return null;
}

/** "2 new, 1 failing since an earlier build, 1 flaky": what the histories say, in one line. */
function historyCounts(histories: FailureHistory[]): string | null {
  const flaky = histories.filter((history) => history.passedOnSameCommit).length;
  const older = histories.filter((history) => !history.passedOnSameCommit && history.failingSince).length;
  const fresh = histories.filter((history) => !history.passedOnSameCommit && !history.failingSince && history.lastPassed).length;
  const parts = [fresh > 0 ? `${fresh} new in this build` : null, older > 0 ? `${older} failing since an earlier build` : null, flaky > 0 ? `${flaky} flaky` : null].filter(Boolean);
  return parts.length > 0 ? `Of the failed cases: ${parts.join(", ")}.` : null;
}

/**
 * A build's test results from its JUnit reports: the counts, then each failed case with its
 * message and, given `histories` (one per failure, lib/shared/tests.ts), whether it is new to
 * `line` (what its builds are builds of: "main", "pull request 42", "the tags").
 */
export function TestSummaryCard({ summary, histories = [], line = "this branch" }: { summary: TestSummaryView; histories?: FailureHistory[]; line?: string }) {
  const hidden = summary.failed - summary.failures.length;
  const counts = historyCounts(histories);
  return (
    <Card
      title="Tests"
      id="tests"
      description={`${describeTests(summary)}${summary.durationMs > 0 ? ` in ${formatDuration(summary.durationMs)}` : ""} (from ${summary.reports} JUnit report${summary.reports === 1 ? "" : "s"} among the artifacts).`}
    >
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
              const history = historyOf(histories[index], line);
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
