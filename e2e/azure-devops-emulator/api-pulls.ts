import { findEnabledRepo } from "./api-git.js";
import type { ApiContext } from "./core.js";
import { gitNotFoundError, invalidArgumentError } from "./errors.js";
import { loadGit } from "./git-backend.js";
import { createPullRequest, updatePullRequest, type PullRequestPatch } from "./git-events.js";
import { isRecord, parseJsonBody, queryBool, queryInt, queryParam, send, sendJson, sendList } from "./http.js";
import { identityRefOf } from "./identities.js";
import {
  commentJson,
  iterationJson,
  normalizeProperties,
  pullRequestJson,
  pullRequestStatusJson,
  pullRequestsOf,
  threadJson,
  type CommentRecord,
  type PullRequestRecord,
  type PullRequestStatus,
  type ThreadRecord,
} from "./pull-requests.js";
import type { PushRecord, RepoRecord, StatusRecord } from "./store.js";
import { repoApiUrl } from "./urls.js";

/**
 * REST handlers for pushes and pull requests (git spec 7.1): pull requests, iterations,
 * pull-request statuses (also iteration-scoped), threads and comments. Bodies accept the
 * enum numbers Microsoft's Node client sends as well as the names.
 */

/** Reads an enum given as a name (any case) or its number; undefined when absent, throws when invalid. */
function parseEnum<T extends string>(raw: unknown, names: readonly T[], numbers: Record<number, T>, field: string): T | undefined {
  if (raw === undefined || raw === null) {
    return undefined;
  }
  if (typeof raw === "number" || (typeof raw === "string" && /^\d+$/.test(raw))) {
    const value = numbers[Number(raw)];
    if (value !== undefined) {
      return value;
    }
  }
  if (typeof raw === "string") {
    const value = names.find((name) => name.toLowerCase() === raw.toLowerCase());
    if (value !== undefined) {
      return value;
    }
  }
  throw invalidArgumentError(`The value '${String(raw)}' is not valid for ${field}.`);
}

const PR_STATUSES = ["notSet", "active", "abandoned", "completed", "all"] as const;
const PR_STATUS_NUMBERS: Record<number, (typeof PR_STATUSES)[number]> = { 0: "notSet", 1: "active", 2: "abandoned", 3: "completed", 4: "all" };
const THREAD_STATUSES = ["unknown", "active", "fixed", "wontFix", "closed", "byDesign", "pending"] as const;
const THREAD_STATUS_NUMBERS: Record<number, ThreadRecord["status"]> = { 0: "unknown", 1: "active", 2: "fixed", 3: "wontFix", 4: "closed", 5: "byDesign", 6: "pending" };
const COMMENT_TYPES = ["unknown", "text", "codeChange", "system"] as const;
const COMMENT_TYPE_NUMBERS: Record<number, CommentRecord["commentType"]> = { 0: "unknown", 1: "text", 2: "codeChange", 3: "system" };
const STATUS_STATES = ["notSet", "pending", "succeeded", "failed", "error", "notApplicable", "partiallySucceeded"] as const;
const STATUS_STATE_NUMBERS: Record<number, (typeof STATUS_STATES)[number]> = Object.fromEntries(STATUS_STATES.map((state, index) => [index, state]));

/** The JSON object body or a 400 naming the parameter. */
function objectBody(api: ApiContext, parameter: string): Record<string, unknown> {
  const body = parseJsonBody(api.ctx.body);
  if (!isRecord(body)) {
    throw invalidArgumentError(`Value cannot be null.\r\nParameter name: ${parameter}`);
  }
  return body;
}

/** An optional string field or a 400. */
function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== "string") {
    throw invalidArgumentError(`The field '${field}' must be a string.`);
  }
  return value;
}

