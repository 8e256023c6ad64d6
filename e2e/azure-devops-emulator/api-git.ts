import { projectRef } from "./api-core.js";
import type { ApiContext } from "./core.js";
import { invalidArgumentError, repoNotFoundError, unresolvableVersionError } from "./errors.js";
import {
  isRecord,
  parseJsonBody,
  queryBool,
  queryInt,
  queryParam,
  sendJson,
  sendList,
} from "./http.js";
import { identityRefOf } from "./identities.js";
import { productFeatures } from "./locations.js";
import { gitBackend, loadGit, runGit } from "./git-backend.js";
import { defaultBranchRef, type CommitRecord, type GitData, type RepoRecord, type StatusRecord } from "./store.js";
import { repoApiUrl, repoRemoteUrl, repoSshUrl, repoWebUrl, type HostUrls } from "./urls.js";

/** Size of a repository: the fixture's number, or derived from its commit count. */
function repoSize(repo: RepoRecord): number {
  if (repo.sizeHint !== undefined) {
    return repo.sizeHint;
  }
  const commits = repo.branchSpecs.reduce((sum, branch) => sum + branch.commits, 0);
  return commits * 1_337;
}

/** `_links` of a repository (spec example GET__git_repositories__repositoryId_). */
function repoLinks(urls: HostUrls, repo: RepoRecord): Record<string, { href: string }> {
  const api = repoApiUrl(urls, repo);
  return {
    self: { href: api },
    project: { href: `vstfs:///Classification/TeamProject/${repo.project.id}` },
    web: { href: repoWebUrl(urls, repo) },
    commits: { href: `${api}/commits` },
    refs: { href: `${api}/refs` },
    pullRequests: { href: `${api}/pullRequests` },
    items: { href: `${api}/items` },
    pushes: { href: `${api}/pushes` },
  };
}

/** GitRepository JSON (docs/azure-devops-facts.md §1.3): `url` with project GUID, encoded clone URLs. */
export function repoJson(
  api: ApiContext,
  repo: RepoRecord,
  options: { links: boolean; allUrls: boolean },
): Record<string, unknown> {
  const { urls } = api;
  const body: Record<string, unknown> = {
    id: repo.id,
    name: repo.name,
    url: repoApiUrl(urls, repo),
    project: projectRef(urls, repo.project),
  };
  const defaultRef = defaultBranchRef(repo);
  if (defaultRef !== undefined) {
    body.defaultBranch = defaultRef;
  }
  body.size = repoSize(repo);
  body.remoteUrl = repoRemoteUrl(urls, repo);
  body.sshUrl = repoSshUrl(urls, repo);
  const features = productFeatures(repo.host.product);
  if (features.repoWebUrl) {
    body.webUrl = repoWebUrl(urls, repo);
  }
  if (options.allUrls) {
    body.validRemoteUrls = [repoRemoteUrl(urls, repo), repoWebUrl(urls, repo)];
  }
  if (options.links) {
    body._links = repoLinks(urls, repo);
  }
  if (repo.forkOf) {
    body.isFork = true;
    const parent = api.core.store.parentOf(repo);
    if (parent) {
      body.parentRepository = {
        id: parent.id,
        name: parent.name,
        url: repoApiUrl(urls, parent),
        project: projectRef(urls, parent.project),
        isFork: parent.forkOf !== undefined,
        collection: { id: parent.host.id, name: parent.host.name, url: `${urls.base}/_apis/projectCollections/${parent.host.id}` },
        remoteUrl: repoRemoteUrl(urls, parent),
        sshUrl: repoSshUrl(urls, parent),
      };
    }
  }
  if (features.repoDisabledFlags) {
    body.isDisabled = repo.isDisabled;
    body.isInMaintenance = repo.isInMaintenance;
  }
  return body;
}

