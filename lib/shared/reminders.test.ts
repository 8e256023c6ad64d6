import { describe, expect, it } from "vitest";
import { daysUntil, reminderTier } from "./reminders";

const NOW = new Date("2026-12-04T12:00:00Z");
const inDays = (days: number, hours = 0) => new Date(NOW.getTime() + days * 86_400_000 + hours * 3_600_000);

describe("reminder thresholds", () => {
  it("is the smallest threshold reached, and none once ended", () => {
    expect(reminderTier(null, NOW)).toBeNull();
    expect(reminderTier(inDays(45), NOW)).toBeNull();
    expect(reminderTier(inDays(30), NOW)).toBe(30);
    expect(reminderTier(inDays(7), NOW)).toBe(7);
    expect(reminderTier(inDays(6, 23), NOW)).toBe(7);
    expect(reminderTier(inDays(1), NOW)).toBe(1);
    expect(reminderTier(inDays(0, 1), NOW)).toBe(1);
    expect(reminderTier(inDays(0, -1), NOW)).toBeNull();
    expect(daysUntil(inDays(4, 1), NOW)).toBe(5);
    expect(daysUntil(inDays(0, -1), NOW)).toBe(0);
  });
});
