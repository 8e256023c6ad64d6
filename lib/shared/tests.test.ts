import { describe, expect, it } from "vitest";
import { failingTests, failureHistories, historyKind, historyLabel, passingAgain, testKey, testNews, testNewsWords, type TestRun, type TestSummaryView } from "./tests";

// A failed case's history across builds, and the cases that fail most (lib/shared/tests.ts).

/** A summary of `total` cases where `failed` (class, name) pairs failed; `listed` of them stored (the rest cut). */
function summary(failed: string[], { total = 20, listed = failed.length }: { total?: number; listed?: number } = {}): TestSummaryView {
  return {
    total,
    passed: total - failed.length,
    failed: failed.length,
    skipped: 0,
    durationMs: 1_000,
    reports: 1,
    failures: failed.slice(0, listed).map((name) => ({ suite: "WalletTests", className: "WalletTests", name, kind: "failure" as const, message: `${name} failed` })),
  };
}

let ids = 0;
function run(number: number, failed: string[], options: { commit?: string; total?: number; listed?: number } = {}): TestRun {
  ids += 1;
  return { id: `build-${ids}`, number, commitId: options.commit ?? `c${number}`, summary: summary(failed, options) };
}

const at = (entry: { number: number } | null) => entry?.number ?? null;

describe("a failed case's history", () => {
  it("tells a new failure, an old one and since when, and a flaky one", () => {
    const current = summary(["testBalance", "testLogin", "testSync"]);
    // Newest first: #41 failed testLogin and testSync, #40 failed testLogin only, #39 failed nothing.
    const line = [run(41, ["testLogin", "testSync"]), run(40, ["testLogin"]), run(39, [])];
    // A rebuild of this commit (#43) failed only testSync and testLogin: testBalance did not fail there.
    const sameCommit = [run(43, ["testSync", "testLogin"], { commit: "c42" })];
    const [balance, login, sync] = failureHistories(current, line, sameCommit);
    expect({ streak: balance!.streak, since: at(balance!.failingSince), passed: at(balance!.lastPassed), flaky: at(balance!.passedOnSameCommit) }).toEqual({ streak: 1, since: null, passed: 41, flaky: 43 });
    expect({ streak: login!.streak, since: at(login!.failingSince), passed: at(login!.lastPassed), flaky: at(login!.passedOnSameCommit) }).toEqual({ streak: 3, since: 40, passed: 39, flaky: null });
    expect({ streak: sync!.streak, since: at(sync!.failingSince), passed: at(sync!.lastPassed), flaky: at(sync!.passedOnSameCommit) }).toEqual({ streak: 2, since: 41, passed: 40, flaky: null });
    expect([balance, login, sync].map(historyKind)).toEqual(["flaky", "failing", "failing"]);
    expect(historyKind(failureHistories(current, line, [])[0])).toBe("new");
  });

  it("says nothing it cannot know: a cut list, a build with no cases, no earlier build", () => {
    const current = summary(["testBalance"]);
    // #41 failed 60 cases but stored 50 of them, not testBalance: it may have failed there too.
    const cut = failureHistories(current, [run(41, Array.from({ length: 60 }, (_, index) => `case${index}`), { total: 100, listed: 50 })], [run(44, [], { commit: "c42", total: 0 })]);
    expect(cut[0]).toEqual({ streak: 1, failingSince: null, lastPassed: null, passedOnSameCommit: null, onTarget: null });
    expect(historyKind(cut[0])).toBeNull();
    expect(historyLabel(cut[0], "main")).toBeNull();
    expect(failureHistories(current, [], [])[0]).toEqual({ streak: 1, failingSince: null, lastPassed: null, passedOnSameCommit: null, onTarget: null });
    // A target branch's build that cut its list tells nothing of a case it does not name, but does of one it names.
    const cutTarget = run(30, Array.from({ length: 60 }, (_, index) => `case${index}`), { total: 100, listed: 50 });
    expect(failureHistories(current, [], [], cutTarget)[0]!.onTarget).toBeNull();
    expect(failureHistories(summary(["case3"]), [], [], cutTarget)[0]!.onTarget).toEqual({ id: cutTarget.id, number: 30, failed: true });
    // The same class and name in another suite's report is the same case; another class is not.
    expect(testKey({ className: "", suite: "WalletTests", name: "testBalance" })).toBe(testKey({ className: "WalletTests", suite: "WalletTests", name: "testBalance" }));
    expect(testKey({ className: "SyncTests", suite: "All", name: "testBalance" })).not.toBe(testKey({ className: "WalletTests", suite: "All", name: "testBalance" }));
  });
});

