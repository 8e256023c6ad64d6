import { randomUUID } from "node:crypto";
import type { Metadata } from "next";
import { DEFAULT_POOL } from "@/lib/shared/build-pools";
import Link from "next/link";
import { notFound } from "next/navigation";
import { BadgeControls } from "@/components/profiles/badge-card";
import { ArtifactLinks } from "@/components/builds/artifact-list";
import { ChatForm } from "@/components/profiles/chat-form";
import { DuplicateProfileForm } from "@/components/profiles/duplicate-form";
import { BuildTable } from "@/components/builds/build-table";
import { StartBuildForm } from "@/components/builds/start-build-form";
import { ConnectionStatusBadge } from "@/components/connections/status-badge";
import { BranchList } from "@/components/profiles/branch-list";
import { CopyBlock } from "@/components/ui/copy-block";
import { CopyField } from "@/components/ui/copy-field";
import { DeleteProfileButton } from "@/components/profiles/delete-profile-button";
import { RebindForm } from "@/components/profiles/rebind-form";
import { IssueCredentialsButton } from "@/components/hooks/action-button";
import { TriggersForm } from "@/components/hooks/triggers-form";
import { issueHookCredentialsAction, updateTriggersAction } from "@/lib/actions/hooks";
import { listHookSubscriptions, listProfilesToFollow } from "@/lib/data/hooks";
import { manualSubscriptionOf, repositoryHookMode } from "@/lib/hooks/subscriptions";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { describeSchedule, formatSlot, nextSlot, timeZoneChoices } from "@/lib/shared/schedule";
import { afterOf, buildsDrafts, commentsStartBuilds, forkMode, describeBranches, describeTags, pathsOf, scheduleIsOn, scheduleOf, supersedeOf, tagsOf, triggersAreAutomatic } from "@/lib/shared/triggers";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DangerAction, DangerZone } from "@/components/ui/danger-zone";
import { PageHeader } from "@/components/ui/page-header";
import { pauseBuildsAction, startBuildAction } from "@/lib/actions/builds";
import { PauseBuildsForm } from "@/components/profiles/pause-builds-form";
import { describeSecretRefs } from "@/lib/shared/secret-refs";
import { setBadgeAction } from "@/lib/actions/badges";
import { removeTesterDeviceAction, shareProfileAction, unshareProfileAction } from "@/lib/actions/shares";
import { ProfileShareCard } from "@/components/builds/share-card";
import { TesterDevices } from "@/components/builds/tester-devices";
import { listEndingSigningFiles } from "@/lib/data/secret-files";
import { listProfileShares } from "@/lib/data/shares";
import { againstNewestBuild } from "@/lib/builds/tester-devices";
import { listTesterDevices } from "@/lib/data/tester-devices";
import { appleDeviceName } from "@/lib/shared/devices";
import { removeChatAction, saveChatAction, testChatAction } from "@/lib/actions/chat";
import { deleteProfileAction, duplicateProfileAction, rebindProfileAction, watchProfileAction } from "@/lib/actions/profiles";
import { WatchForm } from "@/components/profiles/watch-form";
import { buildStats, builtWords, describeBuildStats, formatDuration } from "@/lib/shared/builds";
import { queuedBuildCount, recentFinishedBuilds, withExpectedStarts } from "@/lib/data/builds";
import { isolatedWorkers } from "@/lib/data/jobs";
import { latestSuccessfulArtifacts } from "@/lib/data/artifacts";
import { requireScope } from "@/lib/auth/guards";
import { can } from "@/lib/policy";
import { buildCollectionUrl } from "@/lib/azure-devops/url";
import { healthOfConnection, problemViewerFor } from "@/lib/connections/service";
import { listConnections } from "@/lib/data/connections";
import { connectionsListingRepository, getProfilePage, profileWatchOf } from "@/lib/data/profiles";
import { getOwnEmailPreferences } from "@/lib/data/users";
import { cloneUrlsFor, type CloneUrl, type CloneUrls } from "@/lib/repositories/clone-urls";
import { formatList, shortBranchName } from "@/lib/shared/names";
import { sharePath } from "@/lib/shared/shares";
import { idSchema } from "@/lib/validation/auth";
import { pullRequestLinkSchema } from "@/lib/validation/builds";
import { platformLabel } from "@/lib/shared/platforms";
import { formatTime } from "@/lib/shared/dates";
import { signingExpiryWords, signingTitle } from "@/lib/shared/signing-files";
import { stepConditionWords } from "@/lib/shared/workflow";
import { When } from "@/components/ui/when";

export const metadata: Metadata = { title: "Build profile" };

const when = (date: Date) => formatTime(date);

