import "server-only";
import { randomUUID } from "node:crypto";
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { authorizationHeader } from "@/lib/azure-devops/transport";
import { buildCollectionUrl } from "@/lib/azure-devops/url";
import { noteUseFailure } from "@/lib/connections/health";
import { connectionCredential } from "@/lib/connections/service";
import { beatBuild, claimBuild, finishBuild, finishShutdownBuild, getBuild, openBuildVariables, previousGoodBuild, setBuildChanges, setBuildSteps, retryStepRun, setStepStatus, setTestSummary, type ClaimedBuild, type LostBuild } from "@/lib/data/builds";
import { getProfile, type ProfileView } from "@/lib/data/profiles";
import { listSecretFiles, openSecretFiles } from "@/lib/data/secret-files";
import { getEnv, isolatedChildEnv } from "@/lib/env";
import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import { isAppError } from "@/lib/errors";
import type { BuildStatus } from "@/lib/generated/prisma/enums";
import { JobDeferred, type JobContext } from "@/lib/jobs/define";
import { enqueue } from "@/lib/jobs/enqueue";
import { buildQueueFor } from "@/lib/jobs/queues";
import { logger, scrubSecrets } from "@/lib/logger";
import { publicUrlOf } from "@/lib/oauth/config";
import { outboundPolicyFor } from "@/lib/outbound";
import { clientForConnection, problemFromError } from "@/lib/repositories/connection-client";
import type { Scope } from "@/lib/scope";
import { CHANGES_MAX, changelogText, changesSummary, firstLine, hasLine, lineWords, type BuildChanges } from "@/lib/shared/build-changes";
import { buildParametersOf } from "@/lib/shared/build-parameters";
import { formatDuration, secretsWithheldBecause, targetBranchOf } from "@/lib/shared/builds";
import type { PickerProblem } from "@/lib/shared/problems";
import { formatSize, shortBranchName } from "@/lib/shared/names";
import { ARTIFACTS_VARIABLE, cacheScopeOf, cacheScopesToRestore, WORKFLOW_FILE_MAX_BYTES, WORKFLOW_LIMITS, type WorkflowStep } from "@/lib/shared/workflow";
import { describeTests } from "@/lib/shared/tests";
import { findArtifacts, keepArtifacts } from "./artifacts";
import { signingLogLines } from "./signing-files";
import { readTestReports } from "./test-reports";
import { parseWorkflowFile } from "./workflow-file";
import { requestDownstreamBuilds } from "./after";
import { cacheKey, restoreCache, saveCache, type CacheContext } from "./caches";
import { FetchError, fetchCommit } from "./git";
import { BuildLog, maskList } from "./log";
import { killBuildProcesses, startProcess, waitWithLimit, type RunningProcess } from "./process";
import { configuredBuildUser, endUserProcesses, giveToUser, handOver, type BuildUser } from "./build-user";
import { requestChatMessage } from "@/lib/notifications/chat";
import { requestNoticeEmails } from "@/lib/notifications/request";
import { requestReport } from "./report-queue";

// The builds.run job: one build from claim to clean-up (lib/builds/README.md, "State machine"
// and "Isolation"). Everything the run writes names its runId, so a run that lost the build
// (the sweeper gave up on it, its profile was deleted) stops instead of writing.

const log = logger("builds.run");
/** A build's private directory (workspace, HOME, TMPDIR, CA file) is `<KEEL_BUILD_DIR>/keel-build-<id>-<random>`. */
export const WORKSPACE_PREFIX = "keel-build-";
/** How often a running build beats and looks for Cancel. */
const CONTROL_MS = 1_000;

type StopReason = "cancel" | "timeout" | "lost" | "shutdown";

type Outcome = { status: BuildStatus; reason: string | null; finding?: PickerProblem | null };

/** What to do about a steps file that is missing or wrong: the commit's problem, fixed in the repository or on the workflow page. */
const STEPS_FILE_FIX = ["Fix the file in the repository and push: the next build reads it again.", "Or, under Edit workflow → Steps, run the steps written there instead."];

/**
 * The steps file of the fetched commit: a regular file inside the workspace (not a link, which
 * could point anywhere on the worker), at most WORKFLOW_FILE_MAX_BYTES, parsed and checked.
 */