/** The pull request of a repository, or 404 TF401180. */
function findPullRequest(api: ApiContext, repo: RepoRecord | undefined, idText: string): PullRequestRecord {
  const id = Number(idText);
  const pr = Number.isInteger(id) ? pullRequestsOf(api.host).byId.get(id) : undefined;
  if (!pr || (repo !== undefined && pr.repo !== repo) || (api.project !== undefined && pr.repo.project !== api.project)) {
    throw gitNotFoundError(`TF401180: The requested pull request was not found.`, "GitPullRequestNotFoundException");
  }
  return pr;
}

// ---------------------------------------------------------------- pushes

/** GitPush JSON. */
function pushJson(api: ApiContext, repo: RepoRecord, push: PushRecord, options: { refUpdates: boolean; commits: boolean }): Record<string, unknown> {
  const api_ = repoApiUrl(api.urls, repo);
  const url = `${api_}/pushes/${push.pushId}`;
  const pusher = api.core.store.user(push.pushedById);
  const body: Record<string, unknown> = {};
  if (options.commits) {
    body.commits = push.commitIds.map((id) => {
      const commit = repo.git?.commits.get(id);
      return commit
        ? { commitId: id, author: commit.author, committer: commit.committer, comment: commit.comment, url: `${api_}/commits/${id}` }
        : { commitId: id, url: `${api_}/commits/${id}` };
    });
  }
  if (options.refUpdates) {
    body.refUpdates = push.refUpdates;
  }
  body.repository = { id: repo.id, name: repo.name, url: api_, project: { id: repo.project.id, name: repo.project.name, state: repo.project.state, visibility: repo.project.visibility } };
  body.pushedBy = pusher ? identityRefOf(pusher, api.urls) : { id: push.pushedById };
  body.pushId = push.pushId;
  body.date = push.date;
  body.url = url;
  body._links = {
    self: { href: url },
    repository: { href: api_ },
    commits: { href: `${url}/commits` },
    pusher: { href: `${api.urls.base}/_apis/Identities/${push.pushedById}` },
    refs: { href: `${api_}/refs` },
  };
  return body;
}

/** `GET …/repositories/{repo}/pushes` (newest first; searchCriteria.refName/pusherId/includeRefUpdates, $top, $skip). */
export async function listPushes(api: ApiContext, repoIdOrName: string): Promise<void> {
  const repo = findEnabledRepo(api, repoIdOrName);
  const git = await loadGit(api.core.store, repo);
  const url = api.ctx.url;
  const refName = queryParam(url, "searchCriteria.refName");
  const pusherId = queryParam(url, "searchCriteria.pusherId")?.toLowerCase();
  const includeRefUpdates = queryBool(url, "searchCriteria.includeRefUpdates");
  let pushes = [...git.pushes].reverse();
  if (refName !== undefined) {
    pushes = pushes.filter((push) => push.refUpdates.some((update) => update.name === refName));
  }
  if (pusherId !== undefined) {
    pushes = pushes.filter((push) => push.pushedById.toLowerCase() === pusherId);
  }
  const skip = queryInt(url, "$skip") ?? 0;
  const top = queryInt(url, "$top") ?? 100;
  sendList(api.ctx, pushes.slice(skip, skip + top).map((push) => pushJson(api, repo, push, { refUpdates: includeRefUpdates, commits: false })), { apiVersion: api.apiVersion });
}

/** `GET …/repositories/{repo}/pushes/{pushId}` (with commits and ref updates). */
export async function getPush(api: ApiContext, repoIdOrName: string, pushIdText: string): Promise<void> {
  const repo = findEnabledRepo(api, repoIdOrName);
  const git = await loadGit(api.core.store, repo);
  const push = git.pushes.find((candidate) => String(candidate.pushId) === pushIdText);
  if (!push) {
    throw gitNotFoundError(`TF401156: The push with id ${pushIdText} does not exist.`, "GitPushNotFoundException");
  }
  const includeRefUpdates = queryParam(api.ctx.url, "includeRefUpdates")?.toLowerCase() !== "false";
  sendJson(api.ctx, 200, pushJson(api, repo, push, { refUpdates: includeRefUpdates, commits: true }), { apiVersion: api.apiVersion });
}

