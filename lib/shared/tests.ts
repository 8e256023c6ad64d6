// A build's test summary as pages, comments and chat messages show it (lib/builds/test-reports.ts
// reads it from JUnit reports). Pure, safe in client components.

export type TestFailureView = { suite: string; name: string; className: string; kind: "failure" | "error"; message: string };

export type TestSummaryView = { total: number; passed: number; failed: number; skipped: number; durationMs: number; reports: number; failures: TestFailureView[] };

/** The stored JSON as a summary, or null when it is missing or not one. */
export function testSummaryOf(stored: unknown): TestSummaryView | null {
  if (!stored || typeof stored !== "object") {
    return null;
  }
  const value = stored as Partial<TestSummaryView>;
  const numbers = [value.total, value.passed, value.failed, value.skipped, value.durationMs, value.reports];
  if (!numbers.every((number) => typeof number === "number" && Number.isFinite(number)) || !Array.isArray(value.failures)) {
    return null;
  }
  return value as TestSummaryView;
}

/** "120 tests: 118 passed, 1 failed, 1 skipped". */
export function describeTests(summary: Pick<TestSummaryView, "total" | "passed" | "failed" | "skipped">): string {
  const parts = [`${summary.passed.toLocaleString("en")} passed`];
  if (summary.failed > 0) {
    parts.push(`${summary.failed.toLocaleString("en")} failed`);
  }
  if (summary.skipped > 0) {
    parts.push(`${summary.skipped.toLocaleString("en")} skipped`);
  }
  return `${summary.total.toLocaleString("en")} test${summary.total === 1 ? "" : "s"}: ${parts.join(", ")}`;
}

/** How a failed case is named: "WalletTests › testEmptyBalance" (the class, when the report has one). */
export function failureName(failure: Pick<TestFailureView, "className" | "name" | "suite">): string {
  const owner = failure.className || failure.suite;
  return owner && owner !== failure.name ? `${owner} › ${failure.name}` : failure.name || owner || "(unnamed test)";
}
