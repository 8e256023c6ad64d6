import "server-only";
import { secretsDecision } from "@/lib/shared/secret-refs";
import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import { CANCEL_QUEUED_MAX, createBuild, findBuildByIdempotencyKey, getBuild, getWorkflow, markRunNext, queuedBuildIds, requestCancel, secretVariableNames, supersededBuilds, type BuildView } from "@/lib/data/builds";
import { getProfile, getProfileTriggers } from "@/lib/data/profiles";
import { AppError } from "@/lib/errors";
import { enqueue, raiseJobPriority } from "@/lib/jobs/enqueue";
import { buildQueueFor, RUN_NEXT_PRIORITY } from "@/lib/jobs/queues";
import { logger } from "@/lib/logger";
import { can, refusalOf } from "@/lib/policy";
import type { AzureDevOpsClient } from "@/lib/azure-devops/client";
import { clientForConnection } from "@/lib/repositories/connection-client";
import type { Scope } from "@/lib/scope";
import { buildParametersOf, buildParametersProblem, type BuildParameter } from "@/lib/shared/build-parameters";
import { fullBranchRef, shortBranchName } from "@/lib/shared/names";
import { supersedeOf, type SupersedeMode } from "@/lib/shared/triggers";
import { requestReport } from "./report-queue";

// Starting and canceling builds: the one service every entry point uses — the profile page's
// "Start build", Rebuild, and (issue 14) service hooks and polling. Contract in README.md.

const log = logger("builds.service");

export type BuildTrigger = "MANUAL" | "PUSH" | "PULL_REQUEST" | "POLL" | "SCHEDULE" | "API" | "TAG" | "AFTER_BUILD" | "COMMENT";

export type StartBuildInput = {
  profileId: string;
  /** A full 40-hex commit id. With `branch` too, the commit is built and the branch recorded. */
  commit?: string;
  /** A branch name (`main` or `refs/heads/main`); without `commit`, its tip now is built. */
  branch?: string;
  /** A tag (`v2.4.0` or `refs/tags/v2.4.0`): a tag build (no branch) of `commit`, or without it of the commit the tag names now. */
  tag?: string;
  trigger: BuildTrigger;
  /** A pull-request build: reports a PR status and, when it ends, the profile's one PR comment. */
  pullRequest?: { id: number; iteration: number; sourceRef: string; targetRef: string };
  /**
   * Someone asked for a pull request by its number ("Start build"): Keel reads it from Azure
   * DevOps and builds its current merge commit as a pull-request build (instead of commit and branch).
   */
  pullRequestNumber?: number;
  /**
   * Variables for this build only (Start build, the token API, Rebuild): on top of the
   * workflow's; never a name the workflow keeps a secret or a secret file under.
   */
  parameters?: BuildParameter[];
  /** Unique per organization: the same key returns the same build (a double click, a redelivered hook). */
  idempotencyKey: string;
  /**
   * A pull request from a fork that its profile builds by itself without its secrets (service
   * hooks and polling: lib/hooks/process.ts, forkWaits), and a rebuild of such a build. Start build never withholds them.
   */
  withholdSecrets?: boolean;
  /** Start build's "without caches": restore none, and let this build's cache replace its branch's (a cache that breaks builds). */
  skipCaches?: boolean;
  /** An AFTER_BUILD build: the other profile's successful build that started it (lib/builds/after.ts). */
  upstreamBuildId?: string;
};

export type StartedBuild = { build: BuildView; created: boolean };

/**
 * Queues a build of a profile and returns it; idempotent on `idempotencyKey`. Without commit
 * and branch it builds the profile's default branch. Asks Azure DevOps for the commit (or the
 * branch's tip) first, so a build always names an existing 40-hex commit.
 *
 * Throws AppError: FORBIDDEN (the scope may not start builds), NOT_FOUND (no such profile),
 * CONFLICT (the profile has no connection any more), INVALID_INPUT with `details.field`
 * "branch" or "commit" (not in the repository); Azure DevOps failures as thrown by the client
 * (map them with `problemFromError` of lib/repositories/connection-client.ts).
 */
