import "server-only";
import { weekSummary } from "@/lib/data/insights";
import { createWeeklySummaryNotice, weeklySummaryRecipients } from "@/lib/data/notifications";
import { logger } from "@/lib/logger";
import { systemScope } from "@/lib/scope";
import { requestNoticeEmails } from "./request";
import { summaryWeek } from "./summary-week";

const log = logger("notifications.weekly-summary");

/**
 * The `notifications.weekly-summary` job (hourly): on Monday from 06:00 UTC, each organization
 * whose members asked for it gets one `digest.weekly` notice for the week that ended at Monday
 * 00:00 (lib/builds/README.md, "The week's summary"), told to those members and e-mailed like
 * every notice. Once per organization and week (the notice's key), so a slot run twice or by two
 * workers sends one; a week without a finished build sends none. Outside the window it does
 * nothing: a summary a day late is not worth an e-mail.
 */
export async function weeklySummaryJob(now = new Date()): Promise<number> {
  const week = summaryWeek(now);
  if (!week) {
    return 0;
  }
  let sent = 0;
  for (const { organizationId, recipientIds } of await weeklySummaryRecipients(week.to)) {
    const scope = systemScope(organizationId, "notifications.weekly-summary");
    const summary = await weekSummary(scope, week.from, week.to);
    if (summary.builds === 0) {
      continue;
    }
    if (await createWeeklySummaryNotice(scope, week.to, recipientIds, summary)) {
      sent += 1;
    }
  }
  if (sent > 0) {
    log.info({ organizations: sent, week: week.from.toISOString() }, "recorded the week's summaries");
    await requestNoticeEmails();
  }
  return sent;
}
