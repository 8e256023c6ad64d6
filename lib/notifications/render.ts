// The words of a notice (lib/data/notifications.ts): one subject and a plain-text body per
// kind, for the e-mail and for pages. Pure; every value comes from the notice's data, which
// never holds a secret.
import { z } from "zod";
import { isConnectionStatus, statusLabel } from "@/lib/connections/status";
import { brokenWords, durationChange, formatDuration } from "@/lib/shared/builds";
import { moreWords, suspectsSchema, suspectWords } from "@/lib/shared/build-changes";
import { testNewsWords } from "@/lib/shared/tests";
import { lostHostsWords, poolWorkerCommand } from "@/lib/shared/build-pools";
import { signingRenewAdvice, type SigningFacts } from "@/lib/shared/signing-files";

export type RenderedNotice = { subject: string; text: string };

function str(data: Record<string, unknown>, key: string): string | null {
  const value = data[key];
  return typeof value === "string" && value !== "" ? value : null;
}

function num(data: Record<string, unknown>, key: string): number | null {
  const value = data[key];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function label(value: string | null): string {
  return value && isConnectionStatus(value) ? statusLabel(value) : (value ?? "unknown");
}

type AuthMethod = "PAT" | "OAUTH" | "SERVICE_PRINCIPAL";

/** What to do about a status, in the words of the connection's sign-in method (unknown: a wording that fits all three). */
function whatToDo(status: string | null, method: AuthMethod | null): string {
  switch (status) {
    case "EXPIRED":
    case "NEEDS_REAUTH":
      return method === "PAT"
        ? "Replace the token on the connection's page: create a new one in Azure DevOps, scoped to the organization."
        : method === "OAUTH"
          ? "Re-authorize the connection on its page."
          : method === "SERVICE_PRINCIPAL"
            ? "Open the connection's page: its findings say what to change in Microsoft Entra ID or Azure DevOps, or replace the service principal's credential there."
            : "Replace the token, re-authorize, or fix the service principal, on the connection's page.";
    case "UNREACHABLE":
      return "Open the connection's page and run Check now: the findings say what to fix (address, network, server).";
    case "CERTIFICATE_PROBLEM":
      return "Open the connection's page: upload the server's CA certificate or have the certificate renewed.";
    case "CREDENTIALS_UNREADABLE":
      return method === "OAUTH" ? "Re-authorize the connection: Keel cannot decrypt the stored authorization." : method === "SERVICE_PRINCIPAL" ? "Enter the service principal's credential again: Keel cannot decrypt the stored one." : "Enter the token again: Keel cannot decrypt the stored one.";
    case "CREDENTIALS_MISSING":
      return "Enter a token for the connection's new address.";
    case "EXPIRING":
      return expiringAdvice(method);
    case "HEALTHY":
      return "Nothing to do: builds that use it work again.";
    default:
      return "Open the connection's page for details.";
  }
}

/** How to renew a credential before it expires; Azure DevOps and Entra ID do not extend an expired one. */
function expiringAdvice(method: AuthMethod | null): string {
  return method === "SERVICE_PRINCIPAL"
    ? "Create a new client secret or certificate for the app in Microsoft Entra ID (App registrations → the app → Certificates & secrets) and enter it on the connection's page under Service principal; Keel checks it before it replaces the old one."
    : "Replace the token before it expires: Azure DevOps does not let an expired token be extended, so create a new one (scoped to the organization) and paste it in Keel with Replace token.";
}

function authMethodOf(data: Record<string, unknown>): AuthMethod | null {
  const value = data.authMethod;
  return value === "PAT" || value === "OAUTH" || value === "SERVICE_PRINCIPAL" ? value : null;
}

/** The page of Keel a notice is about: its build's, or its connection's (null: neither is known). */
export function noticePath(notice: { kind: string; data: unknown; connectionId: string | null }): string | null {
  const data = typeof notice.data === "object" && notice.data !== null ? (notice.data as Record<string, unknown>) : {};
  if (notice.kind.startsWith("build.") && typeof data.buildId === "string" && /^[0-9a-f-]{36}$/.test(data.buildId)) {
    return `/builds/${data.buildId}`;
  }
  if (notice.kind.startsWith("api_token.")) {
    return "/settings/api-tokens";
  }
  if (notice.kind.startsWith("build_pool.")) {
    return "/settings/workers";
  }
  if (notice.kind.startsWith("digest.")) {
    return "/profiles";
  }
  if (notice.kind === "profile.paused_long") {
    return typeof data.profileId === "string" && /^[0-9a-f-]{36}$/.test(data.profileId) ? `/profiles/${data.profileId}` : "/profiles";
  }
  if (notice.kind.startsWith("tester_device.")) {
    return typeof data.profileId === "string" && /^[0-9a-f-]{36}$/.test(data.profileId) ? `/profiles/${data.profileId}#tester-devices` : null;
  }
  if (notice.kind.startsWith("signing_file.")) {
    return typeof data.profileId === "string" && /^[0-9a-f-]{36}$/.test(data.profileId) ? `/profiles/${data.profileId}/workflow#secret-files` : null;
  }
  if (notice.kind.startsWith("webhook.")) {
    return typeof data.webhookId === "string" && /^[0-9a-f-]{36}$/.test(data.webhookId) ? `/settings/webhooks/${data.webhookId}` : "/settings/webhooks";
  }
  return notice.connectionId ? `/connections/${notice.connectionId}` : null;
}

/** The words of the link to a notice's page (`noticePath`), on the Notices page. */
export function noticeLinkLabel(path: string): string {
  if (path.startsWith("/builds/")) {
    return "Open the build";
  }
  if (path.startsWith("/connections/")) {
    return "Open the connection";
  }
  if (path === "/settings/workers") {
    return "Open workers and build pools";
  }
  if (path === "/settings/api-tokens") {
    return "Open your API tokens";
  }
  if (path.startsWith("/settings/webhooks")) {
    return "Open the webhook";
  }
  if (path.includes("#tester-devices")) {
    return "Open the testers' devices";
  }
  if (path.includes("/workflow")) {
    return "Open the workflow's secret files";
  }
  if (/^\/profiles\/[0-9a-f-]{36}$/.test(path)) {
    return "Open the profile";
  }
  return path === "/profiles" ? "Open the build profiles" : "Open it";
}

/**
 * Subject and text of a notice; `link` is the connection's page in Keel (absolute URL). On the
 * Notices page (`link` null) the e-mail's last words — why it came, how to turn e-mails off —
 * are left out.
 */
export function renderNotice(kind: string, raw: unknown, link: string | null): RenderedNotice {
  const data = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const name = str(data, "name") ?? "A connection";
  const footer = link ? `\n\nOpen it in Keel: ${link}\n` : "\n";
  if (kind === "connection.expiry_reminder") {
    const days = num(data, "daysLeft") ?? num(data, "tier") ?? 0;
    const when = str(data, "expiresAt")?.slice(0, 10) ?? "soon";
    const method = authMethodOf(data);
    const what = method === "PAT" ? "personal access token" : method === "SERVICE_PRINCIPAL" ? "service principal's credential" : "credential";
    return {
      subject: `Keel: the ${what} of "${name}" expires in ${days} day${days === 1 ? "" : "s"}`,
      text: `The ${what} of the connection "${name}" expires on ${when} (in ${days} day${days === 1 ? "" : "s"}). Build profiles that use it stop working then.\n\n${expiringAdvice(method)}${footer}`,
    };
  }
  if (kind === "build.failed" || kind === "build.fixed" || kind === "build.succeeded") {
    return renderBuildNotice(kind, data, link);
  }
  if (kind === "api_token.expiring") {
    const token = str(data, "name") ?? "An API token";
    const days = num(data, "daysLeft") ?? 0;
    const when = str(data, "expiresAt")?.slice(0, 10) ?? "soon";
    return {
      subject: `Keel: your API token "${token}" ends in ${days} day${days === 1 ? "" : "s"}`,
      text: `Your API token "${token}"${str(data, "prefix") ? ` (${str(data, "prefix")}…)` : ""} ends on ${when}. Scripts that use it are refused from then on.\n\nCreate a new token under Settings → API tokens, put it where the script keeps it, then revoke the old one.${link ? `\n\nYour API tokens in Keel: ${link}\n` : "\n"}`,
    };
  }
  if (kind === "build_pool.stranded") {
    const pool = str(data, "pool") ?? "?";
    const waiting = num(data, "waiting") ?? 1;
    const oldest = `${str(data, "profile") ?? "A build"}${num(data, "number") !== null ? ` #${num(data, "number")}` : ""}`;
    return {
      subject: `Keel: builds wait for the build pool "${pool}", and no worker builds for it`,
      text:
        `${waiting} build${waiting === 1 ? "" : "s"} of your organization ha${waiting === 1 ? "s" : "ve"} waited more than 10 minutes for a worker of the build pool "${pool}" (the oldest: ${oldest}, queued ${str(data, "since")?.slice(0, 16).replace("T", " ") ?? "?"} UTC), and no running worker builds for that pool.\n\n` +
        `Start one on a machine that has what these builds need (a Mac with Xcode for iOS): ${poolWorkerCommand(pool)}, with the same DATABASE_URL and KEEL_ENCRYPTION_KEYS as Keel. Or move the profiles to another pool under Edit workflow → Runs on. The queued builds start as soon as a worker of the pool reports.` +
        (link ? `\n\nWorkers and build pools in Keel: ${link}\n` : "\n"),
    };
  }
  if (kind === "profile.paused_long") {
    const profile = str(data, "profile") ?? "A build profile";
    const queued = num(data, "queued") ?? 0;
    const reason = str(data, "reason");
    return {
      subject: `Keel: the builds of "${profile}" have been paused for a day`,
      text:
        `${str(data, "by") ?? "An admin"} paused the builds of "${profile}" on ${str(data, "since")?.slice(0, 16).replace("T", " ") ?? "?"} UTC${reason ? ` ("${reason}")` : ""}, and they are still paused: ` +
        `${queued === 0 ? "no build waits yet" : `${queued} build${queued === 1 ? " waits" : "s wait"}`}, and every push, pull request and schedule adds one that no worker starts.\n\n` +
        `If what they waited for is done, resume them on the profile's page (Resume builds); if the pause is meant to last, nothing needs doing.` +
        (link ? `\n\nThe profile in Keel: ${link}\n` : "\n"),
    };
  }
  if (kind === "tester_device.registered") {
    const who = str(data, "testerName");
    const profile = str(data, "profile") ?? "a build profile";
    const model = str(data, "product");
    return {
      subject: `Keel: ${who ?? "A tester"} registered ${model ? `a device (${model})` : "a device"} for ${profile}`,
      text:
        `${who ?? "A tester"} registered ${model ? `a device (${model})` : "a device"} from a testers' link of “${profile}”: UDID ${str(data, "udid") ?? "?"}.\n\n` +
        `Ad hoc and development builds install only on the devices their provisioning profile lists. If you expect this device, add it in the Apple Developer account (Certificates, Identifiers & Profiles → Devices; the profile's page downloads the list Apple imports), add it to the app's provisioning profile, and build again.` +
        (link ? `\n\nThe profile's testers' devices in Keel: ${link}\n` : "\n"),
    };
  }
  if (kind === "signing_file.expiring") {
    return renderSigningNotice(data, link);
  }
  if (kind === "digest.weekly") {
    return renderWeeklySummary(data, link);
  }
  if (kind === "webhook.failing") {
    const webhook = str(data, "name") ?? "A webhook";
    const what = `${str(data, "event") ?? "A build event"}${str(data, "build") ? ` of ${str(data, "build")}` : ""}`;
    return {
      subject: `Keel: the webhook "${webhook}" is not getting build events`,
      text:
        `Keel gave up sending ${what} to the webhook "${webhook}" (${str(data, "host") ?? "its receiver"}).${str(data, "reason") ? `\n\n${str(data, "reason")}` : ""}\n\n` +
        `Later events are still tried, each in turn. Check the receiver (is it up, does it still accept Keel's signature, did its address change?), then open the webhook and press Redeliver on the deliveries it missed. You hear of this webhook again only after one of its deliveries has got through.` +
        (link ? `\n\nThe webhook's deliveries in Keel: ${link}\n` : "\n"),
    };
  }
  if (kind === "connection.owner_changed") {
    const to = str(data, "toName") ?? "another admin";
    return {
      subject: `Keel: ${to} now owns the connection "${name}"`,
      text: `${to} is now the owner of the connection "${name}"${str(data, "fromName") ? ` (before: ${str(data, "fromName")})` : ""}. It keeps signing in with its current token or identity until the new owner replaces the token or re-authorizes with their own.${footer}`,
    };
  }
  const to = str(data, "to");
  const reason = str(data, "reason");
  return {
    subject: `Keel: "${name}" is now ${label(to)}`,
    text: `The connection "${name}" changed from ${label(str(data, "from")).toLowerCase()} to ${label(to).toLowerCase()}.${reason ? `\n\n${reason}` : ""}\n\n${whatToDo(to, authMethodOf(data))}${footer}`,
  };
}

const buildRefSchema = z.object({ id: z.string(), number: z.number().int() });

/** The week's summary as lib/data/insights.ts `weekSummary` wrote it. */
const weekSummarySchema = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  builds: z.number().int().min(0),
  succeeded: z.number().int().min(0),
  failed: z.number().int().min(0),
  profiles: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      builds: z.number().int().min(0),
      succeeded: z.number().int().min(0),
      failed: z.number().int().min(0),
      medianMs: z.number().nullable(),
      beforeMs: z.number().nullable(),
      branch: z.object({ name: z.string(), breaks: z.number().int().min(0), redMs: z.number().min(0), redAtEnd: z.union([buildRefSchema, z.literal("before"), z.null()]) }).nullable(),
    }),
  ),
  moreProfiles: z.number().int().min(0),
  /** Absent in summaries recorded before it was added. */
  attention: z
    .object({
      connections: z.array(z.object({ name: z.string(), status: z.string(), reason: z.string().nullable() })),
      connectionsTotal: z.number().int().min(0),
      signingFiles: z.array(z.object({ profile: z.string(), what: z.string(), expiresAt: z.iso.datetime() })),
      signingTotal: z.number().int().min(0),
      unused: z.object({ names: z.array(z.string()), total: z.number().int().min(0), days: z.number().int().min(1) }).optional(),
      lostWorkers: z.object({ builds: z.number().int().min(0), hosts: z.array(z.object({ host: z.string().nullable(), builds: z.number().int().min(1) })) }).optional(),
    })
    .optional(),
});