// ---------------------------------------------------------------- pull requests

/** `POST …/repositories/{repo}/pullrequests` → 201. */
export async function createPullRequestRoute(api: ApiContext, repoIdOrName: string): Promise<void> {
  const repo = findEnabledRepo(api, repoIdOrName);
  const body = objectBody(api, "gitPullRequestToCreate");
  const source = optionalString(body, "sourceRefName");
  const target = optionalString(body, "targetRefName");
  if (source === undefined || target === undefined || source.length === 0 || target.length === 0) {
    throw invalidArgumentError("The source and target ref names of a pull request are required.\r\nParameter name: gitPullRequestToCreate");
  }
  const reviewers = Array.isArray(body.reviewers) ? body.reviewers : [];
  const reviewerIds = reviewers.map((reviewer) => (isRecord(reviewer) && typeof reviewer.id === "string" ? reviewer.id : ""));
  const { pr } = await createPullRequest({ core: api.core, deployment: api.ctx.deployment, host: api.host, repo }, api.principal.user, {
    sourceRefName: source,
    targetRefName: target,
    title: optionalString(body, "title"),
    description: optionalString(body, "description"),
    isDraft: body.isDraft === true,
    reviewerIds,
  });
  sendJson(api.ctx, 201, pullRequestJson(api.core.store, api.urls, pr, { links: true }), { apiVersion: api.apiVersion });
}

/** `GET [{project}/]_apis/git[/repositories/{repo}]/pullrequests` with searchCriteria.*, $top, $skip. */
export async function listPullRequests(api: ApiContext, repoIdOrName: string | undefined): Promise<void> {
  const repo = repoIdOrName === undefined ? undefined : findEnabledRepo(api, repoIdOrName);
  const url = api.ctx.url;
  const status = parseEnum(queryParam(url, "searchCriteria.status"), PR_STATUSES, PR_STATUS_NUMBERS, "searchCriteria.status") ?? "active";
  const filters: Array<(pr: PullRequestRecord) => boolean> = [];
  if (status !== "all" && status !== "notSet") {
    filters.push((pr) => pr.status === (status as PullRequestStatus));
  }
  const text = (name: string): string | undefined => queryParam(url, `searchCriteria.${name}`);
  const sourceRefName = text("sourceRefName");
  const targetRefName = text("targetRefName");
  const creatorId = text("creatorId")?.toLowerCase();
  const reviewerId = text("reviewerId")?.toLowerCase();
  const repositoryId = text("repositoryId")?.toLowerCase();
  if (sourceRefName !== undefined) {
    filters.push((pr) => pr.sourceRefName === sourceRefName);
  }
  if (targetRefName !== undefined) {
    filters.push((pr) => pr.targetRefName === targetRefName);
  }
  if (creatorId !== undefined) {
    filters.push((pr) => pr.createdById.toLowerCase() === creatorId);
  }
  if (reviewerId !== undefined) {
    filters.push((pr) => pr.reviewers.some((reviewer) => reviewer.id.toLowerCase() === reviewerId));
  }
  if (repositoryId !== undefined) {
    filters.push((pr) => pr.repo.id.toLowerCase() === repositoryId);
  }
  const all = [...pullRequestsOf(api.host).byId.values()]
    .filter((pr) => (repo === undefined || pr.repo === repo) && (api.project === undefined || pr.repo.project === api.project))
    .filter((pr) => filters.every((filter) => filter(pr)))
    .sort((a, b) => b.id - a.id);
  const skip = queryInt(url, "$skip") ?? 0;
  const top = queryInt(url, "$top") ?? 101;
  const links = queryBool(url, "searchCriteria.includeLinks");
  sendList(api.ctx, all.slice(skip, skip + top).map((pr) => pullRequestJson(api.core.store, api.urls, pr, { links })), { apiVersion: api.apiVersion });
}

