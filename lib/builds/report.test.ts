import { describe, expect, it } from "vitest";
import { failureHistories, type TestRun, type TestSummaryView } from "@/lib/shared/tests";
import { commentText } from "./report";

// The pull-request comment's words (lib/builds/report.ts); sending it to Azure DevOps is proven
// against the emulator in build-io.db.test.ts.

const failures = (names: string[]) => names.map((name) => ({ suite: "WalletTests", className: "WalletTests", name, kind: "failure" as const, message: "" }));
const summary = (names: string[]): TestSummaryView => ({ total: 10, passed: 10 - names.length, failed: names.length, skipped: 0, durationMs: 0, reports: 1, failures: failures(names) });
const run = (id: string, number: number, names: string[], commitId = `c${number}`): TestRun => ({ id, number, commitId, summary: summary(names) });

describe("the pull-request comment", () => {
  it("marks each failed case it names: new to the pull request, failing on its target too, or flaky", () => {
    const tests = summary(["testBalance", "testLogin", "testSync", "testExport"]);
    const build = {
      id: "b0000000-0000-4000-8000-000000000000",
      number: 12,
      status: "FAILED" as const,
      commitId: "f".repeat(40),
      branch: "refs/heads/feature/rates",
      tag: null,
      pullRequestId: 7,
      pullRequestIteration: 2,
      targetRef: "refs/heads/main",
      startedAt: null,
      finishedAt: null,
      statusReason: "Step “Test” failed with exit code 65.",
      testSummary: tests,
    };
    const histories = failureHistories(tests, [], [run("r", 13, ["testBalance", "testLogin"], build.commitId)], run("m", 9, ["testLogin"]));
    const content = commentText({ build, profile: { id: "p", name: "Wallet PRs", projectId: "x", repositoryId: "y", connectionId: null, pausedAt: null, pauseReason: null }, artifacts: [], artifactCount: 0 }, "FAILED", [], histories);
    expect(content).toContain("Tests: 10 tests: 6 passed, 4 failed — `WalletTests › testBalance` (new), `WalletTests › testLogin` (fails on main too), `WalletTests › testSync` (flaky) and 1 more");
    // The lines that say why are quoted, with a link to the first in the log.
    const failed = commentText({ build, profile: { id: "p", name: "Wallet PRs", projectId: "x", repositoryId: "y", connectionId: null, pausedAt: null, pauseReason: null }, artifacts: [], artifactCount: 0 }, "FAILED", [
      { seq: 1_203, text: "WalletTests.swift:12: error: XCTAssertEqual failed" },
    ]);
    expect(failed).toContain("```text\nWalletTests.swift:12: error: XCTAssertEqual failed\n```\n\n[See it in the log](");
    expect(failed).toMatch(/\[See it in the log\]\(https?:\/\/[^)]+\/builds\/b0000000-0000-4000-8000-000000000000#L1204\)/);
    // Without a history, the names alone, as before.
    expect(commentText({ build, profile: { id: "p", name: "Wallet PRs", projectId: "x", repositoryId: "y", connectionId: null, pausedAt: null, pauseReason: null }, artifacts: [], artifactCount: 0 }, "FAILED")).toContain(
      "— `WalletTests › testBalance`, `WalletTests › testLogin`, `WalletTests › testSync` and 1 more",
    );
  });
});
