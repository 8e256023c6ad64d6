import "server-only";
import { getConnection } from "@/lib/data/connections";
import { getPollCursors, listPollingRepositories, listRepositoryProfiles, listStaleDeliveries, savePollCursors } from "@/lib/data/hooks";
import { getEnv } from "@/lib/env";
import type { JobContext } from "@/lib/jobs/define";
import { enqueue } from "@/lib/jobs/enqueue";
import { pollRepositoryQueue, processDeliveryQueue } from "@/lib/jobs/queues";
import { slotJobId } from "@/lib/jobs/schedules";
import { logger } from "@/lib/logger";
import { clientForConnection } from "@/lib/repositories/connection-client";
import { systemScope, type Scope } from "@/lib/scope";
import { draftDecision, pullRequestBuildKey, pullRequestDecision, supersedeOf, tagsOf, triggersAreAutomatic } from "@/lib/shared/triggers";
import { cancelClosedPullRequestBuilds } from "@/lib/builds/service";
import { changeLister, closedWords, forkWaits, latestIteration, messageLister, onPush, pathsAllow, skipAllows, start, type ProfileOutcome } from "./process";

// The polling fallback (issue 14) for repositories that cannot receive service hooks — Azure
// DevOps refused Keel the subscriptions, or KEEL_HOOKS=off because it cannot reach Keel. Every
// KEEL_POLL_INTERVAL_SECONDS the fan-out queues one hooks.poll per such repository; the job reads
// the branches and the open pull requests, compares them with what it saw last (PollCursor) and
// starts what a hook would have, with the same idempotency keys (at most once per change and
// trigger, whether a hook, a poll or both saw it). The first poll of a repository only records
// what is there: builds start for changes from then on.

const log = logger("hooks.poll");
const BASELINE = "@baseline";
/** Since when tags are recorded: the tags there when a profile first asked for them are not built. */
const TAGS_BASELINE = "@tags-baseline";

/** The poll fan-out. */
export async function pollAllJob(_payload: Record<string, never>, context: JobContext<"global">): Promise<void> {
  const slot = context.scheduledFor ?? new Date();
  const repositories = await listPollingRepositories(getEnv().KEEL_HOOKS === "on");
  for (const repository of repositories) {
    await enqueue(
      pollRepositoryQueue,
      { connectionId: repository.connectionId, projectId: repository.projectId, repositoryId: repository.repositoryId },
      { scope: systemScope(repository.organizationId, context.queue), id: slotJobId(`hooks.poll:${repository.connectionId}:${repository.repositoryId}`, slot) },
    );
  }
}

/** The hooks.poll job. */
export async function pollRepositoryJob(payload: { connectionId: string; projectId: string; repositoryId: string }, context: JobContext<"organization">): Promise<void> {
  const outcome = await pollRepository(context.scope, payload.connectionId, payload.projectId, payload.repositoryId);
  if (outcome.length > 0) {
    log.info({ connectionId: payload.connectionId, repositoryId: payload.repositoryId, started: outcome.filter((item) => item.created).length }, "polled");
  }
}