/** `GET {base}[/{project}]/_apis/git/repositories`. */
export function listRepositories(api: ApiContext): void {
  const { ctx } = api;
  const includeHidden = queryBool(ctx.url, "includeHidden");
  const options = { links: queryBool(ctx.url, "includeLinks"), allUrls: queryBool(ctx.url, "includeAllUrls") };
  const projects = api.project === undefined ? api.host.projects : [api.project];
  const repos: RepoRecord[] = [];
  for (const project of projects) {
    if (project.state !== "wellFormed") {
      continue;
    }
    for (const repo of project.repos) {
      if (repo.hidden && !includeHidden) {
        continue;
      }
      repos.push(repo);
    }
  }
  if (api.project === undefined) {
    // The organization-wide list is ordered by name like the per-project one.
    repos.sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : 0));
  }
  sendList(ctx, repos.map((repo) => repoJson(api, repo, options)), { apiVersion: api.apiVersion });
}

/** Resolves a repository by id or (with a project) name; 404 TF401019 otherwise. */
export function findRepo(api: ApiContext, idOrName: string): RepoRecord {
  const repo = api.core.store.repo(api.host, api.project, idOrName);
  if (!repo) {
    throw repoNotFoundError(idOrName);
  }
  return repo;
}

/** Like findRepo, but a disabled repository's content is refused with TF401019 (404). */
export function findEnabledRepo(api: ApiContext, idOrName: string): RepoRecord {
  const repo = findRepo(api, idOrName);
  if (repo.isDisabled) {
    // Observed behaviour for disabled repositories: 404 TF401019 naming the upper-case GUID.
    throw repoNotFoundError(repo.id.toUpperCase());
  }
  return repo;
}

/** `GET …/_apis/git/repositories/{idOrName}` (with `_links`). */
export function getRepository(api: ApiContext, idOrName: string): void {
  const repo = findRepo(api, idOrName);
  sendJson(api.ctx, 200, repoJson(api, repo, { links: true, allUrls: queryBool(api.ctx.url, "includeAllUrls") }), {
    apiVersion: api.apiVersion,
  });
}

/** Continuation tokens for refs: base64url of the next ref name (opaque to clients). */
function encodeRefToken(name: string): string {
  return Buffer.from(name, "utf8").toString("base64url");
}

function decodeRefToken(token: string): string {
  return Buffer.from(token, "base64url").toString("utf8");
}

/** Statuses of a commit as GitStatus JSON. */
function statusesJson(api: ApiContext, repo: RepoRecord, commitId: string, statuses: StatusRecord[]): Record<string, unknown>[] {
  return statuses.map((status) => statusJson(api, repo, commitId, status));
}

