// Keel's one date format (issue 16): ISO 8601 in UTC — `2026-12-05` for a day, `2026-12-05 14:03 UTC`
// for a moment — which no reader can take for another date (unlike 05/12), and the same on the
// server and in the browser whatever their time zones. Where people scan (lists, "last checked"),
// a relative time comes first and the exact one is in the `<time>` element's title (components/ui/when.tsx).

/** A calendar day: `2026-12-05` (UTC). */
export function formatDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * A day filter's value as its field shows it (lib/validation/form.ts, `dayFilterField`): `from`
 * is the start of its day, `to` (`endOfDay`) the start of the next, shown as the day before.
 */
export function filterDay(date: Date, endOfDay = false): string {
  return formatDay(new Date(date.getTime() - (endOfDay ? 86_400_000 : 0)));
}

/** A moment: `2026-12-05 14:03 UTC`, or with `seconds` `2026-12-05 14:03:09 UTC`. */
export function formatTime(date: Date, options: { seconds?: boolean } = {}): string {
  return `${date.toISOString().slice(0, options.seconds ? 19 : 16).replace("T", " ")} UTC`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How long ago (or until): "just now", "5 minutes ago", "3 hours ago", "yesterday", "in 4 days";
 * beyond 30 days the day itself, since "73 days ago" reads worse than a date.
 */
export function relativeTime(date: Date, now: Date = new Date()): string {
  const delta = date.getTime() - now.getTime();
  const past = delta <= 0;
  const size = Math.abs(delta);
  const say = (count: number, unit: string) => {
    const text = `${count} ${unit}${count === 1 ? "" : "s"}`;
    return past ? `${text} ago` : `in ${text}`;
  };
  if (size < MINUTE) {
    return past ? "just now" : "in less than a minute";
  }
  if (size < HOUR) {
    return say(Math.floor(size / MINUTE), "minute");
  }
  if (size < DAY) {
    return say(Math.floor(size / HOUR), "hour");
  }
  if (size < 2 * DAY) {
    return past ? "yesterday" : "tomorrow";
  }
  if (size <= 30 * DAY) {
    return say(Math.floor(size / DAY), "day");
  }
  return formatDay(date);
}
