import "server-only";
import { buildChangesOf, suspectsOf, type BuildChanges } from "@/lib/shared/build-changes";
import { buildParametersOf, type BuildParameter } from "@/lib/shared/build-parameters";
import { DEFAULT_POOL } from "@/lib/shared/build-pools";
import { FAILURE_LINE_PATTERN, failureSummary, LAST_LINES, MAX_FAILURE_LINES, type FailureLine } from "@/lib/shared/log-errors";
import { createHash, randomUUID } from "node:crypto";
import { db, type Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { Prisma, type BuildReportKind, type BuildStatus, type BuildStepStatus, type BuildTrigger, type LogStream, type SecretsWithheldFor } from "@/lib/generated/prisma/client";
import { can, refusalOf } from "@/lib/policy";
import { onBehalfOf, requireUserActor, systemScope, type Scope } from "@/lib/scope";
import { builtWords, lostRetryDecision, queueStarts, TYPICAL_MIN_BUILDS, TYPICAL_OF_BUILDS, type BuildStateDto, type LogLineDto, type LogSearchDto } from "@/lib/shared/builds";
import { appInfoOf, appLabel, type AppInfo } from "@/lib/shared/app-info";
import { failureHistories, passingAgain, testNews, testSummaryOf, type FailureHistory, type TestRun } from "@/lib/shared/tests";
import { cleanStep, defaultWorkflowSteps, stepLabel, type WorkflowStep, type WorkflowVariableView } from "@/lib/shared/workflow";
import { sameRepository } from "@/lib/shared/triggers";
import { describeSecretRefs, secretRefsOf, type SecretRefs } from "@/lib/shared/secret-refs";
import type { BuildExportQuery, WorkflowInput } from "@/lib/validation/builds";
import { recordAudit } from "./audit";
import { openVariable, saveVariables, storedVariableSelect, variableViews, type StoredVariable } from "./variables";
import { likeLiteral } from "./like";
import { lockProfile } from "./locks";
import { addWebhookDeliveries } from "./webhooks";
import { createBuildNotice, type BuildNoticeKind } from "./notifications";

// Builds, their steps, logs and report intents, and the workflow of a profile
// (lib/builds/README.md). Every function takes a Scope; the three that serve the whole
// installation (the queue position, the sweeper, re-sending lost jobs) are listed in
// lib/data/README.md with their reason.

const FINAL: BuildStatus[] = ["SUCCEEDED", "FAILED", "CANCELED", "TIMED_OUT", "ERROR"];

// ---------------------------------------------------------------------------------------------
// Workflow

export type WorkflowView = {
  steps: WorkflowStep[];
  /** True while the profile uses its platform's default steps. */
  isDefault: boolean;
  timeoutMinutes: number;
  /** Whether builds fetch the commit's submodules. */
  fetchSubmodules: boolean;
  /** Whether builds fetch the commit's Git LFS files. */
  fetchLfs: boolean;
  /** Glob patterns of the files a build keeps (besides $KEEL_BUILD_ARTIFACTS). */
  artifacts: string[];
  /** Folders kept between builds, and the files whose content picks the cache. */
  cachePaths: string[];
  cacheKeyFiles: string[];
  variables: WorkflowVariableView[];
  /** The variable groups its builds get, by name. */
  variableGroups: Array<{ id: string; name: string }>;
  /** The build pool whose workers run its builds (lib/shared/build-pools.ts). */
  pool: string;
  /** "One build at a time": a build waits while another of the profile runs. */
  oneAtATime: boolean;
  /** "Start again when its worker is lost": the sweeper queues a lost build once more. */
  retryLostBuilds: boolean;
  /** The file of the commit its builds take their steps from (keel.yml), or null: `steps` above. */
  workflowFile: string | null;
  /** Which builds get the secrets (lib/shared/secret-refs.ts): null, every build. */
  secretRefs: SecretRefs | null;
};

function stepsOf(raw: unknown, platform: string): { steps: WorkflowStep[]; isDefault: boolean } {
  if (Array.isArray(raw) && raw.every((step) => typeof step?.name === "string" && typeof step?.command === "string")) {
    return { steps: raw.map((step: WorkflowStep) => cleanStep(step)), isDefault: false };
  }
  return { steps: defaultWorkflowSteps(platform), isDefault: true };
}

/** A build's step row: its name, command and conditions (the runner reads the conditions from the build's steps; the page and the API from these rows). */
function stepRow(step: WorkflowStep): { name: string; command: string; always: boolean; continueOnError: boolean; retries: number; timeoutMinutes: number | null } {
  return { name: step.name, command: step.command, always: step.always === true, continueOnError: step.continueOnError === true, retries: step.retries ?? 0, timeoutMinutes: step.timeoutMinutes ?? null };
}

/** The profile columns a workflow is made of (the profile page reads them with the rest of the profile). */
export const workflowSelect = {
  platform: true,
  workflowSteps: true,
  buildTimeoutMinutes: true,
  fetchSubmodules: true,
  fetchLfs: true,
  artifactPatterns: true,
  cachePaths: true,
  cacheKeyFiles: true,
  buildPool: true,
  oneAtATime: true,
  retryLostBuilds: true,
  workflowFile: true,
  secretRefs: true,
  variables: { orderBy: { name: "asc" }, select: { name: true, isSecret: true, value: true } },
  variableGroups: { select: { group: { select: { id: true, name: true } } } },
} satisfies Prisma.BuildProfileSelect;

type WorkflowColumns = Prisma.BuildProfileGetPayload<{ select: typeof workflowSelect }>;

/** A workflow as pages show it, from its profile's columns: secret values left out. */
export function workflowOf(profile: WorkflowColumns): WorkflowView {
  return {
    ...stepsOf(profile.workflowSteps, profile.platform),
    timeoutMinutes: profile.buildTimeoutMinutes,
    fetchSubmodules: profile.fetchSubmodules,
    fetchLfs: profile.fetchLfs,
    artifacts: profile.artifactPatterns,
    cachePaths: profile.cachePaths,
    cacheKeyFiles: profile.cacheKeyFiles,
    variables: variableViews(profile.variables),
    variableGroups: profile.variableGroups.map((link) => link.group).sort((a, b) => a.name.localeCompare(b.name, "en")),
    pool: profile.buildPool,
    oneAtATime: profile.oneAtATime,
    retryLostBuilds: profile.retryLostBuilds,
    workflowFile: profile.workflowFile,
    secretRefs: secretRefsOf(profile.secretRefs),
  };
}

/**
 * The version of a workflow as an editor saw it: a hash of what the page shows (steps, time
 * limit, variable names and plain values; secret values are never shown, so replacing one is not
 * a change another editor could overwrite unknowingly). The editor sends it back with a save, and
 * a save based on an older version is refused instead of silently undoing someone's changes.
 */
export function workflowVersion(view: WorkflowView): string {
  const variables = [...view.variables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Submodules and LFS only when turned off, artifacts only when there are some: the versions of workflows
  // saved before these settings existed stay the same.
  const shown = {
    steps: view.steps,
    timeoutMinutes: view.timeoutMinutes,
    ...(view.fetchSubmodules ? {} : { fetchSubmodules: false }),
    ...(view.fetchLfs ? {} : { fetchLfs: false }),
    ...(view.artifacts.length > 0 ? { artifacts: view.artifacts } : {}),
    ...(view.cachePaths.length > 0 || view.cacheKeyFiles.length > 0 ? { caches: [view.cachePaths, view.cacheKeyFiles] } : {}),
    variables,
    ...(view.variableGroups.length > 0 ? { variableGroups: view.variableGroups.map((group) => group.id).sort() } : {}),
    ...(view.pool !== DEFAULT_POOL ? { pool: view.pool } : {}),
    ...(view.oneAtATime ? { oneAtATime: true } : {}),
    ...(view.retryLostBuilds ? { retryLostBuilds: true } : {}),
    ...(view.workflowFile ? { workflowFile: view.workflowFile } : {}),
  };
  return createHash("sha256").update(JSON.stringify(shown)).digest("hex").slice(0, 16);
}

/** A profile's workflow (steps, time limit, variables with secret values left out), or null. */
export async function getWorkflow(scope: Scope, profileId: string): Promise<WorkflowView | null> {
  const profile = await db.buildProfile.findFirst({ where: { id: profileId, organizationId: scope.organizationId }, select: workflowSelect });
  return profile ? workflowOf(profile) : null;
}

/** A profile's names with its workflow, as the workflow page shows them: one query. */
export async function getProfileWorkflow(scope: Scope, profileId: string) {
  const row = await db.buildProfile.findFirst({
    where: { id: profileId, organizationId: scope.organizationId },
    select: { id: true, name: true, projectName: true, repositoryName: true, defaultBranch: true, nextBuildNumber: true, ...workflowSelect },
  });
  if (!row) {
    return null;
  }
  const { workflowSteps: _steps, buildTimeoutMinutes: _timeout, fetchSubmodules: _submodules, fetchLfs: _lfs, artifactPatterns: _artifacts, cachePaths: _cachePaths, cacheKeyFiles: _cacheKeyFiles, buildPool: _pool, oneAtATime: _oneAtATime, retryLostBuilds: _retry, workflowFile: _file, secretRefs: _secretRefs, variables: _variables, variableGroups: _groups, ...profile } = row;
  const workflow = workflowOf(row);
  return { profile, workflow, version: workflowVersion(workflow) };
}

/**
 * Where a profile's build numbers continue (admins; lib/builds/README.md, "Build numbers"): the
 * next build gets `next`. Numbers only go up — the stores refuse a build number that is not above
 * the last one uploaded, and two builds of a profile never share one — so a number below the
 * next one is refused, naming it (builds started while the page was open took numbers too).
 * Audited as `profile.build_number_set` with both numbers; the same number changes nothing.
 */
export async function setNextBuildNumber(scope: Scope, profileId: string, next: number): Promise<{ changed: boolean; next: number }> {
  if (!can(scope, "workflow.update")) {
    throw new AppError("FORBIDDEN", refusalOf("workflow.update"));
  }
  return db.$transaction(async (tx) => {
    await lockProfile(tx, scope, profileId);
    const { nextBuildNumber: current, name } = await tx.buildProfile.findUniqueOrThrow({ where: { id: profileId }, select: { nextBuildNumber: true, name: true } });
    if (next < current) {
      throw new AppError(
        "INVALID_INPUT",
        `Next build number cannot go down: the next build is already #${current}${current > 1 ? ` (#${current - 1} was the last one started)` : ""}. Choose ${current} or more, so that no two builds share a number.`,
        { details: { field: "nextNumber" } },
      );
    }
    if (next === current) {
      return { changed: false, next };
    }
    await tx.buildProfile.update({ where: { id: profileId }, data: { nextBuildNumber: next } });
    await recordAudit(scope, { action: "profile.build_number_set", targetType: "build_profile", targetId: profileId, data: { name, from: current, to: next } }, tx);
    return { changed: true, next };
  });
}

/**
 * Saves a profile's workflow (admins) with a `workflow.updated` audit event naming what changed
 * — step names, the time limit, submodules, artifact patterns, variable names and whether a secret
 * was replaced, never a value.
 * A secret variable sent without a value keeps its stored one.
 */
export async function updateWorkflow(scope: Scope, profileId: string, input: WorkflowInput): Promise<{ changed: string[]; version: string }> {
  if (!can(scope, "workflow.update")) {
    throw new AppError("FORBIDDEN", refusalOf("workflow.update"));
  }
  return db.$transaction(async (tx) => {
    await lockProfile(tx, scope, profileId);
    const profile = await tx.buildProfile.findUniqueOrThrow({ where: { id: profileId }, select: { platform: true, workflowSteps: true, buildTimeoutMinutes: true, fetchSubmodules: true, fetchLfs: true, artifactPatterns: true, cachePaths: true, cacheKeyFiles: true, buildPool: true, oneAtATime: true, retryLostBuilds: true, workflowFile: true, secretRefs: true } });
    const existing = await tx.buildVariable.findMany({ where: { profileId }, select: storedVariableSelect });
    const linked = await tx.profileVariableGroup.findMany({ where: { profileId }, select: { group: { select: { id: true, name: true } } } });
    // A secret file's variable holds the file's path: a workflow variable may not take its name.
    const fileVariables = new Set((await tx.buildSecretFile.findMany({ where: { profileId }, select: { variable: true } })).map((row) => row.variable));
    const taken = input.variables.find((variable) => fileVariables.has(variable.name));
    if (taken) {
      throw new AppError("INVALID_INPUT", `Variable ${taken.name}: a secret file of this workflow uses the name for its path; choose another name.`, { details: { field: "workflow" } });
    }
    if (input.basedOn !== undefined && input.basedOn !== workflowVersion(workflowOf({ ...profile, variables: existing, variableGroups: linked }))) {
      throw new AppError("CONFLICT", "Someone saved this workflow after you opened it. Nothing was saved: your edits are still on this page — note them, reload to see the current workflow, and make them again.");
    }
    const before = stepsOf(profile.workflowSteps, profile.platform).steps;
    const changed: string[] = [];
    if (JSON.stringify(before) !== JSON.stringify(input.steps)) {
      changed.push("steps");
    }
    if (profile.buildTimeoutMinutes !== input.timeoutMinutes) {
      changed.push("timeLimit");
    }
    const fetchSubmodules = input.fetchSubmodules ?? profile.fetchSubmodules;
    if (profile.fetchSubmodules !== fetchSubmodules) {
      changed.push("submodules");
    }
    const fetchLfs = input.fetchLfs ?? profile.fetchLfs;
    if (profile.fetchLfs !== fetchLfs) {
      changed.push("lfs");
    }
    const artifacts = input.artifacts ?? profile.artifactPatterns;
    if (JSON.stringify(profile.artifactPatterns) !== JSON.stringify(artifacts)) {
      changed.push("artifacts");
    }
    const cachePaths = input.cachePaths ?? profile.cachePaths;
    const cacheKeyFiles = input.cacheKeyFiles ?? profile.cacheKeyFiles;
    if (JSON.stringify([profile.cachePaths, profile.cacheKeyFiles]) !== JSON.stringify([cachePaths, cacheKeyFiles])) {
      changed.push("caches");
    }
    const pool = input.pool ?? profile.buildPool;
    if (profile.buildPool !== pool) {
      changed.push("pool");
    }
    const oneAtATime = input.oneAtATime ?? profile.oneAtATime;
    if (profile.oneAtATime !== oneAtATime) {
      changed.push("oneAtATime");
    }
    const retryLostBuilds = input.retryLostBuilds ?? profile.retryLostBuilds;
    if (profile.retryLostBuilds !== retryLostBuilds) {
      changed.push("retryLostBuilds");
    }
    const workflowFile = input.workflowFile === undefined ? profile.workflowFile : input.workflowFile;
    if (profile.workflowFile !== workflowFile) {
      changed.push("workflowFile");
    }
    const variableChanges = await saveVariables(tx, scope, { profileId }, existing, input.variables, "workflow");
    if (Object.keys(variableChanges).length > 0) {
      changed.push("variables");
    }
    const groupsBefore = linked.map((link) => link.group);
    let groupsAfter = groupsBefore;
    if (input.variableGroups !== undefined) {
      const wanted = new Set(input.variableGroups);
      const found = await tx.variableGroup.findMany({ where: { id: { in: [...wanted] }, organizationId: scope.organizationId }, select: { id: true, name: true } });
      if (found.length !== wanted.size) {
        throw new AppError("CONFLICT", "A variable group this workflow uses was deleted while you edited it. Nothing was saved: reload the page to see the groups there are now.", { details: { field: "workflow" } });
      }
      const before = new Set(groupsBefore.map((group) => group.id));
      const added = found.filter((group) => !before.has(group.id));
      const removed = groupsBefore.filter((group) => !wanted.has(group.id));
      if (removed.length > 0) {
        await tx.profileVariableGroup.deleteMany({ where: { profileId, groupId: { in: removed.map((group) => group.id) } } });
      }
      if (added.length > 0) {
        await tx.profileVariableGroup.createMany({ data: added.map((group) => ({ profileId, groupId: group.id, organizationId: scope.organizationId })) });
      }
      if (added.length > 0 || removed.length > 0) {
        changed.push("variableGroups");
      }
      groupsAfter = found;
    }
    await tx.buildProfile.update({ where: { id: profileId }, data: { workflowSteps: input.steps, buildTimeoutMinutes: input.timeoutMinutes, fetchSubmodules, fetchLfs, artifactPatterns: artifacts, cachePaths, cacheKeyFiles, buildPool: pool, oneAtATime, retryLostBuilds, workflowFile } });
    if (changed.length > 0) {
      await recordAudit(
        scope,
        {
          action: "workflow.updated",
          targetType: "build_profile",
          targetId: profileId,
          data: {
            changed,
            steps: input.steps.map(stepLabel),
            ...(changed.includes("steps") ? { stepsBefore: before.map(stepLabel) } : {}),
            timeoutMinutes: input.timeoutMinutes,
            ...(changed.includes("timeLimit") ? { timeoutMinutesBefore: profile.buildTimeoutMinutes } : {}),
            fetchSubmodules,
            fetchLfs,
            artifacts,
            ...(changed.includes("artifacts") ? { artifactsBefore: profile.artifactPatterns } : {}),
            ...(changed.includes("caches") ? { cachePaths, cacheKeyFiles } : {}),
            ...(changed.includes("pool") ? { pool, poolBefore: profile.buildPool } : {}),
            ...(changed.includes("oneAtATime") ? { oneAtATime } : {}),
            ...(changed.includes("retryLostBuilds") ? { retryLostBuilds } : {}),
            ...(changed.includes("workflowFile") ? { workflowFile, workflowFileBefore: profile.workflowFile } : {}),
            variables: variableChanges,
            ...(changed.includes("variableGroups") ? { variableGroups: groupsAfter.map((group) => group.name).sort(), variableGroupsBefore: groupsBefore.map((group) => group.name).sort() } : {}),
          },
        },
        tx,
      );
    }
    // The version this save made: what the re-rendered editor will show and send back.
    const saved = await tx.buildProfile.findUniqueOrThrow({ where: { id: profileId }, select: workflowSelect });
    return { changed, version: workflowVersion(workflowOf(saved)) };
  });
}

/**
 * A build's environment variables, secret ones opened (the worker, right before the steps run):
 * its variable groups' in the order of their names, a later group's value winning, then the
 * workflow's own, which win over every group's (lib/builds/README.md, "Variable groups").
 * `groups` names the groups used and `overridden` the names a later source replaced, for the log.
 */
export async function openBuildVariables(scope: Scope, profileId: string): Promise<{ variables: Array<{ name: string; value: string; isSecret: boolean }>; groups: string[]; overridden: string[] }> {
  const [own, links] = await Promise.all([
    db.buildVariable.findMany({ where: { profileId, organizationId: scope.organizationId }, select: storedVariableSelect, orderBy: { name: "asc" } }),
    db.profileVariableGroup.findMany({
      where: { profileId, organizationId: scope.organizationId },
      select: { group: { select: { name: true, variables: { select: storedVariableSelect, orderBy: { name: "asc" } } } } },
    }),
  ]);
  const groups = links.map((link) => link.group).sort((a, b) => a.name.localeCompare(b.name, "en"));
  const merged = new Map<string, { name: string; value: string; isSecret: boolean }>();
  const overridden = new Set<string>();
  const add = (rows: readonly StoredVariable[], where: string) => {
    for (const row of rows) {
      if (merged.has(row.name)) {
        overridden.add(row.name);
      }
      merged.set(row.name, openVariable(row, where));
    }
  };
  for (const group of groups) {
    add(group.variables, `the variable group ${group.name} (Settings → Variable groups)`);
  }
  add(own, "the profile's workflow");
  return { variables: [...merged.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), groups: groups.map((group) => group.name), overridden: [...overridden].sort() };
}

/**
 * The names a build's steps get secrets under: the profile's and its groups' secret variables,
 * and its secret files' path variables. Variables given for one build may not take them.
 */
export async function secretVariableNames(scope: Scope, profileId: string): Promise<Set<string>> {
  const [variables, files] = await Promise.all([
    db.buildVariable.findMany({
      where: { organizationId: scope.organizationId, isSecret: true, OR: [{ profileId }, { group: { profiles: { some: { profileId } } } }] },
      select: { name: true },
    }),
    db.buildSecretFile.findMany({ where: { organizationId: scope.organizationId, profileId }, select: { variable: true } }),
  ]);
  return new Set([...variables.map((row) => row.name), ...files.map((row) => row.variable)]);
}

// ---------------------------------------------------------------------------------------------
// Builds: reading

/**
 * "What went wrong" of a failed or timed-out build: its failed step (or, out of time, the step
 * that was running) and that step's lines that say why (lib/shared/log-errors.ts), found by
 * PostgreSQL over the stored log. Null when the build has no such step or its log was deleted.
 */
export async function failureLines(scope: Scope, buildId: string, client: Tx = db as unknown as Tx): Promise<{ step: { index: number; name: string }; lines: FailureLine[]; matched: boolean } | null> {
  const steps = await client.buildStep.findMany({
    where: { buildId, build: { organizationId: scope.organizationId, status: { in: ["FAILED", "TIMED_OUT"] } }, startedAt: { not: null } },
    orderBy: { index: "asc" },
    select: { index: true, name: true, status: true, continueOnError: true },
  });
  // The step that failed the build: not one that may fail, nor one that ran after it (lib/builds/README.md).
  const step = steps.find((item) => item.status === "FAILED" && !item.continueOnError) ?? steps.at(-1);
  if (!step) {
    return null;
  }
  const matched = await client.$queryRaw<FailureLine[]>`
    SELECT seq, text FROM "BuildLogLine"
    WHERE "buildId" = ${buildId}::uuid AND step = ${step.index} AND text ~ ${FAILURE_LINE_PATTERN}
    ORDER BY seq LIMIT ${MAX_FAILURE_LINES * 4}`;
  const wrong = matched.filter((line) => line.text.includes("What went wrong:")).flatMap((line) => [line.seq + 1, line.seq + 2, line.seq + 3]);
  const following = wrong.length === 0 ? [] : await client.buildLogLine.findMany({ where: { buildId, seq: { in: wrong } }, select: { seq: true, text: true } });
  const lines = failureSummary(matched, new Map(following.map((line) => [line.seq, line.text])));
  if (lines.length > 0) {
    return { step: { index: step.index, name: step.name }, lines, matched: true };
  }
  // Nothing looks like an error: what the step said last is the best hint.
  const last = await client.$queryRaw<FailureLine[]>`
    SELECT seq, text FROM "BuildLogLine" WHERE "buildId" = ${buildId}::uuid AND step = ${step.index} AND btrim(text) <> ''
    ORDER BY seq DESC LIMIT ${LAST_LINES}`;
  return { step: { index: step.index, name: step.name }, lines: failureSummary(last.reverse(), new Map()), matched: false };
}

const buildView = {
  id: true,
  number: true,
  status: true,
  trigger: true,
  commitId: true,
  branch: true,
  tag: true,
  parameters: true,
  commitMessage: true,
  commitAuthor: true,
  pullRequestId: true,
  pullRequestIteration: true,
  sourceRef: true,
  targetRef: true,
  steps: true,
  timeoutSeconds: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  cancelRequestedAt: true,
  statusReason: true,
  finding: true,
  testSummary: true,
  changes: true,
  logDeletedAt: true,
  keptAt: true,
  keptBy: { select: { id: true, name: true } },
  logLines: true,
  logBytes: true,
  logTruncated: true,
  workerHost: true,
  workerLostAt: true,
  secretsWithheld: true,
  secretsWithheldFor: true,
  secretsWithheldWhy: true,
  retryOf: { select: { id: true, number: true } },
  retriedAs: { select: { id: true, number: true, status: true } },
  upstreamBuild: { select: { id: true, number: true, profile: { select: { id: true, name: true } } } },
  runNextAt: true,
  // The step rows, for the token API's `steps` (the page reads them live: getBuildState).
  stepRuns: { orderBy: { index: "asc" }, select: { name: true, status: true, exitCode: true, startedAt: true, finishedAt: true, always: true, continueOnError: true, retries: true, tries: true, timeoutMinutes: true } },
  pool: true,
  profileId: true,
  requestedBy: { select: { id: true, name: true } },
  canceledBy: { select: { id: true, name: true } },
  profile: { select: { id: true, name: true, platform: true, webUrl: true, remoteUrl: true, connectionId: true, pausedAt: true } },
} satisfies Prisma.BuildSelect;

export type BuildView = Prisma.BuildGetPayload<{ select: typeof buildView }>;

/** One build of the scope's organization, or null. */
export async function getBuild(scope: Scope, id: string): Promise<BuildView | null> {
  return db.build.findFirst({ where: { id, organizationId: scope.organizationId }, select: buildView });
}

/** What a build page's title names: its profile, number and status; null when it is not the organization's. */
export async function getBuildTitle(scope: Scope, id: string): Promise<{ profileName: string; number: number; status: BuildStatus } | null> {
  const row = await db.build.findFirst({ where: { id, organizationId: scope.organizationId }, select: { number: true, status: true, profile: { select: { name: true } } } });
  return row ? { profileName: row.profile.name, number: row.number, status: row.status } : null;
}

/** `mine`: only the builds this person started, or of a commit with their e-mail as its author (as the build notices decide). */
export type BuildListFilter = {
  profileId?: string;
  status?: BuildStatus;
  trigger?: BuildTrigger;
  branch?: string;
  /** A commit id or its start, lowercase hex (lib/validation/builds.ts, `commitPrefixField`). */
  commit?: string;
  mine?: { userId: string; email: string };
  /** Words of the commit message or the author's name (case-insensitive; % and _ taken literally). */
  q?: string;
  /** Queued at or after `from`, and before `to` (lib/validation/builds.ts: whole UTC days). */
  from?: Date;
  to?: Date;
  /** A tag build's tag, as stored (`v2.4.0`): which build made the release. */
  tag?: string;
  /** Only builds kept forever (true: the builds a store got), or only those retention may delete (false). */
  kept?: boolean;
};

export type BuildListQuery = BuildListFilter & { page: number; pageSize: number };

/** The builds list's filters as the page and the CSV export read them from the address (`who=mine`: the reader's builds). */
export function buildFilterOf(query: BuildExportQuery, reader: { id: string; email: string }): BuildListFilter {
  return {
    ...(query.status ? { status: query.status } : {}),
    ...(query.trigger ? { trigger: query.trigger } : {}),
    ...(query.profile ? { profileId: query.profile } : {}),
    ...(query.branch ? { branch: query.branch } : {}),
    ...(query.commit ? { commit: query.commit } : {}),
    ...(query.q ? { q: query.q } : {}),
    ...(query.from ? { from: query.from } : {}),
    ...(query.to ? { to: query.to } : {}),
    ...(query.who === "mine" ? { mine: { userId: reader.id, email: reader.email } } : {}),
    ...(query.kept ? { kept: query.kept === "true" } : {}),
  };
}

function buildListWhere(scope: Scope, query: BuildListFilter): Prisma.BuildWhereInput {
  return {
    organizationId: scope.organizationId,
    ...(query.mine ? { OR: [{ requestedById: query.mine.userId }, { commitAuthorEmail: { equals: query.mine.email, mode: "insensitive" } }] } : {}),
    ...(query.profileId ? { profileId: query.profileId } : {}),
    ...(query.status ? { status: query.status } : {}),
    ...(query.trigger ? { trigger: query.trigger } : {}),
    ...(query.branch ? { branch: { in: [query.branch, `refs/heads/${query.branch.replace(/^refs\/heads\//, "")}`] } } : {}),
    // Every id starting with the prefix lies in [prefix, prefix + "g"): hex digits sort below "g",
    // byte by byte (the embedded database's C.UTF-8) as in the usual collations; the
    // (organizationId, commitId) index serves the range, where LIKE 'prefix%' needs C ordering.
    ...(query.commit ? { commitId: query.commit.length === 40 ? query.commit : { gte: query.commit, lt: `${query.commit}g` } } : {}),
    // AND, beside `mine`'s OR; the trigram indexes on both columns serve the substring search.
    ...(query.q ? { AND: [{ OR: [{ commitMessage: { contains: likeLiteral(query.q), mode: "insensitive" as const } }, { commitAuthor: { contains: likeLiteral(query.q), mode: "insensitive" as const } }] }] } : {}),
    ...(query.from || query.to ? { queuedAt: { ...(query.from ? { gte: query.from } : {}), ...(query.to ? { lt: query.to } : {}) } } : {}),
    ...(query.tag ? { tag: query.tag } : {}),
    ...(query.kept === undefined ? {} : { keptAt: query.kept ? { not: null } : null }),
  };
}

/** A build as the tables of builds show it. */
export const buildRow = {
  id: true,
  number: true,
  status: true,
  trigger: true,
  commitId: true,
  branch: true,
  tag: true,
  commitMessage: true,
  pullRequestId: true,
  targetRef: true,
  secretsWithheld: true,
  secretsWithheldFor: true,
  secretsWithheldWhy: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  requestedBy: { select: { name: true } },
  profile: { select: { id: true, name: true, pausedAt: true } },
  keptAt: true,
  retriedAs: { select: { number: true } },
  retryOf: { select: { number: true } },
} satisfies Prisma.BuildSelect;

export type BuildRow = Prisma.BuildGetPayload<{ select: typeof buildRow }>;

/** A page of the organization's builds, newest first, filtered. */
export async function listBuilds(scope: Scope, query: BuildListQuery): Promise<{ rows: BuildRow[]; total: number }> {
  const where = buildListWhere(scope, query);
  const [rows, total] = await Promise.all([
    db.build.findMany({ where, orderBy: [{ queuedAt: "desc" }, { id: "desc" }], skip: (query.page - 1) * query.pageSize, take: query.pageSize, select: buildRow }),
    db.build.count({ where }),
  ]);
  return { rows, total };
}

/** A build as the CSV export writes it (lib/builds/README.md, "Exporting builds"). */
const exportRow = {
  id: true,
  number: true,
  status: true,
  trigger: true,
  branch: true,
  tag: true,
  pullRequestId: true,
  commitId: true,
  commitMessage: true,
  commitAuthor: true,
  pool: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  workerLostAt: true,
  statusReason: true,
  requestedBy: { select: { name: true } },
  profile: { select: { name: true } },
  retryOf: { select: { number: true } },
} satisfies Prisma.BuildSelect;

export type ExportedBuild = Prisma.BuildGetPayload<{ select: typeof exportRow }>;

/** Where the next batch of an export starts: after this build (newest first). */
export type BuildCursor = { queuedAt: Date; id: string };

/**
 * One batch of the filtered builds, newest first, after `cursor` (keyset on queuedAt and id, as the
 * list sorts): an export of 100,000 builds reads them in batches, never all at once.
 */
export async function exportBuilds(scope: Scope, filter: BuildListFilter, cursor: BuildCursor | null, limit: number): Promise<{ rows: ExportedBuild[]; next: BuildCursor | null }> {
  const where = buildListWhere(scope, filter);
  const rows = await db.build.findMany({
    where: cursor ? { AND: [where, { OR: [{ queuedAt: { lt: cursor.queuedAt } }, { queuedAt: cursor.queuedAt, id: { lt: cursor.id } }] }] } : where,
    orderBy: [{ queuedAt: "desc" }, { id: "desc" }],
    take: limit,
    select: exportRow,
  });
  const last = rows.at(-1);
  return { rows, next: rows.length === limit && last ? { queuedAt: last.queuedAt, id: last.id } : null };
}

/** A profile's newest build, as the profiles list shows it. */
export type LatestBuild = { profileId: string; id: string; number: number; status: BuildStatus; branch: string | null; queuedAt: Date; finishedAt: Date | null };

/**
 * The newest build of each of these profiles (the profiles list's "Last build"), by profile id:
 * one statement, one index probe per profile (the unique (profileId, number) index, newest
 * number first). Profiles without builds are absent.
 */
export async function latestBuilds(scope: Scope, profileIds: readonly string[]): Promise<Map<string, LatestBuild>> {
  if (profileIds.length === 0) {
    return new Map();
  }
  const rows = await db.$queryRaw<LatestBuild[]>`
    SELECT p.id AS "profileId", b.id, b.number, b.status, b.branch, b."queuedAt", b."finishedAt"
    FROM unnest(${[...profileIds]}::uuid[]) AS p(id)
    CROSS JOIN LATERAL (
      SELECT id, number, status, branch, "queuedAt", "finishedAt" FROM "Build"
      WHERE "profileId" = p.id AND "organizationId" = ${scope.organizationId}::uuid
      ORDER BY number DESC LIMIT 1
    ) b`;
  return new Map(rows.map((row) => [row.profileId, row]));
}

/** Profiles of the organization that have builds (the /builds filter), by name. */
export async function listBuildProfileOptions(scope: Scope, selected?: string): Promise<{ id: string; name: string }[]> {
  // Only profiles that have built: another choice would show an empty list. The profile the
  // address filters by is always among them, so the select never shows "Every profile" while
  // one is applied (a profile past the first 1,000, or one that has not built yet).
  const [options, chosen] = await Promise.all([
    db.buildProfile.findMany({ where: { organizationId: scope.organizationId, builds: { some: {} } }, orderBy: { nameKey: "asc" }, select: { id: true, name: true, nameKey: true }, take: PROFILE_OPTIONS }),
    selected ? db.buildProfile.findFirst({ where: { organizationId: scope.organizationId, id: selected }, select: { id: true, name: true, nameKey: true } }) : null,
  ]);
  if (chosen && !options.some((option) => option.id === chosen.id)) {
    options.push(chosen);
    options.sort((a, b) => (a.nameKey < b.nameKey ? -1 : a.nameKey > b.nameKey ? 1 : 0));
  }
  return options.map(({ id, name }) => ({ id, name }));
}

/** Whether the organization has any build profile (what the empty builds page tells to do first). */
export async function hasBuildProfiles(scope: Scope): Promise<boolean> {
  return (await db.buildProfile.findFirst({ where: { organizationId: scope.organizationId }, select: { id: true } })) !== null;
}

/** How many profiles the builds page's Profile filter offers (the rest are reached from a profile's page). */
export const PROFILE_OPTIONS = 1_000;

/** Builds ahead beyond this: the estimate would be a guess on a guess (the position says enough). */
const ETA_MAX_AHEAD = 200;
const ETA_STEP_MS = 10_000;

/**
 * When queued builds are likely to start (`queueStarts` in lib/shared/builds.ts), from the builds
 * of their pools — every organization's, as a place in the queue counts them; nothing of theirs
 * leaves this function but the moments — and how long each one's profile's last successful builds
 * took (the median of its newest TYPICAL_OF_BUILDS, from TYPICAL_MIN_BUILDS: typicalDuration's
 * rule). One statement for any number of builds (ids the caller read in its own scope); the ISO
 * moment by build id, for those Keel can tell: none for a build of a one-at-a-time profile (it
 * waits for its own profile's build, which its page names) or with more than ETA_MAX_AHEAD builds ahead of it.
 */
export async function expectedStarts(buildIds: readonly string[]): Promise<Map<string, string>> {
  const starts = new Map<string, string>();
  if (buildIds.length === 0) {
    return starts;
  }
  const rows = await db.$queryRaw<{ kind: "queued" | "running"; id: string | null; wanted: boolean; pool: string; started_at: Date | null; typical: number | null }[]>`
    WITH target AS (
      SELECT b.id, b.pool FROM "Build" b JOIN "BuildProfile" p ON p.id = b."profileId"
      WHERE b.id = ANY(${[...buildIds]}::uuid[]) AND b.status = 'QUEUED' AND NOT p."oneAtATime" AND p."pausedAt" IS NULL),
    queue AS (
      SELECT q.* FROM (SELECT DISTINCT pool FROM target) t, LATERAL (
        SELECT q.id, q.pool, q."profileId", q."queuedAt", q."runNextAt" FROM "Build" q JOIN "BuildProfile" qp ON qp.id = q."profileId"
        WHERE q.status = 'QUEUED' AND q.pool = t.pool AND qp."pausedAt" IS NULL ORDER BY q."runNextAt" IS NULL, q."queuedAt", q.id LIMIT ${ETA_MAX_AHEAD + 1}) q),
    running AS (SELECT r.pool, r."profileId", r."startedAt" FROM "Build" r WHERE r.status = 'RUNNING' AND r.pool IN (SELECT pool FROM target)),
    typical AS (
      SELECT p."profileId", (
        SELECT CASE WHEN count(*) >= ${TYPICAL_MIN_BUILDS} THEN percentile_cont(0.5) WITHIN GROUP (ORDER BY recent.ms) END FROM (
          SELECT extract(epoch FROM (b."finishedAt" - b."startedAt")) * 1000 AS ms FROM "Build" b
          WHERE b."profileId" = p."profileId" AND b.status = 'SUCCEEDED' AND b."startedAt" IS NOT NULL AND b."finishedAt" IS NOT NULL
          ORDER BY b."queuedAt" DESC LIMIT ${TYPICAL_OF_BUILDS}) recent) AS ms
      FROM (SELECT "profileId" FROM queue UNION SELECT "profileId" FROM running) p)
    SELECT 'queued' AS kind, q.id::text AS id, q.id IN (SELECT id FROM target) AS wanted, q.pool, NULL::timestamp AS started_at, t.ms AS typical, q."runNextAt" IS NULL AS later, q."queuedAt" AS queued_at
    FROM queue q JOIN typical t USING ("profileId")
    UNION ALL
    SELECT 'running', NULL, false, r.pool, r."startedAt", t.ms, NULL, NULL FROM running r JOIN typical t USING ("profileId")
    ORDER BY pool, kind, later, queued_at, id`;
  const now = Date.now();
  for (const pool of new Set(rows.map((row) => row.pool))) {
    const builds = rows.filter((row) => row.pool === pool).map((row) => ({ ...row, typicalMs: row.typical === null ? null : Number(row.typical) }));
    // The builds up to the 201st: one at the last place has ETA_MAX_AHEAD ahead of it.
    const queue = builds.filter((build) => build.kind === "queued");
    const running = builds.filter((build) => build.kind === "running").map((build) => ({ elapsedMs: build.started_at ? now - build.started_at.getTime() : 0, typicalMs: build.typicalMs }));
    queueStarts(running, queue)?.forEach((eta, place) => {
      const { id, wanted } = queue[place]!;
      if (wanted && id) {
        // To 10 s: a build running past its usual time moves the moment with the clock, and the live
        // feed sends a state each time it changes — every 10 s at most, not at every read.
        starts.set(id, new Date(Math.round((now + eta) / ETA_STEP_MS) * ETA_STEP_MS).toISOString());
      }
    });
  }
  return starts;
}

/** When one build is likely to start (expectedStarts), or null: not queued, or Keel cannot tell. */
export async function expectedStartOf(build: { id: string; status: string }): Promise<string | null> {
  return build.status === "QUEUED" ? ((await expectedStarts([build.id])).get(build.id) ?? null) : null;
}

/** A list's builds, each queued one with when it is likely to start (expectedStarts; no statement when none is queued). */
export async function withExpectedStarts<T extends { id: string; status: string }>(rows: T[]): Promise<Array<T & { expectedStartAt: string | null }>> {
  const starts = await expectedStarts(rows.filter((row) => row.status === "QUEUED").map((row) => row.id));
  return rows.map((row) => ({ ...row, expectedStartAt: starts.get(row.id) ?? null }));
}

/**
 * The 1-based place of a queued build in its build pool's queue (oldest first), or null when it
 * is not queued or its profile is paused (paused builds hold no place: workers pass them by). Global by nature: the workers are shared by every organization, so builds of
 * others in the same pool count — only their number is used, nothing of them is shown.
 */
export async function queuePosition(buildId: string): Promise<number | null> {
  const rows = await db.$queryRaw<{ position: bigint | null }[]>`
    SELECT CASE WHEN b.status = 'QUEUED' AND p."pausedAt" IS NULL THEN (
      SELECT count(*) FROM "Build" q JOIN "BuildProfile" qp ON qp.id = q."profileId"
      WHERE q.status = 'QUEUED' AND q.pool = b.pool AND qp."pausedAt" IS NULL
        AND (q."runNextAt" IS NULL, q."queuedAt", q.id) <= (b."runNextAt" IS NULL, b."queuedAt", b.id)) END AS position
    FROM "Build" b JOIN "BuildProfile" p ON p.id = b."profileId" WHERE b.id = ${buildId}::uuid`;
  const position = rows[0]?.position;
  return position === null || position === undefined ? null : Number(position);
}

/** The live state of a build page: status, steps, queue position, log counters. */
export async function getBuildState(scope: Scope, id: string): Promise<BuildStateDto | null> {
  const build = await db.build.findFirst({
    where: { id, organizationId: scope.organizationId },
    select: {
      status: true,
      statusReason: true,
      startedAt: true,
      finishedAt: true,
      logLines: true,
      logTruncated: true,
      profileId: true,
      number: true,
      workflowFile: true,
      runNextAt: true,
      profile: { select: { oneAtATime: true, pausedAt: true, pauseReason: true, pausedBy: { select: { name: true } } } },
      stepRuns: { orderBy: { index: "asc" }, select: { index: true, name: true, status: true, exitCode: true, startedAt: true, finishedAt: true, always: true, continueOnError: true, retries: true, tries: true, timeoutMinutes: true } },
    },
  });
  if (!build) {
    return null;
  }
  const queued = build.status === "QUEUED";
  return {
    status: build.status,
    waitingFor: queued && build.profile.oneAtATime ? await db.$transaction((tx) => serialBlocker(tx, build.profileId, build.number)) : null,
    paused: queued ? pauseOf(build.profile) : null,
    runNext: queued && build.runNextAt !== null,
    statusReason: build.statusReason,
    startedAt: build.startedAt?.toISOString() ?? null,
    finishedAt: build.finishedAt?.toISOString() ?? null,
    queuePosition: queued ? await queuePosition(id) : null,
    expectedStartAt: await expectedStartOf({ id, status: build.status }),
    workflowFile: build.workflowFile,
    steps: build.stepRuns.map((step) => ({ ...step, startedAt: step.startedAt?.toISOString() ?? null, finishedAt: step.finishedAt?.toISOString() ?? null })),
    logLines: build.logLines,
    logTruncated: build.logTruncated,
  };
}

/** Log lines of a build after `afterSeq` (exclusive), in order, at most `limit`. */
export async function readLogLines(scope: Scope, buildId: string, afterSeq: number, limit: number): Promise<LogLineDto[]> {
  const owned = await db.build.count({ where: { id: buildId, organizationId: scope.organizationId } });
  if (owned === 0) {
    return [];
  }
  const rows = await db.buildLogLine.findMany({
    where: { buildId, seq: { gt: afterSeq } },
    orderBy: { seq: "asc" },
    take: limit,
    select: { seq: true, step: true, stream: true, text: true, at: true },
  });
  return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
}

/**
 * The first `limit` lines of a build's whole stored log that contain `text` (any case; no
 * wildcards: `%` and `_` are themselves), in order, and how many match in all — one query,
 * over the build's own lines only (its primary key's prefix).
 */
export async function searchLogLines(scope: Scope, buildId: string, text: string, limit: number): Promise<LogSearchDto> {
  const rows = await db.$queryRaw<{ seq: number; step: number; text: string; total: bigint }[]>`
    SELECT l.seq, l.step, l.text, count(*) OVER () AS total
    FROM "BuildLogLine" l JOIN "Build" b ON b.id = l."buildId"
    WHERE l."buildId" = ${buildId}::uuid AND b."organizationId" = ${scope.organizationId}::uuid AND strpos(lower(l.text), lower(${text})) > 0
    ORDER BY l.seq
    LIMIT ${limit}`;
  return { total: Number(rows[0]?.total ?? 0), matches: rows.map((row) => ({ seq: row.seq, step: row.step, text: row.text })) };
}

// ---------------------------------------------------------------------------------------------
// Builds: starting, canceling

export type NewBuild = {
  profileId: string;
  trigger: BuildTrigger;
  idempotencyKey: string;
  commitId: string;
  branch: string | null;
  /** A tag build's tag (`v2.4.0`); its branch is null. */
  tag?: string | null;
  /** Variables given for this build (never secret). */
  parameters?: BuildParameter[];
  commitMessage: string | null;
  commitAuthor: string | null;
  commitAuthorEmail?: string | null;
  pullRequest?: { id: number; iteration: number; sourceRef: string; targetRef: string } | undefined;
  steps: WorkflowStep[];
  timeoutSeconds: number;
  /** Default true (the workflow's default). */
  fetchSubmodules?: boolean;
  /** Default true (the workflow's default). */
  fetchLfs?: boolean;
  /** The workflow's artifact patterns (default none). */
  artifactPatterns?: string[];
  /** The workflow's cache folders and key files (default none). */
  cachePaths?: string[];
  cacheKeyFiles?: string[];
  /** The workflow's build pool (default "default"). */
  pool?: string;
  /** The steps file of the commit (the workflow's setting; then `steps` is empty until the worker reads it). */
  workflowFile?: string | null;
  /** The build whose lost worker this one starts again (the sweeper's; at most one per build). */
  retryOfId?: string;
  /** An AFTER_BUILD build: the other profile's successful build that started it. */
  upstreamBuildId?: string;
  /** Built without the profile's secrets, and why (Build.secretsWithheld, secretsWithheldFor, secretsWithheldWhy). */
  secretsWithheld?: { for: SecretsWithheldFor; why: string | null } | null;
  /** Started without caches: none is restored, and its own replaces the branch's (Build.skipCaches). */
  skipCaches?: boolean;
};

/**
 * Inserts the report intents a state change causes (in the caller's transaction). `toAzureDevOps`
 * false: only the organization's outgoing webhooks hear of it (a lost build started again, whose
 * retry reports under the same status in its place).
 */
async function addReports(tx: Tx, organizationId: string, build: { id: string; pullRequestId: number | null }, status: BuildStatus, toAzureDevOps = true): Promise<void> {
  if (!toAzureDevOps) {
    await addWebhookDeliveries(tx, organizationId, build.id, status);
    return;
  }
  const kinds: BuildReportKind[] = ["COMMIT_STATUS"];
  if (build.pullRequestId !== null) {
    kinds.push("PR_STATUS");
    if (FINAL.includes(status)) {
      kinds.push("PR_COMMENT");
    }
  }
  const rows = await tx.$queryRaw<{ next: number }[]>`SELECT COALESCE(MAX(seq) + 1, 0)::int AS next FROM "BuildReport" WHERE "buildId" = ${build.id}::uuid`;
  const next = rows[0]?.next ?? 0;
  await tx.buildReport.createMany({ data: kinds.map((kind, index) => ({ organizationId, buildId: build.id, seq: next + index, kind, buildStatus: status })) });
  // The organization's outgoing webhooks hear of the same change, from the same transaction.
  await addWebhookDeliveries(tx, organizationId, build.id, status);
}

/**
 * Queues a build: numbered per profile (the profile row is locked), with its steps (index 0 is
 * Keel's fetch), its first report intents and a `build.started` audit event, in one
 * transaction. Idempotent on (organization, idempotencyKey): a repeat returns the first build.
 */
export async function createBuild(scope: Scope, input: NewBuild): Promise<{ id: string; created: boolean }> {
  const existing = await db.build.findFirst({ where: { organizationId: scope.organizationId, idempotencyKey: input.idempotencyKey }, select: { id: true } });
  if (existing) {
    return { id: existing.id, created: false };
  }
  try {
    return await db.$transaction(async (tx) => ({ id: (await insertBuild(tx, scope, input)).id, created: true }));
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const again = await db.build.findFirst({ where: { organizationId: scope.organizationId, idempotencyKey: input.idempotencyKey }, select: { id: true } });
      if (again) {
        return { id: again.id, created: false };
      }
    }
    throw error;
  }
}

/** A new build's rows, in the caller's transaction (createBuild's, or the sweeper's when it starts a lost build again). */
async function insertBuild(tx: Tx, scope: Scope, input: NewBuild): Promise<{ id: string; number: number }> {
  const rows = await tx.$queryRaw<{ number: number }[]>`
    UPDATE "BuildProfile" SET "nextBuildNumber" = "nextBuildNumber" + 1
    WHERE id = ${input.profileId}::uuid AND "organizationId" = ${scope.organizationId}::uuid
    RETURNING "nextBuildNumber" - 1 AS number`;
  const number = rows[0]?.number;
  if (number === undefined) {
    throw new AppError("NOT_FOUND", "That build profile does not exist in your organization.");
  }
  const id = randomUUID();
  const pr = input.pullRequest;
  await tx.build.create({
    data: {
      id,
      organizationId: scope.organizationId,
      profileId: input.profileId,
      number,
      trigger: input.trigger,
      requestedById: onBehalfOf(scope),
      idempotencyKey: input.idempotencyKey,
      commitId: input.commitId,
      branch: input.branch,
      tag: input.tag ?? null,
      ...(input.parameters && input.parameters.length > 0 ? { parameters: input.parameters } : {}),
      commitMessage: input.commitMessage,
      commitAuthor: input.commitAuthor,
      commitAuthorEmail: input.commitAuthorEmail ?? null,
      pullRequestId: pr?.id ?? null,
      pullRequestIteration: pr?.iteration ?? null,
      sourceRef: pr?.sourceRef ?? null,
      targetRef: pr?.targetRef ?? null,
      steps: input.steps,
      timeoutSeconds: input.timeoutSeconds,
      fetchSubmodules: input.fetchSubmodules ?? true,
      fetchLfs: input.fetchLfs ?? true,
      artifactPatterns: input.artifactPatterns ?? [],
      cachePaths: input.cachePaths ?? [],
      cacheKeyFiles: input.cacheKeyFiles ?? [],
      pool: input.pool ?? DEFAULT_POOL,
      workflowFile: input.workflowFile ?? null,
      retryOfId: input.retryOfId ?? null,
      upstreamBuildId: input.upstreamBuildId ?? null,
      secretsWithheld: Boolean(input.secretsWithheld),
      secretsWithheldFor: input.secretsWithheld?.for ?? null,
      secretsWithheldWhy: input.secretsWithheld?.why ?? null,
      skipCaches: input.skipCaches ?? false,
    },
  });
  await tx.buildStep.createMany({
    data: [{ name: "Fetch commit", command: `git fetch ${input.commitId}` }, ...input.steps].map((step: WorkflowStep, index) => ({ buildId: id, index, ...stepRow(step) })),
  });
  await addReports(tx, scope.organizationId, { id, pullRequestId: pr?.id ?? null }, "QUEUED");
  await recordAudit(
    scope,
    {
      action: "build.started",
      targetType: "build",
      targetId: id,
      data: {
        profileId: input.profileId,
        number,
        trigger: input.trigger,
        commitId: input.commitId,
        branch: input.branch,
        ...(input.tag ? { tag: input.tag } : {}),
        ...(input.parameters?.length ? { variables: input.parameters.map((item) => item.name) } : {}),
        pullRequestId: pr?.id ?? null,
        ...(input.retryOfId ? { retryOf: input.retryOfId } : {}),
      },
    },
    tx,
  );
  return { id, number };
}

/**
 * Deletes the log lines of builds that finished more than `days` ago (global: the hourly
 * housekeeping job covers every organization), at most `maxBuilds` builds per call and ten per
 * transaction (a build may have 50,000 lines) so one run stays short; the build's record — status, steps, test summary, reports — stays, and
 * `logDeletedAt` tells its page why the log is empty. Returns how many builds lost their log.
 */
export async function pruneBuildLogs(days: number, now = new Date(), maxBuilds = 500): Promise<number> {
  const cutoff = new Date(now.getTime() - days * 24 * 3_600_000);
  let done = 0;
  while (done < maxBuilds) {
    const batch = await db.build.findMany({ where: { finishedAt: { lt: cutoff }, logDeletedAt: null, keptAt: null }, orderBy: { finishedAt: "asc" }, take: Math.min(10, maxBuilds - done), select: { id: true } });
    if (batch.length === 0) {
      break;
    }
    const ids = batch.map((build) => build.id);
    await db.$transaction([db.buildLogLine.deleteMany({ where: { buildId: { in: ids } } }), db.build.updateMany({ where: { id: { in: ids } }, data: { logDeletedAt: now } })]);
    done += ids.length;
  }
  return done;
}

/** A profile's latest finished builds (cancels left out), newest first: what its page's numbers are drawn from. */
export async function recentFinishedBuilds(scope: Scope, profileId: string, take = 30): Promise<{ status: BuildStatus; startedAt: Date | null; finishedAt: Date | null }[]> {
  return db.build.findMany({
    where: { organizationId: scope.organizationId, profileId, status: { in: ["SUCCEEDED", "FAILED", "TIMED_OUT", "ERROR"] } },
    orderBy: { number: "desc" },
    take,
    select: { status: true, startedAt: true, finishedAt: true },
  });
}

/** One build pool's share of the organization's queued and running builds. */
export type PoolCounts = { pool: string; queued: number; running: number };

/**
 * How many of the organization's builds wait in the queue and how many run now, in all and per
 * build pool, and how many of the queued ones wait because an admin paused their profile.
 */
export async function buildQueueCounts(scope: Scope): Promise<{ queued: number; running: number; paused: number; byPool: PoolCounts[] }> {
  const [rows, paused] = await Promise.all([
    db.build.groupBy({ by: ["status", "pool"], where: { organizationId: scope.organizationId, status: { in: ["QUEUED", "RUNNING"] } }, _count: { _all: true } }),
    db.build.count({ where: { organizationId: scope.organizationId, status: "QUEUED", profile: { pausedAt: { not: null } } } }),
  ]);
  // Per build pool too: a pool whose builds wait with no live worker is named on the pages.
  const byPool = new Map<string, PoolCounts>();
  for (const row of rows) {
    const entry = byPool.get(row.pool) ?? { pool: row.pool, queued: 0, running: 0 };
    entry[row.status === "QUEUED" ? "queued" : "running"] += row._count._all;
    byPool.set(row.pool, entry);
  }
  const pools = [...byPool.values()].sort((a, b) => a.pool.localeCompare(b.pool, "en"));
  return { queued: pools.reduce((sum, entry) => sum + entry.queued, 0), running: pools.reduce((sum, entry) => sum + entry.running, 0), paused, byPool: pools };
}

/**
 * Tells each organization's admins (a notice, e-mailed) about build pools whose builds have waited
 * since before `waitingSince` while no live worker builds for the pool (`livePools`): the Mac
 * that builds for "macos" was switched off, and nobody would know until someone asks why. One
 * notice per pool and stuck episode (keyed by the oldest waiting build); returns how many.
 */
export async function noticeStrandedPools(waitingSince: Date, livePools: readonly string[]): Promise<number> {
  const stuck = await db.build.groupBy({
    by: ["organizationId", "pool"],
    // A paused profile's builds wait for an admin, not for a worker.
    where: { status: "QUEUED", queuedAt: { lt: waitingSince }, cancelRequestedAt: null, pool: { notIn: [...livePools] }, profile: { pausedAt: null } },
    _count: { _all: true },
  });
  let made = 0;
  for (const group of stuck) {
    const oldest = await db.build.findFirst({
      where: { organizationId: group.organizationId, pool: group.pool, status: "QUEUED" },
      orderBy: [{ queuedAt: "asc" }, { id: "asc" }],
      select: { id: true, number: true, queuedAt: true, profile: { select: { name: true } } },
    });
    const admins = await db.membership.findMany({ where: { organizationId: group.organizationId, role: "ADMIN", user: { isActive: true } }, select: { userId: true } });
    if (!oldest || admins.length === 0) {
      continue;
    }
    const { count } = await db.notification.createMany({
      data: [
        {
          organizationId: group.organizationId,
          connectionId: null,
          kind: "build_pool.stranded",
          dedupeKey: `build_pool.stranded:${group.pool}:${oldest.id}`,
          data: { pool: group.pool, waiting: group._count._all, profile: oldest.profile.name, number: oldest.number, since: oldest.queuedAt.toISOString() },
          recipientIds: admins.map((admin) => admin.userId),
        },
      ],
      skipDuplicates: true,
    });
    made += count;
  }
  return made;
}

/**
 * Tells each organization's admins (a notice, e-mailed) about profiles paused since before
 * `pausedBefore`: a pause for an Xcode upgrade that nobody lifted leaves every push waiting.
 * Once per pause (keyed by the profile and when it was paused); returns how many were made.
 */
export async function noticeLongPauses(pausedBefore: Date): Promise<number> {
  const paused = await db.buildProfile.findMany({
    where: { pausedAt: { lt: pausedBefore } },
    select: { id: true, organizationId: true, name: true, pausedAt: true, pauseReason: true, pausedBy: { select: { name: true } }, _count: { select: { builds: { where: { status: "QUEUED" } } } } },
    take: 500,
  });
  let made = 0;
  for (const profile of paused) {
    const admins = await db.membership.findMany({ where: { organizationId: profile.organizationId, role: "ADMIN", user: { isActive: true } }, select: { userId: true } });
    if (admins.length === 0) {
      continue;
    }
    const since = profile.pausedAt!.toISOString();
    const { count } = await db.notification.createMany({
      data: [
        {
          organizationId: profile.organizationId,
          connectionId: null,
          kind: "profile.paused_long",
          dedupeKey: `profile.paused_long:${profile.id}:${since}`,
          data: { profileId: profile.id, profile: profile.name, since, by: profile.pausedBy?.name ?? null, reason: profile.pauseReason, queued: profile._count.builds },
          recipientIds: admins.map((admin) => admin.userId),
        },
      ],
      skipDuplicates: true,
    });
    made += count;
  }
  return made;
}

/** The organization's running builds with the worker process running each (the Workers page). */
export async function runningBuildsByWorker(scope: Scope): Promise<Array<{ id: string; number: number; profileName: string; workerHost: string | null; workerPid: number | null }>> {
  const rows = await db.build.findMany({
    where: { organizationId: scope.organizationId, status: "RUNNING" },
    orderBy: { startedAt: "asc" },
    take: 200,
    select: { id: true, number: true, workerHost: true, workerPid: true, profile: { select: { name: true } } },
  });
  return rows.map(({ profile, ...row }) => ({ ...row, profileName: profile.name }));
}

/**
 * Keeps a finished build forever, or lets retention have it again (admins; audited): a kept
 * build's log and artifacts are never pruned. Refused for a build still queued or running.
 */
export async function setBuildKept(scope: Scope, id: string, keep: boolean): Promise<void> {
  if (!can(scope, "build.keep")) {
    throw new AppError("FORBIDDEN", refusalOf("build.keep"));
  }
  const actor = requireUserActor(scope);
  await db.$transaction(async (tx) => {
    const build = await tx.build.findFirst({ where: { id, organizationId: scope.organizationId }, select: { number: true, status: true, keptAt: true, logDeletedAt: true, profile: { select: { name: true } } } });
    if (!build) {
      throw new AppError("NOT_FOUND", "That build does not exist in your organization.");
    }
    if (!FINAL.includes(build.status)) {
      throw new AppError("CONFLICT", "The build has not finished yet: keep it once it has.");
    }
    if ((build.keptAt !== null) === keep) {
      return;
    }
    await tx.build.update({ where: { id }, data: keep ? { keptAt: new Date(), keptById: actor.userId } : { keptAt: null, keptById: null } });
    await recordAudit(scope, { action: keep ? "build.kept" : "build.unkept", targetType: "build", targetId: id, data: { profile: build.profile.name, number: build.number } }, tx);
  });
}

/**
 * Moves a queued build to the front of its pool's queue (admins, "Run next"): queue places and
 * estimates put it first (with others moved there, in their order), and the caller raises its
 * job's priority so workers fetch it first. Audited. CONFLICT once it has started.
 */
export async function markRunNext(scope: Scope, id: string): Promise<{ changed: boolean; pool: string }> {
  if (!can(scope, "build.run_next")) {
    throw new AppError("FORBIDDEN", refusalOf("build.run_next"));
  }
  return db.$transaction(async (tx) => {
    const build = await tx.build.findFirst({ where: { id, organizationId: scope.organizationId }, select: { status: true, number: true, pool: true, runNextAt: true, profile: { select: { name: true } } } });
    if (!build) {
      throw new AppError("NOT_FOUND", "That build does not exist in your organization.");
    }
    if (build.status !== "QUEUED") {
      throw new AppError("CONFLICT", "The build is not in the queue any more: it has started or ended.");
    }
    if (build.runNextAt !== null) {
      return { changed: false, pool: build.pool };
    }
    await tx.build.update({ where: { id }, data: { runNextAt: new Date() } });
    await recordAudit(scope, { action: "build.run_next", targetType: "build", targetId: id, data: { profile: build.profile.name, number: build.number } }, tx);
    return { changed: true, pool: build.pool };
  });
}

/**
 * Which builds get the profile's secret variables and files (admins; lib/builds/README.md,
 * "Secrets only for some branches"): every build (`refs` null), or only builds of the branches
 * and tags named. Audited when it changes, in words. Builds already queued keep what they were given.
 */
export async function setSecretRefs(scope: Scope, profileId: string, refs: SecretRefs | null): Promise<{ changed: boolean }> {
  if (!can(scope, "workflow.update")) {
    throw new AppError("FORBIDDEN", refusalOf("workflow.update"));
  }
  return db.$transaction(async (tx) => {
    await lockProfile(tx, scope, profileId);
    const profile = await tx.buildProfile.findUniqueOrThrow({ where: { id: profileId }, select: { name: true, secretRefs: true, defaultBranch: true } });
    const before = secretRefsOf(profile.secretRefs);
    if (JSON.stringify(before) === JSON.stringify(refs)) {
      return { changed: false };
    }
    await tx.buildProfile.update({ where: { id: profileId }, data: { secretRefs: refs ?? Prisma.DbNull } });
    await recordAudit(
      scope,
      { action: "workflow.secrets_for", targetType: "build_profile", targetId: profileId, data: { name: profile.name, secretsFor: refs ? describeSecretRefs(refs, profile.defaultBranch) : "every build" } },
      tx,
    );
    return { changed: true };
  });
}

/** Who paused a profile's builds, when and why (a queued build's page and the profile's say it). */
export type ProfilePause = { since: string; by: string | null; reason: string | null };

function pauseOf(profile: { pausedAt: Date | null; pauseReason: string | null; pausedBy: { name: string } | null }): ProfilePause | null {
  return profile.pausedAt ? { since: profile.pausedAt.toISOString(), by: profile.pausedBy?.name ?? null, reason: profile.pauseReason } : null;
}

/**
 * Pauses a profile's builds (admins; lib/builds/README.md, "Paused profiles"), or resumes them
 * (`pause` null): while paused, builds queue as usual (nothing a push or the schedule starts is
 * lost) and no worker starts them. Audited when it changes. Returns whether it changed and how
 * many of its builds are queued (they start once resumed).
 */
export async function setProfilePaused(scope: Scope, profileId: string, pause: { reason: string | null } | null): Promise<{ changed: boolean; queued: number }> {
  if (!can(scope, "profile.pause")) {
    throw new AppError("FORBIDDEN", refusalOf("profile.pause"));
  }
  const actor = requireUserActor(scope);
  return db.$transaction(async (tx) => {
    await lockProfile(tx, scope, profileId);
    const profile = await tx.buildProfile.findUniqueOrThrow({ where: { id: profileId }, select: { name: true, pausedAt: true, pauseReason: true } });
    const queued = await tx.build.count({ where: { profileId, status: "QUEUED" } });
    // Pausing again only changes the reason (audited as a pause); resuming what runs changes nothing.
    if (pause === null ? profile.pausedAt === null : profile.pausedAt !== null && profile.pauseReason === pause.reason) {
      return { changed: false, queued };
    }
    await tx.buildProfile.update({
      where: { id: profileId },
      data: pause ? { pausedAt: profile.pausedAt ?? new Date(), pausedById: actor.userId, pauseReason: pause.reason } : { pausedAt: null, pausedById: null, pauseReason: null },
    });
    await recordAudit(scope, { action: pause ? "profile.builds_paused" : "profile.builds_resumed", targetType: "build_profile", targetId: profileId, data: { name: profile.name, reason: pause?.reason ?? null, queued } }, tx);
    return { changed: true, queued };
  });
}

/**
 * Cancels a build: a queued one ends at once (its job will find it no longer queued); a running
 * one is marked, and its worker kills the steps within a second. Audited. Returns the status.
 */
export async function requestCancel(scope: Scope, id: string, because?: string, options: { onlyQueued?: boolean } = {}): Promise<{ status: BuildStatus; alreadyFinal: boolean }> {
  if (!can(scope, "build.cancel")) {
    throw new AppError("FORBIDDEN", refusalOf("build.cancel"));
  }
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ status: BuildStatus; pullRequestId: number | null }[]>`
      SELECT status, "pullRequestId" FROM "Build" WHERE id = ${id}::uuid AND "organizationId" = ${scope.organizationId}::uuid FOR UPDATE`;
    const row = rows[0];
    if (!row) {
      throw new AppError("NOT_FOUND", "That build does not exist in your organization.");
    }
    // "Cancel the queued builds" leaves a build that started meanwhile alone (like a finished one).
    if (FINAL.includes(row.status) || (options.onlyQueued && row.status !== "QUEUED")) {
      return { status: row.status, alreadyFinal: true };
    }
    const who = onBehalfOf(scope);
    const name = who ? ((await tx.user.findUnique({ where: { id: who }, select: { name: true } }))?.name ?? null) : null;
    const reason = because ?? (name ? `Canceled by ${name}.` : "Canceled.");
    if (row.status === "QUEUED") {
      await tx.build.update({ where: { id }, data: { status: "CANCELED", finishedAt: new Date(), cancelRequestedAt: new Date(), canceledById: who, statusReason: reason } });
      await tx.buildStep.updateMany({ where: { buildId: id, status: "PENDING" }, data: { status: "SKIPPED" } });
      await addReports(tx, scope.organizationId, { id, pullRequestId: row.pullRequestId }, "CANCELED");
    } else {
      // A reason given now (a newer build superseded it) is what the worker ends the build with.
      await tx.build.update({ where: { id }, data: { cancelRequestedAt: new Date(), canceledById: who, ...(because ? { statusReason: because } : {}) } });
    }
    await recordAudit(scope, { action: "build.canceled", targetType: "build", targetId: id, data: { while: row.status, ...(because ? { reason: because } : {}) } }, tx);
    return { status: row.status === "QUEUED" ? "CANCELED" : row.status, alreadyFinal: false };
  });
}

