// When Keel reminds people of something that ends — a connection's credential
// (lib/connections/status.ts), a signing file (lib/shared/signing-files.ts): at 30, 7 and 1 days
// left, once per threshold. Pure.

/** Reminders go out when this many days (or fewer) are left, once per threshold. */
export const REMINDER_DAYS = [30, 7, 1] as const;
export type ReminderTier = (typeof REMINDER_DAYS)[number];

const DAY_MS = 86_400_000;

/** Whole days until `expiresAt`, rounded up (a token expiring in 4 days and 1 hour has 5 left); ≤ 0 once passed. */
export function daysUntil(expiresAt: Date, now: Date): number {
  // `+ 0` turns the -0 of "less than a day ago" into 0.
  return Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS) + 0;
}

/** The reminder threshold something ending at `expiresAt` has reached (the smallest that applies), or null (none yet, or already ended). */
export function reminderTier(expiresAt: Date | null, now: Date): ReminderTier | null {
  if (!expiresAt || expiresAt.getTime() <= now.getTime()) {
    return null;
  }
  const days = daysUntil(expiresAt, now);
  let tier: ReminderTier | null = null;
  for (const threshold of REMINDER_DAYS) {
    if (days <= threshold) {
      tier = threshold;
    }
  }
  return tier;
}