export default async function ProfilePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { scope } = await requireScope("profile.read");
  const { id } = await params;
  const query = await searchParams;
  const page = idSchema.safeParse(id).success ? await getProfilePage(scope, id) : null;
  if (!page) {
    notFound();
  }
  const { profile, workflow, triggers, lastScheduled, chat, badgeKey, builds, buildCount } = page;
  const schedule = scheduleOf(triggers);
  const scheduleOn = scheduleIsOn(triggers);
  const next = scheduleOn ? nextSlot(schedule, new Date()) : null;
  const { connection } = profile;
  const reported = { remoteUrl: profile.remoteUrl, sshUrl: profile.sshUrl, webUrl: profile.webUrl };
  // A disconnected profile shows the URLs as Azure DevOps last reported them.
  const urls: CloneUrls = connection
    ? cloneUrlsFor(connection, reported)
    : { https: reported.remoteUrl ? { url: reported.remoteUrl } : null, ssh: reported.sshUrl ? { url: reported.sshUrl } : null, web: reported.webUrl ? { url: reported.webUrl } : null };
  const corrected = [urls.https, urls.ssh, urls.web].find((url): url is CloneUrl & { reason: string } => Boolean(url?.reason));
  const canDelete = can(scope, "profile.delete", profile);
  const canEdit = can(scope, "profile.update", profile);
  const canRebind = can(scope, "profile.rebind", profile);
  const health = connection ? healthOfConnection(connection) : null;
  // Re-binding: every connection of the organization, those whose repository list holds this repository first.
  const rebindChoices =
    !connection && canRebind
      ? await (async () => {
          const [connections, listing] = await Promise.all([listConnections(scope), connectionsListingRepository(scope, profile.repositoryId)]);
          return connections
            .map((candidate) => ({ id: candidate.id, label: `${candidate.name} (${candidate.collection})`, suggested: listing.includes(candidate.id) }))
            .sort((a, b) => Number(b.suggested) - Number(a.suggested) || a.label.localeCompare(b.label));
        })()
      : [];
  // The rest depends only on the profile and its connection: asked for together, not one after the other.
  const canShare = can(scope, "build.share");
  // Forks built without secrets run only on workers with a build user: whether the pool has one.
  const forksWithoutSecrets = triggersAreAutomatic(triggers) && triggers.pullRequest.enabled && forkMode(triggers) === "withoutSecrets";
  const [hookRows, viewer, recent, latestApp, standingShares, endingFiles, testerDevices, watch, buildEmails, listedBuilds, isolated, repositoryProfiles, queuedCount] = await Promise.all([
    connection ? listHookSubscriptions(scope, { connectionId: connection.id, repositoryId: profile.repositoryId }) : [],
    connection ? problemViewerFor(scope, connection) : null,
    buildCount > 0 ? recentFinishedBuilds(scope, profile.id) : [],
    buildCount > 0 ? latestSuccessfulArtifacts(scope, profile.id) : null,
    canShare ? listProfileShares(scope, profile.id) : [],
    listEndingSigningFiles(scope, profile.id),
    profile.platform === "ANDROID" ? [] : listTesterDevices(scope, profile.id),
    profileWatchOf(scope, profile.id),
    getOwnEmailPreferences(scope).then((preferences) => preferences.buildEmails),
    withExpectedStarts(builds),
    forksWithoutSecrets ? isolatedWorkers(workflow.pool, 3 * getEnv().KEEL_WORKER_HEARTBEAT_MS) : null,
    // The other profiles: whose builds this one may build after (its repository's first).
    connection ? listProfilesToFollow(scope, { id: profile.id, connectionId: profile.connectionId, repositoryId: profile.repositoryId }) : [],
    // Paused: how many builds wait for the resume.
    profile.pausedAt ? queuedBuildCount(scope, profile.id) : 0,
  ]);
  const siblings = repositoryProfiles;
  const after = afterOf(triggers);
  const followed = after.enabled && triggers.mode === "automatic" ? siblings.find((other) => other.id === after.profileId) : undefined;
  const afterName = followed?.name;
  // Which registered devices the newest successful build's provisioning profile lists (when Keel read one).
  const devicesListed = againstNewestBuild(testerDevices, latestApp?.artifacts ?? []);
  const now = new Date();
  const endedFiles = endingFiles.filter((file) => file.expiresAt <= now).length;
  const stats = describeBuildStats(buildStats(recent));
  const canStart = can(scope, "build.start");
  const canEditTriggers = can(scope, "profile.triggers", profile);
  const canManageHooks = can(scope, "hooks.manage");
  const hookMode = repositoryHookMode(hookRows);
  const refused = hookRows.find((row) => row.state === "NO_PERMISSION");
  const refusal = refused?.finding as { title?: string; detail?: string; fix?: string[] } | null | undefined;
  const env = getEnv();
  // Statuses a new token or consent fixes (the others — unreachable, certificate — are the connection page's to explain).
  const credentialStatus = health !== null && ["EXPIRING", "EXPIRED", "NEEDS_REAUTH", "CREDENTIALS_MISSING", "CREDENTIALS_UNREADABLE"].includes(health.status);
  const canEditWorkflow = can(scope, "workflow.update");
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Build profiles", href: "/profiles" }, { label: profile.name }]}
        title={profile.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <Badge tone="info">{platformLabel(profile.platform)}</Badge>
            <span>
              {profile.projectName} / {profile.repositoryName}
            </span>
            {watch.watchers > 0 ? (
              <span className="text-xs text-slate-600">
                {watch.watching ? (watch.watchers === 1 ? "You watch it" : `You and ${watch.watchers - 1} other${watch.watchers === 2 ? "" : "s"} watch it`) : `${watch.watchers} watching`}
                {watch.watching && !buildEmails ? (
                  <>
                    {" "}
                    — your build e-mails are off, so you hear nothing until you turn them on under <Link href="/settings/account" className="text-brand-700 underline">Your account</Link>
                  </>
                ) : null}
              </span>
            ) : null}
          </span>
        }
        actions={
          <>
            {can(scope, "profile.watch") ? <WatchForm action={watchProfileAction.bind(null, profile.id)} current={watch.choice} /> : null}
            {can(scope, "profile.pause") && connection ? <PauseBuildsForm action={pauseBuildsAction.bind(null, profile.id)} paused={profile.pausedAt !== null} /> : null}
            {canEdit ? (
              <Link href={`/profiles/${profile.id}/edit`} className={buttonClasses("secondary")}>
                Edit
              </Link>
            ) : null}
          </>
        }
      />
      {query.rebound === "1" && connection ? (
        <Alert tone="success" title={`Re-bound to ${connection.name}`} className="mb-6">
          <p>Keel found the repository through this connection; every other setting of the profile stayed as it was.</p>
        </Alert>
      ) : null}
      {!connection ? (
        <Alert tone="error" title="This build profile is disconnected" className="mb-6">
          <p>
            Its connection{profile.disconnectedConnectionName ? ` “${profile.disconnectedConnectionName}”` : ""} was deleted
            {profile.disconnectedAt ? ` on ${when(profile.disconnectedAt)}` : ""}. The profile kept its settings, but it cannot read branches or build until it is re-bound to a
            connection that reaches the repository {profile.repositoryName}.
          </p>
          {canRebind ? (
            rebindChoices.length > 0 ? (
              <div className="mt-3 max-w-md">
                <RebindForm action={rebindProfileAction.bind(null, profile.id)} choices={rebindChoices} />
              </div>
            ) : (
              <p className="mt-2">There is no connection to re-bind it to yet. Connect the organization that holds {profile.repositoryName} first, then come back here.</p>
            )
          ) : (
            <p className="mt-2">Ask an admin, or the person who created it, to re-bind it.</p>
          )}
        </Alert>
      ) : health?.needsAttention ? (
        <Alert tone={health.tone === "warning" ? "warning" : "error"} title={`Its connection “${connection.name}” needs attention: ${health.label.toLowerCase()}`} className="mb-6">
          <p>{health.reason ?? "Open the connection for details."}</p>
          <p className="mt-1">
            {health.status === "EXPIRING" ? "Builds stop working when the token expires unless it is replaced. " : "Builds that use it fail until it is fixed. "}
            {viewer && !viewer.canFix && credentialStatus
              ? `Ask an admin (${formatList(viewer.admins.slice(0, 3), "or") || "any admin"}) to ${connection.authMethod === "PAT" ? "replace its token" : connection.authMethod === "SERVICE_PRINCIPAL" ? "fix its service principal" : "re-authorize it"}. `
              : null}
          </p>
          <p className="mt-1 flex flex-wrap gap-4">
            {viewer?.canFix && credentialStatus && connection.authMethod !== "SERVICE_PRINCIPAL" ? (
              <Link href={connection.authMethod === "PAT" ? `/connections/${connection.id}#replace-token` : `/connections/${connection.id}/reauthorize`} className="font-medium underline">
                {connection.authMethod === "PAT" ? "Replace token" : "Re-authorize"}
              </Link>
            ) : null}
            <Link href={`/connections/${connection.id}`} className="font-medium underline">
              Open the connection
            </Link>
          </p>
        </Alert>
      ) : null}
      {profile.pausedAt ? (
        <Alert tone="warning" title="Builds of this profile are paused" className="mb-6">
          <p>
            {profile.pausedBy ? `${profile.pausedBy.name} paused them` : "An admin paused them"} on {when(profile.pausedAt)}
            {profile.pauseReason ? <>: “{profile.pauseReason}”</> : null}.
          </p>
          <p className="mt-1">
            Builds still queue — pushes, pull requests, the schedule and people start them as usual — but no worker starts them{queuedCount > 0 ? ` (${queuedCount === 1 ? "1 build waits" : `${queuedCount} builds wait`})` : ""}.{" "}
            {canEditWorkflow ? "Resume builds (above) when it is over." : "An admin resumes them; ask one if a build cannot wait."}
          </p>
        </Alert>
      ) : null}
      {endingFiles.length > 0 ? (
        <Alert
          tone={endedFiles > 0 ? "error" : "warning"}
          title={
            endedFiles > 0
              ? `${endedFiles === 1 ? "A signing file" : `${endedFiles} signing files`} of this profile ${endedFiles === 1 ? "has" : "have"} expired`
              : `${endingFiles.length === 1 ? "A signing file" : `${endingFiles.length} signing files`} of this profile expire${endingFiles.length === 1 ? "s" : ""} soon`
          }
          className="mb-6"
        >
          <ul className="space-y-1">
            {endingFiles.map((file) => (
              <li key={file.id}>
                {(file.signing && signingTitle(file.signing)) ?? file.fileName} in <code>${file.variable}</code>: {signingExpiryWords(file.expiresAt, now)}.
              </li>
            ))}
          </ul>
          <p>
            Builds that sign with an expired file fail.{" "}
            {canEditWorkflow ? (
              <Link href={`/profiles/${profile.id}/workflow#secret-files`} className="font-medium underline">
                Upload a new one under Secret files
              </Link>
            ) : (
              "Ask an admin to upload a new one on the profile's workflow page."
            )}
          </p>
        </Alert>
      ) : null}
      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="space-y-6">
          <Card title="Builds" description={stats ?? "Newest first. A build fetches the commit on a Keel worker and runs the workflow's steps."}>
            <div className="space-y-5">
              {!connection ? (
                <Alert tone="warning" title="This profile cannot build">
                  <p>Its connection to Azure DevOps was deleted, so Keel cannot fetch its code. Re-bind it to a connection that reaches this repository (above).</p>
                </Alert>
              ) : canStart ? (
                <StartBuildForm
                  profileId={profile.id}
                  defaultBranch={profile.defaultBranch ? shortBranchName(profile.defaultBranch) : null}
                  action={startBuildAction.bind(null, profile.id)}
                  idempotencyKey={randomUUID()}
                  pullRequest={pullRequestLinkSchema.safeParse(query.pullRequest).data ?? null}
                  caches={workflow.cachePaths.length > 0}
                  secretRefs={workflow.secretRefs}
                />
              ) : null}
              {latestApp ? (
                <div className="rounded-md border border-slate-200 bg-slate-50 px-4 py-3 text-sm" aria-label="Latest successful build's artifacts" role="group">
                  <p className="font-medium text-slate-900">
                    From the latest successful build,{" "}
                    <Link href={`/builds/${latestApp.buildId}#artifacts`} className="text-brand-700 underline">
                      #{latestApp.number}
                    </Link>
                    {/* Which code it is: a pull request's app is not the branch's. */}
                    {builtWords(latestApp) ? ` of ${builtWords(latestApp)}` : ""}
                  </p>
                  <div className="mt-2">
                    <ArtifactLinks buildId={latestApp.buildId} artifacts={latestApp.artifacts} label={`Files of build #${latestApp.number}`} />
                  </div>
                  {latestApp.total > latestApp.artifacts.length ? <p className="mt-1 text-xs text-slate-600">and {latestApp.total - latestApp.artifacts.length} more on the build&apos;s page.</p> : null}
                  {can(scope, "build.share") ? (
                    <p className="mt-2 text-xs">
                      <Link href={`/builds/${latestApp.buildId}#share`} className="text-brand-700 underline">
                        Share it with testers
                      </Link>{" "}
                      (a link that needs no Keel account)
                    </p>
                  ) : null}
                </div>
              ) : null}
              {builds.length === 0 ? (
                <p className="text-sm text-slate-600">No builds yet. {canStart ? "Choose a branch above and start the first one." : ""}</p>
              ) : (
                <>
                  <BuildTable rows={listedBuilds.map((build) => ({ ...build, profile: { id: profile.id, name: profile.name, pausedAt: profile.pausedAt } }))} caption={`Latest builds of ${profile.name}`} showProfile={false} />
                  <p className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
                    {buildCount > builds.length ? (
                      <Link href={`/builds?profile=${profile.id}`} className="font-medium text-brand-700 underline">
                        All {buildCount.toLocaleString("en")} builds of this profile
                      </Link>
                    ) : null}
                    <Link href={`/profiles/${profile.id}/insights`} className="font-medium text-brand-700 underline">
                      Insights: the last 30 days
                    </Link>
                  </p>
                </>
              )}
            </div>
          </Card>
          {connection ? <BranchList profileId={profile.id} defaultBranch={profile.defaultBranch} webUrl={urls.web?.url ?? null} viewer={viewer} healthy={health?.status === "HEALTHY" || health?.status === "EXPIRING"} /> : null}
          <Card
            title="Triggers"
            description={
              triggers.mode === "manual"
                ? "Manual only: builds start when someone starts one."
                : !triggersAreAutomatic(triggers) && !scheduleOn && !afterName
                  ? "Nothing starts builds by itself yet: turn on pushes, pull requests, tags or a schedule."
                  : [
                      triggersAreAutomatic(triggers)
                        ? `Pushes to ${triggers.push.enabled ? describeBranches(triggers.push.branches, profile.defaultBranch) : "no branch"}; pull requests into ${triggers.pullRequest.enabled ? `${describeBranches(triggers.pullRequest.branches, profile.defaultBranch)}${buildsDrafts(triggers) ? "" : " once they are no longer drafts"}${{ wait: "", withoutSecrets: ", from forks too (without its secrets)", withSecrets: ", from forks too" }[forkMode(triggers)]}` : "no branch"}.`
                        : null,
                      triggersAreAutomatic(triggers) && tagsOf(triggers).enabled ? `Tags: ${describeTags(tagsOf(triggers).patterns)}.` : null,
                      triggersAreAutomatic(triggers) && pathsOf(triggers).length > 0 ? `Only when files in ${pathsOf(triggers).join(", ")} change.` : null,
                      scheduleOn ? `On a schedule: ${describeSchedule(schedule, profile.defaultBranch)}.` : null,
                      followed
                        ? `After successful builds of “${followed.name}” on ${describeBranches(after.branches, profile.defaultBranch)}${followed.sameRepository ? "" : ` (of ${followed.repositoryName}: this profile then builds ${profile.defaultBranch ? shortBranchName(profile.defaultBranch) : "its default branch"})`}.`
                        : null,
                      commentsStartBuilds(triggers) ? "A member's comment /keel build on a pull request starts its build." : null,
                      triggersAreAutomatic(triggers) && supersedeOf(triggers) !== "off"
                        ? `A newer commit of a branch or pull request cancels its older builds${supersedeOf(triggers) === "queued" ? " still in the queue" : ", running ones too"}.`
                        : null,
                    ]
                      .filter(Boolean)
                      .join(" ")
            }
            actions={
              canManageHooks && connection ? (
                <Link href={`/profiles/${profile.id}/deliveries`} className="text-sm font-medium text-brand-700 underline">
                  Delivery log
                </Link>
              ) : null
            }
          >
            {isolated === 0 ? (
              <Alert tone="warning" title={`No worker of the pool “${workflow.pool}” runs steps as a build user`} className="mb-4">
                <p>
                  Pull requests from forks are built without this profile&apos;s secrets, which only a worker whose steps run as a build user runs: until one does, those builds end as errors. An admin
                  starts the pool&apos;s workers as root with <code>KEEL_BUILD_USER</code> set (Settings → Workers says which do).
                </p>
              </Alert>
            ) : null}
            {connection && triggersAreAutomatic(triggers) ? (
              <div className="mb-4 text-sm" aria-live="polite">
                {env.KEEL_HOOKS === "off" ? (
                  <Alert tone="info" title="Keel polls this repository">
                    <p>Service hooks are off on this Keel (KEEL_HOOKS=off): new commits and pull requests are found every {env.KEEL_POLL_INTERVAL_SECONDS} seconds.</p>
                  </Alert>
                ) : hookMode === "hooks" ? (
                  <p className="text-slate-700">
                    <Badge tone="success">Service hooks active</Badge> Azure DevOps tells Keel about pushes and pull requests as they happen.
                  </p>
                ) : hookMode === "polling" ? (
                  <Alert tone="warning" title={refusal?.title ?? "Azure DevOps does not let this connection create service hooks"}>
                    {refusal?.detail ? <p>{refusal.detail}</p> : null}
                    <ul className="mt-1 list-disc pl-5">
                      {(refusal?.fix ?? []).map((step) => (
                        <li key={step}>{step}</li>
                      ))}
                    </ul>
                    <p className="mt-1">Keel polls the repository every {env.KEEL_POLL_INTERVAL_SECONDS} seconds meanwhile, and creates the hooks itself at the next connection check once it may.</p>
                    {canManageHooks ? (
                      <details className="mt-2">
                        <summary className="cursor-pointer font-medium">The subscriptions an Azure DevOps administrator can create by hand</summary>
                        <p className="mt-1">Project settings → Service hooks → Create subscription → Web Hooks, one per event, with these values (Basic authentication):</p>
                        {hookRows.map((row) => (
                          <div key={row.id} className="mt-2 space-y-1">
                            <pre tabIndex={0} aria-label={`Subscription for ${row.eventType}`} className="overflow-auto rounded bg-slate-100 p-2 text-xs">{JSON.stringify(manualSubscriptionOf(row), null, 2)}</pre>
                            <IssueCredentialsButton action={issueHookCredentialsAction.bind(null, profile.id, row.eventType as "git.push")} eventType={row.eventType} />
                          </div>
                        ))}
                      </details>
                    ) : null}
                  </Alert>
                ) : hookMode === "failing" ? (
                  <Alert tone="error" title="A service hook of this repository is not working">
                    <p>Keel repairs it at the next connection check{canManageHooks ? "; the delivery log shows its health" : ""}. Builds that should have started meanwhile can be backfilled.</p>
                  </Alert>
                ) : (
                  <p className="text-slate-700">
                    <Badge tone="neutral">Setting up</Badge> Keel is creating the service hooks for this repository.
                  </p>
                )}
              </div>
            ) : null}
            {connection && triggersAreAutomatic(triggers) && triggers.pullRequest.enabled ? (
              <details className="mb-4 text-sm text-slate-700">
                <summary className="cursor-pointer font-medium text-slate-800">Block merging until this build passes</summary>
                <p className="mt-1">
                  Keel posts each pull-request build&apos;s result on the pull request as the status <code>keel/{profile.name}</code>. To require it, an Azure DevOps project administrator
                  opens the target branch&apos;s policies (Repos → Branches → ⋯ → Branch policies), adds a <strong>Status check</strong> and picks <code>keel/{profile.name}</code> as the
                  status to check — it is offered once Keel has built one pull request (or type it as Genre <code>keel</code>, Name <code>{profile.name}</code>). Renaming this profile
                  renames the status: update the policy then.
                </p>
              </details>
            ) : null}
            {scheduleOn || lastScheduled ? (
              <dl className="mb-4 space-y-1 text-sm" aria-label="Schedule">
                {next ? (
                  <div className="flex flex-wrap gap-x-2">
                    <dt className="text-slate-500">Next scheduled build</dt>
                    <dd className="text-slate-800">
                      {formatSlot(next, schedule.timeZone)} ({schedule.timeZone})
                    </dd>
                  </div>
                ) : null}
                {lastScheduled ? (
                  <div className="flex flex-wrap gap-x-2">
                    <dt className="text-slate-500">Last, {formatSlot(lastScheduled.at, schedule.timeZone)}</dt>
                    <dd className="text-slate-800">{lastScheduled.outcome}</dd>
                  </div>
                ) : null}
              </dl>
            ) : null}
            {canEditTriggers ? (
              <TriggersForm
                action={updateTriggersAction.bind(null, profile.id)}
                triggers={triggers}
                defaultBranch={profile.defaultBranch ? shortBranchName(profile.defaultBranch) : null}
                timeZones={timeZoneChoices(schedule.timeZone)}
                siblings={siblings}
              />
            ) : (
              <p className="text-xs text-slate-600">Admins and the person who created the profile change its triggers.</p>
            )}
          </Card>
        </div>
        <div className="space-y-6">
          <Card
            title="Workflow"
            description={`${workflow.isDefault ? `The default for ${platformLabel(profile.platform)}.` : `Time limit ${formatDuration(workflow.timeoutMinutes * 60_000)}.`}${workflow.pool === DEFAULT_POOL ? "" : ` Runs on the build pool “${workflow.pool}”.`}${workflow.oneAtATime ? " One build at a time." : ""}${workflow.retryLostBuilds ? " Started again when its worker is lost." : ""}${workflow.fetchSubmodules ? "" : " Submodules are not fetched."}${workflow.fetchLfs ? "" : " Git LFS files are not fetched."}${workflow.artifacts.length > 0 ? ` Keeps ${workflow.artifacts.join(", ")}.` : ""}${workflow.cachePaths.length > 0 ? ` Caches ${workflow.cachePaths.join(", ")}.` : ""}${workflow.variableGroups.length > 0 ? ` Variable groups: ${workflow.variableGroups.map((group) => group.name).join(", ")}.` : ""}${workflow.secretRefs ? ` Secrets only for ${describeSecretRefs(workflow.secretRefs, profile.defaultBranch)}.` : ""}`}
            actions={
              canEditWorkflow ? (
                <Link href={`/profiles/${profile.id}/workflow`} className="text-sm font-medium text-brand-700 underline">
                  Edit workflow
                </Link>
              ) : null
            }
          >
            {workflow.workflowFile ? (
              <p className="text-sm text-slate-700">
                Each build runs the steps listed in <code>{workflow.workflowFile}</code> of the commit it builds.
              </p>
            ) : (
              <ol className="space-y-2 text-sm" aria-label="Workflow steps">
                {workflow.steps.map((step, index) => (
                  <li key={index}>
                    <span className="font-medium text-slate-900">{step.name}</span>
                    {stepConditionWords(step) ? <span className="text-xs text-slate-600"> · {stepConditionWords(step)}</span> : null}
                    <code className="mt-0.5 block truncate rounded bg-slate-100 px-2 py-1 text-xs text-slate-800" title={step.command}>
                      {step.command.split("\n")[0]}
                    </code>
                  </li>
                ))}
              </ol>
            )}
            {workflow.variables.length > 0 ? (
              <p className="mt-3 text-xs text-slate-600">
                Variables: {workflow.variables.map((variable) => `${variable.name}${variable.isSecret ? " (secret)" : ""}`).join(", ")}
              </p>
            ) : null}
            {!canEditWorkflow ? <p className="mt-3 text-xs text-slate-600">Admins change the workflow.</p> : null}
          </Card>
          <Card
            title="Chat"
            id="chat"
            description={
              chat
                ? `${chat.notify === "all" ? "Every finished build" : "Failed builds, and the build that fixes them"} are posted to ${chat.label}.`
                : "Post this profile's failed and fixed builds to a Slack or Microsoft Teams channel."
            }
          >
            {chat?.lastError ? (
              <Alert tone="warning" title="The last message did not arrive" className="mb-4">
                <p>{chat.lastError}</p>
              </Alert>
            ) : chat?.lastSentAt ? (
              <p className="mb-4 text-xs text-slate-600">Last message delivered {when(chat.lastSentAt)}.</p>
            ) : null}
            {canEditTriggers ? (
              <ChatForm
                saveAction={saveChatAction.bind(null, profile.id)}
                testAction={testChatAction.bind(null, profile.id)}
                removeAction={removeChatAction.bind(null, profile.id)}
                configured={chat?.label ?? null}
                notify={chat?.notify ?? "changes"}
              />
            ) : (
              <p className="text-xs text-slate-600">Admins and the person who created the profile choose its chat channel.</p>
            )}
          </Card>
          {canShare ? (
            <Card title="Testers' link to the newest build" id="newest-build-link" description="One address that always opens the newest successful build of a branch, for testers without a Keel account: send it once, or print its QR code.">
              <ProfileShareCard
                create={shareProfileAction.bind(null, profile.id)}
                turnOff={unshareProfileAction.bind(null, profile.id)}
                defaultBranch={profile.defaultBranch ? shortBranchName(profile.defaultBranch) : "main"}
                links={standingShares.map((share) => ({ id: share.id, url: `${publicUrlOf(env)}${sharePath(share.key)}`, expiresAt: share.expiresAt, createdBy: share.createdBy, what: `the newest build of ${shortBranchName(share.branch)}` }))}
              />
            </Card>
          ) : null}
          {profile.platform !== "ANDROID" ? (
            <Card
              title="Testers' devices"
              id="tester-devices"
              description="iPhones and iPads testers registered from a testers' link of an ad hoc build. Add them to the app's provisioning profile in the Apple Developer account, then build again."
            >
              {testerDevices.length === 0 ? (
                <p className="text-sm text-slate-600">
                  No devices yet. A testers&apos; link of an ad hoc or development build offers “Register this iPhone or iPad” to testers whose device its provisioning profile does not list.
                </p>
              ) : (
                <>
                  <TesterDevices
                    devices={devicesListed.map((device) => ({
                      id: device.id,
                      udid: device.udid,
                      name: appleDeviceName(device),
                      // The model, unless it already names the device.
                      model: [device.product !== appleDeviceName(device) ? device.product : null, device.osVersion ? `iOS build ${device.osVersion}` : null].filter(Boolean).join(" · ") || null,
                      registered: when(device.registeredAt),
                      listed: device.inNewestBuild,
                      removeAction: canEditWorkflow ? removeTesterDeviceAction.bind(null, profile.id, device.id) : null,
                    }))}
                  />
                  <p className="mt-4 text-xs text-slate-600">
                    <a href={`/api/profiles/${profile.id}/tester-devices`} download className="font-medium text-brand-700 underline">
                      Download the list for Apple
                    </a>
                    {devicesListed.some((device) => device.inNewestBuild === false) ? (
                      <>
                        {" "}
                        (or{" "}
                        <a href={`/api/profiles/${profile.id}/tester-devices?missing=1`} download className="font-medium text-brand-700 underline">
                          only the devices the newest build lacks
                        </a>
                        )
                      </>
                    ) : null}{" "}
                    — upload it under Certificates, Identifiers &amp; Profiles → Devices → Register Multiple Devices. Keel cannot check that a device is real: add only those you expect.
                  </p>
                </>
              )}
            </Card>
          ) : null}
          <Card title="Status badge" id="badge" description="A picture of the default branch's latest build for a README.">
            <BadgeControls
              action={setBadgeAction.bind(null, profile.id)}
              badgeUrl={badgeKey ? `${publicUrlOf(env)}/api/badges/${badgeKey}` : null}
              profileUrl={`${publicUrlOf(env)}/profiles/${profile.id}`}
              canChange={canEdit}
            />
          </Card>
          <Card title="Start from a script" description="Another system (a release script, Jenkins, GitHub Actions) starts this profile's builds with an API token of yours.">
            <CopyBlock
              label="Command that starts a build of this profile"
              text={`# KEEL_TOKEN: an API token of yours (Settings → API tokens)\ncurl -fsS -X POST \\\n  -H "Authorization: Bearer $KEEL_TOKEN" \\\n  -H "Content-Type: application/json" \\\n  -d '${JSON.stringify({ branch: profile.defaultBranch ? shortBranchName(profile.defaultBranch) : "main" })}' \\\n  ${publicUrlOf(env)}/api/v1/profiles/${profile.id}/builds`}
            />
            <p className="mt-2 text-xs text-slate-600">
              The answer is the build, with its <code>apiUrl</code> to follow until <code>finished</code> and its artifacts&apos; download links.{" "}
              <Link href="/settings/api-tokens" className="font-medium text-brand-700 underline">
                Your API tokens
              </Link>
            </p>
          </Card>
          {canEditWorkflow ? (
            <Card
              title="Copy"
              description="A new profile of the same repository with this one's workflow, variables and secret files — for a release or debug variant. Its triggers start manual; builds, chat channel and badge are not copied."
            >
              <DuplicateProfileForm action={duplicateProfileAction.bind(null, profile.id)} suggestedName={`${profile.name} (copy)`.slice(0, 100)} idempotencyKey={randomUUID()} />
            </Card>
          ) : null}
          <Card title="Repository">
            <dl className="space-y-3 text-sm">
              <div>
                <dt className="text-slate-500">Repository</dt>
                <dd className="text-slate-900">
                  {urls.web ? (
                    <a href={urls.web.url} className="font-medium text-brand-700 underline" target="_blank" rel="noreferrer">
                      {profile.repositoryName}
                    </a>
                  ) : (
                    profile.repositoryName
                  )}
                </dd>
              </div>
              <div>
                <dt className="text-slate-500">Project</dt>
                <dd className="text-slate-900">{profile.projectName}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Default branch</dt>
                <dd className="font-mono text-slate-900">{profile.defaultBranch ? shortBranchName(profile.defaultBranch) : "None yet (the repository was empty)"}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Connection</dt>
                {connection && health ? (
                  <>
                    <dd className="flex flex-wrap items-center gap-2 text-slate-900">
                      <Link href={`/connections/${connection.id}`} className="font-medium text-brand-700 underline">
                        {connection.name}
                      </Link>
                      <ConnectionStatusBadge status={health.status} daysLeft={health.daysLeft} />
                    </dd>
                    <dd className="mt-1 break-all font-mono text-xs text-slate-600">{buildCollectionUrl(connection)}</dd>
                    <dd className="mt-1 text-xs text-slate-600">{connection.lastCheckAt ? <>Last checked <When date={connection.lastCheckAt} relative /></> : "Not checked yet"}</dd>
                  </>
                ) : (
                  <dd className="text-slate-900">
                    <Badge tone="error">Disconnected</Badge>
                    {profile.disconnectedConnectionName ? <span className="ml-2 text-slate-600">was {profile.disconnectedConnectionName}</span> : null}
                  </dd>
                )}
              </div>
              <div>
                <dt className="text-slate-500">Created</dt>
                <dd className="text-slate-900">
                  {when(profile.createdAt)}
                  {profile.createdBy ? ` by ${profile.createdBy.name}` : ""}
                </dd>
              </div>
            </dl>
          </Card>
          <Card title="Clone URLs">
            <div className="space-y-3">
              {urls.https ? <CopyField label="HTTPS" value={urls.https.url} /> : null}
              {urls.ssh ? <CopyField label="SSH" value={urls.ssh.url} /> : null}
              {!urls.https && !urls.ssh ? <p className="text-sm text-slate-600">Azure DevOps reported no clone URLs for this repository.</p> : null}
              {corrected ? (
                <Alert tone="warning" title="Corrected the server's clone URLs">
                  <p>{corrected.reason}</p>
                  <p className="break-all font-mono text-xs">Reported: {corrected.reported}</p>
                  <p>An admin of the server fixes this with Change Public URL in the Azure DevOps Server Administration Console.</p>
                </Alert>
              ) : null}
            </div>
          </Card>
        </div>
      </div>
      {canDelete ? (
        <DangerZone className="mt-6">
          <DangerAction
            title="Delete this build profile"
            description="Keel forgets the profile, its workflow and its builds. The repository in Azure DevOps is not touched."
            action={<DeleteProfileButton name={profile.name} action={deleteProfileAction.bind(null, profile.id)} />}
          />
        </DangerZone>
      ) : null}
    </>
  );
}