async function readStepsFile(workspace: string, file: string): Promise<{ ok: true; steps: WorkflowStep[] } | { ok: false; problems: string[]; finding: PickerProblem }> {
  const refuse = (title: string, problems: string[] = [title], detail = problems.join(" ")) => ({ ok: false as const, problems, finding: { id: "workflow_file", title, detail, fix: STEPS_FILE_FIX } });
  const target = path.join(workspace, file);
  let info;
  try {
    info = await lstat(target);
  } catch {
    return refuse(`${file} is not in this commit: Keel takes this profile's steps from it`, undefined, `The workflow of this profile says its steps are in ${file} of the commit being built (Edit workflow → Steps), and this commit has no such file. Nothing ran.`);
  }
  if (!info.isFile()) {
    return refuse(`${file} must be a file in the repository, not ${info.isSymbolicLink() ? "a symbolic link" : "a folder"}`, undefined, "Keel reads the steps only from a file committed inside the repository. Nothing ran.");
  }
  // A folder on the way may be a link too (ci → somewhere else on the worker).
  const [real, root] = await Promise.all([realpath(target), realpath(workspace)]);
  if (!real.startsWith(`${root}${path.sep}`)) {
    return refuse(`${file} must be a file in the repository: a folder on its path is a symbolic link out of it`, undefined, "Keel reads the steps only from a file committed inside the repository. Nothing ran.");
  }
  if (info.size > WORKFLOW_FILE_MAX_BYTES) {
    return refuse(`${file} is ${formatSize(info.size)}: a steps file may be at most ${formatSize(WORKFLOW_FILE_MAX_BYTES)}`, undefined, "Long scripts belong in files of their own that a step runs (run: ./ci/build.sh). Nothing ran.");
  }
  const parsed = parseWorkflowFile(await readFile(target, "utf8"), file);
  return parsed.ok ? parsed : refuse(`${file} in this commit cannot be run (${parsed.problems.length === 1 ? "1 problem" : `${parsed.problems.length} problems`})`, parsed.problems);
}

/** How often a build of a profile that runs one build at a time looks again whether it may start. */
const SERIAL_RECHECK_SECONDS = 5;
/** How often a build of a paused profile looks again (a resume starts it within this). */
const PAUSED_RECHECK_SECONDS = 10;

/** The handler of the builds.run queue. */
export async function runBuildJob(payload: { buildId: string }, context: JobContext<"organization">): Promise<void> {
  const runId = randomUUID();
  const claimed = await claimBuild(context.scope, payload.buildId, runId, { host: os.hostname(), pid: process.pid });
  if (!claimed) {
    // Canceled while queued, or a retried job whose build already ran: nothing runs twice.
    log.info({ buildId: payload.buildId, jobId: context.jobId }, "build not queued any more: nothing to run");
    return;
  }
  if ("waitingFor" in claimed) {
    // The profile runs one build at a time: the job comes back when #N may have finished.
    throw new JobDeferred(SERIAL_RECHECK_SECONDS, `its profile runs one build at a time: waiting for #${claimed.waitingFor}`);
  }
  if ("paused" in claimed) {
    // An admin paused the profile's builds: it stays queued until they resume them.
    throw new JobDeferred(PAUSED_RECHECK_SECONDS, "its profile's builds are paused");
  }
  await requestReport(context.scope, claimed.id);
  await new BuildRun(context.scope, claimed, runId, context.signal).execute();
}

/** The lines of a file that is text (a PEM key, a JSON credential): masked in the log like secret values. */
function textLines(content: Buffer): string[] {
  const text = content.toString("utf8");
  if (text.includes("\uFFFD") || text.includes("\u0000")) {
    return [];
  }
  return text.split(/\r?\n/).map((line) => line.trim());
}

/**
 * After a build whose worker went away was ended (the sweeper found it lost, or its worker shut
 * down): its reports go out, and its retry, when the profile started one, gets its build job. A
 * failure to send that job leaves the retry queued: the sweeper sends it within a minute.
 */
export async function followWorkerGone(scope: Scope, build: LostBuild): Promise<void> {
  await requestReport(scope, build.id);
  if (build.retry) {
    const retry = build.retry;
    await enqueue(buildQueueFor(retry.pool), { buildId: retry.id }, { scope, id: retry.id }).catch((error: unknown) => log.warn({ err: error, buildId: retry.id }, "could not queue the retry of a build whose worker went away"));
    await requestReport(scope, retry.id);
  }
}

/** Removes a directory tree even when a build left read-only folders in it. */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 2 });
  } catch {
    const open = async (folder: string): Promise<void> => {
      await chmod(folder, 0o700).catch(() => undefined);
      for (const entry of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
        if (entry.isDirectory()) {
          await open(path.join(folder, entry.name));
        }
      }
    };
    await open(dir);
    await rm(dir, { recursive: true, force: true, maxRetries: 2 });
  }
}

class BuildRun {
  private readonly env = getEnv();
  /** The user the steps run as (KEEL_BUILD_USER), or null: the worker's own. */
  private readonly user: BuildUser | null = configuredBuildUser();
  private readonly pgids = new Set<number>();
  private stopReason: StopReason | null = null;
  /** Aborted with the first stop: ends the downloads Keel makes itself (Git LFS), as killing ends processes. */
  private readonly halted = new AbortController();
  private stopping: Promise<void> | null = null;
  private readonly marker: [string, string];
  private readonly buildLog: BuildLog;