// ---------------------------------------------------------------------------------------------
// Builds: the worker's writes (system scope). Every write after the claim names the run
// (`runId`) and needs the build still RUNNING: a build the sweeper gave up on, or one whose
// profile was deleted, stops its worker instead of being written to.

export type ClaimedBuild = {
  id: string;
  number: number;
  organizationId: string;
  profileId: string;
  commitId: string;
  branch: string | null;
  tag: string | null;
  parameters: Prisma.JsonValue;
  trigger: BuildTrigger;
  pullRequestId: number | null;
  /** A pull request's target branch (`refs/heads/main`), else null. */
  targetRef: string | null;
  steps: WorkflowStep[];
  timeoutSeconds: number;
  fetchSubmodules: boolean;
  fetchLfs: boolean;
  artifactPatterns: string[];
  cachePaths: string[];
  cacheKeyFiles: string[];
  pool: string;
  /** The steps file of the commit its steps come from (then `steps` is empty until read), or null. */
  workflowFile: string | null;
  /** Built without the profile's secrets: none reaches the steps (a fork's pull request's only on a build user's worker); why, and in words. */
  secretsWithheld: boolean;
  secretsWithheldFor: SecretsWithheldFor | null;
  secretsWithheldWhy: string | null;
  /** Started without caches: none is restored before the steps. */
  skipCaches: boolean;
  queuedAt: Date;
  startedAt: Date;
};