/** `GET …/pullrequests/{id}` (repository-scoped or by id alone). */
export async function getPullRequest(api: ApiContext, repoIdOrName: string | undefined, id: string): Promise<void> {
  const repo = repoIdOrName === undefined ? undefined : findEnabledRepo(api, repoIdOrName);
  const pr = findPullRequest(api, repo, id);
  if (pr.repo.git === undefined) {
    await loadGit(api.core.store, pr.repo);
  }
  sendJson(api.ctx, 200, pullRequestJson(api.core.store, api.urls, pr, { links: true }), { apiVersion: api.apiVersion });
}

/** `PATCH …/pullrequests/{id}`: title, description, isDraft, status (abandon, reactivate, complete). */
export async function patchPullRequest(api: ApiContext, repoIdOrName: string, id: string): Promise<void> {
  const repo = findEnabledRepo(api, repoIdOrName);
  const pr = findPullRequest(api, repo, id);
  const body = objectBody(api, "gitPullRequestToUpdate");
  const status = parseEnum(body.status, PR_STATUSES, PR_STATUS_NUMBERS, "status");
  if (status === "all" || status === "notSet") {
    throw invalidArgumentError(`The value '${status}' is not a valid status for a pull request.`);
  }
  const options = isRecord(body.completionOptions) ? body.completionOptions : {};
  const patch: PullRequestPatch = {
    title: optionalString(body, "title"),
    description: optionalString(body, "description"),
    isDraft: typeof body.isDraft === "boolean" ? body.isDraft : undefined,
    status,
    deleteSourceBranch: options.deleteSourceBranch === true,
  };
  await updatePullRequest({ core: api.core, deployment: api.ctx.deployment, host: api.host, repo }, pr, api.principal.user, patch);
  sendJson(api.ctx, 200, pullRequestJson(api.core.store, api.urls, pr, { links: true }), { apiVersion: api.apiVersion });
}

// ---------------------------------------------------------------- iterations

/** `GET …/pullRequests/{id}/iterations[?includeCommits]`. */
export function listIterations(api: ApiContext, repoIdOrName: string, id: string): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  const includeCommits = queryBool(api.ctx.url, "includeCommits");
  sendList(api.ctx, pr.iterations.map((iteration) => iterationJson(api.core.store, api.urls, pr, iteration, includeCommits)), { apiVersion: api.apiVersion });
}

/** The iteration of a pull request, or 404. */
function findIteration(pr: PullRequestRecord, idText: string): PullRequestRecord["iterations"][number] {
  const iteration = pr.iterations.find((candidate) => String(candidate.id) === idText);
  if (!iteration) {
    throw gitNotFoundError(`TF401174: The iteration ${idText} of pull request ${pr.id} does not exist.`, "GitPullRequestIterationNotFoundException");
  }
  return iteration;
}

/** `GET …/pullRequests/{id}/iterations/{iterationId}` (with commits). */
export function getIteration(api: ApiContext, repoIdOrName: string, id: string, iterationId: string): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  sendJson(api.ctx, 200, iterationJson(api.core.store, api.urls, pr, findIteration(pr, iterationId), true), { apiVersion: api.apiVersion });
}

// ---------------------------------------------------------------- statuses

/** Validates a status body like commit statuses (context.name required, state name or number). */
function parseStatusBody(body: Record<string, unknown>): Omit<StatusRecord, "id" | "creationDate" | "updatedDate" | "createdById"> {
  const context = body.context;
  if (!isRecord(context) || typeof context.name !== "string" || context.name.trim().length === 0) {
    throw invalidArgumentError("The status context name cannot be null or empty.\r\nParameter name: Context.Name");
  }
  if (context.genre !== undefined && context.genre !== null && typeof context.genre !== "string") {
    throw invalidArgumentError("The status context genre must be a string.\r\nParameter name: Context.Genre");
  }
  const state = parseEnum(body.state, STATUS_STATES, STATUS_STATE_NUMBERS, "State") ?? "notSet";
  const targetUrl = optionalString(body, "targetUrl");
  if (targetUrl !== undefined && targetUrl.length > 0 && !/^https?:\/\/[^\s]+$/i.test(targetUrl)) {
    throw invalidArgumentError(`The target URL '${targetUrl}' is not a valid absolute http(s) URL.\r\nParameter name: TargetUrl`);
  }
  return {
    state,
    description: optionalString(body, "description"),
    targetUrl,
    context: typeof context.genre === "string" ? { name: context.name, genre: context.genre } : { name: context.name },
  };
}

