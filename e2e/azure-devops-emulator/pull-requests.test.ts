import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS, DEFAULT_USERS } from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { SpecSchemas } from "./spec-schemas.js";
import {
  acceptVersion,
  authEnv,
  basic,
  body,
  hookSubscription,
  patAuth,
  postJson,
  request,
  runCommand,
  startReceiver,
  values,
  type HookReceiver,
  type RawResponse,
} from "./test-support.js";

/**
 * Pull requests: REST create/list/get/update, iterations, pull-request statuses (also per
 * iteration), threads and comments; the control API; git.pullrequest.created/updated.
 */

let handle: EmulatorHandle;
let receiver: HookReceiver;
let repoApi: string;
let base: string;
const git = new SpecSchemas("git", "7.1");
const alex = { ...basic(DEFAULT_PATS.fabrikamFullAccess), ...acceptVersion("7.1") };
const wallet = { organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App" };

beforeAll(async () => {
  handle = await startEmulator({ fixture: "default" });
  receiver = await startReceiver();
  base = `${handle.servicesUrl ?? ""}/fabrikam`;
  repoApi = `${base}/MOBILE_IOS/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}`;
});

beforeEach(() => {
  handle.reset();
  receiver.received.length = 0;
});

afterAll(async () => {
  await handle.stop();
  await receiver.close();
});

/** Sends JSON with a method (PATCH/DELETE/…). */
function send(method: string, url: string, payload: unknown, headers: Record<string, string> = alex): Promise<RawResponse> {
  return request(url, { method, headers: { "Content-Type": "application/json", ...headers }, body: payload === undefined ? undefined : JSON.stringify(payload) });
}

/** Asserts a body conforms to a git spec definition. */
function conforms(definition: string, response: RawResponse, list = false): Record<string, unknown> {
  expect(git.errors(definition, response.json, list), `${definition}: ${response.text.slice(0, 300)}`).toEqual([]);
  return list ? {} : body(response);
}

describe("pull requests over REST", () => {
  it("create → 201 with a merge commit and iteration 1; list, get (also by id alone), update the title", async () => {
    const created = await postJson(
      `${repoApi}/pullrequests`,
      { sourceRefName: "refs/heads/feature/login", targetRefName: "refs/heads/main", title: "Login screen", description: "Adds login", reviewers: [{ id: DEFAULT_USERS.sam.id }] },
      alex,
    );
    expect(created.status).toBe(201);
    const pr = conforms("GitPullRequest", created);
    expect(pr).toMatchObject({ pullRequestId: 1, status: "active", title: "Login screen", sourceRefName: "refs/heads/feature/login", targetRefName: "refs/heads/main", mergeStatus: "succeeded", isDraft: false });
    expect((pr.createdBy as Record<string, string>).id).toBe(DEFAULT_USERS.alex.id);
    expect((pr.reviewers as Array<Record<string, unknown>>)[0]).toMatchObject({ id: DEFAULT_USERS.sam.id, vote: 0 });
    const refs = values(await request(`${repoApi}/refs?filter=heads/`, { headers: alex }));
    const tip = (name: string): unknown => refs.find((ref) => ref.name === name)?.objectId;
    expect((pr.lastMergeSourceCommit as Record<string, string>).commitId).toBe(tip("refs/heads/feature/login"));
    expect((pr.lastMergeTargetCommit as Record<string, string>).commitId).toBe(tip("refs/heads/main"));
    // The merge commit is real: refs/pull/1/merge, two parents target then source.
    const mergeId = (pr.lastMergeCommit as Record<string, string>).commitId;
    expect(values(await request(`${repoApi}/refs?filter=pull/`, { headers: alex }))).toMatchObject([{ name: "refs/pull/1/merge", objectId: mergeId }]);
    expect(body(await request(`${repoApi}/commits/${mergeId}`, { headers: alex })).parents).toEqual([tip("refs/heads/main"), tip("refs/heads/feature/login")]);
    expect(values(conformsList("GitPullRequest", await request(`${repoApi}/pullrequests`, { headers: alex }))).map((item) => item.pullRequestId)).toEqual([1]);
    expect(values(await request(`${repoApi}/pullrequests?searchCriteria.status=completed`, { headers: alex }))).toEqual([]);
    expect(values(await request(`${repoApi}/pullrequests?searchCriteria.sourceRefName=refs/heads/feature/login&searchCriteria.status=1`, { headers: alex }))).toHaveLength(1);
    conforms("GitPullRequest", await request(`${repoApi}/pullrequests/1`, { headers: alex }));
    expect(body(await request(`${base}/_apis/git/pullrequests/1`, { headers: alex })).pullRequestId).toBe(1);
    expect(values(await request(`${base}/MOBILE_IOS/_apis/git/pullrequests`, { headers: alex }))).toHaveLength(1);
    const iterations = await request(`${repoApi}/pullRequests/1/iterations`, { headers: alex });
    conformsList("GitPullRequestIteration", iterations);
    expect(values(iterations)).toMatchObject([{ id: 1, reason: "create", sourceRefCommit: { commitId: tip("refs/heads/feature/login") } }]);
    const iteration = conforms("GitPullRequestIteration", await request(`${repoApi}/pullRequests/1/iterations/1`, { headers: alex }));
    // feature/login adds 3 commits on top of develop, which adds 12 on top of main.
    expect((iteration.commits as unknown[]).length).toBe(15);
    const patched = await send("PATCH", `${repoApi}/pullrequests/1`, { title: "Login screen, take two" });
    expect(conforms("GitPullRequest", patched).title).toBe("Login screen, take two");
  });

  it("a merge held as Azure DevOps holds one while computing it: queued, no merge commit, then computed", async () => {
    await handle.control.holdMerges(true);
    const created = conforms("GitPullRequest", await postJson(`${repoApi}/pullrequests`, { sourceRefName: "refs/heads/feature/login", targetRefName: "refs/heads/main", title: "Login screen" }, alex));
    expect(created).toMatchObject({ mergeStatus: "queued", lastMergeSourceCommit: { commitId: expect.any(String) } });
    expect(created.lastMergeCommit).toBeUndefined();
    expect(values(await request(`${repoApi}/refs?filter=pull/`, { headers: alex }))).toEqual([]);
    // Completing it waits for the merge, as Azure DevOps refuses to.
    expect((await send("PATCH", `${repoApi}/pullrequests/${created.pullRequestId}`, { status: "completed" })).status).toBe(409);
    expect(await handle.control.holdMerges(false)).toBe(1);
    const computed = body(await request(`${repoApi}/pullrequests/${created.pullRequestId}`, { headers: alex }));
    expect(computed).toMatchObject({ mergeStatus: "succeeded", lastMergeCommit: { commitId: expect.any(String) } });
    expect(values(await request(`${repoApi}/refs?filter=pull/`, { headers: alex }))).toMatchObject([{ name: `refs/pull/${created.pullRequestId}/merge`, objectId: (computed.lastMergeCommit as Record<string, string>).commitId }]);
  });

  it("refuses a duplicate (409 TF401179), identical branches and missing branches (400), an unknown id (404), a read-only token (401)", async () => {
    const input = { sourceRefName: "refs/heads/develop", targetRefName: "refs/heads/main", title: "Develop" };
    expect((await postJson(`${repoApi}/pullrequests`, input, alex)).status).toBe(201);
    const duplicate = await postJson(`${repoApi}/pullrequests`, input, alex);
    expect(duplicate.status).toBe(409);
    expect(String(body(duplicate).message)).toContain("TF401179");
    expect((await postJson(`${repoApi}/pullrequests`, { ...input, sourceRefName: "refs/heads/main" }, alex)).status).toBe(400);
    expect((await postJson(`${repoApi}/pullrequests`, { ...input, sourceRefName: "refs/heads/nope" }, alex)).status).toBe(400);
    expect((await request(`${repoApi}/pullrequests/99`, { headers: alex })).status).toBe(404);
    expect((await postJson(`${repoApi}/pullrequests`, { ...input, sourceRefName: "refs/heads/feature/login" }, { ...basic(DEFAULT_PATS.fabrikamFull), ...acceptVersion("7.1") })).status).toBe(401);
  });

  it("pull-request statuses: POST/GET on the pull request and on an iteration; iterationId in the body; GET one, DELETE", async () => {
    const { pullRequestId } = await handle.control.createPullRequest({ ...wallet, sourceBranch: "develop" });
    const prUrl = `${repoApi}/pullRequests/${pullRequestId}`;
    // Keel's own PAT (Code status) may post statuses.
    const keel = { ...basic(DEFAULT_PATS.fabrikamFull), ...acceptVersion("7.1") };
    const status = { state: "pending", description: "Keel build #7 queued", targetUrl: "https://keel.example.test/builds/7", context: { name: "Wallet App", genre: "keel" } };
    const created = await postJson(`${prUrl}/statuses`, status, keel);
    expect(created.status).toBe(200);
    expect(conforms("GitPullRequestStatus", created)).toMatchObject({ id: 1, ...status });
    const scoped = await postJson(`${prUrl}/iterations/1/statuses`, { ...status, state: 2 }, keel);
    expect(conforms("GitPullRequestStatus", scoped)).toMatchObject({ id: 2, iterationId: 1, state: "succeeded" });
    const inBody = await postJson(`${prUrl}/statuses`, { ...status, state: "failed", iterationId: 1 }, keel);
    expect(conforms("GitPullRequestStatus", inBody)).toMatchObject({ id: 3, iterationId: 1, state: "failed" });
    expect((await postJson(`${prUrl}/statuses`, { ...status, iterationId: 9 }, keel)).status).toBe(400);
    expect((await postJson(`${prUrl}/statuses`, { state: "pending" }, keel)).status).toBe(400);
    const all = await request(`${prUrl}/statuses`, { headers: keel });
    conformsList("GitPullRequestStatus", all);
    expect(values(all).map((item) => item.id)).toEqual([1, 2, 3]);
    expect(values(await request(`${prUrl}/iterations/1/statuses`, { headers: keel })).map((item) => item.id)).toEqual([2, 3]);
    expect(body(await request(`${prUrl}/iterations/1/statuses/2`, { headers: keel })).id).toBe(2);
    expect((await request(`${prUrl}/iterations/1/statuses/1`, { headers: keel })).status).toBe(404);
    expect((await request(`${prUrl}/statuses/1`, { method: "DELETE", headers: keel })).status).toBe(204);
    expect(handle.control.pullRequest({ organization: "fabrikam", pullRequestId }).statuses.map((item) => [item.id, item.state, item.contextGenre])).toEqual([
      [2, "succeeded", "keel"],
      [3, "failed", "keel"],
    ]);
  });

  it("threads and comments: create, list, get, update (status, properties, content), delete; only the author edits", async () => {
    const { pullRequestId } = await handle.control.createPullRequest({ ...wallet, sourceBranch: "develop" });
    const threads = `${repoApi}/pullRequests/${pullRequestId}/threads`;
    const created = await postJson(threads, { comments: [{ parentCommentId: 0, content: "Keel build #7 succeeded", commentType: 1 }], status: 1, properties: { "keel.build": "7" } }, alex);
    expect(created.status).toBe(200);
    const thread = conforms("GitPullRequestCommentThread", created);
    expect(thread).toMatchObject({ status: "active", properties: { "keel.build": { $type: "System.String", $value: "7" } } });
    expect((thread.comments as Array<Record<string, unknown>>)[0]).toMatchObject({ id: 1, parentCommentId: 0, content: "Keel build #7 succeeded", commentType: "text" });
    const threadUrl = `${threads}/${String(thread.id)}`;
    const comment = conforms("Comment", await postJson(`${threadUrl}/comments`, { content: "Rebuilt", parentCommentId: 1 }, alex));
    expect(comment).toMatchObject({ id: 2, parentCommentId: 1 });
    const edited = await send("PATCH", `${threadUrl}/comments/1`, { content: "Keel build #8 succeeded" });
    expect(conforms("Comment", edited).content).toBe("Keel build #8 succeeded");
    const sam = handle.control.createPat({ userId: DEFAULT_USERS.sam.id, scopes: "full", organizations: ["fabrikam"] });
    expect((await send("PATCH", `${threadUrl}/comments/1`, { content: "hijack" }, { ...basic(sam.token), ...acceptVersion("7.1") })).status).toBe(400);
    const closed = await send("PATCH", threadUrl, { status: "closed", properties: { "keel.build": "8" } });
    expect(conforms("GitPullRequestCommentThread", closed)).toMatchObject({ status: "closed", properties: { "keel.build": { $value: "8" } } });
    conformsList("GitPullRequestCommentThread", await request(threads, { headers: alex }));
    conformsList("Comment", await request(`${threadUrl}/comments`, { headers: alex }));
    conforms("Comment", await request(`${threadUrl}/comments/2`, { headers: alex }));
    expect((await request(`${threadUrl}/comments/2`, { method: "DELETE", headers: alex })).status).toBe(200);
    expect(body(await request(`${threadUrl}/comments/2`, { headers: alex })).isDeleted).toBe(true);
    expect(handle.control.pullRequest({ organization: "fabrikam", pullRequestId }).threads[0]?.comments.map((item) => item.content)).toEqual(["Keel build #8 succeeded", "Rebuilt"]);
    expect((await postJson(threads, { comments: [] }, alex)).status).toBe(400);
    expect((await request(`${threads}/999`, { headers: alex })).status).toBe(404);
  });

  it("abandon, reactivate and complete: completing merges into the target (a push) and closes the pull request", async () => {
    const { pullRequestId, lastMergeTargetCommit } = await handle.control.createPullRequest({ ...wallet, sourceBranch: "feature/login", targetBranch: "develop" });
    const prUrl = `${repoApi}/pullrequests/${pullRequestId}`;
    expect(conforms("GitPullRequest", await send("PATCH", prUrl, { status: "abandoned" }))).toMatchObject({ status: "abandoned", closedBy: { id: DEFAULT_USERS.alex.id } });
    expect(values(await request(`${repoApi}/pullrequests`, { headers: alex }))).toEqual([]);
    expect(conforms("GitPullRequest", await send("PATCH", prUrl, { status: 1 })).status).toBe("active");
    const completed = conforms("GitPullRequest", await send("PATCH", prUrl, { status: "completed", completionOptions: { deleteSourceBranch: true } }));
    expect(completed.status).toBe("completed");
    const develop = values(await request(`${repoApi}/refs?filter=heads/develop`, { headers: alex }))[0]?.objectId as string;
    expect(develop).toBe((completed.lastMergeCommit as Record<string, string>).commitId);
    const merge = body(await request(`${repoApi}/commits/${develop}`, { headers: alex }));
    expect(merge.comment).toBe(`Merged PR ${pullRequestId}: ${String(completed.title)}`);
    expect((merge.parents as string[])[0]).toBe(lastMergeTargetCommit);
    expect(values(await request(`${repoApi}/refs?filter=heads/feature/login`, { headers: alex }))).toEqual([]);
    expect((await send("PATCH", prUrl, { status: "active" })).status).toBe(400);
  });
});

/** Validates a `{count, value}` list against a git definition and returns the response. */
function conformsList(definition: string, response: RawResponse): RawResponse {
  expect(git.errors(definition, response.json, true), `${definition}: ${response.text.slice(0, 300)}`).toEqual([]);
  return response;
}

describe("pull requests through the control API and git pushes, with their service hooks", () => {
  it("opening fires git.pullrequest.created; a push to the source (control or git) adds an iteration and fires git.pullrequest.updated", async () => {
    const hooks = `${base}/_apis/hooks/subscriptions`;
    const subscribe = async (eventType: string, extra: Record<string, string> = {}): Promise<string> =>
      String(
        body(
          await postJson(
            hooks,
            hookSubscription({ url: `${receiver.url}/${eventType}`, eventType, projectId: DEFAULT_PROJECTS.mobileIos.id, repository: DEFAULT_REPOS.walletApp.id, branch: "main", extraPublisherInputs: extra }),
            alex,
          ),
        ).id,
      );
    const created = await subscribe("git.pullrequest.created");
    const updated = await subscribe("git.pullrequest.updated", { notificationType: "PushNotification" });
    const statusChanges = await subscribe("git.pullrequest.updated", { notificationType: "StatusUpdateNotification" });
    // A source branch that does not exist yet is created with one commit on top of the target.
    const pr = await handle.control.createPullRequest({ ...wallet, sourceBranch: "feature/pay", title: "Apple Pay", createdById: DEFAULT_USERS.sam.id });
    expect(pr).toMatchObject({ pullRequestId: 1, sourceRefName: "refs/heads/feature/pay", targetRefName: "refs/heads/main", mergeStatus: "succeeded", createdById: DEFAULT_USERS.sam.id });
    expect(pr.iterations).toHaveLength(1);
    const [createdDelivery] = await handle.control.waitForDeliveries({ subscriptionId: created });
    const createdEvent = createdDelivery?.payload as Record<string, unknown>;
    expect(createdEvent.eventType).toBe("git.pullrequest.created");
    expect(String((createdEvent.message as Record<string, string>).text)).toBe("Sam Okafor created pull request 1 (Apple Pay) in Wallet App");
    const schemas = new SpecSchemas("hooks", "7.1");
    expect(schemas.errors("Event", createdEvent)).toEqual([]);
    expect(git.errors("GitPullRequest", createdEvent.resource)).toEqual([]);
    expect((createdEvent.resource as Record<string, unknown>).pullRequestId).toBe(1);

    const pushed = await handle.control.updatePullRequest({ organization: "fabrikam", pullRequestId: 1, commits: 2 });
    expect(pushed.iterations.map((iteration) => iteration.reason)).toEqual(["create", "push"]);
    const [updateDelivery] = await handle.control.waitForDeliveries({ subscriptionId: updated });
    const updateEvent = updateDelivery?.payload as Record<string, unknown>;
    expect(String((updateEvent.message as Record<string, string>).text)).toBe("Sam Okafor updated the source branch of pull request 1 (Apple Pay) in Wallet App");
    const resource = updateEvent.resource as Record<string, unknown>;
    expect((resource.lastMergeSourceCommit as Record<string, string>).commitId).toBe(pushed.iterations[1]?.sourceRefCommit);
    expect((resource.commits as unknown[]).length).toBe(2);
    expect(git.errors("GitPullRequest", resource)).toEqual([]);

    // A push through git to the source branch is an update too.
    const work = mkdtempSync(join(tmpdir(), "ado-emulator-pr-test-"));
    try {
      const env = authEnv(patAuth(DEFAULT_PATS.fabrikamFullAccess));
      const url = `${base}/MOBILE_IOS/_git/Wallet%20App`;
      const git = (args: string[]) => runCommand("git", args, { cwd: join(work, "clone"), env, home: work });
      expect((await runCommand("git", ["clone", "--quiet", "--branch", "feature/pay", url, join(work, "clone")], { env, home: work })).code).toBe(0);
      writeFileSync(join(work, "clone", "PAY.md"), "Apple Pay\n");
      await git(["add", "PAY.md"]);
      await git(["commit", "--quiet", "-m", "Pay through git"]);
      expect((await git(["push", "--quiet", "origin", "HEAD"])).code).toBe(0);
      const sha = (await git(["rev-parse", "HEAD"])).stdout.trim();
      const third = handle.control.pullRequest({ organization: "fabrikam", pullRequestId: 1 }).iterations[2];
      expect(third).toMatchObject({ reason: "push", sourceRefCommit: sha, commitIds: expect.arrayContaining([sha]) });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    await handle.control.waitForDeliveries({ subscriptionId: updated, count: 2 });
    expect((((handle.control.deliveries({ subscriptionId: updated })[1]?.payload as Record<string, unknown>).resource as Record<string, unknown>).commits as unknown[]).length).toBe(1);
    // The REST iterations carry the push.
    const iterations = values(await request(`${repoApi}/pullRequests/1/iterations`, { headers: alex }));
    expect((iterations[2]?.push as Record<string, unknown>).pushId).toBeGreaterThan(0);
    // Status changes reach only the subscription that asked for them.
    expect(handle.control.deliveries({ subscriptionId: statusChanges })).toEqual([]);
    await handle.control.updatePullRequest({ organization: "fabrikam", pullRequestId: 1, status: "abandoned" });
    const [statusDelivery] = await handle.control.waitForDeliveries({ subscriptionId: statusChanges });
    expect(String(((statusDelivery?.payload as Record<string, unknown>).message as Record<string, string>).text)).toBe("Sam Okafor marked the pull request as abandoned");
    expect(handle.control.deliveries({ subscriptionId: updated })).toHaveLength(2);
  });

  it("a pull request from a fork names the fork in forkSource, over REST and in its service hook; other pull requests have none", async () => {
    const created = String(
      body(
        await postJson(
          `${base}/_apis/hooks/subscriptions`,
          hookSubscription({ url: `${receiver.url}/fork`, eventType: "git.pullrequest.created", projectId: DEFAULT_PROJECTS.mobileIos.id, repository: DEFAULT_REPOS.walletApp.id, branch: "main" }),
          alex,
        ),
      ).id,
    );
    const pr = await handle.control.createPullRequest({ ...wallet, sourceBranch: "contrib/dark-mode", title: "Dark mode", fork: "wallet-app-fork" });
    expect(pr.fork).toBe("wallet-app-fork");
    const rest = conforms("GitPullRequest", await request(`${repoApi}/pullRequests/${pr.pullRequestId}`, { headers: alex }));
    expect(rest.forkSource).toMatchObject({ name: "refs/heads/contrib/dark-mode", repository: { id: DEFAULT_REPOS.fork.id, name: "wallet-app-fork" } });
    expect(rest.lastMergeCommit).toBeDefined();
    const [delivery] = await handle.control.waitForDeliveries({ subscriptionId: created });
    expect(((delivery?.payload as Record<string, unknown>).resource as Record<string, unknown>).forkSource).toMatchObject({ repository: { id: DEFAULT_REPOS.fork.id } });
    // The fork's branch is not one of the repository's; a push to it is a new iteration, not a push of the repository.
    const branches = values(await request(`${repoApi}/refs?filter=heads/`, { headers: alex })).map((ref) => ref.name);
    expect(branches).not.toContain("refs/heads/contrib/dark-mode");
    const pushesBefore = (await handle.control.pushes(wallet)).length;
    const updated = await handle.control.updatePullRequest({ organization: "fabrikam", pullRequestId: pr.pullRequestId, commits: 1 });
    expect(updated.iterations.map((iteration) => iteration.reason)).toEqual(["create", "push"]);
    expect(updated.lastMergeSourceCommit).not.toBe(pr.lastMergeSourceCommit);
    expect(await handle.control.pushes(wallet)).toHaveLength(pushesBefore);
    const own = await handle.control.createPullRequest({ ...wallet, sourceBranch: "feature/own", title: "Own branch" });
    expect(body(await request(`${repoApi}/pullRequests/${own.pullRequestId}`, { headers: alex })).forkSource).toBeUndefined();
    // Only a fork of the pull request's repository can be its source.
    await expect(handle.control.createPullRequest({ ...wallet, sourceBranch: "contrib/other", fork: "Wallet App" })).rejects.toThrow(/No fork 'Wallet App' of 'Wallet App'/);
  });

  it("a push to the target recomputes the merge (no new iteration); conflicting changes give mergeStatus conflicts", async () => {
    const pr = await handle.control.createPullRequest({ ...wallet, sourceBranch: "feature/one", title: "One" });
    await handle.control.push({ ...wallet, branch: "main", commits: [{ message: "Unrelated change on main" }] });
    const after = handle.control.pullRequest({ organization: "fabrikam", pullRequestId: pr.pullRequestId });
    expect(after.iterations).toHaveLength(1);
    expect(after.lastMergeTargetCommit).not.toBe(pr.lastMergeTargetCommit);
    // Both sides rewrote src/last-change.txt with different content: a conflict.
    expect(after.mergeStatus).toBe("conflicts");
    expect(after.lastMergeCommit).toBeUndefined();
  });
});