/**
 * The profile's older builds of the same branch (push and poll builds) or pull request that are
 * queued (and running, with `includeRunning`): what a newer automatic build supersedes. `number`
 * null: all of them (a pull request that was closed).
 */
export async function supersededBuilds(
  scope: Scope,
  build: { profileId: string; number: number | null; branch: string | null; pullRequestId: number | null },
  includeRunning: boolean,
): Promise<{ id: string; number: number; status: BuildStatus }[]> {
  return db.build.findMany({
    where: {
      organizationId: scope.organizationId,
      profileId: build.profileId,
      ...(build.number !== null ? { number: { lt: build.number } } : {}),
      status: { in: includeRunning ? ["QUEUED", "RUNNING"] : ["QUEUED"] },
      cancelRequestedAt: null,
      ...(build.pullRequestId !== null ? { trigger: "PULL_REQUEST", pullRequestId: build.pullRequestId } : { trigger: { in: ["PUSH", "POLL"] }, pullRequestId: null, branch: build.branch }),
    },
    orderBy: { number: "asc" },
    select: { id: true, number: true, status: true },
  });
}

/**
 * The build of the profile a queued build waits for when its profile runs one build at a time:
 * the running one, or an older one still queued (they run in order). Null when it may run.
 */
async function serialBlocker(tx: Tx, profileId: string, number: number): Promise<number | null> {
  const rows = await tx.$queryRaw<{ number: number }[]>`
    SELECT number FROM "Build"
    WHERE "profileId" = ${profileId}::uuid AND (status = 'RUNNING' OR (status = 'QUEUED' AND number < ${number}))
    ORDER BY (status = 'RUNNING') DESC, number LIMIT 1`;
  return rows[0]?.number ?? null;
}

