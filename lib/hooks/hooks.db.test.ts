import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROJECTS, DEFAULT_USERS, KEEL_SCOPES } from "@/e2e/azure-devops-emulator/fixtures/default";
import { childProcessEnv, resetEnvForTests } from "@/lib/env";
import type { TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";
import { DEFAULT_PATS, DEFAULT_REPOS, pickerTestDatabase, seedConnection, seedOrganization, startEmulator, type EmulatorHandle, type Seeded } from "@/lib/repositories/test-support";
import type { Scope } from "@/lib/scope";
import type { ProfileTriggers } from "@/lib/shared/triggers";

// Builds that start themselves, for real: the emulator delivers service hooks over HTTP to
// Keel's receiver (receiveDelivery behind a plain HTTP server — the route handler is a thin
// wrapper of it), one worker process of Keel's registry processes the inbox, syncs
// subscriptions, checks connections and polls; git pushes go through git http-backend.

const root = path.resolve(import.meta.dirname, "../..");
let emulator: EmulatorHandle;
let database: TestDatabase;
let seeded: Seeded;
let scope: Scope;
let buildDir: string;
let cloneDir: string;
let receiver: Server;
let receiverPort = 0;
let worker: { process: ChildProcess; exited: Promise<number | null>; output: string[] };
let connectionId: string;
const profiles: Record<"main" | "feature" | "manual", string> = { main: "", feature: "", manual: "" };

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}\n${worker.output.join("").slice(-4_000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

async function listen(port: number): Promise<number> {
  const { receiveDelivery } = await import("./receive");
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", `http://127.0.0.1:${receiverPort}`);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === "string") {
          headers.set(name, value);
        }
      }
      const request = new Request(url, { method: req.method ?? "POST", headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) });
      receiveDelivery(url.pathname.split("/").pop() ?? "", request)
        .then((result) => {
          res.writeHead(result.status, { "content-type": "application/json", ...(result.headers ?? {}) });
          res.end(JSON.stringify(result.body));
        })
        .catch(() => {
          res.writeHead(500);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => receiver.listen(port, "127.0.0.1", resolve));
  return (receiver.address() as AddressInfo).port;
}

async function stopReceiver(): Promise<void> {
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
}

function startWorker() {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(root, "lib/jobs/worker-main.ts"), "--child"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: childProcessEnv({
      DATABASE_URL: database.url,
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      KEEL_WORKER_POLL_MS: "200",
      KEEL_WORKER_HEARTBEAT_MS: "500",
      KEEL_JOB_MAINTENANCE_SECONDS: "1",
      KEEL_WORKER_SHUTDOWN_GRACE_MS: "2000",
      KEEL_BUILD_CONCURRENCY: "2",
      KEEL_BUILD_DIR: buildDir,
      KEEL_CONNECTION_CHECK_INTERVAL_SECONDS: "0",
      KEEL_POLL_INTERVAL_SECONDS: "1",
      KEEL_PUBLIC_URL: `http://127.0.0.1:${receiverPort}`,
    }),
  });
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { process: child, exited, output };
}

async function seedProfile(name: string, connection: string, triggers: ProfileTriggers | null): Promise<string> {
  const profile = await database.prisma.buildProfile.create({
    data: {
      organizationId: seeded.organizationId,
      connectionId: connection,
      name,
      nameKey: name.toLowerCase(),
      platform: "IOS",
      projectId: DEFAULT_PROJECTS.mobileIos.id.toLowerCase(),
      projectName: "MOBILE_IOS",
      repositoryId: DEFAULT_REPOS.walletApp.id.toLowerCase(),
      repositoryName: "Wallet App",
      defaultBranch: "refs/heads/main",
      // One quick step: these tests are about what starts builds, not about running them.
      workflowSteps: [{ name: "Build", command: "true" }],
      ...(triggers ? { triggers } : {}),
    },
  });
  return profile.id;
}

const automatic = (push: string[], pullRequest: string[], prEnabled = true): ProfileTriggers => ({ mode: "automatic", push: { enabled: true, branches: push }, pullRequest: { enabled: prEnabled, branches: pullRequest } });

const run = promisify(execFile);

