import { z } from "zod";
import { createEntraControl, handleEntraControlRequest, type EntraControl } from "./control-entra.js";
import type { EmulatorCore } from "./core.js";
import { ServiceError } from "./errors.js";
import type { FaultRecord } from "./faults.js";
import { gitBackend } from "./git-backend.js";
import { afterPush, branchRef, commentOnPullRequest, createPullRequest, forgetHeldMerges, holdMerges, updatePullRequest, type PullRequestPatch } from "./git-events.js";
import { storeLfsObject } from "./git-lfs.js";
import {
  WaitTimeout,
  type DeliveryFilter,
  type DeliveryRecord,
  type HookPolicy,
  type NotificationFilter,
  type NotificationRecord,
  type NotificationSummary,
} from "./hooks.js";
import { parseJsonBody, send, sendJson, type DeploymentRuntime, type RequestContext } from "./http.js";
import { PRODUCT_VERSIONS } from "./locations.js";
import type { FaultSpec, Fixture, FixtureUser, Product } from "./model.js";
import { issueTokens, revokeGrants } from "./oauth-tokens.js";
import { forkStoreRef, pullRequestsOf, sourceRefInStore, type PullRequestRecord } from "./pull-requests.js";
import type { RequestLogEntry } from "./request-log.js";
import { byName, type HostRecord, type ProjectRecord, type PushRecord, type RepoRecord } from "./store.js";
import { enc, listenerOrigin, serverPublicUrl } from "./urls.js";

/** Where a deployment listens and what it serves. */
export type DeploymentInfo = {
  name: string;
  kind: "services" | "server";
  product: Product;
  productLabel: string;
  /** The highest api-version the deployment accepts. */
  maxApiVersion: string;
  tls: boolean;
  port: number;
  /** scheme://host:port of the listener. */
  origin: string;
  /** origin + path prefix (`/tfs` or ""): where organizations/collections start. */
  url: string;
  pathPrefix: string;
  /** Server: the configured (or default) public URL the API writes into responses. */
  publicUrl?: string;
  /** Organization (Services) or collection (Server) base URLs on this listener. */
  hosts: Array<{ name: string; id: string; url: string }>;
};

export type StateSummary = {
  fixture: string;
  clock: { now: string; offsetMs: number };
  deployments: Array<
    DeploymentInfo & {
      hostsState: Array<{
        name: string;
        projects: number;
        repositories: number;
        members: number;
        oauthPolicy: boolean;
        subscriptions: number;
      }>;
    }
  >;
  tokens: { pats: number; accessTokens: number; refreshTokens: number; grants: number; codes: number };
  accessTokenLifetimeSeconds: number;
  faults: number;
  heldRequests: number;
  requests: number;
  deliveries: number;
  statuses: number;
  /** Repositories whose git has been built (on first use). */
  gitRepositories: number;
};

export type PushInput = {
  deployment?: string;
  /** Organization (Services) or collection (Server) name. */
  organization: string;
  project: string;
  repository: string;
  branch: string;
  /** Number of commits, or their messages/authors (and files each adds or replaces). Default 1. */
  commits?: number | Array<{ message: string; authorName?: string; authorEmail?: string; files?: Array<{ path: string; content: string }> }>;
  /** User id of the pusher; default the host's first member. */
  pusherId?: string;
  /** Delete the branch instead (newObjectId = 40 zeros). */
  delete?: boolean;
};

export type PushResult = {
  pushId: number;
  refUpdates: Array<{ name: string; oldObjectId: string; newObjectId: string }>;
  /** The new commits, oldest first. */
  commits: Array<{ commitId: string; comment: string }>;
  /**
   * What was queued for service hooks (delivery is asynchronous: wait with
   * `waitForDeliveries({ subscriptionId })` or `waitForNotifications`).
   */
  notifications: NotificationSummary[];
};

/** Where a repository is: organization (Services) or collection (Server), project, repository. */
export type RepositoryInput = { deployment?: string; organization: string; project: string; repository: string };

export type CreatePullRequestControlInput = RepositoryInput & {
  /** Short name or `refs/heads/…`; created with one commit on top of the target when missing. */
  sourceBranch: string;
  /** Default: the repository's default branch. */
  targetBranch?: string;
  title?: string;
  description?: string;
  /** Default: the host's first member. */
  createdById?: string;
  isDraft?: boolean;
  reviewerIds?: string[];
  /** A pull request from a fork: the name of a fork of the repository (its `forkSource`). */
  fork?: string;
};

export type UpdatePullRequestControlInput = {
  deployment?: string;
  organization: string;
  pullRequestId: number;
  /** Pushes this many commits (or these) to the source branch: a new iteration and git.pullrequest.updated. */
  commits?: PushInput["commits"];
  /** Who pushes or changes the pull request; default its creator. */
  actorId?: string;
  status?: "active" | "abandoned" | "completed";
  title?: string;
  description?: string;
  isDraft?: boolean;
  deleteSourceBranch?: boolean;
};

/** A pull request as tests inspect it. */
export type PullRequestSnapshot = {
  deployment: string;
  organization: string;
  project: string;
  repository: string;
  repositoryId: string;
  pullRequestId: number;
  title: string;
  description?: string;
  status: string;
  isDraft: boolean;
  /** The fork the source branch comes from, if any. */
  fork?: string;
  sourceRefName: string;
  targetRefName: string;
  createdById: string;
  mergeStatus: string;
  lastMergeSourceCommit: string;
  lastMergeTargetCommit: string;
  lastMergeCommit?: string;
  iterations: Array<{ id: number; sourceRefCommit: string; targetRefCommit: string; reason: string; pushId?: number; commitIds: string[] }>;
  statuses: Array<{ id: number; iterationId?: number; state: string; contextName: string; contextGenre?: string; description?: string; targetUrl?: string; createdById: string; creationDate: string }>;
  threads: Array<{
    id: number;
    status: string;
    properties: Record<string, unknown>;
    comments: Array<{ id: number; parentCommentId: number; authorId: string; content: string; commentType: string; isDeleted: boolean; publishedDate: string; lastUpdatedDate: string }>;
  }>;
};

export type PostedStatus = {
  deployment: string;
  host: string;
  project: string;
  repository: string;
  repositoryId: string;
  commitId: string;
  id: number;
  state: string;
  contextName: string;
  contextGenre?: string;
  description?: string;
  targetUrl?: string;
  createdById: string;
  creationDate: string;
};

