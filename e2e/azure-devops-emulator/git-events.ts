import type { EmulatorCore } from "./core.js";
import { conflictError, invalidArgumentError, ServiceError, wrapped } from "./errors.js";
import { gitBackend, type RefChange } from "./git-backend.js";
import { pullRequestCommentHookEvent, pullRequestHookEvent, pushHookEvent, type PullRequestChange } from "./hook-events.js";
import type { NotificationSummary } from "./hooks.js";
import type { DeploymentRuntime } from "./http.js";
import { randomGuid, ZERO_SHA } from "./ids.js";
import type { FixtureUser } from "./model.js";
import { commitsBetween, forkStoreRef, pullRequestsOf, pullRequestsTouching, sourceRefInStore, type CommentRecord, type IterationReason, type PullRequestRecord, type ThreadRecord } from "./pull-requests.js";
import type { CommitRecord, GitData, HostRecord, PushRecord, RepoRecord } from "./store.js";

/**
 * What happens after git changes, whoever changed it (a push through git, the control API,
 * completing a pull request): the push is recorded (pushes API, `creator` of new branches),
 * git.push is published, and pull requests follow their branches (a new iteration when the
 * source moves, a new merge commit when either side moves). Pull-request operations that
 * write git live here too.
 */

export type PushOutcome = {
  push: PushRecord;
  commits: CommitRecord[];
  notifications: NotificationSummary[];
};

type Context = { core: EmulatorCore; deployment: DeploymentRuntime; host: HostRecord; repo: RepoRecord };

const now = (core: EmulatorCore): { iso: string; seconds: number } => {
  const ms = core.store.clock.now();
  return { iso: new Date(ms).toISOString(), seconds: Math.floor(ms / 1000) };
};

/** True when `ancestor` is reachable from `tip` in the cached commits. */
function isAncestor(git: GitData, ancestor: string, tip: string): boolean {
  const seen = new Set<string>();
  const stack = [tip];
  while (stack.length > 0) {
    const id = stack.pop() ?? "";
    if (id === ancestor) {
      return true;
    }
    if (seen.has(id)) {
      continue;
    }
    seen.add(id);
    stack.push(...(git.commits.get(id)?.parents ?? []));
  }
  return false;
}

/**
 * Records a push whose changes are already on disk and in the cache, then publishes git.push
 * and moves pull requests along. Returns undefined when no branch or tag moved.
 */
