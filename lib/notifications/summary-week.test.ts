import { describe, expect, it } from "vitest";
import { summaryWeek } from "./summary-week";

// When the week's summary is due (lib/notifications/summary-week.ts).

describe("the week's summary is due", () => {
  it("on Monday from 06:00 UTC until the day ends, for the week that ended at Monday 00:00", () => {
    const week = { from: new Date("2026-11-30T00:00:00Z"), to: new Date("2026-12-07T00:00:00Z") };
    expect(summaryWeek(new Date("2026-12-07T06:00:00Z"))).toEqual(week);
    expect(summaryWeek(new Date("2026-12-07T23:59:59Z"))).toEqual(week);
  });

  it("at no other time: before 06:00 on Monday, on Sunday, on Tuesday", () => {
    for (const at of ["2026-12-07T05:59:59Z", "2026-12-06T12:00:00Z", "2026-12-08T00:00:00Z", "2026-12-10T06:30:00Z"]) {
      expect(summaryWeek(new Date(at))).toBeNull();
    }
  });
});