export type CreatePatInput = {
  userId: string;
  label?: string;
  scopes: string[] | "full";
  deployment?: string;
  organizations: string[] | "all";
  /** ISO instant; default 30 days from the emulator's now. */
  expiresAt?: string;
  token?: string;
};

export type IssueOAuthTokenInput = {
  provider: "legacy" | "entra";
  userId: string;
  /** Default: the fixture's first app of that provider. */
  clientId?: string;
  scopes: string[];
};

/** The operations of the control API, callable in-process (handle.control) or over HTTP (identity operations: control-entra.ts). */
export type EmulatorControl = EntraControl & {
  reset(): void;
  state(): StateSummary;
  credentials(): CredentialsSummary;
  addFault(spec: FaultSpec): FaultRecord;
  listFaults(): FaultRecord[];
  removeFault(id: string): boolean;
  clearFaults(): void;
  clock(): { now: string; offsetMs: number };
  advanceClock(input: { seconds?: number; ms?: number }): { now: string; offsetMs: number };
  setClock(now: string): { now: string; offsetMs: number };
  resetClock(): { now: string; offsetMs: number };
  setAccessTokenLifetime(seconds: number): void;
  expireToken(token: string): boolean;
  revokeToken(token: string): boolean;
  revokeGrants(input: { userId: string; clientId?: string }): number;
  createPat(input: CreatePatInput): { token: string; expiresAt: string };
  issueOAuthToken(input: IssueOAuthTokenInput): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }>;
  setOAuthPolicy(input: { organization: string; enabled: boolean }): void;
  setMembership(input: { deployment?: string; organization: string; userId: string; member: boolean }): void;
  /** Commits (or deletes a branch) through git, records the push and queues git.push (and pull-request updates). */
  push(input: PushInput): Promise<PushResult>;
  /** Refs of a repository as git has them (builds the repository on first use). */
  refs(input: RepositoryInput): Promise<Array<{ name: string; objectId: string; creatorId?: string }>>;
  /** Pushes of a repository, oldest first. */
  pushes(input: RepositoryInput): Promise<PushRecord[]>;
  /** Stores content as a Git LFS object of the repository (what `git lfs push` uploads); returns its pointer file. */
  putLfsObject(input: RepositoryInput & { content: Buffer }): string;
  /** Opens a pull request (like the REST API) and queues git.pullrequest.created. */
  createPullRequest(input: CreatePullRequestControlInput): Promise<PullRequestSnapshot>;
  /** Pushes to the source branch (a new iteration) and/or changes title, draft or status; queues git.pullrequest.updated. */
  updatePullRequest(input: UpdatePullRequestControlInput): Promise<PullRequestSnapshot>;
  /** Someone (`authorId`, default the pull request's creator) comments on a pull request: a new thread, and the comment event. */
  commentOnPullRequest(input: { deployment?: string; organization: string; pullRequestId: number; content: string; authorId?: string }): { threadId: number; commentId: number };
  pullRequest(input: { deployment?: string; organization: string; pullRequestId: number }): PullRequestSnapshot;
  /**
   * `true`: pull requests opened or pushed to from now on keep mergeStatus `queued` and no merge
   * commit, as Azure DevOps shows them while it computes the merge; `false` computes them (returns how many). `reset()` ends it.
   */
  holdMerges(held: boolean): Promise<number>;
  pullRequests(input?: { deployment?: string; organization?: string }): PullRequestSnapshot[];
  /** Renames a repository in place (same id, new name and URLs), as Project settings → Repositories → Rename does. */
  renameRepository(input: { deployment?: string; organization: string; project: string; repository: string; name: string }): { id: string; name: string };
  requests(filter?: { since?: number; deployment?: string; pathContains?: string; method?: string }): RequestLogEntry[];
  clearRequests(): void;
  /** Delivery attempts (oldest first), optionally filtered. */
  deliveries(filter?: DeliveryFilter): DeliveryRecord[];
  clearDeliveries(): void;
  /** Resolves once at least `count` (default 1) attempts match; rejects after `timeoutMs` (default 10 s). */
  waitForDeliveries(input: DeliveryFilter & { count?: number; timeoutMs?: number }): Promise<DeliveryRecord[]>;
  /** Notifications (one per event and subscription, newest first) with their state. */
  notifications(filter?: NotificationFilter): NotificationRecord[];
  /** Resolves once at least `count` notifications match (e.g. `{ result: "succeeded" }`). */
  waitForNotifications(input: NotificationFilter & { count?: number; timeoutMs?: number }): Promise<NotificationRecord[]>;
  /** Runs every scheduled delivery retry (transient or probation) now; returns how many ran. */
  retryDeliveries(): number;
  hookPolicy(): HookPolicy;
  /** Changes the retry/probation schedule (see hooks.ts); `reset()` restores the start-up one. */
  setHookPolicy(policy: Partial<HookPolicy>): HookPolicy;
  /** Sets a subscription's status as the system or a user would (e.g. `disabledBySystem`). */
  setSubscriptionStatus(input: { deployment?: string; organization: string; subscriptionId: string; status: string }): void;
  /** Grants or denies a user the service hooks "Edit subscriptions" permission (denied: create/replace/delete answer 403). */
  setHookPermission(input: { deployment?: string; organization: string; userId: string; allowed: boolean }): void;
  statuses(): PostedStatus[];
  caPem(): string;
};

export type CredentialsSummary = {
  users: Fixture["users"];
  pats: Array<{
    token: string;
    label: string;
    userId: string;
    scopes: string[] | "full";
    deployment: string;
    organizations: string[] | "all";
    expiresAt: string;
    revoked: boolean;
  }>;
  oauth: Fixture["oauth"];
};

/** What the control layer needs from the running emulator. */
export type ControlHost = EmulatorCore & {
  fixture: Fixture;
  reset(): void;
  deploymentInfo(): DeploymentInfo[];
};

/** Thrown for bad control input; the HTTP layer maps it to 400/404. */
export class ControlError extends Error {
  readonly status: number;
  /** More JSON for the error body (what a timed-out wait saw). */
  readonly extra: Record<string, unknown>;

