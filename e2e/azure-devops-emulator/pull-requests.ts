import { projectRef } from "./api-core.js";
import { identityRefOf } from "./identities.js";
import { productFeatures } from "./locations.js";
import type { FixtureUser } from "./model.js";
import type { HostRecord, RepoRecord, StatusRecord, Store } from "./store.js";
import { repoApiUrl, repoRemoteUrl, repoSshUrl, repoWebUrl, type HostUrls } from "./urls.js";

/**
 * Pull requests of one organization/collection: records and their JSON (GitPullRequest,
 * GitPullRequestIteration, GitPullRequestStatus, GitPullRequestCommentThread, Comment of the
 * git spec). Ids are per organization/collection like the service's. The state hangs off
 * the HostRecord, so `reset()` (a new Store) starts from none.
 */

export type PullRequestStatus = "active" | "abandoned" | "completed";
export type MergeStatus = "notSet" | "queued" | "conflicts" | "succeeded" | "rejectedByPolicy" | "failure";
export type IterationReason = "push" | "forcePush" | "create" | "rebase" | "unknown" | "retarget" | "resolveConflicts";

export type IterationRecord = {
  id: number;
  sourceRefCommit: string;
  targetRefCommit: string;
  commonRefCommit?: string;
  createdDate: string;
  updatedDate: string;
  authorId: string;
  reason: IterationReason;
  push?: { pushId: number; date: string; pushedById: string };
  /** Commits of the source not in the target at this iteration, newest first. */
  commitIds: string[];
};

export type CommentRecord = {
  id: number;
  parentCommentId: number;
  authorId: string;
  content: string;
  commentType: "unknown" | "text" | "codeChange" | "system";
  publishedDate: string;
  lastUpdatedDate: string;
  lastContentUpdatedDate: string;
  isDeleted: boolean;
};

export type PropertyValue = { $type: string; $value: unknown };

export type ThreadRecord = {
  id: number;
  status: "unknown" | "active" | "fixed" | "wontFix" | "closed" | "byDesign" | "pending";
  publishedDate: string;
  lastUpdatedDate: string;
  comments: CommentRecord[];
  nextCommentId: number;
  properties: Record<string, PropertyValue>;
  threadContext?: Record<string, unknown>;
  isDeleted: boolean;
};

export type PullRequestRecord = {
  id: number;
  repo: RepoRecord;
  title: string;
  description?: string;
  sourceRefName: string;
  targetRefName: string;
  status: PullRequestStatus;
  isDraft: boolean;
  /**
   * The fork the source branch belongs to, for a pull request from a fork (`forkSource`). A
   * shortcut: the branch is kept in the target repository's store under a ref that is no branch
   * (`forkStoreRef`), as Azure DevOps keeps a fork network's objects together; clients see the
   * fork's identity in `forkSource`, and the target's branches stay its own.
   */
  fork?: RepoRecord;
  createdById: string;
  creationDate: string;
  closedDate?: string;
  closedById?: string;
  mergeId: string;
  mergeStatus: MergeStatus;
  lastMergeSourceCommit: string;
  lastMergeTargetCommit: string;
  lastMergeCommit?: string;
  reviewers: Array<{ id: string; vote: number; isRequired: boolean }>;
  iterations: IterationRecord[];
  statuses: StatusRecord[];
  nextStatusId: number;
  threads: ThreadRecord[];
};

type HostPullRequests = { byId: Map<number, PullRequestRecord>; nextId: number; nextThreadId: number };

const STATE = new WeakMap<HostRecord, HostPullRequests>();

/** The pull requests of an organization/collection. */
export function pullRequestsOf(host: HostRecord): HostPullRequests {
  let state = STATE.get(host);
  if (!state) {
    state = { byId: new Map(), nextId: 1, nextThreadId: 1 };
    STATE.set(host, state);
  }
  return state;
}

/** Where the target repository's store keeps a fork's branch (`refs/forks/{fork id}/heads/…`): no branch of its own. */
export function forkStoreRef(fork: RepoRecord, sourceRefName: string): string {
  return `refs/forks/${fork.id}/${sourceRefName.replace(/^refs\//, "")}`;
}