/** Polls one repository now; returns what it started (or why not) per profile and change. */
export async function pollRepository(scope: Scope, connectionId: string, projectId: string, repositoryId: string): Promise<ProfileOutcome[]> {
  const connection = await getConnection(scope, connectionId);
  if (!connection) {
    return [];
  }
  const profiles = (await listRepositoryProfiles(scope, connectionId, repositoryId)).filter((profile) => triggersAreAutomatic(profile.triggers));
  if (profiles.length === 0) {
    return [];
  }
  const { client } = await clientForConnection(scope, connection);
  const seen = new Map<string, string>();
  const refs = await client.listAllRefs(projectId, repositoryId, { filter: "heads/" });
  for (const ref of refs.items) {
    seen.set(ref.name, ref.objectId.toLowerCase());
  }
  // Tags only when a profile builds them (a repository may have thousands); a new or moved tag is built.
  if (profiles.some((profile) => tagsOf(profile.triggers).enabled)) {
    for (const ref of (await client.listAllRefs(projectId, repositoryId, { filter: "tags/" })).items) {
      seen.set(ref.name, ref.objectId.toLowerCase());
    }
    seen.set(TAGS_BASELINE, new Date().toISOString());
  }
  const wantsPullRequests = profiles.some((profile) => profile.triggers.pullRequest.enabled);
  const pullRequests = wantsPullRequests ? await client.listPullRequests(projectId, repositoryId, { status: "active" }) : [];
  // A pull request's cursor is its source commit, marked while it is a draft: publishing it is a change too.
  const prCursor = (pr: (typeof pullRequests)[number]) => (pr.lastMergeSourceCommit ? `${pr.lastMergeSourceCommit.commitId.toLowerCase()}${pr.isDraft ? ":draft" : ""}` : null);
  for (const pr of pullRequests) {
    const cursor = prCursor(pr);
    // Not seen while it has no merge commit: Azure DevOps computes it after a pull request is opened or
    // pushed to (mergeStatus "queued"), and one recorded then would never be built; conflicts are looked at each poll, cheaply.
    if (cursor && pr.lastMergeCommit) {
      seen.set(`pr/${pr.pullRequestId}`, cursor);
    }
  }
  const cursors = await getPollCursors(scope, connectionId, repositoryId);
  seen.set(BASELINE, new Date().toISOString());
  if (!cursors.has(BASELINE)) {
    await savePollCursors(scope, connectionId, repositoryId, seen);
    return [];
  }
  const outcome: ProfileOutcome[] = [];
  // A pull request seen last time and no longer active was completed or abandoned (polling cannot
  // tell which): its builds still waiting, or running, are nobody's any more. Its cursor goes, so once.
  if (wantsPullRequests) {
    const active = new Set(pullRequests.map((pr) => `pr/${pr.pullRequestId}`));
    for (const key of cursors.keys()) {
      if (!key.startsWith("pr/") || active.has(key)) {
        continue;
      }
      const pullRequestId = Number(key.slice(3));
      for (const profile of profiles.filter((item) => item.triggers.pullRequest.enabled)) {
        const canceled = await cancelClosedPullRequestBuilds(scope, profile.id, supersedeOf(profile.triggers), pullRequestId, "is no longer active (completed or abandoned)");
        if (canceled.length > 0) {
          outcome.push({ profileId: profile.id, profileName: profile.name, matched: false, reason: `Pull request ${pullRequestId} is no longer active.${closedWords(canceled)}` });
        }
      }
    }
  }
  // The last tip seen is the push's base: the path filters compare against it.
  const changes = changeLister(scope, connection, repositoryId);
  const messages = messageLister(scope, connection, repositoryId);
  for (const [ref, objectId] of seen) {
    const known = ref.startsWith("refs/heads/") || (ref.startsWith("refs/tags/") && cursors.has(TAGS_BASELINE));
    if (!known || cursors.get(ref) === objectId) {
      continue;
    }
    for (const profile of profiles) {
      outcome.push(await onPush(scope, profile, ref, objectId, "POLL", () => changes(projectId, cursors.get(ref) ?? null, objectId), () => messages(projectId, objectId)));
    }
  }
  for (const pr of pullRequests) {
    const source = pr.lastMergeSourceCommit?.commitId.toLowerCase();
    if (!source || cursors.get(`pr/${pr.pullRequestId}`) === prCursor(pr) || !pr.lastMergeCommit) {
      continue;
    }
    let iteration: number | null = null;
    for (const profile of profiles) {
      if (!pullRequestDecision(profile.triggers, pr.targetRefName, profile.defaultBranch).start || !draftDecision(profile.triggers, pr.isDraft).start) {
        continue;
      }
      if (!(await skipAllows(source, () => messages(projectId, source))).start || !(await pathsAllow(profile, () => changes(projectId, pr.lastMergeTargetCommit?.commitId.toLowerCase() ?? null, source))).start) {
        continue;
      }
      const fork = await forkWaits(scope, profile, pr, source);
      if (fork.waits) {
        outcome.push(fork.waits);
        continue;
      }
      iteration ??= await latestIteration(scope, connection, projectId, repositoryId, pr.pullRequestId);
      outcome.push(
        await start(scope, profile, {
          commit: pr.lastMergeCommit.commitId.toLowerCase(),
          trigger: "PULL_REQUEST",
          pullRequest: { id: pr.pullRequestId, iteration, sourceRef: pr.sourceRefName, targetRef: pr.targetRefName },
          idempotencyKey: pullRequestBuildKey(profile.id, pr.pullRequestId, source),
          withholdSecrets: fork.withholdSecrets,
        }),
      );
    }
  }
  await savePollCursors(scope, connectionId, repositoryId, seen);
  return outcome;
}

/** The hooks.sweep schedule: deliveries stored a minute ago and still not processed get their job again. */
export async function sweepDeliveriesJob(): Promise<void> {
  const stale = await listStaleDeliveries(new Date(Date.now() - 60_000), 200);
  for (const delivery of stale) {
    // A fresh job id: the first one may have failed for good while the row stayed RECEIVED.
    await enqueue(processDeliveryQueue, { deliveryId: delivery.id }, { scope: systemScope(delivery.organizationId, "hooks.sweep") });
  }
  if (stale.length > 0) {
    log.info({ queued: stale.length }, "queued unprocessed deliveries again");
  }
}