export async function afterPush(
  context: Context,
  pusher: FixtureUser,
  changes: RefChange[],
  newCommits: CommitRecord[],
): Promise<PushOutcome | undefined> {
  const { core, deployment, host, repo } = context;
  const git = repo.git;
  // A push to a fork's branch (kept here under refs/forks/) is no push of this repository: only its pull requests move.
  for (const update of changes.filter((change) => change.name.startsWith("refs/forks/"))) {
    for (const pr of pullRequestsTouching(host, repo, update.name).sources) {
      await onSourcePushed(context, pr, update, pusher, undefined);
    }
  }
  const refUpdates = changes.filter((change) => change.name.startsWith("refs/heads/") || change.name.startsWith("refs/tags/"));
  if (!git || refUpdates.length === 0) {
    return undefined;
  }
  const { iso } = now(core);
  const pushId = git.nextPushId;
  git.nextPushId += 1;
  const push: PushRecord = { pushId, date: iso, pushedById: pusher.id, refUpdates, commitIds: newCommits.map((commit) => commit.id) };
  git.pushes.push(push);
  for (const commit of newCommits) {
    commit.pushId = pushId;
  }
  for (const update of refUpdates) {
    const ref = git.refs.get(update.name);
    if (ref && update.oldObjectId === ZERO_SHA) {
      // A branch created by a push belongs to its pusher (the refs API's `creator`).
      ref.creatorId = pusher.id;
    }
  }
  const firstBranch = refUpdates.find((update) => update.name.startsWith("refs/heads/") && update.newObjectId !== ZERO_SHA);
  if (repo.defaultBranchName === undefined && firstBranch) {
    // The first push into an empty repository makes its branch the default one.
    repo.defaultBranchName = firstBranch.name.replace(/^refs\/heads\//, "");
    gitBackend(core.store).writeHead(gitBackend(core.store).dirOf(repo), repo.defaultBranchName);
  }
  const notifications = core.hooks.publish(core.store, pushHookEvent({ deployment, host, repo, pusher, pushId, refUpdates, commits: newCommits, date: iso }));
  for (const update of refUpdates) {
    if (!update.name.startsWith("refs/heads/")) {
      continue;
    }
    const { sources, targets } = pullRequestsTouching(host, repo, update.name);
    for (const pr of sources) {
      await onSourcePushed(context, pr, update, pusher, push);
    }
    for (const pr of targets) {
      await refreshMerge(context.core, pr);
    }
  }
  return { push, commits: newCommits, notifications };
}

/** Pull requests whose merge waits while a test holds merges (`holdMerges`), per emulator. */
const heldMerges = new WeakMap<EmulatorCore, Set<PullRequestRecord>>();

/**
 * Holds every merge as Azure DevOps leaves one while it computes it (mergeStatus `queued`, no
 * lastMergeCommit, the source commit already known) — a client that reads the pull request then
 * has nothing to build yet. `false` computes the held ones; returns how many there were.
 */
export async function holdMerges(core: EmulatorCore, held: boolean): Promise<number> {
  if (held) {
    if (!heldMerges.has(core)) {
      heldMerges.set(core, new Set());
    }
    return 0;
  }
  const pending = [...(heldMerges.get(core) ?? [])];
  heldMerges.delete(core);
  for (const pr of pending) {
    await refreshMerge(core, pr);
  }
  return pending.length;
}

/** Ends holding merges without computing the held ones (the emulator's reset). */
export function forgetHeldMerges(core: EmulatorCore): void {
  heldMerges.delete(core);
}

/** Recomputes a pull request's merge commit (`refs/pull/{id}/merge`) from the current branch tips. */
export async function refreshMerge(core: EmulatorCore, pr: PullRequestRecord): Promise<void> {
  const held = heldMerges.get(core);
  if (held) {
    pr.mergeStatus = "queued";
    pr.lastMergeCommit = undefined;
    held.add(pr);
    return;
  }
  const backend = gitBackend(core.store);
  const repo = pr.repo;
  await backend.withLock(repo, async (git) => {
    const source = git.refs.get(sourceRefInStore(pr))?.objectId;
    const target = git.refs.get(pr.targetRefName)?.objectId;
    const mergeRef = `refs/pull/${pr.id}/merge`;
    if (source === undefined || target === undefined) {
      pr.mergeStatus = "failure";
      return;
    }
    pr.lastMergeSourceCommit = source;
    pr.lastMergeTargetCommit = target;
    const creator = core.store.user(pr.createdById);
    const person = { name: creator?.displayName ?? "Azure DevOps", email: creator?.email ?? "azuredevops@emulator.invalid" };
    const short = (ref: string): string => ref.replace(/^refs\/heads\//, "");
    const merge = await backend.mergeCommit(repo, target, source, `Merge pull request ${pr.id} from ${short(pr.sourceRefName)} into ${short(pr.targetRefName)}`, person, now(core).seconds);
    if (merge === undefined) {
      pr.mergeStatus = "conflicts";
      pr.lastMergeCommit = undefined;
      if (git.refs.has(mergeRef)) {
        await backend.deleteRef(repo, mergeRef);
      }
    } else {
      pr.mergeStatus = "succeeded";
      pr.lastMergeCommit = merge;
      await backend.updateRef(repo, mergeRef, merge);
    }
    await backend.refresh(repo, git);
  });
}

/** A push moved a pull request's source branch: a new iteration, a new merge, git.pullrequest.updated. */
async function onSourcePushed(context: Context, pr: PullRequestRecord, update: RefChange, pusher: FixtureUser, push: PushRecord | undefined): Promise<void> {
  const git = pr.repo.git;
  if (!git || update.newObjectId === ZERO_SHA) {
    return;
  }
  const forced = update.oldObjectId !== ZERO_SHA && !isAncestor(git, update.oldObjectId, update.newObjectId);
  await addIteration(context.core, pr, pusher, forced ? "forcePush" : "push", push);
  const commits = commitsBetween(pr.repo, update.newObjectId, update.oldObjectId === ZERO_SHA ? undefined : update.oldObjectId)
    .map((id) => git.commits.get(id))
    .filter((commit): commit is CommitRecord => commit !== undefined);
  publishPullRequest(context, pr, pusher, "updated", "PushNotification", commits);
}

/** Appends an iteration for the current tips and recomputes the merge. */
async function addIteration(core: EmulatorCore, pr: PullRequestRecord, author: FixtureUser, reason: IterationReason, push?: PushRecord): Promise<void> {
  const git = pr.repo.git;
  const source = git?.refs.get(sourceRefInStore(pr))?.objectId;
  const target = git?.refs.get(pr.targetRefName)?.objectId;
  if (source === undefined || target === undefined) {
    return;
  }
  const common = await gitBackend(core.store).mergeBase(pr.repo, source, target);
  const date = now(core).iso;
  pr.iterations.push({
    id: pr.iterations.length + 1,
    sourceRefCommit: source,
    targetRefCommit: target,
    commonRefCommit: common,
    createdDate: date,
    updatedDate: date,
    authorId: author.id,
    reason,
    push: push ? { pushId: push.pushId, date: push.date, pushedById: push.pushedById } : undefined,
    commitIds: commitsBetween(pr.repo, source, target),
  });
  await refreshMerge(core, pr);
}

/** Publishes git.pullrequest.created / .updated. */
export function publishPullRequest(
  context: Context,
  pr: PullRequestRecord,
  actor: FixtureUser,
  kind: "created" | "updated",
  change?: PullRequestChange,
  commits?: CommitRecord[],
): NotificationSummary[] {
  return context.core.hooks.publish(context.core.store, pullRequestHookEvent(context.core.store, { deployment: context.deployment, host: context.host, pr, actor, kind, change, commits }));
}

/**
 * A person comments on a pull request (a new thread with one comment, as the web UI's comment
 * box makes): the thread is kept with the pull request's others, and the comment event is
 * published (ms.vss-code.git-pullrequest-comment-event).
 */
export function commentOnPullRequest(context: Context, pr: PullRequestRecord, actor: FixtureUser, content: string): { thread: ThreadRecord; comment: CommentRecord; notifications: NotificationSummary[] } {
  const date = now(context.core).iso;
  const state = pullRequestsOf(context.host);
  const comment: CommentRecord = { id: 1, parentCommentId: 0, authorId: actor.id, content, commentType: "text", publishedDate: date, lastUpdatedDate: date, lastContentUpdatedDate: date, isDeleted: false };
  const thread: ThreadRecord = { id: state.nextThreadId, status: "active", publishedDate: date, lastUpdatedDate: date, comments: [comment], nextCommentId: 2, properties: {}, isDeleted: false };
  state.nextThreadId += 1;
  pr.threads.push(thread);
  const notifications = context.core.hooks.publish(context.core.store, pullRequestCommentHookEvent(context.core.store, { deployment: context.deployment, host: context.host, pr, actor, thread, comment }));
  return { thread, comment, notifications };
}

export type CreatePullRequestInput = {
  sourceRefName: string;
  targetRefName: string;
  title?: string;
  description?: string;
  isDraft?: boolean;
  reviewerIds?: string[];
  /** A fork of the repository the source branch comes from (`forkSource`). */
  fork?: RepoRecord;
};

/** `refs/heads/x` for `x` or `refs/heads/x`. */
export function branchRef(name: string): string {
  return name.startsWith("refs/") ? name : `refs/heads/${name}`;
}

/** Creates a pull request (REST or control), its first iteration and merge; publishes git.pullrequest.created. */
export async function createPullRequest(context: Context, creator: FixtureUser, input: CreatePullRequestInput): Promise<{ pr: PullRequestRecord; notifications: NotificationSummary[] }> {
  const { core, host, repo } = context;
  const git = await gitBackend(core.store).load(repo);
  const sourceRefName = branchRef(input.sourceRefName);
  const targetRefName = branchRef(input.targetRefName);
  if (sourceRefName === targetRefName) {
    throw invalidArgumentError("TF401398: The source and target branches of a pull request cannot be the same.");
  }
  const source = git.refs.get(input.fork ? forkStoreRef(input.fork, sourceRefName) : sourceRefName);
  const target = git.refs.get(targetRefName);
  if (!source || !target || !sourceRefName.startsWith("refs/heads/") || !targetRefName.startsWith("refs/heads/")) {
    throw invalidArgumentError(
      "TF401398: The pull request cannot be activated because the source and/or the target branch no longer exists, or the requested refs are not branches",
    );
  }
  const state = pullRequestsOf(host);
  for (const existing of state.byId.values()) {
    if (existing.repo === repo && existing.status === "active" && existing.sourceRefName === sourceRefName && existing.fork === input.fork && existing.targetRefName === targetRefName) {
      throw conflictError(`TF401179: An active pull request for the source and target branch already exists.`, "GitPullRequestExistsException");
    }
  }
  for (const reviewerId of input.reviewerIds ?? []) {
    if (!core.store.user(reviewerId) || !host.members.has(core.store.user(reviewerId)?.id ?? "")) {
      throw invalidArgumentError(`The identity ${reviewerId} is not a valid reviewer.`);
    }
  }
  const tip = git.commits.get(source.objectId);
  const title = input.title !== undefined && input.title.trim().length > 0 ? input.title : (tip?.comment.split("\n")[0] ?? sourceRefName);
  const date = now(core).iso;
  const pr: PullRequestRecord = {
    id: state.nextId,
    repo,
    title,
    description: input.description,
    sourceRefName,
    targetRefName,
    status: "active",
    isDraft: input.isDraft ?? false,
    ...(input.fork ? { fork: input.fork } : {}),
    createdById: creator.id,
    creationDate: date,
    mergeId: randomGuid(),
    mergeStatus: "queued",
    lastMergeSourceCommit: source.objectId,
    lastMergeTargetCommit: target.objectId,
    reviewers: (input.reviewerIds ?? []).map((id) => ({ id: core.store.user(id)?.id ?? id, vote: 0, isRequired: false })),
    iterations: [],
    statuses: [],
    nextStatusId: 1,
    threads: [],
  };
  state.nextId += 1;
  state.byId.set(pr.id, pr);
  await addIteration(core, pr, creator, "create");
  return { pr, notifications: publishPullRequest(context, pr, creator, "created") };
}

export type PullRequestPatch = {
  title?: string;
  description?: string;
  isDraft?: boolean;
  status?: "active" | "abandoned" | "completed";
  deleteSourceBranch?: boolean;
};

/** Updates a pull request (PATCH or control): title/description/draft, abandon, reactivate, complete (merges into the target). */
export async function updatePullRequest(context: Context, pr: PullRequestRecord, actor: FixtureUser, patch: PullRequestPatch): Promise<NotificationSummary[]> {
  const { core } = context;
  if (patch.title !== undefined) {
    if (patch.title.trim().length === 0) {
      throw invalidArgumentError("The title of a pull request cannot be empty.");
    }
    pr.title = patch.title;
  }
  if (patch.description !== undefined) {
    pr.description = patch.description;
  }
  // Publishing a draft is a change of status for service hooks (git.pullrequest.updated); marking one as a draft again is not announced.
  const published = patch.isDraft === false && pr.isDraft && pr.status === "active";
  if (patch.isDraft !== undefined) {
    pr.isDraft = patch.isDraft;
  }
  if (patch.status === undefined || patch.status === pr.status) {
    return published ? publishPullRequest(context, pr, actor, "updated", "StatusUpdateNotification") : [];
  }
  if (pr.status === "completed") {
    throw invalidArgumentError(`TF401181: The pull request ${pr.id} is completed and cannot be changed.`);
  }
  const date = now(core).iso;
  if (patch.status === "abandoned") {
    pr.status = "abandoned";
    pr.closedDate = date;
    pr.closedById = actor.id;
    return publishPullRequest(context, pr, actor, "updated", "StatusUpdateNotification");
  }
  if (patch.status === "active") {
    pr.status = "active";
    pr.closedDate = undefined;
    pr.closedById = undefined;
    await refreshMerge(core, pr);
    return publishPullRequest(context, pr, actor, "updated", "StatusUpdateNotification");
  }
  await refreshMerge(core, pr);
  if (pr.mergeStatus !== "succeeded" || pr.lastMergeCommit === undefined) {
    throw new ServiceError(
      409,
      wrapped(
        `TF401192: The pull request ${pr.id} cannot be completed because its merge status is ${pr.mergeStatus}.`,
        "Microsoft.TeamFoundation.Git.Server.GitPullRequestCannotBeCompletedException, Microsoft.TeamFoundation.Git.Server",
        "GitPullRequestCannotBeCompletedException",
      ),
    );
  }
  // Completing is a push to the target: a no-fast-forward merge commit "Merged PR n: title".
  pr.status = "completed";
  pr.closedDate = date;
  pr.closedById = actor.id;
  const backend = gitBackend(core.store);
  const result = await backend.withLock(pr.repo, async (git) => {
    const target = git.refs.get(pr.targetRefName)?.objectId ?? pr.lastMergeTargetCommit;
    const source = git.refs.get(sourceRefInStore(pr))?.objectId ?? pr.lastMergeSourceCommit;
    const merged = await backend.mergeCommit(pr.repo, target, source, `Merged PR ${pr.id}: ${pr.title}`, { name: actor.displayName, email: actor.email }, now(core).seconds);
    if (merged !== undefined) {
      await backend.updateRef(pr.repo, pr.targetRefName, merged);
      pr.lastMergeCommit = merged;
    }
    if (patch.deleteSourceBranch === true) {
      await backend.deleteRef(pr.repo, sourceRefInStore(pr));
    }
    return backend.refresh(pr.repo, git);
  });
  const pushed = await afterPush(context, actor, result.changes, result.newCommits);
  return [...(pushed?.notifications ?? []), ...publishPullRequest(context, pr, actor, "updated", "StatusUpdateNotification")];
}