/** `POST …/pullRequests/{id}[/iterations/{iterationId}]/statuses` → 200 (as the spec's example). */
export function createPullRequestStatus(api: ApiContext, repoIdOrName: string, id: string, iterationIdText: string | undefined): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  const body = objectBody(api, "status");
  const fields = parseStatusBody(body);
  let iterationId: number | undefined;
  if (iterationIdText !== undefined) {
    iterationId = findIteration(pr, iterationIdText).id;
  } else if (body.iterationId !== undefined && body.iterationId !== null) {
    if (typeof body.iterationId !== "number" || !pr.iterations.some((iteration) => iteration.id === body.iterationId)) {
      throw invalidArgumentError(`The iteration ${String(body.iterationId)} of pull request ${pr.id} does not exist.\r\nParameter name: IterationId`);
    }
    iterationId = body.iterationId;
  }
  const now = api.core.store.clock.nowIso();
  const status: StatusRecord = { ...fields, id: pr.nextStatusId, creationDate: now, updatedDate: now, createdById: api.principal.user.id, iterationId };
  pr.nextStatusId += 1;
  pr.statuses.push(status);
  sendJson(api.ctx, 200, pullRequestStatusJson(api.core.store, api.urls, pr, status, iterationIdText !== undefined), { apiVersion: api.apiVersion });
}

/** `GET …/pullRequests/{id}[/iterations/{iterationId}]/statuses` (oldest first). */
export function listPullRequestStatuses(api: ApiContext, repoIdOrName: string, id: string, iterationIdText: string | undefined): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  const iterationId = iterationIdText === undefined ? undefined : findIteration(pr, iterationIdText).id;
  const statuses = pr.statuses.filter((status) => iterationId === undefined || status.iterationId === iterationId);
  sendList(api.ctx, statuses.map((status) => pullRequestStatusJson(api.core.store, api.urls, pr, status, iterationId !== undefined)), { apiVersion: api.apiVersion });
}

/** The status of a pull request (and iteration), or 404. */
function findStatus(pr: PullRequestRecord, statusIdText: string, iterationId: number | undefined): StatusRecord {
  const status = pr.statuses.find((candidate) => String(candidate.id) === statusIdText && (iterationId === undefined || candidate.iterationId === iterationId));
  if (!status) {
    throw gitNotFoundError(`The status ${statusIdText} of pull request ${pr.id} does not exist.`, "GitPullRequestStatusNotFoundException");
  }
  return status;
}

/** `GET …/pullRequests/{id}[/iterations/{iterationId}]/statuses/{statusId}`. */
export function getPullRequestStatus(api: ApiContext, repoIdOrName: string, id: string, iterationIdText: string | undefined, statusId: string): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  const iterationId = iterationIdText === undefined ? undefined : findIteration(pr, iterationIdText).id;
  sendJson(api.ctx, 200, pullRequestStatusJson(api.core.store, api.urls, pr, findStatus(pr, statusId, iterationId), iterationId !== undefined), { apiVersion: api.apiVersion });
}

/** `DELETE …/pullRequests/{id}[/iterations/{iterationId}]/statuses/{statusId}` → 204. */
export function deletePullRequestStatus(api: ApiContext, repoIdOrName: string, id: string, iterationIdText: string | undefined, statusId: string): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  const iterationId = iterationIdText === undefined ? undefined : findIteration(pr, iterationIdText).id;
  const status = findStatus(pr, statusId, iterationId);
  pr.statuses = pr.statuses.filter((candidate) => candidate !== status);
  send(api.ctx, 204, "", {});
}

