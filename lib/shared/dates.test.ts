import { describe, expect, it } from "vitest";
import { formatDay, formatTime, relativeTime } from "./dates";

describe("Keel's one date format", () => {
  const at = new Date("2026-12-05T14:03:09.456Z");

  it("writes days and moments in ISO 8601, UTC", () => {
    expect(formatDay(at)).toBe("2026-12-05");
    expect(formatTime(at)).toBe("2026-12-05 14:03 UTC");
    expect(formatTime(at, { seconds: true })).toBe("2026-12-05 14:03:09 UTC");
  });

  it.each([
    [-20_000, "just now"],
    [-5 * 60_000, "5 minutes ago"],
    [-60 * 60_000, "1 hour ago"],
    [-3 * 3_600_000 - 59_000, "3 hours ago"],
    [-30 * 3_600_000, "yesterday"],
    [-4 * 86_400_000, "4 days ago"],
    [5 * 86_400_000 + 1_000, "in 5 days"],
    [30 * 1_000, "in less than a minute"],
    [-40 * 86_400_000, "2026-10-26"],
  ])("%d ms from now is %j", (delta, expected) => {
    expect(relativeTime(new Date(at.getTime() + delta), at)).toBe(expected);
  });
});