  constructor(status: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

/** Describes a deployment for handles, CLI output and the state summary. */
export function describeDeployment(deployment: DeploymentRuntime, hosts: HostRecord[]): DeploymentInfo {
  const origin = listenerOrigin(deployment);
  const url = `${origin}${deployment.pathPrefix}`;
  const info: DeploymentInfo = {
    name: deployment.name,
    kind: deployment.kind,
    product: deployment.product,
    productLabel: PRODUCT_VERSIONS[deployment.product].label,
    maxApiVersion: PRODUCT_VERSIONS[deployment.product].max,
    tls: deployment.tls,
    port: deployment.port,
    origin,
    url,
    pathPrefix: deployment.pathPrefix,
    hosts: hosts.map((host) => ({ name: host.name, id: host.id, url: `${url}/${enc(host.name)}` })),
  };
  if (deployment.kind === "server") {
    info.publicUrl = serverPublicUrl(deployment);
  }
  return info;
}

function clockState(host: ControlHost): { now: string; offsetMs: number } {
  return { now: host.store.clock.nowIso(), offsetMs: host.store.clock.offset() };
}

/** Finds an organization/collection or throws a 404 ControlError. */
function findHost(host: ControlHost, deployment: string, name: string): HostRecord {
  const record = host.store.host(deployment, name);
  if (!record) {
    throw new ControlError(404, `No organization/collection '${name}' in deployment '${deployment}'.`);
  }
  return record;
}

/** A repository by organization, project and name or id, or a 404 naming what is missing. */
function findRepo(host: ControlHost, deployment: string, input: { organization: string; project: string; repository: string }): { record: HostRecord; project: ProjectRecord; repo: RepoRecord } {
  const record = findHost(host, deployment, input.organization);
  const project = host.store.project(record, input.project);
  if (!project) {
    throw new ControlError(404, `No project '${input.project}' in '${input.organization}'.`);
  }
  const repo = host.store.repo(record, project, input.repository);
  if (!repo) {
    throw new ControlError(404, `No repository '${input.repository}' in '${input.project}'.`);
  }
  return { record, project, repo };
}

/** The deployment control calls use when they name none: Services, else the first server. */
function defaultDeploymentOf(host: ControlHost): string {
  return host.servicesDeployment()?.name ?? host.deployments[0]?.name ?? "services";
}

/** A running deployment by name, or a 404 ControlError. */
function deploymentByName(host: ControlHost, name: string): DeploymentRuntime {
  const deployment = host.deployments.find((candidate) => candidate.name === name);
  if (!deployment) {
    throw new ControlError(404, `No deployment '${name}'.`);
  }
  return deployment;
}

/** Deployment, organization/collection and repository of a control call. */
function locate(host: ControlHost, input: RepositoryInput): { deployment: DeploymentRuntime; record: HostRecord; repo: RepoRecord } {
  const deploymentName = input.deployment ?? defaultDeploymentOf(host);
  const deployment = deploymentByName(host, deploymentName);
  const { record, repo } = findRepo(host, deploymentName, input);
  return { deployment, record, repo };
}

/** A user by id, or the host's first member when no id is given; 404 otherwise. */
function userOrFirstMember(host: ControlHost, record: HostRecord, userId: string | undefined, role: string): FixtureUser {
  const id = userId ?? [...record.members][0];
  const user = host.store.user(id);
  if (!user) {
    throw new ControlError(404, `No ${role} '${id ?? "(none)"}'.`);
  }
  return user;
}

/** A fork of `repo` by name, in any project of its organization/collection, or a 404 ControlError. */
function forkOfRepo(host: ControlHost, record: HostRecord, repo: RepoRecord, name: string): RepoRecord {
  const fork = [...record.reposById.values()].find((candidate) => candidate.name.toLowerCase() === name.toLowerCase() && host.store.parentOf(candidate) === repo);
  if (!fork) {
    throw new ControlError(404, `No fork '${name}' of '${repo.name}' in '${record.name}'.`);
  }
  return fork;
}

/** A pull request of an organization/collection, or a 404 ControlError. */
function findPullRequest(record: HostRecord, id: number): PullRequestRecord {
  const pr = pullRequestsOf(record).byId.get(id);
  if (!pr) {
    throw new ControlError(404, `No pull request ${id} in '${record.name}'.`);
  }
  return pr;
}

/** A pull request as control callers see it (ids, not JSON). */
function snapshot(deployment: string, record: HostRecord, pr: PullRequestRecord): PullRequestSnapshot {
  return {
    deployment,
    organization: record.name,
    project: pr.repo.project.name,
    repository: pr.repo.name,
    repositoryId: pr.repo.id,
    pullRequestId: pr.id,
    title: pr.title,
    description: pr.description,
    status: pr.status,
    isDraft: pr.isDraft,
    ...(pr.fork ? { fork: pr.fork.name } : {}),
    sourceRefName: pr.sourceRefName,
    targetRefName: pr.targetRefName,
    createdById: pr.createdById,
    mergeStatus: pr.mergeStatus,
    lastMergeSourceCommit: pr.lastMergeSourceCommit,
    lastMergeTargetCommit: pr.lastMergeTargetCommit,
    lastMergeCommit: pr.lastMergeCommit,
    iterations: pr.iterations.map((iteration) => ({
      id: iteration.id,
      sourceRefCommit: iteration.sourceRefCommit,
      targetRefCommit: iteration.targetRefCommit,
      reason: iteration.reason,
      pushId: iteration.push?.pushId,
      commitIds: iteration.commitIds,
    })),
    statuses: pr.statuses.map((status) => ({
      id: status.id,
      iterationId: status.iterationId,
      state: status.state,
      contextName: status.context.name,
      contextGenre: status.context.genre,
      description: status.description,
      targetUrl: status.targetUrl,
      createdById: status.createdById,
      creationDate: status.creationDate,
    })),
    threads: pr.threads.map((thread) => ({
      id: thread.id,
      status: thread.status,
      properties: thread.properties,
      comments: thread.comments.map((comment) => ({
        id: comment.id,
        parentCommentId: comment.parentCommentId,
        authorId: comment.authorId,
        content: comment.content,
        commentType: comment.commentType,
        isDeleted: comment.isDeleted,
        publishedDate: comment.publishedDate,
        lastUpdatedDate: comment.lastUpdatedDate,
      })),
    })),
  };
}

/** A notification for control callers (already masked; a copy so callers cannot change state). */
function publicNotification(notification: NotificationRecord): NotificationRecord {
  return { ...notification };
}

/**
 * Commits through git (fast-import) onto a branch, or deletes it, then records the push like
 * any other (pushes API, creator, git.push, pull requests). A new branch starts from
 * `startFrom` (default: the default branch's tip), like `git push origin HEAD:new`.
 */
async function pushCommits(
  host: ControlHost,
  deployment: DeploymentRuntime,
  record: HostRecord,
  repo: RepoRecord,
  branch: string,
  pusher: FixtureUser,
  commits: PushInput["commits"] | "delete",
  startFrom?: string,
): Promise<PushResult> {
  const backend = gitBackend(host.store);
  // A branch name, or a full ref (a fork's branch kept under refs/forks/).
  const refName = branch.startsWith("refs/") ? branch : `refs/heads/${branch}`;
  const written = await backend.withLock(repo, async (git) => {
    if (commits === "delete") {
      if (!git.refs.has(refName)) {
        throw new ControlError(404, `No branch '${branch}' in '${repo.name}'.`);
      }
      await backend.deleteRef(repo, refName);
      return backend.refresh(repo, git);
    }
    const specs: Array<{ message: string; authorName?: string; authorEmail?: string; files?: Array<{ path: string; content: string }> }> =
      typeof commits === "number" || commits === undefined
        ? Array.from({ length: Math.max(1, commits ?? 1) }, (_, index) => ({ message: `Simulated commit ${index + 1}` }))
        : commits;
    const start = startFrom ?? (repo.defaultBranchName === undefined ? undefined : `refs/heads/${repo.defaultBranchName}`);
    const parent = git.refs.get(refName)?.objectId ?? (start === undefined ? undefined : git.refs.get(start)?.objectId);
    const nowMs = host.store.clock.now();
    await backend.appendCommits(
      repo,
      branch,
      parent,
      specs.map((spec, index) => ({
        message: spec.message,
        author: { name: spec.authorName ?? pusher.displayName, email: spec.authorEmail ?? pusher.email },
        files: spec.files ?? [],
        seconds: Math.floor((nowMs - (specs.length - 1 - index) * 1000) / 1000),
      })),
    );
    return backend.refresh(repo, git);
  });
  const outcome = await afterPush({ core: host, deployment, host: record, repo }, pusher, written.changes, written.newCommits);
  return {
    pushId: outcome?.push.pushId ?? 0,
    refUpdates: outcome?.push.refUpdates ?? [],
    commits: [...written.newCommits].reverse().map((commit) => ({ commitId: commit.id, comment: commit.comment })),
    notifications: outcome?.notifications ?? [],
  };
}

/** Builds the control operations over a running emulator. */
export function createControl(host: ControlHost): EmulatorControl {
  const defaultDeployment = (): string => defaultDeploymentOf(host);
  return {
    ...createEntraControl(host),
    reset: () => {
      forgetHeldMerges(host);
      host.reset();
    },
    state: () => {
      const store = host.store;
      let statuses = 0;
      let gitRepositories = 0;
      const deployments = host.deploymentInfo().map((info) => ({
        ...info,
        hostsState: store.hostsOf(info.name).map((record) => ({
          name: record.name,
          projects: record.projects.length,
          repositories: record.reposById.size,
          members: record.members.size,
          oauthPolicy: record.oauthPolicy,
          subscriptions: record.subscriptions.size,
        })),
      }));
      for (const record of store.hosts.values()) {
        for (const org of record.values()) {
          for (const repo of org.reposById.values()) {
            gitRepositories += repo.git === undefined ? 0 : 1;
            for (const list of repo.git?.statuses.values() ?? []) {
              statuses += list.length;
            }
          }
        }
      }
      return {
        fixture: host.fixture.name,
        clock: clockState(host),
        deployments,
        tokens: {
          pats: store.pats.size,
          accessTokens: store.accessTokens.size,
          refreshTokens: store.refreshTokens.size,
          grants: store.grants.size,
          codes: store.codes.size,
        },
        accessTokenLifetimeSeconds: store.accessTokenLifetimeSeconds,
        faults: host.faults.list().length,
        heldRequests: host.faults.heldCount(),
        requests: host.log.list().length,
        deliveries: host.hooks.list().length,
        statuses,
        gitRepositories,
      };
    },
    credentials: () => ({
      users: host.fixture.users,
      pats: [...host.store.pats.values()].map((pat) => ({
        token: pat.token,
        label: pat.label,
        userId: pat.userId,
        scopes: pat.scopes,
        deployment: pat.deployment,
        organizations: pat.organizations,
        expiresAt: pat.expiresAt,
        revoked: pat.revoked,
      })),
      oauth: {
        legacy: [...host.store.legacyApps.values()],
        entra: [...host.store.entraApps.values()],
      },
    }),
    addFault: (spec) => host.faults.add(spec),
    listFaults: () => host.faults.list(),
    removeFault: (id) => host.faults.remove(id),
    clearFaults: () => host.faults.clear(),
    clock: () => clockState(host),
    advanceClock: (input) => {
      host.store.clock.advance((input.ms ?? 0) + (input.seconds ?? 0) * 1000);
      return clockState(host);
    },
    setClock: (now) => {
      const instant = Date.parse(now);
      if (Number.isNaN(instant)) {
        throw new ControlError(400, `Not an ISO-8601 instant: ${now}`);
      }
      host.store.clock.set(instant);
      return clockState(host);
    },
    resetClock: () => {
      host.store.clock.reset();
      return clockState(host);
    },
    setAccessTokenLifetime: (seconds) => {
      host.store.accessTokenLifetimeSeconds = seconds;
    },
    expireToken: (token) => {
      const store = host.store;
      const past = store.clock.now() - 1000;
      const pat = store.pats.get(token);
      if (pat) {
        pat.expiresAt = new Date(past).toISOString();
        return true;
      }
      const access = store.accessTokens.get(token);
      if (access) {
        access.expiresAt = past;
        return true;
      }
      const refresh = store.refreshTokens.get(token);
      if (refresh) {
        refresh.expiresAt = past;
        return true;
      }
      return false;
    },
    revokeToken: (token) => {
      const store = host.store;
      const pat = store.pats.get(token);
      if (pat) {
        pat.revoked = true;
        return true;
      }
      const access = store.accessTokens.get(token);
      if (access) {
        access.revoked = true;
        return true;
      }
      const refresh = store.refreshTokens.get(token);
      if (refresh) {
        refresh.revoked = true;
        return true;
      }
      return false;
    },
    revokeGrants: (input) => revokeGrants(host, input.userId, input.clientId),
    createPat: (input) => {
      const store = host.store;
      const owner = store.user(input.userId);
      if (!owner) {
        throw new ControlError(404, `No user '${input.userId}'.`);
      }
      if (owner.kind === "servicePrincipal") {
        // Microsoft: service principals can't create tokens like PATs or SSH keys.
        throw new ControlError(400, "Service principals cannot create personal access tokens.");
      }
      const deployment = input.deployment ?? defaultDeployment();
      if (!store.hosts.has(deployment)) {
        throw new ControlError(404, `No deployment '${deployment}'.`);
      }
      const expiresAt = input.expiresAt ?? new Date(store.clock.now() + 30 * 86_400_000).toISOString();
      const record = store.createPat({
        token: input.token,
        label: input.label ?? "created through the control API",
        userId: input.userId,
        scopes: input.scopes,
        deployment,
        organizations: input.organizations,
        expiresAt,
      });
      return { token: record.token, expiresAt: record.expiresAt };
    },
    issueOAuthToken: async (input) => {
      const store = host.store;
      if (!store.user(input.userId)) {
        throw new ControlError(404, `No user '${input.userId}'.`);
      }
      const apps = input.provider === "legacy" ? [...store.legacyApps.values()] : [...store.entraApps.values()];
      const app = input.clientId === undefined ? apps[0] : apps.find((candidate) => candidate.clientId.toLowerCase() === input.clientId?.toLowerCase());
      if (!app) {
        throw new ControlError(404, `No ${input.provider} OAuth app '${input.clientId ?? "(default)"}'.`);
      }
      const issued = await issueTokens(host, {
        provider: input.provider,
        clientId: app.clientId,
        userId: input.userId,
        scopes: input.scopes,
        redirectUri: app.redirectUris[0] ?? "",
      });
      return { accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresIn: issued.expiresIn };
    },
    setOAuthPolicy: (input) => {
      const services = host.servicesDeployment();
      if (!services) {
        throw new ControlError(404, "The fixture has no Services deployment.");
      }
      findHost(host, services.name, input.organization).oauthPolicy = input.enabled;
    },
    setMembership: (input) => {
      const record = findHost(host, input.deployment ?? defaultDeployment(), input.organization);
      if (!host.store.user(input.userId)) {
        throw new ControlError(404, `No user '${input.userId}'.`);
      }
      if (input.member) {
        record.members.add(input.userId);
        return;
      }
      record.members.delete(input.userId);
    },
    push: async (input) => {
      const { deployment, record, repo } = locate(host, input);
      const pusher = userOrFirstMember(host, record, input.pusherId, "pusher");
      const branch = input.branch.replace(/^refs\/heads\//, "");
      const outcome = await pushCommits(host, deployment, record, repo, branch, pusher, input.delete === true ? "delete" : input.commits);
      return outcome;
    },
    refs: async (input) => {
      const { repo } = locate(host, input);
      const git = await gitBackend(host.store).load(repo);
      return [...git.refs.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((ref) => ({ name: ref.name, objectId: ref.objectId, creatorId: ref.creatorId }));
    },
    pushes: async (input) => {
      const { repo } = locate(host, input);
      return [...(await gitBackend(host.store).load(repo)).pushes];
    },
    putLfsObject: (input) => storeLfsObject(gitBackend(host.store), locate(host, input).repo, input.content),
    createPullRequest: async (input) => {
      const { deployment, record, repo } = locate(host, input);
      const creator = userOrFirstMember(host, record, input.createdById, "creator");
      const git = await gitBackend(host.store).load(repo);
      const target = input.targetBranch ?? repo.defaultBranchName;
      if (target === undefined) {
        throw new ControlError(400, `'${repo.name}' has no default branch: give targetBranch.`);
      }
      const sourceRef = branchRef(input.sourceBranch);
      const fork = input.fork !== undefined ? forkOfRepo(host, record, repo, input.fork) : undefined;
      // A fork's branch is kept here under refs/forks/ (pull-requests.ts, forkStoreRef): the repository's own branches stay as they were.
      const storedSource = fork ? forkStoreRef(fork, sourceRef) : sourceRef;
      if (!git.refs.has(storedSource)) {
        if (!git.refs.has(branchRef(target))) {
          throw new ControlError(404, `No branch '${target}' in '${repo.name}'.`);
        }
        await pushCommits(host, deployment, record, repo, fork ? storedSource : sourceRef.replace(/^refs\/heads\//, ""), creator, [{ message: input.title ?? `Work on ${input.sourceBranch}` }], branchRef(target));
      }
      const { pr } = await createPullRequest({ core: host, deployment, host: record, repo }, creator, {
        sourceRefName: sourceRef,
        targetRefName: branchRef(target),
        title: input.title,
        description: input.description,
        isDraft: input.isDraft,
        reviewerIds: input.reviewerIds,
        ...(fork ? { fork } : {}),
      });
      return snapshot(deployment.name, record, pr);
    },
    holdMerges: (held) => holdMerges(host, held),
    commentOnPullRequest: (input) => {
      const deploymentName = input.deployment ?? defaultDeployment();
      const deployment = deploymentByName(host, deploymentName);
      const record = findHost(host, deploymentName, input.organization);
      const pr = findPullRequest(record, input.pullRequestId);
      const author = userOrFirstMember(host, record, input.authorId ?? pr.createdById, "author");
      const { thread, comment } = commentOnPullRequest({ core: host, deployment, host: record, repo: pr.repo }, pr, author, input.content);
      return { threadId: thread.id, commentId: comment.id };
    },
    updatePullRequest: async (input) => {
      const deploymentName = input.deployment ?? defaultDeployment();
      const deployment = deploymentByName(host, deploymentName);
      const record = findHost(host, deploymentName, input.organization);
      const pr = findPullRequest(record, input.pullRequestId);
      const actor = userOrFirstMember(host, record, input.actorId ?? pr.createdById, "actor");
      if (input.commits !== undefined) {
        await pushCommits(host, deployment, record, pr.repo, pr.fork ? sourceRefInStore(pr) : pr.sourceRefName.replace(/^refs\/heads\//, ""), actor, input.commits);
      }
      const patch: PullRequestPatch = { title: input.title, description: input.description, isDraft: input.isDraft, status: input.status, deleteSourceBranch: input.deleteSourceBranch };
      await updatePullRequest({ core: host, deployment, host: record, repo: pr.repo }, pr, actor, patch);
      return snapshot(deploymentName, record, pr);
    },
    pullRequest: (input) => {
      const deploymentName = input.deployment ?? defaultDeployment();
      const record = findHost(host, deploymentName, input.organization);
      return snapshot(deploymentName, record, findPullRequest(record, input.pullRequestId));
    },
    pullRequests: (input = {}) => {
      const result: PullRequestSnapshot[] = [];
      for (const [deploymentName, records] of host.store.hosts) {
        if (input.deployment !== undefined && input.deployment !== deploymentName) {
          continue;
        }
        for (const record of records.values()) {
          if (input.organization !== undefined && input.organization.toLowerCase() !== record.name.toLowerCase()) {
            continue;
          }
          for (const pr of pullRequestsOf(record).byId.values()) {
            result.push(snapshot(deploymentName, record, pr));
          }
        }
      }
      return result;
    },
    renameRepository: (input) => {
      const { project, repo } = findRepo(host, input.deployment ?? defaultDeployment(), input);
      if (project.repos.some((other) => other !== repo && other.name.toLowerCase() === input.name.toLowerCase())) {
        throw new ControlError(409, `'${input.project}' already has a repository named '${input.name}'.`);
      }
      repo.name = input.name;
      project.repos.sort(byName);
      return { id: repo.id, name: repo.name };
    },
    requests: (filter) => host.log.list(filter),
    clearRequests: () => host.log.clear(),
    deliveries: (filter) => host.hooks.list(filter),
    clearDeliveries: () => host.hooks.clearDeliveries(),
    waitForDeliveries: async (input) => {
      const { count, timeoutMs, ...filter } = input;
      try {
        return await host.hooks.waitForDeliveries(filter, count ?? 1, timeoutMs ?? 10_000);
      } catch (error) {
        throw error instanceof WaitTimeout ? new ControlError(408, error.message, { deliveries: error.matched }) : error;
      }
    },
    notifications: (filter) => host.hooks.listNotifications(filter).map(publicNotification),
    waitForNotifications: async (input) => {
      const { count, timeoutMs, ...filter } = input;
      try {
        return (await host.hooks.waitForNotifications(filter, count ?? 1, timeoutMs ?? 10_000)).map(publicNotification);
      } catch (error) {
        throw error instanceof WaitTimeout ? new ControlError(408, error.message, { notifications: error.matched }) : error;
      }
    },
    retryDeliveries: () => host.hooks.retryNow(),
    hookPolicy: () => host.hooks.policy,
    setHookPolicy: (policy) => host.hooks.setPolicy(policy),
    setSubscriptionStatus: (input) => {
      const deploymentName = input.deployment ?? defaultDeployment();
      const record = findHost(host, deploymentName, input.organization);
      const subscription = record.subscriptions.get(input.subscriptionId.toLowerCase());
      if (!subscription) {
        throw new ControlError(404, `No subscription '${input.subscriptionId}' in '${input.organization}'.`);
      }
      subscription.status = input.status;
      if (input.status === "enabled") {
        subscription.probationRetries = subscription.probationRetries === undefined ? undefined : 0;
      }
      host.hooks.subscriptionChanged(deploymentName, record, subscription.id);
    },
    setHookPermission: (input) => {
      const record = findHost(host, input.deployment ?? defaultDeployment(), input.organization);
      if (input.allowed) {
        record.hookEditorsDenied.delete(input.userId);
      } else {
        record.hookEditorsDenied.add(input.userId);
      }
    },
    statuses: () => {
      const result: PostedStatus[] = [];
      for (const [deployment, records] of host.store.hosts) {
        for (const record of records.values()) {
          for (const repo of record.reposById.values()) {
            if (!repo.git) {
              continue;
            }
            for (const [commitId, list] of repo.git.statuses) {
              for (const status of list) {
                result.push({
                  deployment,
                  host: record.name,
                  project: repo.project.name,
                  repository: repo.name,
                  repositoryId: repo.id,
                  commitId,
                  id: status.id,
                  state: status.state,
                  contextName: status.context.name,
                  contextGenre: status.context.genre,
                  description: status.description,
                  targetUrl: status.targetUrl,
                  createdById: status.createdById,
                  creationDate: status.creationDate,
                });
              }
            }
          }
        }
      }
      return result;
    },
    caPem: () => host.caCertPem,
  };
}

const faultScope = {
  deployment: z.string().optional(),
  pathPrefix: z.string().optional(),
  method: z.string().optional(),
};

const faultSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("latency"), ms: z.number().int().min(0), ...faultScope }),
  z.object({
    kind: z.literal("error"),
    status: z.number().int().min(500).max(599).optional(),
    every: z.number().int().min(1).optional(),
    times: z.number().int().min(1).optional(),
    ...faultScope,
  }),
  z.object({
    kind: z.literal("rateLimit"),
    after: z.number().int().min(0),
    retryAfterSeconds: z.number().int().min(0).optional(),
    windowSeconds: z.number().int().min(1).optional(),
    warnWithin: z.number().int().min(0).optional(),
    ...faultScope,
  }),
  z.object({ kind: z.literal("reset"), every: z.number().int().min(1).optional(), times: z.number().int().min(1).optional(), ...faultScope }),
  z.object({ kind: z.literal("hang"), every: z.number().int().min(1).optional(), times: z.number().int().min(1).optional(), ...faultScope }),
]);

const commitsSchema = z
  .union([
    z.number().int().min(1).max(1000),
    z
      .array(
        z.object({
          message: z.string().min(1),
          authorName: z.string().optional(),
          authorEmail: z.string().optional(),
          files: z
            .array(z.object({ path: z.string().regex(/^[^/\0\n"][^\0\n]*$/).refine((value) => !value.split("/").includes(".."), "no .. in paths"), content: z.string().max(1_000_000) }))
            .max(50)
            .optional(),
        }),
      )
      .min(1)
      .max(1000),
  ])
  .optional();

const repositorySchema = {
  deployment: z.string().optional(),
  organization: z.string().min(1),
  project: z.string().min(1),
  repository: z.string().min(1),
};

const deliveryFilterSchema = {
  subscriptionId: z.string().optional(),
  notificationId: z.number().int().optional(),
  eventType: z.string().optional(),
  url: z.string().optional(),
  outcome: z.enum(["succeeded", "transient", "enduring", "terminal"]).optional(),
  since: z.number().int().optional(),
};

const notificationFilterSchema = {
  subscriptionId: z.string().optional(),
  eventType: z.string().optional(),
  status: z.enum(["queued", "processing", "requestInProgress", "completed"]).optional(),
  result: z.enum(["pending", "succeeded", "failed", "filtered"]).optional(),
};

const waitSchema = { count: z.number().int().min(1).max(10_000).optional(), timeoutMs: z.number().int().min(0).max(600_000).optional() };

const schemas = {
  createPullRequest: z.object({
    ...repositorySchema,
    sourceBranch: z.string().min(1),
    targetBranch: z.string().min(1).optional(),
    title: z.string().min(1).optional(),
    description: z.string().optional(),
    createdById: z.string().optional(),
    isDraft: z.boolean().optional(),
    reviewerIds: z.array(z.string()).optional(),
    fork: z.string().min(1).optional(),
  }),
  updatePullRequest: z.object({
    deployment: z.string().optional(),
    organization: z.string().min(1),
    commits: commitsSchema,
    actorId: z.string().optional(),
    status: z.enum(["active", "abandoned", "completed"]).optional(),
    title: z.string().min(1).optional(),
    description: z.string().optional(),
    isDraft: z.boolean().optional(),
    deleteSourceBranch: z.boolean().optional(),
  }),
  waitDeliveries: z.object({ ...deliveryFilterSchema, ...waitSchema }),
  waitNotifications: z.object({ ...notificationFilterSchema, ...waitSchema }),
  hookPolicy: z.object({
    transientRetryDelaysMs: z.array(z.number().int().min(0)).max(50).optional(),
    probationRetryDelaysMs: z.array(z.number().int().min(0)).max(50).optional(),
    requestTimeoutMs: z.number().int().min(1).optional(),
  }),
  subscriptionStatus: z.object({
    deployment: z.string().optional(),
    organization: z.string().min(1),
    subscriptionId: z.string().min(1),
    status: z.enum(["enabled", "onProbation", "disabledByUser", "disabledBySystem", "disabledByInactiveIdentity"]),
  }),
  hookPermission: z.object({ deployment: z.string().optional(), organization: z.string().min(1), userId: z.string().min(1), allowed: z.boolean() }),
  advance: z.object({ seconds: z.number().optional(), ms: z.number().optional() }),
  setClock: z.object({ now: z.string() }),
  token: z.object({ token: z.string().min(1) }),
  lifetime: z.object({ seconds: z.number().int().min(1) }),
  grants: z.object({ userId: z.string().min(1), clientId: z.string().optional() }),
  pat: z.object({
    userId: z.string().min(1),
    label: z.string().optional(),
    scopes: z.union([z.literal("full"), z.array(z.string())]),
    deployment: z.string().optional(),
    organizations: z.union([z.literal("all"), z.array(z.string())]),
    expiresAt: z.string().optional(),
    token: z.string().optional(),
  }),
  oauthToken: z.object({
    provider: z.enum(["legacy", "entra"]),
    userId: z.string().min(1),
    clientId: z.string().optional(),
    scopes: z.array(z.string()),
  }),
  policy: z.object({ organization: z.string().min(1), enabled: z.boolean() }),
  membership: z.object({ deployment: z.string().optional(), organization: z.string().min(1), userId: z.string().min(1), member: z.boolean() }),
  rename: z.object({ deployment: z.string().optional(), organization: z.string().min(1), project: z.string().min(1), repository: z.string().min(1), name: z.string().min(1).max(256) }),
  push: z.object({
    deployment: z.string().optional(),
    organization: z.string().min(1),
    project: z.string().min(1),
    repository: z.string().min(1),
    branch: z.string().min(1),
    commits: commitsSchema,
    pusherId: z.string().optional(),
    delete: z.boolean().optional(),
  }),
};

/** Repository coordinates from a query string (`deployment`, `organization`, `project`, `repository`). */
function repositoryQuery(query: URLSearchParams): RepositoryInput {
  const organization = query.get("organization") ?? "";
  const project = query.get("project") ?? "";
  const repository = query.get("repository") ?? "";
  if (organization.length === 0 || project.length === 0 || repository.length === 0) {
    throw new ControlError(400, "organization, project and repository are required query parameters.");
  }
  return { deployment: query.get("deployment") ?? undefined, organization, project, repository };
}

/** A filter object from query parameters (strings and integers). */
function queryFilter(query: URLSearchParams, strings: string[], integers: string[]): Record<string, string | number> {
  const filter: Record<string, string | number> = {};
  for (const name of strings) {
    const value = query.get(name);
    if (value !== null) {
      filter[name] = value;
    }
  }
  for (const name of integers) {
    const value = query.get(name);
    if (value !== null) {
      if (!/^\d+$/.test(value)) {
        throw new ControlError(400, `${name} must be an integer.`);
      }
      filter[name] = Number(value);
    }
  }
  return filter;
}

/** Parses a JSON control body with a zod schema or throws 400. */
function input<T>(ctx: RequestContext, schema: z.ZodType<T>): T {
  const body = parseJsonBody(ctx.body) ?? {};
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new ControlError(400, result.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; "));
  }
  return result.data;
}

/** The zod-validated JSON body of a control request (400 naming the field otherwise). */
export const controlInput = input;

/** Handles `/_emulator/…` (never subject to faults). `segments` are after `_emulator`. */
export async function handleControlRequest(control: EmulatorControl, ctx: RequestContext, segments: string[]): Promise<void> {
  const route = `${ctx.method} /${segments.join("/")}`;
  const query = ctx.url.searchParams;
  try {
    switch (route) {
      case "GET /health":
        sendJson(ctx, 200, { ok: true });
        return;
      case "GET /state":
        sendJson(ctx, 200, control.state());
        return;
      case "GET /credentials":
        sendJson(ctx, 200, control.credentials());
        return;
      case "POST /reset":
        control.reset();
        sendJson(ctx, 200, { ok: true });
        return;
      case "GET /faults":
        sendJson(ctx, 200, control.listFaults());
        return;
      case "POST /faults": {
        const spec = input(ctx, faultSchema) as FaultSpec;
        sendJson(ctx, 201, control.addFault(spec));
        return;
      }
      case "DELETE /faults":
        control.clearFaults();
        sendJson(ctx, 200, { ok: true });
        return;
      case "GET /clock":
        sendJson(ctx, 200, control.clock());
        return;
      case "POST /clock/advance":
        sendJson(ctx, 200, control.advanceClock(input(ctx, schemas.advance)));
        return;
      case "POST /clock/set":
        sendJson(ctx, 200, control.setClock(input(ctx, schemas.setClock).now));
        return;
      case "POST /clock/reset":
        sendJson(ctx, 200, control.resetClock());
        return;
      case "POST /tokens/lifetime":
        control.setAccessTokenLifetime(input(ctx, schemas.lifetime).seconds);
        sendJson(ctx, 200, { ok: true });
        return;
      case "POST /tokens/expire": {
        const found = control.expireToken(input(ctx, schemas.token).token);
        sendJson(ctx, found ? 200 : 404, { ok: found });
        return;
      }
      case "POST /tokens/revoke": {
        const found = control.revokeToken(input(ctx, schemas.token).token);
        sendJson(ctx, found ? 200 : 404, { ok: found });
        return;
      }
      case "POST /grants/revoke":
        sendJson(ctx, 200, { revoked: control.revokeGrants(input(ctx, schemas.grants)) });
        return;
      case "POST /pats":
        sendJson(ctx, 201, control.createPat(input(ctx, schemas.pat)));
        return;
      case "POST /oauth/tokens":
        sendJson(ctx, 201, await control.issueOAuthToken(input(ctx, schemas.oauthToken)));
        return;
      case "POST /policies/oauth":
        control.setOAuthPolicy(input(ctx, schemas.policy));
        sendJson(ctx, 200, { ok: true });
        return;
      case "POST /memberships":
        control.setMembership(input(ctx, schemas.membership));
        sendJson(ctx, 200, { ok: true });
        return;
      case "POST /pushes":
        sendJson(ctx, 201, await control.push(input(ctx, schemas.push)));
        return;
      case "POST /repositories/rename":
        sendJson(ctx, 200, control.renameRepository(input(ctx, schemas.rename)));
        return;
      case "GET /requests": {
        const since = query.get("since");
        sendJson(
          ctx,
          200,
          control.requests({
            since: since === null ? undefined : Number(since),
            deployment: query.get("deployment") ?? undefined,
            pathContains: query.get("path") ?? undefined,
            method: query.get("method") ?? undefined,
          }),
        );
        return;
      }
      case "DELETE /requests":
        control.clearRequests();
        sendJson(ctx, 200, { ok: true });
        return;
      case "GET /deliveries":
        sendJson(ctx, 200, control.deliveries(queryFilter(query, ["subscriptionId", "eventType", "url", "outcome"], ["notificationId", "since"]) as DeliveryFilter));
        return;
      case "POST /deliveries/wait":
        sendJson(ctx, 200, await control.waitForDeliveries(input(ctx, schemas.waitDeliveries)));
        return;
      case "POST /deliveries/retry":
        sendJson(ctx, 200, { retried: control.retryDeliveries() });
        return;
      case "GET /notifications":
        sendJson(ctx, 200, control.notifications(queryFilter(query, ["subscriptionId", "eventType", "status", "result"], []) as NotificationFilter));
        return;
      case "POST /notifications/wait":
        sendJson(ctx, 200, await control.waitForNotifications(input(ctx, schemas.waitNotifications)));
        return;
      case "GET /hooks/policy":
        sendJson(ctx, 200, control.hookPolicy());
        return;
      case "POST /hooks/policy":
        sendJson(ctx, 200, control.setHookPolicy(input(ctx, schemas.hookPolicy)));
        return;
      case "POST /subscriptions/status":
        control.setSubscriptionStatus(input(ctx, schemas.subscriptionStatus));
        sendJson(ctx, 200, { ok: true });
        return;
      case "POST /hooks/permission":
        control.setHookPermission(input(ctx, schemas.hookPermission));
        sendJson(ctx, 200, { ok: true });
        return;
      case "GET /refs":
        sendJson(ctx, 200, await control.refs(repositoryQuery(query)));
        return;
      case "GET /pushes":
        sendJson(ctx, 200, await control.pushes(repositoryQuery(query)));
        return;
      case "POST /pullrequests":
        sendJson(ctx, 201, await control.createPullRequest(input(ctx, schemas.createPullRequest)));
        return;
      case "POST /merges/hold":
        sendJson(ctx, 200, { computed: await control.holdMerges(input(ctx, z.object({ held: z.boolean() })).held) });
        return;
      case "GET /pullrequests":
        sendJson(ctx, 200, control.pullRequests({ deployment: query.get("deployment") ?? undefined, organization: query.get("organization") ?? undefined }));
        return;
      case "DELETE /deliveries":
        control.clearDeliveries();
        sendJson(ctx, 200, { ok: true });
        return;
      case "GET /statuses":
        sendJson(ctx, 200, control.statuses());
        return;
      case "GET /ca.pem":
        send(ctx, 200, control.caPem(), { "Content-Type": "application/x-pem-file" });
        return;
      default:
        break;
    }
    if (segments.length === 2 && segments[0] === "pullrequests" && /^\d+$/.test(segments[1] ?? "")) {
      const pullRequestId = Number(segments[1]);
      if (ctx.method === "GET") {
        sendJson(ctx, 200, control.pullRequest({ deployment: query.get("deployment") ?? undefined, organization: query.get("organization") ?? "", pullRequestId }));
        return;
      }
      if (ctx.method === "PATCH" || ctx.method === "POST") {
        sendJson(ctx, 200, await control.updatePullRequest({ ...input(ctx, schemas.updatePullRequest), pullRequestId }));
        return;
      }
    }
    if (await handleEntraControlRequest(control, ctx, segments)) {
      return;
    }
    if (ctx.method === "DELETE" && segments.length === 2 && segments[0] === "faults") {
      const removed = control.removeFault(segments[1] ?? "");
      sendJson(ctx, removed ? 200 : 404, { ok: removed });
      return;
    }
    sendJson(ctx, 404, { error: `Unknown control route ${route}` });
  } catch (error) {
    if (error instanceof ControlError) {
      sendJson(ctx, error.status, { error: error.message, ...error.extra });
      return;
    }
    if (error instanceof ServiceError) {
      // A rule of the emulated service (e.g. an active pull request already exists).
      sendJson(ctx, error.status, { error: error.body.message, typeKey: error.body.typeKey });
      return;
    }
    throw error;
  }
}