  constructor(
    private readonly scope: Scope,
    private readonly build: ClaimedBuild,
    private readonly runId: string,
    private readonly signal: AbortSignal,
  ) {
    this.marker = ["KEEL_BUILD_ID", build.id];
    this.buildLog = new BuildLog({
      scope,
      buildId: build.id,
      runId,
      bounds: { maxLines: this.env.KEEL_BUILD_LOG_MAX_LINES, maxBytes: this.env.KEEL_BUILD_LOG_MAX_BYTES },
      secrets: [],
      onLost: () => this.stop("lost"),
    });
  }

  /** Stops the run: kills every process of the build (once). */
  private stop(reason: StopReason): void {
    if (this.stopReason) {
      return;
    }
    this.stopReason = reason;
    this.halted.abort(reason);
    this.stopping = killBuildProcesses(this.pgids, `${this.marker[0]}=${this.marker[1]}`, this.env.KEEL_BUILD_KILL_GRACE_MS).then(
      () => undefined,
      () => undefined,
    );
  }

  private track(running: RunningProcess): void {
    if (running.pgid > 0) {
      this.pgids.add(running.pgid);
    }
    if (this.stopReason) {
      // Started while stopping: kill it too.
      void killBuildProcesses([running.pgid], `${this.marker[0]}=${this.marker[1]}`, 0);
    }
  }

  async execute(): Promise<void> {
    const build = this.build;
    const root = this.env.KEEL_BUILD_DIR ?? os.tmpdir();
    await mkdir(root, { recursive: true });
    const privateDir = await mkdtemp(path.join(root, `${WORKSPACE_PREFIX}${build.id}-`));
    await chmod(privateDir, 0o700);
    const workspace = path.join(privateDir, "workspace");
    const home = path.join(privateDir, "home");
    const tmp = path.join(privateDir, "tmp");
    const artifacts = path.join(privateDir, "artifacts");
    await Promise.all([mkdir(workspace), mkdir(home), mkdir(tmp), mkdir(artifacts)]);

    this.buildLog.start();
    const control = setInterval(() => void this.control(), CONTROL_MS);
    const deadline = build.startedAt.getTime() + build.timeoutSeconds * 1_000;
    const timer = setTimeout(() => this.stop("timeout"), Math.max(0, deadline - Date.now()));
    const onAbort = () => this.stop(this.signal.reason instanceof Error && /expiry/.test(this.signal.reason.message) ? "timeout" : "shutdown");
    this.signal.addEventListener("abort", onAbort, { once: true });

    let outcome: Outcome;
    try {
      outcome = await this.run({ workspace, privateDir, home, tmp, artifacts });
    } catch (error) {
      log.error({ err: error, buildId: build.id }, "the build failed on Keel's side");
      outcome = { status: "ERROR", reason: `Keel failed while running the build: ${scrubSecrets(error instanceof Error ? error.message : String(error))}`.slice(0, 1_000) };
    } finally {
      clearInterval(control);
      clearTimeout(timer);
      this.signal.removeEventListener("abort", onAbort);
    }
    if (this.stopReason) {
      outcome = await this.stoppedOutcome(this.stopReason, outcome);
    }
    // Whatever happened: nothing of the build outlives it, on this machine or in the workspace.
    const escaped = await killBuildProcesses(this.pgids, `${this.marker[0]}=${this.marker[1]}`, this.env.KEEL_BUILD_KILL_GRACE_MS).catch(() => 0);
    await this.stopping;
    if (this.user) {
      // Also what cleared its environment and left its group: every process of the build user.
      await endUserProcesses(this.user);
    }
    if (escaped > 0) {
      this.buildLog.system(0, `Keel killed ${escaped} process${escaped === 1 ? "" : "es"} the build had started outside its process group.`);
    }
    this.buildLog.system(0, `${outcome.status === "SUCCEEDED" ? "Build succeeded" : (outcome.reason ?? outcome.status)} (${formatDuration(Date.now() - build.startedAt.getTime())}).`);
    await this.buildLog.close();
    if (this.stopReason === "shutdown") {
      // A worker stopped mid-build is a worker gone for the build: the same end as a lost one's —
      // before the workspace goes (a large one takes seconds the stopping worker may not have; if
      // it stops first, the sweeper ends the build the same way a little later).
      const gone = await finishShutdownBuild(this.scope, build.id, this.runId, outcome.reason ?? "The Keel worker running this build was shut down before it finished.");
      if (gone) {
        await followWorkerGone(this.scope, gone);
      }
      log.info({ buildId: build.id, retryId: gone?.retry?.id }, "build stopped by the worker's shutdown");
    }
    await removeTree(privateDir).catch((error: unknown) => log.warn({ err: error, buildId: build.id }, "could not delete the build's workspace"));
    if (this.stopReason === "lost") {
      log.warn({ buildId: build.id }, "the run lost its build (the sweeper marked it, or the profile was deleted): stopped");
      return;
    }
    if (this.stopReason === "shutdown") {
      return;
    }
    const finished = await finishBuild(this.scope, build.id, this.runId, { status: outcome.status, reason: outcome.reason, finding: outcome.finding ?? null });
    if (finished) {
      await requestReport(this.scope, build.id);
      // A failed or fixed build recorded a notice for the people it concerns: e-mail it now, and
      // tell the profile's chat channel (its job decides whether this end is news there).
      await requestNoticeEmails();
      await requestChatMessage(this.scope, build.id);
      if (outcome.status === "SUCCEEDED") {
        // Profiles of the repository that build after this one (the triggers' `after`).
        await requestDownstreamBuilds(this.scope, build);
      }
    }
    log.info({ buildId: build.id, status: outcome.status, lines: this.buildLog.lines }, "build finished");
  }

