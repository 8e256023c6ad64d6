import "server-only";
import { listArtifacts } from "@/lib/data/artifacts";
import { endChange, failureLines, getBuild } from "@/lib/data/builds";
import { openChatHook, recordChatDelivery } from "@/lib/data/chat";
import { db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import type { JobContext } from "@/lib/jobs/define";
import { enqueue } from "@/lib/jobs/enqueue";
import { chatBuildQueue } from "@/lib/jobs/queues";
import { slotJobId } from "@/lib/jobs/schedules";
import { logger } from "@/lib/logger";
import { guardedRequest } from "@/lib/net/guarded-request";
import { publicUrlOf } from "@/lib/oauth/config";
import { outboundPolicyFor } from "@/lib/outbound";
import type { Scope } from "@/lib/scope";
import { appLabel, type AppInfo } from "@/lib/shared/app-info";
import { buildChangesOf, moreWords, suspectsOf, suspectWords } from "@/lib/shared/build-changes";
import { brokenWords, formatDuration } from "@/lib/shared/builds";
import { chatPayload, chatServiceOf, type ChatMessage } from "@/lib/shared/chat";
import { shortBranchName } from "@/lib/shared/names";
import { describeTests, failureName, testSummaryOf } from "@/lib/shared/tests";

// Build results in a Slack or Microsoft Teams channel (lib/builds/README.md, "Chat"): the worker
// asks for the builds.chat job when a build ends; the job decides whether the end is news for the
// channel (a failure or a fix, or every build), posts through the outbound guard, and records how
// it went on the profile's chat card. The URL is opened right before the post and never logged.

const log = logger("notifications.chat");

export class ChatRetry extends Error {}

export type ChatOutcome = { ok: true } | { ok: false; retry: boolean; reason: string };

/** Posts one message to a webhook URL; never throws, never puts the URL (the credential) in a reason. */
export async function postChatMessage(scope: Scope, url: string, message: ChatMessage): Promise<ChatOutcome> {
  const service = chatServiceOf(new URL(url));
  const result = await guardedRequest({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(chatPayload(service, message)),
    policy: await outboundPolicyFor(scope),
    timeouts: { connectMs: 5_000, headersMs: 10_000, totalMs: 15_000 },
    maxResponseBytes: 64 * 1024,
    accept: "any",
  });
  if (!result.ok) {
    const failure = result.failure;
    // A blocked or malformed address will not get better by trying again; the network might.
    const permanent = failure.kind === "blocked" || failure.kind === "invalid_url" || failure.kind === "redirect" || failure.kind === "tls";
    return { ok: false, retry: !permanent, reason: `Keel could not reach ${failure.host || "the webhook"}: ${failure.message}` };
  }
  const status = result.response.status;
  if (status >= 200 && status < 300) {
    return { ok: true };
  }
  if (status === 429 || status >= 500) {
    return { ok: false, retry: true, reason: `The channel's service answered ${status}; Keel tries again.` };
  }
  if (status === 404 || status === 410) {
    return { ok: false, retry: false, reason: `The webhook is gone (${status}): it was removed from the channel, or the URL is wrong. Paste the channel's new webhook URL.` };
  }
  if (status === 401 || status === 403) {
    return { ok: false, retry: false, reason: `The webhook refused Keel (${status}): its owner may have turned it off. Paste a new webhook URL.` };
  }
  return { ok: false, retry: false, reason: `The webhook refused the message (${status}). Check that the URL is an incoming webhook of Slack or Microsoft Teams.` };
}

/** Asks a worker to tell the profile's channel about a finished build; best effort, never throws. */
export async function requestChatMessage(scope: Scope, buildId: string): Promise<void> {
  try {
    const hooked = await db.profileChatHook.count({ where: { organizationId: scope.organizationId, profile: { builds: { some: { id: buildId } } } } });
    if (hooked === 0) {
      return;
    }
    await enqueue(chatBuildQueue, { buildId }, { scope, id: slotJobId(`builds.chat:${buildId}`, new Date(0)) });
  } catch (error) {
    log.warn({ err: error, buildId }, "could not queue the build's chat message");
  }
}

const ICONS: Record<string, string> = { SUCCEEDED: "✅", FAILED: "❌", TIMED_OUT: "⏱️", ERROR: "⚠️", CANCELED: "⏹️" };

/** The message about a finished build. */
export function buildChatMessage(
  build: {
    id: string;
    number: number;
    status: string;
    statusReason: string | null;
    branch: string | null;
    pullRequestId: number | null;
    commitId: string;
    commitMessage: string | null;
    commitAuthor: string | null;
    startedAt: Date | null;
    finishedAt: Date | null;
    testSummary?: unknown;
    changes?: unknown;
  },
  profileName: string,
  change: "build.failed" | "build.fixed" | null,
  /** The first line of "What went wrong", when one looks like an error, and its number in the log (the link goes to it). */
  firstError: { text: string; line: number } | null = null,
  /** The apps a successful build kept (what the channel is waiting for: "Wallet 2.4.0 (4513)"). */
  apps: AppInfo[] = [],
): ChatMessage {
  const where = build.pullRequestId !== null ? `pull request ${build.pullRequestId}` : build.branch ? shortBranchName(build.branch) : `commit ${build.commitId.slice(0, 8)}`;
  const took = build.startedAt && build.finishedAt ? ` in ${formatDuration(build.finishedAt.getTime() - build.startedAt.getTime())}` : "";
  const how = change === "build.fixed" ? `is fixed${took}` : build.status === "SUCCEEDED" ? `succeeded${took}` : brokenWords(build.status);
  const tests = testSummaryOf(build.testSummary);
  // What is new in it (for a broken build, the likely causes): the commits since its line's last good build.
  const suspects = build.status !== "CANCELED" ? suspectsOf(buildChangesOf(build.changes), 3) : null;
  const lines = [
    ...(build.status !== "SUCCEEDED" && build.statusReason ? [build.statusReason] : []),
    ...(firstError ? [firstError.text.slice(0, 300)] : []),
    ...(tests ? [`${describeTests(tests)}${tests.failures[0] ? ` — first: ${failureName(tests.failures[0])}` : ""}`] : []),
    ...(build.status === "SUCCEEDED" && apps.length > 0 ? [`Built ${apps.slice(0, 3).map((app) => appLabel(app)).join(", ")}${apps.length > 3 ? ` and ${apps.length - 3} more` : ""}`] : []),
    `${where} · ${build.commitId.slice(0, 8)}${build.commitMessage ? ` ${build.commitMessage.split("\n")[0]!.slice(0, 120)}` : ""}${build.commitAuthor ? ` (${build.commitAuthor})` : ""}`,
    ...(suspects ? [`Since #${suspects.since}: ${[...suspects.commits.map((commit) => suspectWords(commit).slice(0, 120)), ...(moreWords(suspects) ? [moreWords(suspects)] : [])].join("; ")}`] : []),
  ];
  return { title: `${ICONS[build.status] ?? ""} ${profileName} #${build.number} ${how}`.trim(), lines, link: { label: "Open the build in Keel", url: `${publicUrlOf(getEnv())}/builds/${build.id}${firstError ? `#L${firstError.line}` : ""}` } };
}

/** The builds.chat job. */
export async function chatBuildJob(payload: { buildId: string }, context: JobContext<"organization">): Promise<void> {
  const scope = context.scope;
  const build = await getBuild(scope, payload.buildId);
  if (!build || build.finishedAt === null) {
    return;
  }
  const hook = await openChatHook(scope, build.profileId);
  if (!hook) {
    return;
  }
  const change = await endChange(db, { profileId: build.profileId, number: build.number, branch: build.branch, pullRequestId: build.pullRequestId }, build.status);
  if (!(change || (hook.notify === "all" && build.status !== "CANCELED"))) {
    return;
  }
  const failure = build.status === "FAILED" || build.status === "TIMED_OUT" ? await failureLines(scope, build.id) : null;
  const apps = build.status === "SUCCEEDED" ? (await listArtifacts(scope, build.id)).artifacts.flatMap((artifact) => (artifact.app ? [artifact.app] : [])) : [];
  const outcome = await postChatMessage(scope, hook.url, buildChatMessage(build, build.profile.name, change, failure?.matched && failure.lines[0] ? { text: failure.lines[0].text, line: failure.lines[0].seq + 1 } : null, apps));
  if (outcome.ok) {
    await recordChatDelivery(scope, build.profileId, null);
    return;
  }
  await recordChatDelivery(scope, build.profileId, `${build.profile.name} #${build.number}: ${outcome.reason}`);
  if (outcome.retry) {
    throw new ChatRetry(outcome.reason);
  }
}
