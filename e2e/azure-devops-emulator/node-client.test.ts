import * as azdev from "azure-devops-node-api";
import { CommentThreadStatus, CommentType, GitStatusState, PullRequestStatus } from "azure-devops-node-api/interfaces/GitInterfaces.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS, DEFAULT_SERVERS, DEFAULT_USERS, KEEL_SCOPES } from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { compareVersions } from "./locations.js";

/**
 * Microsoft's own Node client (azure-devops-node-api 17) must not be able to tell the
 * emulator from the real thing: connect, negotiate versions through OPTIONS, list projects
 * and repositories, read refs, create a commit status.
 */

let handle: EmulatorHandle;

beforeAll(async () => {
  handle = await startEmulator({ fixture: "default" });
});

beforeEach(() => {
  handle.reset();
});

afterAll(async () => {
  await handle.stop();
});

/** The api-version the client put in its Accept header. */
function acceptVersion(accept: string | undefined): string | undefined {
  return /api-version=([^;,\s]+)/.exec(accept ?? "")?.[1];
}

async function exercise(connection: azdev.WebApi, project: string, repository: string): Promise<{ projects: string[]; repos: string[]; branches: string[]; statusId: number | undefined; statusState: unknown; commitId: string; repoId: string }> {
  const data = await connection.connect();
  expect(data.authenticatedUser?.id).toBeTruthy();
  const core = await connection.getCoreApi();
  const projects = await core.getProjects();
  const git = await connection.getGitApi();
  const orgRepos = await git.getRepositories();
  const repos = await git.getRepositories(project);
  const repo = repos.find((candidate) => candidate.name === repository);
  expect(repo?.id).toBeTruthy();
  const refs = await git.getRefs(repo?.id ?? "", project, "heads/");
  const head = refs.find((ref) => ref.name === repo?.defaultBranch) ?? refs[0];
  const status = await git.createCommitStatus(
    { state: GitStatusState.Succeeded, description: "Keel build passed", targetUrl: "https://keel.example.test/builds/7", context: { name: "keel/build", genre: "keel" } },
    head?.objectId ?? "",
    repo?.id ?? "",
    project,
  );
  expect(orgRepos.length).toBeGreaterThanOrEqual(repos.length);
  return {
    projects: projects.map((item) => item.name ?? ""),
    repos: repos.map((item) => item.name ?? ""),
    branches: refs.map((ref) => ref.name ?? ""),
    statusId: status.id,
    statusState: status.state,
    commitId: head?.objectId ?? "",
    repoId: repo?.id ?? "",
  };
}

describe("azure-devops-node-api against Services (cloud)", () => {
  it("works with the PAT handler and returns the emulated data", async () => {
    const connection = new azdev.WebApi(`${handle.servicesUrl ?? ""}/fabrikam`, azdev.getPersonalAccessTokenHandler(DEFAULT_PATS.fabrikamFull));
    const result = await exercise(connection, DEFAULT_REPOS.walletApp.project, DEFAULT_REPOS.walletApp.name);
    expect(result.projects).toEqual(["Android", "Fabrikam Fiber", "MOBILE_IOS", "Sandbox"]);
    expect(result.repos).toEqual(["ios-sdk", "Wallet App"]);
    expect(result.branches).toEqual(DEFAULT_REPOS.walletApp.branches.map((branch) => `refs/heads/${branch}`));
    expect(result.statusState).toBe(GitStatusState.Succeeded);
    const posted = handle.control.statuses();
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ host: "fabrikam", repositoryId: result.repoId, commitId: result.commitId, state: "succeeded", contextName: "keel/build" });
    const log = handle.control.requests({ deployment: "services" });
    expect(log.some((entry) => entry.method === "OPTIONS" && entry.path === "/fabrikam/_apis/git")).toBe(true);
    // The client only ever sends the version in the Accept header (docs/azure-devops-facts.md §0).
    const post = log.find((entry) => entry.method === "POST");
    expect(post?.query["api-version"]).toBeUndefined();
    expect(acceptVersion(post?.headers.accept)).toBe("7.2-preview.2");
    expect(post?.headers.authorization).toBe("Basic ***");
  });

  it("works with the bearer handler and an OAuth access token", async () => {
    const { accessToken } = await handle.control.issueOAuthToken({ provider: "entra", userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES] });
    const connection = new azdev.WebApi(`${handle.servicesUrl ?? ""}/fabrikam`, azdev.getBearerHandler(accessToken));
    const result = await exercise(connection, "Fabrikam Fiber", DEFAULT_REPOS.unicode.name);
    expect(result.repos).toEqual(["empty-repo", "Fabrikam Fiber", "legacy-disabled", "Ünïcödé-Café"]);
    expect(result.branches).toEqual(["refs/heads/feature/ümlaut-branch", "refs/heads/main"]);
    expect(handle.control.statuses()[0]?.createdById).toBe(DEFAULT_USERS.alex.id);
    expect(handle.control.requests().every((entry) => entry.path.startsWith("/_emulator") || entry.headers.authorization === "Bearer ***")).toBe(true);
  });

  it("reads the profile through the vssps role with an all-organizations PAT", async () => {
    const connection = new azdev.WebApi(handle.servicesUrl ?? "", azdev.getPersonalAccessTokenHandler(DEFAULT_PATS.allOrgs));
    const profileApi = await connection.getProfileApi();
    const profile = await profileApi.getProfile("me", true);
    expect(profile.id).toBe(DEFAULT_USERS.alex.id);
    expect(handle.control.requests().some((entry) => entry.method === "OPTIONS" && entry.path === "/_apis/Profile")).toBe(true);
  });
});