/** How many of a profile's builds are queued (a paused profile's page says how many wait). */
export async function queuedBuildCount(scope: Scope, profileId: string): Promise<number> {
  return db.build.count({ where: { organizationId: scope.organizationId, profileId, status: "QUEUED" } });
}

/** How many queued builds one "Cancel the queued builds" cancels (the rest: press it again). */
export const CANCEL_QUEUED_MAX = 200;

/** The organization's queued builds (of one profile when given), oldest first, at most CANCEL_QUEUED_MAX + 1. */
export async function queuedBuildIds(scope: Scope, filter: { profileId?: string } = {}): Promise<string[]> {
  const rows = await db.build.findMany({
    where: { organizationId: scope.organizationId, status: "QUEUED", ...(filter.profileId ? { profileId: filter.profileId } : {}) },
    orderBy: { queuedAt: "asc" },
    take: CANCEL_QUEUED_MAX + 1,
    select: { id: true },
  });
  return rows.map((row) => row.id);
}

/**
 * Moves a QUEUED build to RUNNING for this run; null when it was not queued any more (nothing
 * runs twice); `{ waitingFor }` (the number of the build it waits for) when its profile runs one
 * build at a time and another of its builds runs or is older in the queue. The profile's row lock
 * makes two workers' claims of its builds take turns.
 */
