import { describe, expect, it } from "vitest";
import { branchRecovery, buildProgress, buildStats, builtWords, describeBuildStats, etaWords, formatDuration, lostRetryDecision, OVERDUE_REMAINING_MS, progressWords, queueStarts, recoveryWords, roundedDuration, targetBranchOf, weekTrendWords } from "./builds";

describe("the week's trend of build durations", () => {
  it("says how much longer or shorter this week's median is, about the same within 5 %, and nothing without this week's builds", () => {
    expect(weekTrendWords(12 * 60_000, 10 * 60_000)).toBe("Over the last 7 days a successful build took 12 min (median): 2 min longer than in the 7 days before (10 min, +20 %).");
    expect(weekTrendWords(9 * 60_000, 12 * 60_000)).toBe("Over the last 7 days a successful build took 9 min (median): 3 min shorter than in the 7 days before (12 min, −25 %).");
    expect(weekTrendWords(10 * 60_000 + 20_000, 10 * 60_000)).toBe("Over the last 7 days a successful build took 10 min 20 s (median), about as long as in the 7 days before (10 min).");
    expect(weekTrendWords(60_000, null)).toBe("Over the last 7 days a successful build took 1 min (median); none succeeded in the 7 days before to compare with.");
    expect(weekTrendWords(null, 60_000)).toBeNull();
  });
});

describe("formatDuration", () => {
  it("says durations the way people do, without a zero remainder", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(2_400)).toBe("2 s");
    expect(formatDuration(182_000)).toBe("3 min 2 s");
    expect(formatDuration(30 * 60_000)).toBe("30 min");
    expect(formatDuration(64 * 60_000)).toBe("1 h 4 min");
    expect(formatDuration(6 * 3_600_000)).toBe("6 h");
  });

  it("has a dash for what cannot be a duration", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(-5)).toBe("—");
    expect(formatDuration(Number.NaN)).toBe("—");
  });
});

describe("a running build against the usual time", () => {
  const typical = { ms: 8 * 60_000, builds: 10, steps: {} };

  it("rounds durations to the minute people plan with", () => {
    expect(roundedDuration(59_000)).toBe("under a minute");
    expect(roundedDuration(89_000)).toBe("1 min");
    expect(roundedDuration(91_000)).toBe("2 min");
    expect(roundedDuration(60 * 60_000)).toBe("1 h");
    expect(roundedDuration(125 * 60_000)).toBe("2 h 5 min");
  });

  it("says how far it is and what is left, and never 100 % before the build ends", () => {
    expect(buildProgress(2 * 60_000, typical.ms)).toEqual({ percent: 25, leftMs: 6 * 60_000, over: false });
    expect(buildProgress(-1_000, typical.ms)).toEqual({ percent: 0, leftMs: 8 * 60_000, over: false });
    expect(buildProgress(typical.ms, typical.ms)).toEqual({ percent: 99, leftMs: 0, over: false });
    expect(buildProgress(9 * 60_000, typical.ms)).toEqual({ percent: 99, leftMs: 0, over: true });
    expect(progressWords(3 * 60_000, typical)).toEqual({ short: "About 5 min left", sentence: "About 5 min left (the median of the last 10 successful builds is 8 min)." });
    expect(progressWords(7.5 * 60_000, typical).sentence).toBe("Less than a minute left (the median of the last 10 successful builds is 8 min).");
    expect(progressWords(12 * 60_000, { ...typical, builds: 3 })).toEqual({ short: "Taking longer than usual", sentence: "Taking longer than usual: the median of the last 3 successful builds is 8 min." });
  });
});

describe("buildStats", () => {
  const at = (seconds: number) => ({ startedAt: new Date(0), finishedAt: new Date(seconds * 1_000) });
  it("counts successes and takes the median and the slowest duration", () => {
    const stats = buildStats([
      { status: "SUCCEEDED", ...at(60) },
      { status: "FAILED", ...at(240) },
      { status: "SUCCEEDED", ...at(120) },
      { status: "ERROR", startedAt: null, finishedAt: new Date(0) },
    ]);
    expect(stats).toEqual({ finished: 4, succeeded: 2, medianMs: 120_000, slowestMs: 240_000 });
    expect(describeBuildStats(stats)).toBe("Last 4 builds: 50 % succeeded · usually 2 min, at most 4 min.");
    expect(buildStats([{ status: "SUCCEEDED", ...at(60) }, { status: "SUCCEEDED", ...at(90) }]).medianMs).toBe(75_000);
    expect(describeBuildStats(buildStats([{ status: "SUCCEEDED", ...at(60) }]))).toBe("Last build: 100 % succeeded · usually 1 min.");
    expect(describeBuildStats(buildStats([]))).toBeNull();
  });
});

