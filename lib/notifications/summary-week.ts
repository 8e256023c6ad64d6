// When the week's summary goes out (lib/notifications/weekly.ts). Pure.

const DAY_MS = 24 * 3_600_000;

/** From this long after Monday 00:00 UTC a week's summary is sent: Monday morning in Europe, late Sunday in the Americas. */
export const SUMMARY_SEND_AFTER_MS = 6 * 3_600_000;

/**
 * The week whose summary is due at `now` — Monday 00:00 to Monday 00:00 UTC, the one that just
 * ended — between 06:00 and the end of Monday (UTC); null at any other time.
 */
export function summaryWeek(now: Date): { from: Date; to: Date } | null {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  if (now.getUTCDay() !== 1 || now.getTime() - today < SUMMARY_SEND_AFTER_MS) {
    return null;
  }
  return { from: new Date(today - 7 * DAY_MS), to: new Date(today) };
}