export async function startBuild(scope: Scope, input: StartBuildInput): Promise<StartedBuild> {
  if (!can(scope, "build.start")) {
    throw new AppError("FORBIDDEN", refusalOf("build.start"));
  }
  const earlier = await findBuildByIdempotencyKey(scope, input.idempotencyKey);
  if (earlier) {
    return { build: (await getBuild(scope, earlier.id))!, created: false };
  }
  const profile = await getProfile(scope, input.profileId);
  if (!profile) {
    throw new AppError("NOT_FOUND", "That build profile does not exist in your organization.");
  }
  const connection = profile.connection ?? null;
  if (!connection) {
    throw new AppError("CONFLICT", `The build profile “${profile.name}” has no connection to Azure DevOps any more, so Keel cannot fetch its code. An admin connects its repository again.`);
  }
  const parameters = input.parameters ?? [];
  if (parameters.length > 0) {
    const problem = buildParametersProblem(parameters);
    if (problem) {
      throw new AppError("INVALID_INPUT", `Variables for this build: ${problem}.`, { details: { field: "parameters" } });
    }
    const secrets = await secretVariableNames(scope, profile.id);
    const taken = parameters.filter((parameter) => secrets.has(parameter.name)).map((parameter) => parameter.name);
    if (taken.length > 0) {
      throw new AppError("INVALID_INPUT", `Variables for this build: ${taken.join(", ")} ${taken.length === 1 ? "is a secret" : "are secrets"} of the workflow, which only admins change (Edit workflow).`, { details: { field: "parameters" } });
    }
  }
  const { client } = await clientForConnection(scope, connection);
  const asked = input.pullRequestNumber !== undefined ? await activePullRequest(client, profile, input.pullRequestNumber) : null;
  const pullRequest = asked?.pullRequest ?? input.pullRequest;
  const tag = input.tag ? input.tag.replace(/^refs\/tags\//, "") : null;
  let branch = tag ? null : input.branch ? fullBranchRef(input.branch) : pullRequest ? pullRequest.sourceRef : null;
  let commitId = asked?.commit ?? input.commit?.toLowerCase() ?? (tag ? await taggedCommit(client, profile, tag) : null);
  if (commitId !== null && !/^[0-9a-f]{40}$/.test(commitId)) {
    throw new AppError("INVALID_INPUT", "Commit must be a full commit id: 40 hexadecimal characters.", { details: { field: "commit" } });
  }
  if (commitId === null) {
    branch ??= profile.defaultBranch;
    if (!branch) {
      throw new AppError("INVALID_INPUT", "The repository has no branch yet: push a first commit, then build.", { details: { field: "branch" } });
    }
    const page = await client.listRefsPage(profile.projectId, profile.repositoryId, { filter: branch.replace(/^refs\//, ""), top: 100 });
    const ref = page.items.find((item) => item.name === branch);
    if (!ref) {
      throw new AppError("INVALID_INPUT", `The repository has no branch “${shortBranchName(branch)}” (it may have been deleted). Choose another one.`, { details: { field: "branch" } });
    }
    commitId = ref.objectId.toLowerCase();
  }
  let commit;
  try {
    commit = await client.getCommit(profile.projectId, profile.repositoryId, commitId);
  } catch (error) {
    if (isAzureDevOpsError(error, "not_found")) {
      throw new AppError("INVALID_INPUT", `The repository has no commit ${commitId}. Check the id (it must be a commit of ${profile.repositoryName}).`, { details: { field: "commit" } });
    }
    throw error;
  }
  const workflow = await getWorkflow(scope, profile.id);
  // A fork's pull request built by itself never gets them; otherwise the profile says which builds do.
  const refs = secretsDecision(workflow!.secretRefs, { branch, tag, pullRequest: Boolean(pullRequest) }, profile.defaultBranch);
  const secretsWithheld = input.withholdSecrets ? ({ for: "FORK", why: null } as const) : refs.withhold ? ({ for: "REF", why: refs.because } as const) : null;
  const created = await createBuild(scope, {
    profileId: profile.id,
    trigger: input.trigger,
    idempotencyKey: input.idempotencyKey,
    commitId,
    branch,
    tag,
    parameters,
    commitMessage: commit.comment?.split("\n")[0]?.slice(0, 500) ?? null,
    commitAuthor: commit.author?.name ?? null,
    commitAuthorEmail: commit.author?.email?.slice(0, 320) ?? null,
    pullRequest,
    // Steps from the commit's file are read by the worker once it has fetched the commit.
    steps: workflow!.workflowFile ? [] : workflow!.steps,
    workflowFile: workflow!.workflowFile,
    timeoutSeconds: workflow!.timeoutMinutes * 60,
    fetchSubmodules: workflow!.fetchSubmodules,
    fetchLfs: workflow!.fetchLfs,
    artifactPatterns: workflow!.artifacts,
    cachePaths: workflow!.cachePaths,
    cacheKeyFiles: workflow!.cacheKeyFiles,
    pool: workflow!.pool,
    secretsWithheld,
    skipCaches: input.skipCaches === true,
    ...(input.upstreamBuildId ? { upstreamBuildId: input.upstreamBuildId } : {}),
  });
  if (created.created) {
    await queueRun(scope, created.id, workflow!.pool);
    await requestReport(scope, created.id);
  }
  const build = (await getBuild(scope, created.id))!;
  if (created.created && (input.trigger === "PUSH" || input.trigger === "PULL_REQUEST" || input.trigger === "POLL")) {
    const triggers = await getProfileTriggers(scope, profile.id);
    await supersedeOlder(scope, build, triggers ? supersedeOf(triggers) : "off");
  }
  return { build, created: created.created };
}

/**
 * The commit a tag names now: an annotated tag's `peeledObjectId` (Azure DevOps gives it only
 * with peelTags), a lightweight tag's own object. INVALID_INPUT on `tag` when there is no such tag.
 */
async function taggedCommit(client: AzureDevOpsClient, profile: { projectId: string; repositoryId: string }, tag: string): Promise<string> {
  const page = await client.listRefsPage(profile.projectId, profile.repositoryId, { filter: `tags/${tag}`, top: 100, peelTags: true });
  const ref = page.items.find((item) => item.name === `refs/tags/${tag}`);
  if (!ref) {
    throw new AppError("INVALID_INPUT", `The repository has no tag “${tag}” (it may have been deleted). Check its name in Azure DevOps.`, { details: { field: "tag" } });
  }
  return (ref.peeledObjectId ?? ref.objectId).toLowerCase();
}

/** The pull request's latest iteration (what its statuses are posted on). */
export async function latestPullRequestIteration(client: AzureDevOpsClient, projectId: string, repositoryId: string, pullRequestId: number): Promise<number> {
  const iterations = await client.listPullRequestIterations(projectId || repositoryId, repositoryId, pullRequestId);
  return iterations.reduce((max, item) => Math.max(max, item.id), 1);
}

/**
 * A pull request someone asked to build by its number: it must be one of the profile's
 * repository, active, and mergeable (Azure DevOps has a merge commit for it) — each refusal
 * names the field and what to do. Its merge commit is what hooks would build.
 */
async function activePullRequest(client: AzureDevOpsClient, profile: { projectId: string; repositoryId: string; repositoryName: string }, number: number): Promise<{ commit: string; pullRequest: NonNullable<StartBuildInput["pullRequest"]> }> {
  let pr;
  try {
    pr = await client.getPullRequest(profile.projectId, profile.repositoryId, number);
  } catch (error) {
    if (isAzureDevOpsError(error, "not_found")) {
      throw new AppError("INVALID_INPUT", `${profile.repositoryName} has no pull request ${number}. Check the number (Azure DevOps shows it as !${number}).`, { details: { field: "pullRequest" } });
    }
    throw error;
  }
  if (pr.repository?.id !== undefined && pr.repository.id.toLowerCase() !== profile.repositoryId.toLowerCase()) {
    throw new AppError("INVALID_INPUT", `Pull request ${number} belongs to another repository, not ${profile.repositoryName}.`, { details: { field: "pullRequest" } });
  }
  if (pr.status !== undefined && pr.status !== "active") {
    throw new AppError("INVALID_INPUT", `Pull request ${number} is ${pr.status}: Keel builds active pull requests only. Build its branch or commit instead.`, { details: { field: "pullRequest" } });
  }
  if (!pr.lastMergeCommit) {
    throw new AppError("INVALID_INPUT", `Azure DevOps has no merge commit for pull request ${number} (merge status ${pr.mergeStatus ?? "unknown"}): resolve its conflicts with ${shortBranchName(pr.targetRefName)}, then build it again.`, {
      details: { field: "pullRequest" },
    });
  }
  return {
    commit: pr.lastMergeCommit.commitId.toLowerCase(),
    pullRequest: { id: pr.pullRequestId, iteration: await latestPullRequestIteration(client, profile.projectId, profile.repositoryId, pr.pullRequestId), sourceRef: pr.sourceRefName, targetRef: pr.targetRefName },
  };
}

/**
 * Rolling builds (lib/builds/README.md, "Superseded builds"): a new push or pull-request build
 * cancels the profile's older ones of the same branch or pull request, as its triggers say. A
 * build someone started by hand, or a scheduled one, is never canceled this way.
 */
async function supersedeOlder(scope: Scope, build: BuildView, mode: SupersedeMode): Promise<void> {
  if (mode === "off") {
    return;
  }
  const what = build.pullRequestId !== null ? `pull request ${build.pullRequestId}` : build.branch ? shortBranchName(build.branch) : "this branch";
  await cancelSuperseded(scope, await supersededBuilds(scope, build, mode === "running"), `Superseded by #${build.number}, a newer commit of ${what}.`);
}

/** Cancels each build (as Cancel does, reported to Azure DevOps) with `reason`; returns the numbers it canceled. A failure is logged, never thrown. */
async function cancelSuperseded(scope: Scope, builds: ReadonlyArray<{ id: string; number: number }>, reason: string): Promise<number[]> {
  const canceled: number[] = [];
  for (const older of builds) {
    try {
      const result = await requestCancel(scope, older.id, reason);
      if (!result.alreadyFinal && result.status === "CANCELED") {
        canceled.push(older.number);
        await requestReport(scope, older.id);
      }
    } catch (error) {
      // Whatever superseded them goes on whatever happens to the old ones.
      log.warn({ err: error, buildId: older.id }, "could not cancel a superseded build");
    }
  }
  return canceled;
}

/**
 * A pull request that was completed or abandoned (lib/hooks/README.md, "Triggers"): its builds of
 * the profile still waiting — and running, when the profile cancels those too — are canceled
 * under the profile's "newer commit" setting, since nothing will read their outcome. `how` says
 * what happened to it ("was abandoned"). Returns the numbers canceled; none when the setting is off.
 */
export async function cancelClosedPullRequestBuilds(scope: Scope, profileId: string, mode: SupersedeMode, pullRequestId: number, how: string): Promise<number[]> {
  if (mode === "off") {
    return [];
  }
  const open = await supersededBuilds(scope, { profileId, number: null, branch: null, pullRequestId }, mode === "running");
  return cancelSuperseded(scope, open, `Pull request ${pullRequestId} ${how}: nothing will read this build's outcome.`);
}

/** Sends the build's job to its pool's queue (its id is the build's: sending twice queues it once). */
async function queueRun(scope: Scope, buildId: string, pool: string): Promise<void> {
  try {
    await enqueue(buildQueueFor(pool), { buildId }, { scope, id: buildId });
  } catch (error) {
    // The build row is there, QUEUED: the sweeper sends its job again within a minute.
    log.warn({ err: error, buildId }, "could not queue the build's job (the sweeper will)");
  }
}

/**
 * "Run next" (admins): moves a queued build to the front of its pool's queue — its place and
 * estimate at once, and its job's priority, so the next free worker of the pool takes it. A job
 * momentarily held by a worker (a deferred claim) keeps its old priority; its place still shows first.
 */
export async function runBuildNext(scope: Scope, buildId: string): Promise<{ changed: boolean }> {
  const { changed, pool } = await markRunNext(scope, buildId);
  const raised = await raiseJobPriority(buildQueueFor(pool), buildId, RUN_NEXT_PRIORITY).catch((error: unknown) => {
    log.warn({ err: error, buildId }, "could not raise the build's job priority");
    return false;
  });
  if (!raised) {
    log.info({ buildId }, "run next: the build's job was not waiting in its queue (taken, or not sent yet)");
  }
  return { changed };
}

/** Cancels a queued or running build (members and admins, or a job); a finished one is left as it is. */
export async function cancelBuild(scope: Scope, buildId: string): Promise<{ status: string; alreadyFinal: boolean }> {
  const result = await requestCancel(scope, buildId);
  if (!result.alreadyFinal && result.status === "CANCELED") {
    await requestReport(scope, buildId);
  }
  return result;
}

/**
 * Cancels the organization's queued builds (of one profile when given), each as Cancel does it
 * (audited, reported to Azure DevOps); builds that started meanwhile are left running. At most
 * CANCEL_QUEUED_MAX at a time: `more` says some are left.
 */
export async function cancelQueued(scope: Scope, filter: { profileId?: string } = {}): Promise<{ canceled: number; more: boolean }> {
  if (!can(scope, "build.cancel_queued")) {
    throw new AppError("FORBIDDEN", refusalOf("build.cancel_queued"));
  }
  const ids = await queuedBuildIds(scope, filter);
  let canceled = 0;
  for (const id of ids.slice(0, CANCEL_QUEUED_MAX)) {
    const result = await requestCancel(scope, id, undefined, { onlyQueued: true });
    if (!result.alreadyFinal) {
      canceled += 1;
      await requestReport(scope, id);
    }
  }
  return { canceled, more: ids.length > CANCEL_QUEUED_MAX };
}

/**
 * Starts the same commit again (a PR build stays a PR build, so its comment is updated), with
 * its variables; `trigger` says who asked: a person on the build page, or a script (API).
 */
export async function rebuild(scope: Scope, buildId: string, idempotencyKey: string, trigger: "MANUAL" | "API" = "MANUAL"): Promise<StartedBuild> {
  const build = await getBuild(scope, buildId);
  if (!build) {
    throw new AppError("NOT_FOUND", "That build does not exist in your organization.");
  }
  return startBuild(scope, {
    profileId: build.profileId,
    commit: build.commitId,
    ...(build.branch ? { branch: build.branch } : {}),
    ...(build.tag ? { tag: build.tag } : {}),
    parameters: buildParametersOf(build.parameters),
    trigger,
    ...(build.pullRequestId !== null && build.sourceRef && build.targetRef
      ? { pullRequest: { id: build.pullRequestId, iteration: build.pullRequestIteration ?? 1, sourceRef: build.sourceRef, targetRef: build.targetRef } }
      : {}),
    idempotencyKey,
    // A fork's code built without the secrets stays so: Rebuild (a flaky failure) is no reading of
    // the change. Start build → Pull request, which says whose code it runs, gives them.
    withholdSecrets: build.secretsWithheld && build.secretsWithheldFor !== "REF",
  });
}
