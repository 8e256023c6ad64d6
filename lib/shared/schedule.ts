// A build profile's schedule (nightly builds): on chosen days of the week at a time of day in a
// time zone, a build of one branch — by default only when the branch has changed since the last
// scheduled build. Pure: the triggers form, the profile page and the builds.schedule job share
// these functions, so "when is the next one?" has one answer.
import { z } from "zod";

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Whether the runtime knows this IANA time zone (Europe/Berlin, UTC, America/New_York). */
export function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) {
    return false;
  }
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const scheduleSchema = z.object({
  enabled: z.boolean(),
  /** Days of the week, 0 = Sunday … 6 = Saturday. */
  days: z.array(z.number().int().min(0).max(6)).max(7),
  /** HH:MM, 24-hour, in `timeZone`. */
  time: z.string().regex(TIME),
  timeZone: z.string().refine(isTimeZone),
  /** The branch to build; empty: the profile's default branch. */
  branch: z.string().max(250),
  /** Skip a slot when the branch's tip is the commit the last scheduled build built. */
  onlyWhenChanged: z.boolean(),
  /** When the schedule was saved: slots before it never start a build (saving at 02:10 does not build 02:00's). */
  since: z.iso.datetime().optional(),
});

export type BuildSchedule = z.infer<typeof scheduleSchema>;

/** Weekdays at 02:00 UTC, the default branch, only when it changed: off until someone turns it on. */
export const DEFAULT_SCHEDULE: BuildSchedule = Object.freeze({ enabled: false, days: [1, 2, 3, 4, 5], time: "02:00", timeZone: "UTC", branch: "", onlyWhenChanged: true }) as BuildSchedule;

export const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

/** A slot older than this when a worker first sees it is let go (Keel was down): no build hours late. */
export const SLOT_GRACE_MS = 60 * 60_000;

type Parts = { year: number; month: number; day: number; hour: number; minute: number; weekday: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(zone: string, instant: number): Parts {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", weekday: "short" });
    formatters.set(zone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(new Date(instant))) {
    parts[part.type] = part.value;
  }
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.weekday ?? ""),
  };
}

/** The instant a wall-clock time of a calendar day has in a zone (a time a clock change skips lands an hour off). */
function zonedInstant(zone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wall;
  for (let round = 0; round < 3; round += 1) {
    const seen = partsIn(zone, guess);
    const seenWall = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute);
    const diff = wall - seenWall;
    if (diff === 0) {
      break;
    }
    guess += diff;
  }
  return guess;
}

/** The schedule's slots from `from` to `to` (both inclusive), oldest first. */
export function slotsBetween(schedule: BuildSchedule, from: Date, to: Date): Date[] {
  const [hour, minute] = schedule.time.split(":").map(Number) as [number, number];
  const slots: Date[] = [];
  // Walk the zone's calendar days from a day before `from` to a day after `to`, in half days (a
  // 23- or 25-hour day around a clock change cannot skip a date); a day seen twice is kept once.
  for (let instant = from.getTime() - 36 * 3_600_000; instant <= to.getTime() + 36 * 3_600_000; instant += 12 * 3_600_000) {
    const day = partsIn(schedule.timeZone, instant);
    if (!schedule.days.includes(day.weekday)) {
      continue;
    }
    const slot = zonedInstant(schedule.timeZone, day.year, day.month, day.day, hour, minute);
    if (slot >= from.getTime() && slot <= to.getTime() && slots.at(-1)?.getTime() !== slot) {
      slots.push(new Date(slot));
    }
  }
  return slots;
}

/**
 * The slot a worker should start now, or null: the newest slot no later than `now`, no older than
 * the grace period and not before the schedule was saved.
 */
export function dueSlot(schedule: BuildSchedule, now: Date): Date | null {
  if (!schedule.enabled || schedule.days.length === 0) {
    return null;
  }
  const since = schedule.since ? Date.parse(schedule.since) : 0;
  const from = new Date(Math.max(now.getTime() - SLOT_GRACE_MS, since));
  return slotsBetween(schedule, from, now).at(-1) ?? null;
}

/** The next slot after `now` (within two weeks), or null when the schedule is off. */
export function nextSlot(schedule: BuildSchedule, now: Date): Date | null {
  if (!schedule.enabled || schedule.days.length === 0) {
    return null;
  }
  return slotsBetween(schedule, new Date(now.getTime() + 1), new Date(now.getTime() + 14 * 24 * 3_600_000))[0] ?? null;
}

/** "weekdays", "every day", "Monday, Wednesday and Friday". */
export function describeDays(days: readonly number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  if (sorted.length === 7) {
    return "every day";
  }
  if (sorted.join() === "1,2,3,4,5") {
    return "weekdays";
  }
  if (sorted.join() === "0,6") {
    return "weekends";
  }
  const names = sorted.map((day) => WEEKDAYS[day]!);
  return names.length <= 1 ? (names[0] ?? "no day") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** The schedule in words: "weekdays at 02:00 (Europe/Berlin), main, when it has new commits". */
export function describeSchedule(schedule: BuildSchedule, defaultBranch: string | null): string {
  const branch = schedule.branch || (defaultBranch ? `${defaultBranch.replace(/^refs\/heads\//, "")} (the default branch)` : "the default branch");
  return `${describeDays(schedule.days)} at ${schedule.time} (${schedule.timeZone}), ${branch}${schedule.onlyWhenChanged ? ", when it has new commits" : ""}`;
}

/** The idempotency key of a slot's build: every worker and retry names the same build. */
export function scheduleBuildKey(profileId: string, slot: Date): string {
  return `schedule:${profileId}:${slot.toISOString()}`;
}

/** The time zones the form offers: UTC first, then every IANA zone the runtime knows (and `current`, if it is not among them). */
export function timeZoneChoices(current: string): string[] {
  const zones = ["UTC", ...Intl.supportedValuesOf("timeZone").filter((zone) => zone !== "UTC")];
  return zones.includes(current) ? zones : [current, ...zones];
}

/** "Mon 7 Dec, 02:00" in the schedule's zone. */
export function formatSlot(slot: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(slot);
}
