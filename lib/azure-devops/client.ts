/**
 * The typed Azure DevOps REST client (Services and Server), framework-free.
 *
 * Every call goes through the guarded HTTP client (lib/net) via ./transport: PAT as
 * `Basic base64(":" + pat)` or a bearer token, `X-TFS-FedAuthRedirect: Suppress`, JSON only,
 * the api-version as a query parameter. Methods return the wire JSON (camelCase as sent) after
 * a minimal shape check, so a server that is not Azure DevOps fails with `not_azure_devops`
 * instead of leaking `undefined`s into callers. Paging follows the `x-ms-continuationtoken`
 * response header (azure-devops-node-api never fills it, issue #646).
 */
import { PREFERRED_API_VERSION, PROBE_API_VERSION } from "./api-versions";
import { AzureDevOpsError, isAzureDevOpsError, notAzureDevOpsMessage } from "./errors";
import { type Transport, type TransportOptions, type TransportResponse, createTransport, segment } from "./transport";
import type {
  Account,
  AdoIdentity,
  ApiResourceLocation,
  Collected,
  ConnectionData,
  GitCommitDiffs,
  GitCommitRef,
  GitRef,
  GitRepository,
  GitStatus,
  GitStatusToCreate,
  GitPullRequest,
  GitPullRequestComment,
  GitPullRequestIteration,
  GitPullRequestThread,
  HookNotification,
  HookSubscription,
  HookSubscriptionToCreate,
  NotificationSubscription,
  Page,
  Profile,
  ProjectState,
  TeamProject,
  TeamProjectReference,
} from "./types";

export type { AzureDevOpsCredential, OutboundCallRecord, OutboundRecorder, RetrySettings } from "./transport";

export type AzureDevOpsClientOptions = Omit<TransportOptions, "baseUrl"> & {
  /** `https://dev.azure.com/{org}` or `https://host[/tfs]/{collection}`, no trailing slash needed. */
  collectionUrl: string;
  /** Default 7.1; use `detectServerVersion` to pick one for older servers. */
  apiVersion?: string;
};

export type ListProjectsPageOptions = { top?: number; continuationToken?: string; skip?: number; stateFilter?: ProjectState };

export type ListRefsPageOptions = {
  /** Starts-with filter without `refs/`, e.g. `heads/` or `tags/`. */
  filter?: string;
  /** Contains filter on the ref name (case-insensitive on the service). */
  filterContains?: string;
  top?: number;
  continuationToken?: string;
  /** Annotated tags also name the commit they point at (`peeledObjectId`). */
  peelTags?: boolean;
};

export type ListCommitsOptions = {
  /** Branch name, with or without `refs/heads/`; default the repository's default branch. */
  branch?: string;
  top?: number;
  skip?: number;
};

export type IdentityQuery = { identityIds?: string[]; descriptors?: string[]; filterValue?: string };

/** Result of the write-free commit-status permission check. */
export type StatusPermission = {
  allowed: boolean;
  /** True only if the server accepted the deliberately invalid status (it should never happen). */
  wrote: boolean;
};

