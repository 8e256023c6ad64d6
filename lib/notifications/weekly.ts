import "server-only";
import { healthOfConnection } from "@/lib/connections/service";
import { STATUS_ORDER } from "@/lib/connections/status";
import { isUnusedConnection, lastBuildByConnection, listConnectionStatusInputs, UNUSED_CONNECTION_DAYS } from "@/lib/data/connections";
import { lostBuildsByHost, weekSummary } from "@/lib/data/insights";
import { endingSigningFiles } from "@/lib/data/secret-files";
import { createWeeklySummaryNotice, weeklySummaryRecipients } from "@/lib/data/notifications";
import { logger } from "@/lib/logger";
import { systemScope, type Scope } from "@/lib/scope";
import { requestNoticeEmails } from "./request";
import { summaryWeek } from "./summary-week";

const log = logger("notifications.weekly-summary");

/** How many connections needing attention the summary names. */
const CONNECTIONS_NAMED = 5;

/** What needs someone now, as the summary lists it after the builds (stored with the notice). */
export type WeekAttention = {
  connections: Array<{ name: string; status: string; reason: string | null }>;
  connectionsTotal: number;
  signingFiles: Array<{ profile: string; what: string; expiresAt: string }>;
  signingTotal: number;
  /** Connections nobody has built with for UNUSED_CONNECTION_DAYS (by name, at most CONNECTIONS_NAMED), and how many: their credentials stay valid (render.ts reads summaries recorded before it without it). */
  unused: { names: string[]; total: number; days: number };
  /** The week's builds whose worker was lost, and the machines that lost most (at most LOST_HOSTS_NAMED; render.ts reads summaries without it). */
  lostWorkers: { builds: number; hosts: Array<{ host: string | null; builds: number }> };
};

/** How many machines that lost builds the summary names. */
const LOST_HOSTS_NAMED = 3;

/**
 * The organization's connections that need attention now (lib/connections/status.ts, the most
 * urgent first) and its signing files that end within 30 days or ended in the last 30: the other
 * half of "can we ship this week?"; the connections nobody has built with for 90 days, whose
 * credentials stay valid (lib/connections/README.md, "Connections nobody uses"); and the week's
 * builds whose worker was lost, by machine (lib/builds/README.md, "A lost worker").
 */
export async function attentionOf(scope: Scope, now: Date, week: { from: Date; to: Date } = { from: new Date(now.getTime() - 7 * 86_400_000), to: now }): Promise<WeekAttention> {
  const [connections, signing, lastBuilds, lost] = await Promise.all([listConnectionStatusInputs(scope), endingSigningFiles(scope, now), lastBuildByConnection(scope), lostBuildsByHost(scope, week.from, week.to)]);
  // A machine of several pools counts once.
  const byHost = new Map<string | null, number>();
  for (const entry of lost) {
    byHost.set(entry.host, (byHost.get(entry.host) ?? 0) + entry.builds);
  }
  const hosts = [...byHost].map(([host, builds]) => ({ host, builds })).sort((a, b) => b.builds - a.builds || (a.host ?? "").localeCompare(b.host ?? "", "en"));
  const unused = connections
    .filter((connection) => isUnusedConnection(connection, lastBuilds.get(connection.id), now))
    .map((connection) => connection.name)
    .sort((a, b) => a.localeCompare(b, "en"));
  const troubled = connections
    .map((connection) => ({ name: connection.name, health: healthOfConnection(connection, now) }))
    .filter((entry) => entry.health.needsAttention)
    .sort((a, b) => STATUS_ORDER.indexOf(a.health.status) - STATUS_ORDER.indexOf(b.health.status) || a.name.localeCompare(b.name, "en"));
  return {
    connections: troubled.slice(0, CONNECTIONS_NAMED).map((entry) => ({ name: entry.name, status: entry.health.status, reason: entry.health.reason })),
    connectionsTotal: troubled.length,
    signingFiles: signing.files.map((file) => ({ profile: file.profile, what: file.what, expiresAt: file.expiresAt.toISOString() })),
    signingTotal: signing.total,
    unused: { names: unused.slice(0, CONNECTIONS_NAMED), total: unused.length, days: UNUSED_CONNECTION_DAYS },
    lostWorkers: { builds: hosts.reduce((sum, entry) => sum + entry.builds, 0), hosts: hosts.slice(0, LOST_HOSTS_NAMED) },
  };
}

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
    if (await createWeeklySummaryNotice(scope, week.to, recipientIds, { ...summary, attention: await attentionOf(scope, now, week) })) {
      sent += 1;
    }
  }
  if (sent > 0) {
    log.info({ organizations: sent, week: week.from.toISOString() }, "recorded the week's summaries");
    await requestNoticeEmails();
  }
  return sent;
}