/** The ref of the store that holds a pull request's source: its branch, or a fork's hidden ref. */
export function sourceRefInStore(pr: Pick<PullRequestRecord, "fork" | "sourceRefName">): string {
  return pr.fork ? forkStoreRef(pr.fork, pr.sourceRefName) : pr.sourceRefName;
}

/** Active pull requests of a repository whose source (as stored) or target is `refName`. */
export function pullRequestsTouching(host: HostRecord, repo: RepoRecord, refName: string): { sources: PullRequestRecord[]; targets: PullRequestRecord[] } {
  const sources: PullRequestRecord[] = [];
  const targets: PullRequestRecord[] = [];
  for (const pr of pullRequestsOf(host).byId.values()) {
    if (pr.repo !== repo || pr.status !== "active") {
      continue;
    }
    if (sourceRefInStore(pr) === refName) {
      sources.push(pr);
    }
    if (pr.targetRefName === refName) {
      targets.push(pr);
    }
  }
  return { sources, targets };
}

/** An IdentityRef, or `{id}` for an identity the fixture does not know. */
function identity(store: Store, urls: HostUrls, id: string): Record<string, unknown> {
  const user: FixtureUser | undefined = store.user(id);
  return user ? identityRefOf(user, urls) : { id };
}

/** REST URL of a pull request. */
export function pullRequestUrl(urls: HostUrls, pr: PullRequestRecord): string {
  return `${repoApiUrl(urls, pr.repo)}/pullRequests/${pr.id}`;
}

/** The GitRepository reference inside pull requests. */
function repositoryRef(urls: HostUrls, repo: RepoRecord): Record<string, unknown> {
  const ref: Record<string, unknown> = {
    id: repo.id,
    name: repo.name,
    url: repoApiUrl(urls, repo),
    project: projectRef(urls, repo.project),
    remoteUrl: repoRemoteUrl(urls, repo),
    sshUrl: repoSshUrl(urls, repo),
  };
  if (productFeatures(repo.host.product).repoWebUrl) {
    ref.webUrl = repoWebUrl(urls, repo);
  }
  return ref;
}

/** `{commitId, url}` as pull requests reference commits. */
function commitRef(urls: HostUrls, repo: RepoRecord, commitId: string): Record<string, unknown> {
  return { commitId, url: `${repoApiUrl(urls, repo)}/commits/${commitId}` };
}

/** GitPullRequest JSON (the spec's pullRequests examples). */
export function pullRequestJson(store: Store, urls: HostUrls, pr: PullRequestRecord, options: { links: boolean }): Record<string, unknown> {
  const url = pullRequestUrl(urls, pr);
  const repoUrl = repoApiUrl(urls, pr.repo);
  const body: Record<string, unknown> = {
    repository: repositoryRef(urls, pr.repo),
    pullRequestId: pr.id,
    codeReviewId: pr.id,
    status: pr.status,
    createdBy: identity(store, urls, pr.createdById),
    creationDate: pr.creationDate,
  };
  if (pr.closedDate !== undefined) {
    body.closedDate = pr.closedDate;
  }
  if (pr.closedById !== undefined) {
    body.closedBy = identity(store, urls, pr.closedById);
  }
  body.title = pr.title;
  if (pr.description !== undefined) {
    body.description = pr.description;
  }
  body.sourceRefName = pr.sourceRefName;
  body.targetRefName = pr.targetRefName;
  body.mergeStatus = pr.mergeStatus;
  body.isDraft = pr.isDraft;
  if (pr.fork) {
    body.forkSource = { name: pr.sourceRefName, objectId: pr.lastMergeSourceCommit, url: `${repoApiUrl(urls, pr.fork)}/refs?filter=${encodeURIComponent(pr.sourceRefName.replace(/^refs\//, ""))}`, repository: repositoryRef(urls, pr.fork) };
  }
  body.mergeId = pr.mergeId;
  body.lastMergeSourceCommit = commitRef(urls, pr.repo, pr.lastMergeSourceCommit);
  body.lastMergeTargetCommit = commitRef(urls, pr.repo, pr.lastMergeTargetCommit);
  if (pr.lastMergeCommit !== undefined) {
    body.lastMergeCommit = commitRef(urls, pr.repo, pr.lastMergeCommit);
  }
  const flags = productFeatures(pr.repo.host.product).reviewerFlags ? { hasDeclined: false, isFlagged: false } : {};
  body.reviewers = pr.reviewers.map((reviewer) => ({
    reviewerUrl: `${url}/reviewers/${reviewer.id}`,
    vote: reviewer.vote,
    ...flags,
    ...(reviewer.isRequired ? { isRequired: true } : {}),
    ...identity(store, urls, reviewer.id),
  }));
  body.url = url;
  if (options.links) {
    body._links = {
      self: { href: url },
      repository: { href: repoUrl },
      workItems: { href: `${url}/workitems` },
      sourceBranch: { href: `${repoUrl}/refs` },
      targetBranch: { href: `${repoUrl}/refs` },
      statuses: { href: `${url}/statuses` },
      sourceCommit: { href: `${repoUrl}/commits/${pr.lastMergeSourceCommit}` },
      targetCommit: { href: `${repoUrl}/commits/${pr.lastMergeTargetCommit}` },
      createdBy: { href: `${urls.base}/_apis/Identities/${pr.createdById}` },
      iterations: { href: `${url}/iterations` },
    };
  }
  body.supportsIterations = true;
  body.artifactId = `vstfs:///Git/PullRequestId/${pr.repo.project.id}%2f${pr.repo.id}%2f${pr.id}`;
  return body;
}

