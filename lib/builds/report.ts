import "server-only";
import type { AzureDevOpsClient } from "@/lib/azure-devops/client";
import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import type { GitStatusState } from "@/lib/azure-devops/types";
import { noteUseFailure } from "@/lib/connections/health";
import { failureLines, getPullRequestComment, hasPullRequestIterationBuild, markReportFailed, markReportSent, pendingReports, savePullRequestComment, failureHistoriesOf, type ReportTarget } from "@/lib/data/builds";
import { getConnection } from "@/lib/data/connections";
import { getProfile, getProfileTriggers } from "@/lib/data/profiles";
import { commentsStartBuilds } from "@/lib/shared/triggers";
import { getEnv } from "@/lib/env";
import type { JobContext } from "@/lib/jobs/define";
import { reportBuildQueue } from "@/lib/jobs/queues";
import { logger } from "@/lib/logger";
import { publicUrlOf } from "@/lib/oauth/config";
import { clientForConnection, problemFromError } from "@/lib/repositories/connection-client";
import { buildStatusLabel, formatDuration } from "@/lib/shared/builds";
import { unexpectedProblem, type PickerProblem } from "@/lib/shared/problems";
import type { FailureLine } from "@/lib/shared/log-errors";
import { formatSize, shortBranchName } from "@/lib/shared/names";
import { describeTests, failureName, historyLabel, testSummaryOf, type FailureHistory } from "@/lib/shared/tests";
import { latestPullRequestIteration } from "./service";

// The builds.report job: sends a build's report intents (commit status, PR status, PR
// comment) to Azure DevOps in order (lib/builds/README.md, "Reporting"). An intent is sent
// once: its row turns SENT after Azure DevOps accepted it. A failure records the doctor's
// finding on the intent and fails the job, so the engine retries it with backoff; the build
// itself is never touched by a failure to report.

const log = logger("builds.report");

/** Keel's commit-status context: genre `keel`, name = the profile. */
export const STATUS_GENRE = "keel";
/** The thread property that marks the PR thread a profile keeps (found again if Keel forgot its ids). */
export const THREAD_PROPERTY = "Keel.BuildProfileId";

/** The Azure DevOps status state of a build status. */
export function statusState(status: string): GitStatusState {
  switch (status) {
    case "QUEUED":
    case "RUNNING":
      return "pending";
    case "SUCCEEDED":
      return "succeeded";
    case "FAILED":
    case "TIMED_OUT":
      return "failed";
    default:
      // CANCELED and ERROR: the check did not complete; neither says the code is wrong.
      return "error";
  }
}

/** The status a pull request from a fork shows while its build waits for a person. */
export const FORK_WAITING_DESCRIPTION = "Waiting: a pull request from a fork is built once someone who read it starts its build in Keel";
/** The same, for a profile that lets members start it with a comment (lib/hooks/README.md, "Comments"). */
export const FORK_WAITING_COMMENT_DESCRIPTION = "Waiting: a pull request from a fork is built once a Keel member who read it comments /keel build, or starts its build in Keel";

/**
 * The builds.fork-waiting job: tells a pull request from a fork that its build waits for a person
 * (lib/hooks/README.md, "Pull requests from forks") — a pending status in the profile's context on
 * its newest iteration, linking the profile's page with Start build set to it, so reviewers see
 * why no build ran and where to start one. A build of that iteration (someone started it
 * meanwhile) is not covered over; a build started later replaces it (same context). A refusal is
 * retried a few times, then logged: the pull request only lacks the hint.
 */