// ---------------------------------------------------------------- threads and comments

/** A comment from a create body. */
function parseComment(api: ApiContext, thread: ThreadRecord, raw: unknown): CommentRecord {
  if (!isRecord(raw)) {
    throw invalidArgumentError("Value cannot be null.\r\nParameter name: comment");
  }
  const content = optionalString(raw, "content");
  if (content === undefined || content.length === 0) {
    throw invalidArgumentError("The content of a comment cannot be empty.\r\nParameter name: comment.Content");
  }
  const parent = raw.parentCommentId;
  const parentCommentId = typeof parent === "number" && Number.isInteger(parent) ? parent : 0;
  if (parentCommentId !== 0 && !thread.comments.some((comment) => comment.id === parentCommentId)) {
    throw invalidArgumentError(`The parent comment ${parentCommentId} does not exist in thread ${thread.id}.`);
  }
  const now = api.core.store.clock.nowIso();
  const comment: CommentRecord = {
    id: thread.nextCommentId,
    parentCommentId,
    authorId: api.principal.user.id,
    content,
    commentType: parseEnum(raw.commentType, COMMENT_TYPES, COMMENT_TYPE_NUMBERS, "commentType") ?? "text",
    publishedDate: now,
    lastUpdatedDate: now,
    lastContentUpdatedDate: now,
    isDeleted: false,
  };
  thread.nextCommentId += 1;
  return comment;
}

/** `POST …/pullRequests/{id}/threads` → 200 (as the spec's example). */
export function createThread(api: ApiContext, repoIdOrName: string, id: string): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  const body = objectBody(api, "commentThread");
  const comments = Array.isArray(body.comments) ? body.comments : [];
  if (comments.length === 0) {
    throw invalidArgumentError("A thread needs at least one comment.\r\nParameter name: commentThread.Comments");
  }
  const now = api.core.store.clock.nowIso();
  const state = pullRequestsOf(api.host);
  const thread: ThreadRecord = {
    id: state.nextThreadId,
    status: parseEnum(body.status, THREAD_STATUSES, THREAD_STATUS_NUMBERS, "status") ?? "active",
    publishedDate: now,
    lastUpdatedDate: now,
    comments: [],
    nextCommentId: 1,
    properties: isRecord(body.properties) ? normalizeProperties(body.properties) : {},
    threadContext: isRecord(body.threadContext) ? body.threadContext : undefined,
    isDeleted: false,
  };
  for (const raw of comments) {
    thread.comments.push(parseComment(api, thread, raw));
  }
  state.nextThreadId += 1;
  pr.threads.push(thread);
  sendJson(api.ctx, 200, threadJson(api.core.store, api.urls, pr, thread), { apiVersion: api.apiVersion });
}

/** `GET …/pullRequests/{id}/threads`. */
export function listThreads(api: ApiContext, repoIdOrName: string, id: string): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  sendList(api.ctx, pr.threads.map((thread) => threadJson(api.core.store, api.urls, pr, thread)), { apiVersion: api.apiVersion });
}

/** The thread of a pull request, or 404. */
function findThread(pr: PullRequestRecord, idText: string): ThreadRecord {
  const thread = pr.threads.find((candidate) => String(candidate.id) === idText);
  if (!thread) {
    throw gitNotFoundError(`TF401181: The thread ${idText} of pull request ${pr.id} does not exist.`, "CommentThreadNotFoundException");
  }
  return thread;
}

/** `GET …/threads/{threadId}`. */
export function getThread(api: ApiContext, repoIdOrName: string, id: string, threadId: string): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  sendJson(api.ctx, 200, threadJson(api.core.store, api.urls, pr, findThread(pr, threadId)), { apiVersion: api.apiVersion });
}