/** GitPullRequestIteration JSON. */
export function iterationJson(store: Store, urls: HostUrls, pr: PullRequestRecord, iteration: IterationRecord, includeCommits: boolean): Record<string, unknown> {
  const url = `${pullRequestUrl(urls, pr)}/iterations/${iteration.id}`;
  const body: Record<string, unknown> = {
    id: iteration.id,
    description: iteration.reason === "create" ? pr.title : `Updated ${pr.sourceRefName.replace(/^refs\/heads\//, "")}`,
    author: identity(store, urls, iteration.authorId),
    createdDate: iteration.createdDate,
    updatedDate: iteration.updatedDate,
    sourceRefCommit: { commitId: iteration.sourceRefCommit },
    targetRefCommit: { commitId: iteration.targetRefCommit },
  };
  if (iteration.commonRefCommit !== undefined) {
    body.commonRefCommit = { commitId: iteration.commonRefCommit };
  }
  body.hasMoreCommits = false;
  body.reason = iteration.reason;
  if (iteration.push) {
    body.push = {
      pushId: iteration.push.pushId,
      date: iteration.push.date,
      pushedBy: identity(store, urls, iteration.push.pushedById),
      url: `${repoApiUrl(urls, pr.repo)}/pushes/${iteration.push.pushId}`,
    };
  }
  if (includeCommits) {
    const git = pr.repo.git;
    body.commits = iteration.commitIds.map((id) => {
      const commit = git?.commits.get(id);
      return commit
        ? { commitId: id, author: commit.author, committer: commit.committer, comment: commit.comment, url: `${repoApiUrl(urls, pr.repo)}/commits/${id}` }
        : { commitId: id };
    });
  }
  body._links = {
    self: { href: url },
    repository: { href: repoApiUrl(urls, pr.repo) },
    pullRequest: { href: pullRequestUrl(urls, pr) },
    sourceCommit: { href: `${repoApiUrl(urls, pr.repo)}/commits/${iteration.sourceRefCommit}` },
    targetCommit: { href: `${repoApiUrl(urls, pr.repo)}/commits/${iteration.targetRefCommit}` },
  };
  return body;
}

/** GitPullRequestStatus JSON (`_links.self` iteration-scoped when the status has an iteration). */
export function pullRequestStatusJson(store: Store, urls: HostUrls, pr: PullRequestRecord, status: StatusRecord, viaIteration: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (status.iterationId !== undefined) {
    body.iterationId = status.iterationId;
  }
  body.id = status.id;
  body.state = status.state;
  if (status.description !== undefined) {
    body.description = status.description;
  }
  body.context = status.context;
  body.creationDate = status.creationDate;
  body.updatedDate = status.updatedDate;
  body.createdBy = identity(store, urls, status.createdById);
  if (status.targetUrl !== undefined) {
    body.targetUrl = status.targetUrl;
  }
  const prUrl = pullRequestUrl(urls, pr);
  const self = viaIteration && status.iterationId !== undefined ? `${prUrl}/iterations/${status.iterationId}/statuses/${status.id}` : `${prUrl}/statuses/${status.id}`;
  body._links = { self: { href: self }, repository: { href: repoApiUrl(urls, pr.repo) } };
  return body;
}