export async function reportForkWaitingJob(payload: { profileId: string; pullRequestId: number; sourceCommit: string }, context: JobContext<"organization">): Promise<void> {
  const { scope } = context;
  const profile = await getProfile(scope, payload.profileId);
  const connection = profile?.connection ?? null;
  if (!profile || !connection) {
    return;
  }
  const triggers = await getProfileTriggers(scope, profile.id);
  try {
    const { client } = await clientForConnection(scope, connection, { signal: context.signal });
    const iteration = await latestPullRequestIteration(client, profile.projectId, profile.repositoryId, payload.pullRequestId);
    if (await hasPullRequestIterationBuild(scope, profile.id, payload.pullRequestId, iteration)) {
      return;
    }
    await client.createPullRequestStatus(profile.projectId, profile.repositoryId, payload.pullRequestId, {
      state: "pending",
      description: triggers && commentsStartBuilds(triggers) ? FORK_WAITING_COMMENT_DESCRIPTION : FORK_WAITING_DESCRIPTION,
      targetUrl: `${publicUrlOf(getEnv())}/profiles/${profile.id}?pullRequest=${payload.pullRequestId}#start-build`,
      context: { genre: STATUS_GENRE, name: profile.name },
      iterationId: iteration,
    });
  } catch (error) {
    log.warn({ profileId: profile.id, pullRequestId: payload.pullRequestId, attempt: context.retryCount + 1, finding: problemFromError(error, connection)?.id ?? "unexpected" }, "telling a pull request from a fork that it waits failed");
    throw error;
  }
}

/** The build page's public address (KEEL_PUBLIC_URL). */
export function buildUrl(buildId: string): string {
  return `${publicUrlOf(getEnv())}/builds/${buildId}`;
}

function describe(target: ReportTarget, status: string): string {
  const { build } = target;
  const took = build.startedAt && build.finishedAt ? ` in ${formatDuration(build.finishedAt.getTime() - build.startedAt.getTime())}` : "";
  switch (status) {
    case "QUEUED":
      // Queued while an admin paused the profile: the pull request's author learns why it does not start.
      return target.profile.pausedAt
        ? `Keel build #${build.number} is queued: an admin paused this profile's builds${target.profile.pauseReason ? ` (${target.profile.pauseReason})` : ""}; it starts once they are resumed`.slice(0, 250)
        : `Keel build #${build.number} is queued`;
    case "RUNNING":
      return `Keel build #${build.number} is running`;
    case "SUCCEEDED":
      return `Keel build #${build.number} succeeded${took}`;
    default:
      return `Keel build #${build.number}: ${buildStatusLabel(status).toLowerCase()}${build.statusReason ? ` — ${build.statusReason}` : ""}`.slice(0, 250);
  }
}

const ICONS: Record<string, string> = { SUCCEEDED: "✅", FAILED: "❌", TIMED_OUT: "⏱️", CANCELED: "⏹️", ERROR: "⚠️" };

/**
 * The PR thread comment for a finished build (Markdown); `histories` (one per stored failure,
 * lib/shared/tests.ts) mark each named failed case new, failing on the target branch too, older
 * or flaky — what a reviewer asks first.
 */