describe("a pull request's failed case against the branch it merges into", () => {
  it("says the pull request did not break a case the target's newest build fails too, and that it did break one the target passes", () => {
    const current = summary(["testBalance", "testLogin", "testSync"]);
    const main = run(30, ["testLogin"], { commit: "m" });
    // The pull request's earlier iteration (#40) failed testSync already.
    const [balance, login, sync] = failureHistories(current, [run(40, ["testSync"])], [], main);
    expect(balance!.onTarget).toEqual({ id: main.id, number: 30, failed: false });
    expect(historyKind(balance)).toBe("new");
    expect(login!.onTarget).toEqual({ id: main.id, number: 30, failed: true });
    expect(historyKind(login)).toBe("fails-on-target");
    expect(historyKind(sync)).toBe("failing");
    expect([balance, login, sync].map((history) => historyLabel(history, "main"))).toEqual(["New", "Fails on main too", "Failing since #40"]);
    expect(sync!.onTarget).toEqual({ id: main.id, number: 30, failed: false });
    // Flaky says the most: a rebuild of the commit passed it, whatever the target does.
    expect(historyKind(failureHistories(summary(["testLogin"]), [], [run(44, [], { commit: "c42" })], main)[0])).toBe("flaky");
  });
});

describe("cases passing again", () => {
  it("names what the build before it on the line failed and this one did not, only when this build lists all its failures", () => {
    const before = run(41, ["testLogin", "testSync", "testLogin"]);
    expect(passingAgain(summary(["testSync"]), [before, run(40, ["testBalance"])])).toEqual({ since: { id: before.id, number: 41 }, names: ["WalletTests › testLogin"] });
    expect(passingAgain(summary([]), [before])?.names).toEqual(["WalletTests › testLogin", "WalletTests › testSync"]);
    // Nothing passes again: the same failures, no earlier build, or a cut list.
    expect(passingAgain(summary(["testLogin", "testSync"]), [before])).toBeNull();
    expect(passingAgain(summary([]), [])).toBeNull();
    expect(passingAgain(summary(["testOther", "testMore"], { total: 100, listed: 1 }), [before])).toBeNull();
  });
});

describe("a failure's notice of its tests", () => {
  it("counts the new, the older and the flaky failed cases, names the new ones, and says it in one line", () => {
    const current = summary(["testBalance", "testLogin", "testSync", "testExport"]);
    const histories = failureHistories(current, [run(41, ["testLogin"])], [run(43, ["testBalance", "testLogin", "testExport"], { commit: "c42" })]);
    const news = testNews(current, histories)!;
    expect(news).toEqual({ failed: 4, newCases: ["WalletTests › testBalance", "WalletTests › testExport"], newCount: 2, older: 1, flaky: 1 });
    expect(testNewsWords(news)).toBe("Tests: 4 failed — new in this build: WalletTests › testBalance; WalletTests › testExport; 1 failed before it too; 1 flaky (passed on the same commit).");
    expect(testNewsWords({ failed: 2, newCases: [], newCount: 0, older: 0, flaky: 0 })).toBe("Tests: 2 failed.");
    expect(testNews(summary([]), [])).toBeNull();
    expect(testNews(null, [])).toBeNull();
  });
});

describe("the cases that fail most", () => {
  it("counts builds per case, most first, then the newest; flags a case one commit both failed and passed", () => {
    const runs = [
      run(10, ["testLogin", "testSync"], { commit: "a" }),
      run(11, ["testLogin"], { commit: "b" }),
      // #12 rebuilt commit b and passed testLogin: flaky. testSync failed in #12 only once more.
      run(12, ["testSync", "testSync"], { commit: "b" }),
      run(13, ["testLogin", "testBalance"], { commit: "c" }),
      run(14, [], { commit: "d" }),
    ];
    expect(failingTests(runs)).toEqual([
      { name: "WalletTests › testLogin", failures: 3, lastFailed: { id: runs[3]!.id, number: 13 }, flaky: true },
      { name: "WalletTests › testSync", failures: 2, lastFailed: { id: runs[2]!.id, number: 12 }, flaky: true },
      { name: "WalletTests › testBalance", failures: 1, lastFailed: { id: runs[3]!.id, number: 13 }, flaky: false },
    ]);
    expect(failingTests(runs, 1).map((test) => test.name)).toEqual(["WalletTests › testLogin"]);
    expect(failingTests([run(20, [])])).toEqual([]);
  });
});