export async function claimBuild(scope: Scope, id: string, runId: string, worker: { host: string; pid: number }): Promise<ClaimedBuild | null | { waitingFor: number } | { paused: ProfilePause }> {
  return db.$transaction(async (tx) => {
    const queued = await tx.build.findFirst({
      where: { id, organizationId: scope.organizationId, status: "QUEUED" },
      select: { profileId: true, number: true, profile: { select: { oneAtATime: true, pausedAt: true, pauseReason: true, pausedBy: { select: { name: true } } } } },
    });
    if (!queued) {
      return null;
    }
    // Paused by an admin: it stays queued (a resume that commits meanwhile is seen at the next look).
    const paused = pauseOf(queued.profile);
    if (paused) {
      return { paused };
    }
    if (queued.profile.oneAtATime) {
      await lockProfile(tx, scope, queued.profileId);
      const waitingFor = await serialBlocker(tx, queued.profileId, queued.number);
      if (waitingFor !== null) {
        return { waitingFor };
      }
    }
    const rows = await tx.$queryRaw<{ id: string }[]>`
      UPDATE "Build" SET status = 'RUNNING', "runId" = ${runId}::uuid, "startedAt" = now(), "heartbeatAt" = now(), "workerHost" = ${worker.host}, "workerPid" = ${worker.pid}, "updatedAt" = now()
      WHERE id = ${id}::uuid AND "organizationId" = ${scope.organizationId}::uuid AND status = 'QUEUED'
      RETURNING id`;
    if (rows.length === 0) {
      return null;
    }
    const build = await tx.build.findUniqueOrThrow({
      where: { id },
      select: { id: true, number: true, organizationId: true, profileId: true, commitId: true, branch: true, tag: true, parameters: true, trigger: true, pullRequestId: true, targetRef: true, steps: true, timeoutSeconds: true, fetchSubmodules: true, fetchLfs: true, artifactPatterns: true, cachePaths: true, cacheKeyFiles: true, pool: true, workflowFile: true, secretsWithheld: true, secretsWithheldFor: true, secretsWithheldWhy: true, skipCaches: true, queuedAt: true, startedAt: true },
    });
    await addReports(tx, scope.organizationId, build, "RUNNING");
    return { ...build, steps: build.steps as WorkflowStep[], startedAt: build.startedAt ?? new Date() };
  });
}