/** The summary's "Needs attention" paragraph: connections and signing files, or nothing when all is well. */
function attentionWords(attention: z.infer<typeof weekSummarySchema>["attention"], now: string): string {
  const unused = attention?.unused ?? { names: [], total: 0, days: 0 };
  const lost = attention?.lostWorkers ?? { builds: 0, hosts: [] };
  if (!attention || (attention.connectionsTotal === 0 && attention.signingTotal === 0 && unused.total === 0 && lost.builds === 0)) {
    return "";
  }
  const lines = [
    ...attention.connections.map((connection) => `    - The connection "${connection.name}": ${label(connection.status).toLowerCase()}.${connection.reason ? ` ${connection.reason}` : ""}`),
    ...(attention.connectionsTotal > attention.connections.length ? [`    - And ${attention.connectionsTotal - attention.connections.length} more connections.`] : []),
    ...attention.signingFiles.map((file) => `    - ${file.profile}: ${file.what} ${file.expiresAt < now ? "ended" : "ends"} on ${file.expiresAt.slice(0, 10)}.`),
    ...(attention.signingTotal > attention.signingFiles.length ? [`    - And ${attention.signingTotal - attention.signingFiles.length} more signing files.`] : []),
    ...(unused.total > 0
      ? [
          `    - No build for ${unused.days} days with ${unused.names.map((name) => `"${name}"`).join(", ")}${unused.total > unused.names.length ? ` and ${unused.total - unused.names.length} more connections` : ""}: if nobody needs ${unused.total === 1 ? "it, delete it" : "them, delete them"} (${unused.total === 1 ? "its token stays" : "their tokens stay"} valid in Azure DevOps until revoked).`,
        ]
      : []),
    ...(lost.builds > 0
      ? [`    - ${lost.builds} ${lost.builds === 1 ? "build" : "builds"} lost ${lost.builds === 1 ? "its" : "their"} worker mid-build${lost.hosts.length > 0 ? `, on ${lostHostsWords(lost.hosts)}` : ""}: Settings → Workers says what to check.`]
      : []),
  ];
  return `\n\nNeeds attention:\n${lines.join("\n")}`;
}