/** Comment JSON. */
export function commentJson(store: Store, urls: HostUrls, pr: PullRequestRecord, thread: ThreadRecord, comment: CommentRecord): Record<string, unknown> {
  const threadUrl = `${pullRequestUrl(urls, pr)}/threads/${thread.id}`;
  const body: Record<string, unknown> = {
    id: comment.id,
    parentCommentId: comment.parentCommentId,
    author: identity(store, urls, comment.authorId),
    content: comment.content,
    publishedDate: comment.publishedDate,
    lastUpdatedDate: comment.lastUpdatedDate,
    lastContentUpdatedDate: comment.lastContentUpdatedDate,
    commentType: comment.commentType,
    usersLiked: [],
  };
  if (comment.isDeleted) {
    body.isDeleted = true;
  }
  body._links = {
    self: { href: `${threadUrl}/comments/${comment.id}` },
    repository: { href: repoApiUrl(urls, pr.repo) },
    threads: { href: threadUrl },
    pullRequests: { href: pullRequestUrl(urls, pr) },
  };
  return body;
}

/** GitPullRequestCommentThread JSON. */
export function threadJson(store: Store, urls: HostUrls, pr: PullRequestRecord, thread: ThreadRecord): Record<string, unknown> {
  const url = `${pullRequestUrl(urls, pr)}/threads/${thread.id}`;
  const body: Record<string, unknown> = {
    id: thread.id,
    publishedDate: thread.publishedDate,
    lastUpdatedDate: thread.lastUpdatedDate,
    comments: thread.comments.map((comment) => commentJson(store, urls, pr, thread, comment)),
    status: thread.status,
  };
  if (thread.threadContext !== undefined) {
    body.threadContext = thread.threadContext;
  }
  body.properties = thread.properties;
  body.identities = Object.fromEntries(
    [...new Set(thread.comments.map((comment) => comment.authorId))].map((id, index) => [String(index + 1), identity(store, urls, id)]),
  );
  body.isDeleted = thread.isDeleted;
  body._links = { self: { href: url }, repository: { href: repoApiUrl(urls, pr.repo) } };
  return body;
}

/** Commit ids reachable from `tip` but not from `exclude`, newest first (walks the cached commits). */
export function commitsBetween(repo: RepoRecord, tip: string, exclude: string | undefined): string[] {
  const commits = repo.git?.commits;
  if (!commits) {
    return [];
  }
  const excluded = new Set<string>();
  const stack = exclude === undefined ? [] : [exclude];
  while (stack.length > 0) {
    const id = stack.pop() ?? "";
    if (excluded.has(id)) {
      continue;
    }
    excluded.add(id);
    stack.push(...(commits.get(id)?.parents ?? []));
  }
  const result: string[] = [];
  const seen = new Set<string>();
  const queue = [tip];
  while (queue.length > 0) {
    const id = queue.shift() ?? "";
    if (seen.has(id) || excluded.has(id)) {
      continue;
    }
    seen.add(id);
    const commit = commits.get(id);
    if (!commit) {
      continue;
    }
    result.push(id);
    queue.push(...commit.parents);
  }
  const date = (id: string): string => commits.get(id)?.committer.date ?? "";
  return result.sort((a, b) => (date(a) < date(b) ? 1 : date(a) > date(b) ? -1 : 0));
}

const TYPE_NAMES: Record<string, string> = { string: "System.String", boolean: "System.Boolean", number: "System.Int32" };

/** Normalises thread properties as the service stores them: `{name: {$type, $value}}`. */
export function normalizeProperties(raw: Record<string, unknown>): Record<string, PropertyValue> {
  const result: Record<string, PropertyValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === "object" && value !== null && "$value" in value) {
      const typed = value as { $type?: unknown; $value: unknown };
      result[name] = { $type: typeof typed.$type === "string" ? typed.$type : (TYPE_NAMES[typeof typed.$value] ?? "System.String"), $value: typed.$value };
      continue;
    }
    const type = typeof value === "number" && !Number.isInteger(value) ? "System.Double" : (TYPE_NAMES[typeof value] ?? "System.String");
    result[name] = { $type: type, $value: typeof value === "object" ? JSON.stringify(value) : value };
  }
  return result;
}