describe("azure-devops-node-api: pull requests, statuses, threads, builds, policy, hooks (Services)", () => {
  it("finds every area it needs (no 'Failed to find api location') and round-trips what Keel posts", async () => {
    const connection = new azdev.WebApi(`${handle.servicesUrl ?? ""}/fabrikam`, azdev.getPersonalAccessTokenHandler(DEFAULT_PATS.fabrikamFullAccess));
    const project = DEFAULT_REPOS.walletApp.project;
    const repoId = DEFAULT_REPOS.walletApp.id;
    const git = await connection.getGitApi();
    const created = await git.createPullRequest({ sourceRefName: "refs/heads/develop", targetRefName: "refs/heads/main", title: "Develop into main" }, repoId, project);
    expect(created.pullRequestId).toBe(1);
    expect(created.status).toBe(PullRequestStatus.Active);
    const listed = await git.getPullRequests(repoId, { status: PullRequestStatus.Active }, project);
    expect(listed.map((pr) => pr.pullRequestId)).toEqual([1]);
    expect((await git.getPullRequestById(1, project)).title).toBe("Develop into main");
    const iterations = await git.getPullRequestIterations(repoId, 1, project);
    expect(iterations.map((iteration) => iteration.id)).toEqual([1]);
    const status = await git.createPullRequestStatus(
      { state: GitStatusState.Pending, description: "Keel build queued", targetUrl: "https://keel.example.test/builds/9", context: { name: "Wallet App", genre: "keel" } },
      repoId,
      1,
      project,
    );
    expect(status).toMatchObject({ id: 1, state: GitStatusState.Pending, context: { name: "Wallet App", genre: "keel" } });
    const scoped = await git.createPullRequestIterationStatus({ state: GitStatusState.Succeeded, context: { name: "Wallet App", genre: "keel" } }, repoId, 1, 1, project);
    expect(scoped.iterationId).toBe(1);
    expect((await git.getPullRequestStatuses(repoId, 1, project)).map((item) => item.state)).toEqual([GitStatusState.Pending, GitStatusState.Succeeded]);
    const thread = await git.createThread(
      { comments: [{ parentCommentId: 0, content: "Keel build #9 succeeded", commentType: CommentType.Text }], status: CommentThreadStatus.Active },
      repoId,
      1,
      project,
    );
    expect(thread.comments?.[0]?.content).toBe("Keel build #9 succeeded");
    const updated = await git.updateComment({ content: "Keel build #10 succeeded" }, repoId, 1, thread.id ?? 0, 1, project);
    expect(updated.content).toBe("Keel build #10 succeeded");
    expect((await git.getThreads(repoId, 1, project)).map((item) => item.status)).toEqual([CommentThreadStatus.Active]);
    const tip = (await git.getRefs(repoId, project, "heads/main"))[0]?.objectId ?? "";
    const commitStatus = await git.createCommitStatus({ state: GitStatusState.Failed, description: "2 tests failed", targetUrl: "https://keel.example.test/builds/10", context: { name: "Wallet App", genre: "keel" } }, tip, repoId, project);
    expect(commitStatus.state).toBe(GitStatusState.Failed);
    expect((await git.getStatuses(tip, repoId, project)).map((item) => item.description)).toEqual(["2 tests failed"]);
    expect(await git.getPushes(repoId, project)).toEqual([]);
    // Build and policy areas exist (empty: no pipelines, no branch policies).
    expect(await (await connection.getBuildApi()).getBuilds(project)).toEqual([]);
    expect(await (await connection.getBuildApi()).getDefinitions(project)).toEqual([]);
    expect(await (await connection.getPolicyApi()).getPolicyConfigurations(project)).toEqual([]);
    // The client has no hooks API; its generic location lookup finds the hooks area.
    const core = await connection.getCoreApi();
    const location = await core.vsoClient.getVersioningData("7.1", "hooks", "fc50d02a-849f-41fb-8af1-0a5216103269", {});
    const subscription = await core.rest.create<{ id: string; status: string }>(
      location.requestUrl ?? "",
      {
        publisherId: "tfs",
        eventType: "git.pullrequest.updated",
        resourceVersion: "1.0",
        consumerId: "webHooks",
        consumerActionId: "httpRequest",
        publisherInputs: { projectId: DEFAULT_PROJECTS.mobileIos.id, repository: repoId, branch: "main" },
        consumerInputs: { url: "https://keel.example.test/api/hooks/azure-devops/k1", basicAuthUsername: "keel", basicAuthPassword: "pw" },
      },
      core.createRequestOptions("application/json", location.apiVersion),
    );
    expect(subscription.statusCode).toBe(200);
    expect(subscription.result?.status).toBe("enabled");
    const notifications = await core.vsoClient.getVersioningData("7.1", "hooks", "0c62d343-21b0-4732-997b-017fde84dc28", { subscriptionId: subscription.result?.id ?? "" });
    const history = await core.rest.get<{ count: number }>(notifications.requestUrl ?? "", core.createRequestOptions("application/json", notifications.apiVersion));
    expect(history.result?.count).toBe(0);
    const areas = handle.control.requests({ method: "OPTIONS" }).map((entry) => entry.path);
    expect(areas).toEqual(expect.arrayContaining(["/fabrikam/_apis/git", "/fabrikam/_apis/build", "/fabrikam/_apis/policy", "/fabrikam/_apis/hooks"]));
  });
});

