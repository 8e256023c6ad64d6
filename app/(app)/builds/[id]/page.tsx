import { randomUUID } from "node:crypto";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ArtifactList } from "@/components/builds/artifact-list";
import { BuildLive } from "@/components/builds/build-live";
import { BuildStatusBadge } from "@/components/builds/build-status-badge";
import { NoPoolWorkerAlert, NoWorkerAlert } from "@/components/builds/queue-status";
import { ShareCard } from "@/components/builds/share-card";
import { TestSummaryCard } from "@/components/builds/test-summary";
import { ActionButton } from "@/components/ui/action-button";
import { ProblemAlert } from "@/components/picker/problem-alert";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { cancelBuildAction, keepBuildAction, rebuildAction, runNextAction } from "@/lib/actions/builds";
import { shareBuildAction, unshareBuildAction } from "@/lib/actions/shares";
import { requireScope } from "@/lib/auth/guards";
import { baselineArtifacts, listArtifacts } from "@/lib/data/artifacts";
import { summarizeWorkers } from "@/lib/data/jobs";
import { failureLines, getBuild, getBuildState, getBuildTitle, listReports, testStoryOf, keelChangesSince, previousGoodBuild } from "@/lib/data/builds";
import { auditLabel, describeAudit } from "@/lib/audit/labels";
import { When } from "@/components/ui/when";
import { typicalDuration } from "@/lib/data/insights";
import { getProfile } from "@/lib/data/profiles";
import { listShares } from "@/lib/data/shares";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { can } from "@/lib/policy";
import { cloneUrlsFor } from "@/lib/repositories/clone-urls";
import { buildParametersOf } from "@/lib/shared/build-parameters";
import { buildStatusLabel, buildTriggerLabel, formatDuration, isFinal, secretsWithheldBecause } from "@/lib/shared/builds";
import { shortBranchName } from "@/lib/shared/names";
import { sharePath } from "@/lib/shared/shares";
import { testSummaryOf } from "@/lib/shared/tests";
import { buildChangesOf, changelogText, changesSummary, lineWords } from "@/lib/shared/build-changes";
import { ChangesList } from "@/components/builds/changes-list";
import { readProblem } from "@/lib/shared/problems";
import { idSchema } from "@/lib/validation/auth";
import { formatDay, formatTime } from "@/lib/shared/dates";

/** The tab says the build and how it is doing ("Running · Wallet iOS #42 · Keel"); the live part refreshes the page when that changes. */
export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { scope } = await requireScope("build.read");
  const { id } = await params;
  const build = idSchema.safeParse(id).success ? await getBuildTitle(scope, id) : null;
  return { title: build ? `${buildStatusLabel(build.status)} · ${build.profileName} #${build.number}` : "Build" };
}

const when = (date: Date | null) => (date ? formatTime(date, { seconds: true }) : "—");

const REPORT_LABELS = { COMMIT_STATUS: "Commit status", PR_STATUS: "Pull-request status", PR_COMMENT: "Pull-request comment" } as const;
// Azure DevOps has one "pending" state: the words say which moment of the build it told.
const STATE_WORDS: Record<string, string> = { QUEUED: "pending (queued)", RUNNING: "pending (running)", SUCCEEDED: "succeeded", FAILED: "failed", TIMED_OUT: "failed", CANCELED: "error", ERROR: "error" };

