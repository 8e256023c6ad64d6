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

// ---------------------------------------------------------------------------------------------
// A failed case's history (lib/builds/README.md, "Test reports"): whether the build just before
// it on the same line failed it too, since when, and whether another build of the same commit did
// not — "is it my change, an old failure, or a flaky test?". Only failed cases are stored (the
// first 50), so an earlier build tells that a case "did not fail" only when its list is complete.

/** An earlier (or other) build's test results, as the history reads them. */
export type TestRun = { id: string; number: number; commitId: string; summary: TestSummaryView };

export type FailureHistory = {
  /** Builds in a row that failed it, this one included (1: only this one, as far as is known). */
  streak: number;
  /** The oldest build of that run when it is longer than this build (the failure is older than the change). */
  failingSince: { id: string; number: number } | null;
  /** The newest earlier build of the line that ran its tests and did not fail it, right before the streak. */
  lastPassed: { id: string; number: number } | null;
  /** Another build of the very same commit that did not fail it: the case is flaky, not broken. */
  passedOnSameCommit: { id: string; number: number } | null;
  /**
   * For a pull request's build: the newest earlier build of its target branch with test results,
   * and whether that build failed the case too (then the pull request did not break it); null when
   * there is none or it cannot tell (its list was cut).
   */
  onTarget: { id: string; number: number; failed: boolean } | null;
};

/** What a history says first: flaky, failing on the target branch too, failing since an earlier build, new, or nothing known. */
export type HistoryKind = "flaky" | "fails-on-target" | "failing" | "new" | null;

/** The history in a few words ("New", "Fails on main too", "Failing since #38", "Flaky"), `target` naming a pull request's target branch; null when nothing is known. */
export function historyLabel(history: FailureHistory | undefined, target: string | null): string | null {
  switch (historyKind(history)) {
    case "flaky":
      return "Flaky";
    case "fails-on-target":
      return `Fails on ${target ?? "the target branch"} too`;
    case "failing":
      return `Failing since #${history!.failingSince!.number}`;
    case "new":
      return "New";
    default:
      return null;
  }
}

/** What a history says first (a flaky case may fail on the target too: flaky is what the reader must know). */
export function historyKind(history: FailureHistory | undefined): HistoryKind {
  if (!history) {
    return null;
  }
  if (history.passedOnSameCommit) {
    return "flaky";
  }
  if (history.onTarget?.failed) {
    return "fails-on-target";
  }
  if (history.failingSince) {
    return "failing";
  }
  return history.lastPassed || history.onTarget ? "new" : null;
}

/** A case's identity across builds: its class (or suite) and its name. */
export function testKey(failure: Pick<TestFailureView, "className" | "name" | "suite">): string {
  return `${failure.className || failure.suite}\u0000${failure.name}`;
}

/** Whether a summary lists every case it failed, so a case it does not list did not fail there. */
function listsEveryFailure(summary: TestSummaryView): boolean {
  return summary.total > 0 && summary.failures.length >= summary.failed;
}

const complete = (run: TestRun) => listsEveryFailure(run.summary);

function failedIn(run: TestRun): Set<string> {
  return new Set(run.summary.failures.map(testKey));
}

/**
 * Each failure of `summary` with its history: `line` holds the earlier builds of its line (branch,
 * pull request or tags) that have test results, newest first; `sameCommit` the profile's other
 * builds of its commit that have them (earlier or later: a rebuild that passed shows flakiness);
 * `target`, for a pull request's build, the newest earlier build of the branch it merges into.
 */
export function failureHistories(summary: TestSummaryView, line: TestRun[], sameCommit: TestRun[], target: TestRun | null = null): FailureHistory[] {
  const lineSets = line.map(failedIn);
  const sameSets = sameCommit.map(failedIn);
  const targetSet = target ? failedIn(target) : null;
  return summary.failures.map((failure) => {
    const key = testKey(failure);
    let streak = 1;
    let failingSince: FailureHistory["failingSince"] = null;
    let lastPassed: FailureHistory["lastPassed"] = null;
    for (const [index, run] of line.entries()) {
      if (lineSets[index]!.has(key)) {
        streak += 1;
        failingSince = { id: run.id, number: run.number };
        continue;
      }
      if (complete(run)) {
        lastPassed = { id: run.id, number: run.number };
      }
      // A run that does not list it either did not fail it or cut its list: the streak ends here.
      break;
    }
    const passed = sameCommit.find((run, index) => complete(run) && !sameSets[index]!.has(key));
    const failedOnTarget = targetSet?.has(key) ?? false;
    return {
      streak,
      failingSince,
      lastPassed,
      passedOnSameCommit: passed ? { id: passed.id, number: passed.number } : null,
      onTarget: target && (failedOnTarget || complete(target)) ? { id: target.id, number: target.number, failed: failedOnTarget } : null,
    };
  });
}