export type AzureDevOpsClient = {
  readonly collectionUrl: string;
  readonly apiVersion: string;
  /** The same connection (credential, recorder, known identity) with another api-version. */
  withApiVersion(version: string): AzureDevOpsClient;
  /** `GET {base}/_apis/connectionData` without api-version (like the official client); `includeServices` adds access mappings. */
  getConnectionData(options?: { includeServices?: boolean }): Promise<ConnectionData>;
  /** `OPTIONS {base}/_apis` or `{base}/_apis/{area}`: resource locations with min/max/released versions. */
  getResourceLocations(area?: string): Promise<ApiResourceLocation[]>;
  /** Sends api-version 99.0 to connectionData and returns the ceiling the server names; null if it does not. */
  probeApiVersionCeiling(): Promise<string | null>;
  listProjectsPage(options?: ListProjectsPageOptions): Promise<Page<TeamProjectReference>>;
  listAllProjects(options?: { max?: number; pageSize?: number }): Promise<Collected<TeamProjectReference>>;
  getProject(idOrName: string): Promise<TeamProject>;
  /** Repositories of one project, or of the whole organization/collection when `project` is omitted. */
  listRepositories(project?: string, options?: { includeHidden?: boolean }): Promise<GitRepository[]>;
  getRepository(project: string, idOrName: string): Promise<GitRepository>;
  /** `GET {base}/_apis/git/repositories/{id}`: by GUID, anywhere in the organization/collection (404 otherwise). */
  getRepositoryById(repositoryId: string): Promise<GitRepository>;
  listRefsPage(project: string, repositoryId: string, options?: ListRefsPageOptions): Promise<Page<GitRef>>;
  listAllRefs(project: string, repositoryId: string, options?: { filter?: string; pageSize?: number; max?: number; peelTags?: boolean }): Promise<Collected<GitRef>>;
  listCommits(project: string, repositoryId: string, options?: ListCommitsOptions): Promise<GitCommitRef[]>;
  getCommit(project: string, repositoryId: string, commitId: string): Promise<GitCommitRef>;
  /**
   * The commits of `commitId`'s history that `sinceCommitId`'s history lacks (`git log
   * since..commit`: itemVersion and compareVersion), newest first, at most `top`; `complete` is
   * false when there were more.
   */
  commitsSince(project: string, repositoryId: string, commitId: string, sinceCommitId: string, top: number): Promise<{ commits: GitCommitRef[]; complete: boolean }>;
  /**
   * The paths of the files changed from the merge base of `base` and `target` to `target`
   * (`…/diffs/commits`), at most `top`; `complete` is false when there were more.
   */
  changedPaths(project: string, repositoryId: string, base: string, target: string, top?: number): Promise<{ paths: string[]; complete: boolean }>;
  createCommitStatus(project: string, repositoryId: string, commitId: string, status: GitStatusToCreate): Promise<GitStatus>;
  listCommitStatuses(project: string, repositoryId: string, commitId: string, options?: { top?: number; skip?: number; latestOnly?: boolean }): Promise<GitStatus[]>;
  /** May this token create commit statuses? Posts an invalid status (no context): 400 = allowed, nothing written. */
  checkCommitStatusPermission(project: string, repositoryId: string, commitId: string): Promise<StatusPermission>;
  /** `POST …/pullRequests/{id}/statuses` (scope vso.code_status); `iterationId` ties it to an iteration. */
  createPullRequestStatus(project: string, repositoryId: string, pullRequestId: number, status: GitStatusToCreate & { iterationId?: number }): Promise<GitStatus>;
  /** `GET …/pullRequests/{id}/threads` (scope vso.threads_full or vso.code). */
  listPullRequestThreads(project: string, repositoryId: string, pullRequestId: number): Promise<GitPullRequestThread[]>;
  /** `POST …/pullRequests/{id}/threads`: a thread with one comment and string properties (Keel's markers). */
  createPullRequestThread(project: string, repositoryId: string, pullRequestId: number, thread: { content: string; status?: string; properties?: Record<string, string> }): Promise<GitPullRequestThread>;
  /** `PATCH …/threads/{threadId}/comments/{commentId}`: replaces a comment's text (its author only). */
  updatePullRequestComment(project: string, repositoryId: string, pullRequestId: number, threadId: number, commentId: number, content: string): Promise<GitPullRequestComment>;
  /** `GET …/pullRequests?searchCriteria.status=active` (scope vso.code): open pull requests of a repository, newest first. */
  listPullRequests(project: string, repositoryId: string, options?: { status?: "active" | "all"; top?: number }): Promise<GitPullRequest[]>;
  /** `GET …/pullRequests/{id}/iterations` (scope vso.code), oldest first. */
  /** One pull request of the repository; a `not_found` AzureDevOpsError when the repository has no such pull request. */
  getPullRequest(project: string, repositoryId: string, pullRequestId: number): Promise<GitPullRequest>;
  listPullRequestIterations(project: string, repositoryId: string, pullRequestId: number): Promise<GitPullRequestIteration[]>;
  listHookSubscriptions(): Promise<HookSubscription[]>;
  /** `GET {base}/_apis/hooks/subscriptions/{id}` (404 when it was deleted). */
  getHookSubscription(id: string): Promise<HookSubscription>;
  createHookSubscription(subscription: HookSubscriptionToCreate): Promise<HookSubscription>;
  /** `PUT {base}/_apis/hooks/subscriptions/{id}`: replaces the definition; `status: "enabled"` re-enables it (docs/azure-devops-facts.md §1.6). */
  replaceHookSubscription(id: string, subscription: HookSubscriptionToCreate & { status?: string }): Promise<HookSubscription>;
  deleteHookSubscription(id: string): Promise<void>;
  /** `GET {base}/_apis/hooks/subscriptions/{id}/notifications`: the subscription's recent notifications, newest first. */
  listHookNotifications(subscriptionId: string, options?: { maxResults?: number }): Promise<HookNotification[]>;
  /** `GET {base}/_apis/hooks/subscriptions/{id}/notifications/{notificationId}`: one notification with its details (the event). */
  getHookNotification(subscriptionId: string, notificationId: number): Promise<HookNotification>;
  listNotificationSubscriptions(): Promise<NotificationSubscription[]>;
  /** `GET {base}/_apis/identities?identityIds=…|descriptors=…|searchFilter=General&filterValue=…` (scope vso.identity). */
  getIdentities(query: IdentityQuery): Promise<AdoIdentity[]>;
  getIdentity(id: string): Promise<AdoIdentity>;
};