const percentOf = (part: number, whole: number) => `${whole > 0 ? Math.round((100 * part) / whole) : 0} %`;

/** "2 min longer than the week before (8 min)", within 5 % "about as long as the week before" (lib/shared/builds.ts, `durationChange`). */
function weekTrend(thisMs: number, beforeMs: number | null): string {
  const change = durationChange(thisMs, beforeMs);
  return change === null ? "" : change.kind === "same" ? ", about as long as the week before" : `, ${formatDuration(change.deltaMs)} ${change.kind} than the week before (${formatDuration(beforeMs)})`;
}

/** An organization's week of builds, profile by profile (lib/notifications/weekly.ts). */
function renderWeeklySummary(data: Record<string, unknown>, link: string | null): RenderedNotice {
  const parsed = weekSummarySchema.safeParse(data);
  if (!parsed.success) {
    return { subject: "Keel: your week of builds", text: `The summary of the week's builds could not be read.${link ? `\n\nThe build profiles in Keel: ${link}\n` : "\n"}` };
  }
  const week = parsed.data;
  const first = week.from.slice(0, 10);
  const last = new Date(Date.parse(week.to) - 1).toISOString().slice(0, 10);
  const other = week.builds - week.succeeded - week.failed;
  const origin = link ? new URL(link).origin : null;
  const profiles = week.profiles.map((profile) => {
    const took = profile.medianMs === null ? "" : `; a successful build took ${formatDuration(profile.medianMs)} (median)${weekTrend(profile.medianMs, profile.beforeMs)}`;
    const branch = profile.branch;
    const red =
      branch === null
        ? ""
        : branch.breaks === 0 && branch.redMs === 0
          ? ` ${branch.name} stayed green.`
          : ` ${branch.breaks === 0 ? `${branch.name} was red from before the week` : `${branch.name} broke ${branch.breaks === 1 ? "once" : `${branch.breaks} times`}`} and was red for ${formatDuration(branch.redMs)}${
              branch.redAtEnd === null ? "" : `; still red at the week's end${branch.redAtEnd === "before" ? "" : `, since #${branch.redAtEnd.number}`}`
            }.`;
    return `${profile.name}: ${profile.builds} build${profile.builds === 1 ? "" : "s"}, ${percentOf(profile.succeeded, profile.builds)} succeeded${took}.${red}${origin ? `\n    ${origin}/profiles/${profile.id}/insights` : ""}`;
  });
  return {
    subject: `Keel: your week of builds (${first} to ${last}): ${week.builds} build${week.builds === 1 ? "" : "s"}, ${percentOf(week.succeeded, week.builds)} succeeded`,
    text:
      `From Monday ${first} to Sunday ${last} (UTC), ${week.builds} build${week.builds === 1 ? "" : "s"} finished: ${week.succeeded} succeeded, ${week.failed} failed or ran out of time${other > 0 ? `, ${other} canceled or could not run` : ""}.\n\n` +
      profiles.join("\n\n") +
      (week.moreProfiles > 0 ? `\n\nAnd ${week.moreProfiles} more build profile${week.moreProfiles === 1 ? "" : "s"} with builds.` : "") +
      attentionWords(week.attention, week.to) +
      (link ? `\n\nThe build profiles in Keel: ${link}\n\nYou get this because you asked for the week's summary. Turn it off under Account in Keel.\n` : "\n"),
  };
}