/** Only the newest status per (context.name, context.genre). */
function latestOnly(statuses: StatusRecord[]): StatusRecord[] {
  const seen = new Set<string>();
  const result: StatusRecord[] = [];
  for (const status of [...statuses].sort((a, b) => b.id - a.id)) {
    const key = `${status.context.name}\u0000${status.context.genre ?? ""}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    result.push(status);
  }
  return result;
}

/** `GET …/repositories/{repo}/refs[/{*filter}]` with filter (starts-with), filterContains, $top, continuationToken. */
export async function listRefs(api: ApiContext, repoIdOrName: string, pathFilter: string | undefined): Promise<void> {
  const { ctx } = api;
  const repo = findEnabledRepo(api, repoIdOrName);
  const git = await loadGit(api.core.store, repo);
  const filter = queryParam(ctx.url, "filter") ?? pathFilter;
  const contains = queryParam(ctx.url, "filterContains")?.toLowerCase();
  let refs = [...git.refs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (filter !== undefined && filter.length > 0) {
    const prefix = `refs/${filter.replace(/^refs\//, "")}`;
    refs = refs.filter((ref) => ref.name.startsWith(prefix));
  }
  if (contains !== undefined && contains.length > 0) {
    refs = refs.filter((ref) => ref.name.replace(/^refs\/(heads|tags)\//, "").toLowerCase().includes(contains));
  }
  const token = queryParam(ctx.url, "continuationToken");
  let top = queryInt(ctx.url, "$top");
  if (top !== undefined && top > 1000) {
    throw invalidArgumentError("The value of $top must be between 1 and 1000.");
  }
  if (token !== undefined) {
    const startName = decodeRefToken(token);
    refs = refs.filter((ref) => ref.name >= startName);
    top = top ?? 100;
  }
  const headers: Record<string, string> = {};
  if (top !== undefined && refs.length > top) {
    const next = refs[top];
    if (next) {
      headers["x-ms-continuationtoken"] = encodeRefToken(next.name);
    }
    refs = refs.slice(0, top);
  }
  const includeStatuses = queryBool(ctx.url, "includeStatuses");
  const latest = queryBool(ctx.url, "latestStatusesOnly");
  const includeLinks = queryBool(ctx.url, "includeLinks");
  const peelTags = queryBool(ctx.url, "peelTags");
  const value = refs.map((ref) => {
    const body: Record<string, unknown> = { name: ref.name, objectId: ref.objectId };
    // Like the service: an annotated tag's commit only when asked for with peelTags=true.
    if (ref.peeledObjectId !== undefined && peelTags) {
      body.peeledObjectId = ref.peeledObjectId;
    }
    const creator = api.core.store.user(ref.creatorId);
    if (creator) {
      body.creator = identityRefOf(creator, api.urls);
    }
    const filterValue = encodeURIComponent(ref.name.replace(/^refs\//, ""));
    body.url = `${repoApiUrl(api.urls, repo)}/refs?filter=${filterValue}`;
    if (includeStatuses) {
      const statuses = git.statuses.get(ref.objectId) ?? [];
      body.statuses = statusesJson(api, repo, ref.objectId, latest ? latestOnly(statuses) : statuses);
    }
    if (includeLinks) {
      body._links = { self: { href: body.url as string }, repository: { href: repoApiUrl(api.urls, repo) } };
    }
    return body;
  });
  sendList(ctx, value, { apiVersion: api.apiVersion, headers });
}

/** GitCommitRef JSON. */
function commitJson(api: ApiContext, repo: RepoRecord, commit: CommitRecord, full: boolean): Record<string, unknown> {
  const api_ = repoApiUrl(api.urls, repo);
  const body: Record<string, unknown> = {
    commitId: commit.id,
    author: commit.author,
    committer: commit.committer,
    comment: commit.comment,
  };
  if (full) {
    body.parents = commit.parents;
    body.treeId = commit.treeId;
  }
  body.url = `${api_}/commits/${commit.id}`;
  body.remoteUrl = `${repoWebUrl(api.urls, repo)}/commit/${commit.id}`;
  if (full) {
    body._links = {
      self: { href: `${api_}/commits/${commit.id}` },
      repository: { href: api_ },
      changes: { href: `${api_}/commits/${commit.id}/changes` },
      web: { href: `${repoWebUrl(api.urls, repo)}/commit/${commit.id}` },
      tree: { href: `${api_}/trees/${commit.treeId}` },
    };
  }
  return body;
}

/**
 * Resolves `searchCriteria.itemVersion` (branch by default; the default branch when absent) or
 * `searchCriteria.compareVersion` (undefined when absent) to a commit id.
 */
function resolveVersion(api: ApiContext, repo: RepoRecord, git: GitData, criterion: "itemVersion" | "compareVersion"): string | undefined {
  const { url } = api.ctx;
  const version = queryParam(url, `searchCriteria.${criterion}.version`) ?? queryParam(url, `searchCriteria.${criterion}.Version`);
  const versionType = (queryParam(url, `searchCriteria.${criterion}.versionType`) ?? "branch").toLowerCase();
  if (version === undefined) {
    if (criterion === "compareVersion") {
      return undefined;
    }
    const ref = defaultBranchRef(repo);
    return ref === undefined ? undefined : git.refs.get(ref)?.objectId;
  }
  if (versionType === "commit") {
    if (!git.commits.has(version.toLowerCase())) {
      throw unresolvableVersionError(`Commit: ${version}`, repo.name);
    }
    return version.toLowerCase();
  }
  const refName = versionType === "tag" ? `refs/tags/${version.replace(/^refs\/tags\//, "")}` : `refs/heads/${version.replace(/^refs\/heads\//, "")}`;
  const ref = git.refs.get(refName);
  if (!ref) {
    throw unresolvableVersionError(`${versionType === "tag" ? "Tag" : "Branch"}: ${version}`, repo.name);
  }
  return ref.objectId;
}

/**
 * History from a tip in `git log`'s default order: newest committer date first, every parent
 * followed (a linear history is simply first-parent order).
 */
export function history(git: GitData, tip: string | undefined): Iterable<CommitRecord> {
  return {
    *[Symbol.iterator]() {
      const seen = new Set<string>();
      const frontier: CommitRecord[] = [];
      const add = (id: string | undefined): void => {
        const commit = id === undefined ? undefined : git.commits.get(id);
        if (!commit || seen.has(commit.id)) {
          return;
        }
        seen.add(commit.id);
        // Keep the frontier sorted newest first; histories here are small.
        let index = frontier.findIndex((other) => other.committer.date < commit.committer.date);
        if (index === -1) {
          index = frontier.length;
        }
        frontier.splice(index, 0, commit);
      };
      add(tip);
      while (frontier.length > 0) {
        const commit = frontier.shift() as CommitRecord;
        yield commit;
        for (const parent of commit.parents) {
          add(parent);
        }
      }
    },
  };
}

/**
 * `GET …/repositories/{repo}/commits`: the history of a branch (or tag/commit), newest first.
 * With `compareVersion` (only with an item version, as the service documents it), the commits
 * of the item's history that the compare version's history lacks — `git log compare..item`,
 * what the service's branch comparison lists.
 */
export async function listCommits(api: ApiContext, repoIdOrName: string): Promise<void> {
  const { ctx } = api;
  const repo = findEnabledRepo(api, repoIdOrName);
  const git = await loadGit(api.core.store, repo);
  const tip = resolveVersion(api, repo, git, "itemVersion");
  const compare = queryParam(ctx.url, "searchCriteria.itemVersion.version") === undefined ? undefined : resolveVersion(api, repo, git, "compareVersion");
  const excluded = new Set(compare === undefined ? [] : [...history(git, compare)].map((commit) => commit.id));
  const top = queryInt(ctx.url, "searchCriteria.$top") ?? queryInt(ctx.url, "$top") ?? 100;
  const skip = queryInt(ctx.url, "searchCriteria.$skip") ?? queryInt(ctx.url, "$skip") ?? 0;
  const result: CommitRecord[] = [];
  let index = 0;
  for (const commit of history(git, tip)) {
    if (result.length >= top) {
      break;
    }
    if (excluded.has(commit.id)) {
      continue;
    }
    if (index >= skip) {
      result.push(commit);
    }
    index += 1;
  }
  sendList(ctx, result.map((commit) => commitJson(api, repo, commit, false)), { apiVersion: api.apiVersion });
}

/**
 * `GET …/repositories/{repo}/diffs/commits?baseVersion=&targetVersion=` (commit ids; branch names
 * too): the files changed between the merge base of the two (diffCommonCommit, the default) or
 * the base itself and the target, a page of `$top` (default 100) from `$skip`, with
 * `allChangesIncluded` false when more remain — computed by git from the bare repository.
 */
export async function getCommitDiffs(api: ApiContext, repoIdOrName: string): Promise<void> {
  const { ctx } = api;
  const repo = findEnabledRepo(api, repoIdOrName);
  const git = await loadGit(api.core.store, repo);
  const resolve = (name: string): string => {
    const value = queryParam(ctx.url, name);
    if (value === undefined || value === "") {
      throw invalidArgumentError(`The ${name} parameter is required.`);
    }
    const lower = value.toLowerCase();
    const id = git.commits.has(lower) ? lower : git.refs.get(`refs/heads/${value}`)?.objectId;
    if (!id) {
      throw unresolvableVersionError(`Commit: ${value}`, repo.name);
    }
    return id;
  };
  const base = resolve("baseVersion");
  const target = resolve("targetVersion");
  const dir = gitBackend(api.core.store).dirOf(repo);
  const common = queryParam(ctx.url, "diffCommonCommit") === "false" ? base : (await runGit(["merge-base", base, target], { cwd: dir })).stdout.toString("utf8").trim() || base;
  const listed = await runGit(["diff", "--no-renames", "--name-status", "-z", common, target], { cwd: dir });
  const fields = listed.stdout.toString("utf8").split("\0").filter((field) => field !== "");
  const all: Array<{ changeType: string; path: string }> = [];
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const status = fields[index]!;
    all.push({ changeType: status.startsWith("A") ? "add" : status.startsWith("D") ? "delete" : "edit", path: `/${fields[index + 1]!}` });
  }
  const top = queryInt(ctx.url, "$top") ?? 100;
  const skip = queryInt(ctx.url, "$skip") ?? 0;
  const page = all.slice(skip, skip + top);
  const counts: Record<string, number> = {};
  for (const change of all) {
    const key = change.changeType === "add" ? "Add" : change.changeType === "delete" ? "Delete" : "Edit";
    counts[key] = (counts[key] ?? 0) + 1;
  }
  sendJson(
    ctx,
    200,
    {
      allChangesIncluded: skip + page.length >= all.length,
      changeCounts: counts,
      changes: page.map((change) => ({ item: { gitObjectType: "blob", path: change.path, url: `${repoApiUrl(api.urls, repo)}/items${change.path}` }, changeType: change.changeType })),
      commonCommit: common,
      baseCommit: base,
      targetCommit: target,
      aheadCount: 0,
      behindCount: 0,
    },
    { apiVersion: api.apiVersion },
  );
}

/** `GET …/repositories/{repo}/commits/{commitId}`. */
export async function getCommit(api: ApiContext, repoIdOrName: string, commitId: string): Promise<void> {
  const repo = findEnabledRepo(api, repoIdOrName);
  const commit = (await loadGit(api.core.store, repo)).commits.get(commitId.toLowerCase());
  if (!commit) {
    throw unresolvableVersionError(`Commit: ${commitId}`, repo.name);
  }
  sendJson(api.ctx, 200, commitJson(api, repo, commit, true), { apiVersion: api.apiVersion });
}

/** GitStatus JSON (spec statuses example plus id/updatedDate/_links). */
function statusJson(api: ApiContext, repo: RepoRecord, commitId: string, status: StatusRecord): Record<string, unknown> {
  const body: Record<string, unknown> = { id: status.id, state: status.state };
  if (status.description !== undefined) {
    body.description = status.description;
  }
  body.context = status.context;
  body.creationDate = status.creationDate;
  body.updatedDate = status.updatedDate;
  const creator = api.core.store.user(status.createdById);
  if (creator) {
    body.createdBy = identityRefOf(creator, api.urls);
  }
  if (status.targetUrl !== undefined) {
    body.targetUrl = status.targetUrl;
  }
  const repoUrl = repoApiUrl(api.urls, repo);
  body._links = {
    repository: { href: repoUrl },
    commit: { href: `${repoUrl}/commits/${commitId}` },
  };
  return body;
}

/** GitStatusState: numbers (the Node client sends `{"state": 2}`) or case-insensitive names. */
const STATUS_STATES = ["notSet", "pending", "succeeded", "failed", "error", "notApplicable", "partiallySucceeded"];

/** Parses `state` from a status body; undefined when invalid. */
function parseState(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) {
    return "notSet";
  }
  if (typeof raw === "number" && Number.isInteger(raw)) {
    return STATUS_STATES[raw];
  }
  if (typeof raw === "string") {
    if (/^\d+$/.test(raw)) {
      return STATUS_STATES[Number(raw)];
    }
    return STATUS_STATES.find((state) => state.toLowerCase() === raw.toLowerCase());
  }
  return undefined;
}

/**
 * `POST …/commits/{commitId}/statuses` → 201. Authentication and scopes were checked by the
 * pipeline already; the body is validated before the commit is looked up, so a probe with an
 * invalid body against a real repository gets 400 and writes nothing.
 */
export async function createStatus(api: ApiContext, repoIdOrName: string, commitId: string): Promise<void> {
  const repo = findEnabledRepo(api, repoIdOrName);
  const body = parseJsonBody(api.ctx.body);
  if (!isRecord(body)) {
    throw invalidArgumentError("Value cannot be null.\r\nParameter name: gitCommitStatusToCreate");
  }
  const context = body.context;
  if (!isRecord(context) || typeof context.name !== "string" || context.name.trim().length === 0) {
    throw invalidArgumentError("The status context name cannot be null or empty.\r\nParameter name: Context.Name");
  }
  if (context.genre !== undefined && context.genre !== null && typeof context.genre !== "string") {
    throw invalidArgumentError("The status context genre must be a string.\r\nParameter name: Context.Genre");
  }
  const state = parseState(body.state);
  if (state === undefined) {
    throw invalidArgumentError(`The value '${String(body.state)}' is not a valid GitStatusState.\r\nParameter name: State`);
  }
  for (const field of ["description", "targetUrl"] as const) {
    if (body[field] !== undefined && body[field] !== null && typeof body[field] !== "string") {
      throw invalidArgumentError(`The field '${field}' must be a string.`);
    }
  }
  if (typeof body.targetUrl === "string" && body.targetUrl.length > 0) {
    try {
      const target = new URL(body.targetUrl);
      if (target.protocol !== "http:" && target.protocol !== "https:") {
        throw new Error("scheme");
      }
    } catch {
      throw invalidArgumentError(`The target URL '${body.targetUrl}' is not a valid absolute http(s) URL.\r\nParameter name: TargetUrl`);
    }
  }
  const git = await loadGit(api.core.store, repo);
  const sha = commitId.toLowerCase();
  if (!git.commits.has(sha)) {
    throw unresolvableVersionError(`Commit: ${commitId}`, repo.name);
  }
  const now = api.core.store.clock.nowIso();
  const record: StatusRecord = {
    id: git.nextStatusId,
    state,
    description: typeof body.description === "string" ? body.description : undefined,
    targetUrl: typeof body.targetUrl === "string" ? body.targetUrl : undefined,
    context: typeof context.genre === "string" ? { name: context.name, genre: context.genre } : { name: context.name },
    creationDate: now,
    updatedDate: now,
    createdById: api.principal.user.id,
    iterationId: typeof body.iterationId === "number" ? body.iterationId : undefined,
  };
  git.nextStatusId += 1;
  const list = git.statuses.get(sha) ?? [];
  list.push(record);
  git.statuses.set(sha, list);
  sendJson(api.ctx, 201, statusJson(api, repo, sha, record), { apiVersion: api.apiVersion });
}

/** `GET …/commits/{commitId}/statuses` with top (default 1000), skip, latestOnly. */
export async function listStatuses(api: ApiContext, repoIdOrName: string, commitId: string): Promise<void> {
  const repo = findEnabledRepo(api, repoIdOrName);
  const git = await loadGit(api.core.store, repo);
  const sha = commitId.toLowerCase();
  if (!git.commits.has(sha)) {
    throw unresolvableVersionError(`Commit: ${commitId}`, repo.name);
  }
  let statuses = [...(git.statuses.get(sha) ?? [])].sort((a, b) => b.id - a.id);
  if (queryBool(api.ctx.url, "latestOnly")) {
    statuses = latestOnly(statuses);
  }
  const skip = queryInt(api.ctx.url, "skip") ?? queryInt(api.ctx.url, "$skip") ?? 0;
  const top = queryInt(api.ctx.url, "top") ?? queryInt(api.ctx.url, "$top") ?? 1000;
  statuses = statuses.slice(skip, skip + top);
  sendList(api.ctx, statusesJson(api, repo, sha, statuses), { apiVersion: api.apiVersion });
}
