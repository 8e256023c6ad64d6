import { formatDay, formatTime, relativeTime } from "@/lib/shared/dates";

/**
 * A date as Keel writes it (lib/shared/dates.ts): `relative` for lists people scan ("3 hours ago",
 * the exact time in the title), otherwise the exact moment or, with `day`, the calendar day.
 */
export function When({ date, relative = false, day = false, seconds = false, now }: { date: Date; relative?: boolean; day?: boolean; seconds?: boolean; now?: Date }) {
  const exact = day ? formatDay(date) : formatTime(date, { seconds });
  return (
    <time dateTime={date.toISOString()} title={relative ? exact : undefined}>
      {relative ? relativeTime(date, now) : exact}
    </time>
  );
}