export type RunSignal = { alive: boolean; cancelRequested: boolean };

/** Refreshes the run's heartbeat; says whether the run still owns the build and whether Cancel was asked. */
export async function beatBuild(scope: Scope, id: string, runId: string): Promise<RunSignal> {
  const rows = await db.$queryRaw<{ cancel: Date | null }[]>`
    UPDATE "Build" SET "heartbeatAt" = now() WHERE id = ${id}::uuid AND "organizationId" = ${scope.organizationId}::uuid AND "runId" = ${runId}::uuid AND status = 'RUNNING'
    RETURNING "cancelRequestedAt" AS cancel`;
  const row = rows[0];
  return row ? { alive: true, cancelRequested: row.cancel !== null } : { alive: false, cancelRequested: false };
}

export type LogLineInput = { seq: number; step: number; stream: LogStream; text: string; at: Date };

/**
 * Appends log lines (already numbered and masked) and the run's counters in one transaction;
 * false when the run no longer owns the build (nothing is written then).
 */
export async function appendLogLines(scope: Scope, id: string, runId: string, lines: LogLineInput[], counters: { logLines: number; logBytes: number; logTruncated: boolean }): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const owned = await tx.$executeRaw`
      UPDATE "Build" SET "logLines" = ${counters.logLines}, "logBytes" = ${counters.logBytes}, "logTruncated" = ${counters.logTruncated}, "heartbeatAt" = now()
      WHERE id = ${id}::uuid AND "organizationId" = ${scope.organizationId}::uuid AND "runId" = ${runId}::uuid AND status = 'RUNNING'`;
    if (owned !== 1) {
      return false;
    }
    if (lines.length > 0) {
      await tx.$executeRaw`
        INSERT INTO "BuildLogLine" ("buildId", seq, step, stream, text, at)
        SELECT ${id}::uuid, * FROM unnest(
          ${lines.map((line) => line.seq)}::int[],
          ${lines.map((line) => line.step)}::int[],
          ${lines.map((line) => line.stream)}::"LogStream"[],
          ${lines.map((line) => line.text)}::text[],
          ${lines.map((line) => line.at)}::timestamptz[])
        ON CONFLICT DO NOTHING`;
    }
    return true;
  });
}

/** Stores what the build's test reports said, while this run owns the build. */
export async function setTestSummary(scope: Scope, id: string, runId: string, summary: Prisma.InputJsonValue): Promise<void> {
  await db.build.updateMany({ where: { id, organizationId: scope.organizationId, runId, status: "RUNNING" }, data: { testSummary: summary } });
}

/**
 * The build a build's changes are counted from (lib/builds/README.md, "Changes since the last
 * good build"): the profile's newest earlier successful build of the same line — the same
 * branch (pushes, polls, schedules, by hand), the same pull request, or any tag for a tag build —
 * of another commit; null when there is none, and for a pasted commit's build, which belongs to
 * no line (`hasLine`).
 */
export async function previousGoodBuild(
  scope: Scope,
  build: Pick<ClaimedBuild, "profileId" | "number" | "commitId" | "branch" | "tag" | "pullRequestId">,
): Promise<{ id: string; number: number; commitId: string; queuedAt: Date } | null> {
  const line = lineOf(build);
  if (!line) {
    return null;
  }
  return db.build.findFirst({
    where: { ...line, organizationId: scope.organizationId, profileId: build.profileId, status: "SUCCEEDED", number: { lt: build.number }, commitId: { not: build.commitId } },
    orderBy: { number: "desc" },
    select: { id: true, number: true, commitId: true, queuedAt: true },
  });
}

/** Audit actions on a profile that change what its builds do (not its triggers, chat or badge). */
const BUILD_CHANGING_ACTIONS = ["workflow.updated", "workflow.secret_file_saved", "workflow.secret_file_removed", "workflow.secrets_for", "profile.rebound"];
/** Audit actions on a variable group the profile uses. */
const GROUP_ACTIONS = ["variable_group.updated", "variable_group.deleted"];
/** Audit actions on the profile's connection that change how builds fetch (its credential, its trust). */
const CONNECTION_ACTIONS = ["connection.token_replaced", "connection.reauthorized", "connection.provider_switched", "connection.credential_replaced", "connection.ca_uploaded", "connection.ca_removed"];
/** How many such changes a build page lists. */
export const KEEL_CHANGES_SHOWN = 20;

/** `data`: the audit event's, which lib/audit/labels.ts puts in words. */
export type KeelChange = { id: string; at: Date; actor: string | null; action: string; data: Prisma.JsonValue };

/**
 * What admins changed in Keel between the last successful build of a build's line and the build
 * (lib/builds/README.md, "Changed in Keel since the last good build"): the profile's workflow,
 * secret files and connection, the connection's credential and trust, and the variable groups it
 * uses — the other half of "it broke and the code did not change". `baseline` is that build
 * (`previousGoodBuild`); null without one. Oldest first, at most KEEL_CHANGES_SHOWN.
 */