export type VsspsClientOptions = Omit<TransportOptions, "baseUrl"> & {
  /** The profile/accounts host, e.g. `https://app.vssps.visualstudio.com`. */
  baseUrl: string;
};

export type VsspsClient = {
  readonly baseUrl: string;
  /** `GET /_apis/profile/profiles/me?details=true` (scope vso.profile; OAuth or an all-organizations PAT). */
  getMyProfile(): Promise<Profile>;
  /** `GET /_apis/accounts?memberId=…`: the organizations the member belongs to. */
  listAccounts(memberId: string): Promise<Account[]>;
};

// Profile is a preview-only resource: without `-preview` the service refuses the version.
const PROFILE_API_VERSION = "7.1-preview.3";
const ACCOUNTS_API_VERSION = "7.1";
const DEFAULT_PROJECT_PAGE = 100;
const DEFAULT_PROJECT_MAX = 10_000;
const DEFAULT_REF_PAGE = 1_000;
const DEFAULT_REF_MAX = 100_000;
const PERMISSION_PROBE_STATUS = {
  state: "pending",
  description: "Keel permission check. It has no context, so Azure DevOps must refuse it and nothing is written.",
};

/** Creates a typed client for one organization (Services) or collection (Server). */
export function createAzureDevOpsClient(options: AzureDevOpsClientOptions): AzureDevOpsClient {
  const { collectionUrl, apiVersion, ...rest } = options;
  const transport = createTransport({ ...rest, baseUrl: collectionUrl });
  return buildClient(transport, apiVersion ?? PREFERRED_API_VERSION);
}

/** Creates a client for the profile/accounts host (app.vssps.visualstudio.com on Services). */
export function createVsspsClient(options: VsspsClientOptions): VsspsClient {
  const transport = createTransport(options);
  return {
    baseUrl: transport.baseUrl,
    async getMyProfile() {
      const response = await transport.send({ method: "GET", path: "/_apis/profile/profiles/me", query: { details: true }, apiVersion: PROFILE_API_VERSION });
      return expectObject<Profile>(response, (value) => isString(value.id));
    },
    async listAccounts(memberId) {
      const response = await transport.send({ method: "GET", path: "/_apis/accounts", query: { memberId }, apiVersion: ACCOUNTS_API_VERSION });
      return expectList<Account>(response, (item) => isString(item.accountId) && isString(item.accountName));
    },
  };
}