describe("a branch's recovery", () => {
  const SINCE = new Date("2026-12-01T00:00:00Z");
  const NOW = new Date("2026-12-03T00:00:00Z");
  let number = 0;
  const build = (status: string, finished: string) => {
    number += 1;
    return { id: `b${number}`, number, status, finishedAt: new Date(`2026-12-${finished}Z`) };
  };

  it("counts each break from the failure that began it to the success that ended it, ignoring cancels and errors", () => {
    number = 0;
    const builds = [
      build("SUCCEEDED", "01T08:00:00"),
      build("FAILED", "01T09:00:00"), // b2 breaks it
      build("CANCELED", "01T09:30:00"),
      build("FAILED", "01T10:00:00"),
      build("ERROR", "01T10:30:00"),
      build("SUCCEEDED", "01T11:00:00"), // b6 fixes it: 2 h
      build("TIMED_OUT", "02T12:00:00"), // b7 breaks it
      build("SUCCEEDED", "02T12:30:00"), // b8 fixes it: 30 min
      build("SUCCEEDED", "02T13:00:00"),
    ];
    // In any order: the finish times decide.
    const recovery = branchRecovery(null, [...builds].reverse(), SINCE, NOW);
    expect(recovery).toEqual({
      breaks: 2,
      redMs: 150 * 60_000,
      medianFixMs: 75 * 60_000,
      fixed: 2,
      longest: { ms: 120 * 60_000, brokenBy: { id: "b2", number: 2 }, fixedBy: { id: "b6", number: 6 } },
      redNow: null,
    });
    expect(recoveryWords("main", recovery, 30)).toBe("main broke 2 times in the last 30 days and was red for 2 h 30 min in all; a fix took 1 h 15 min (median).");
  });

  it("counts a spell begun before the window from the window's start, and one still open until now, without a fix time for either", () => {
    number = 0;
    const before = build("FAILED", "01T00:00:00");
    const recovery = branchRecovery({ ...before, finishedAt: new Date("2026-11-20T00:00:00Z") }, [build("SUCCEEDED", "01T06:00:00"), build("FAILED", "02T18:00:00"), build("FAILED", "02T20:00:00")], SINCE, NOW);
    expect(recovery).toEqual({
      breaks: 1,
      // 6 h from the window's start, and the last 6 h: red since b3.
      redMs: 12 * 3_600_000,
      medianFixMs: null,
      fixed: 0,
      longest: { ms: 6 * 3_600_000, brokenBy: null, fixedBy: { id: "b2", number: 2 } },
      redNow: { since: new Date("2026-12-02T18:00:00Z"), brokenBy: { id: "b3", number: 3 } },
    });
    expect(recoveryWords("main", recovery, 30)).toBe("main broke once in the last 30 days and was red for 12 h in all.");
    // Red all along: no break in the window, red since its start.
    const allRed = branchRecovery(before, [], SINCE, NOW);
    expect(allRed).toMatchObject({ breaks: 0, redMs: 48 * 3_600_000, redNow: { since: SINCE, brokenBy: null } });
    expect(recoveryWords("main", allRed, 30)).toBe("main was already red when the last 30 days began, and was red for 48 h of them.");
  });

  it("says a branch that never went red did not break", () => {
    number = 0;
    const recovery = branchRecovery(build("SUCCEEDED", "01T00:00:00"), [build("SUCCEEDED", "01T06:00:00"), build("CANCELED", "01T07:00:00")], SINCE, NOW);
    expect(recovery).toEqual({ breaks: 0, redMs: 0, medianFixMs: null, fixed: 0, longest: null, redNow: null });
    expect(recoveryWords("main", recovery, 30)).toBe("main did not break in the last 30 days.");
    // One fix: no "median".
    expect(recoveryWords("main", branchRecovery(null, [build("FAILED", "01T08:00:00"), build("SUCCEEDED", "01T08:10:00")], SINCE, NOW), 7)).toBe("main broke once in the last 7 days and was red for 10 min in all; a fix took 10 min.");
  });
});