export async function keelChangesSince(
  scope: Scope,
  build: { profileId: string; queuedAt: Date },
  baseline: { id: string; number: number; queuedAt: Date } | null,
): Promise<{ since: { id: string; number: number }; changes: KeelChange[]; more: boolean } | null> {
  if (!baseline) {
    return null;
  }
  const [groups, profile] = await Promise.all([
    db.profileVariableGroup.findMany({ where: { profileId: build.profileId, organizationId: scope.organizationId }, select: { groupId: true } }),
    db.buildProfile.findFirst({ where: { id: build.profileId, organizationId: scope.organizationId }, select: { connectionId: true } }),
  ]);
  const rows = await db.auditEvent.findMany({
    where: {
      organizationId: scope.organizationId,
      createdAt: { gt: baseline.queuedAt, lte: build.queuedAt },
      OR: [
        { targetType: "build_profile", targetId: build.profileId, action: { in: BUILD_CHANGING_ACTIONS } },
        ...(groups.length > 0 ? [{ targetType: "variable_group", targetId: { in: groups.map((group) => group.groupId) }, action: { in: GROUP_ACTIONS } }] : []),
        ...(profile?.connectionId ? [{ targetType: "connection", targetId: profile.connectionId, action: { in: CONNECTION_ACTIONS } }] : []),
      ],
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: KEEL_CHANGES_SHOWN + 1,
    select: { id: true, createdAt: true, action: true, data: true, actor: { select: { name: true } } },
  });
  return {
    since: { id: baseline.id, number: baseline.number },
    changes: rows.slice(0, KEEL_CHANGES_SHOWN).map((row) => ({ id: row.id, at: row.createdAt, actor: row.actor?.name ?? null, action: row.action, data: row.data })),
    more: rows.length > KEEL_CHANGES_SHOWN,
  };
}

/** The builds of a build's line: its pull request's, the tag builds, or its branch's; null for a pasted commit's build. */
function lineOf(build: Pick<ClaimedBuild, "branch" | "tag" | "pullRequestId">): Prisma.BuildWhereInput | null {
  return build.pullRequestId !== null ? { pullRequestId: build.pullRequestId } : build.tag ? { tag: { not: null } } : build.branch ? { branch: build.branch, pullRequestId: null } : null;
}

/** How many earlier builds of its line a failed case's history looks at, and how many other builds of its commit. */
export const TEST_HISTORY_LINE = 20;
export const TEST_HISTORY_SAME_COMMIT = 10;

/**
 * What a failed case's history is read from (lib/shared/tests.ts, `failureHistories`): the
 * profile's earlier builds of the build's line that have test results, newest first; its other
 * builds of the same commit that have them; and for a pull request's build, the newest earlier
 * build of the branch it merges into (`targetRef`) that has them.
 */
export async function testHistoryRuns(
  scope: Scope,
  build: Pick<ClaimedBuild, "id" | "profileId" | "number" | "commitId" | "branch" | "tag" | "pullRequestId"> & { targetRef: string | null },
): Promise<{ line: TestRun[]; sameCommit: TestRun[]; target: TestRun | null }> {
  const line = lineOf(build);
  const select = { id: true, number: true, commitId: true, testSummary: true } as const;
  const withTests = { organizationId: scope.organizationId, profileId: build.profileId, NOT: { testSummary: { equals: Prisma.DbNull } } } satisfies Prisma.BuildWhereInput;
  const [earlier, sameCommit, target] = await Promise.all([
    line ? db.build.findMany({ where: { ...line, ...withTests, number: { lt: build.number } }, orderBy: { number: "desc" }, take: TEST_HISTORY_LINE, select }) : [],
    db.build.findMany({ where: { ...withTests, commitId: build.commitId, id: { not: build.id } }, orderBy: { number: "desc" }, take: TEST_HISTORY_SAME_COMMIT, select }),
    build.pullRequestId !== null && build.targetRef
      ? db.build.findMany({ where: { ...withTests, branch: build.targetRef, pullRequestId: null, number: { lt: build.number } }, orderBy: { number: "desc" }, take: 1, select })
      : [],
  ]);
  return { line: testRuns(earlier), sameCommit: testRuns(sameCommit), target: testRuns(target)[0] ?? null };
}

type TestedBuild = Parameters<typeof testHistoryRuns>[1] & { testSummary: Prisma.JsonValue | null };

/** Each stored failed case of a build with its history (`failureHistories`, one per failure); [] when it has no failed case. */
export async function failureHistoriesOf(scope: Scope, build: TestedBuild): Promise<FailureHistory[]> {
  const tests = testSummaryOf(build.testSummary);
  return tests && tests.failures.length > 0 ? (await testStoryOf(scope, build)).histories : [];
}

/** What the build page's Tests card tells beside the counts: each failed case's history, and the cases passing again (`passingAgain`). */
export async function testStoryOf(scope: Scope, build: TestedBuild): Promise<{ histories: FailureHistory[]; passingAgain: ReturnType<typeof passingAgain> }> {
  const tests = testSummaryOf(build.testSummary);
  if (!tests) {
    return { histories: [], passingAgain: null };
  }
  const runs = await testHistoryRuns(scope, build);
  return { histories: failureHistories(tests, runs.line, runs.sameCommit, runs.target), passingAgain: passingAgain(tests, runs.line) };
}

/** Builds' stored test summaries as runs; a summary that does not read as one is left out. */
export function testRuns(rows: { id: string; number: number; commitId: string; testSummary: Prisma.JsonValue }[]): TestRun[] {
  return rows.flatMap((row) => {
    const summary = testSummaryOf(row.testSummary);
    return summary ? [{ id: row.id, number: row.number, commitId: row.commitId, summary }] : [];
  });
}

/** Stores what the running build has since its line's last good build (lib/shared/build-changes.ts). */
export async function setBuildChanges(scope: Scope, id: string, runId: string, changes: BuildChanges): Promise<void> {
  await db.build.updateMany({ where: { id, organizationId: scope.organizationId, runId, status: "RUNNING" }, data: { changes } });
}

/**
 * Gives a running build the steps its steps file lists (lib/builds/workflow-file.ts): the build's
 * `steps` and its step rows after Keel's fetch, in one transaction, while this run owns it.
 */
export async function setBuildSteps(scope: Scope, id: string, runId: string, steps: WorkflowStep[]): Promise<void> {
  await db.$transaction(async (tx) => {
    const owned = await tx.build.updateMany({ where: { id, organizationId: scope.organizationId, runId, status: "RUNNING" }, data: { steps } });
    if (owned.count === 0) {
      return;
    }
    await tx.buildStep.deleteMany({ where: { buildId: id, index: { gt: 0 } } });
    await tx.buildStep.createMany({ data: steps.map((step, offset) => ({ buildId: id, index: offset + 1, ...stepRow(step) })) });
  });
}

/** Sets a step's status (and its start or end) for this run. */
export async function setStepStatus(scope: Scope, id: string, runId: string, index: number, status: BuildStepStatus, exitCode: number | null = null): Promise<void> {
  const now = new Date();
  await db.buildStep.updateMany({
    where: { buildId: id, index, build: { organizationId: scope.organizationId, runId, status: "RUNNING" } },
    data: { status, ...(status === "RUNNING" ? { startedAt: now, tries: 1 } : { finishedAt: now, exitCode }) },
  });
}

/** A failed step started again (its retries): running once more, its start kept, its tries counted. */
export async function retryStepRun(scope: Scope, id: string, runId: string, index: number): Promise<void> {
  await db.buildStep.updateMany({
    where: { buildId: id, index, build: { organizationId: scope.organizationId, runId, status: "RUNNING" } },
    data: { status: "RUNNING", tries: { increment: 1 }, finishedAt: null, exitCode: null },
  });
}

/** How many builds may start each other in a row (the triggers' `after`): past it, a loop. */
export const MAX_AFTER_CHAIN = 10;

/** True when a profile of the organization builds after `profileId`'s builds (the triggers' `after`): a success then asks for the downstream job. */
export async function hasDownstreamProfiles(scope: Scope, profileId: string): Promise<boolean> {
  return (await db.buildProfile.count({ where: { organizationId: scope.organizationId, triggers: { path: ["after", "profileId"], equals: profileId } } })) > 0;
}

/**
 * A successful build and the profiles that build after its profile's (the triggers' `after`, of
 * any repository: `sameRepository` says which build its very commit); null unless it succeeded as
 * a branch's build (not a pull request's or a tag's) or when it ends a chain of MAX_AFTER_CHAIN
 * builds started by each other.
 */
export async function downstreamCandidates(scope: Scope, buildId: string) {
  const upstream = await db.build.findFirst({
    where: { id: buildId, organizationId: scope.organizationId },
    select: { id: true, number: true, status: true, branch: true, tag: true, pullRequestId: true, commitId: true, profileId: true, upstreamBuildId: true, profile: { select: { name: true, connectionId: true, repositoryId: true } } },
  });
  if (!upstream || upstream.status !== "SUCCEEDED" || !upstream.branch || upstream.tag !== null || upstream.pullRequestId !== null || !upstream.profile.connectionId) {
    return null;
  }
  let depth = 1;
  for (let link = upstream.upstreamBuildId; link !== null && depth < MAX_AFTER_CHAIN; depth += 1) {
    link = (await db.build.findUnique({ where: { id: link }, select: { upstreamBuildId: true } }))?.upstreamBuildId ?? null;
  }
  if (depth >= MAX_AFTER_CHAIN) {
    return null;
  }
  const profiles = await db.buildProfile.findMany({
    where: { organizationId: scope.organizationId, id: { not: upstream.profileId }, triggers: { path: ["after", "profileId"], equals: upstream.profileId } },
    orderBy: { name: "asc" },
    select: { id: true, name: true, triggers: true, defaultBranch: true, connectionId: true, repositoryId: true },
  });
  const upstreamRepository = { connectionId: upstream.profile.connectionId, repositoryId: upstream.profile.repositoryId };
  return { upstream, profiles: profiles.map((profile) => ({ ...profile, sameRepository: sameRepository(profile, upstreamRepository) })) };
}

/**
 * Ends a run: the final status, why, the doctor's finding of a failed fetch, steps that never
 * ran marked skipped, and the report intents, in one transaction. False when the run had
 * already lost the build.
 */
export async function finishBuild(
  scope: Scope,
  id: string,
  runId: string,
  outcome: { status: BuildStatus; reason: string | null; finding?: Prisma.InputJsonValue | null },
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const owned = await tx.build.updateMany({
      where: { id, organizationId: scope.organizationId, runId, status: "RUNNING" },
      data: { status: outcome.status, finishedAt: new Date(), statusReason: outcome.reason, ...(outcome.finding ? { finding: outcome.finding } : {}) },
    });
    if (owned.count !== 1) {
      return false;
    }
    await tx.buildStep.updateMany({ where: { buildId: id, status: "PENDING" }, data: { status: "SKIPPED" } });
    await tx.buildStep.updateMany({ where: { buildId: id, status: "RUNNING" }, data: { status: outcome.status === "CANCELED" ? "CANCELED" : "FAILED", finishedAt: new Date() } });
    const build = await tx.build.findUniqueOrThrow({
      where: { id },
      select: { id: true, number: true, profileId: true, pullRequestId: true, branch: true, tag: true, targetRef: true, commitId: true, commitMessage: true, requestedById: true, commitAuthorEmail: true, changes: true, testSummary: true, startedAt: true, profile: { select: { name: true, defaultBranch: true } } },
    });
    await addReports(tx, scope.organizationId, build, outcome.status);
    await noticeOfEnd(tx, scope, build, outcome);
    return true;
  });
}

const BROKEN: BuildStatus[] = ["FAILED", "TIMED_OUT", "ERROR"];

/**
 * What a build's end changed, for the people told about it (e-mail notices, chat): it broke
 * (failed, timed out, errored), or it succeeded where the previous finished build of the same
 * profile, branch and pull request (cancels and lost workers skipped) had not — fixed. Null for anything else.
 */
export async function endChange(
  client: Tx | typeof db,
  build: { profileId: string; number: number; branch: string | null; pullRequestId: number | null },
  status: BuildStatus,
): Promise<Exclude<BuildNoticeKind, "build.succeeded"> | null> {
  if (BROKEN.includes(status)) {
    return "build.failed";
  }
  if (status !== "SUCCEEDED") {
    return null;
  }
  // The client and a transaction have the same `build` delegate; TypeScript cannot call a union of them.
  const previous = await (client as Tx).build.findFirst({
    // A build whose worker was lost says nothing about the code: it neither broke the line nor was fixed.
    where: { profileId: build.profileId, branch: build.branch, pullRequestId: build.pullRequestId, number: { lt: build.number }, status: { in: [...FINAL.filter((value) => value !== "CANCELED")] }, workerLostAt: null },
    orderBy: { number: "desc" },
    select: { status: true },
  });
  return previous && BROKEN.includes(previous.status) ? "build.fixed" : null;
}

/**
 * The notice a build's end is worth (lib/builds/README.md, "Build notices"): it failed, or it
 * succeeded where the previous finished build of the same profile and branch had not (fixed).
 * A success after a success, and a cancel, tell nobody.
 */
async function noticeOfEnd(
  tx: Tx,
  scope: Scope,
  build: {
    id: string;
    number: number;
    profileId: string;
    pullRequestId: number | null;
    branch: string | null;
    tag: string | null;
    commitId: string;
    commitMessage: string | null;
    requestedById: string | null;
    commitAuthorEmail: string | null;
    changes: Prisma.JsonValue;
    targetRef: string | null;
    testSummary: Prisma.JsonValue;
    startedAt: Date | null;
    profile: { name: string; defaultBranch: string | null };
  },
  outcome: { status: BuildStatus; reason: string | null },
): Promise<void> {
  // Watchers hear of what ships: the default branch and tags, not every branch and pull request.
  const watched = build.pullRequestId === null && (build.tag !== null || (build.branch !== null && build.branch === build.profile.defaultBranch));
  // A success that fixed nothing is news only to those who watch every build (createBuildNotice).
  const kind = (await endChange(tx, build, outcome.status)) ?? (outcome.status === "SUCCEEDED" && watched ? "build.succeeded" : null);
  if (!kind) {
    return;
  }
  // What a successful build made (the release manager is waiting for it): its apps, as the build page names them.
  const apps =
    outcome.status === "SUCCEEDED"
      ? (await tx.buildArtifact.findMany({ where: { buildId: build.id, complete: true, NOT: { app: { equals: Prisma.DbNull } } }, orderBy: { path: "asc" }, take: 5, select: { app: true } }))
          .map((row) => appInfoOf(row.app))
          .filter((app): app is AppInfo => app !== null)
          .map(appLabel)
      : [];
  // The line that says why (lib/shared/log-errors.ts), when one looks like it: people read the reason in the e-mail.
  const failure = kind === "build.failed" ? await failureLines(scope, build.id, tx) : null;
  // The commits since the last good build: the change that broke it is among them.
  const suspects = kind === "build.failed" ? suspectsOf(buildChangesOf(build.changes)) : null;
  // Its failed tests, new or not ("is it my change?"), from the earlier builds' results (committed: read outside this transaction).
  const tests = kind === "build.failed" ? testNews(testSummaryOf(build.testSummary), await failureHistoriesOf(scope, build)) : null;
  // A fix names the cases it made pass again (the build before it on its line failed them).
  const again = kind === "build.fixed" ? (await testStoryOf(scope, build)).passingAgain : null;
  await createBuildNotice(tx, scope, {
    buildId: build.id,
    kind,
    requestedById: build.requestedById,
    commitAuthorEmail: build.commitAuthorEmail,
    watchedProfileId: watched ? build.profileId : null,
    data: {
      buildId: build.id,
      profile: build.profile.name,
      number: build.number,
      status: outcome.status,
      reason: outcome.reason,
      branch: build.branch,
      tag: build.tag,
      pullRequestId: build.pullRequestId,
      commitId: build.commitId,
      commitMessage: build.commitMessage,
      ...(failure?.matched && failure.lines[0] ? { firstError: failure.lines[0].text.slice(0, 500), firstErrorLine: failure.lines[0].seq + 1 } : {}),
      ...(suspects ? { suspects } : {}),
      ...(tests ? { tests } : {}),
      ...(again ? { passingAgain: { since: again.since.number, names: again.names.slice(0, 5), more: Math.max(0, again.names.length - 5) } } : {}),
      ...(apps.length > 0 ? { apps } : {}),
      ...(build.startedAt ? { tookMs: Date.now() - build.startedAt.getTime() } : {}),
    },
  });
}

/**
 * The sweeper (global by nature: it looks after every organization's builds). Running builds
 * whose heartbeat is older than `staleBefore` lost their worker (killed, machine gone): each is
 * marked ERROR, its log kept with a last line saying so, steps closed, reports queued. Returns
 * them, and queued builds older than `requeueBefore` whose job may have been lost (re-sending
 * is idempotent: the job id is the build id).
 */