export function commentText(target: Pick<ReportTarget, "build" | "profile" | "artifacts" | "artifactCount">, status: string, failure: FailureLine[] = [], histories: FailureHistory[] = []): string {
  const { build, profile } = target;
  // What went wrong, as the build page shows it: the first lines, so the author can start fixing without opening Keel.
  const why = failure.slice(0, 3).map((line) => line.text.slice(0, 300).replace(/`{3,}/g, "``"));
  // …and a link to the first of them in the log, where the lines around it say the rest.
  const wrong = why.length > 0 ? ["", "```text", ...why, "```", "", `[See it in the log](${buildUrl(build.id)}#L${failure[0]!.seq + 1})`] : [];
  const took = build.startedAt && build.finishedAt ? formatDuration(build.finishedAt.getTime() - build.startedAt.getTime()) : null;
  // Reviewers of a mobile pull request install its app: name what the build kept, linked to where it downloads.
  const more = target.artifactCount - target.artifacts.length;
  const artifacts =
    target.artifactCount > 0
      ? [
          "",
          `Artifacts: ${target.artifacts.map((artifact) => `\`${artifact.path.replace(/`/g, "'")}\` (${formatSize(artifact.size)})`).join(", ")}${more > 0 ? ` and ${more} more` : ""} — [download them in Keel](${buildUrl(build.id)}#artifacts)`,
        ]
      : [];
  const summary = testSummaryOf(build.testSummary);
  const targetName = build.targetRef ? shortBranchName(build.targetRef) : null;
  const failedNames = summary
    ? summary.failures.slice(0, 3).map((failure, index) => {
        const label = historyLabel(histories[index], targetName);
        return `\`${failureName(failure).replace(/`/g, "'")}\`${label ? ` (${label.charAt(0).toLowerCase()}${label.slice(1)})` : ""}`;
      })
    : [];
  const tests = summary
    ? [
        "",
        `Tests: ${describeTests(summary)}${failedNames.length > 0 ? ` — ${failedNames.join(", ")}${summary.failed > failedNames.length ? ` and ${summary.failed - failedNames.length} more` : ""}` : ""} — [see them in Keel](${buildUrl(build.id)}#tests)`,
      ]
    : [];
  return [
    `${ICONS[status] ?? ""} **${profile.name}**: Keel build #${build.number} ${buildStatusLabel(status).toLowerCase()}${took ? ` in ${took}` : ""}.`.trim(),
    "",
    `Commit \`${build.commitId.slice(0, 8)}\`${build.statusReason && status !== "SUCCEEDED" ? ` — ${build.statusReason}` : ""}`,
    ...wrong,
    ...tests,
    ...artifacts,
    "",
    `[Open the build in Keel](${buildUrl(build.id)})`,
    "",
    "_Keel updates this comment when the profile builds this pull request again._",
  ].join("\n");
}

async function sendComment(client: AzureDevOpsClient, context: JobContext<"organization">, target: ReportTarget, status: string): Promise<Record<string, number>> {
  const { build, profile } = target;
  const pullRequestId = build.pullRequestId!;
  const failure = status === "FAILED" || status === "TIMED_OUT" ? await failureLines(context.scope, build.id) : null;
  const histories = await failureHistoriesOf(context.scope, { ...build, profileId: profile.id });
  const content = commentText(target, status, failure?.matched ? failure.lines : [], histories);
  const known = await getPullRequestComment(context.scope, profile.id, pullRequestId);
  let ids = known;
  if (!ids) {
    // Keel may have made the thread and crashed before remembering it: look before creating.
    const threads = await client.listPullRequestThreads(profile.projectId, profile.repositoryId, pullRequestId);
    const mine = threads.find((thread) => !thread.isDeleted && thread.properties?.[THREAD_PROPERTY]?.$value === profile.id && thread.comments.some((comment) => !comment.isDeleted));
    const comment = mine?.comments.find((item) => !item.isDeleted);
    if (mine && comment) {
      ids = { threadId: mine.id, commentId: comment.id };
    }
  }
  if (ids) {
    try {
      await client.updatePullRequestComment(profile.projectId, profile.repositoryId, pullRequestId, ids.threadId, ids.commentId, content);
      await savePullRequestComment(context.scope, profile.id, pullRequestId, ids);
      return { threadId: ids.threadId, commentId: ids.commentId };
    } catch (error) {
      // Deleted by someone, or written by another identity (the connection changed): a new thread.
      if (!isAzureDevOpsError(error, "not_found") && !isAzureDevOpsError(error, "bad_request") && !isAzureDevOpsError(error, "forbidden")) {
        throw error;
      }
    }
  }
  const thread = await client.createPullRequestThread(profile.projectId, profile.repositoryId, pullRequestId, { content, status: "closed", properties: { [THREAD_PROPERTY]: profile.id } });
  const commentId = thread.comments[0]?.id ?? 1;
  await savePullRequestComment(context.scope, profile.id, pullRequestId, { threadId: thread.id, commentId });
  return { threadId: thread.id, commentId };
}

/**
 * Keel's PAT scopes (Code Read and Status) let it post statuses but not comment: a TF400813
 * naming the token's user on the threads route means the scope is missing, not that the user
 * left the organization (the statuses before it went through with the same token).
 */