describe("what a build built", () => {
  it("names a pull request before its source branch, then a tag, then a branch; a pasted commit has no words", () => {
    expect(builtWords({ pullRequestId: 7, tag: null, branch: "refs/heads/main" })).toBe("pull request 7");
    expect(builtWords({ pullRequestId: null, tag: "v2.4.0", branch: null })).toBe("the tag v2.4.0");
    expect(builtWords({ pullRequestId: null, tag: null, branch: "refs/heads/release/2.4" })).toBe("the branch release/2.4");
    expect(builtWords({ pullRequestId: null, tag: null, branch: null })).toBeNull();
    expect(targetBranchOf({ pullRequestId: 7, targetRef: "refs/heads/main" })).toBe("main");
    expect(targetBranchOf({ pullRequestId: null, targetRef: "refs/heads/main" })).toBeNull();
  });
});

describe("starting a lost build again", () => {
  it("starts it once, not when someone asked to cancel it, and not when a newer build of its line is there", () => {
    expect(lostRetryDecision({ isRetry: false, cancelRequested: false, newer: null })).toEqual({ retry: true });
    expect(lostRetryDecision({ isRetry: true, cancelRequested: false, newer: null })).toMatchObject({ retry: false, why: expect.stringContaining("Keel tries once") });
    expect(lostRetryDecision({ isRetry: false, cancelRequested: true, newer: null })).toEqual({ retry: false, why: "Not started again: someone asked to cancel it." });
    expect(lostRetryDecision({ isRetry: false, cancelRequested: false, newer: { number: 14, line: "the branch main" } })).toEqual({ retry: false, why: "Not started again: #14, a newer build of the branch main, is already there." });
    // Cancel is said first: it is what someone did.
    expect(lostRetryDecision({ isRetry: true, cancelRequested: true, newer: { number: 3, line: "the same commit" } })).toEqual({ retry: false, why: "Not started again: someone asked to cancel it." });
  });
});

describe("when a queued build is likely to start", () => {
  const min = 60_000;
  it("gives each queued build in turn the first free worker for its usual time", () => {
    // Two workers free in 2 and 5 min; four builds of 10 min: they start at 2, 5, 12 and 15.
    const running = [{ elapsedMs: 8 * min, typicalMs: 10 * min }, { elapsedMs: 5 * min, typicalMs: 10 * min }];
    expect(queueStarts(running, [{ typicalMs: 10 * min }, { typicalMs: 10 * min }, { typicalMs: 10 * min }, { typicalMs: 10 * min }])).toEqual([2, 5, 12, 15].map((m) => m * min));
    expect(queueStarts(running, [])).toEqual([]);
    // Other lengths: a 1-min build (2 → 3), a 30-min one (3 → 33); the next takes the worker free at 5.
    expect(queueStarts(running, [{ typicalMs: 1 * min }, { typicalMs: 30 * min }, { typicalMs: 10 * min }])).toEqual([2, 3, 5].map((m) => m * min));
  });

  it("expects an overdue build to end soon, not now, and takes the median for a profile without a usual time", () => {
    expect(queueStarts([{ elapsedMs: 20 * min, typicalMs: 10 * min }], [{ typicalMs: 10 * min }])).toEqual([OVERDUE_REMAINING_MS]);
    // Known: 4, 10 and 30 min (median 10): the unknown running build and the unknown queued build take 10; one worker builds them in turn.
    expect(queueStarts([{ elapsedMs: 0, typicalMs: null }], [{ typicalMs: 4 * min }, { typicalMs: null }, { typicalMs: 10 * min }, { typicalMs: 30 * min }])).toEqual([10, 14, 24, 34].map((m) => m * min));
    // An even count: the mean of the middle two.
    expect(queueStarts([{ elapsedMs: 0, typicalMs: null }], [{ typicalMs: 4 * min }, { typicalMs: 6 * min }])).toEqual([5, 9].map((m) => m * min));
  });

  it("cannot tell without a running build (no worker) or any usual time", () => {
    expect(queueStarts([], [{ typicalMs: 10 * min }])).toBeNull();
    expect(queueStarts([{ elapsedMs: 0, typicalMs: null }], [{ typicalMs: null }])).toBeNull();
  });

  it("says it in words that round to minutes", () => {
    expect(etaWords(1_000_000 + 59_000, 1_000_000)).toBe("likely within a minute");
    expect(etaWords(1_000_000 + 12 * min + 10_000, 1_000_000)).toBe("likely in about 12 min");
    expect(etaWords(1_000_000 - 5_000, 1_000_000)).toBe("likely within a minute");
    expect(etaWords(1_000_000 + 90 * min, 1_000_000)).toBe("likely in about 1 h 30 min");
  });
});
