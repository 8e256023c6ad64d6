import "server-only";
import type { ArtifactView } from "@/lib/data/artifacts";
import type { BuildRow, BuildView } from "@/lib/data/builds";
import type { ProfileView } from "@/lib/data/profiles";
import { changesJson } from "@/lib/shared/build-changes";
import { buildParametersOf } from "@/lib/shared/build-parameters";
import { secretsWithheldBecause, stepJson, targetBranchOf, upstreamBuildJson } from "@/lib/shared/builds";
import type { FailureLine } from "@/lib/shared/log-errors";
import { shortBranchName } from "@/lib/shared/names";
import { historyKind, testSummaryOf, type FailureHistory } from "@/lib/shared/tests";

/** A failed case's history for scripts (lib/shared/tests.ts, `historyKind`), in the API's camelCase. */
const HISTORY_JSON = { new: "new", "fails-on-target": "failsOnTarget", failing: "failing", flaky: "flaky" } as const;

// What Keel's token API (app/api/v1) answers about builds: plain JSON with absolute links, the
// same field names in every answer. README.md, "Starting builds from scripts", documents it.

const FINAL = new Set(["SUCCEEDED", "FAILED", "CANCELED", "TIMED_OUT", "ERROR"]);

/**
 * A build profile: what it builds, whether an admin paused its builds (`since`, `by`, `reason`;
 * null: they start as usual), and its links — the list's rows and one profile's answer alike.
 */
export function profileJson(profile: ProfileView, origin: string) {
  return {
    id: profile.id,
    name: profile.name,
    platform: profile.platform,
    project: profile.projectName,
    repository: profile.repositoryName,
    defaultBranch: profile.defaultBranch ? shortBranchName(profile.defaultBranch) : null,
    connected: profile.connectionId !== null,
    paused: profile.pausedAt ? { since: profile.pausedAt.toISOString(), by: profile.pausedBy?.name ?? null, reason: profile.pauseReason } : null,
    webUrl: `${origin}/profiles/${profile.id}`,
    buildsUrl: `${origin}/api/v1/profiles/${profile.id}/builds`,
  };
}

/** A build in a list: enough to pick one and follow its link (one build's answer starts with the same fields). */
export function buildSummaryJson(build: BuildRow | BuildView, origin: string) {
  return {
    id: build.id,
    number: build.number,
    status: build.status,
    finished: FINAL.has(build.status),
    trigger: build.trigger,
    branch: build.branch ? shortBranchName(build.branch) : null,
    tag: build.tag,
    commit: build.commitId,
    commitMessage: build.commitMessage,
    pullRequest: build.pullRequestId,
    // A pull request's build: the branch it merges into (`branch` is its source branch — a fork's, named as the fork named it).
    targetBranch: targetBranchOf(build),
    // A fork's pull request built by itself without the profile's secrets (lib/hooks/README.md): a script never ships it.
    secretsWithheld: build.secretsWithheld,
    // Why, in words: a fork's pull request, or a branch the profile gives no secrets ("Who gets the secrets").
    secretsWithheldBecause: secretsWithheldBecause(build),
    queuedAt: build.queuedAt.toISOString(),
    startedAt: build.startedAt?.toISOString() ?? null,
    finishedAt: build.finishedAt?.toISOString() ?? null,
    requestedBy: build.requestedBy?.name ?? null,
    keptForever: build.keptAt !== null,
    webUrl: `${origin}/builds/${build.id}`,
    apiUrl: `${origin}/api/v1/builds/${build.id}`,
  };
}

/**
 * One build: its state (while queued, when it likely starts: `expectedStartAt`, from
 * lib/data/builds.ts expectedStarts), why it ended so (and what went wrong), its tests (each failed
 * case with its history, given `histories`: one per stored failure), its artifacts with their
 * download links, its log.
 */
export function buildJson(
  build: BuildView,
  artifacts: ArtifactView[],
  origin: string,
  failure: { step: { name: string }; lines: FailureLine[]; matched: boolean } | null = null,
  histories: FailureHistory[] = [],
  expectedStartAt: string | null = null,
) {
  const tests = testSummaryOf(build.testSummary);
  return {
    ...buildSummaryJson(build, origin),
    profile: { id: build.profile.id, name: build.profile.name },
    // The build pool whose workers run it (its profile's "Runs on" when it was queued).
    pool: build.pool,
    // Queued: when it is likely to start (ISO), as its page says; null when Keel cannot tell or it is not queued.
    expectedStartAt: build.status === "QUEUED" ? expectedStartAt : null,
    // Queued while an admin paused its profile's builds: it starts once they are resumed.
    paused: build.status === "QUEUED" && build.profile.pausedAt !== null,
    // Queued and moved to the front of its pool's queue by an admin ("Run next").
    runNext: build.status === "QUEUED" && build.runNextAt !== null,
    statusReason: build.statusReason,
    // Keel lost the worker running it (it says nothing about the code); a script waiting for it follows `retriedAs`.
    workerLost: build.workerLostAt !== null,
    retriedAs: build.retriedAs ? { id: build.retriedAs.id, number: build.retriedAs.number } : null,
    retryOf: build.retryOf ? { id: build.retryOf.id, number: build.retryOf.number } : null,
    // Started by another profile's success ("Build after another profile's builds"): that build, or null.
    upstreamBuild: upstreamBuildJson(build.upstreamBuild),
    variables: Object.fromEntries(buildParametersOf(build.parameters).map((parameter) => [parameter.name, parameter.value])),
    // Each step as its page lists it (stepJson says what each field means).
    steps: build.stepRuns.map(stepJson),
    // A failed build's lines that say why (lib/shared/log-errors.ts), as the build page shows them.
    whatWentWrong: failure ? { step: failure.step.name, lines: failure.lines.map((line) => ({ line: line.seq + 1, text: line.text })), lastLines: !failure.matched } : null,
    tests: tests
      ? {
          total: tests.total,
          passed: tests.passed,
          failed: tests.failed,
          skipped: tests.skipped,
          // The first 50 failed cases (as stored), each with whether it is new, failing on the pull
          // request's target branch too, failing since an earlier build, or flaky — a release script
          // that tolerates known flaky tests reads it; null when nothing is known.
          failures: tests.failures.map((test, index) => {
            const kind = historyKind(histories[index]);
            return {
              className: test.className || test.suite,
              name: test.name,
              kind: test.kind,
              message: test.message,
              history: kind ? HISTORY_JSON[kind] : null,
              failingSince: kind === "failing" ? (histories[index]!.failingSince?.number ?? null) : null,
            };
          }),
        }
      : null,
    changes: changesJson(build.changes),
    artifacts: artifacts.map((artifact) => ({
      id: artifact.id,
      path: artifact.path,
      size: artifact.size,
      sha256: artifact.sha256,
      // An .ipa's or .apk's app ({ platform, bundleId, version, shortVersion, name, signing, certificate }), or null: a release script reads what it built.
      app: artifact.app,
      downloadUrl: `${origin}/api/v1/builds/${build.id}/artifacts/${artifact.id}`,
    })),
    // Every artifact in one zip (their paths inside), or null when the build kept none.
    artifactsZipUrl: artifacts.length > 0 ? `${origin}/api/v1/builds/${build.id}/artifacts.zip` : null,
    logUrl: `${origin}/api/v1/builds/${build.id}/log`,
  };
}