  private async control(): Promise<void> {
    if (this.stopReason) {
      return;
    }
    try {
      const signal = await beatBuild(this.scope, this.build.id, this.runId);
      if (!signal.alive) {
        this.stop("lost");
      } else if (signal.cancelRequested) {
        this.stop("cancel");
      }
    } catch (error) {
      // PostgreSQL away for a moment: the next beat tries again (the sweeper allows three).
      log.warn({ err: error, buildId: this.build.id }, "build heartbeat failed");
    }
  }

  private async stoppedOutcome(reason: StopReason, fallback: Outcome): Promise<Outcome> {
    if (reason === "timeout") {
      const seconds = this.build.timeoutSeconds;
      const limit = seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? "" : "s"}` : formatDuration(seconds * 1_000);
      const text = `Stopped after the time limit of ${limit}.`;
      this.buildLog.system(0, `${text} Keel killed the build's processes.`);
      return { status: "TIMED_OUT", reason: text };
    }
    if (reason === "cancel") {
      const view = await getBuild(this.scope, this.build.id).catch(() => null);
      // A reason stored with the request (a newer build superseded this one) is the build's.
      const text = view?.statusReason ?? (view?.canceledBy ? `Canceled by ${view.canceledBy.name}.` : "Canceled.");
      this.buildLog.system(0, `${text} Keel killed the build's processes.`);
      return { status: "CANCELED", reason: text };
    }
    if (reason === "shutdown") {
      // What comes of it (started again, or how to) is the last line finishShutdownBuild adds.
      const text = "The Keel worker running this build was shut down before it finished.";
      this.buildLog.system(0, text);
      return { status: "ERROR", reason: text };
    }
    return fallback;
  }

  /** Fetch, then the steps; returns how the build ended (unless it was stopped). */
  private async run(dirs: { workspace: string; privateDir: string; home: string; tmp: string; artifacts: string }): Promise<Outcome> {
    const { workspace, privateDir, home, tmp } = dirs;
    const build = this.build;
    await setStepStatus(this.scope, build.id, this.runId, 0, "RUNNING");
    if (build.secretsWithheld && build.secretsWithheldFor !== "REF" && !this.user) {
      // Without a build user its steps could read this worker's environment, and every secret with it.
      await setStepStatus(this.scope, build.id, this.runId, 0, "FAILED");
      const text = "This build of a pull request from a fork runs without the profile's secrets, which only a worker whose steps run as a build user can promise: this worker's steps run as its own user, which can read its database address and keys.";
      this.buildLog.system(0, text);
      return {
        status: "ERROR",
        reason: text,
        finding: {
          id: "fork_needs_build_user",
          title: "No worker of this pool runs steps as a build user",
          detail: text,
          fix: ["An admin starts the pool's workers as root with KEEL_BUILD_USER (README, \"Builds\"), then starts the build again.", "Or someone who read the change starts its build (Start build → Pull request): it then runs with the profile's secrets."],
        },
      };
    }
    const profile = await getProfile(this.scope, build.profileId);
    const connection = profile?.connection ?? null;
    if (!profile || !connection) {
      await setStepStatus(this.scope, build.id, this.runId, 0, "FAILED");
      const text = "This build profile has no connection to Azure DevOps any more, so Keel cannot fetch its code. An admin connects the repository again.";
      this.buildLog.system(0, text);
      return { status: "ERROR", reason: text };
    }
    let credential;
    try {
      credential = await connectionCredential(this.scope, connection);
    } catch (error) {
      await setStepStatus(this.scope, build.id, this.runId, 0, "FAILED");
      const message = isAppError(error) ? error.message : "Keel could not open the connection's credential.";
      this.buildLog.system(0, message);
      return {
        status: "ERROR",
        reason: message,
        finding: { id: "credentials_unusable", title: message, detail: "The build needs the connection's credential to fetch the code.", fix: ["An admin opens the connection and enters a new token or re-authorizes it.", "Start the build again."] },
      };
    }
    const header = authorizationHeader(credential);
    this.buildLog.addSecrets(maskList([credential.token, ...(header ? [header, header.replace(/^\w+\s+/, "")] : [])], 4));
    const opened = await openBuildVariables(this.scope, build.profileId);
    const { groups, overridden } = opened;
    this.buildLog.addSecrets(maskList(opened.variables.filter((variable) => variable.isSecret).map((variable) => variable.value), WORKFLOW_LIMITS.secretMin));
    // A fork's pull request built by itself, or a build of a branch the profile gives no secrets: the steps get
    // no secret (lib/hooks/README.md, "Pull requests from forks"; lib/builds/README.md, "Secrets only for some branches").
    const variables = build.secretsWithheld ? opened.variables.filter((variable) => !variable.isSecret) : opened.variables;

    const collectionUrl = buildCollectionUrl(connection);
    const url = `${collectionUrl}/${encodeURIComponent(profile.projectName)}/_git/${encodeURIComponent(profile.repositoryName)}`;
    this.buildLog.system(0, `Running on ${os.hostname()}, a worker of the build pool “${build.pool}”${this.user ? `; the steps run as the user ${this.user.name}` : ""}.`);
    this.buildLog.system(0, `Fetching commit ${build.commitId}${build.branch ? ` (${shortBranchName(build.branch)})` : build.tag ? ` (tag ${build.tag})` : ""} from ${url} with the connection's ${credential.kind === "pat" ? "Personal Access Token" : "OAuth token"}.`);
    const fetchStarted = Date.now();
    try {
      await fetchCommit({
        workspace,
        privateDir,
        url,
        credentialScope: collectionUrl,
        credential,
        submodules: build.fetchSubmodules ? { deploymentType: connection.deploymentType, serverUrl: connection.serverUrl, pathPrefix: connection.pathPrefix, collection: connection.collection } : null,
        lfs: { fetch: build.fetchLfs, maxBytes: this.env.KEEL_BUILD_LFS_MAX_BYTES, onPrem: connection.deploymentType === "SERVER" },
        signal: this.halted.signal,
        caBundlePem: connection.caBundlePem,
        commitId: build.commitId,
        policy: await outboundPolicyFor(this.scope),
        path: this.env.KEEL_BUILD_PATH,
        marker: this.marker,
        onLine: (stream, text) => this.buildLog.line(0, stream, text),
        onProcess: (running) => this.track(running),
      });
    } catch (error) {
      await setStepStatus(this.scope, build.id, this.runId, 0, "FAILED");
      if (this.stopReason) {
        return { status: "ERROR", reason: null };
      }
      if (error instanceof FetchError) {
        this.buildLog.system(0, `${error.finding.title}. ${error.finding.detail}`);
        // A refused credential is news about the connection too (its health, as the picker does).
        await noteUseFailure(this.scope, connection, error.finding);
        return { status: "ERROR", reason: `${error.finding.title}.`, finding: error.finding };
      }
      throw error;
    }
    await setStepStatus(this.scope, build.id, this.runId, 0, "SUCCEEDED", 0);
    this.buildLog.system(0, `Fetched in ${formatDuration(Date.now() - fetchStarted)}.`);
    const changes = await this.recordChanges(profile, connection);
    const changelog = path.join(privateDir, "changelog.txt");
    await writeFile(changelog, changes ? changelogText(changes) : "", { mode: 0o600 });
    if (build.workflowFile) {
      // Steps from the repository (lib/builds/workflow-file.ts): read from the commit just fetched.
      const read = await readStepsFile(workspace, build.workflowFile);
      if (!read.ok) {
        // The first problem is the build's reason, which ends the log; the others before it.
        for (const problem of read.problems.slice(1)) {
          this.buildLog.system(0, `✘ ${problem}`);
        }
        return { status: "FAILED", reason: read.problems[0]!, finding: read.finding };
      }
      build.steps = read.steps;
      await setBuildSteps(this.scope, build.id, this.runId, read.steps);
      this.buildLog.system(0, `Steps from ${build.workflowFile} in this commit: ${read.steps.map((step) => step.name).join(", ")}.`);
    }
    if (groups.length > 0) {
      // Which shared values the steps get, and which a later source replaced: a surprise value is traceable.
      this.buildLog.system(0, `Variables from ${groups.length === 1 ? "the variable group" : "the variable groups"} ${groups.join(", ")}${overridden.length > 0 ? `; set again by a later group or the workflow: ${overridden.join(", ")}` : ""}.`);
    }
    if (this.user) {
      // Nothing of an earlier build (a worker killed mid-build left its processes) may watch this
      // one's secrets: the user's processes end first. Then the build's folder is the user's: the
      // cache's tar and the steps run as it.
      await endUserProcesses(this.user);
      await handOver(privateDir, this.user);
    }
    // The cache (lib/builds/README.md, "Caches"): restored before the steps, saved after they all succeeded.
    const cache = build.cachePaths.length > 0 ? { context: this.cacheContext(privateDir, 0), key: await cacheKey(workspace, build.cachePaths, build.cacheKeyFiles) } : null;
    if (cache && build.skipCaches) {
      this.buildLog.system(0, "Not restoring a cache: this build was started without caches. If it succeeds, its cache replaces the branch's.");
    }
    const restored = cache && !build.skipCaches ? await restoreCache(cache.context, { branches: cacheScopesToRestore(build, profile.defaultBranch), key: cache.key }) : null;

    const stepEnv: Record<string, string> = {
      PATH: this.env.KEEL_BUILD_PATH,
      HOME: home,
      TMPDIR: tmp,
      LANG: "C.UTF-8",
      CI: "true",
      KEEL_BUILD_ID: build.id,
      KEEL_BUILD_NUMBER: String(build.number),
      KEEL_BUILD_URL: `${publicUrlOf(this.env)}/builds/${build.id}`,
      KEEL_BUILD_COMMIT: build.commitId,
      KEEL_BUILD_BRANCH: build.branch ? shortBranchName(build.branch) : "",
      KEEL_BUILD_TRIGGER: build.trigger,
      KEEL_BUILD_PROFILE: profile.name,
      KEEL_BUILD_PLATFORM: profile.platform,
      KEEL_BUILD_POOL: build.pool,
      KEEL_BUILD_WORKSPACE: workspace,
      // The commits since the line's last good build, one per line (empty when none are known).
      KEEL_BUILD_CHANGELOG: changelog,
      [ARTIFACTS_VARIABLE]: dirs.artifacts,
      ...(build.pullRequestId !== null ? { KEEL_BUILD_PULL_REQUEST: String(build.pullRequestId), KEEL_BUILD_TARGET_BRANCH: targetBranchOf(build) ?? "" } : {}),
      // A tag build (a release): its tag, e.g. v2.4.0 — a script can take the version from it.
      ...(build.tag ? { KEEL_BUILD_TAG: build.tag } : {}),
    };
    for (const variable of variables) {
      stepEnv[variable.name] = variable.value;
    }
    // Variables given for this build: over the workflow's (never its secrets: startBuild refused those).
    const parameters = buildParametersOf(build.parameters);
    if (parameters.length > 0) {
      const workflowNames = new Set(variables.map((variable) => variable.name));
      const replaced = parameters.filter((parameter) => workflowNames.has(parameter.name)).map((parameter) => parameter.name);
      for (const parameter of parameters) {
        stepEnv[parameter.name] = parameter.value;
      }
      this.buildLog.system(0, `Variables for this build: ${parameters.map((parameter) => parameter.name).join(", ")}${replaced.length > 0 ? ` (in place of the workflow's ${replaced.join(", ")})` : ""}.`);
    }
    // Secret files: each in a folder of its own in the private directory (outside the workspace),
    // readable by the build's user only; its variable holds the path.
    // Withheld: the files are not even opened, only named.
    const files = build.secretsWithheld ? [] : await openSecretFiles(this.scope, build.profileId);
    if (build.secretsWithheld) {
      const withheldFiles = await listSecretFiles(this.scope, build.profileId);
      const withheld = [...opened.variables.filter((variable) => variable.isSecret).map((variable) => variable.name), ...withheldFiles.map((file) => `${file.variable} (a file)`)];
      this.buildLog.system(
        0,
        build.secretsWithheldFor === "REF"
          ? `Without the profile's secrets${withheld.length > 0 ? ` (its steps do not get ${withheld.join(", ")})` : ""}: ${secretsWithheldBecause(build)}.`
          : `Without the profile's secrets: this pull request from a fork was built by itself (Triggers → Pull requests from forks)${withheld.length > 0 ? `, so its steps do not get ${withheld.join(", ")}` : ""}. Someone who read the change gets them by starting its build (Start build → Pull request).`,
      );
    }
    for (const file of files) {
      const folder = path.join(privateDir, "files", file.variable);
      await mkdir(folder, { recursive: true, mode: 0o700 });
      const target = path.join(folder, file.fileName);
      await writeFile(target, file.content, { mode: 0o600 });
      if (this.user) {
        await giveToUser(this.user, [path.join(privateDir, "files"), folder, target]);
      }
      stepEnv[file.variable] = target;
      this.buildLog.addSecrets(maskList([file.content.toString("base64"), ...textLines(file.content)], 16));
    }
    let endedSigningFiles: string[] = [];
    if (files.length > 0) {
      this.buildLog.system(0, `Secret files: ${files.map((file) => `${file.variable} (${file.fileName})`).join(", ")}.`);
      endedSigningFiles = this.logSigningFiles(files);
    }
    // The marker last: nothing may override it.
    stepEnv[this.marker[0]] = this.marker[1];

    let failed: Outcome | null = null;
    let lastStep = 0;
    for (const [offset, step] of build.steps.entries()) {
      const index = offset + 1;
      if (this.stopReason) {
        break;
      }
      // After a failure only the steps that run even then (uploading logs, test results) run; the
      // others stay pending and end as skipped. A cancel or the time limit stops all of them.
      if (failed && !step.always) {
        continue;
      }
      lastStep = index;
      await setStepStatus(this.scope, build.id, this.runId, index, "RUNNING");
      this.buildLog.system(index, `▶ ${step.name}`);
      const started = Date.now();
      const tries = 1 + (step.retries ?? 0);
      let result: Awaited<ReturnType<typeof startProcess>["done"]>;
      let why = "";
      let timedOut = false;
      let attempt = 1;
      for (; ; attempt += 1) {
        const running = startProcess({
          file: "bash",
          args: ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step.command],
          cwd: workspace,
          // Which try this is: a step that is tried again can clean up after the failed one first.
          env: isolatedChildEnv({ ...stepEnv, KEEL_BUILD_STEP_TRY: String(attempt) }),
          user: this.user,
          onLine: (stream, text) => this.buildLog.line(index, stream, text),
        });
        this.track(running);
        // Its own time limit (lib/builds/README.md, "A step's time limit"): a hung simulator ends this try, not the build's whole time.
        const waited = await waitWithLimit(running, step.timeoutMinutes ? step.timeoutMinutes * 60_000 : null, this.env.KEEL_BUILD_KILL_GRACE_MS);
        result = waited.result;
        timedOut = waited.timedOut;
        if ((result.code === 0 && !timedOut) || this.stopReason) {
          break;
        }
        why = timedOut
          ? `ran past its time limit of ${step.timeoutMinutes} min`
          : result.error
            ? `could not start (${result.error})`
            : result.signal
              ? `was killed by ${result.signal}`
              : `failed with exit code ${result.code}`;
        if (attempt >= tries) {
          break;
        }
        // Its retries (lib/builds/README.md, "Trying a flaky step again"): in the same workspace, as the failed try left it.
        this.buildLog.system(index, `✘ ${step.name} ${why} (try ${attempt} of ${tries}); trying it again.`);
        await retryStepRun(this.scope, build.id, this.runId, index);
        this.buildLog.system(index, `▶ ${step.name} (try ${attempt + 1} of ${tries})`);
      }
      const took = formatDuration(Date.now() - started);
      if (this.stopReason) {
        await setStepStatus(this.scope, build.id, this.runId, index, this.stopReason === "cancel" ? "CANCELED" : "FAILED", result.code);
        break;
      }
      if (result.code === 0 && !timedOut) {
        await setStepStatus(this.scope, build.id, this.runId, index, "SUCCEEDED", 0);
        this.buildLog.system(index, `✔ ${step.name} succeeded in ${took}${attempt > 1 ? ` on try ${attempt} of ${tries}: it failed before, so it may be flaky` : ""}.`);
        continue;
      }
      await setStepStatus(this.scope, build.id, this.runId, index, "FAILED", result.code);
      this.buildLog.system(index, `✘ ${step.name} ${why} after ${took}${tries > 1 ? ` (${tries} tries)` : ""}.`);
      if (step.continueOnError) {
        this.buildLog.system(index, "This step may fail (Edit workflow → Steps): the build goes on.");
        continue;
      }
      if (failed) {
        // A step that runs even after a failure failed too: the build already failed for the first.
        continue;
      }
      // An ended signing file is a likely cause: named where "What went wrong" looks.
      for (const line of endedSigningFiles) {
        this.buildLog.system(index, line);
      }
      failed = { status: "FAILED", reason: `Step “${step.name}” ${why}.` };
      const after = build.steps.slice(index).filter((later) => later.always);
      if (after.length > 0) {
        this.buildLog.system(index, `The steps after it are skipped, except those that run even after a failure: ${after.map((later) => later.name).join(", ")}.`);
      }
    }
    if (this.user) {
      // What the steps left running ends before the worker reads their files: none can swap a
      // checked file for a link to one only root may read.
      await endUserProcesses(this.user);
    }
    if (this.stopReason) {
      return { status: "ERROR", reason: null };
    }
    // Kept after a failed step too: its test reports and logs are what explains the failure.
    await this.keepArtifacts(lastStep, workspace, dirs.artifacts);
    if (cache && !this.stopReason) {
      const say = (text: string) => this.buildLog.system(lastStep, text);
      const cacheScope = cacheScopeOf(build);
      if (failed) {
        say("Not saving a cache: a step failed, and its folders may be half-made.");
      } else if (!cacheScope) {
        say(`Not saving a cache: this build is of ${build.tag ? `the tag ${build.tag}` : "a commit"}, not of a branch (caches belong to branches).`);
      } else {
        await saveCache({ ...cache.context, say }, { branch: cacheScope, key: cache.key, buildNumber: build.number, maxBytes: this.env.KEEL_BUILD_CACHE_MAX_BYTES, restored });
      }
    }
    return failed ?? { status: "SUCCEEDED", reason: null };
  }

  /**
   * The commits this build has that its line's last successful build lacked (lib/builds/README.md,
   * "Changes since the last good build"), stored on the build and said in the log; null when not
   * known. Never fails the build: a refusal is said, and the steps run.
   */
  private async recordChanges(profile: ProfileView, connection: NonNullable<ProfileView["connection"]>): Promise<BuildChanges | null> {
    const build = this.build;
    if (!hasLine(build)) {
      return null;
    }
    const since = await previousGoodBuild(this.scope, build);
    let changes: BuildChanges = { since: null, commits: [], complete: true };
    if (since) {
      try {
        const { client } = await clientForConnection(this.scope, connection, { signal: this.halted.signal });
        const found = await client.commitsSince(profile.projectId, profile.repositoryId, build.commitId, since.commitId, CHANGES_MAX);
        changes = {
          since: { buildId: since.id, number: since.number, commitId: since.commitId },
          // A pull request's build is of the merge commit Azure DevOps made: nobody's change.
          commits: found.commits.filter((commit) => build.pullRequestId === null || commit.commitId.toLowerCase() !== build.commitId).map((commit) => ({ id: commit.commitId.toLowerCase(), message: firstLine(commit.comment), author: commit.author?.name ?? null, date: commit.author?.date ?? null })),
          complete: found.complete,
        };
      } catch (error) {
        if (isAzureDevOpsError(error) && error.reason.kind === "not_found") {
          // The repository answered, but not for that commit: its history was rewritten since.
          this.buildLog.system(0, `The commit that #${since.number} built (${since.commitId.slice(0, 8)}) is no longer in the repository — its history was rewritten, by a force push? — so Keel cannot tell what changed since. The build goes on.`);
          return null;
        }
        const problem = problemFromError(error, connection);
        this.buildLog.system(0, `Keel could not list the commits since #${since.number}${problem ? `: ${problem.title}` : ""}. The build goes on without them.`);
        log.warn({ err: error, buildId: build.id }, "could not list the build's changes");
        return null;
      }
    }
    await setBuildChanges(this.scope, build.id, this.runId, changes);
    this.buildLog.system(0, `${changesSummary(changes, build)}${since ? ` (${since.commitId.slice(0, 8)}), the last successful build of ${lineWords(build)}` : ""}.`);
    return changes;
  }

  /**
   * What each signing file is and when it ends, said before the steps; the lines to write under a
   * step that fails, one per ended file (lib/builds/README.md, "Signing files that expire").
   */
  private logSigningFiles(files: { variable: string; content: Buffer }[]): string[] {
    const now = new Date();
    const onFailure: string[] = [];
    for (const file of files) {
      const lines = signingLogLines(file.variable, file.content, now);
      if (lines) {
        this.buildLog.system(0, lines.before);
        if (lines.onFailure) {
          onFailure.push(lines.onFailure);
        }
      }
    }
    return onFailure;
  }

  private cacheContext(privateDir: string, step: number): CacheContext {
    return {
      scope: this.scope,
      privateDir,
      profileId: this.build.profileId,
      paths: this.build.cachePaths,
      pathEnv: this.env.KEEL_BUILD_PATH,
      say: (text) => this.buildLog.system(step, text),
      onProcess: (running) => this.track(running),
      user: this.user,
    };
  }

  /** Stores the build's artifacts, telling the log (under the last step that ran) what was kept. */
  private async keepArtifacts(step: number, workspace: string, artifactsDir: string): Promise<void> {
    const patterns = this.build.artifactPatterns;
    const { files, unmatched } = await findArtifacts({ workspace, artifactsDir, patterns });
    for (const pattern of unmatched) {
      this.buildLog.system(step, `No file matched the artifact pattern ${pattern} (paths are relative to the repository's root; check it under Edit workflow → Artifacts).`);
    }
    if (files.length === 0) {
      return;
    }
    const tests = await readTestReports(files);
    if (tests) {
      this.buildLog.system(step, `Tests: ${describeTests(tests)} (from ${tests.reports} JUnit report${tests.reports === 1 ? "" : "s"}).`);
      await setTestSummary(this.scope, this.build.id, this.runId, tests);
    }
    this.buildLog.system(step, `Keeping ${files.length} artifact${files.length === 1 ? "" : "s"}…`);
    const result = await keepArtifacts(this.scope, { buildId: this.build.id, runId: this.runId }, files, this.env.KEEL_BUILD_ARTIFACT_MAX_BYTES, (text) => this.buildLog.system(step, text), () => this.stopReason !== null);
    if (result.lost) {
      this.stop("lost");
      return;
    }
    this.buildLog.system(step, `Kept ${result.kept} artifact${result.kept === 1 ? "" : "s"} (${formatSize(result.bytes)})${result.notKept > 0 ? `; ${result.notKept} not kept` : ""}.`);
  }
}
