import { describe, expect, it } from "vitest";
import { formatDuration } from "./builds";

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