/**
 * The cases the build before it on its line (the newest earlier one with test results) failed and
 * this build did not: "passing again since #41". Null when there is none, or when this build's list
 * of failures is cut (a case it does not name may have failed).
 */
export function passingAgain(summary: TestSummaryView, line: TestRun[]): { since: { id: string; number: number }; names: string[] } | null {
  const before = line[0];
  if (!before || !listsEveryFailure(summary)) {
    return null;
  }
  const failing = new Set(summary.failures.map(testKey));
  const names = [...new Map(before.summary.failures.filter((failure) => !failing.has(testKey(failure))).map((failure) => [testKey(failure), failureName(failure)])).values()];
  return names.length > 0 ? { since: { id: before.id, number: before.number }, names } : null;
}

/** A failed build's tests as its notice tells them: how many failed, the new ones by name (up to 5), how many failed before it, how many are flaky. */
export type TestNews = { failed: number; newCases: string[]; newCount: number; older: number; flaky: number };

/** The notice's summary of a build's failed cases and their histories (`failureHistories`); null without a failed case. */
export function testNews(summary: TestSummaryView | null, histories: FailureHistory[]): TestNews | null {
  if (!summary || summary.failed === 0) {
    return null;
  }
  const kinds = summary.failures.map((_, index) => historyKind(histories[index]));
  const fresh = summary.failures.filter((_, index) => kinds[index] === "new");
  return {
    failed: summary.failed,
    newCases: fresh.slice(0, 5).map(failureName),
    newCount: fresh.length,
    older: kinds.filter((kind) => kind === "failing" || kind === "fails-on-target").length,
    flaky: kinds.filter((kind) => kind === "flaky").length,
  };
}

/** The notice's line about them: "Tests: 3 failed — new in this build: A › b; 2 failed before it". */
export function testNewsWords(news: TestNews): string {
  const parts = [
    news.newCount > 0 ? `new in this build: ${news.newCases.join("; ")}${news.newCount > news.newCases.length ? ` and ${news.newCount - news.newCases.length} more` : ""}` : null,
    news.older > 0 ? `${news.older} failed before it too` : null,
    news.flaky > 0 ? `${news.flaky} flaky (passed on the same commit)` : null,
  ].filter(Boolean);
  return `Tests: ${news.failed} failed${parts.length > 0 ? ` — ${parts.join("; ")}` : ""}.`;
}

/** A case that failed in the window, as the profile's insights list it. */
export type FailingTest = {
  name: string;
  /** How many builds failed it, and the newest of them. */
  failures: number;
  lastFailed: { id: string; number: number };
  /** Whether one commit has a build that failed it and another that did not. */
  flaky: boolean;
};

/**
 * The cases that failed most often among `runs` (a profile's builds with test results, any
 * order), most failures first, then the most recent: at most `limit`.
 */
export function failingTests(runs: TestRun[], limit = 10): FailingTest[] {
  const byCommit = new Map<string, TestRun[]>();
  for (const run of runs) {
    byCommit.set(run.commitId, [...(byCommit.get(run.commitId) ?? []), run]);
  }
  const tests = new Map<string, FailingTest & { commits: Set<string> }>();
  for (const run of runs) {
    // One report can list a case twice (a retried test): a build counts once.
    for (const [key, failure] of new Map(run.summary.failures.map((failure) => [testKey(failure), failure]))) {
      const test = tests.get(key) ?? { name: failureName(failure), failures: 0, lastFailed: { id: run.id, number: run.number }, flaky: false, commits: new Set<string>() };
      test.failures += 1;
      test.commits.add(run.commitId);
      if (run.number > test.lastFailed.number) {
        test.lastFailed = { id: run.id, number: run.number };
      }
      tests.set(key, test);
    }
  }
  const failedSets = new Map(runs.map((run) => [run, failedIn(run)]));
  return [...tests.entries()]
    .map(([key, { commits, ...test }]) => ({ ...test, flaky: [...commits].some((commit) => byCommit.get(commit)!.some((run) => complete(run) && !failedSets.get(run)!.has(key))) }))
    .sort((a, b) => b.failures - a.failures || b.lastFailed.number - a.lastFailed.number)
    .slice(0, limit);
}