describe("azure-devops-node-api against Azure DevOps Server 2020", () => {
  const server = DEFAULT_SERVERS.server2020;

  it("negotiates api-versions through OPTIONS and stays at or below the 2020 ceiling (PAT handler)", async () => {
    const deployment = handle.deployment(server.name);
    const connection = new azdev.WebApi(`${deployment.url}/${server.collection}`, azdev.getPersonalAccessTokenHandler(DEFAULT_PATS.server2020));
    const result = await exercise(connection, server.project, server.repository);
    expect(result.projects).toEqual(["Mobile"]);
    expect(result.repos).toEqual(["wallet-android"]);
    expect(result.branches).toEqual(["refs/heads/main"]);
    expect(result.statusId).toBe(1);
    const log = handle.control.requests({ deployment: server.name });
    const areas = log.filter((entry) => entry.method === "OPTIONS").map((entry) => entry.path);
    expect(areas).toEqual(expect.arrayContaining(["/DefaultCollection/_apis/Location", "/DefaultCollection/_apis/core", "/DefaultCollection/_apis/git"]));
    const versions = log.map((entry) => acceptVersion(entry.headers.accept)).filter((version): version is string => version !== undefined);
    expect(versions.length).toBeGreaterThanOrEqual(5);
    for (const version of versions) {
      const numeric = /^(\d+\.\d+)/.exec(version)?.[1] ?? "99.0";
      expect(compareVersions(numeric, deployment.maxApiVersion)).toBeLessThanOrEqual(0);
    }
    expect(log.every((entry) => entry.status === 200 || entry.status === 201)).toBe(true);
  });

  it("is refused with the bearer handler: OAuth tokens do not work on-premises", async () => {
    const { accessToken } = await handle.control.issueOAuthToken({ provider: "legacy", userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES] });
    const deployment = handle.deployment(server.name);
    const connection = new azdev.WebApi(`${deployment.url}/${server.collection}`, azdev.getBearerHandler(accessToken));
    const failure = await connection.connect().then(
      () => undefined,
      (error: unknown) => error as { statusCode?: number },
    );
    expect(failure?.statusCode).toBe(401);
    const entry = handle.control.requests({ deployment: server.name }).at(-1);
    expect(entry?.headers.authorization).toBe("Bearer ***");
    expect(entry?.status).toBe(401);
  });
});
