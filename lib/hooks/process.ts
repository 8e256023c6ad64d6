import "server-only";
import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import { requestForkWaiting } from "@/lib/builds/report-queue";
import { cancelClosedPullRequestBuilds, latestPullRequestIteration, startBuild } from "@/lib/builds/service";
import { getConnection, type ConnectionView } from "@/lib/data/connections";
import { countDeliveryAttempt, finishDelivery, getDelivery, listRepositoryProfiles, type RepositoryProfile } from "@/lib/data/hooks";
import { AppError, isAppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { JobContext } from "@/lib/jobs/define";
import { processDeliveryQueue } from "@/lib/jobs/queues";
import { logger } from "@/lib/logger";
import { clientForConnection } from "@/lib/repositories/connection-client";
import { systemScope, type Scope } from "@/lib/scope";
import { commentsStartBuilds, draftDecision, forkDecision, isBuildCommand, forkOf, pathDecision, pathsOf, pullRequestBuildKey, pullRequestDecision, pushBuildKey, pushDecision, skipDecision, supersedeOf, tagBuildKey, tagDecision, type TriggerDecision } from "@/lib/shared/triggers";
import { commentKey, describeIssues, envelopeSchema, PR_COMMENT_EVENT, pullRequestCommentResourceSchema, pullRequestResourceSchema, pushResourceSchema, ZERO_OBJECT_ID, type PullRequestCommentResource, type PullRequestResource } from "./payload";
import { activeMemberByEmail } from "@/lib/data/users";

// The hooks.process job: one stored delivery → the profiles of its repository → startBuild for
// each whose triggers match, with an idempotency key derived from the change itself (lib/shared/
// triggers.ts), so a redelivery, a Replay, a Backfill and a poll of the same change start it once.
// What happened per profile is written on the delivery for the log.

const log = logger("hooks.process");

/** Per profile of the repository: did the event match, what was started, or why not. */
export type ProfileOutcome = { profileId: string; profileName: string; matched: boolean; buildId?: string; buildNumber?: number; created?: boolean; reason?: string; skipped?: boolean };

class Unprocessable extends Error {}

/** The job: processes once; on the last attempt a failure is written on the delivery instead of thrown. */
export async function processDeliveryJob(payload: { deliveryId: string }, context: JobContext<"organization">): Promise<void> {
  try {
    await processDelivery(context.scope, payload.deliveryId);
  } catch (error) {
    const reason = failureReason(error);
    const last = context.retryCount >= processDeliveryQueue.retry.limit;
    await finishDelivery(context.scope, payload.deliveryId, { status: last ? "FAILED" : "RECEIVED", reason: last ? reason : `Attempt ${context.retryCount + 1} failed (${reason}); Keel tries again.` });
    if (!last) {
      throw error;
    }
    log.error({ err: error, deliveryId: payload.deliveryId }, "a delivery could not be processed");
  }
}

function failureReason(error: unknown): string {
  if (isAzureDevOpsError(error) || isAppError(error)) {
    return error.message;
  }
  return "Keel failed unexpectedly while processing it.";
}

/** Processes one delivery now (the job, Replay and Backfill all come here); returns the outcome per profile. */
export async function processDelivery(scope: Scope, deliveryId: string): Promise<ProfileOutcome[]> {
  const delivery = await getDelivery(scope, deliveryId);
  if (!delivery) {
    return [];
  }
  if (delivery.status === "UNPROCESSABLE" && delivery.notificationId === null) {
    // Stored as unreadable by the receiver: nothing to act on, the reason stays.
    return [];
  }
  await countDeliveryAttempt(scope, deliveryId);
  const connection = await getConnection(scope, delivery.connectionId);
  if (!connection) {
    await finishDelivery(scope, deliveryId, { status: "UNPROCESSABLE", reason: "Its connection was deleted." });
    return [];
  }
  try {
    const outcome = await actOn(scope, connection, delivery.payload);
    const started = outcome.filter((item) => item.buildId && item.created).length;
    const matched = outcome.filter((item) => item.matched).length;
    const reason =
      outcome.length === 0
        ? "No build profile uses this repository through this connection."
        : matched === 0
          ? outcome.some((item) => item.skipped)
            ? "The commit asks not to be built (a skip directive such as [skip ci] in its message)."
            : "No profile's triggers match."
          : started === 0
            ? "The matching profiles' builds of this change had already been started (nothing duplicated)."
            : null;
    await finishDelivery(scope, deliveryId, { status: "PROCESSED", reason, outcome: outcome as unknown as Prisma.InputJsonValue });
    return outcome;
  } catch (error) {
    if (error instanceof Unprocessable) {
      await finishDelivery(scope, deliveryId, { status: "UNPROCESSABLE", reason: error.message });
      return [];
    }
    throw error;
  }
}

async function actOn(scope: Scope, connection: ConnectionView, payload: unknown): Promise<ProfileOutcome[]> {
  const envelope = envelopeSchema.safeParse(payload);
  if (!envelope.success) {
    throw new Unprocessable(`The payload is not a service-hook event Keel understands (${describeIssues(envelope.error)}).`);
  }
  const { eventType, resource } = envelope.data;
  if (eventType === "git.push") {
    const push = pushResourceSchema.safeParse(resource);
    if (!push.success) {
      throw new Unprocessable(`The git.push resource is not what Keel expects (${describeIssues(push.error)}).`);
    }
    const profiles = await listRepositoryProfiles(scope, connection.id, push.data.repository.id);
    const changes = changeLister(scope, connection, push.data.repository.id);
    const messages = messageLister(scope, connection, push.data.repository.id);
    const outcome: ProfileOutcome[] = [];
    for (const profile of profiles) {
      for (const update of push.data.refUpdates) {
        const newObjectId = update.newObjectId.toLowerCase();
        outcome.push(
          await onPush(
            scope,
            profile,
            update.name,
            newObjectId,
            "PUSH",
            () => changes(profile.projectId, update.oldObjectId.toLowerCase(), newObjectId),
            () => messages(profile.projectId, newObjectId),
          ),
        );
      }
    }
    return outcome;
  }
  if (eventType === "git.pullrequest.created" || eventType === "git.pullrequest.updated") {
    const pr = pullRequestResourceSchema.safeParse(resource);
    if (!pr.success) {
      throw new Unprocessable(`The ${eventType} resource is not what Keel expects (${describeIssues(pr.error)}).`);
    }
    const profiles = await listRepositoryProfiles(scope, connection.id, pr.data.repository.id);
    const changes = changeLister(scope, connection, pr.data.repository.id);
    const messages = messageLister(scope, connection, pr.data.repository.id);
    const outcome: ProfileOutcome[] = [];
    let iteration: number | null = null;
    for (const profile of profiles) {
      const decision = pullRequestDecision(profile.triggers, pr.data.targetRefName, profile.defaultBranch);
      if (!decision.start) {
        outcome.push({ profileId: profile.id, profileName: profile.name, matched: false, reason: decision.reason });
        continue;
      }
      if (pr.data.status !== "active") {
        // Completed or abandoned: its builds still waiting (or running) are nobody's any more.
        const how = pr.data.status === "completed" ? "was completed" : pr.data.status === "abandoned" ? "was abandoned" : `is ${pr.data.status}`;
        const canceled = await cancelClosedPullRequestBuilds(scope, profile.id, supersedeOf(profile.triggers), pr.data.pullRequestId, how);
        outcome.push({ profileId: profile.id, profileName: profile.name, matched: false, reason: `The pull request is ${pr.data.status}: Keel builds active pull requests only.${closedWords(canceled)}` });
        continue;
      }
      const draft = draftDecision(profile.triggers, pr.data.isDraft);
      if (!draft.start) {
        outcome.push({ profileId: profile.id, profileName: profile.name, matched: false, reason: draft.reason });
        continue;
      }
      if (!pr.data.lastMergeCommit && pr.data.mergeStatus === "queued") {
        await awaitMerge(scope, connection, profile.projectId, pr.data);
      }
      if (!pr.data.lastMergeCommit || !pr.data.lastMergeSourceCommit) {
        outcome.push({ profileId: profile.id, profileName: profile.name, matched: true, reason: `Azure DevOps has no merge commit for it (merge status ${pr.data.mergeStatus ?? "unknown"}): resolve the conflicts, then push again.` });
        continue;
      }
      // The pull request's newest commit may ask not to be built (its merge commit is Azure DevOps').
      const source = pr.data.lastMergeSourceCommit.commitId.toLowerCase();
      const skip = await skipAllows(source, () => messages(profile.projectId, source));
      if (!skip.start) {
        outcome.push({ profileId: profile.id, profileName: profile.name, matched: false, skipped: true, reason: skip.reason });
        continue;
      }
      const paths = await pathsAllow(profile, () => changes(profile.projectId, pr.data.lastMergeTargetCommit?.commitId.toLowerCase() ?? null, pr.data.lastMergeSourceCommit!.commitId.toLowerCase()));
      if (!paths.start) {
        outcome.push({ profileId: profile.id, profileName: profile.name, matched: false, reason: paths.reason });
        continue;
      }
      // Last: a pull request that would build, but comes from a fork, waits for a person.
      const fork = await forkWaits(scope, profile, pr.data, source);
      if (fork.waits) {
        outcome.push(fork.waits);
        continue;
      }
      iteration ??= await latestIteration(scope, connection, pr.data.repository.project?.id ?? "", pr.data.repository.id, pr.data.pullRequestId);
      outcome.push(
        await start(scope, profile, {
          commit: pr.data.lastMergeCommit.commitId.toLowerCase(),
          trigger: "PULL_REQUEST",
          pullRequest: { id: pr.data.pullRequestId, iteration, sourceRef: pr.data.sourceRefName, targetRef: pr.data.targetRefName },
          idempotencyKey: pullRequestBuildKey(profile.id, pr.data.pullRequestId, pr.data.lastMergeSourceCommit.commitId),
          withholdSecrets: fork.withholdSecrets,
        }),
      );
    }
    return outcome;
  }
  if (eventType === PR_COMMENT_EVENT) {
    const commented = pullRequestCommentResourceSchema.safeParse(resource);
    if (!commented.success) {
      throw new Unprocessable(`The ${eventType} resource is not what Keel expects (${describeIssues(commented.error)}).`);
    }
    return onComment(scope, connection, commented.data);
  }
  throw new Unprocessable(`Keel does not act on ${eventType} events.`);
}

/**
 * A comment on a pull request (lib/hooks/README.md, "Comments"): `/keel build` from a member of
 * the organization — the Keel user whose e-mail is the author's Azure DevOps sign-in name —
 * starts the pull request's build in each profile that lets comments do so, as that member (as if
 * they had started it on Keel: a fork's code, which they read, gets the secrets a person's build
 * gets). Any other comment, and anyone else's, starts nothing and says why in the log.
 */
async function onComment(scope: Scope, connection: ConnectionView, event: PullRequestCommentResource): Promise<ProfileOutcome[]> {
  const { comment, pullRequest: pr } = event;
  const profiles = await listRepositoryProfiles(scope, connection.id, pr.repository.id);
  const none = (reason: string, matched = false) => profiles.map((profile) => ({ profileId: profile.id, profileName: profile.name, matched, reason }));
  if (comment.isDeleted || !isBuildCommand(comment.content)) {
    return none("The comment is no Keel command (/keel build, on a line of its own, starts a build).");
  }
  const willing = profiles.filter((profile) => commentsStartBuilds(profile.triggers));
  const member = willing.length > 0 && comment.author.uniqueName ? await activeMemberByEmail(scope, comment.author.uniqueName) : null;
  const outcome: ProfileOutcome[] = [];
  let iteration: number | null = null;
  for (const profile of profiles) {
    const skip = (reason: string, matched = true) => outcome.push({ profileId: profile.id, profileName: profile.name, matched, reason });
    if (!commentsStartBuilds(profile.triggers)) {
      skip("The profile does not let comments start builds (Triggers → Pull requests → comments).", false);
      continue;
    }
    const decision = pullRequestDecision(profile.triggers, pr.targetRefName, profile.defaultBranch);
    if (!decision.start) {
      skip(decision.reason, false);
      continue;
    }
    if (!member) {
      const who = comment.author.displayName ?? comment.author.uniqueName ?? "The comment's author";
      skip(`${who}${comment.author.uniqueName ? ` (${comment.author.uniqueName})` : ""} is no active member of this Keel organization: only members start builds with a comment, and Keel knows them by the e-mail they sign in to Azure DevOps with.`);
      continue;
    }
    if (pr.status !== "active") {
      skip(`The pull request is ${pr.status}: Keel builds active pull requests only.`);
      continue;
    }
    if (!pr.lastMergeCommit && pr.mergeStatus === "queued") {
      await awaitMerge(scope, connection, profile.projectId, pr);
    }
    if (!pr.lastMergeCommit || !pr.lastMergeSourceCommit) {
      skip(`Azure DevOps has no merge commit for it (merge status ${pr.mergeStatus ?? "unknown"}): resolve the conflicts, then comment again.`);
      continue;
    }
    iteration ??= await latestIteration(scope, connection, pr.repository.project?.id ?? "", pr.repository.id, pr.pullRequestId);
    outcome.push(
      await start(systemScope(scope.organizationId, "hooks.comment", member.id), profile, {
        commit: pr.lastMergeCommit.commitId.toLowerCase(),
        // Its own trigger: lists say "Comment by <member>"; like a person's start, a newer push neither supersedes it nor is superseded by it.
        trigger: "COMMENT",
        pullRequest: { id: pr.pullRequestId, iteration, sourceRef: pr.sourceRefName, targetRef: pr.targetRefName },
        // One build per comment: commenting again builds again (a flaky failure), a redelivery does not.
        idempotencyKey: `comment:${profile.id}:${pr.pullRequestId}:${commentKey(comment)}`,
      }),
    );
  }
  return outcome;
}

/**
 * A pull request from a fork that a profile leaves to a person (lib/shared/triggers.ts,
 * forkDecision): its pending status is asked for (lib/builds/report.ts, reportForkWaitingJob) and
 * the delivery log's outcome says why (`waits`); otherwise whether the profile builds it without
 * its secrets.
 */
export async function forkWaits(
  scope: Scope,
  profile: RepositoryProfile,
  pr: Parameters<typeof forkOf>[0] & { pullRequestId: number },
  sourceCommit: string,
): Promise<{ waits: ProfileOutcome } | { waits: null; withholdSecrets: boolean }> {
  const fork = forkDecision(profile.triggers, forkOf(pr));
  if (fork.start) {
    return { waits: null, withholdSecrets: fork.withholdSecrets === true };
  }
  await requestForkWaiting(scope, { profileId: profile.id, pullRequestId: pr.pullRequestId, sourceCommit });
  return { waits: { profileId: profile.id, profileName: profile.name, matched: false, reason: `${fork.reason} Keel marks the pull request as waiting (a pending status linking this profile).` } };
}

/** What closing a pull request canceled, for the delivery log (lib/builds/service.ts, cancelClosedPullRequestBuilds). */
export function closedWords(canceled: readonly number[]): string {
  return canceled.length === 0 ? "" : ` Canceled its ${canceled.length === 1 ? "build" : "builds"} ${canceled.map((number) => `#${number}`).join(", ")}, which nothing will read.`;
}

/** The pull request's newest iteration (Azure DevOps' payload does not carry it). */
export async function latestIteration(scope: Scope, connection: ConnectionView, projectId: string, repositoryId: string, pullRequestId: number): Promise<number> {
  const { client } = await clientForConnection(scope, connection);
  return latestPullRequestIteration(client, projectId, repositoryId, pullRequestId);
}

type ChangedFiles = { paths: string[]; complete: boolean } | null;

/**
 * The files a change touched (from the merge base of `base` and `target` to `target`), asked of
 * Azure DevOps at most once per pair for one event, and only when a profile filters on paths.
 * Null when Keel cannot tell: a new branch (no base), or Azure DevOps did not answer — the
 * path filter then lets the build start (lib/shared/triggers.ts, pathDecision).
 */
export function changeLister(scope: Scope, connection: ConnectionView, repositoryId: string): (projectId: string, base: string | null, target: string) => Promise<ChangedFiles> {
  const asked = new Map<string, Promise<ChangedFiles>>();
  return (projectId, base, target) => {
    if (base === null || base === ZERO_OBJECT_ID) {
      return Promise.resolve(null);
    }
    const key = `${base}..${target}`;
    let answer = asked.get(key);
    if (!answer) {
      answer = (async () => {
        try {
          const { client } = await clientForConnection(scope, connection);
          return await client.changedPaths(projectId || repositoryId, repositoryId, base, target);
        } catch (error) {
          log.warn({ err: error, connectionId: connection.id, repositoryId }, "could not list the changed files; path filters let the build start");
          return null;
        }
      })();
      asked.set(key, answer);
    }
    return answer;
  };
}

/**
 * A commit's full message (title and description), asked of Azure DevOps at most once per commit
 * for one event, and only for a profile whose triggers matched. Null when Azure DevOps did not
 * answer: the build then starts, since skipping a wanted build is worse than an extra one.
 */
export function messageLister(scope: Scope, connection: ConnectionView, repositoryId: string): (projectId: string, commitId: string) => Promise<string | null> {
  const asked = new Map<string, Promise<string | null>>();
  return (projectId, commitId) => {
    let answer = asked.get(commitId);
    if (!answer) {
      answer = (async () => {
        try {
          const { client } = await clientForConnection(scope, connection);
          return (await client.getCommit(projectId || repositoryId, repositoryId, commitId)).comment ?? null;
        } catch (error) {
          log.warn({ err: error, connectionId: connection.id, repositoryId }, "could not read the commit's message; a skip directive in it is not honoured");
          return null;
        }
      })();
      asked.set(commitId, answer);
    }
    return answer;
  };
}

/** Whether the commit's message lets the triggers build it (lib/shared/triggers.ts, skipDecision). */
export async function skipAllows(commitId: string, message: () => Promise<string | null>): Promise<TriggerDecision> {
  return skipDecision(commitId, await message());
}

/** The profile's path filter over a change's files (asked only when it has one). */
export async function pathsAllow(profile: RepositoryProfile, changed: () => Promise<ChangedFiles>): Promise<TriggerDecision> {
  return pathsOf(profile.triggers).length === 0 ? { start: true } : pathDecision(profile.triggers, await changed());
}

/**
 * A push to one ref, for one profile; `changed` lists the push's files for a profile with path
 * filters. A tag is built by the tag trigger (whatever its files: a tag is a release of what it
 * names); `newObjectId` may then be an annotated tag's own object, so startBuild asks Azure
 * DevOps for the commit it names.
 */
export async function onPush(
  scope: Scope,
  profile: RepositoryProfile,
  ref: string,
  newObjectId: string,
  trigger: "PUSH" | "POLL" = "PUSH",
  changed: () => Promise<ChangedFiles> = async () => null,
  message: () => Promise<string | null> = async () => null,
): Promise<ProfileOutcome> {
  if (ref.startsWith("refs/tags/")) {
    const tag = ref.slice("refs/tags/".length);
    if (newObjectId === ZERO_OBJECT_ID) {
      return { profileId: profile.id, profileName: profile.name, matched: false, reason: `The tag ${tag} was deleted.` };
    }
    const decision = tagDecision(profile.triggers, tag);
    if (!decision.start) {
      return { profileId: profile.id, profileName: profile.name, matched: false, reason: decision.reason };
    }
    return start(scope, profile, { tag, trigger: "TAG", idempotencyKey: tagBuildKey(profile.id, tag, newObjectId) });
  }
  if (!ref.startsWith("refs/heads/")) {
    return { profileId: profile.id, profileName: profile.name, matched: false, reason: `${ref} is not a branch.` };
  }
  if (newObjectId === ZERO_OBJECT_ID) {
    return { profileId: profile.id, profileName: profile.name, matched: false, reason: `The branch ${ref.slice(11)} was deleted.` };
  }
  const decision = pushDecision(profile.triggers, ref, profile.defaultBranch);
  if (!decision.start) {
    return { profileId: profile.id, profileName: profile.name, matched: false, reason: decision.reason };
  }
  const skip = await skipAllows(newObjectId, message);
  if (!skip.start) {
    return { profileId: profile.id, profileName: profile.name, matched: false, skipped: true, reason: skip.reason };
  }
  const paths = await pathsAllow(profile, changed);
  if (!paths.start) {
    return { profileId: profile.id, profileName: profile.name, matched: false, reason: paths.reason };
  }
  return start(scope, profile, { commit: newObjectId, branch: ref, trigger, idempotencyKey: pushBuildKey(profile.id, ref, newObjectId) });
}

/**
 * A pull request opened or pushed to a moment ago: Azure DevOps computes its merge commit after
 * it sends the event, which then has none (mergeStatus "queued"). Reads the pull request as it is
 * now into `pr`; while the merge is still being computed, throws, and the delivery's job tries
 * again (its retries, seconds apart) instead of telling of conflicts there are not.
 */
async function awaitMerge(scope: Scope, connection: ConnectionView, projectId: string, pr: PullRequestResource): Promise<void> {
  const { client } = await clientForConnection(scope, connection);
  const now = await client.getPullRequest(projectId, pr.repository.id, pr.pullRequestId);
  if (!now.lastMergeCommit && now.mergeStatus === "queued") {
    throw new AppError("CONFLICT", `Azure DevOps is still computing the merge commit of pull request ${pr.pullRequestId}.`);
  }
  Object.assign(pr, { mergeStatus: now.mergeStatus, lastMergeCommit: now.lastMergeCommit, lastMergeSourceCommit: now.lastMergeSourceCommit ?? pr.lastMergeSourceCommit, lastMergeTargetCommit: now.lastMergeTargetCommit ?? pr.lastMergeTargetCommit });
}

/** startBuild for one matching profile; a refusal about this change (a commit gone) is the profile's outcome, the rest is thrown. */
export async function start(
  scope: Scope,
  profile: RepositoryProfile,
  input: {
    commit?: string;
    branch?: string;
    tag?: string;
    trigger: "PUSH" | "PULL_REQUEST" | "POLL" | "TAG" | "MANUAL" | "COMMENT";
    pullRequest?: { id: number; iteration: number; sourceRef: string; targetRef: string };
    idempotencyKey: string;
    /** A fork's pull request that the profile builds without its secrets (forkWaits). */
    withholdSecrets?: boolean;
  },
): Promise<ProfileOutcome> {
  try {
    const { build, created } = await startBuild(scope, { profileId: profile.id, ...input });
    return { profileId: profile.id, profileName: profile.name, matched: true, buildId: build.id, buildNumber: build.number, created, ...(created ? {} : { reason: "Already started for this change." }) };
  } catch (error) {
    if (isAppError(error) && (error.code === "INVALID_INPUT" || error.code === "CONFLICT" || error.code === "NOT_FOUND")) {
      return { profileId: profile.id, profileName: profile.name, matched: true, reason: error.message };
    }
    throw error;
  }
}