function refusedForScope(error: unknown): boolean {
  return isAzureDevOpsError(error, "missing_scope") || (isAzureDevOpsError(error, "unauthorized") && error.reason.kind === "unauthorized" && error.reason.userId !== undefined);
}

const THREADS_SCOPE_MISSING: PickerProblem = {
  id: "missing_scope_threads",
  title: "The connection's token may not comment on pull requests",
  detail: "Keel posted the build's statuses, but Azure DevOps refused the pull-request comment: the token lacks PR threads (Read & write).",
  fix: [
    "Create a Personal Access Token with Code (Read, Status) and Pull Request Threads (Read & write) — or Code (Read & write) — and enter it on the connection's page.",
    "Keel keeps retrying for a while; later builds comment as usual.",
  ],
};

/** The handler of the builds.report queue. */
export async function reportBuildJob(payload: { buildId: string }, context: JobContext<"organization">): Promise<void> {
  const { scope } = context;
  const target = await pendingReports(scope, payload.buildId);
  if (!target || target.reports.length === 0) {
    return;
  }
  const final = context.retryCount >= reportBuildQueue.retry.limit;
  const fail = async (reportId: string, finding: PickerProblem, error: unknown): Promise<never> => {
    // The intent that failed carries the finding; later ones wait behind it (order matters).
    await markReportFailed(scope, reportId, finding, final);
    throw error instanceof Error ? error : new Error(String(error));
  };
  const connection = target.profile.connectionId ? await getConnection(scope, target.profile.connectionId) : null;
  if (!connection) {
    const finding: PickerProblem = {
      id: "connection_missing",
      title: "The build profile has no connection to Azure DevOps",
      detail: "Keel cannot tell Azure DevOps about this build.",
      fix: ["An admin connects the repository again; later builds report as usual."],
    };
    for (const report of target.reports) {
      await markReportFailed(scope, report.id, finding, true);
    }
    return;
  }
  let client: AzureDevOpsClient;
  try {
    ({ client } = await clientForConnection(scope, connection, { signal: context.signal }));
  } catch (error) {
    return fail(target.reports[0]!.id, problemFromError(error, connection) ?? unexpectedProblem("Reporting to Azure DevOps"), error);
  }
  const { build, profile } = target;
  for (const report of target.reports) {
    const status = {
      state: statusState(report.buildStatus),
      description: describe(target, report.buildStatus),
      targetUrl: buildUrl(build.id),
      context: { genre: STATUS_GENRE, name: profile.name },
    };
    try {
      let remote: Record<string, unknown>;
      if (report.kind === "COMMIT_STATUS") {
        const posted = await client.createCommitStatus(profile.projectId, profile.repositoryId, build.commitId, status);
        remote = { statusId: posted.id ?? null, state: status.state };
      } else if (report.kind === "PR_STATUS") {
        const posted = await client.createPullRequestStatus(profile.projectId, profile.repositoryId, build.pullRequestId!, {
          ...status,
          ...(build.pullRequestIteration ? { iterationId: build.pullRequestIteration } : {}),
        });
        remote = { statusId: posted.id ?? null, state: status.state, pullRequestId: build.pullRequestId };
      } else {
        remote = { ...(await sendComment(client, context, target, report.buildStatus)), pullRequestId: build.pullRequestId };
      }
      await markReportSent(scope, report.id, remote as Record<string, string | number | null>);
    } catch (error) {
      const problem = report.kind === "PR_COMMENT" && refusedForScope(error) ? THREADS_SCOPE_MISSING : problemFromError(error, connection);
      await noteUseFailure(scope, connection, problem);
      log.warn({ buildId: build.id, report: report.kind, attempt: context.retryCount + 1, finding: problem?.id ?? "unexpected" }, "reporting to Azure DevOps failed");
      return fail(report.id, problem ?? unexpectedProblem("Reporting to Azure DevOps"), error);
    }
  }
}