export default async function BuildPage({ params }: { params: Promise<{ id: string }> }) {
  const { scope } = await requireScope("build.read");
  const { id } = await params;
  const build = idSchema.safeParse(id).success ? await getBuild(scope, id) : null;
  if (!build) {
    notFound();
  }
  const parameters = buildParametersOf(build.parameters);
  const tests = testSummaryOf(build.testSummary);
  const [state, reports, profile, kept, workers, shares, failure, typical, testStory, sinceGood] = await Promise.all([
    getBuildState(scope, build.id),
    listReports(scope, build.id),
    getProfile(scope, build.profileId),
    listArtifacts(scope, build.id),
    build.status === "QUEUED" ? summarizeWorkers(3 * getEnv().KEEL_WORKER_HEARTBEAT_MS) : null,
    can(scope, "build.share") ? listShares(scope, build.id) : [],
    // A failure Keel explained itself (a finding: the steps file) needs no lines picked from the log.
    (build.status === "FAILED" || build.status === "TIMED_OUT") && !build.finding ? failureLines(scope, build.id) : null,
    // A build still to run or running shows how long the profile's builds usually take.
    isFinal(build.status) ? null : typicalDuration(scope, build.profileId),
    // Failed cases say whether they are new, older or flaky, and which pass again, from the earlier builds' results.
    testStoryOf(scope, build),
    // A finished build against the last good build of its line: how its files' sizes changed, and
    // what admins changed in Keel meanwhile (the workflow, secret files, connection, variable groups).
    isFinal(build.status) ? previousGoodBuild(scope, build).then((good) => Promise.all([baselineArtifacts(scope, good), keelChangesSince(scope, build, good)])) : null,
  ]);
  const [baseline, keelChanges] = sinceGood ?? [null, null];
  if (!state) {
    notFound();
  }
  const web = profile?.connection ? cloneUrlsFor(profile.connection, { remoteUrl: profile.remoteUrl, sshUrl: profile.sshUrl, webUrl: profile.webUrl }).web?.url : null;
  const commitUrl = web ? `${web}/commit/${build.commitId}` : null;
  const pullRequestUrl = web && build.pullRequestId !== null ? `${web}/pullrequest/${build.pullRequestId}` : null;
  const finding = readProblem(build.finding);
  const changes = buildChangesOf(build.changes);
  const final = isFinal(build.status);
  const canStart = can(scope, "build.start");
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Builds", href: "/builds" }, { label: build.profile.name, href: `/profiles/${build.profileId}` }, { label: `#${build.number}` }]}
        title={`${build.profile.name} #${build.number}`}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <BuildStatusBadge status={build.status} />
            <span>
              {buildTriggerLabel(build.trigger)}
              {build.requestedBy ? ` by ${build.requestedBy.name}` : ""}
            </span>
            {build.retryOf ? (
              <span>
                · started again because{" "}
                <Link href={`/builds/${build.retryOf.id}`} className="text-brand-700 underline">
                  #{build.retryOf.number}
                </Link>{" "}
                lost its worker
              </span>
            ) : null}
            {build.upstreamBuild ? (
              <span>
                · after{" "}
                <Link href={`/builds/${build.upstreamBuild.id}`} className="text-brand-700 underline">
                  {build.upstreamBuild.profile.name} #{build.upstreamBuild.number}
                </Link>{" "}
                succeeded
              </span>
            ) : null}
            {build.branch ? <Badge tone="neutral">{shortBranchName(build.branch)}</Badge> : build.tag ? <Badge tone="neutral">tag {build.tag}</Badge> : null}
            {build.keptAt ? <Badge tone="info">Kept forever{build.keptBy ? ` by ${build.keptBy.name}` : ""}</Badge> : null}
          </span>
        }
        actions={
          <>
            <Link href={`/profiles/${build.profileId}`} className={buttonClasses("secondary")}>
              Open the profile
            </Link>
            {final && can(scope, "build.keep") ? (
              <ActionButton
                action={keepBuildAction.bind(null, build.id)}
                fields={{ keep: build.keptAt ? "no" : "yes" }}
                label={build.keptAt ? "Stop keeping" : "Keep forever"}
                pendingLabel="Saving…"
                className="flex flex-col items-end gap-2"
              />
            ) : null}
            {final && canStart ? (
              <ActionButton action={rebuildAction.bind(null, build.id)} fields={{ idempotencyKey: randomUUID() }} label="Rebuild this commit" pendingLabel="Queuing…" className="flex flex-col items-end gap-2" />
            ) : null}
          </>
        }
      />
      {build.retriedAs ? (
        <Alert title={`Started again as #${build.retriedAs.number}`} className="mb-6">
          <p>
            The worker running this build went away before it finished (lost, or shut down), so its profile started it again:{" "}
            <Link href={`/builds/${build.retriedAs.id}`} className="font-medium underline">
              {build.profile.name} #{build.retriedAs.number}
            </Link>{" "}
            ({buildStatusLabel(build.retriedAs.status).toLowerCase()}), the same commit with the same settings. Azure DevOps hears of that build in this one&apos;s place.
          </p>
        </Alert>
      ) : null}
      {finding ? <ProblemAlert problem={finding} className="mb-6" /> : null}
      {failure && failure.lines.length > 0 ? (
        <Card title="What went wrong" id="what-went-wrong" className="mb-6" description={
            failure.matched
              ? `The lines of the step “${failure.step.name}” that look like why it ${build.status === "TIMED_OUT" ? "ran out of time" : "failed"}. The log below (or its download) has the rest.`
              : `No line of the step “${failure.step.name}” looks like an error; these are the last it wrote before it ${build.status === "TIMED_OUT" ? "ran out of time" : "failed"}.`
          }
        >
          <ol aria-label="Lines that say why" className="space-y-1 overflow-x-auto font-mono text-xs">
            {failure.lines.map((line) => (
              <li key={line.seq} className="flex gap-3">
                <a href={`#L${line.seq + 1}`} className="shrink-0 text-slate-500 underline decoration-slate-300">
                  <span className="sr-only">Log line </span>
                  {line.seq + 1}
                </a>
                <span className="whitespace-pre-wrap text-slate-900 [overflow-wrap:anywhere]">{line.text}</span>
              </li>
            ))}
          </ol>
        </Card>
      ) : null}
      {workers && workers.live === 0 ? <NoWorkerAlert className="mb-6" /> : workers && !workers.pools.includes(build.pool) ? <NoPoolWorkerAlert pool={build.pool} draining={workers.draining > 0} className="mb-6" /> : null}
      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="min-w-0 space-y-6">
          <BuildLive
            buildId={build.id}
            title={`${build.profile.name} #${build.number}`}
            initial={state}
            cancelAction={cancelBuildAction.bind(null, build.id)}
            canCancel={can(scope, "build.cancel")}
            runNextAction={can(scope, "build.run_next") ? runNextAction.bind(null, build.id) : null}
            typical={typical}
            logDeleted={
              build.logDeletedAt
                ? `Keel deleted this build's log on ${formatDay(build.logDeletedAt)}: finished builds keep their log for ${getEnv().KEEL_BUILD_LOG_DAYS} days (KEEL_BUILD_LOG_DAYS). Its status, steps and test results stay.`
                : null
            }
          />
          {tests ? (
            <TestSummaryCard
              summary={tests}
              histories={testStory.histories}
              passingAgain={testStory.passingAgain}
              context={{
                line: build.tag && build.pullRequestId === null ? "the tags" : lineWords(build) || "this profile",
                target: build.targetRef ? shortBranchName(build.targetRef) : null,
              }}
            />
          ) : null}
          {changes ? (
            <Card
              title="Changes"
              id="changes"
              description={
                <>
                  {changesSummary(changes, build)}
                  {changes.since ? (
                    <>
                      {", "}
                      <Link href={`/builds/${changes.since.buildId}`} className="text-brand-700 underline">
                        the last successful build of {lineWords(build)}
                      </Link>
                    </>
                  ) : null}
                  .{changes.commits.length > 0 ? <> The steps get them in <code>$KEEL_BUILD_CHANGELOG</code>, for release notes.</> : null}
                </>
              }
            >
              <ChangesList changes={changes} web={web ?? null} commitId={build.commitId} label="Commits in this build" />
            </Card>
          ) : null}
          {keelChanges && keelChanges.changes.length > 0 ? (
            <Card
              title="Changed in Keel"
              id="keel-changes"
              description={
                <>
                  Not in the code: what admins changed in this profile&apos;s workflow, secret files and connection, and in the variable groups it uses, since{" "}
                  <Link href={`/builds/${keelChanges.since.id}`} className="text-brand-700 underline">
                    #{keelChanges.since.number}, the last successful build of {lineWords(build)}
                  </Link>
                  .
                </>
              }
            >
              <ol aria-label="Changes in Keel since the last good build" className="space-y-2 text-sm">
                {keelChanges.changes.map((change) => (
                  <li key={change.id}>
                    <span className="font-medium text-slate-900">{auditLabel(change.action)}</span>
                    {describeAudit(change.action, change.data) ? <span className="break-words text-slate-700">: {describeAudit(change.action, change.data)}</span> : null}
                    <span className="block text-xs text-slate-600">
                      <When date={change.at} relative /> {change.actor ? `by ${change.actor}` : "by Keel"}
                    </span>
                  </li>
                ))}
                {keelChanges.more ? <li className="text-xs text-slate-600">…and more: the audit log (Settings → Audit log, for admins) has every change.</li> : null}
              </ol>
            </Card>
          ) : null}
        </div>
        <div className="space-y-6">
          <Card title="Artifacts" id="artifacts">
            <ArtifactList
              buildId={build.id}
              artifacts={kept.artifacts}
              keptPast={kept.kept}
              keptForever={build.keptAt !== null}
              retentionDays={getEnv().KEEL_BUILD_ARTIFACT_DAYS}
              final={final}
              workflowHref={can(scope, "workflow.update") ? `/profiles/${build.profileId}/workflow` : null}
              baseline={baseline}
            />
          </Card>
          {can(scope, "build.share") ? (
            <Card title="Share with testers" id="share" description="A link that opens this build's files without a Keel account, for testers installing the app on a phone.">
              <ShareCard
                notes={changes ? changelogText(changes, { authors: false }) : ""}
                create={shareBuildAction.bind(null, build.id)}
                turnOff={unshareBuildAction.bind(null, build.id)}
                why={!final ? "Share the build once it has finished." : kept.artifacts.length === 0 ? "This build kept no files, so there is nothing to share." : null}
                links={shares.map((share) => ({
                  id: share.id,
                  url: `${publicUrlOf(getEnv())}${sharePath(share.key)}`,
                  expiresAt: share.expiresAt,
                  createdBy: share.createdBy,
                }))}
              />
            </Card>
          ) : null}
          <Card title="Details">
            <dl className="space-y-3 text-sm">
              <div>
                <dt className="text-slate-500">Commit</dt>
                <dd className="font-mono text-xs break-all text-slate-900">
                  {commitUrl ? (
                    <a href={commitUrl} target="_blank" rel="noreferrer" className="text-brand-700 underline">
                      {build.commitId}
                    </a>
                  ) : (
                    build.commitId
                  )}
                </dd>
                {build.commitMessage ? <dd className="mt-1 text-slate-700">{build.commitMessage}</dd> : null}
                {build.commitAuthor ? <dd className="text-xs text-slate-600">by {build.commitAuthor}</dd> : null}
                <dd className="mt-1 text-xs">
                  <Link href={`/builds?commit=${build.commitId}`} className="text-brand-700 underline">
                    Every build of this commit
                  </Link>
                </dd>
              </div>
              {build.pullRequestId !== null ? (
                <div>
                  <dt className="text-slate-500">Pull request</dt>
                  <dd>
                    {pullRequestUrl ? (
                      <a href={pullRequestUrl} target="_blank" rel="noreferrer" className="text-brand-700 underline">
                        Pull request {build.pullRequestId}
                      </a>
                    ) : (
                      `Pull request ${build.pullRequestId}`
                    )}
                    {build.sourceRef && build.targetRef ? <span className="block text-xs text-slate-600">{`${shortBranchName(build.sourceRef)} → ${shortBranchName(build.targetRef)}`}</span> : null}
                    {build.secretsWithheld && build.secretsWithheldFor !== "REF" ? <span className="block text-xs text-slate-600">From a fork, built by itself without the profile&apos;s secrets</span> : null}
                  </dd>
                </div>
              ) : null}
              {build.secretsWithheldFor === "REF" ? (
                <div>
                  <dt className="text-slate-500">Secrets</dt>
                  <dd>Not given to this build: {secretsWithheldBecause(build)}.</dd>
                </div>
              ) : null}
              {parameters.length > 0 ? (
                <div>
                  <dt className="text-slate-500">Variables for this build</dt>
                  <dd>
                    <ul aria-label="Variables for this build" className="space-y-0.5 font-mono text-xs text-slate-800">
                      {parameters.map((parameter) => (
                        <li key={parameter.name} className="break-all">
                          {parameter.name}={parameter.value}
                        </li>
                      ))}
                    </ul>
                  </dd>
                </div>
              ) : null}
              <div>
                <dt className="text-slate-500">Queued</dt>
                <dd>{when(build.queuedAt)}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Started</dt>
                <dd>{when(build.startedAt)}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Finished</dt>
                <dd>
                  {when(build.finishedAt)}
                  {build.startedAt && build.finishedAt ? ` (${formatDuration(build.finishedAt.getTime() - build.startedAt.getTime())})` : ""}
                </dd>
              </div>
              <div>
                <dt className="text-slate-500">Time limit</dt>
                <dd>{formatDuration(build.timeoutSeconds * 1_000)}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Runs on</dt>
                <dd>the build pool “{build.pool}”</dd>
              </div>
              {build.canceledBy ? (
                <div>
                  <dt className="text-slate-500">Canceled by</dt>
                  <dd>{build.canceledBy.name}</dd>
                </div>
              ) : null}
              {build.workerHost ? (
                <div>
                  <dt className="text-slate-500">Worker</dt>
                  <dd className="font-mono text-xs">{build.workerHost}</dd>
                </div>
              ) : null}
            </dl>
          </Card>
          <Card title="Reported to Azure DevOps" description="Commit statuses (genre keel, named after the profile), and for pull requests a status and one comment.">
            {reports.length === 0 ? (
              <p className="text-sm text-slate-600">Nothing to report yet.</p>
            ) : (
              <ol className="space-y-3 text-sm" aria-label="Reports to Azure DevOps">
                {reports.map((report) => {
                  const problem = readProblem(report.error);
                  const link = report.kind === "COMMIT_STATUS" ? commitUrl : pullRequestUrl;
                  return (
                    <li key={report.id} className="space-y-1" data-report-state={report.state}>
                      <p className="flex flex-wrap items-center gap-2">
                        <span className="font-medium text-slate-900">{REPORT_LABELS[report.kind]}</span>
                        <span className="text-slate-700">{report.kind === "PR_COMMENT" ? "result" : STATE_WORDS[report.buildStatus]}</span>
                        {report.state === "SENT" ? <Badge tone="success">Sent</Badge> : report.state === "FAILED" ? <Badge tone="error">Gave up</Badge> : problem ? <Badge tone="warning">Retrying</Badge> : <Badge tone="info">Sending</Badge>}
                      </p>
                      <p className="text-xs text-slate-600">
                        {report.sentAt ? `Sent ${when(report.sentAt)}` : report.lastAttemptAt ? `${report.attempts} attempt${report.attempts === 1 ? "" : "s"}, last ${when(report.lastAttemptAt)}` : "Waiting to be sent"}
                        {link && report.state === "SENT" ? (
                          <>
                            {" · "}
                            <a href={link} target="_blank" rel="noreferrer" className="text-brand-700 underline">
                              {report.kind === "COMMIT_STATUS" ? "See it on the commit" : "See it on the pull request"}
                            </a>
                          </>
                        ) : null}
                      </p>
                      {problem && report.state !== "SENT" ? (
                        <ProblemAlert problem={problem} tone={report.state === "FAILED" ? "error" : "warning"}>
                          <p>{report.state === "FAILED" ? "Keel stopped retrying. The build's result stands; later builds report as usual." : "The build's result stands; Keel retries with growing pauses."}</p>
                        </ProblemAlert>
                      ) : null}
                    </li>
                  );
                })}
              </ol>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}