function buildClient(transport: Transport, apiVersion: string): AzureDevOpsClient {
  const get = (path: string, query?: Record<string, string | number | boolean | undefined>): Promise<TransportResponse> =>
    transport.send({ method: "GET", path, ...(query === undefined ? {} : { query }), apiVersion });
  const repoPath = (project: string, repositoryId: string): string => `/${segment(project)}/_apis/git/repositories/${segment(repositoryId)}`;

  const client: AzureDevOpsClient = {
    collectionUrl: transport.baseUrl,
    apiVersion,

    withApiVersion(version) {
      return buildClient(transport, version);
    },

    async getConnectionData(options = {}) {
      const response = await transport.send({ method: "GET", path: "/_apis/connectionData", ...(options.includeServices === true ? { query: { connectOptions: 1 } } : {}) });
      const data = expectObject<ConnectionData>(
        response,
        (value) => isRecord(value.authenticatedUser) && isString(value.authenticatedUser.id) && isString(value.deploymentType),
      );
      transport.setAuthenticatedUserId(data.authenticatedUser.id);
      return data;
    },

    async getResourceLocations(area) {
      const path = area === undefined ? "/_apis" : `/_apis/${segment(area)}`;
      const response = await transport.send({ method: "OPTIONS", path });
      return expectList<ApiResourceLocation>(response, (item) => isString(item.id) && isString(item.area) && isString(item.maxVersion));
    },

    async probeApiVersionCeiling() {
      try {
        await transport.send({ method: "GET", path: "/_apis/connectionData", apiVersion: PROBE_API_VERSION });
      } catch (error) {
        if (isAzureDevOpsError(error, "version_out_of_range")) {
          return error.reason.kind === "version_out_of_range" ? (error.reason.ceiling ?? null) : null;
        }
        throw error;
      }
      return null;
    },

    async listProjectsPage(options = {}) {
      const response = await get("/_apis/projects", {
        $top: options.top,
        $skip: options.skip,
        continuationToken: options.continuationToken,
        stateFilter: options.stateFilter,
      });
      return {
        items: expectList<TeamProjectReference>(response, (item) => isString(item.id) && isString(item.name)),
        ...continuation(response),
      };
    },

    async listAllProjects(options = {}) {
      const max = options.max ?? DEFAULT_PROJECT_MAX;
      const pageSize = options.pageSize ?? DEFAULT_PROJECT_PAGE;
      return collect(max, (token) => client.listProjectsPage({ top: Math.min(pageSize, max), ...(token === undefined ? {} : { continuationToken: token }) }));
    },

    async getProject(idOrName) {
      const response = await get(`/_apis/projects/${segment(idOrName)}`);
      return expectObject<TeamProject>(response, (value) => isString(value.id) && isString(value.name));
    },

    async listRepositories(project, options = {}) {
      const prefix = project === undefined ? "" : `/${segment(project)}`;
      const response = await get(`${prefix}/_apis/git/repositories`, { includeHidden: options.includeHidden === true ? true : undefined });
      return expectList<GitRepository>(response, isRepository);
    },

    async getRepository(project, idOrName) {
      const response = await get(repoPath(project, idOrName));
      return expectObject<GitRepository>(response, isRepository);
    },

    async getRepositoryById(repositoryId) {
      const response = await get(`/_apis/git/repositories/${segment(repositoryId)}`);
      return expectObject<GitRepository>(response, isRepository);
    },

    async listRefsPage(project, repositoryId, options = {}) {
      const response = await get(`${repoPath(project, repositoryId)}/refs`, {
        filter: options.filter,
        filterContains: options.filterContains,
        peelTags: options.peelTags ? "true" : undefined,
        $top: options.top,
        continuationToken: options.continuationToken,
      });
      return {
        items: expectList<GitRef>(response, (item) => isString(item.name) && isString(item.objectId)),
        ...continuation(response),
      };
    },

    async listAllRefs(project, repositoryId, options = {}) {
      const max = options.max ?? DEFAULT_REF_MAX;
      const pageSize = Math.min(options.pageSize ?? DEFAULT_REF_PAGE, 1_000);
      return collect(max, (token) =>
        client.listRefsPage(project, repositoryId, {
          ...(options.filter === undefined ? {} : { filter: options.filter }),
          ...(options.peelTags ? { peelTags: true } : {}),
          top: Math.min(pageSize, max),
          ...(token === undefined ? {} : { continuationToken: token }),
        }),
      );
    },

    async listCommits(project, repositoryId, options = {}) {
      const branch = options.branch?.replace(/^refs\/heads\//, "");
      const response = await get(`${repoPath(project, repositoryId)}/commits`, {
        "searchCriteria.itemVersion.version": branch,
        "searchCriteria.itemVersion.versionType": branch === undefined ? undefined : "branch",
        "searchCriteria.$top": options.top,
        "searchCriteria.$skip": options.skip,
      });
      return expectList<GitCommitRef>(response, (item) => isString(item.commitId));
    },

    async commitsSince(project, repositoryId, commitId, sinceCommitId, top) {
      const response = await get(`${repoPath(project, repositoryId)}/commits`, {
        "searchCriteria.itemVersion.version": commitId,
        "searchCriteria.itemVersion.versionType": "commit",
        "searchCriteria.compareVersion.version": sinceCommitId,
        "searchCriteria.compareVersion.versionType": "commit",
        // One more than asked for: whether there were more.
        "searchCriteria.$top": top + 1,
      });
      const commits = expectList<GitCommitRef>(response, (item) => isString(item.commitId));
      return { commits: commits.slice(0, top), complete: commits.length <= top };
    },

    async getCommit(project, repositoryId, commitId) {
      const response = await get(`${repoPath(project, repositoryId)}/commits/${segment(commitId)}`);
      return expectObject<GitCommitRef>(response, (value) => isString(value.commitId));
    },

    async changedPaths(project, repositoryId, base, target, top = 1_000) {
      const response = await get(`${repoPath(project, repositoryId)}/diffs/commits`, { baseVersion: base, baseVersionType: "commit", targetVersion: target, targetVersionType: "commit", diffCommonCommit: true, $top: top });
      const diff = expectObject<GitCommitDiffs>(response, (value) => Array.isArray(value.changes));
      const paths = diff.changes.filter((change) => change.item?.isFolder !== true && typeof change.item?.path === "string").map((change) => change.item!.path!.replace(/^\//, ""));
      return { paths, complete: diff.allChangesIncluded !== false };
    },

    async createCommitStatus(project, repositoryId, commitId, status) {
      const response = await transport.send({
        method: "POST",
        path: `${repoPath(project, repositoryId)}/commits/${segment(commitId)}/statuses`,
        apiVersion,
        body: status,
      });
      return expectObject<GitStatus>(response, (value) => isString(value.state) && isRecord(value.context));
    },

    async listCommitStatuses(project, repositoryId, commitId, options = {}) {
      const response = await get(`${repoPath(project, repositoryId)}/commits/${segment(commitId)}/statuses`, {
        top: options.top,
        skip: options.skip,
        latestOnly: options.latestOnly === true ? true : undefined,
      });
      return expectList<GitStatus>(response, (item) => isString(item.state));
    },

    async checkCommitStatusPermission(project, repositoryId, commitId) {
      try {
        await transport.send({
          method: "POST",
          path: `${repoPath(project, repositoryId)}/commits/${segment(commitId)}/statuses`,
          apiVersion,
          body: PERMISSION_PROBE_STATUS,
        });
      } catch (error) {
        if (isAzureDevOpsError(error, "bad_request")) {
          // Scopes are checked before the body, so a validation error means "allowed".
          return { allowed: true, wrote: false };
        }
        if (isAzureDevOpsError(error, "missing_scope") || isAzureDevOpsError(error, "forbidden")) {
          return { allowed: false, wrote: false };
        }
        if (isAzureDevOpsError(error, "unauthorized") && error.reason.kind === "unauthorized" && error.reason.userId !== undefined) {
          // A TF400813 naming a user on a route their token otherwise reaches: the scope is missing.
          return { allowed: false, wrote: false };
        }
        throw error;
      }
      return { allowed: true, wrote: true };
    },

    async createPullRequestStatus(project, repositoryId, pullRequestId, status) {
      const response = await transport.send({ method: "POST", path: `${repoPath(project, repositoryId)}/pullRequests/${pullRequestId}/statuses`, apiVersion, body: status });
      return expectObject<GitStatus>(response, (value) => isString(value.state) && isRecord(value.context));
    },

    async listPullRequestThreads(project, repositoryId, pullRequestId) {
      const response = await get(`${repoPath(project, repositoryId)}/pullRequests/${pullRequestId}/threads`);
      return expectList<GitPullRequestThread>(response, (item) => typeof item.id === "number");
    },

    async createPullRequestThread(project, repositoryId, pullRequestId, thread) {
      const properties = thread.properties ? Object.fromEntries(Object.entries(thread.properties).map(([key, value]) => [key, { $type: "System.String", $value: value }])) : undefined;
      const response = await transport.send({
        method: "POST",
        path: `${repoPath(project, repositoryId)}/pullRequests/${pullRequestId}/threads`,
        apiVersion,
        body: { comments: [{ parentCommentId: 0, content: thread.content, commentType: 1 }], status: thread.status ?? "closed", ...(properties ? { properties } : {}) },
      });
      return expectObject<GitPullRequestThread>(response, (value) => typeof value.id === "number" && Array.isArray(value.comments));
    },

    async updatePullRequestComment(project, repositoryId, pullRequestId, threadId, commentId, content) {
      const response = await transport.send({
        method: "PATCH",
        path: `${repoPath(project, repositoryId)}/pullRequests/${pullRequestId}/threads/${threadId}/comments/${commentId}`,
        apiVersion,
        body: { content },
      });
      return expectObject<GitPullRequestComment>(response, (value) => typeof value.id === "number");
    },

    async listPullRequests(project, repositoryId, options = {}) {
      const response = await get(`${repoPath(project, repositoryId)}/pullRequests`, { "searchCriteria.status": options.status ?? "active", $top: options.top ?? 100 });
      return expectList<GitPullRequest>(response, (item) => typeof item.pullRequestId === "number" && isString(item.sourceRefName) && isString(item.targetRefName));
    },

    async getPullRequest(project, repositoryId, pullRequestId) {
      const response = await get(`${repoPath(project, repositoryId)}/pullRequests/${pullRequestId}`);
      return expectObject<GitPullRequest>(response, (value) => typeof value.pullRequestId === "number" && isString(value.sourceRefName) && isString(value.targetRefName));
    },

    async listPullRequestIterations(project, repositoryId, pullRequestId) {
      const response = await get(`${repoPath(project, repositoryId)}/pullRequests/${pullRequestId}/iterations`);
      return expectList<GitPullRequestIteration>(response, (item) => typeof item.id === "number");
    },

    async listHookSubscriptions() {
      const response = await get("/_apis/hooks/subscriptions");
      return expectList<HookSubscription>(response, (item) => isString(item.id));
    },

    async createHookSubscription(subscription) {
      const response = await transport.send({ method: "POST", path: "/_apis/hooks/subscriptions", apiVersion, body: subscription });
      return expectObject<HookSubscription>(response, (value) => isString(value.id));
    },

    async getHookSubscription(id) {
      const response = await get(`/_apis/hooks/subscriptions/${segment(id)}`);
      return expectObject<HookSubscription>(response, (value) => isString(value.id));
    },

    async replaceHookSubscription(id, subscription) {
      const response = await transport.send({ method: "PUT", path: `/_apis/hooks/subscriptions/${segment(id)}`, apiVersion, body: subscription, idempotent: true });
      return expectObject<HookSubscription>(response, (value) => isString(value.id));
    },

    async listHookNotifications(subscriptionId, options = {}) {
      const response = await get(`/_apis/hooks/subscriptions/${segment(subscriptionId)}/notifications`, { maxResults: options.maxResults ?? 100 });
      return expectList<HookNotification>(response, (item) => typeof item.id === "number");
    },

    async getHookNotification(subscriptionId, notificationId) {
      const response = await get(`/_apis/hooks/subscriptions/${segment(subscriptionId)}/notifications/${notificationId}`);
      return expectObject<HookNotification>(response, (value) => typeof value.id === "number");
    },

    async deleteHookSubscription(id) {
      await transport.send({ method: "DELETE", path: `/_apis/hooks/subscriptions/${segment(id)}`, apiVersion, idempotent: true });
    },

    async listNotificationSubscriptions() {
      const response = await get("/_apis/notification/subscriptions");
      return expectList<NotificationSubscription>(response, (item) => isString(item.id) || typeof item.id === "number");
    },

    async getIdentities(query) {
      const params: Record<string, string | undefined> = {};
      if (query.identityIds !== undefined && query.identityIds.length > 0) {
        params.identityIds = query.identityIds.join(",");
      } else if (query.descriptors !== undefined && query.descriptors.length > 0) {
        params.descriptors = query.descriptors.join(",");
      } else if (query.filterValue !== undefined) {
        params.searchFilter = "General";
        params.filterValue = query.filterValue;
      }
      const response = await get("/_apis/identities", params);
      return expectList<AdoIdentity>(response, (item) => isString(item.id));
    },

    async getIdentity(id) {
      const response = await get(`/_apis/identities/${segment(id)}`);
      return expectObject<AdoIdentity>(response, (value) => isString(value.id));
    },
  };
  return client;
}

// ---------------------------------------------------------------------------------------------

/** Walks pages until there is no continuation token or `max` items were collected. */
async function collect<T>(max: number, fetchPage: (token: string | undefined) => Promise<Page<T>>): Promise<Collected<T>> {
  const items: T[] = [];
  const seenTokens = new Set<string>();
  let token: string | undefined;
  for (;;) {
    const page = await fetchPage(token);
    items.push(...page.items);
    if (page.continuationToken === undefined) {
      return { items: items.slice(0, max), truncated: items.length > max };
    }
    if (items.length >= max) {
      return { items: items.slice(0, max), truncated: true };
    }
    if (seenTokens.has(page.continuationToken)) {
      // A server handing out the same token again would loop forever; stop and say so.
      return { items, truncated: true };
    }
    seenTokens.add(page.continuationToken);
    token = page.continuationToken;
  }
}

function continuation(response: TransportResponse): { continuationToken?: string } {
  const raw = response.headers["x-ms-continuationtoken"];
  const token = Array.isArray(raw) ? raw[0] : raw;
  return token === undefined || token.trim() === "" ? {} : { continuationToken: token.trim() };
}

function expectObject<T>(response: TransportResponse, check: (value: Record<string, unknown>) => boolean): T {
  const value = response.json;
  if (!isRecord(value) || !check(value)) {
    throw notAzureDevOps(response);
  }
  return value as T;
}

function expectList<T>(response: TransportResponse, check: (item: Record<string, unknown>) => boolean): T[] {
  const value = response.json;
  if (!isRecord(value)) {
    throw notAzureDevOps(response);
  }
  // On-prem ResourceAreas-style answers use `{"count":0,"value":null}` for "nothing".
  if (value.value === null && (value.count === 0 || value.count === undefined)) {
    return [];
  }
  if (!Array.isArray(value.value)) {
    throw notAzureDevOps(response);
  }
  for (const item of value.value) {
    if (!isRecord(item) || !check(item)) {
      throw notAzureDevOps(response);
    }
  }
  return value.value as T[];
}

function notAzureDevOps(response: TransportResponse): AzureDevOpsError {
  return new AzureDevOpsError({ kind: "not_azure_devops", status: response.status, contentType: "json" }, notAzureDevOpsMessage(response.url, response.status), {
    url: response.url,
  });
}

function isRepository(value: Record<string, unknown>): boolean {
  return isString(value.id) && isString(value.name);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}