export async function sweepBuilds(staleBefore: Date, requeueBefore: Date): Promise<{ lost: LostBuild[]; queued: { id: string; organizationId: string; pool: string; runNextAt: Date | null }[] }> {
  const stale = await db.build.findMany({ where: { status: "RUNNING", heartbeatAt: { lt: staleBefore } }, select: { id: true, organizationId: true, workerHost: true, workerPid: true }, take: 100 });
  const lost: LostBuild[] = [];
  for (const build of stale) {
    const reason = `Keel lost the worker running this build (${build.workerHost ?? "unknown host"}, process ${build.workerPid ?? "?"}): it stopped without finishing, killed or its machine gone. The log up to that moment is kept.`;
    const lostLine = "Keel lost the worker running this build; marked as an error. It stopped without finishing, killed or its machine gone.";
    const done = await db.$transaction(async (tx): Promise<LostBuild | null> => {
      const marked = await tx.$executeRaw`
        UPDATE "Build" SET status = 'ERROR', "finishedAt" = now(), "workerLostAt" = now(), "updatedAt" = now()
        WHERE id = ${build.id}::uuid AND status = 'RUNNING' AND "heartbeatAt" < ${staleBefore}`;
      return marked === 1 ? endWorkerGone(tx, "builds.sweep", build.id, reason, [lostLine]) : null;
    });
    if (done) {
      lost.push(done);
    }
  }
  const queued = await db.build.findMany({ where: { status: "QUEUED", queuedAt: { lt: requeueBefore } }, select: { id: true, organizationId: true, pool: true, runNextAt: true }, orderBy: { queuedAt: "asc" }, take: 500 });
  return { lost, queued };
}

/**
 * Ends the run of a worker that is shutting down (SIGTERM) as its worker gone, as the sweeper ends
 * a lost one: `ERROR` with `workerLostAt`, started again when the profile asks (lib/builds/README.md,
 * "A lost worker"). `reason` is what the run already logged; the log's last line says what came of
 * it. Null when the run no longer owns the build.
 */
export async function finishShutdownBuild(scope: Scope, id: string, runId: string, reason: string): Promise<LostBuild | null> {
  return db.$transaction(async (tx) => {
    const marked = await tx.build.updateMany({ where: { id, organizationId: scope.organizationId, runId, status: "RUNNING" }, data: { status: "ERROR", finishedAt: new Date(), workerLostAt: new Date() } });
    return marked.count === 1 ? endWorkerGone(tx, "builds.run", id, reason, []) : null;
  });
}

/**
 * The rest of ending a build whose worker went away, inside the transaction that marked it (`job`:
 * the audit log's actor of a retry, on behalf of whoever started the build): started
 * again when its profile asks, `lines` and what came of it added to the log, its status reason,
 * its steps closed, and its reports — to Azure DevOps only when it is not started again (its retry
 * reports under the same status in its place, so Azure DevOps never shows an error for a build
 * that is still going); outgoing webhooks hear of both. No notice: it says nothing about the code.
 */
async function endWorkerGone(tx: Tx, job: string, id: string, reason: string, lines: string[]): Promise<LostBuild> {
  const row = await tx.build.findUniqueOrThrow({ where: { id }, include: { profile: { select: { retryLostBuilds: true } } } });
  const retry = row.profile.retryLostBuilds ? await retryLostBuild(tx, job, row) : null;
  const outcome = retry && "number" in retry ? `Keel started it again as #${retry.number}: the profile starts a build again once when its worker is lost.` : (retry?.why ?? "Start the build again — or let the profile do that by itself: Edit workflow → “Start again when its worker is lost”.");
  const running = await tx.buildStep.findFirst({ where: { buildId: id, status: "RUNNING" }, select: { index: true } });
  const added = [...lines, outcome];
  await tx.buildLogLine.createMany({ data: added.map((text, index) => ({ buildId: id, seq: row.logLines + index, step: running?.index ?? 0, stream: "SYSTEM" as const, text })) });
  await tx.build.update({ where: { id }, data: { statusReason: `${reason} ${outcome}`, logLines: { increment: added.length } } });
  await tx.buildStep.updateMany({ where: { buildId: id, status: "RUNNING" }, data: { status: "FAILED", finishedAt: new Date() } });
  await tx.buildStep.updateMany({ where: { buildId: id, status: "PENDING" }, data: { status: "SKIPPED" } });
  const retried = retry !== null && "number" in retry;
  await addReports(tx, row.organizationId, { id, pullRequestId: row.pullRequestId }, "ERROR", !retried);
  return { id, organizationId: row.organizationId, retry: retried ? { id: retry.id, pool: row.pool } : null, requestedById: row.requestedById };
}

/**
 * Which of these builds are over — not queued or running (any organization's: a worker's machine
 * holds workspaces of every organization's builds, and only asks about its own folders). Ids this
 * database does not know are not among them. Global by nature.
 */
export async function buildsOver(ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) {
    return new Set();
  }
  const rows = await db.build.findMany({ where: { id: { in: [...ids] }, status: { notIn: ["QUEUED", "RUNNING"] } }, select: { id: true } });
  return new Set(rows.map((row) => row.id));
}

/** A build whose worker went away (the sweeper found it gone, or it was shut down); `retry`: the build that starts it again, when its profile asked for one. */
export type LostBuild = { id: string; organizationId: string; requestedById: string | null; retry: { id: string; pool: string } | null };

/**
 * Starts a lost build again in the transaction that ended it (lib/shared/builds.ts, lostRetryDecision):
 * the same commit, branch, pull request, variables and workflow as queued, the same trigger and
 * requester, linked by `retryOfId`. Returns the new build, or why there is none.
 */
async function retryLostBuild(tx: Tx, job: string, lost: Prisma.BuildGetPayload<object>): Promise<{ id: string; number: number } | { why: string }> {
  const line = lost.pullRequestId !== null ? { pullRequestId: lost.pullRequestId } : lost.tag !== null ? { tag: lost.tag } : lost.branch !== null ? { branch: lost.branch, pullRequestId: null } : { commitId: lost.commitId, branch: null, tag: null, pullRequestId: null };
  const newer = await tx.build.findFirst({ where: { profileId: lost.profileId, number: { gt: lost.number }, ...line }, orderBy: { number: "desc" }, select: { number: true } });
  const lineWords = builtWords(lost) ?? "the same commit";
  const decision = lostRetryDecision({ isRetry: lost.retryOfId !== null, cancelRequested: lost.cancelRequestedAt !== null, newer: newer ? { number: newer.number, line: lineWords } : null });
  if (!decision.retry) {
    return { why: decision.why };
  }
  // Steps from the commit's file are read again by the worker, as for any build.
  const steps = lost.workflowFile ? [] : (lost.steps as WorkflowStep[]);
  return insertBuild(tx, systemScope(lost.organizationId, job, lost.requestedById), {
    profileId: lost.profileId,
    trigger: lost.trigger,
    idempotencyKey: `lost-worker:${lost.id}`,
    commitId: lost.commitId,
    branch: lost.branch,
    tag: lost.tag,
    parameters: buildParametersOf(lost.parameters),
    commitMessage: lost.commitMessage,
    commitAuthor: lost.commitAuthor,
    commitAuthorEmail: lost.commitAuthorEmail,
    pullRequest:
      lost.pullRequestId !== null && lost.sourceRef && lost.targetRef ? { id: lost.pullRequestId, iteration: lost.pullRequestIteration ?? 1, sourceRef: lost.sourceRef, targetRef: lost.targetRef } : undefined,
    steps,
    timeoutSeconds: lost.timeoutSeconds,
    fetchSubmodules: lost.fetchSubmodules,
    fetchLfs: lost.fetchLfs,
    artifactPatterns: lost.artifactPatterns,
    cachePaths: lost.cachePaths,
    cacheKeyFiles: lost.cacheKeyFiles,
    pool: lost.pool,
    workflowFile: lost.workflowFile,
    retryOfId: lost.id,
    // Started again by nobody who read it: still without the secrets, for the same reason.
    secretsWithheld: lost.secretsWithheld ? { for: lost.secretsWithheldFor ?? "FORK", why: lost.secretsWithheldWhy } : null,
  });
}

// ---------------------------------------------------------------------------------------------
// Reporting back to Azure DevOps

export type ReportTarget = {
  build: {
    id: string;
    number: number;
    status: BuildStatus;
    commitId: string;
    branch: string | null;
    pullRequestId: number | null;
    pullRequestIteration: number | null;
    tag: string | null;
    targetRef: string | null;
    startedAt: Date | null;
    finishedAt: Date | null;
    statusReason: string | null;
    /** What its JUnit reports said (lib/shared/tests.ts reads it). */
    testSummary: Prisma.JsonValue | null;
  };
  /** The first artifacts the build kept (path order), and how many it kept: the PR comment names them. */
  artifacts: { path: string; size: number }[];
  artifactCount: number;
  /** `pausedAt`, `pauseReason`: an admin paused its builds (a queued status says so). */
  profile: { id: string; name: string; projectId: string; repositoryId: string; connectionId: string | null; pausedAt: Date | null; pauseReason: string | null };
  reports: { id: string; seq: number; kind: BuildReportKind; buildStatus: BuildStatus; attempts: number }[];
};

/** A build's unsent report intents in order, with what sending them needs; null when the build is gone. */
export async function pendingReports(scope: Scope, buildId: string): Promise<ReportTarget | null> {
  const build = await db.build.findFirst({
    where: { id: buildId, organizationId: scope.organizationId },
    select: {
      id: true,
      number: true,
      status: true,
      commitId: true,
      branch: true,
      pullRequestId: true,
      pullRequestIteration: true,
      tag: true,
      targetRef: true,
      startedAt: true,
      finishedAt: true,
      statusReason: true,
      testSummary: true,
      profile: { select: { id: true, name: true, projectId: true, repositoryId: true, connectionId: true, pausedAt: true, pauseReason: true } },
      reports: { where: { state: { not: "SENT" } }, orderBy: { seq: "asc" }, select: { id: true, seq: true, kind: true, buildStatus: true, attempts: true } },
      artifacts: { where: { complete: true }, orderBy: { path: "asc" }, take: 5, select: { path: true, size: true } },
      _count: { select: { artifacts: { where: { complete: true } } } },
    },
  });
  if (!build) {
    return null;
  }
  const { profile, reports, artifacts, _count, ...rest } = build;
  return { build: rest, artifacts: artifacts.map((artifact) => ({ path: artifact.path, size: Number(artifact.size) })), artifactCount: _count.artifacts, profile, reports };
}

/** Records a report as sent, with what Azure DevOps answered (ids only). */
export async function markReportSent(scope: Scope, reportId: string, remote: Prisma.InputJsonValue): Promise<void> {
  await db.buildReport.updateMany({ where: { id: reportId, organizationId: scope.organizationId }, data: { state: "SENT", sentAt: new Date(), lastAttemptAt: new Date(), attempts: { increment: 1 }, remote, error: Prisma.DbNull } });
}

/** Records a failed attempt with the doctor's finding; the engine retries the job. */
export async function markReportFailed(scope: Scope, reportId: string, finding: Prisma.InputJsonValue, final: boolean): Promise<void> {
  await db.buildReport.updateMany({ where: { id: reportId, organizationId: scope.organizationId }, data: { state: final ? "FAILED" : "PENDING", lastAttemptAt: new Date(), attempts: { increment: 1 }, error: finding } });
}

/** Everything reported (or being reported) about a build, for its page. */
export async function listReports(scope: Scope, buildId: string) {
  return db.buildReport.findMany({
    where: { buildId, organizationId: scope.organizationId },
    orderBy: { seq: "asc" },
    select: { id: true, seq: true, kind: true, buildStatus: true, state: true, attempts: true, lastAttemptAt: true, sentAt: true, error: true, remote: true },
  });
}

/** Whether a profile has a build of a pull request's iteration, started by anyone (a fork's waiting status must not cover it). */
export async function hasPullRequestIterationBuild(scope: Scope, profileId: string, pullRequestId: number, iteration: number): Promise<boolean> {
  return (await db.build.findFirst({ where: { organizationId: scope.organizationId, profileId, pullRequestId, pullRequestIteration: iteration }, select: { id: true } })) !== null;
}

/** The PR thread comment a profile keeps on a pull request, if Keel made one. */
export async function getPullRequestComment(scope: Scope, profileId: string, pullRequestId: number): Promise<{ threadId: number; commentId: number } | null> {
  return db.pullRequestComment.findFirst({ where: { organizationId: scope.organizationId, profileId, pullRequestId }, select: { threadId: true, commentId: true } });
}

/** Remembers the PR thread comment of a profile on a pull request (created or found again). */
export async function savePullRequestComment(scope: Scope, profileId: string, pullRequestId: number, ids: { threadId: number; commentId: number }): Promise<void> {
  await db.pullRequestComment.upsert({
    where: { profileId_pullRequestId: { profileId, pullRequestId } },
    create: { organizationId: scope.organizationId, profileId, pullRequestId, ...ids },
    update: ids,
  });
}

/**
 * Builds with report intents left unsent longer than `olderThan` (their job was lost). Global
 * by nature, like the sweeper that asks.
 */
export async function buildsWithStaleReports(olderThan: Date): Promise<{ id: string; organizationId: string }[]> {
  const rows = await db.buildReport.findMany({
    where: { state: "PENDING", OR: [{ lastAttemptAt: { lt: olderThan } }, { lastAttemptAt: null, createdAt: { lt: olderThan } }] },
    distinct: ["buildId"],
    select: { buildId: true, organizationId: true },
    take: 200,
  });
  return rows.map((row) => ({ id: row.buildId, organizationId: row.organizationId }));
}

/** The build a start with this idempotency key made, if any. */
export async function findBuildByIdempotencyKey(scope: Scope, idempotencyKey: string): Promise<{ id: string; number: number } | null> {
  return db.build.findFirst({ where: { organizationId: scope.organizationId, idempotencyKey }, select: { id: true, number: true } });
}