/** A real `git push` of one new commit to `branch` of Wallet App (Alex's full-access PAT); async: the emulator answers from this process. */
async function gitPush(branch: string, message: string): Promise<string> {
  const url = `${emulator.servicesUrl}/fabrikam/MOBILE_IOS/_git/Wallet%20App`;
  const header = `Authorization: Basic ${Buffer.from(`:${DEFAULT_PATS.fabrikamFullAccess}`).toString("base64")}`;
  const git = async (...args: string[]) => (await run("git", ["-c", `http.extraHeader=${header}`, "-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { cwd: cloneDir, encoding: "utf8", env: childProcessEnv({ HOME: cloneDir, GIT_TERMINAL_PROMPT: "0" }) })).stdout.trim();
  await git("fetch", "-q", "--depth", "1", url, "main");
  await git("checkout", "-q", "-B", "work", "FETCH_HEAD");
  writeFileSync(path.join(cloneDir, "NOTES.md"), `${message}\n`);
  await git("add", "NOTES.md");
  await git("commit", "-q", "-m", message);
  await git("push", "-q", url, `HEAD:refs/heads/${branch}`, "--force");
  return git("rev-parse", "HEAD");
}

/** A real `git push` of an annotated tag on main's tip; returns the tagged commit and the tag object (what the push reports). */
async function gitTag(tag: string): Promise<{ commit: string; tagObject: string }> {
  const url = `${emulator.servicesUrl}/fabrikam/MOBILE_IOS/_git/Wallet%20App`;
  const header = `Authorization: Basic ${Buffer.from(`:${DEFAULT_PATS.fabrikamFullAccess}`).toString("base64")}`;
  const git = async (...args: string[]) => (await run("git", ["-c", `http.extraHeader=${header}`, "-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { cwd: cloneDir, encoding: "utf8", env: childProcessEnv({ HOME: cloneDir, GIT_TERMINAL_PROMPT: "0" }) })).stdout.trim();
  await git("fetch", "-q", "--depth", "1", url, "main");
  await git("tag", "-f", "-a", "-m", `Release ${tag}`, tag, "FETCH_HEAD");
  await git("push", "-q", url, `refs/tags/${tag}:refs/tags/${tag}`);
  return { commit: await git("rev-parse", "FETCH_HEAD"), tagObject: await git("rev-parse", `refs/tags/${tag}`) };
}

async function buildsOf(profileId: string) {
  return database.prisma.build.findMany({ where: { profileId }, orderBy: { number: "asc" } });
}

async function pushSubscription() {
  return database.prisma.hookSubscription.findFirstOrThrow({ where: { connectionId, eventType: "git.push" } });
}

beforeAll(async () => {
  emulator = await startEmulator({ fixture: "default", basePort: 0 });
  database = await pickerTestDatabase();
  seeded = await seedOrganization(database);
  scope = testScope(seeded.organizationId, seeded.adminId);
  buildDir = mkdtempSync(path.join(tmpdir(), "keel-hooks-test-"));
  cloneDir = mkdtempSync(path.join(tmpdir(), "keel-hooks-clone-"));
  execFileSync("git", ["init", "-q", cloneDir]);
  receiverPort = await listen(0);
  resetEnvForTests({ KEEL_PUBLIC_URL: `http://127.0.0.1:${receiverPort}` });
  connectionId = (await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull })).id;
  profiles.main = await seedProfile("Wallet main", connectionId, null);
  profiles.feature = await seedProfile("Wallet features", connectionId, automatic(["feature/**"], ["release/*"]));
  profiles.manual = await seedProfile("Wallet manual", connectionId, { ...automatic([], []), mode: "manual" });
  worker = startWorker();
  await until("a worker heartbeat", async () => (await database.prisma.workerHeartbeat.count()) >= 1, 60_000);
}, 120_000);

afterAll(async () => {
  if (worker && worker.process.exitCode === null) {
    worker.process.kill("SIGTERM");
    await worker.exited;
  }
  await stopReceiver().catch(() => undefined);
  await database?.drop();
  await emulator?.stop();
  rmSync(buildDir, { recursive: true, force: true });
  rmSync(cloneDir, { recursive: true, force: true });
}, 60_000);

describe("service hooks", () => {
  it("creates one set of subscriptions for the repository, shared by its profiles, pointing at Keel with Basic credentials", async () => {
    const { requestHookSync } = await import("./subscriptions");
    await requestHookSync(scope, { connectionId, projectId: DEFAULT_PROJECTS.mobileIos.id.toLowerCase(), repositoryId: DEFAULT_REPOS.walletApp.id.toLowerCase() });
    const rows = await until("three active subscriptions", async () => {
      const found = await database.prisma.hookSubscription.findMany({ where: { connectionId, state: "ACTIVE" } });
      return found.length === 3 ? found : null;
    });
    expect(rows.map((row) => row.eventType).sort()).toEqual(["git.pullrequest.created", "git.pullrequest.updated", "git.push"]);
    const listed = await fetch(`${emulator.servicesUrl}/fabrikam/_apis/hooks/subscriptions?api-version=7.1`, { headers: { authorization: `Basic ${Buffer.from(`:${DEFAULT_PATS.fabrikamFull}`).toString("base64")}` } });
    const fabrikam = { subscriptions: ((await listed.json()) as { value: { id: string; eventType: string; consumerInputs?: Record<string, string> }[] }).value };
    expect(fabrikam.subscriptions).toHaveLength(3);
    for (const row of rows) {
      const remote = fabrikam.subscriptions.find((item) => item.id.toLowerCase() === row.remoteId!.toLowerCase());
      expect(remote?.consumerInputs?.url).toBe(`http://127.0.0.1:${receiverPort}/api/hooks/azure-devops/${row.urlKey}`);
      expect(remote?.consumerInputs?.basicAuthUsername).toBe(row.basicUsername);
      // Keel keeps only the hash and a sealed copy of the password.
      expect(row.passwordHash).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("a push through git starts exactly one build per matching profile, and records why the others did not build", async () => {
    const subscription = await pushSubscription();
    const commit = await gitPush("main", "hooks: a push to main");
    await emulator.control.waitForNotifications({ subscriptionId: subscription.remoteId!, result: "succeeded", count: 1 });
    const delivery = await until("the delivery processed", async () => database.prisma.hookDelivery.findFirst({ where: { commitId: commit, status: "PROCESSED" } }));
    expect(delivery.eventType).toBe("git.push");
    expect(delivery.branch).toBe("refs/heads/main");
    const outcome = delivery.outcome as { profileId: string; matched: boolean; buildId?: string; reason?: string }[];
    expect(outcome.find((item) => item.profileId === profiles.main)).toMatchObject({ matched: true });
    expect(outcome.find((item) => item.profileId === profiles.feature)?.reason).toContain("does not match the push trigger's branches (feature/**)");
    expect(outcome.find((item) => item.profileId === profiles.manual)?.reason).toContain("only when someone starts a build");
    const builds = await buildsOf(profiles.main);
    expect(builds.filter((build) => build.commitId === commit)).toHaveLength(1);
    expect(builds[0]).toMatchObject({ trigger: "PUSH", branch: "refs/heads/main", commitId: commit });
    expect(await buildsOf(profiles.feature)).toHaveLength(0);
    expect(await buildsOf(profiles.manual)).toHaveLength(0);
  });

  it("path filters: a push starts the profiles whose paths its files touch, and says which files did not match for the others", async () => {
    const subscription = await pushSubscription();
    const ios = await seedProfile("Wallet iOS only", connectionId, { ...automatic([], []), paths: ["ios/**"] });
    const notes = await seedProfile("Wallet notes", connectionId, { ...automatic([], []), paths: ["*.md", "!CHANGELOG.md"] });
    try {
      const commit = await gitPush("main", "hooks: notes only");
      await emulator.control.waitForNotifications({ subscriptionId: subscription.remoteId!, result: "succeeded", count: 1 });
      const delivery = await until("the delivery processed", async () => database.prisma.hookDelivery.findFirst({ where: { commitId: commit, status: "PROCESSED" } }));
      const outcome = delivery.outcome as { profileId: string; matched: boolean; reason?: string }[];
      expect(outcome.find((item) => item.profileId === ios)).toMatchObject({ matched: false, reason: "The one changed file (NOTES.md) does not match the trigger's paths (ios/**)." });
      expect(outcome.find((item) => item.profileId === notes)).toMatchObject({ matched: true });
      expect((await buildsOf(notes)).map((build) => build.commitId)).toEqual([commit]);
      expect(await buildsOf(ios)).toHaveLength(0);
      // The profile without a path filter builds as before.
      expect(outcome.find((item) => item.profileId === profiles.main)).toMatchObject({ matched: true });
    } finally {
      await database.prisma.buildProfile.deleteMany({ where: { id: { in: [ios, notes] } } });
    }
  });

  it("a push whose commit says [skip ci] builds nothing, and the delivery log says why and how to build it anyway", async () => {
    const subscription = await pushSubscription();
    const commit = await gitPush("main", "hooks: typo in the notes\n\nDocs only. [skip ci]");
    await emulator.control.waitForNotifications({ subscriptionId: subscription.remoteId!, result: "succeeded", count: 1 });
    const delivery = await until("the delivery processed", async () => database.prisma.hookDelivery.findFirst({ where: { commitId: commit, status: "PROCESSED" } }));
    expect(delivery.reason).toBe("The commit asks not to be built (a skip directive such as [skip ci] in its message).");
    const outcome = delivery.outcome as { profileId: string; matched: boolean; skipped?: boolean; reason?: string }[];
    expect(outcome.find((item) => item.profileId === profiles.main)).toMatchObject({
      matched: false,
      skipped: true,
      reason: `Commit ${commit.slice(0, 8)} says [skip ci] in its message: not built. Start it by hand to build it anyway.`,
    });
    // A profile whose triggers do not match says so, as before: the commit's message is not even asked for it.
    expect(outcome.find((item) => item.profileId === profiles.feature)?.reason).toContain("does not match the push trigger's branches");
    expect((await buildsOf(profiles.main)).filter((build) => build.commitId === commit)).toHaveLength(0);
  });

  it("an annotated tag pushed through git builds the commit it names for profiles whose tag trigger matches it", async () => {
    const subscription = await pushSubscription();
    const releases = await seedProfile("Wallet releases", connectionId, { ...automatic([], []), push: { enabled: false, branches: [] }, tags: { enabled: true, patterns: ["v*", "!v*-beta*"] } });
    // The steps see the tag: a release script takes its version from it.
    await database.prisma.buildProfile.update({ where: { id: releases }, data: { workflowSteps: [{ name: "Version", command: 'test "$KEEL_BUILD_TAG" = v2.0.0 && test -z "$KEEL_BUILD_BRANCH"' }] } });
    try {
      const { commit, tagObject } = await gitTag("v2.0.0");
      expect(tagObject).not.toBe(commit);
      await emulator.control.waitForNotifications({ subscriptionId: subscription.remoteId!, result: "succeeded", count: 1 });
      const delivery = await until("the tag's delivery processed", async () => database.prisma.hookDelivery.findFirst({ where: { commitId: tagObject, status: "PROCESSED" } }));
      const outcome = delivery.outcome as { profileId: string; matched: boolean; reason?: string }[];
      expect(outcome.find((item) => item.profileId === releases)).toMatchObject({ matched: true });
      expect(outcome.find((item) => item.profileId === profiles.main)).toMatchObject({ matched: false, reason: "v2.0.0 is a tag, and the profile's tag trigger is off." });
      // The tag object is peeled to its commit: that is what is fetched, built and reported on.
      const [build] = await buildsOf(releases);
      expect(build).toMatchObject({ trigger: "TAG", tag: "v2.0.0", branch: null, commitId: commit });
      await until("the tag build succeeded", async () => ((await database.prisma.build.findUniqueOrThrow({ where: { id: build!.id } })).status === "SUCCEEDED" ? true : null), 60_000);
      // A beta tag is excluded by the pattern, and says so.
      const beta = await gitTag("v2.1.0-beta.1");
      await emulator.control.waitForNotifications({ subscriptionId: subscription.remoteId!, result: "succeeded", count: 2 });
      const skipped = await until("the beta's delivery processed", async () => database.prisma.hookDelivery.findFirst({ where: { commitId: beta.tagObject, status: "PROCESSED" } }));
      expect((skipped.outcome as { profileId: string; reason?: string }[]).find((item) => item.profileId === releases)?.reason).toBe("The tag v2.1.0-beta.1 does not match the tag trigger's patterns (v*, !v*-beta*).");
      expect(await buildsOf(releases)).toHaveLength(1);
    } finally {
      await database.prisma.buildProfile.deleteMany({ where: { id: releases } });
    }
  }, 90_000);

  it("answers 401 to wrong credentials and stores nothing; 410 to an unknown key", async () => {
    const subscription = await pushSubscription();
    const before = await database.prisma.hookDelivery.count();
    const url = `http://127.0.0.1:${receiverPort}/api/hooks/azure-devops/${subscription.urlKey}`;
    const body = JSON.stringify({ subscriptionId: subscription.remoteId, notificationId: 999_999, eventType: "git.push", resource: {} });
    const wrong = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${subscription.basicUsername}:not-the-password`).toString("base64")}` }, body });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("Basic");
    const none = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(none.status).toBe(401);
    const unknown = await fetch(`http://127.0.0.1:${receiverPort}/api/hooks/azure-devops/${"x".repeat(32)}`, { method: "POST", body });
    expect(unknown.status).toBe(410);
    expect(await database.prisma.hookDelivery.count()).toBe(before);
  });

  it("stores a delivery whose text PostgreSQL could not hold (NUL, unpaired surrogates), JSON or not, and answers 200", async () => {
    const { openSecret } = await import("@/lib/secrets");
    const subscription = await database.prisma.hookSubscription.findUniqueOrThrow({ where: { id: (await pushSubscription()).id }, omit: { passwordSealed: false } });
    const password = openSecret({ table: "HookSubscription", column: "passwordSealed" }, subscription.id, subscription.passwordSealed);
    const url = `http://127.0.0.1:${receiverPort}/api/hooks/azure-devops/${subscription.urlKey}`;
    const headers = { "content-type": "application/json", authorization: `Basic ${Buffer.from(`${subscription.basicUsername}:${password}`).toString("base64")}` };
    // A repository no profile builds, so nothing starts; the escapes stay escapes in the body.
    const body = `{"subscriptionId":"${subscription.remoteId}","notificationId":777001,"eventType":"git.push","id":"e\\ud800","resource":{"refUpdates":[{"name":"refs/heads/a\\u0000b","oldObjectId":"${"0".repeat(40)}","newObjectId":"${"1".repeat(40)}"}],"repository":{"id":"not-a-profile-repo"},"k\\u0000":"v\\udc00"}}`;
    expect((await fetch(url, { method: "POST", headers, body })).status).toBe(200);
    const stored = await database.prisma.hookDelivery.findFirstOrThrow({ where: { notificationId: 777001 } });
    expect(stored.branch).toBe("refs/heads/a\uFFFDb");
    expect(stored.eventId).toBe("e\uFFFD");
    expect((stored.payload as { resource: Record<string, unknown> }).resource).toMatchObject({ "k\uFFFD": "v\uFFFD" });
    const text = await fetch(url, { method: "POST", headers, body: "not JSON \u0000 at all" });
    expect(text.status).toBe(200);
    const { deliveryId } = (await text.json()) as { deliveryId: string };
    const unreadable = await database.prisma.hookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
    expect(unreadable.status).toBe("UNPROCESSABLE");
    expect(unreadable.payload).toEqual({ text: "not JSON \uFFFD at all" });
  });

  it("a replayed delivery starts no duplicate build", async () => {
    const { processDelivery } = await import("./process");
    const delivery = await database.prisma.hookDelivery.findFirstOrThrow({ where: { eventType: "git.push", status: "PROCESSED", branch: "refs/heads/main" } });
    const before = (await buildsOf(profiles.main)).length;
    const outcome = await processDelivery(scope, delivery.id);
    const main = outcome.find((item) => item.profileId === profiles.main);
    expect(main).toMatchObject({ matched: true, created: false });
    expect((await buildsOf(profiles.main)).length).toBe(before);
  });

  it("a pull request update starts a PR build that reports a PR status", async () => {
    const created = await emulator.control.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "feature/hooks-pr", targetBranch: "main", title: "Hooks PR" });
    const first = await until("the PR build of the created PR", async () => (await buildsOf(profiles.main)).find((build) => build.pullRequestId === created.pullRequestId));
    expect(first).toMatchObject({ trigger: "PULL_REQUEST", pullRequestIteration: 1, targetRef: "refs/heads/main" });
    const updated = await emulator.control.updatePullRequest({ organization: "fabrikam", pullRequestId: created.pullRequestId, commits: 1 } as Parameters<EmulatorHandle["control"]["updatePullRequest"]>[0]);
    const second = await until("the PR build of the update", async () => (await buildsOf(profiles.main)).find((build) => build.pullRequestId === created.pullRequestId && build.pullRequestIteration === 2));
    expect(second.commitId).toBe(updated.lastMergeCommit);
    const statuses = await until("a PR status for the second iteration", async () => {
      const pr = await emulator.control.pullRequest({ organization: "fabrikam", pullRequestId: created.pullRequestId } as Parameters<EmulatorHandle["control"]["pullRequest"]>[0]);
      const found = pr.statuses.filter((status) => status.iterationId === 2);
      return found.length > 0 ? found : null;
    });
    expect(statuses[0]?.contextName).toBe("Wallet main");
    // Exactly one PR build per iteration (created + updated, whatever else Azure DevOps sent).
    expect((await buildsOf(profiles.main)).filter((build) => build.pullRequestId === created.pullRequestId)).toHaveLength(2);
    // The feature profile builds PRs into release/* only; its push trigger saw the new source branch.
    expect((await buildsOf(profiles.feature)).filter((build) => build.trigger === "PULL_REQUEST")).toHaveLength(0);
    // A third iteration whose newest commit says [ci skip] is not built (its merge commit, Azure DevOps', does not say it).
    const skipped = await emulator.control.updatePullRequest({ organization: "fabrikam", pullRequestId: created.pullRequestId, commits: [{ message: "Reword the notes [ci skip]" }] } as Parameters<EmulatorHandle["control"]["updatePullRequest"]>[0]);
    const delivery = await until("the delivery of the third iteration", async () =>
      (await database.prisma.hookDelivery.findMany({ where: { eventType: "git.pullrequest.updated", status: "PROCESSED" } })).find((row) => JSON.stringify(row.payload).includes(skipped.lastMergeCommit!)),
    );
    expect((delivery.outcome as { profileId: string; skipped?: boolean; reason?: string }[]).find((item) => item.profileId === profiles.main)).toMatchObject({ skipped: true, reason: expect.stringContaining("says [ci skip] in its message: not built") });
    expect((await buildsOf(profiles.main)).filter((build) => build.pullRequestId === created.pullRequestId)).toHaveLength(2);
  });

  it("a profile that waits for drafts builds a draft pull request once it is published", async () => {
    const waits = await seedProfile("Wallet ready PRs", connectionId, { ...automatic([], []), push: { enabled: false, branches: [] }, pullRequest: { enabled: true, branches: [], drafts: false } });
    try {
      const created = await emulator.control.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "feature/hooks-draft", targetBranch: "main", title: "Draft PR", isDraft: true } as Parameters<EmulatorHandle["control"]["createPullRequest"]>[0]);
      // The profile that builds drafts (the defaults) builds it at once; the one that waits says why.
      await until("the draft's build by the profile that builds drafts", async () => (await buildsOf(profiles.main)).find((build) => build.pullRequestId === created.pullRequestId));
      const delivery = await until("the draft's delivery", async () =>
        (await database.prisma.hookDelivery.findMany({ where: { eventType: "git.pullrequest.created", status: "PROCESSED", pullRequestId: created.pullRequestId } }))[0],
      );
      expect((delivery.outcome as { profileId: string; matched: boolean; reason?: string }[]).find((item) => item.profileId === waits)).toMatchObject({ matched: false, reason: expect.stringContaining("The pull request is a draft") });
      expect(await buildsOf(waits)).toHaveLength(0);
      // Published: its build starts.
      await emulator.control.updatePullRequest({ organization: "fabrikam", pullRequestId: created.pullRequestId, isDraft: false } as Parameters<EmulatorHandle["control"]["updatePullRequest"]>[0]);
      const build = await until("the published pull request's build", async () => (await buildsOf(waits)).find((item) => item.pullRequestId === created.pullRequestId));
      expect(build).toMatchObject({ trigger: "PULL_REQUEST", targetRef: "refs/heads/main" });
    } finally {
      await database.prisma.buildProfile.deleteMany({ where: { id: waits } });
    }
  }, 60_000);

  it("a pull request whose merge Azure DevOps is still computing is built once it has one, not called conflicted", async () => {
    await emulator.control.holdMerges(true);
    let created: Awaited<ReturnType<EmulatorHandle["control"]["createPullRequest"]>>;
    try {
      created = await emulator.control.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "contrib/merging", targetBranch: "main", title: "Merge not computed yet" });
      expect([created.mergeStatus, created.lastMergeCommit]).toEqual(["queued", undefined]);
      // The event has no merge commit: its job asks Azure DevOps again, and tries later while it is still computed.
      const waiting = await until("the delivery waiting for the merge", async () =>
        (await database.prisma.hookDelivery.findMany({ where: { eventType: "git.pullrequest.created", pullRequestId: created.pullRequestId } })).find((delivery) => delivery.reason?.includes("still computing the merge commit")),
      );
      expect(waiting.status).toBe("RECEIVED");
      expect(waiting.reason).toMatch(new RegExp(`^Attempt \\d failed \\(Azure DevOps is still computing the merge commit of pull request ${created.pullRequestId}\\.\\); Keel tries again\\.$`));
      expect((await buildsOf(profiles.main)).filter((item) => item.pullRequestId === created.pullRequestId)).toHaveLength(0);
    } finally {
      await emulator.control.holdMerges(false);
    }
    const mergeCommit = (await emulator.control.pullRequest({ organization: "fabrikam", pullRequestId: created.pullRequestId } as Parameters<EmulatorHandle["control"]["pullRequest"]>[0])).lastMergeCommit;
    const build = await until("the build once the merge is computed", async () => (await buildsOf(profiles.main)).find((item) => item.pullRequestId === created.pullRequestId));
    expect(build).toMatchObject({ trigger: "PULL_REQUEST", commitId: mergeCommit });
    // The job marks its delivery processed just after it started the build: waited for, not raced.
    await until("the delivery processed", async () =>
      (await database.prisma.hookDelivery.findFirstOrThrow({ where: { eventType: "git.pullrequest.created", pullRequestId: created.pullRequestId } })).status === "PROCESSED" ? true : null,
    );
  }, 60_000);

  it("a pull request from a fork waits for a person, unless the profile builds forks by themselves (without its secrets, or with them)", async () => {
    const trusting = await seedProfile("Wallet fork PRs", connectionId, { ...automatic([], []), push: { enabled: false, branches: [] }, pullRequest: { enabled: true, branches: [], forks: true } });
    const guarded = await seedProfile("Wallet fork PRs guarded", connectionId, { ...automatic([], []), push: { enabled: false, branches: [] }, pullRequest: { enabled: true, branches: [], forks: "withoutSecrets" } });
    // No worker here runs steps as a build user: its builds stay queued in a pool nobody builds (lib/builds/builds.db.test.ts runs them).
    await database.prisma.buildProfile.update({ where: { id: guarded }, data: { buildPool: "nobody-builds-this" } });
    try {
      const created = await emulator.control.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "contrib/hooks-fork", targetBranch: "main", title: "Fork PR", fork: "wallet-app-fork" } as Parameters<EmulatorHandle["control"]["createPullRequest"]>[0]);
      const build = await until("the fork's build by the profile that builds forks", async () => (await buildsOf(trusting)).find((item) => item.pullRequestId === created.pullRequestId));
      expect(build).toMatchObject({ trigger: "PULL_REQUEST", targetRef: "refs/heads/main", commitId: created.lastMergeCommit, secretsWithheld: false });
      // The profile that builds forks without its secrets builds it too, marked so.
      const guardedBuild = await until("the fork's build without secrets", async () => (await buildsOf(guarded)).find((item) => item.pullRequestId === created.pullRequestId));
      expect(guardedBuild).toMatchObject({ trigger: "PULL_REQUEST", commitId: created.lastMergeCommit, secretsWithheld: true });
      // Rebuild (a flaky failure) is no reading of the change: the same code, still without the secrets.
      const { rebuild } = await import("@/lib/builds/service");
      const again = await rebuild(scope, guardedBuild.id, crypto.randomUUID());
      expect((await database.prisma.build.findUniqueOrThrow({ where: { id: again.build.id } })).secretsWithheld).toBe(true);
      // Scripts read it (the token API's build and its lists), and never ship such a build.
      const { buildJson, buildSummaryJson } = await import("@/lib/builds/api");
      const { getBuild } = await import("@/lib/data/builds");
      expect(buildJson((await getBuild(scope, guardedBuild.id))!, [], "https://keel.test")).toMatchObject({ pullRequest: created.pullRequestId, secretsWithheld: true });
      expect(buildSummaryJson((await getBuild(scope, build.id))!, "https://keel.test")).toMatchObject({ pullRequest: created.pullRequestId, secretsWithheld: false });
      const delivery = await until("the fork's delivery", async () =>
        (await database.prisma.hookDelivery.findMany({ where: { eventType: "git.pullrequest.created", status: "PROCESSED", pullRequestId: created.pullRequestId } }))[0],
      );
      // The default profile (pull requests into main) names the fork and how to build it, and says so on the pull request.
      const { FORK_WAITING_DESCRIPTION } = await import("@/lib/builds/report");
      const { processDelivery } = await import("./process");
      expect((delivery.outcome as { profileId: string; matched: boolean; reason?: string }[]).find((item) => item.profileId === profiles.main)).toMatchObject({
        matched: false,
        reason: expect.stringMatching(/^The pull request comes from the fork wallet-app-fork: .* Keel marks the pull request as waiting \(a pending status linking this profile\)\.$/),
      });
      expect((await buildsOf(profiles.main)).filter((item) => item.pullRequestId === created.pullRequestId)).toHaveLength(0);
      const waiting = async () =>
        (await emulator.control.pullRequest({ organization: "fabrikam", pullRequestId: created.pullRequestId } as Parameters<EmulatorHandle["control"]["pullRequest"]>[0])).statuses.filter(
          (status) => status.contextName === "Wallet main" && status.description === FORK_WAITING_DESCRIPTION,
        );
      expect(await until("the fork's waiting status", async () => (await waiting()).length > 0 && waiting())).toEqual([
        expect.objectContaining({ state: "pending", contextGenre: "keel", iterationId: 1, targetUrl: `http://127.0.0.1:${receiverPort}/profiles/${profiles.main}?pullRequest=${created.pullRequestId}#start-build` }),
      ]);
      // Once per source commit, however many times Azure DevOps tells of the pull request (a replay here): one job, one status.
      await processDelivery(scope, delivery.id);
      const jobs = await database.prisma.$queryRawUnsafe<{ count: bigint }[]>(
        `SELECT count(*) FROM pgboss.job WHERE name = 'builds.fork-waiting' AND (data->'payload'->>'pullRequestId')::int = $1 AND data->'payload'->>'profileId' = $2`,
        created.pullRequestId,
        profiles.main,
      );
      expect(Number(jobs[0]!.count)).toBe(1);
      // Someone who read it starts its build: a build of its merge commit, whose status replaces the waiting one.
      const { startBuild } = await import("@/lib/builds/service");
      const manual = await startBuild(scope, { profileId: profiles.main, trigger: "MANUAL", pullRequestNumber: created.pullRequestId, idempotencyKey: `fork-${created.pullRequestId}` });
      expect(manual.build).toMatchObject({ pullRequestId: created.pullRequestId, pullRequestIteration: 1, commitId: created.lastMergeCommit });
      // A person's start gets the secrets, as any build does.
      expect((await database.prisma.build.findUniqueOrThrow({ where: { id: manual.build.id } })).secretsWithheld).toBe(false);
      // A waiting status asked for later (another event of the same iteration) does not cover the build's.
      const { reportForkWaitingJob } = await import("@/lib/builds/report");
      await reportForkWaitingJob(
        { profileId: profiles.main, pullRequestId: created.pullRequestId, sourceCommit: created.lastMergeSourceCommit },
        { jobId: crypto.randomUUID(), queue: "builds.fork-waiting", retryCount: 0, signal: new AbortController().signal, scheduledFor: null, scope },
      );
      expect(await waiting()).toHaveLength(1);
    } finally {
      await database.prisma.buildProfile.deleteMany({ where: { id: { in: [trusting, guarded] } } });
    }
  }, 60_000);

  it("a member's /keel build comment starts a pull request's build (a fork's too), as that member; anyone else's, or another comment, starts nothing", async () => {
    const { syncRepositoryHooks } = await import("./subscriptions");
    const { getConnection } = await import("@/lib/data/connections");
    const { processDelivery } = await import("./process");
    const connection = (await getConnection(scope, connectionId))!;
    const repository = { projectId: DEFAULT_PROJECTS.mobileIos.id.toLowerCase(), repositoryId: DEFAULT_REPOS.walletApp.id.toLowerCase() };
    const commenting = await seedProfile("Wallet PR comments", connectionId, { ...automatic([], []), push: { enabled: false, branches: [] }, pullRequest: { enabled: true, branches: [], comments: true } });
    // Its builds stay queued in a pool nobody builds: who started them is what is looked at.
    await database.prisma.buildProfile.update({ where: { id: commenting }, data: { buildPool: "nobody-builds-this" } });
    const comments = () => database.prisma.hookSubscription.findMany({ where: { connectionId, eventType: "ms.vss-code.git-pullrequest-comment-event" } });
    try {
      // The repository's comments are subscribed to, for this profile only.
      await syncRepositoryHooks(scope, connection, repository.projectId, repository.repositoryId);
      expect(await comments()).toEqual([expect.objectContaining({ state: "ACTIVE" })]);
      const pr = await emulator.control.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "contrib/comment-fork", targetBranch: "main", title: "Fork PR to comment on", fork: "wallet-app-fork" } as Parameters<EmulatorHandle["control"]["createPullRequest"]>[0]);
      const commentDelivery = async (commentId: number, threadId: number) =>
        until(`the comment's delivery (thread ${threadId})`, async () =>
          (await database.prisma.hookDelivery.findMany({ where: { eventType: "ms.vss-code.git-pullrequest-comment-event", status: "PROCESSED", pullRequestId: pr.pullRequestId } })).find(
            (delivery) => ((delivery.payload as { resource: { comment: { id: number; _links: { threads: { href: string } } } } }).resource.comment._links.threads.href.endsWith(`/threads/${threadId}`) && commentId > 0),
          ),
        );
      const outcomeOf = (delivery: { outcome: unknown }) => (delivery.outcome as { profileId: string; matched: boolean; buildId?: string; reason?: string }[]).find((item) => item.profileId === commenting);
      const comment = (content: string) => emulator.control.commentOnPullRequest({ organization: "fabrikam", pullRequestId: pr.pullRequestId, content, authorId: DEFAULT_USERS.alex.id } as Parameters<EmulatorHandle["control"]["commentOnPullRequest"]>[0]);

      // A fork's pull request: the profile waits for a person, and the pull request says how to ask for its build.
      expect((await buildsOf(commenting)).filter((build) => build.pullRequestId === pr.pullRequestId)).toHaveLength(0);
      const { FORK_WAITING_COMMENT_DESCRIPTION } = await import("@/lib/builds/report");
      await until("the waiting status naming the comment", async () =>
        (await emulator.control.pullRequest({ organization: "fabrikam", pullRequestId: pr.pullRequestId } as Parameters<EmulatorHandle["control"]["pullRequest"]>[0])).statuses.some(
          (status) => status.contextName === "Wallet PR comments" && status.state === "pending" && status.description === FORK_WAITING_COMMENT_DESCRIPTION,
        ),
      );
      // Alex is no Keel member yet: the command is refused, and says why.
      const stranger = comment("/keel build");
      expect(outcomeOf(await commentDelivery(stranger.commentId, stranger.threadId))).toMatchObject({
        matched: true,
        reason: `Alex Morgan (${DEFAULT_USERS.alex.email}) is no active member of this Keel organization: only members start builds with a comment, and Keel knows them by the e-mail they sign in to Azure DevOps with.`,
      });
      // A comment that is no command starts nothing.
      const chatter = comment("Looks good to me, but /keel build is what starts it");
      expect(outcomeOf(await commentDelivery(chatter.commentId, chatter.threadId))).toMatchObject({ matched: false, reason: "The comment is no Keel command (/keel build, on a line of its own, starts a build)." });

      // Alex joins Keel with the address they sign in to Azure DevOps with, and asks again.
      const alex = await database.prisma.user.create({
        data: { organizationId: seeded.organizationId, email: DEFAULT_USERS.alex.email.toLowerCase(), name: "Alex", memberships: { create: { organizationId: seeded.organizationId, role: "MEMBER" } } },
      });
      const asked = comment("/Keel Build\nThe flaky test again.");
      const delivery = await commentDelivery(asked.commentId, asked.threadId);
      expect(outcomeOf(delivery)).toMatchObject({ matched: true, buildId: expect.any(String) });
      const build = await database.prisma.build.findUniqueOrThrow({ where: { id: outcomeOf(delivery)!.buildId! } });
      // Alex's build, started by their comment: of the merge commit, reported on the pull request, with the secrets a person's start gets.
      expect(build).toMatchObject({ trigger: "COMMENT", requestedById: alex.id, pullRequestId: pr.pullRequestId, commitId: pr.lastMergeCommit, secretsWithheld: false });
      // A redelivery starts nothing twice; another comment builds again.
      await processDelivery(scope, delivery.id);
      expect((await buildsOf(commenting)).filter((item) => item.pullRequestId === pr.pullRequestId)).toHaveLength(1);
      const again = comment("/keel run");
      expect(outcomeOf(await commentDelivery(again.commentId, again.threadId))).toMatchObject({ matched: true, buildId: expect.any(String) });
      expect((await buildsOf(commenting)).filter((item) => item.pullRequestId === pr.pullRequestId)).toHaveLength(2);
    } finally {
      await database.prisma.buildProfile.deleteMany({ where: { id: commenting } });
    }
    // No profile lets comments start builds any more: their subscription goes.
    await syncRepositoryHooks(scope, connection, repository.projectId, repository.repositoryId);
    expect(await comments()).toEqual([]);
  }, 60_000);

  it("a pull request abandoned cancels its builds still waiting, for a profile that cancels superseded builds, and the delivery log says so", async () => {
    const lane = await seedProfile("Wallet PR lane", connectionId, { ...automatic([], []), push: { enabled: false, branches: [] }, supersede: "queued" });
    // A pool no worker serves: its builds stay queued.
    await database.prisma.buildProfile.update({ where: { id: lane }, data: { buildPool: "nobody-builds-this" } });
    try {
      const created = await emulator.control.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "feature/hooks-abandon", targetBranch: "main", title: "Abandoned PR" });
      const queued = await until("the pull request's build", async () => (await buildsOf(lane)).find((build) => build.pullRequestId === created.pullRequestId));
      expect(queued.status).toBe("QUEUED");
      await emulator.control.updatePullRequest({ organization: "fabrikam", pullRequestId: created.pullRequestId, status: "abandoned" } as Parameters<EmulatorHandle["control"]["updatePullRequest"]>[0]);
      const canceled = await until("the abandoned pull request's build to be canceled", async () => {
        const build = await database.prisma.build.findUniqueOrThrow({ where: { id: queued.id } });
        return build.status === "CANCELED" ? build : null;
      });
      expect(canceled.statusReason).toBe(`Pull request ${created.pullRequestId} was abandoned: nothing will read this build's outcome.`);
      const delivery = await until("the abandonment's delivery", async () =>
        (await database.prisma.hookDelivery.findMany({ where: { eventType: "git.pullrequest.updated", status: "PROCESSED", pullRequestId: created.pullRequestId } })).find((row) => JSON.stringify(row.outcome).includes("Canceled its build")),
      );
      expect((delivery.outcome as { profileId: string; reason?: string }[]).find((item) => item.profileId === lane)).toMatchObject({
        reason: `The pull request is abandoned: Keel builds active pull requests only. Canceled its build #${queued.number}, which nothing will read.`,
      });
      // The profile that lets older builds run (the default) keeps its build of the pull request as it was.
      const kept = (await buildsOf(profiles.main)).find((build) => build.pullRequestId === created.pullRequestId);
      expect(kept?.status).not.toBe("CANCELED");
    } finally {
      await database.prisma.buildProfile.deleteMany({ where: { id: lane } });
    }
  }, 60_000);

  it("Keel down while three pushes happen: backfill starts the three builds once each", async () => {
    const { backfillConnection } = await import("./backfill");
    const subscription = await pushSubscription();
    // Failed deliveries wait (Microsoft's first retry is 1 s; here long enough that backfill comes first).
    emulator.control.setHookPolicy({ transientRetryDelaysMs: [600_000] });
    await stopReceiver();
    const commits = [await gitPush("main", "outage 1"), await gitPush("main", "outage 2"), await gitPush("main", "outage 3")];
    await emulator.control.waitForDeliveries({ subscriptionId: subscription.remoteId!, outcome: "transient", count: 1 } as Parameters<EmulatorHandle["control"]["waitForDeliveries"]>[0]);
    await listen(receiverPort);
    expect(await database.prisma.build.count({ where: { commitId: { in: commits } } })).toBe(0);
    const summary = await backfillConnection(scope, connectionId);
    expect(summary.builds).toBe(3);
    for (const commit of commits) {
      expect(await database.prisma.build.count({ where: { profileId: profiles.main, commitId: commit } })).toBe(1);
    }
    expect(await database.prisma.hookDelivery.count({ where: { source: "BACKFILL", commitId: { in: commits } } })).toBe(3);
    // A second backfill, and Azure DevOps' own retries arriving now, duplicate nothing.
    expect((await backfillConnection(scope, connectionId)).missing).toBe(0);
    emulator.control.retryDeliveries();
    await emulator.control.waitForNotifications({ subscriptionId: subscription.remoteId!, result: "succeeded", count: 4 });
    for (const commit of commits) {
      expect(await database.prisma.build.count({ where: { profileId: profiles.main, commitId: commit } })).toBe(1);
    }
    emulator.control.setHookPolicy({ transientRetryDelaysMs: [1_000, 2_000] });
  }, 60_000);

  it("a subscription disabled in Azure DevOps is enabled again by the next connection check, audited", async () => {
    const { queueOrganizationChecks } = await import("@/lib/connections/scheduled");
    const subscription = await pushSubscription();
    emulator.control.setSubscriptionStatus({ organization: "fabrikam", subscriptionId: subscription.remoteId!, status: "disabledBySystem" });
    await queueOrganizationChecks(scope, [connectionId]);
    const repaired = await until("the repair", async () => database.prisma.auditEvent.findFirst({ where: { action: "hooks.subscription_repaired", targetId: subscription.id } }), 60_000);
    expect(repaired.data).toMatchObject({ was: "disabledBySystem" });
    expect(repaired.actorKind).toBe("SYSTEM");
    const remote = await fetch(`${emulator.servicesUrl}/fabrikam/_apis/hooks/subscriptions/${subscription.remoteId}?api-version=7.1`, {
      headers: { authorization: `Basic ${Buffer.from(`:${DEFAULT_PATS.fabrikamFull}`).toString("base64")}` },
    });
    expect(((await remote.json()) as { status: string }).status).toBe("enabled");
    // And it delivers again.
    const commit = await gitPush("main", "after the repair");
    await until("a build of the push after the repair", async () => (await buildsOf(profiles.main)).find((build) => build.commitId === commit));
  }, 90_000);

  it("a schedule builds its branch at its time once per slot, skips a slot with nothing new, and says why it did not build", async () => {
    const { runScheduledSlot, scheduleBuildsJob } = await import("@/lib/builds/schedule");
    const { getProfilePage } = await import("@/lib/data/profiles");
    const { dueSlot } = await import("@/lib/shared/schedule");
    const first = await gitPush("nightly", "tonight's change");
    const now = new Date();
    const earlier = new Date(now.getTime() - 2 * 60_000);
    const schedule = {
      enabled: true,
      days: [0, 1, 2, 3, 4, 5, 6],
      time: `${String(earlier.getUTCHours()).padStart(2, "0")}:${String(earlier.getUTCMinutes()).padStart(2, "0")}`,
      timeZone: "UTC",
      branch: "nightly",
      onlyWhenChanged: true,
      since: new Date(now.getTime() - 10 * 60_000).toISOString(),
    };
    const profile = await seedProfile("Wallet nightly", connectionId, { mode: "automatic", push: { enabled: false, branches: [] }, pullRequest: { enabled: false, branches: [] }, schedule });
    const slot = dueSlot(schedule, now)!;
    expect(slot.getTime()).toBe(Date.UTC(earlier.getUTCFullYear(), earlier.getUTCMonth(), earlier.getUTCDate(), earlier.getUTCHours(), earlier.getUTCMinutes()));
    // The tick queues the due slot; the worker starts its build, of the branch's tip.
    await scheduleBuildsJob({}, { queue: "builds.schedule" } as never);
    const build = await until("the scheduled build", async () => (await buildsOf(profile)).find((item) => item.trigger === "SCHEDULE"));
    expect(build).toMatchObject({ branch: "refs/heads/nightly", commitId: first, requestedById: null });
    // The same slot again (another tick, a retry): the same build.
    expect(await runScheduledSlot(scope, profile, slot)).toBe(`Started build #${build.number} (already started for this time).`);
    // A day later with nothing pushed: skipped, and the profile page says why.
    const nextDay = new Date(slot.getTime() + 24 * 3_600_000);
    expect(await runScheduledSlot(scope, profile, nextDay)).toBe(`Skipped: nightly has no new commits since scheduled build #${build.number}.`);
    expect((await getProfilePage(scope, profile))!.lastScheduled).toEqual({ at: nextDay, outcome: `Skipped: nightly has no new commits since scheduled build #${build.number}.` });
    // After a push, the next slot builds the new tip.
    const second = await gitPush("nightly", "tomorrow's change");
    const thirdDay = new Date(slot.getTime() + 48 * 3_600_000);
    expect(await runScheduledSlot(scope, profile, thirdDay)).toMatch(/^Started build #\d+\.$/);
    expect((await buildsOf(profile)).filter((item) => item.trigger === "SCHEDULE").map((item) => item.commitId)).toEqual([first, second]);
    // An older slot handled late never hides the newer outcome.
    await runScheduledSlot(scope, profile, nextDay);
    expect((await getProfilePage(scope, profile))!.lastScheduled?.at).toEqual(thirdDay);
    // A branch that is gone: no build, and the reason.
    await database.prisma.buildProfile.update({ where: { id: profile }, data: { triggers: { mode: "automatic", push: { enabled: false, branches: [] }, pullRequest: { enabled: false, branches: [] }, schedule: { ...schedule, branch: "gone" } } } });
    const fourthDay = new Date(slot.getTime() + 72 * 3_600_000);
    expect(await runScheduledSlot(scope, profile, fourthDay)).toBe("Not started: the repository has no branch gone (it may have been deleted). Choose another under Triggers.");
    // Manual mode: the schedule does not run.
    await database.prisma.buildProfile.update({ where: { id: profile }, data: { triggers: { mode: "manual", push: { enabled: false, branches: [] }, pullRequest: { enabled: false, branches: [] }, schedule } } });
    expect(await runScheduledSlot(scope, profile, new Date(slot.getTime() + 96 * 3_600_000))).toBeNull();
    expect((await buildsOf(profile)).filter((item) => item.trigger === "SCHEDULE")).toHaveLength(2);
  }, 60_000);

  it("a connection without permission to create hooks says so and builds by polling, once per change", async () => {
    const { syncRepositoryHooks } = await import("./subscriptions");
    const { getConnection } = await import("@/lib/data/connections");
    const { token } = emulator.control.createPat({ userId: DEFAULT_USERS.sam.id, scopes: [...KEEL_SCOPES], organizations: ["fabrikam"] });
    emulator.control.setHookPermission({ organization: "fabrikam", userId: DEFAULT_USERS.sam.id, allowed: false });
    const polling = (await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token, name: "Sam's connection" })).id;
    const profile = await seedProfile("Wallet polled", polling, automatic(["poll/**"], [], false));
    const result = await syncRepositoryHooks(scope, (await getConnection(scope, polling))!, DEFAULT_PROJECTS.mobileIos.id.toLowerCase(), DEFAULT_REPOS.walletApp.id.toLowerCase());
    expect(result.mode).toBe("polling");
    const rows = await database.prisma.hookSubscription.findMany({ where: { connectionId: polling } });
    expect(rows.every((row) => row.state === "NO_PERMISSION")).toBe(true);
    expect(rows[0]!.finding).toMatchObject({ id: "hooks_no_permission" });
    expect(JSON.stringify(rows[0]!.finding)).toContain("Edit subscriptions");
    // The first poll records what is there; the push after it is built by the poller.
    await until("the poll baseline", async () => database.prisma.pollCursor.findFirst({ where: { connectionId: polling, ref: "@baseline" } }));
    const commit = await gitPush("poll/one", "a change only polling sees");
    const build = await until("the polled build", async () => (await buildsOf(profile)).find((item) => item.commitId === commit));
    expect(build).toMatchObject({ trigger: "POLL", branch: "refs/heads/poll/one" });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await buildsOf(profile)).filter((item) => item.commitId === commit)).toHaveLength(1);

    // Tags, once a profile builds them: the ones already there are recorded, a new one is built.
    await database.prisma.buildProfile.update({ where: { id: profile }, data: { triggers: { ...automatic(["poll/**"], [], false), tags: { enabled: true, patterns: ["poll-*"] } } } });
    await until("the tags baseline", async () => database.prisma.pollCursor.findFirst({ where: { connectionId: polling, ref: "@tags-baseline" } }));
    expect(await database.prisma.pollCursor.findFirst({ where: { connectionId: polling, ref: "refs/tags/v1.0.0" } })).not.toBeNull();
    const tagged = await gitTag("poll-7");
    const tagBuild = await until("the polled tag build", async () => (await buildsOf(profile)).find((item) => item.tag === "poll-7"));
    expect(tagBuild).toMatchObject({ trigger: "TAG", commitId: tagged.commit, branch: null });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await buildsOf(profile)).filter((item) => item.tag !== null).map((item) => item.tag)).toEqual(["poll-7"]);

    // A pull request the poller built, closed before its build ran: the next poll cancels it (the profile cancels superseded builds).
    await database.prisma.buildProfile.update({ where: { id: profile }, data: { buildPool: "nobody-builds-this", triggers: { ...automatic(["poll/**"], []), supersede: "queued" } } });
    // A profile of the same repository that builds forks by themselves, without its secrets (its builds stay queued too).
    const guarded = await seedProfile("Wallet polled guarded", polling, { ...automatic([], []), push: { enabled: false, branches: [] }, pullRequest: { enabled: true, branches: [], forks: "withoutSecrets" } });
    await database.prisma.buildProfile.update({ where: { id: guarded }, data: { buildPool: "nobody-builds-this" } });
    // A pull request from a fork, opened first: the poll that builds the next one has seen it, and left it to a person.
    const fromFork = await emulator.control.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "contrib/poll-fork", targetBranch: "main", title: "Polled fork PR", fork: "wallet-app-fork" } as Parameters<EmulatorHandle["control"]["createPullRequest"]>[0]);
    const pr = await emulator.control.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "poll/pr", targetBranch: "main", title: "Polled PR" });
    const prBuild = await until("the polled pull request's build", async () => (await buildsOf(profile)).find((item) => item.pullRequestId === pr.pullRequestId));
    expect(prBuild).toMatchObject({ trigger: "PULL_REQUEST", status: "QUEUED" });
    expect((await buildsOf(profile)).filter((item) => item.pullRequestId === fromFork.pullRequestId)).toHaveLength(0);
    const { FORK_WAITING_DESCRIPTION } = await import("@/lib/builds/report");
    const waiting = await until("the polled fork's waiting status", async () =>
      (await emulator.control.pullRequest({ organization: "fabrikam", pullRequestId: fromFork.pullRequestId } as Parameters<EmulatorHandle["control"]["pullRequest"]>[0])).statuses.find((status) => status.contextName === "Wallet polled"),
    );
    expect(waiting).toMatchObject({ state: "pending", description: FORK_WAITING_DESCRIPTION, iterationId: 1 });
    expect(await until("the polled fork's build without secrets", async () => (await buildsOf(guarded)).find((item) => item.pullRequestId === fromFork.pullRequestId))).toMatchObject({ trigger: "PULL_REQUEST", secretsWithheld: true });
    await emulator.control.updatePullRequest({ organization: "fabrikam", pullRequestId: pr.pullRequestId, status: "completed" } as Parameters<EmulatorHandle["control"]["updatePullRequest"]>[0]);
    const closed = await until("the closed pull request's build to be canceled", async () => {
      const build = await database.prisma.build.findUniqueOrThrow({ where: { id: prBuild.id } });
      return build.status === "CANCELED" ? build : null;
    });
    expect(closed.statusReason).toBe(`Pull request ${pr.pullRequestId} is no longer active (completed or abandoned): nothing will read this build's outcome.`);

    // A pull request polled while Azure DevOps still computes its merge (no merge commit yet) is built once it has one.
    const { pollRepository } = await import("./poll");
    await emulator.control.holdMerges(true);
    let merging: Awaited<ReturnType<EmulatorHandle["control"]["createPullRequest"]>>;
    try {
      merging = await emulator.control.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "poll/merging", targetBranch: "main", title: "Merge not computed yet" });
      expect([merging.mergeStatus, merging.lastMergeCommit]).toEqual(["queued", undefined]);
      // Polls that see it (besides the worker's, every second) start nothing: there is no commit to build.
      for (const _ of [1, 2]) {
        await pollRepository(scope, polling, DEFAULT_PROJECTS.mobileIos.id.toLowerCase(), DEFAULT_REPOS.walletApp.id.toLowerCase());
      }
      expect((await buildsOf(profile)).filter((item) => item.pullRequestId === merging.pullRequestId)).toHaveLength(0);
    } finally {
      await emulator.control.holdMerges(false);
    }
    const mergeCommit = (await emulator.control.pullRequest({ organization: "fabrikam", pullRequestId: merging.pullRequestId } as Parameters<EmulatorHandle["control"]["pullRequest"]>[0])).lastMergeCommit;
    const mergedBuild = await until("the build of the pull request whose merge was computed", async () => (await buildsOf(profile)).find((item) => item.pullRequestId === merging.pullRequestId));
    expect(mergedBuild).toMatchObject({ trigger: "PULL_REQUEST", commitId: mergeCommit });
  }, 90_000);
});
