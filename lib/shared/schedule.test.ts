import { describe, expect, it } from "vitest";
import { DEFAULT_SCHEDULE, describeSchedule, dueSlot, isTimeZone, nextSlot, scheduleBuildKey, slotsBetween, type BuildSchedule } from "./schedule";

const berlin: BuildSchedule = { ...DEFAULT_SCHEDULE, enabled: true, days: [1, 2, 3, 4, 5], time: "02:00", timeZone: "Europe/Berlin" };

describe("build schedules", () => {
  it("knows time zones", () => {
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
    expect(isTimeZone("")).toBe(false);
  });

  it("puts slots at the wall-clock time of the zone, on the chosen days, across clock changes", () => {
    // Berlin moves from CET (+1) to CEST (+2) on Sunday 29 March 2026 and back on Sunday 25 October.
    const march = slotsBetween(berlin, new Date("2026-03-26T00:00:00Z"), new Date("2026-03-31T12:00:00Z")).map((slot) => slot.toISOString());
    expect(march).toEqual(["2026-03-26T01:00:00.000Z", "2026-03-27T01:00:00.000Z", "2026-03-30T00:00:00.000Z", "2026-03-31T00:00:00.000Z"]);
    const october = slotsBetween({ ...berlin, days: [0, 1] }, new Date("2026-10-24T00:00:00Z"), new Date("2026-10-27T00:00:00Z")).map((slot) => slot.toISOString());
    expect(october).toEqual(["2026-10-25T01:00:00.000Z", "2026-10-26T01:00:00.000Z"]);
    const tokyo = slotsBetween({ ...berlin, timeZone: "Asia/Tokyo", time: "23:30", days: [6] }, new Date("2026-12-01T00:00:00Z"), new Date("2026-12-14T00:00:00Z")).map((slot) => slot.toISOString());
    expect(tokyo).toEqual(["2026-12-05T14:30:00.000Z", "2026-12-12T14:30:00.000Z"]);
  });

  it("a slot is due from its time for an hour, never before the schedule was saved, never when off", () => {
    const slot = new Date("2026-12-07T01:00:00Z"); // Monday 02:00 in Berlin
    expect(dueSlot(berlin, new Date("2026-12-07T00:59:59Z"))?.toISOString()).not.toBe(slot.toISOString());
    expect(dueSlot(berlin, new Date("2026-12-07T01:00:00Z"))).toEqual(slot);
    expect(dueSlot(berlin, new Date("2026-12-07T01:59:00Z"))).toEqual(slot);
    expect(dueSlot(berlin, new Date("2026-12-07T02:01:00Z"))).toBeNull();
    expect(dueSlot({ ...berlin, since: "2026-12-07T01:10:00.000Z" }, new Date("2026-12-07T01:20:00Z"))).toBeNull();
    expect(dueSlot({ ...berlin, since: "2026-12-07T00:10:00.000Z" }, new Date("2026-12-07T01:20:00Z"))).toEqual(slot);
    expect(dueSlot({ ...berlin, enabled: false }, new Date("2026-12-07T01:00:00Z"))).toBeNull();
    // Saturday 5 December: not a weekday.
    expect(dueSlot(berlin, new Date("2026-12-05T01:30:00Z"))).toBeNull();
  });

  it("says when the next one is and what it builds", () => {
    expect(nextSlot(berlin, new Date("2026-12-04T12:00:00Z"))).toEqual(new Date("2026-12-07T01:00:00Z"));
    expect(nextSlot({ ...berlin, enabled: false }, new Date("2026-12-04T12:00:00Z"))).toBeNull();
    expect(describeSchedule(berlin, "refs/heads/main")).toBe("weekdays at 02:00 (Europe/Berlin), main (the default branch), when it has new commits");
    expect(describeSchedule({ ...berlin, days: [1, 3, 5], branch: "release/2.0", onlyWhenChanged: false }, "refs/heads/main")).toBe("Monday, Wednesday and Friday at 02:00 (Europe/Berlin), release/2.0");
    expect(describeSchedule({ ...berlin, days: [0, 1, 2, 3, 4, 5, 6] }, null)).toBe("every day at 02:00 (Europe/Berlin), the default branch, when it has new commits");
    expect(scheduleBuildKey("p1", new Date("2026-12-07T01:00:00Z"))).toBe("schedule:p1:2026-12-07T01:00:00.000Z");
  });
});