/** A notice's stored test news, as lib/shared/tests.ts `testNews` wrote it. */
const testNewsSchema = z.object({ failed: z.number().int().min(1), newCases: z.array(z.string()).max(5), newCount: z.number().int().min(0), older: z.number().int().min(0), flaky: z.number().int().min(0) });

/** A fix's cases passing again, as lib/data/builds.ts stored them (the first five names, and how many more). */
const passingAgainSchema = z.object({ since: z.number().int(), names: z.array(z.string()).min(1).max(5), more: z.number().int().min(0) });

/** A build that failed, that succeeded after the one before it on its branch had not, or (for those who watch every build) that succeeded. */
function renderBuildNotice(kind: "build.failed" | "build.fixed" | "build.succeeded", data: Record<string, unknown>, link: string | null): RenderedNotice {
  const profile = str(data, "profile") ?? "A build profile";
  const number = num(data, "number");
  const build = `${profile}${number !== null ? ` #${number}` : ""}`;
  const pr = num(data, "pullRequestId");
  const branch = str(data, "branch")?.replace(/^refs\/heads\//, "") ?? null;
  const where = pr !== null ? ` (pull request ${pr})` : branch ? ` on ${branch}` : "";
  const commit = str(data, "commitId")?.slice(0, 8) ?? null;
  const message = str(data, "commitMessage");
  const about = commit ? `\n\nCommit ${commit}${message ? `: ${message}` : ""}` : "";
  const footer = link ? `\n\nOpen the build in Keel: ${link}\n` : "\n";
  const off = link ? "\n\nYou get this because you started the build, wrote its commit or watch its build profile. Turn these e-mails off under Account in Keel (or stop watching on the profile's page).\n" : "";
  // What a successful build made: the apps its files hold ("Wallet 2.4.0 (4513)").
  const apps = Array.isArray(data.apps) ? data.apps.filter((app): app is string => typeof app === "string") : [];
  const made = apps.length > 0 ? `\n\nIt made ${apps.join(", ")}.` : "";
  const tookMs = num(data, "tookMs");
  const took = tookMs !== null ? ` in ${formatDuration(tookMs)}` : "";
  if (kind === "build.fixed") {
    // The cases it made pass again, as its Tests card names them.
    const again = passingAgainSchema.safeParse(data.passingAgain);
    const fixedTests = again.success ? `\n\nPassing again since #${again.data.since}: ${again.data.names.join(", ")}${again.data.more > 0 ? ` and ${again.data.more} more` : ""}.` : "";
    return { subject: `Keel: ${build} is fixed${where}`, text: `${build} succeeded${where}${took}: the build before it on this ${pr !== null ? "pull request" : "branch"} had not.${fixedTests}${made}${about}${footer}${off}` };
  }
  if (kind === "build.succeeded") {
    const tag = str(data, "tag");
    return { subject: `Keel: ${build} succeeded${tag ? ` (tag ${tag})` : where}`, text: `${build} succeeded${tag ? ` (tag ${tag})` : where}${took}.${made}${about}${footer}${off}` };
  }
  const status = str(data, "status");
  const how = brokenWords(status ?? "FAILED");
  const reason = str(data, "reason");
  const firstError = str(data, "firstError");
  // The line's own address (the build page marks and scrolls to it), when the e-mail links to Keel.
  const line = num(data, "firstErrorLine");
  const wrong = firstError ? `\n\nWhat went wrong${link && line !== null ? ` (line ${line} of the log: ${link}#L${line})` : ""}:\n    ${firstError}` : "";
  const suspects = suspectsSchema.safeParse(data.suspects);
  const since = suspects.success
    ? `\n\nCommits since #${suspects.data.since}, the last successful build:\n${[...suspects.data.commits.map((commit) => `    - ${suspectWords(commit)}`), ...(moreWords(suspects.data) ? [`    ${moreWords(suspects.data)}`] : [])].join("\n")}`
    : "";
  // Its failed tests, new or failing before it (lib/shared/tests.ts, testNews).
  const news = testNewsSchema.safeParse(data.tests);
  const tests = news.success ? `\n\n${testNewsWords(news.data)}` : "";
  return { subject: `Keel: ${build} ${how}${where}`, text: `${build} ${how}${where}.${reason ? ` ${reason}` : ""}${wrong}${tests}${about}${since}${footer}${off}` };
}

const SIGNING_KINDS = new Set<string>(["provisioning-profile", "certificates", "keystore", "pkcs12", "other"]);

/** A profile's signing file (a provisioning profile, a certificate, a keystore) that ends soon, or has ended. */
function renderSigningNotice(data: Record<string, unknown>, link: string | null): RenderedNotice {
  const variable = str(data, "variable") ?? "?";
  const what = str(data, "what") ?? `The secret file ${str(data, "fileName") ?? variable}`;
  const profile = str(data, "profile") ?? "a build profile";
  const days = num(data, "daysLeft") ?? 0;
  const when = str(data, "expiresAt")?.slice(0, 10) ?? "?";
  const fileKind = str(data, "fileKind");
  const kind = fileKind && SIGNING_KINDS.has(fileKind) ? (fileKind as SigningFacts["kind"]) : null;
  const where = `(${str(data, "fileName") ?? "the file"} in $${variable} of the build profile “${profile}”)`;
  const footer = link ? `\n\nIts secret files in Keel: ${link}\n` : "\n";
  const advice = signingRenewAdvice(kind, variable);
  if (days <= 0) {
    return {
      subject: `Keel: ${what} of ${profile} has expired`,
      text: `${what} ${where} expired on ${when}. Builds of “${profile}” that sign with it fail until it is replaced.\n\n${advice}${footer}`,
    };
  }
  return {
    subject: `Keel: ${what} of ${profile} expires in ${days} day${days === 1 ? "" : "s"}`,
    text: `${what} ${where} expires on ${when} (in ${days} day${days === 1 ? "" : "s"}). Builds of “${profile}” that sign with it fail from then on.\n\n${advice}${footer}`,
  };
}
