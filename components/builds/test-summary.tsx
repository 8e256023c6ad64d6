import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { formatDuration } from "@/lib/shared/builds";
import { describeTests, failureName, type TestSummaryView } from "@/lib/shared/tests";

/** A build's test results from its JUnit reports: the counts, then each failed case with its message. */
export function TestSummaryCard({ summary }: { summary: TestSummaryView }) {
  const hidden = summary.failed - summary.failures.length;
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
        <ul className="space-y-3" aria-label="Failed tests">
          {summary.failures.map((failure, index) => (
            <li key={`${failure.className}-${failure.name}-${index}`} className="text-sm">
              <details className="group" open={index < 3}>
                <summary className="cursor-pointer font-medium break-words text-slate-900">
                  <Badge tone="error">{failure.kind === "error" ? "Error" : "Failed"}</Badge> <span className="font-mono text-xs">{failureName(failure)}</span>
                </summary>
                {failure.message ? (
                  <pre tabIndex={0} className="mt-2 max-h-60 overflow-auto rounded bg-slate-100 p-2 font-mono text-xs whitespace-pre-wrap text-slate-800">
                    {failure.message}
                  </pre>
                ) : (
                  <p className="mt-1 text-xs text-slate-600">The report gives no message.</p>
                )}
              </details>
            </li>
          ))}
          {hidden > 0 ? <li className="text-xs text-slate-600">…and {hidden} more failed (the first {summary.failures.length} are shown; the reports are among the artifacts).</li> : null}
        </ul>
      )}
    </Card>
  );
}
