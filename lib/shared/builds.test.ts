import { describe, expect, it } from "vitest";
import { buildStats, describeBuildStats, formatDuration } from "./builds";

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