/** `PATCH …/threads/{threadId}`: status and properties (merged). */
export function updateThread(api: ApiContext, repoIdOrName: string, id: string, threadId: string): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  const thread = findThread(pr, threadId);
  const body = objectBody(api, "commentThread");
  const status = parseEnum(body.status, THREAD_STATUSES, THREAD_STATUS_NUMBERS, "status");
  if (status !== undefined) {
    thread.status = status;
  }
  if (isRecord(body.properties)) {
    thread.properties = { ...thread.properties, ...normalizeProperties(body.properties) };
  }
  thread.lastUpdatedDate = api.core.store.clock.nowIso();
  sendJson(api.ctx, 200, threadJson(api.core.store, api.urls, pr, thread), { apiVersion: api.apiVersion });
}

/** `POST …/threads/{threadId}/comments` → 200. */
export function createComment(api: ApiContext, repoIdOrName: string, id: string, threadId: string): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  const thread = findThread(pr, threadId);
  const comment = parseComment(api, thread, objectBody(api, "comment"));
  thread.comments.push(comment);
  thread.lastUpdatedDate = comment.publishedDate;
  sendJson(api.ctx, 200, commentJson(api.core.store, api.urls, pr, thread, comment), { apiVersion: api.apiVersion });
}

/** `GET …/threads/{threadId}/comments`. */
export function listComments(api: ApiContext, repoIdOrName: string, id: string, threadId: string): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  const thread = findThread(pr, threadId);
  sendList(api.ctx, thread.comments.map((comment) => commentJson(api.core.store, api.urls, pr, thread, comment)), { apiVersion: api.apiVersion });
}

/** The comment of a thread, or 404. */
function findComment(thread: ThreadRecord, idText: string): CommentRecord {
  const comment = thread.comments.find((candidate) => String(candidate.id) === idText);
  if (!comment) {
    throw gitNotFoundError(`The comment ${idText} of thread ${thread.id} does not exist.`, "CommentNotFoundException");
  }
  return comment;
}

/** `GET …/comments/{commentId}`. */
export function getComment(api: ApiContext, repoIdOrName: string, id: string, threadId: string, commentId: string): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  const thread = findThread(pr, threadId);
  sendJson(api.ctx, 200, commentJson(api.core.store, api.urls, pr, thread, findComment(thread, commentId)), { apiVersion: api.apiVersion });
}

/** A comment only its author may change (emulator text; the service refuses others too). */
function authorOnly(api: ApiContext, comment: CommentRecord): void {
  if (comment.authorId.toLowerCase() !== api.principal.user.id.toLowerCase()) {
    throw invalidArgumentError("TF401181: A comment can only be edited or deleted by its author.");
  }
}

/** `PATCH …/comments/{commentId}`: new content (author only). */
export function updateComment(api: ApiContext, repoIdOrName: string, id: string, threadId: string, commentId: string): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  const thread = findThread(pr, threadId);
  const comment = findComment(thread, commentId);
  authorOnly(api, comment);
  const content = optionalString(objectBody(api, "comment"), "content");
  if (content !== undefined) {
    if (content.length === 0) {
      throw invalidArgumentError("The content of a comment cannot be empty.\r\nParameter name: comment.Content");
    }
    const now = api.core.store.clock.nowIso();
    comment.content = content;
    comment.lastUpdatedDate = now;
    comment.lastContentUpdatedDate = now;
    thread.lastUpdatedDate = now;
  }
  sendJson(api.ctx, 200, commentJson(api.core.store, api.urls, pr, thread, comment), { apiVersion: api.apiVersion });
}

/** `DELETE …/comments/{commentId}` → 200 (author only); a thread whose comments are all deleted is deleted. */
export function deleteComment(api: ApiContext, repoIdOrName: string, id: string, threadId: string, commentId: string): void {
  const pr = findPullRequest(api, findEnabledRepo(api, repoIdOrName), id);
  const thread = findThread(pr, threadId);
  const comment = findComment(thread, commentId);
  authorOnly(api, comment);
  comment.isDeleted = true;
  comment.lastUpdatedDate = api.core.store.clock.nowIso();
  thread.isDeleted = thread.comments.every((candidate) => candidate.isDeleted);
  send(api.ctx, 200, "", {});
}
