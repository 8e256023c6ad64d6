import { createHash } from "node:crypto";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BUILD_BRANCHES, DEFAULT_PROJECTS, FIXTURE_BUILD } from "@/e2e/azure-devops-emulator/fixtures/default";
import { childProcessEnv } from "@/lib/env";
import type { TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";
import { DEFAULT_PATS, DEFAULT_REPOS, pickerTestDatabase, seedConnection, seedOrganization, startEmulator, type EmulatorHandle, type Seeded } from "@/lib/repositories/test-support";
import type { Scope } from "@/lib/scope";

// The build worker for real: two worker processes of the job engine (Keel's own registry) on
// a test database, Debian's git against the emulator's repositories, the fixture's build
// script. What issue 13 asks of the worker and of reporting, each proven here.

const root = path.resolve(import.meta.dirname, "../..");
let emulator: EmulatorHandle;
let database: TestDatabase;
let seeded: Seeded;
let scope: Scope;
let buildDir: string;
let outside: string;
let profileId: string;
const workers: { process: ChildProcess; exited: Promise<number | null>; output: string[] }[] = [];

function startWorker(extra: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(root, "lib/jobs/worker-main.ts"), "--child"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: childProcessEnv({
      DATABASE_URL: database.url,
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      KEEL_WORKER_POLL_MS: "200",
      KEEL_WORKER_HEARTBEAT_MS: "500",
      KEEL_JOB_MAINTENANCE_SECONDS: "1",
      KEEL_WORKER_SHUTDOWN_GRACE_MS: "2000",
      KEEL_BUILD_CONCURRENCY: "3",
      KEEL_BUILD_SWEEP_SECONDS: "1",
      KEEL_BUILD_KILL_GRACE_MS: "1000",
      KEEL_BUILD_LOG_MAX_LINES: "400",
      // 2 MiB: the artifacts test keeps a 1.5 MB file and names a 3 MB one as over the budget.
      KEEL_BUILD_ARTIFACT_MAX_BYTES: String(2 * 1024 * 1024),
      KEEL_BUILD_DIR: buildDir,
      KEEL_PUBLIC_URL: "https://keel.test",
      ...extra,
    }),
  });
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const handle = { process: child, exited, output };
  workers.push(handle);
  return handle;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      const reports = await database.prisma.buildReport.findMany({ where: { state: { not: "SENT" } }, select: { kind: true, buildStatus: true, state: true, attempts: true, error: true } });
      throw new Error(`timed out waiting for ${what}\nunsent reports: ${JSON.stringify(reports).slice(0, 3_000)}\n${workers.map((worker) => worker.output.join("").slice(-4_000)).join("\n---\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

async function finished(id: string) {
  return until(`build ${id} to finish`, async () => {
    const build = await database.prisma.build.findUniqueOrThrow({ where: { id } });
    return ["SUCCEEDED", "FAILED", "CANCELED", "TIMED_OUT", "ERROR"].includes(build.status) ? build : null;
  });
}

async function logOf(id: string): Promise<string[]> {
  const lines = await database.prisma.buildLogLine.findMany({ where: { buildId: id }, orderBy: { seq: "asc" } });
  return lines.map((line) => line.text);
}

async function setWorkflow(steps: { name: string; command: string; always?: boolean; continueOnError?: boolean; retries?: number }[] | null, variables: { name: string; value: string; isSecret: boolean }[] = []) {
  const { updateWorkflow } = await import("@/lib/data/builds");
  await updateWorkflow(scope, profileId, { steps: steps ?? (await import("@/lib/shared/workflow")).defaultWorkflowSteps("IOS"), timeoutMinutes: 30, variables });
}

async function start(input: { branch?: string; commit?: string; pullRequest?: { id: number; iteration: number; sourceRef: string; targetRef: string }; profile?: string; parameters?: { name: string; value: string }[]; withholdSecrets?: boolean; skipCaches?: boolean }) {
  const { startBuild } = await import("./service");
  const { randomUUID } = await import("node:crypto");
  const { profile, ...rest } = input;
  return (await startBuild(scope, { profileId: profile ?? profileId, trigger: input.pullRequest ? "PULL_REQUEST" : "MANUAL", idempotencyKey: randomUUID(), ...rest })).build;
}

async function tip(branch: string): Promise<string> {
  const refs = await emulator.control.refs({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App" });
  return refs.find((ref) => ref.name === `refs/heads/${branch}`)!.objectId;
}

async function markerProcesses(buildId: string): Promise<number[]> {
  const { processesWithMarker } = await import("./process");
  return processesWithMarker(`KEEL_BUILD_ID=${buildId}`);
}

beforeAll(async () => {
  emulator = await startEmulator({ fixture: "default", basePort: 0 });
  database = await pickerTestDatabase();
  seeded = await seedOrganization(database);
  scope = testScope(seeded.organizationId, seeded.adminId);
  buildDir = mkdtempSync(path.join(tmpdir(), "keel-builds-test-"));
  outside = mkdtempSync(path.join(tmpdir(), "keel-builds-seen-"));
  profileId = await seedProfile("Wallet iOS", DEFAULT_PATS.fabrikamFull);
  startWorker();
  startWorker();
  await until("two worker heartbeats", async () => (await database.prisma.workerHeartbeat.count()) >= 2);
}, 120_000);

/** A profile of Wallet App on a connection with this PAT. */
async function seedProfile(name: string, token: string): Promise<string> {
  const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token });
  const profile = await database.prisma.buildProfile.create({
    data: {
      organizationId: seeded.organizationId,
      connectionId: connection.id,
      name,
      nameKey: name.toLowerCase(),
      platform: "IOS",
      projectId: DEFAULT_PROJECTS.mobileIos.id.toLowerCase(),
      projectName: "MOBILE_IOS",
      repositoryId: DEFAULT_REPOS.walletApp.id.toLowerCase(),
      repositoryName: "Wallet App",
      defaultBranch: "refs/heads/main",
    },
  });
  return profile.id;
}

afterAll(async () => {
  for (const worker of workers.splice(0)) {
    if (worker.process.exitCode === null && worker.process.signalCode === null) {
      worker.process.kill("SIGTERM");
    }
    await worker.exited;
  }
  await database?.drop();
  await emulator?.stop();
  rmSync(buildDir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
}, 60_000);

describe("the build worker", () => {
  it("fetches exactly the commit, runs the default steps, keeps the credential out of log, environment and workspace, and deletes the workspace", async () => {
    await setWorkflow(null);
    const main = await tip("main");
    const build = await start({ branch: "main" });
    // startBuild reads the build back after queuing its job: an idle worker may have claimed it already.
    expect(["QUEUED", "RUNNING"]).toContain(build.status);
    expect(build.commitId).toBe(main);
    const done = await finished(build.id);
    expect(done.status).toBe("SUCCEEDED");
    const log = await logOf(build.id);
    expect(log).toContain(`commit ${main.slice(0, 7)}`);
    expect(log.some((line) => line.includes(FIXTURE_BUILD.testsPassedLine))).toBe(true);
    const steps = await database.prisma.buildStep.findMany({ where: { buildId: build.id }, orderBy: { index: "asc" } });
    expect(steps.map((step) => [step.name, step.status])).toEqual([
      ["Fetch commit", "SUCCEEDED"],
      ["Set up", "SUCCEEDED"],
      ["Build", "SUCCEEDED"],
      ["Test", "SUCCEEDED"],
    ]);
    expect(log.join("\n")).not.toContain(DEFAULT_PATS.fabrikamFull);
    // Commit statuses: pending (queued), pending (running), then succeeded, all for this commit.
    await until("the final commit status", async () => emulator.control.statuses().filter((status) => status.commitId === main && status.state === "succeeded").length === 1);
    const posted = emulator.control.statuses().filter((status) => status.commitId === main);
    expect(posted.map((status) => status.state)).toEqual(["pending", "pending", "succeeded"]);
    expect(posted.every((status) => status.contextGenre === "keel" && status.contextName === "Wallet iOS" && status.targetUrl === `https://keel.test/builds/${build.id}`)).toBe(true);
    expect(readdirSync(buildDir)).toEqual([]);
  });

  it("gives the steps a clean environment: no Keel secret, no DATABASE_URL, no credential; secret variables masked", async () => {
    const copy = path.join(outside, "copy");
    await setWorkflow(
      [
        { name: "Look around", command: `env | sort > ${outside}/env.txt; cp -a . ${copy}; git config --list --show-origin; git rev-parse HEAD; echo "token is $SIGNING_KEY"` },
        { name: "Plain", command: 'echo "flavor=$FLAVOR"' },
      ],
      [
        { name: "SIGNING_KEY", value: "s3cr3t-signing-key", isSecret: true },
        { name: "FLAVOR", value: "staging", isSecret: false },
      ],
    );
    const build = await start({ branch: "develop" });
    const done = await finished(build.id);
    expect(done.status).toBe("SUCCEEDED");
    const log = await logOf(build.id);
    expect(log).toContain(await tip("develop"));
    expect(log).toContain("token is ***");
    expect(log).toContain("flavor=staging");
    expect(log.join("\n")).not.toContain("s3cr3t-signing-key");
    const env = readFileSync(path.join(outside, "env.txt"), "utf8");
    expect(env).toContain("CI=true");
    expect(env).toContain(`KEEL_BUILD_ID=${build.id}`);
    expect(env).toContain("SIGNING_KEY=s3cr3t-signing-key");
    // Exactly the variables the workflow editor lists (lib/shared/workflow.ts): those of every build, not a pull request's or a tag's.
    const { BUILD_VARIABLES } = await import("@/lib/shared/workflow");
    const names = new Set(env.split("\n").map((line) => line.split("=")[0] ?? ""));
    expect(BUILD_VARIABLES.filter((variable) => !names.has(variable.name)).map((variable) => variable.name)).toEqual(BUILD_VARIABLES.filter((variable) => variable.only).map((variable) => variable.name));
    expect([...names].filter((name) => name.startsWith("KEEL_") && !BUILD_VARIABLES.some((variable) => variable.name === name))).toEqual([]);
    for (const forbidden of ["DATABASE_URL", "KEEL_ENCRYPTION_KEYS", "KEEL_SESSION_SECRET", "GIT_CONFIG", "Authorization", DEFAULT_PATS.fabrikamFull, Buffer.from(`:${DEFAULT_PATS.fabrikamFull}`).toString("base64")]) {
      expect(env, forbidden).not.toContain(forbidden);
    }
    // Nothing in the workspace (its .git included) holds the token in any form.
    const grep = spawn("grep", ["-rlE", `${DEFAULT_PATS.fabrikamFull}|${Buffer.from(`:${DEFAULT_PATS.fabrikamFull}`).toString("base64")}|extraheader`, copy]);
    const found = await new Promise<string>((resolve) => {
      let out = "";
      grep.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      grep.once("exit", () => resolve(out));
    });
    expect(found).toBe("");
    expect(readFileSync(path.join(copy, ".git", "config"), "utf8")).not.toMatch(/remote|extraheader/i);
  });

  it("gives the steps the variables given for one build, over the workflow's, names them in the log, and a rebuild keeps them; a secret's name is refused", async () => {
    await setWorkflow([{ name: "Show", command: 'echo "flavor=$FLAVOR deploy=$DEPLOY_TARGET notes=$NOTES"' }], [
      { name: "FLAVOR", value: "staging", isSecret: false },
      { name: "SIGNING_KEY", value: "s3cr3t-signing-key", isSecret: true },
    ]);
    const parameters = [
      { name: "FLAVOR", value: "production" },
      { name: "DEPLOY_TARGET", value: "testflight" },
      { name: "NOTES", value: "two words" },
    ];
    const build = await start({ branch: "develop", parameters });
    expect((await finished(build.id)).status).toBe("SUCCEEDED");
    const log = await logOf(build.id);
    expect(log).toContain("Variables for this build: FLAVOR, DEPLOY_TARGET, NOTES (in place of the workflow's FLAVOR).");
    expect(log).toContain("flavor=production deploy=testflight notes=two words");
    const { rebuild } = await import("./service");
    const { randomUUID } = await import("node:crypto");
    const again = (await rebuild(scope, build.id, randomUUID())).build;
    expect((await database.prisma.build.findUniqueOrThrow({ where: { id: again.id } })).parameters).toEqual(parameters);
    expect((await finished(again.id)).status).toBe("SUCCEEDED");
    // A workflow secret cannot be replaced for one build (only admins change the workflow); nothing is queued.
    const before = await database.prisma.build.count({ where: { profileId } });
    await expect(start({ branch: "develop", parameters: [{ name: "SIGNING_KEY", value: "mine" }] })).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: "Variables for this build: SIGNING_KEY is a secret of the workflow, which only admins change (Edit workflow).",
      details: { field: "parameters" },
    });
    await expect(start({ branch: "develop", parameters: [{ name: "KEEL_BUILD_ID", value: "x" }] })).rejects.toMatchObject({ code: "INVALID_INPUT", message: expect.stringContaining("KEEL_BUILD_ID cannot be set") });
    expect(await database.prisma.build.count({ where: { profileId } })).toBe(before);
  });

  it("changes since the last good build of the branch: stored, said in the log, handed to the steps as a changelog; a failed build in between does not count", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const notes = await seedProfile("Wallet release notes", DEFAULT_PATS.fabrikamFull);
    await updateWorkflow(scope, notes, {
      steps: [{ name: "Notes", command: 'echo "changelog has $(wc -l < "$KEEL_BUILD_CHANGELOG") lines"; sed "s/^/notes: /" "$KEEL_BUILD_CHANGELOG"; test -z "${FAIL:-}"' }],
      timeoutMinutes: 30,
      variables: [],
    });
    const wallet = { organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", branch: "feature/release-notes" };
    const stored = async (id: string) => (await database.prisma.build.findUniqueOrThrow({ where: { id } })).changes as { since: { number: number } | null; commits: { id: string; message: string; author: string | null }[]; complete: boolean } | null;

    await emulator.control.push({ ...wallet, commits: [{ message: "Start the release notes branch" }] });
    const first = await start({ branch: wallet.branch, profile: notes });
    expect((await finished(first.id)).status).toBe("SUCCEEDED");
    expect(await stored(first.id)).toEqual({ since: null, commits: [], complete: true });
    expect(await logOf(first.id)).toEqual(expect.arrayContaining(["No earlier successful build of feature/release-notes to compare with.", "changelog has 0 lines"]));

    const two = await emulator.control.push({ ...wallet, commits: [{ message: "Add the leaderboard", authorName: "Mona Kane" }, { message: "Sort the leaderboard by score\n\nThe body is not a release note.", authorName: "Kai Olsen" }] });
    const failed = await start({ branch: wallet.branch, profile: notes, parameters: [{ name: "FAIL", value: "yes" }] });
    expect((await finished(failed.id)).status).toBe("FAILED");
    expect((await stored(failed.id))?.commits.map((commit) => commit.id)).toEqual(two.commits.map((commit) => commit.commitId).reverse());
    // Its notice (e-mail, Notices page) and chat message name them: the change that broke it is among them.
    const notice = await database.prisma.notification.findUniqueOrThrow({ where: { dedupeKey: `build.failed:${failed.id}` } });
    expect((notice.data as Record<string, unknown>).suspects).toEqual({
      since: first.number,
      commits: [
        { message: "Sort the leaderboard by score", author: "Kai Olsen" },
        { message: "Add the leaderboard", author: "Mona Kane" },
      ],
      more: 0,
      complete: true,
    });
    const { buildChatMessage } = await import("@/lib/notifications/chat");
    const { getBuild } = await import("@/lib/data/builds");
    const failedView = (await getBuild(scope, failed.id))!;
    expect(buildChatMessage(failedView, "Wallet release notes", "build.failed").lines).toContain(`Since #${first.number}: Sort the leaderboard by score (Kai Olsen); Add the leaderboard (Mona Kane)`);

    const one = await emulator.control.push({ ...wallet, commits: [{ message: "Show the player's rank", authorName: "Mona Kane" }] });
    const third = await start({ branch: wallet.branch, profile: notes });
    expect((await finished(third.id)).status).toBe("SUCCEEDED");
    // Counted from #1, the last build that succeeded: the failed one's commits are still news.
    const changes = await stored(third.id);
    expect(changes).toEqual({
      since: { buildId: first.id, number: first.number, commitId: first.commitId },
      commits: [
        { id: one.commits[0]!.commitId, message: "Show the player's rank", author: "Mona Kane", date: expect.any(String) },
        { id: two.commits[1]!.commitId, message: "Sort the leaderboard by score", author: "Kai Olsen", date: expect.any(String) },
        { id: two.commits[0]!.commitId, message: "Add the leaderboard", author: "Mona Kane", date: expect.any(String) },
      ],
      complete: true,
    });
    // A success's chat message says what is in it too.
    expect(buildChatMessage((await getBuild(scope, third.id))!, "Wallet release notes", null).lines).toContain(
      `Since #${first.number}: Show the player's rank (Mona Kane); Sort the leaderboard by score (Kai Olsen); Add the leaderboard (Mona Kane)`,
    );
    const log = await logOf(third.id);
    expect(log).toContain(`3 commits since #${first.number} (${first.commitId.slice(0, 8)}), the last successful build of feature/release-notes.`);
    expect(log).toEqual(
      expect.arrayContaining(["changelog has 3 lines", "notes: - Show the player's rank (Mona Kane)", "notes: - Sort the leaderboard by score (Kai Olsen)", "notes: - Add the leaderboard (Mona Kane)"]),
    );
    expect(log.join("\n")).not.toContain("The body is not a release note.");

    // Built again, the same commit is counted from the last good build of another commit; a
    // pasted commit's build belongs to no branch and has nothing to compare with.
    const again = await start({ branch: wallet.branch, profile: notes });
    expect((await finished(again.id)).status).toBe("SUCCEEDED");
    expect((await stored(again.id))?.since?.number).toBe(first.number);
    const pasted = await start({ commit: third.commitId, profile: notes });
    expect((await finished(pasted.id)).status).toBe("SUCCEEDED");
    expect(await stored(pasted.id)).toBeNull();
    expect(await logOf(pasted.id)).toContain("changelog has 0 lines");

    // The last good build's commit gone from the repository (a force push rewrote the branch):
    // said as that, and the build goes on without changes.
    const gone = "f".repeat(40);
    await database.prisma.build.update({ where: { id: again.id }, data: { commitId: gone } });
    await emulator.control.push({ ...wallet, commits: [{ message: "After the rewrite" }] });
    const rewritten = await start({ branch: wallet.branch, profile: notes });
    expect((await finished(rewritten.id)).status).toBe("SUCCEEDED");
    expect(await stored(rewritten.id)).toBeNull();
    expect(await logOf(rewritten.id)).toEqual(
      expect.arrayContaining([`The commit that #${again.number} built (ffffffff) is no longer in the repository — its history was rewritten, by a force push? — so Keel cannot tell what changed since. The build goes on.`, "changelog has 0 lines"]),
    );
  });

  it("fails the build on a failing step and skips the rest", async () => {
    await setWorkflow(null);
    const build = await start({ branch: DEFAULT_BUILD_BRANCHES.failing });
    const done = await finished(build.id);
    expect(done.status).toBe("FAILED");
    expect(done.statusReason).toBe("Step “Test” failed with exit code 1.");
    const log = await logOf(build.id);
    expect(log.some((line) => line.includes(FIXTURE_BUILD.failureLine))).toBe(true);
    const failing = await tip(DEFAULT_BUILD_BRANCHES.failing);
    await until("the failed commit status", async () => emulator.control.statuses().some((status) => status.commitId === failing && status.state === "failed"));
  });

  it("runs the steps marked to run after a failure, and goes on past a step that may fail", async () => {
    await setWorkflow([
      { name: "Lint", command: "echo 'lint: 3 warnings'; exit 2", continueOnError: true },
      { name: "Compile", command: "echo \"/src/Pay.swift:3:1: error: cannot find 'rate' in scope\"; exit 65" },
      { name: "Test", command: "echo tested" },
      { name: "Upload logs", command: "echo uploading logs", always: true },
      { name: "Notify", command: "echo notifying; exit 4", always: true },
    ]);
    const failed = await finished((await start({ branch: "main" })).id);
    // The build failed for the first step that may not fail; the steps after it ran only if marked.
    expect([failed.status, failed.statusReason]).toEqual(["FAILED", "Step “Compile” failed with exit code 65."]);
    const rows = await database.prisma.buildStep.findMany({ where: { buildId: failed.id }, orderBy: { index: "asc" }, select: { name: true, status: true, exitCode: true } });
    expect(rows.map((row) => [row.name, row.status, row.exitCode])).toEqual([
      ["Fetch commit", "SUCCEEDED", 0],
      ["Lint", "FAILED", 2],
      ["Compile", "FAILED", 65],
      ["Test", "SKIPPED", null],
      ["Upload logs", "SUCCEEDED", 0],
      ["Notify", "FAILED", 4],
    ]);
    const log = await logOf(failed.id);
    expect(log).toEqual(expect.arrayContaining(["This step may fail (Edit workflow → Steps): the build goes on.", "The steps after it are skipped, except those that run even after a failure: Upload logs, Notify.", "uploading logs", "notifying"]));
    expect(log).not.toContain("tested");
    // "What went wrong" quotes the step that failed the build, not the one allowed to fail before it.
    const { failureLines } = await import("@/lib/data/builds");
    const wrong = await failureLines(scope, failed.id);
    expect([wrong?.step.name, wrong?.lines.map((line) => line.text)]).toEqual(["Compile", ["/src/Pay.swift:3:1: error: cannot find 'rate' in scope"]]);

    // Only a step that may fail failed: the build succeeded, and its page marks the step.
    await setWorkflow([
      { name: "Lint", command: "exit 2", continueOnError: true },
      { name: "Build", command: "echo built" },
    ]);
    const passed = await finished((await start({ branch: "main" })).id);
    expect([passed.status, passed.statusReason]).toEqual(["SUCCEEDED", null]);
    const { getBuildState } = await import("@/lib/data/builds");
    expect((await getBuildState(scope, passed.id))?.steps.map((step) => [step.name, step.status, step.continueOnError, step.always])).toEqual([
      ["Fetch commit", "SUCCEEDED", false, false],
      ["Lint", "FAILED", true, false],
      ["Build", "SUCCEEDED", false, false],
    ]);
  });

  it("tries a flaky step again in the same folder, as many times as it may, and fails only once the tries are spent", async () => {
    // Fails on its first try, succeeds on its second: the file it counts in is still there.
    const flaky = 'n=$(cat .tries 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > .tries; echo "try $n of KEEL_BUILD_STEP_TRY=$KEEL_BUILD_STEP_TRY"; [ "$n" -ge 2 ]';
    await setWorkflow([
      { name: "Boot simulator", command: flaky, retries: 2 },
      { name: "Upload", command: "echo 'mirror timed out'; exit 7", retries: 1 },
      { name: "Never", command: "echo never" },
    ]);
    const build = await finished((await start({ branch: "main" })).id);
    expect([build.status, build.statusReason]).toEqual(["FAILED", "Step “Upload” failed with exit code 7."]);
    const rows = await database.prisma.buildStep.findMany({ where: { buildId: build.id }, orderBy: { index: "asc" }, select: { name: true, status: true, retries: true, tries: true } });
    expect(rows.map((row) => [row.name, row.status, row.retries, row.tries])).toEqual([
      ["Fetch commit", "SUCCEEDED", 0, 1],
      ["Boot simulator", "SUCCEEDED", 2, 2],
      ["Upload", "FAILED", 1, 2],
      ["Never", "SKIPPED", 0, 0],
    ]);
    const log = await logOf(build.id);
    expect(log).toEqual(
      expect.arrayContaining([
        "try 1 of KEEL_BUILD_STEP_TRY=1",
        "✘ Boot simulator failed with exit code 1 (try 1 of 3); trying it again.",
        "▶ Boot simulator (try 2 of 3)",
        "try 2 of KEEL_BUILD_STEP_TRY=2",
        "✘ Upload failed with exit code 7 (try 1 of 2); trying it again.",
        "▶ Upload (try 2 of 2)",
      ]),
    );
    expect(log.some((line) => /^✔ Boot simulator succeeded in .+ on try 2 of 3: it failed before, so it may be flaky\.$/.test(line))).toBe(true);
    expect(log.some((line) => /^✘ Upload failed with exit code 7 after .+ \(2 tries\)\.$/.test(line))).toBe(true);
    expect(log.filter((line) => line === "mirror timed out")).toHaveLength(2);
  });

  it("Cancel kills the whole process tree, escaped processes included", async () => {
    await setWorkflow([
      { name: "Daemon", command: "setsid sleep 300 > /dev/null 2>&1 < /dev/null & echo started" },
      ...FIXTURE_BUILD.steps,
    ], [{ name: FIXTURE_BUILD.slowSecondsVariable, value: "120", isSecret: false }]);
    const build = await start({ branch: DEFAULT_BUILD_BRANCHES.slow });
    await until("the slow build to compile", async () => (await logOf(build.id)).includes("compiling module 2 of 120"));
    expect((await markerProcesses(build.id)).length).toBeGreaterThanOrEqual(3);
    const { cancelBuild } = await import("./service");
    await cancelBuild(scope, build.id);
    const done = await finished(build.id);
    expect(done.status).toBe("CANCELED");
    expect(await markerProcesses(build.id)).toEqual([]);
    const steps = await database.prisma.buildStep.findMany({ where: { buildId: build.id }, orderBy: { index: "asc" } });
    expect(steps.map((step) => step.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "CANCELED", "SKIPPED"]);
  });

  it("gives the steps the profile's secret files outside the workspace, readable by the build only, text ones masked in the log, ended signing files named", async () => {
    const { saveSecretFile, removeSecretFile, listSecretFiles } = await import("@/lib/data/secret-files");
    const { updateWorkflow } = await import("@/lib/data/builds");
    const { createHash } = await import("node:crypto");
    const keystore = Buffer.from([0, 1, 2, 3, 250, 251, 252, 253, 254, 255]);
    const pem = "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg0123456789abcdefABCDEF\n-----END PRIVATE KEY-----\n";
    await saveSecretFile(scope, profileId, { variable: "ANDROID_KEYSTORE", fileName: "release.jks", content: keystore, signing: { kind: "other" } });
    await saveSecretFile(scope, profileId, { variable: "APP_STORE_KEY", fileName: "AuthKey.p8", content: Buffer.from(pem), signing: { kind: "other" } });
    // A provisioning profile that ended two days ago: the log says so before the steps run.
    const { provisioningProfile, signingCertificate } = await import("@/lib/testing/signing");
    const { inspectSigningFile } = await import("./signing-files");
    const ended = provisioningProfile({ name: "Wallet Ad Hoc", expiresAt: new Date(Date.now() - 2 * 86_400_000), devices: 2, certificates: [signingCertificate("Apple Distribution: Fabrikam Ltd (ABCDE12345)", new Date(Date.now() + 300 * 86_400_000))] });
    await saveSecretFile(scope, profileId, { variable: "IOS_PROFILE", fileName: "Wallet_AdHoc.mobileprovision", content: ended, signing: inspectSigningFile(ended) });
    // A workflow variable may not take a file's name, nor a file a variable's.
    await expect(updateWorkflow(scope, profileId, { steps: [{ name: "x", command: "true" }], timeoutMinutes: 30, variables: [{ name: "ANDROID_KEYSTORE", isSecret: false, value: "x" }] })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await setWorkflow(
      [
        {
          name: "Sign",
          command: [
            'case "$ANDROID_KEYSTORE" in "$KEEL_BUILD_WORKSPACE"*) echo inside-workspace; exit 1;; esac',
            'echo "mode $(stat -c %a "$ANDROID_KEYSTORE") $(basename "$ANDROID_KEYSTORE")"',
            'sha256sum "$ANDROID_KEYSTORE" | cut -c1-64',
            'cat "$APP_STORE_KEY"',
          ].join("\n"),
        },
      ],
      [{ name: "PLAIN", value: "x", isSecret: false }],
    );
    const done = await finished((await start({ branch: "main" })).id);
    expect(done.status).toBe("SUCCEEDED");
    const log = await logOf(done.id);
    expect(log).toContain("Secret files: ANDROID_KEYSTORE (release.jks), APP_STORE_KEY (AuthKey.p8), IOS_PROFILE (Wallet_AdHoc.mobileprovision).");
    const signing = log.find((line) => line.startsWith("$IOS_PROFILE: "));
    expect(signing).toMatch(/^\$IOS_PROFILE: Provisioning profile “Wallet Ad Hoc” \(ad hoc, 2 devices · com\.fabrikam\.wallet · Fabrikam Ltd \(ABCDE12345\)\), expired on \d{4}-\d{2}-\d{2}\. Signing with it fails\. Renew/);
    // Files that are not signing files get no such line.
    expect(log.filter((line) => /^\$(ANDROID_KEYSTORE|APP_STORE_KEY): /.test(line))).toEqual([]);
    // A step that fails: "What went wrong" names the ended file beside the step's own error.
    await setWorkflow([{ name: "Sign", command: 'echo "error: No profile for team ABCDE12345 matching Wallet Ad Hoc found"; exit 65' }]);
    const failed = await finished((await start({ branch: "main" })).id);
    expect(failed.status).toBe("FAILED");
    const { failureLines } = await import("@/lib/data/builds");
    expect((await failureLines(scope, failed.id))?.lines.map((line) => line.text)).toEqual([
      "error: No profile for team ABCDE12345 matching Wallet Ad Hoc found",
      expect.stringMatching(/^error: the signing file in \$IOS_PROFILE \(Provisioning profile “Wallet Ad Hoc”\) expired on \d{4}-\d{2}-\d{2}: nothing signs with it\./),
    ]);
    expect(log).toContain("mode 600 release.jks");
    expect(log).toContain(createHash("sha256").update(keystore).digest("hex"));
    expect(log).toContain("***");
    expect(log.join("\n")).not.toContain("MIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg0123456789abcdefABCDEF");
    expect(readdirSync(buildDir)).toEqual([]);
    for (const file of await listSecretFiles(scope, profileId)) {
      await removeSecretFile(scope, profileId, file.id);
    }
    await setWorkflow(null);
  });

  it("rolling builds: a newer push build cancels older ones of its branch as the triggers say; a build started by hand stays", async () => {
    const { updateProfileTriggers } = await import("@/lib/data/hooks");
    const { startBuild, cancelBuild } = await import("./service");
    const { randomUUID } = await import("node:crypto");
    await setWorkflow([{ name: "Wait", command: "sleep 60" }]);
    const base = { mode: "automatic" as const, push: { enabled: true, branches: [] }, pullRequest: { enabled: true, branches: [] } };
    await updateProfileTriggers(scope, profileId, { ...base, supersede: "running" });
    const main = await tip("main");
    const push = async () => (await startBuild(scope, { profileId, trigger: "PUSH", branch: "main", commit: main, idempotencyKey: randomUUID() })).build;
    const running = (id: string) => until(`build ${id} to run`, async () => (await database.prisma.build.findUniqueOrThrow({ where: { id } })).status === "RUNNING");
    const byHand = await start({ branch: "main" });
    const first = await push();
    await running(first.id);
    const second = await push();
    expect(await finished(first.id)).toMatchObject({ status: "CANCELED", statusReason: `Superseded by #${second.number}, a newer commit of main.` });
    // Only waiting ones: a running older build goes on.
    await updateProfileTriggers(scope, profileId, { ...base, supersede: "queued" });
    await running(second.id);
    const third = await push();
    await running(third.id);
    expect((await database.prisma.build.findUniqueOrThrow({ where: { id: second.id } })).status).toBe("RUNNING");
    expect((await database.prisma.build.findUniqueOrThrow({ where: { id: byHand.id } })).status).toBe("RUNNING");
    for (const build of [byHand, second, third]) {
      await cancelBuild(scope, build.id);
    }
    for (const build of [byHand, second, third]) {
      expect((await finished(build.id)).status).toBe("CANCELED");
    }
    await updateProfileTriggers(scope, profileId, base);
    await setWorkflow(null);
  }, 90_000);

  it("build pools: a profile that runs on “macos” waits in that pool's queue, which only a worker started for it takes", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const { summarizeWorkers } = await import("@/lib/data/jobs");
    const steps = [{ name: "Where", command: 'echo "pool=$KEEL_BUILD_POOL"' }];
    await setWorkflow(steps);
    await updateWorkflow(scope, profileId, { steps, timeoutMinutes: 30, variables: [], pool: "macos" });
    const audit = await database.prisma.auditEvent.findFirst({ where: { action: "workflow.updated", targetId: profileId }, orderBy: { createdAt: "desc" } });
    expect(audit?.data).toMatchObject({ changed: ["pool"], pool: "macos", poolBefore: "default" });
    try {
      const build = await start({ branch: "main" });
      expect(build.pool).toBe("macos");
      // Its job is in the pool's own queue, which the two default workers never fetch.
      const jobs = await database.prisma.$queryRawUnsafe<{ name: string; state: string }[]>(`SELECT name, state FROM pgboss.job WHERE id = $1`, build.id);
      expect(jobs).toEqual([{ name: "builds.run.macos", state: "created" }]);
      expect((await summarizeWorkers(60_000)).pools).toEqual(["default"]);
      const mac = startWorker({ KEEL_BUILD_POOLS: "macos" });
      const done = await finished(build.id);
      expect(done.status).toBe("SUCCEEDED");
      expect(done.workerPid).toBe(mac.process.pid);
      const log = await logOf(build.id);
      expect(log).toContain("pool=macos");
      expect(log.some((line) => line.endsWith("a worker of the build pool “macos”."))).toBe(true);
      expect((await summarizeWorkers(60_000)).pools).toEqual(["default", "macos"]);
      mac.process.kill("SIGTERM");
      await mac.exited;
    } finally {
      await updateWorkflow(scope, profileId, { steps, timeoutMinutes: 30, variables: [], pool: "default" });
    }
  });

  // Only root starts processes as another user; CI runs as root (it installs Debian packages).
  it.skipIf(process.getuid?.() !== 0)("steps as another user (KEEL_BUILD_USER): the build's folder is the user's, the worker's environment is closed to it, and none of its processes outlive the steps", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const { saveSecretFile } = await import("@/lib/data/secret-files");
    const { listArtifacts } = await import("@/lib/data/artifacts");
    const user = "keel-build-test";
    await promisify(execFile)("id", ["-u", user]).catch(() => promisify(execFile)("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user]));
    const uid = Number((await promisify(execFile)("id", ["-u", user])).stdout.trim());
    // The user's live processes (a zombie is dead: PID 1 of a container may never reap it).
    const userProcesses = () =>
      readdirSync("/proc")
        .filter((entry) => /^\d+$/.test(entry))
        .filter((entry) => {
          try {
            const status = readFileSync(`/proc/${entry}/status`, "utf8");
            return status.match(/^Uid:\s+(\d+)/m)?.[1] === String(uid) && !/^State:\s+Z/m.test(status);
          } catch {
            return false;
          }
        });
    // Refused at start, saying why: an unknown user, and more than one build at a time.
    const unknown = startWorker({ KEEL_BUILD_POOLS: "isolated", KEEL_BUILD_USER: "keel-no-such-user", KEEL_BUILD_CONCURRENCY: "1" });
    expect(await unknown.exited, unknown.output.join("")).toBe(2);
    expect(unknown.output.join("")).toContain("KEEL_BUILD_USER=keel-no-such-user: there is no such user on this machine");
    const many = startWorker({ KEEL_BUILD_POOLS: "isolated", KEEL_BUILD_USER: user });
    expect(await many.exited, many.output.join("")).toBe(2);
    expect(many.output.join("")).toContain("KEEL_BUILD_CONCURRENCY must be 1 with KEEL_BUILD_USER");
    // The user must pass through the build folder to reach its own.
    const isolatedDir = mkdtempSync(path.join(tmpdir(), "keel-builds-isolated-"));
    const closed = startWorker({ KEEL_BUILD_POOLS: "isolated", KEEL_BUILD_USER: user, KEEL_BUILD_CONCURRENCY: "1", KEEL_BUILD_DIR: isolatedDir });
    expect(await closed.exited, closed.output.join("")).toBe(2);
    expect(closed.output.join("")).toContain(`cannot reach the build folder ${isolatedDir}`);
    chmodSync(isolatedDir, 0o711);
    const worker = startWorker({ KEEL_BUILD_POOLS: "isolated", KEEL_BUILD_USER: user, KEEL_BUILD_CONCURRENCY: "1", KEEL_BUILD_DIR: isolatedDir });
    // What a build the worker lost left running as the user (here: started by hand) ends before the next build's steps.
    const leftover = spawn("sleep", ["300"], { uid, gid: Number((await promisify(execFile)("id", ["-g", user])).stdout.trim()), detached: true, stdio: "ignore" });
    leftover.unref();
    const steps = [
      { name: "Who", command: `echo "user=$(id -un) home=$(stat -c %U "$HOME") workspace=$(stat -c %U .)"; test -r "$ISOLATED_FILE" && echo "secret file: $(cat "$ISOLATED_FILE")"; cat "$HOME/.tool-cache/x" 2>/dev/null || echo no-cache; kill -0 ${leftover.pid} 2>/dev/null && echo "leftover running" || echo "leftover gone"` },
      // Every environment on the machine this user can read: the worker's (DATABASE_URL, KEEL_ENCRYPTION_KEYS) is not among them.
      { name: "Peek", command: 'n=0; for f in /proc/[0-9]*/environ; do if grep -qa "DATABASE_URL=" "$f" 2>/dev/null; then n=$((n+1)); fi; done; echo "environments with DATABASE_URL: $n"' },
      { name: "Leave", command: 'mkdir -p out "$HOME/.tool-cache"; echo made > out/result.txt; echo tool > "$HOME/.tool-cache/x"; (env -i setsid sleep 300 > /dev/null 2>&1 &); echo left' },
    ];
    // The same look as the worker's own user finds the workers' environments: the probe can see them.
    expect((await promisify(execFile)("bash", ["-c", steps[1]!.command])).stdout).toMatch(/environments with DATABASE_URL: [1-9]/);
    // A profile of its own: its cache and secret file stay out of the other tests.
    const isolated = await seedProfile("Wallet Isolated", DEFAULT_PATS.fabrikamFull);
    await saveSecretFile(scope, isolated, { variable: "ISOLATED_FILE", fileName: "note.txt", content: Buffer.from("only-for-the-build"), signing: { kind: "other" } });
    await updateWorkflow(scope, isolated, { steps, timeoutMinutes: 30, variables: [], pool: "isolated", artifacts: ["out/*.txt"], cachePaths: ["$HOME/.tool-cache"], cacheKeyFiles: [] });
    try {
      const first = await finished((await start({ branch: "main", profile: isolated })).id);
      const log = await logOf(first.id);
      expect(first.status, log.join("\n")).toBe("SUCCEEDED");
      expect(first.workerPid).toBe(worker.process.pid);
      // Its heartbeat says so, for the admins' Workers page; its pool has a worker that runs forks' builds without secrets, the default pool none.
      expect((await database.prisma.workerHeartbeat.findFirstOrThrow({ where: { pid: worker.process.pid } })).buildUser).toBe(user);
      const { isolatedWorkers } = await import("@/lib/data/jobs");
      expect([await isolatedWorkers("isolated", 60_000), await isolatedWorkers("default", 60_000)]).toEqual([1, 0]);
      expect(log).toContain(`user=${user} home=${user} workspace=${user}`);
      expect(log.some((line) => line.endsWith(`a worker of the build pool “isolated”; the steps run as the user ${user}.`))).toBe(true);
      expect(log).toContain("secret file: ***");
      expect(log).toContain("no-cache");
      expect(log).toContain("leftover gone");
      expect(log).toContain("environments with DATABASE_URL: 0");
      expect(log.some((line) => line.startsWith("Saved the cache for main"))).toBe(true);
      expect((await listArtifacts(scope, first.id)).artifacts.map((artifact) => artifact.path)).toEqual(["out/result.txt"]);
      // The escaped sleep (no group, no marker) ended with the user's other processes; the folder is gone.
      expect(userProcesses()).toEqual([]);
      expect(readdirSync(isolatedDir)).toEqual([]);
      // The next build unpacks the cache as the user, into its own home.
      const second = await finished((await start({ branch: "main", profile: isolated })).id);
      const again = await logOf(second.id);
      expect(second.status, again.join("\n")).toBe("SUCCEEDED");
      expect(again).toContain("tool");
      expect(again.some((line) => line.startsWith(`Restored the cache of #${first.number} on main`))).toBe(true);
      expect(userProcesses()).toEqual([]);

      // A fork's pull request built by itself without the profile's secrets: no secret variable or file reaches its steps.
      await updateWorkflow(scope, isolated, {
        steps: [{ name: "Secrets", command: 'echo "variable=${ISOLATED_SECRET:-none} plain=$ISOLATED_PLAIN file=${ISOLATED_FILE:-none}"' }],
        timeoutMinutes: 30,
        variables: [{ name: "ISOLATED_SECRET", value: "fork-must-not-see-this", isSecret: true }, { name: "ISOLATED_PLAIN", value: "seen", isSecret: false }],
        pool: "isolated",
      });
      const withheld = await finished((await start({ branch: "main", profile: isolated, withholdSecrets: true })).id);
      const withheldLog = await logOf(withheld.id);
      expect(withheld.status, withheldLog.join("\n")).toBe("SUCCEEDED");
      expect(withheldLog).toContain("variable=none plain=seen file=none");
      expect(withheldLog.some((line) => line.startsWith("Without the profile's secrets: this pull request from a fork was built by itself (Triggers → Pull requests from forks), so its steps do not get ISOLATED_SECRET, ISOLATED_FILE (a file)."))).toBe(true);
      // On a worker whose steps run as its own user, such a build does not run at all: it could read everything.
      await updateWorkflow(scope, isolated, { steps: [{ name: "Secrets", command: "echo should-not-run" }], timeoutMinutes: 30, variables: [], pool: "default" });
      const refused = await finished((await start({ branch: "main", profile: isolated, withholdSecrets: true })).id);
      expect(refused.status).toBe("ERROR");
      expect(refused.statusReason).toMatch(/^This build of a pull request from a fork runs without the profile's secrets, which only a worker whose steps run as a build user can promise/);
      expect(await logOf(refused.id)).not.toContain("should-not-run");
    } finally {
      worker.process.kill("SIGTERM");
      await worker.exited;
      rmSync(isolatedDir, { recursive: true, force: true });
    }
  });

  it("a draining worker (SIGQUIT) finishes its build past the shutdown grace, starts no new one, then exits", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const { summarizeWorkers } = await import("@/lib/data/jobs");
    const lane = await seedProfile("Wallet upgrade lane", DEFAULT_PATS.fabrikamFull);
    // Longer than the workers' shutdown grace (2 s): SIGTERM would stop this build as an error.
    await updateWorkflow(scope, lane, { steps: [{ name: "Build", command: "sleep 5; echo built through the drain" }], timeoutMinutes: 30, variables: [], pool: "upgrade" });
    const old = startWorker({ KEEL_BUILD_POOLS: "upgrade" });
    const running = await start({ branch: "main", profile: lane });
    await until("the build to run", async () => (await database.prisma.build.findUniqueOrThrow({ where: { id: running.id } })).status === "RUNNING");
    old.process.kill("SIGQUIT");
    // Draining, it no longer counts as a worker of its pool: pages and the stranded-pool notice say so.
    await until("the pool to have no serving worker, the worker counted as draining", async () => {
      const summary = await summarizeWorkers(60_000);
      return !summary.pools.includes("upgrade") && summary.draining === 1;
    });
    const next = await start({ branch: "main", profile: lane });
    expect(await old.exited).toBe(0);
    const done = await finished(running.id);
    expect([done.status, done.workerPid]).toEqual(["SUCCEEDED", old.process.pid]);
    expect(await logOf(running.id)).toContain("built through the drain");
    expect((await database.prisma.build.findUniqueOrThrow({ where: { id: next.id } })).status).toBe("QUEUED");
    // The upgraded worker takes it.
    const upgraded = startWorker({ KEEL_BUILD_POOLS: "upgrade" });
    expect((await finished(next.id)).workerPid).toBe(upgraded.process.pid);
    upgraded.process.kill("SIGTERM");
    await upgraded.exited;
  });

  it("a worker shut down (SIGTERM) mid-build ends it as its worker gone, and a profile that asks starts it again on another worker", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const spot = await seedProfile("Wallet spot lane", DEFAULT_PATS.fabrikamFull);
    // The first run finds no flag and outlasts the shutdown grace (2 s); the run started again finds it and ends at once.
    const flag = path.join(outside, `spot-${Date.now()}`);
    await updateWorkflow(scope, spot, { steps: [{ name: "Build", command: `test -e ${flag} && echo built the second time || { touch ${flag}; sleep 30; }` }], timeoutMinutes: 30, variables: [], pool: "spot", retryLostBuilds: true });
    const first = startWorker({ KEEL_BUILD_POOLS: "spot" });
    const build = await start({ branch: "main", profile: spot });
    await until("the build to run its step", async () => existsSync(flag));
    first.process.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const ended = await database.prisma.build.findUniqueOrThrow({ where: { id: build.id } });
    const retry = await database.prisma.build.findUniqueOrThrow({ where: { retryOfId: build.id } });
    expect(ended).toMatchObject({ status: "ERROR", statusReason: `The Keel worker running this build was shut down before it finished. Keel started it again as #${retry.number}: the profile starts a build again once when its worker is lost.` });
    expect(ended.workerLostAt).not.toBeNull();
    expect((await logOf(build.id)).slice(-2)).toEqual([expect.stringMatching(/^The Keel worker running this build was shut down before it finished\. \(/), `Keel started it again as #${retry.number}: the profile starts a build again once when its worker is lost.`]);
    expect(retry).toMatchObject({ status: "QUEUED", commitId: ended.commitId, branch: "refs/heads/main", pool: "spot", requestedById: ended.requestedById });
    // Azure DevOps hears no error for it: its retry reports in its place.
    expect(await database.prisma.buildReport.count({ where: { buildId: build.id, buildStatus: "ERROR" } })).toBe(0);
    expect(await database.prisma.auditEvent.findFirstOrThrow({ where: { action: "build.started", targetId: retry.id } })).toMatchObject({ actorKind: "SYSTEM", actorJob: "builds.run", data: { retryOf: build.id } });
    // Another worker of the pool takes the retry.
    const second = startWorker({ KEEL_BUILD_POOLS: "spot" });
    const done = await finished(retry.id);
    expect([done.status, done.workerPid]).toEqual(["SUCCEEDED", second.process.pid]);
    expect(await logOf(retry.id)).toContain("built the second time");
    second.process.kill("SIGTERM");
    await second.exited;
  });

  it("a worker starting deletes the workspaces that stopped runs left behind, and what they left running — only of builds that are over", async () => {
    await setWorkflow([{ name: "Quick", command: "true" }]);
    const over = await finished((await start({ branch: "main" })).id);
    const { randomUUID } = await import("node:crypto");
    const unknown = randomUUID();
    // A crash mid-build leaves its folder and a process of the build (found by its marker).
    const left = path.join(buildDir, `keel-build-${over.id}-left01`);
    const foreign = path.join(buildDir, `keel-build-${unknown}-other1`);
    mkdirSync(path.join(left, "workspace"), { recursive: true });
    writeFileSync(path.join(left, "workspace", "DerivedData.bin"), "x".repeat(1024));
    mkdirSync(foreign);
    const orphan = spawn("sleep", ["60"], { env: childProcessEnv({ KEEL_BUILD_ID: over.id }), detached: true, stdio: "ignore" });
    const orphanGone = new Promise((resolve) => orphan.once("exit", resolve));
    const restarted = startWorker({ KEEL_BUILD_POOLS: "cleanup-only" });
    await until("the left workspace to be deleted", async () => !existsSync(left));
    await orphanGone;
    // Another Keel's (or an unknown build's) folder is not this worker's to delete.
    expect(existsSync(foreign)).toBe(true);
    rmSync(foreign, { recursive: true });
    restarted.process.kill("SIGTERM");
    await restarted.exited;
  });

  it("steps from the repository: the commit's keel.yml is read after the fetch and run; a missing or wrong file fails the build, naming the line", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const fromFile = await seedProfile("Wallet from file", DEFAULT_PATS.fabrikamFull);
    await updateWorkflow(scope, fromFile, { steps: [{ name: "Page step", command: "echo from-the-page" }], timeoutMinutes: 30, variables: [{ name: "GREETING", isSecret: false, value: "hello" }], workflowFile: "ci/keel.yml" });
    const wallet = { organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App" };
    const steps = ["# Wallet's build, reviewed with its code", "steps:", "  - name: Say hello", '    run: echo "$GREETING-from-the-file"', "  - name: Show the profile", "    run: |", '      echo "profile=$KEEL_BUILD_PROFILE"', ""].join("\n");
    await emulator.control.push({ ...wallet, branch: "feature/steps-file", commits: [{ message: "Build steps in the repository", files: [{ path: "ci/keel.yml", content: steps }] }] });
    await emulator.control.push({ ...wallet, branch: "feature/steps-broken", commits: [{ message: "A step without its command", files: [{ path: "ci/keel.yml", content: "steps:\n  - name: Build\n" }] }] });

    const queued = await start({ branch: "feature/steps-file", profile: fromFile });
    // Queued, it knows the file, not yet the steps (they are the commit's).
    const row = await database.prisma.build.findUniqueOrThrow({ where: { id: queued.id }, select: { workflowFile: true, steps: true } });
    expect(row).toEqual({ workflowFile: "ci/keel.yml", steps: [] });
    const done = await finished(queued.id);
    expect(done.status).toBe("SUCCEEDED");
    const log = await logOf(queued.id);
    expect(log).toContain("Steps from ci/keel.yml in this commit: Say hello, Show the profile.");
    expect(log).toContain("hello-from-the-file");
    expect(log).toContain("profile=Wallet from file");
    expect(log.join("\n")).not.toContain("from-the-page");
    const stepRows = await database.prisma.buildStep.findMany({ where: { buildId: queued.id }, orderBy: { index: "asc" }, select: { name: true, status: true } });
    expect(stepRows).toEqual([
      { name: "Fetch commit", status: "SUCCEEDED" },
      { name: "Say hello", status: "SUCCEEDED" },
      { name: "Show the profile", status: "SUCCEEDED" },
    ]);
    expect((await database.prisma.build.findUniqueOrThrow({ where: { id: queued.id } })).steps).toEqual([
      { name: "Say hello", command: 'echo "$GREETING-from-the-file"' },
      { name: "Show the profile", command: 'echo "profile=$KEEL_BUILD_PROFILE"' },
    ]);

    // A commit without the file, and one whose file is wrong: failed (the commit's problem), saying what to fix.
    const missing = await finished((await start({ branch: "main", profile: fromFile })).id);
    expect([missing.status, missing.statusReason]).toEqual(["FAILED", "ci/keel.yml is not in this commit: Keel takes this profile's steps from it"]);
    expect(missing.finding).toMatchObject({ id: "workflow_file", detail: expect.stringContaining("this commit has no such file. Nothing ran."), fix: [expect.stringContaining("Fix the file in the repository"), expect.stringContaining("Edit workflow")] });
    const broken = await finished((await start({ branch: "feature/steps-broken", profile: fromFile })).id);
    expect([broken.status, broken.statusReason]).toEqual(["FAILED", "ci/keel.yml line 2: Step 1 (Build): the run command is required."]);
    // The reason ends the log (said once), after Keel's fetch.
    expect((await logOf(broken.id)).at(-1)).toMatch(/^ci\/keel\.yml line 2: Step 1 \(Build\): the run command is required\. \([^)]+\)\.$/);
    expect(await database.prisma.buildStep.count({ where: { buildId: broken.id } })).toBe(1);
  });

  it("after another profile's builds: a success of main builds the same commit in the profile that follows; other branches and a loop do not", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const { updateProfileTriggers } = await import("@/lib/data/hooks");
    const tests = await seedProfile("Wallet tests", DEFAULT_PATS.fabrikamFull);
    const { id: _id, name: _name, nameKey: _nameKey, createdAt: _createdAt, updatedAt: _updatedAt, ...same } = await database.prisma.buildProfile.findUniqueOrThrow({
      where: { id: tests },
      select: { id: true, name: true, nameKey: true, createdAt: true, updatedAt: true, organizationId: true, connectionId: true, platform: true, projectId: true, projectName: true, repositoryId: true, repositoryName: true, defaultBranch: true },
    });
    const release = (await database.prisma.buildProfile.create({ data: { ...same, name: "Wallet to the store", nameKey: "wallet to the store" } })).id;
    for (const id of [tests, release]) {
      await updateWorkflow(scope, id, { steps: [{ name: "Build", command: "echo built $KEEL_BUILD_BRANCH" }], timeoutMinutes: 30, variables: [] });
    }
    const manual = { mode: "automatic" as const, push: { enabled: false, branches: [] }, pullRequest: { enabled: false, branches: [] } };
    await updateProfileTriggers(scope, release, { ...manual, after: { enabled: true, profileId: tests, branches: [] } });
    // Itself, or one that builds after it: refused, naming the field.
    await expect(updateProfileTriggers(scope, release, { ...manual, after: { enabled: true, profileId: release, branches: [] } })).rejects.toThrow("Build after: choose another build profile.");
    // A profile of another repository (here: through another connection) follows the slow branch's builds: it builds its own default branch.
    const app = await seedProfile("Wallet app elsewhere", DEFAULT_PATS.fabrikamFull);
    await updateWorkflow(scope, app, { steps: [{ name: "Build", command: "echo built $KEEL_BUILD_BRANCH" }], timeoutMinutes: 30, variables: [] });
    await database.prisma.buildProfile.update({ where: { id: app }, data: { defaultBranch: null } });
    await expect(updateProfileTriggers(scope, app, { ...manual, after: { enabled: true, profileId: tests, branches: [DEFAULT_BUILD_BRANCHES.slow] } })).rejects.toThrow(
      "Build after: “Wallet tests” builds another repository, so this profile would build its default branch, and it has none. Set one on the profile first.",
    );
    await database.prisma.buildProfile.update({ where: { id: app }, data: { defaultBranch: "refs/heads/main" } });
    await updateProfileTriggers(scope, app, { ...manual, after: { enabled: true, profileId: tests, branches: [DEFAULT_BUILD_BRANCHES.slow] } });
    await expect(updateProfileTriggers(scope, tests, { ...manual, after: { enabled: true, profileId: release, branches: [] } })).rejects.toThrow(
      "Build after: “Wallet to the store” already builds after this profile (or after one that does), so each would start the other's builds forever. Turn that off first.",
    );

    // A webhook of the follower's builds (its receiver is never reached: the stored event is read).
    const { createWebhook, deleteWebhook } = await import("@/lib/data/webhooks");
    const webhook = await createWebhook(scope, { name: "Release lane", url: "http://127.0.0.1:9/keel", host: "127.0.0.1:9", events: ["build.queued"], profileIds: [release] });
    try {
      const upstream = await finished((await start({ branch: "main", profile: tests })).id);
      expect(upstream.status).toBe("SUCCEEDED");
      const downstream = await until("the build after it", async () => database.prisma.build.findFirst({ where: { profileId: release, upstreamBuildId: upstream.id } }));
      // On behalf of whoever started the build it follows (they hear if it fails).
      expect(downstream).toMatchObject({ trigger: "AFTER_BUILD", commitId: upstream.commitId, branch: "refs/heads/main", requestedById: upstream.requestedById });
      expect(upstream.requestedById).not.toBeNull();
      expect((await finished(downstream.id)).status).toBe("SUCCEEDED");
      // Scripts and receivers learn which build it follows; a build no success started says null.
      const { getBuild } = await import("@/lib/data/builds");
      const { buildJson } = await import("@/lib/builds/api");
      const named = { id: upstream.id, number: upstream.number, profile: { id: tests, name: "Wallet tests" } };
      expect(buildJson((await getBuild(scope, downstream.id))!, [], "https://keel.test").upstreamBuild).toEqual(named);
      expect(buildJson((await getBuild(scope, upstream.id))!, [], "https://keel.test").upstreamBuild).toBeNull();
      const queued = await database.prisma.outgoingDelivery.findFirstOrThrow({ where: { webhookId: webhook.id, buildId: downstream.id, event: "build.queued" }, select: { payload: true } });
      expect((queued.payload as { build: { trigger: string; upstreamBuild: unknown } }).build).toMatchObject({ trigger: "AFTER_BUILD", upstreamBuild: named });
    } finally {
      await deleteWebhook(scope, webhook.id);
    }
    // Its success starts nothing more (no profile follows it), and a branch it does not build after starts nothing.
    expect(await database.prisma.build.count({ where: { profileId: app } })).toBe(0);
    const other = await finished((await start({ branch: DEFAULT_BUILD_BRANCHES.slow, profile: tests })).id);
    expect(other.status).toBe("SUCCEEDED");
    // The profile of another repository builds its default branch as it is now, not the slow branch's commit.
    const elsewhere = await until("the other repository's build after it", async () => database.prisma.build.findFirst({ where: { profileId: app, upstreamBuildId: other.id } }));
    expect(elsewhere).toMatchObject({ trigger: "AFTER_BUILD", branch: "refs/heads/main", commitId: await tip("main") });
    expect(elsewhere.commitId).not.toBe(other.commitId);
    expect((await finished(elsewhere.id)).status).toBe("SUCCEEDED");
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await database.prisma.build.count({ where: { profileId: release } })).toBe(1);
    expect(await database.prisma.build.count({ where: { profileId: app } })).toBe(1);
  }, 120_000);

  it("one build at a time: a profile's builds run one after another, in order, whatever the free workers", async () => {
    const { updateWorkflow, getBuildState } = await import("@/lib/data/builds");
    const serial = await seedProfile("Wallet release lane", DEFAULT_PATS.fabrikamFull);
    await updateWorkflow(scope, serial, { steps: [{ name: "Release", command: "sleep 2; echo released" }], timeoutMinutes: 30, variables: [], oneAtATime: true });
    // Two workers with three build slots each: without the setting all three would run at once.
    const builds = [await start({ branch: "main", profile: serial }), await start({ branch: "main", profile: serial }), await start({ branch: "main", profile: serial })];
    await until("the first to run and the others to wait for it", async () => {
      const [first, second, third] = await Promise.all(builds.map((build) => getBuildState(scope, build.id)));
      return first!.status === "RUNNING" && second!.waitingFor === builds[0]!.number && third!.waitingFor !== null;
    });
    const done = [];
    for (const build of builds) {
      done.push(await finished(build.id));
    }
    expect(done.map((build) => build.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
    for (let index = 1; index < done.length; index += 1) {
      expect(done[index]!.startedAt!.getTime()).toBeGreaterThanOrEqual(done[index - 1]!.finishedAt!.getTime());
    }
    const audit = await database.prisma.auditEvent.findFirst({ where: { action: "workflow.updated", targetId: serial }, orderBy: { createdAt: "desc" } });
    expect(audit?.data).toMatchObject({ oneAtATime: true });
  }, 120_000);

  it("secrets only for some branches: a feature branch's build runs without them and says why, the default branch's gets them; a rebuild asks again", async () => {
    const { updateWorkflow, setSecretRefs, getBuild } = await import("@/lib/data/builds");
    const { rebuild } = await import("./service");
    const { buildSummaryJson } = await import("./api");
    const { randomUUID } = await import("node:crypto");
    const guarded = await seedProfile("Wallet guarded", DEFAULT_PATS.fabrikamFull);
    await updateWorkflow(scope, guarded, {
      steps: [{ name: "Sign", command: 'echo "key=${SIGNING_KEY:-none} flavor=$FLAVOR"' }],
      timeoutMinutes: 30,
      variables: [
        { name: "SIGNING_KEY", value: "hunter2-signing-key", isSecret: true },
        { name: "FLAVOR", value: "release", isSecret: false },
      ],
    });
    expect(await setSecretRefs(scope, guarded, { branches: [], tags: { enabled: true, patterns: ["v*"] } })).toEqual({ changed: true });
    expect(await setSecretRefs(scope, guarded, { branches: [], tags: { enabled: true, patterns: ["v*"] } })).toEqual({ changed: false });

    // A feature branch: no secret, plain variables as ever; this worker has no build user, and that is no reason to refuse it.
    const feature = await finished((await start({ branch: DEFAULT_BUILD_BRANCHES.slow, profile: guarded })).id);
    expect(feature).toMatchObject({ status: "SUCCEEDED", secretsWithheld: true, secretsWithheldFor: "REF" });
    const featureLog = await logOf(feature.id);
    expect(featureLog).toContain("key=none flavor=release");
    expect(featureLog).toContain(
      `Without the profile's secrets (its steps do not get SIGNING_KEY): the branch ${DEFAULT_BUILD_BRANCHES.slow} is not one of them: only builds of the default branch (main) and of tags v* get them (Edit workflow → Who gets the secrets).`,
    );
    expect(buildSummaryJson((await getBuild(scope, feature.id))!, "https://keel.test")).toMatchObject({ secretsWithheld: true, secretsWithheldBecause: expect.stringContaining(`the branch ${DEFAULT_BUILD_BRANCHES.slow} is not one of them`) });

    // The default branch gets them (masked in the log).
    const main = await finished((await start({ branch: "main", profile: guarded })).id);
    expect(main).toMatchObject({ status: "SUCCEEDED", secretsWithheld: false, secretsWithheldFor: null });
    expect(await logOf(main.id)).toContain("key=*** flavor=release");

    // Every build again: a rebuild of the feature branch's build is decided anew, and gets them.
    expect(await setSecretRefs(scope, guarded, null)).toEqual({ changed: true });
    const again = await finished((await rebuild(scope, feature.id, randomUUID())).build.id);
    expect(again).toMatchObject({ status: "SUCCEEDED", secretsWithheld: false });
    expect(await logOf(again.id)).toContain("key=*** flavor=release");
    const audit = await database.prisma.auditEvent.findMany({ where: { targetId: guarded, action: "workflow.secrets_for" }, orderBy: { createdAt: "asc" }, select: { data: true } });
    expect(audit.map((event) => (event.data as { secretsFor: string }).secretsFor)).toEqual(["builds of the default branch (main) and of tags v*", "every build"]);
  }, 120_000);

  it("run next: a queued build moved to the front is placed first and the pool's next free worker takes it before older ones", async () => {
    const { updateWorkflow, queuePosition } = await import("@/lib/data/builds");
    const { runBuildNext } = await import("./service");
    const lane = await seedProfile("Wallet hotfix lane", DEFAULT_PATS.fabrikamFull);
    await updateWorkflow(scope, lane, { steps: [{ name: "Build", command: "echo built" }], timeoutMinutes: 30, variables: [], pool: "hotfix" });
    // No worker builds for the pool yet: three builds wait, oldest first.
    const [first, second, urgent] = [await start({ branch: "main", profile: lane }), await start({ branch: "main", profile: lane }), await start({ branch: "main", profile: lane })];
    expect(await Promise.all([first, second, urgent].map((build) => queuePosition(build.id)))).toEqual([1, 2, 3]);
    expect(await runBuildNext(scope, urgent.id)).toEqual({ changed: true });
    expect(await runBuildNext(scope, urgent.id)).toEqual({ changed: false });
    expect(await Promise.all([urgent, first, second].map((build) => queuePosition(build.id)))).toEqual([1, 2, 3]);
    const jobs = await database.prisma.$queryRawUnsafe<{ id: string; priority: number }[]>(`SELECT id::text, priority FROM pgboss.job WHERE name = 'builds.run.hotfix' ORDER BY priority DESC, created_on`);
    expect(jobs.map((job) => [job.id, job.priority])).toEqual([
      [urgent.id, 10],
      [first.id, 0],
      [second.id, 0],
    ]);
    // One worker, one build at a time: it takes the urgent build first.
    const solo = startWorker({ KEEL_BUILD_POOLS: "hotfix", KEEL_BUILD_CONCURRENCY: "1" });
    try {
      const done = await Promise.all([urgent, first, second].map((build) => finished(build.id)));
      expect(done.map((build) => build.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);
      expect(done[0]!.startedAt!.getTime()).toBeLessThan(done[1]!.startedAt!.getTime());
      expect(done[1]!.startedAt!.getTime()).toBeLessThan(done[2]!.startedAt!.getTime());
    } finally {
      solo.process.kill("SIGTERM");
      await solo.exited;
    }
    await expect(runBuildNext(scope, urgent.id)).rejects.toThrow("The build is not in the queue any more: it has started or ended.");
    expect(await database.prisma.auditEvent.count({ where: { action: "build.run_next", targetId: urgent.id } })).toBe(1);
  }, 120_000);

  it("paused builds: they queue but no worker starts them, their page says who paused them and why, and they start once resumed", async () => {
    const { updateWorkflow, getBuildState, expectedStarts, setProfilePaused } = await import("@/lib/data/builds");
    const paused = await seedProfile("Wallet paused", DEFAULT_PATS.fabrikamFull);
    await updateWorkflow(scope, paused, { steps: [{ name: "Build", command: "echo built" }], timeoutMinutes: 30, variables: [] });
    expect(await setProfilePaused(scope, paused, { reason: "Xcode 17 upgrade on the Macs" })).toEqual({ changed: true, queued: 0 });
    const build = await start({ branch: "main", profile: paused });
    // Idle workers took its job and put it back, the build still queued.
    await until("its job to be put back", async () => {
      const rows = await database.prisma.$queryRawUnsafe<{ state: string }[]>(`SELECT state::text FROM pgboss.job WHERE id = $1::uuid`, build.id);
      return rows.some((row) => row.state === "retry");
    });
    const { name } = await database.prisma.user.findUniqueOrThrow({ where: { id: seeded.adminId }, select: { name: true } });
    expect(await getBuildState(scope, build.id)).toMatchObject({ status: "QUEUED", paused: { by: name, reason: "Xcode 17 upgrade on the Macs" }, expectedStartAt: null });
    expect((await expectedStarts([build.id])).size).toBe(0);
    // Azure DevOps shows the commit's author why it does not start.
    await until("the queued commit status", async () => emulator.control.statuses().some((status) => status.targetUrl === `https://keel.test/builds/${build.id}`));
    expect(emulator.control.statuses().find((status) => status.targetUrl === `https://keel.test/builds/${build.id}`)).toMatchObject({
      state: "pending",
      description: `Keel build #${build.number} is queued: an admin paused this profile's builds (Xcode 17 upgrade on the Macs); it starts once they are resumed`,
    });
    expect((await database.prisma.build.findUniqueOrThrow({ where: { id: build.id } })).status).toBe("QUEUED");
    // Pausing again changes nothing; resuming starts what waits.
    expect(await setProfilePaused(scope, paused, { reason: "Xcode 17 upgrade on the Macs" })).toEqual({ changed: false, queued: 1 });
    expect(await setProfilePaused(scope, paused, null)).toEqual({ changed: true, queued: 1 });
    expect((await finished(build.id)).status).toBe("SUCCEEDED");
    const audit = await database.prisma.auditEvent.findMany({ where: { targetId: paused, action: { in: ["profile.builds_paused", "profile.builds_resumed"] } }, orderBy: { createdAt: "asc" }, select: { action: true, data: true } });
    expect(audit).toEqual([
      { action: "profile.builds_paused", data: expect.objectContaining({ reason: "Xcode 17 upgrade on the Macs", queued: 0 }) },
      { action: "profile.builds_resumed", data: expect.objectContaining({ queued: 1 }) },
    ]);
  }, 120_000);

  it("the time limit kills the whole process tree", async () => {
    const { createBuild } = await import("@/lib/data/builds");
    const { enqueue } = await import("@/lib/jobs/enqueue");
    const { runBuildQueue } = await import("@/lib/jobs/queues");
    const { randomUUID } = await import("node:crypto");
    // The form's minimum is a minute; the mechanism is what is tested here, with four seconds.
    const created = await createBuild(scope, {
      profileId,
      trigger: "MANUAL",
      idempotencyKey: randomUUID(),
      commitId: await tip(DEFAULT_BUILD_BRANCHES.slow),
      branch: `refs/heads/${DEFAULT_BUILD_BRANCHES.slow}`,
      commitMessage: null,
      commitAuthor: null,
      steps: [{ name: "Build", command: "./build.sh build" }],
      timeoutSeconds: 4,
    });
    await enqueue(runBuildQueue, { buildId: created.id }, { scope, id: created.id });
    const done = await finished(created.id);
    expect(done.status).toBe("TIMED_OUT");
    expect(done.statusReason).toBe("Stopped after the time limit of 4 s.");
    expect(await markerProcesses(created.id)).toEqual([]);
  });

  it("stores output up to the bounds, then a marker, and says how much was not stored", async () => {
    await setWorkflow([{ name: "Chatty", command: "seq 1 5000" }]);
    const build = await start({ branch: "main" });
    const done = await finished(build.id);
    expect(done.status).toBe("SUCCEEDED");
    expect(done.logTruncated).toBe(true);
    const lines = await database.prisma.buildLogLine.count({ where: { buildId: build.id } });
    expect(lines).toBeLessThanOrEqual(402);
    const log = await logOf(build.id);
    expect(log.some((line) => line.startsWith("Keel stores at most 400 lines"))).toBe(true);
    expect(log.some((line) => /more lines \(.*\) of output were not stored/.test(line))).toBe(true);
  });

  it("output with NUL bytes and broken UTF-8 is stored with replacement characters, and the log goes on after it", async () => {
    await setWorkflow([{ name: "Binary", command: "printf 'before\\nbin\\000ary \\377\\376\\nafter\\n'" }]);
    const build = await start({ branch: "main" });
    const done = await finished(build.id);
    expect(done.status).toBe("SUCCEEDED");
    const log = await logOf(build.id);
    expect(log).toContain("before");
    expect(log).toContain("bin\uFFFDary \uFFFD\uFFFD");
    expect(log).toContain("after");
  });

  it("a worker killed with -9 mid-build: the build is marked error with its log intact, and its retried job runs nothing", async () => {
    await setWorkflow(FIXTURE_BUILD.steps.map((step) => ({ ...step })), [{ name: FIXTURE_BUILD.slowSecondsVariable, value: "120", isSecret: false }]);
    const build = await start({ branch: DEFAULT_BUILD_BRANCHES.slow });
    await until("the slow build to compile", async () => (await logOf(build.id)).includes("compiling module 3 of 120"));
    const running = await database.prisma.build.findUniqueOrThrow({ where: { id: build.id } });
    const victim = workers.find((worker) => worker.process.pid === running.workerPid)!;
    victim.process.kill("SIGKILL");
    expect(await victim.exited).toBeNull();
    const before = await logOf(build.id);
    const done = await finished(build.id);
    expect(done.status).toBe("ERROR");
    expect(done.statusReason).toMatch(/^Keel lost the worker running this build/);
    const after = await logOf(build.id);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length)).toEqual([expect.stringMatching(/^Keel lost the worker running this build; marked as an error\./), expect.stringMatching(/^Start the build again — or let the profile do that by itself/)]);
    // The survivor's sweeper also ended the orphaned processes and the workspace on this machine.
    await until("the orphans to be gone", async () => (await markerProcesses(build.id)).length === 0);
    await until("the workspace to be gone", async () => readdirSync(buildDir).length === 0);
    // The job comes back (as pg-boss's expiry would bring it): the survivor finds the build
    // not queued and runs nothing.
    await database.prisma.$executeRawUnsafe(`UPDATE pgboss.job SET state = 'retry', start_after = now() WHERE name = 'builds.run' AND id = $1`, build.id);
    await until("the retried job to complete", async () => {
      const rows = await database.prisma.$queryRawUnsafe<{ state: string }[]>(`SELECT state FROM pgboss.job WHERE name = 'builds.run' AND id = $1`, build.id);
      return rows[0]?.state === "completed";
    });
    const again = await database.prisma.build.findUniqueOrThrow({ where: { id: build.id } });
    expect(again.status).toBe("ERROR");
    expect(await logOf(build.id)).toEqual(after);
    startWorker();
  }, 120_000);

  it("fetches the commit's submodules of the organization with the credential, names one it will not fetch, and skips them when the workflow says so", async () => {
    // A real push (Alex's full-access PAT) of a commit of Wallet App with two submodules of the
    // organization's ios-sdk at its tip: a relative URL (as Azure DevOps recommends) and an SSH one,
    // beside an entry whose submodule was removed (in .gitmodules, not in the tree: ignored).
    const sdk = (await emulator.control.refs({ organization: "fabrikam", project: "MOBILE_IOS", repository: DEFAULT_REPOS.iosSdk.name })).find((ref) => ref.name === "refs/heads/master")!.objectId;
    const work = mkdtempSync(path.join(tmpdir(), "keel-submodules-"));
    const url = `${emulator.servicesUrl}/fabrikam/MOBILE_IOS/_git/Wallet%20App`;
    const header = `Authorization: Basic ${Buffer.from(`:${DEFAULT_PATS.fabrikamFullAccess}`).toString("base64")}`;
    const git = async (...args: string[]) =>
      (await promisify(execFile)("git", ["-c", `http.extraHeader=${header}`, "-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { cwd: work, encoding: "utf8", env: childProcessEnv({ HOME: work, GIT_TERMINAL_PROMPT: "0" }) })).stdout.trim();
    const pushWith = async (branch: string, gitmodules: string, links: string[], gitattributes?: string) => {
      await git("checkout", "-q", "-B", branch, "FETCH_HEAD");
      writeFileSync(path.join(work, ".gitmodules"), gitmodules);
      await git("add", ".gitmodules");
      if (gitattributes) {
        writeFileSync(path.join(work, ".gitattributes"), gitattributes);
        await git("add", ".gitattributes");
      }
      for (const link of links) {
        await git("update-index", "--add", "--cacheinfo", `160000,${sdk},${link}`);
      }
      await git("commit", "-q", "-m", `Submodules (${branch})`);
      await git("push", "-q", url, `HEAD:refs/heads/${branch}`, "--force");
    };
    try {
      await git("init", "-q", ".");
      await git("fetch", "-q", "--depth", "1", url, "main");
      await pushWith("ci/submodules", '[submodule "Sdk"]\n\tpath = Sdk\n\turl = ../ios-sdk\n[submodule "Vendor/sdk"]\n\tpath = Vendor/sdk\n\turl = git@ssh.dev.azure.com:v3/fabrikam/MOBILE_IOS/ios-sdk\n[submodule "Removed"]\n\tpath = Removed\n\turl = git@github.com:example/removed.git\n', ["Sdk", "Vendor/sdk"], "*.png filter=lfs diff=lfs merge=lfs -text\n");
      await git("fetch", "-q", "--depth", "1", url, "main");
      await pushWith("ci/submodules-elsewhere", '[submodule "lib"]\n\tpath = lib\n\turl = git@github.com:example/lib.git\n', ["lib"]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }

    const { updateWorkflow } = await import("@/lib/data/builds");
    const steps = [{ name: "Look", command: "git -C Sdk rev-parse HEAD && git -C Vendor/sdk rev-parse HEAD && ls Sdk && cat .git/config .git/modules/*/config" }];
    await updateWorkflow(scope, profileId, { steps, timeoutMinutes: 30, fetchSubmodules: true, variables: [] });
    const build = await finished((await start({ branch: "ci/submodules" })).id);
    const log = await logOf(build.id);
    expect(build.status, log.join("\n")).toBe("SUCCEEDED");
    expect(log).toContain(`Fetching 2 submodules: Sdk from ${emulator.servicesUrl}/fabrikam/MOBILE_IOS/_git/ios-sdk; Vendor/sdk from ${emulator.servicesUrl}/fabrikam/MOBILE_IOS/_git/ios-sdk.`);
    expect(log.filter((line) => line === sdk)).toHaveLength(2);
    // Its .gitattributes sends images through Git LFS, but it has no pointer files: nothing to fetch, nothing said.
    expect(log.some((line) => line.includes("Git LFS"))).toBe(false);
    expect(log).toContain("README.md");
    // The credential is in no config git wrote (the steps printed them) and not in the log.
    expect(log.join("\n")).not.toMatch(/extraheader|authorization/i);
    expect(log.join("\n")).not.toContain(DEFAULT_PATS.fabrikamFull);

    // A submodule on another host over SSH: refused before git runs, with the reason and the way out.
    const refused = await finished((await start({ branch: "ci/submodules-elsewhere" })).id);
    expect(refused.status).toBe("ERROR");
    expect(refused.finding).toMatchObject({ id: "submodule_refused", title: "Keel cannot fetch the submodule lib" });
    expect(JSON.stringify(refused.finding)).toContain("Fetch submodules");
    // Turned off in the workflow, the same commit builds (its submodule folder stays empty).
    await updateWorkflow(scope, profileId, { steps: [{ name: "Look", command: "test -z \"$(ls -A lib)\" && echo lib-empty" }], timeoutMinutes: 30, fetchSubmodules: false, variables: [] });
    const skipped = await finished((await start({ branch: "ci/submodules-elsewhere" })).id);
    expect(skipped.status).toBe("SUCCEEDED");
    const skippedLog = await logOf(skipped.id);
    expect(skippedLog).toContain("lib-empty");
    expect(skippedLog.some((line) => line.includes("Git LFS"))).toBe(false);
    await updateWorkflow(scope, profileId, { steps: (await import("@/lib/shared/workflow")).defaultWorkflowSteps("IOS"), timeoutMinutes: 30, fetchSubmodules: true, variables: [] });
  }, 120_000);

  it("fetches the commit's Git LFS files with the connection's credential before the steps, and leaves the pointers when the workflow says so", async () => {
    // A real push of a commit whose .gitattributes routes images and a model through LFS, with
    // the objects uploaded through the LFS batch API first (what `git lfs push` does).
    const work = mkdtempSync(path.join(tmpdir(), "keel-lfs-"));
    const url = `${emulator.servicesUrl}/fabrikam/MOBILE_IOS/_git/Wallet%20App`;
    const authorization = `Basic ${Buffer.from(`:${DEFAULT_PATS.fabrikamFullAccess}`).toString("base64")}`;
    const git = async (...args: string[]) =>
      (await promisify(execFile)("git", ["-c", `http.extraHeader=Authorization: ${authorization}`, "-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { cwd: work, encoding: "utf8", env: childProcessEnv({ HOME: work, GIT_TERMINAL_PROMPT: "0" }) })).stdout.trim();
    const icon = Buffer.from(`<svg>${"wallet ".repeat(200)}</svg>\n`);
    const model = Buffer.from(`classifier weights ${Date.now()}\n`);
    const { uploadLfsObjects } = await import("@/e2e/azure-devops-emulator/test-support");
    const [iconPointer, modelPointer] = await uploadLfsObjects(url, authorization, [icon, model]);
    try {
      await git("init", "-q", ".");
      await git("fetch", "-q", "--depth", "1", url, "main");
      await git("checkout", "-q", "-B", "ci/lfs", "FETCH_HEAD");
      mkdirSync(path.join(work, "Assets"));
      writeFileSync(path.join(work, ".gitattributes"), "*.svg filter=lfs diff=lfs merge=lfs -text\n*.mlmodel filter=lfs diff=lfs merge=lfs -text\n");
      writeFileSync(path.join(work, "Assets/logo.svg"), iconPointer!);
      writeFileSync(path.join(work, "Assets/Classifier.mlmodel"), modelPointer!);
      await git("add", ".gitattributes", "Assets");
      await git("commit", "-q", "-m", "Assets in Git LFS");
      await git("push", "-q", url, "HEAD:refs/heads/ci/lfs", "--force");
    } finally {
      rmSync(work, { recursive: true, force: true });
    }

    const { updateWorkflow } = await import("@/lib/data/builds");
    const steps = [{ name: "Look", command: "cat Assets/Classifier.mlmodel && wc -c < Assets/logo.svg && echo \"changed: $(git status --porcelain | wc -l)\"" }];
    await updateWorkflow(scope, profileId, { steps, timeoutMinutes: 30, variables: [] });
    const build = await finished((await start({ branch: "ci/lfs" })).id);
    const log = await logOf(build.id);
    expect(build.status, log.join("\n")).toBe("SUCCEEDED");
    expect(log.some((line) => /^Fetching 2 Git LFS files \(.+\) from .*Wallet%20App\.git\/info\/lfs\.$/.test(line))).toBe(true);
    expect(log.some((line) => line.startsWith("Fetched 2 Git LFS files"))).toBe(true);
    expect(log).toContain(model.toString().trim());
    expect(log).toContain(String(icon.length));
    expect(log).toContain("changed: 0");
    expect(log.join("\n")).not.toContain(DEFAULT_PATS.fabrikamFull);

    // Turned off: the steps see the pointer files, and the fetch step says why.
    await updateWorkflow(scope, profileId, { steps: [{ name: "Look", command: "head -1 Assets/logo.svg" }], timeoutMinutes: 30, fetchLfs: false, variables: [] });
    const skipped = await finished((await start({ branch: "ci/lfs" })).id);
    const skippedLog = await logOf(skipped.id);
    expect(skipped.status).toBe("SUCCEEDED");
    expect(skippedLog).toContain("2 files are Git LFS pointers, which this workflow does not fetch (“Fetch Git LFS files” is off): steps see the pointer files.");
    expect(skippedLog).toContain("version https://git-lfs.github.com/spec/v1");
    await updateWorkflow(scope, profileId, { steps: (await import("@/lib/shared/workflow")).defaultWorkflowSteps("IOS"), timeoutMinutes: 30, fetchLfs: true, variables: [] });
  }, 120_000);

  it("caches folders between builds of a branch: saved after success, restored before the steps, not saved again unchanged, a branch starting from the default branch's", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const command = [
      "if [ -f .keel-cache/stamp ]; then echo \"cache-hit $(cat .keel-cache/stamp) home=$(cat $HOME/.tool-cache/x)\"; else echo cache-miss; mkdir -p .keel-cache $HOME/.tool-cache; echo first > .keel-cache/stamp; echo tool > $HOME/.tool-cache/x; fi",
    ].join("\n");
    const workflow = (extra = "") => ({ steps: [{ name: "Deps", command: `${command}${extra}` }], timeoutMinutes: 30, variables: [], cachePaths: [".keel-cache", "$HOME/.tool-cache"], cacheKeyFiles: ["Podfile.lock"] });
    await updateWorkflow(scope, profileId, workflow());
    const caches = () => database.prisma.buildCache.findMany({ where: { profileId }, orderBy: { createdAt: "asc" }, select: { branch: true, buildNumber: true, complete: true, size: true } });

    const first = await finished((await start({ branch: "main" })).id);
    const firstLog = await logOf(first.id);
    expect(first.status, firstLog.join("\n")).toBe("SUCCEEDED");
    expect(firstLog).toContain("cache-miss");
    expect(firstLog.some((line) => line.startsWith("No cache to restore yet (.keel-cache, $HOME/.tool-cache)"))).toBe(true);
    expect(firstLog.some((line) => /^Saved the cache for main \(2 folders, .+\) in /.test(line))).toBe(true);
    expect(await caches()).toEqual([expect.objectContaining({ branch: "refs/heads/main", buildNumber: first.number, complete: true })]);

    // The next build of main starts from it, and stores nothing when the folders did not change.
    const second = await finished((await start({ branch: "main" })).id);
    const secondLog = await logOf(second.id);
    expect(secondLog).toContain("cache-hit first home=tool");
    expect(secondLog.some((line) => line.startsWith(`Restored the cache of #${first.number} on main (`))).toBe(true);
    expect(secondLog.some((line) => line.startsWith(`The cache did not change (`) && line.endsWith(`the one of #${first.number} on main stays.`))).toBe(true);
    expect(await caches()).toHaveLength(1);

    // Changed by the steps: saved again, replacing the older one of the same branch and key.
    await updateWorkflow(scope, profileId, workflow("\necho more >> .keel-cache/stamp"));
    const third = await finished((await start({ branch: "main" })).id);
    expect((await logOf(third.id)).some((line) => line.startsWith("Saved the cache for main"))).toBe(true);
    expect(await caches()).toEqual([expect.objectContaining({ branch: "refs/heads/main", buildNumber: third.number })]);

    // Started without caches (a cache that breaks builds): nothing restored; its own replaces main's.
    const clean = await finished((await start({ branch: "main", skipCaches: true })).id);
    const cleanLog = await logOf(clean.id);
    expect(cleanLog).toContain("Not restoring a cache: this build was started without caches. If it succeeds, its cache replaces the branch's.");
    expect(cleanLog).toContain("cache-miss");
    expect(cleanLog.some((line) => line.startsWith("Restored the cache"))).toBe(false);
    expect(cleanLog.some((line) => line.startsWith("Saved the cache for main"))).toBe(true);
    expect(await caches()).toEqual([expect.objectContaining({ branch: "refs/heads/main", buildNumber: clean.number })]);

    // Another branch starts from the default branch's cache and saves its own.
    const branch = await finished((await start({ branch: DEFAULT_BUILD_BRANCHES.slow })).id);
    const branchLog = await logOf(branch.id);
    expect(branchLog).toContain("cache-hit first");
    expect(branchLog.some((line) => line.startsWith(`Restored the cache of #${clean.number} on main`))).toBe(true);
    expect((await caches()).map((cache) => cache.branch)).toEqual(["refs/heads/main", `refs/heads/${DEFAULT_BUILD_BRANCHES.slow}`]);

    // A pull request (from a fork here) starts from the branch it merges into and keeps what it
    // changed under the pull request: its code never fills a cache that a branch's builds restore.
    const pr = await emulator.control.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "cache/from-a-fork", targetBranch: "main", title: "Cache from a fork", fork: "wallet-app-fork" } as Parameters<EmulatorHandle["control"]["createPullRequest"]>[0]);
    await updateWorkflow(scope, profileId, workflow('\necho from-the-pull-request >> .keel-cache/stamp\necho "pull request $KEEL_BUILD_PULL_REQUEST from $KEEL_BUILD_BRANCH into $KEEL_BUILD_TARGET_BRANCH"'));
    const fromPullRequest = await finished(
      (await start({ commit: pr.lastMergeCommit!, pullRequest: { id: pr.pullRequestId, iteration: 1, sourceRef: pr.sourceRefName, targetRef: pr.targetRefName } })).id,
    );
    const pullRequestLog = await logOf(fromPullRequest.id);
    expect(pullRequestLog.some((line) => line.startsWith(`Restored the cache of #${clean.number} on main`))).toBe(true);
    expect(pullRequestLog.some((line) => line.startsWith(`Saved the cache for pull request ${pr.pullRequestId} (`))).toBe(true);
    expect(pullRequestLog).toContain(`pull request ${pr.pullRequestId} from cache/from-a-fork into main`);
    expect((await caches()).map((cache) => cache.branch)).toEqual(["refs/heads/main", `refs/heads/${DEFAULT_BUILD_BRANCHES.slow}`, `refs/pull/${pr.pullRequestId}/merge`]);
    await updateWorkflow(scope, profileId, workflow());
    const afterPullRequest = await finished((await start({ branch: "main" })).id);
    expect((await logOf(afterPullRequest.id)).some((line) => line.startsWith(`Restored the cache of #${clean.number} on main`))).toBe(true);

    // A failed build keeps nothing; clearing deletes every cache, and the next build starts clean.
    await updateWorkflow(scope, profileId, workflow("\nexit 3"));
    const failed = await finished((await start({ branch: "main" })).id);
    expect(failed.status).toBe("FAILED");
    expect(await logOf(failed.id)).toContain("Not saving a cache: a step failed, and its folders may be half-made.");
    const { clearCaches } = await import("@/lib/data/caches");
    expect(await clearCaches(scope, profileId)).toBe(3);
    await updateWorkflow(scope, profileId, workflow());
    expect(await logOf((await finished((await start({ branch: "main" })).id)).id)).toContain("cache-miss");
    await updateWorkflow(scope, profileId, { steps: (await import("@/lib/shared/workflow")).defaultWorkflowSteps("IOS"), timeoutMinutes: 30, variables: [], cachePaths: [], cacheKeyFiles: [] });
  }, 180_000);

  it("keeps artifacts — the folder's and the patterns' files, after a failed step too, never through a link, within the budget — and retention keeps the latest success's", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const { listArtifacts, pruneArtifacts, readArtifactChunk } = await import("@/lib/data/artifacts");
    const { createHash } = await import("node:crypto");
    const make = [
      "mkdir -p out/sub out/linked",
      "printf 'app-bytes' > out/App.ipa",
      "yes keel | head -c 1500000 > out/sub/mid.bin || true",
      "yes keel | head -c 3000000 > out/sub/zbig.bin || true",
      `printf 'outside' > ${JSON.stringify(path.join(outside, "secret.ipa"))}`,
      `ln -s ${JSON.stringify(path.join(outside, "secret.ipa"))} out/link.ipa`,
      `ln -s ${JSON.stringify(outside)} out/linked/dir`,
      'printf \'<testsuite/>\' > "$KEEL_BUILD_ARTIFACTS/report.xml"',
    ].join("\n");
    await updateWorkflow(scope, profileId, {
      steps: [
        { name: "Make", command: make },
        { name: "Fail", command: "exit 3" },
      ],
      timeoutMinutes: 30,
      artifacts: ["out/**/*.ipa", "out/sub", "nothing/*.zip"],
      variables: [],
    });
    const failed = await finished((await start({ branch: "main" })).id);
    expect(failed.status).toBe("FAILED");
    const kept = await listArtifacts(scope, failed.id);
    expect(kept.artifacts.map((artifact) => [artifact.path, artifact.size])).toEqual([
      ["out/App.ipa", 9],
      ["out/sub/mid.bin", 1_500_000],
      ["report.xml", 12],
    ]);
    expect(kept.kept).toBeNull();
    const log = await logOf(failed.id);
    expect(log.some((line) => line.startsWith("No file matched the artifact pattern nothing/*.zip"))).toBe(true);
    expect(log.some((line) => line.startsWith("Not kept: out/sub/zbig.bin (2.9 MB)") && line.includes("KEEL_BUILD_ARTIFACT_MAX_BYTES"))).toBe(true);
    expect(log).toContain("Kept 3 artifacts (1.4 MB); 1 not kept.");
    expect(log.join("\n")).not.toContain("secret.ipa");
    // The content, chunk by chunk, is the file's, and its hash is stored.
    const mid = kept.artifacts.find((artifact) => artifact.path === "out/sub/mid.bin")!;
    const chunks = [await readArtifactChunk(scope, mid.id, 0), await readArtifactChunk(scope, mid.id, 1), await readArtifactChunk(scope, mid.id, 2)];
    expect(chunks.map((chunk) => chunk?.length ?? null)).toEqual([1024 * 1024, 1_500_000 - 1024 * 1024, null]);
    const expected = Buffer.from("keel\n".repeat(300_000)).subarray(0, 1_500_000);
    expect(Buffer.concat(chunks.slice(0, 2) as Uint8Array[]).equals(expected)).toBe(true);
    expect(mid.sha256).toBe(createHash("sha256").update(expected).digest("hex"));
    // A build of another organization's scope sees none of them.
    expect((await listArtifacts(testScope("00000000-0000-4000-8000-000000000000", seeded.adminId), failed.id)).artifacts).toEqual([]);

    await updateWorkflow(scope, profileId, { steps: [{ name: "Package", command: 'printf one > "$KEEL_BUILD_ARTIFACTS/App.ipa"' }], timeoutMinutes: 30, artifacts: [], variables: [] });
    const first = await finished((await start({ branch: "main" })).id);
    expect(first.status).toBe("SUCCEEDED");
    expect((await listArtifacts(scope, first.id)).kept).toEqual({ reason: "latest" });
    // A month on: the failed build's artifacts go, the latest successful build's stay.
    const monthOn = new Date(Date.now() + 31 * 24 * 3_600_000);
    expect(await pruneArtifacts(30, monthOn)).toBeGreaterThanOrEqual(3);
    expect((await listArtifacts(scope, failed.id)).artifacts).toEqual([]);
    expect((await listArtifacts(scope, first.id)).artifacts.map((artifact) => artifact.path)).toEqual(["App.ipa"]);
    // Once a newer build succeeds, the older one's go too.
    const second = await finished((await start({ branch: "main" })).id);
    expect(second.status).toBe("SUCCEEDED");
    expect((await listArtifacts(scope, first.id)).kept).toBeNull();
    await pruneArtifacts(30, monthOn);
    expect((await listArtifacts(scope, first.id)).artifacts).toEqual([]);
    expect((await listArtifacts(scope, second.id)).artifacts.map((artifact) => artifact.path)).toEqual(["App.ipa"]);
    // The default branch's newest build with files keeps them while newer successes are another branch's.
    const develop = await finished((await start({ branch: "develop" })).id);
    expect(develop.status).toBe("SUCCEEDED");
    expect((await listArtifacts(scope, second.id)).kept).toEqual({ reason: "default", branch: "refs/heads/main" });
    await pruneArtifacts(30, monthOn);
    expect((await listArtifacts(scope, second.id)).artifacts.map((artifact) => artifact.path)).toEqual(["App.ipa"]);
    // Another branch's is kept only while a testers' link of that branch opens it.
    const third = await finished((await start({ branch: "main" })).id);
    expect((await listArtifacts(scope, third.id)).kept).toEqual({ reason: "latest" });
    expect((await listArtifacts(scope, second.id)).kept).toBeNull();
    expect((await listArtifacts(scope, develop.id)).kept).toBeNull();
    const { createProfileShare } = await import("@/lib/data/shares");
    await createProfileShare(scope, profileId, "refs/heads/develop", 90);
    expect((await listArtifacts(scope, develop.id)).kept).toEqual({ reason: "testers", branch: "refs/heads/develop" });
    await pruneArtifacts(30, monthOn);
    expect((await listArtifacts(scope, second.id)).artifacts).toEqual([]);
    expect((await listArtifacts(scope, develop.id)).artifacts.map((artifact) => artifact.path)).toEqual(["App.ipa"]);
    // A newer build of that branch with files takes its place.
    const newerDevelop = await finished((await start({ branch: "develop" })).id);
    expect((await listArtifacts(scope, newerDevelop.id)).kept).toEqual({ reason: "latest" });
    expect((await listArtifacts(scope, develop.id)).kept).toBeNull();
    expect((await listArtifacts(scope, third.id)).kept).toEqual({ reason: "default", branch: "refs/heads/main" });
    await pruneArtifacts(30, monthOn);
    expect((await listArtifacts(scope, develop.id)).artifacts).toEqual([]);
    await database.prisma.profileShare.deleteMany({ where: { profileId } });
    await setWorkflow(null);
  }, 120_000);

  it("posts failures and fixes to the profile's chat channel (every build when asked), and records a webhook that is gone", async () => {
    const { createServer } = await import("node:http");
    const { saveChatHook, getChatHook } = await import("@/lib/data/chat");
    const received: { title: string; lines: string[]; url: string }[] = [];
    let answer = 200;
    const channel = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as { title: string; lines: string[]; url: string });
        res.writeHead(answer, { "content-type": "text/plain" });
        res.end(answer === 200 ? "ok" : "no_service");
      });
    });
    await new Promise<void>((resolve) => channel.listen(0, "127.0.0.1", resolve));
    const port = (channel.address() as import("node:net").AddressInfo).port;
    try {
      await setWorkflow(null);
      await saveChatHook(scope, profileId, { url: `http://127.0.0.1:${port}/hooks/T000/B000/secret-part`, label: "Webhook · 127.0.0.1", notify: "changes" });
      const failed = await finished((await start({ branch: DEFAULT_BUILD_BRANCHES.failing })).id);
      await until("the failure in the channel", async () => received.length === 1);
      expect(received[0]).toMatchObject({ title: `❌ Wallet iOS #${failed.number} failed` });
      // The link opens the log at the line that says why.
      const linked = new RegExp(`^https://keel\\.test/builds/${failed.id}#L(\\d+)$`).exec((received[0] as { url: string }).url);
      expect(linked).not.toBeNull();
      expect((await database.prisma.buildLogLine.findUniqueOrThrow({ where: { buildId_seq: { buildId: failed.id, seq: Number(linked![1]) - 1 } } })).text).toContain(FIXTURE_BUILD.failureLine);
      expect(received[0]!.lines[0]).toBe("Step “Test” failed with exit code 1.");
      // What went wrong, first: the failed step's line that says why (the fixture's test failure).
      expect(received[0]!.lines[1]).toBe(`✘ ${FIXTURE_BUILD.failureLine}`);
      expect(received[0]!.lines[2]).toMatch(new RegExp(`^${DEFAULT_BUILD_BRANCHES.failing} · [0-9a-f]{8}`));
      expect((await getChatHook(scope, profileId))?.lastSentAt).not.toBeNull();
      // A success after a success is no news for "changes"…
      const quiet = await finished((await start({ branch: "main" })).id);
      expect(quiet.status).toBe("SUCCEEDED");
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(received).toHaveLength(1);
      // …but is for "every build", which names the app it made.
      await saveChatHook(scope, profileId, { url: null, label: null, notify: "all" });
      const { protoManifest, zipOf } = await import("@/lib/testing/apps");
      const { jarSignature, signingCertificate } = await import("@/lib/testing/signing");
      const { build: buildPlist } = await import("plist");
      const ipa = await zipOf([["Payload/Wallet.app/Info.plist", buildPlist({ CFBundleIdentifier: "com.fabrikam.wallet", CFBundleVersion: "4513", CFBundleShortVersionString: "2.4.0", CFBundleDisplayName: "Wallet" })]]);
      // And the Android App Bundle for Google Play, signed with the upload key by jarsigner.
      const aab = await zipOf([
        ["base/manifest/AndroidManifest.xml", protoManifest([{ name: "package", value: "com.fabrikam.wallet" }, { name: "versionCode", android: true, resourceId: 0x0101021b, value: "4513", number: 4513 }, { name: "versionName", android: true, resourceId: 0x0101021c, value: "2.4.0" }])],
        ["META-INF/UPLOAD.RSA", jarSignature(signingCertificate("Fabrikam Upload Key", new Date(Date.now() + 9_000 * 86_400_000)))],
      ]);
      await setWorkflow([{ name: "Package", command: `echo '${ipa.toString("base64")}' | base64 -d > "$KEEL_BUILD_ARTIFACTS/Wallet.ipa"\necho '${aab.toString("base64")}' | base64 -d > "$KEEL_BUILD_ARTIFACTS/Wallet.aab"` }]);
      const loud = await finished((await start({ branch: "main" })).id);
      await until("the success in the channel", async () => received.length === 2);
      expect(received[1]!.title).toMatch(new RegExp(`^✅ Wallet iOS #${loud.number} succeeded in `));
      expect(received[1]!.lines).toContain("Built com.fabrikam.wallet 2.4.0 (4513), Wallet 2.4.0 (4513)");
      expect(await logOf(loud.id)).toContainEqual(expect.stringMatching(/^Kept Wallet\.aab \([0-9.]+ [kK]?B\): com\.fabrikam\.wallet 2\.4\.0 \(4513\); signed by “Fabrikam Upload Key” \(SHA-256 [0-9A-F:]{95}\)\.$/));
      await setWorkflow(null);
      // A webhook removed from the channel: said on the profile, not retried.
      answer = 404;
      await finished((await start({ branch: DEFAULT_BUILD_BRANCHES.failing })).id);
      const gone = await until("the error on the profile", async () => (await getChatHook(scope, profileId))?.lastError);
      expect(gone).toContain("The webhook is gone (404)");
      expect(gone).not.toContain("secret-part");
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(received).toHaveLength(3);
    } finally {
      await database.prisma.profileChatHook.deleteMany({ where: { profileId } });
      channel.closeAllConnections();
      await new Promise((resolve) => channel.close(resolve));
    }
  }, 90_000);

  it("outgoing webhooks: a ping, then each state change of a build, in order, signed; a refusal is given up, Redeliver sends it again", async () => {
    const { createServer } = await import("node:http");
    const { createWebhook, redeliver, deleteWebhook } = await import("@/lib/data/webhooks");
    const { requestWebhook } = await import("@/lib/webhooks/deliver");
    const { verifyDelivery } = await import("@/lib/webhooks/signature");
    const received: { event: string; delivery: string; verified: boolean; body: Record<string, unknown> }[] = [];
    let secret = "";
    let answer = 200;
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const verified = verifyDelivery(secret, { timestamp: String(req.headers["x-keel-timestamp"] ?? ""), signature: String(req.headers["x-keel-signature-256"] ?? "") }, body);
        received.push({ event: String(req.headers["x-keel-event"]), delivery: String(req.headers["x-keel-delivery"]), verified, body: JSON.parse(body) as Record<string, unknown> });
        res.writeHead(answer, { "content-type": "text/plain" });
        res.end(answer === 200 ? "thanks" : "gone");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const port = (receiver.address() as import("node:net").AddressInfo).port;
    let webhookId: string | null = null;
    try {
      // The default steps, then one that keeps a file: build.finished names it with its download.
      await setWorkflow([...(await import("@/lib/shared/workflow")).defaultWorkflowSteps("IOS"), { name: "Package", command: 'printf wallet > "$KEEL_BUILD_ARTIFACTS/Wallet.ipa"' }]);
      const created = await createWebhook(scope, { name: "Release dashboard", url: `http://127.0.0.1:${port}/keel?token=abc`, host: `127.0.0.1:${port}`, events: ["build.queued", "build.started", "build.finished"], profileIds: null });
      webhookId = created.id;
      secret = created.secret;
      await requestWebhook(scope, created.id);
      await until("the ping", async () => received.length === 1);
      expect(received[0]).toMatchObject({ event: "ping", delivery: created.pingId, verified: true, body: { event: "ping", webhook: { name: "Release dashboard", events: ["build.queued", "build.started", "build.finished"] } } });

      const build = await finished((await start({ branch: "main" })).id);
      await until("the build's three events", async () => received.length === 4);
      expect(received.slice(1).map((entry) => [entry.event, entry.verified, (entry.body.build as { status: string }).status])).toEqual([
        ["build.queued", true, "QUEUED"],
        ["build.started", true, "RUNNING"],
        ["build.finished", true, "SUCCEEDED"],
      ]);
      expect(received[3]!.body).toMatchObject({
        event: "build.finished",
        deliveryId: received[3]!.delivery,
        build: { id: build.id, number: build.number, finished: true, trigger: "MANUAL", branch: "main", commit: build.commitId, pullRequest: null, pool: "default", profile: { id: profileId, name: "Wallet iOS", platform: "IOS" }, webUrl: `https://keel.test/builds/${build.id}` },
      });
      const kept = await database.prisma.buildArtifact.findFirstOrThrow({ where: { buildId: build.id } });
      expect((received[3]!.body.build as Record<string, unknown>).artifacts).toEqual([
        { id: kept.id, path: "Wallet.ipa", size: 6, sha256: createHash("sha256").update("wallet").digest("hex"), app: null, downloadUrl: `https://keel.test/api/v1/builds/${build.id}/artifacts/${kept.id}` },
      ]);
      expect(received[3]!.body.build).toMatchObject({ artifactsZipUrl: `https://keel.test/api/v1/builds/${build.id}/artifacts.zip` });
      // Before it finished, nothing was kept yet.
      expect(received[1]!.body.build).toMatchObject({ artifacts: [], artifactsZipUrl: null });
      // The commits since main's last good build: asked once it ran, so known to build.finished only.
      const { changesJson } = await import("@/lib/shared/build-changes");
      expect(build.changes).not.toBeNull();
      expect((received[3]!.body.build as Record<string, unknown>).changes).toEqual(changesJson(build.changes));
      expect((received[1]!.body.build as Record<string, unknown>).changes).toBeNull();
      const rows = await database.prisma.outgoingDelivery.findMany({ where: { webhookId: created.id }, orderBy: { createdAt: "asc" } });
      expect(rows.map((row) => [row.event, row.state, row.responseStatus, row.responseBody, row.attempts])).toEqual([
        ["ping", "SENT", 200, "thanks", 1],
        ["build.queued", "SENT", 200, "thanks", 1],
        ["build.started", "SENT", 200, "thanks", 1],
        ["build.finished", "SENT", 200, "thanks", 1],
      ]);

      // A refusal (410) is the receiver's answer: given up at once, not retried.
      answer = 410;
      const again = await redeliver(scope, rows[3]!.id);
      await requestWebhook(scope, created.id);
      await until("the refused redelivery", async () => (await database.prisma.outgoingDelivery.findUniqueOrThrow({ where: { id: again.id } })).state === "FAILED");
      const refused = await database.prisma.outgoingDelivery.findUniqueOrThrow({ where: { id: again.id } });
      expect(refused).toMatchObject({ redeliveryOf: rows[3]!.id, responseStatus: 410, attempts: 1, error: expect.stringMatching(/^The receiver refused the delivery \(410\)/) });
      // The admins are told, in the same write that gave it up.
      const notices = await database.prisma.notification.findMany({ where: { organizationId: seeded.organizationId, kind: "webhook.failing" } });
      expect(notices.map((notice) => [notice.dedupeKey, notice.recipientIds])).toEqual([[`webhook.failing:${again.id}`, [seeded.adminId]]]);
      expect(notices[0]!.data).toMatchObject({ webhookId: created.id, name: "Release dashboard", host: `127.0.0.1:${port}`, event: "build.finished", build: `Wallet iOS #${build.number}`, status: 410 });
      expect(JSON.stringify(notices)).not.toContain("token=abc");
      // The same body, under its own delivery id.
      expect(received[4]).toMatchObject({ event: "build.finished", delivery: again.id, verified: true });
      expect({ ...received[4]!.body, deliveryId: null, occurredAt: null }).toEqual({ ...received[3]!.body, deliveryId: null, occurredAt: null });
      // Busy (503): kept, and tried again later with backoff; later events wait behind it.
      answer = 503;
      const { pingWebhook } = await import("@/lib/data/webhooks");
      const ping = await pingWebhook(scope, created.id);
      await requestWebhook(scope, created.id);
      await until("the busy answer", async () => (await database.prisma.outgoingDelivery.findUniqueOrThrow({ where: { id: ping } })).attempts === 1);
      expect(await database.prisma.outgoingDelivery.findUniqueOrThrow({ where: { id: ping } })).toMatchObject({ state: "PENDING", responseStatus: 503, error: "The receiver answered 503; Keel tries again." });
      // The URL (it holds a token) is in no log line, audit event or delivery row.
      expect(JSON.stringify(await database.prisma.auditEvent.findMany({ where: { targetId: created.id } }))).not.toContain("token=abc");
      expect(workers.map((worker) => worker.output.join("")).join("")).not.toContain("token=abc");
    } finally {
      if (webhookId) {
        await deleteWebhook(scope, webhookId);
      }
      receiver.close();
    }
  });

  it("outgoing webhooks for some profiles hear only of their builds; admins hear once per failing spell", async () => {
    const { createServer } = await import("node:http");
    const { updateWorkflow } = await import("@/lib/data/builds");
    const { deleteProfile } = await import("@/lib/data/profiles");
    const { createWebhook, deleteWebhook, getWebhook, redeliver } = await import("@/lib/data/webhooks");
    const { requestWebhook } = await import("@/lib/webhooks/deliver");
    let answer = 410;
    const receiver = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(answer, { "content-type": "text/plain" });
        res.end(answer === 200 ? "thanks" : "gone");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const port = (receiver.address() as import("node:net").AddressInfo).port;
    const quick = { steps: [{ name: "Build", command: "echo built" }], timeoutMinutes: 30, variables: [] };
    const android = await seedProfile("Wallet Android", DEFAULT_PATS.fabrikamFull);
    const ios = await seedProfile("Wallet iOS nightly", DEFAULT_PATS.fabrikamFull);
    await updateWorkflow(scope, android, quick);
    await updateWorkflow(scope, ios, quick);
    const hooks: string[] = [];
    const failing = async (webhookId: string) => (await database.prisma.notification.findMany({ where: { organizationId: seeded.organizationId, kind: "webhook.failing" } })).filter((notice) => (notice.data as { webhookId?: string }).webhookId === webhookId);
    const settled = async (webhookId: string) => (await database.prisma.outgoingDelivery.count({ where: { webhookId, state: "PENDING" } })) === 0;
    try {
      // A profile that does not exist (deleted since the form was drawn) is refused, and nothing is stored.
      const gone = "00000000-0000-4000-8000-000000000000";
      await expect(createWebhook(scope, { name: "Stale", url: `http://127.0.0.1:${port}/x`, host: `127.0.0.1:${port}`, events: ["build.finished"], profileIds: [android, gone] })).rejects.toMatchObject({ code: "CONFLICT" });
      expect(await database.prisma.outgoingWebhook.count({ where: { organizationId: seeded.organizationId, name: "Stale" } })).toBe(0);

      const onlyAndroid = await createWebhook(scope, { name: "Android dashboard", url: `http://127.0.0.1:${port}/android`, host: `127.0.0.1:${port}`, events: ["build.finished"], profileIds: [android] });
      const everyProfile = await createWebhook(scope, { name: "Everything", url: `http://127.0.0.1:${port}/all`, host: `127.0.0.1:${port}`, events: ["build.finished"], profileIds: null });
      hooks.push(onlyAndroid.id, everyProfile.id);
      expect(await getWebhook(scope, onlyAndroid.id)).toMatchObject({ allProfiles: false, profiles: [{ id: android, name: "Wallet Android" }] });

      const iosBuild = await finished((await start({ branch: "main", profile: ios })).id);
      const androidBuild = await finished((await start({ branch: "main", profile: android })).id);
      for (const id of hooks) {
        await requestWebhook(scope, id);
        await until("the webhook's deliveries to be settled", () => settled(id));
      }
      const builds = async (webhookId: string) =>
        (await database.prisma.outgoingDelivery.findMany({ where: { webhookId, event: { not: "ping" } }, orderBy: { createdAt: "asc" }, select: { buildId: true, state: true } })).map((row) => [row.buildId, row.state]);
      expect(await builds(onlyAndroid.id)).toEqual([[androidBuild.id, "FAILED"]]);
      expect(await builds(everyProfile.id)).toEqual([
        [iosBuild.id, "FAILED"],
        [androidBuild.id, "FAILED"],
      ]);
      // The refused pings are the admin's own checks: no notice. Two build events refused in a row: one.
      expect(await failing(onlyAndroid.id)).toHaveLength(1);
      expect((await failing(everyProfile.id)).map((notice) => (notice.data as { build: string }).build)).toEqual([`Wallet iOS nightly #${iosBuild.number}`]);

      // Back (a redelivery gets through), then refused again: a new spell, a new notice.
      const [first, second] = await database.prisma.outgoingDelivery.findMany({ where: { webhookId: everyProfile.id, event: { not: "ping" } }, orderBy: { createdAt: "asc" } });
      answer = 200;
      await redeliver(scope, first!.id);
      await requestWebhook(scope, everyProfile.id);
      await until("the redelivery to get through", () => settled(everyProfile.id));
      answer = 410;
      await redeliver(scope, second!.id);
      await requestWebhook(scope, everyProfile.id);
      await until("the second redelivery to be refused", () => settled(everyProfile.id));
      expect(await failing(everyProfile.id)).toHaveLength(2);

      // Its one profile deleted, the Android webhook hears of nothing (it does not widen to all).
      await deleteProfile(scope, android);
      expect(await getWebhook(scope, onlyAndroid.id)).toMatchObject({ allProfiles: false, profiles: [] });
      await finished((await start({ branch: "main", profile: ios })).id);
      await until("the new build's delivery to the other webhook", async () => (await builds(everyProfile.id)).length === 5);
      expect(await builds(onlyAndroid.id)).toHaveLength(1);
    } finally {
      for (const id of hooks) {
        await deleteWebhook(scope, id);
      }
      await database.prisma.notification.deleteMany({ where: { organizationId: seeded.organizationId, kind: "webhook.failing" } });
      receiver.close();
    }
  });

  it("a pull-request build posts the PR status and one comment, updated (not duplicated) by a rebuild", async () => {
    // Commenting needs PR threads (Read & write), beyond the scopes of Keel's PAT: a Full access token.
    const prProfile = await seedProfile("Wallet PRs", DEFAULT_PATS.fabrikamFullAccess);
    const pr = await emulator.control.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "feature/keel-pr", targetBranch: "main", title: "Keel PR" });
    const pullRequest = { id: pr.pullRequestId, iteration: 1, sourceRef: pr.sourceRefName, targetRef: pr.targetRefName };
    const first = await start({ commit: pr.lastMergeCommit!, pullRequest, profile: prProfile });
    expect((await finished(first.id)).status).toBe("SUCCEEDED");
    // The token API says which branch it merges into, beside its source branch.
    const { buildSummaryJson } = await import("./api");
    const { getBuild } = await import("@/lib/data/builds");
    expect(buildSummaryJson((await getBuild(scope, first.id))!, "https://keel.test")).toMatchObject({ branch: "feature/keel-pr", pullRequest: pr.pullRequestId, targetBranch: "main" });
    const snapshot = async () => emulator.control.pullRequest({ organization: "fabrikam", pullRequestId: pr.pullRequestId });
    await until("the comment", async () => (await snapshot()).threads.length === 1 && (await snapshot()).statuses.some((status) => status.state === "succeeded"));
    const one = await snapshot();
    expect(one.statuses.map((status) => status.state)).toEqual(["pending", "pending", "succeeded"]);
    expect(one.statuses.every((status) => status.contextGenre === "keel" && status.contextName === "Wallet PRs" && status.iterationId === 1)).toBe(true);
    expect(one.threads[0]!.comments).toHaveLength(1);
    expect(one.threads[0]!.comments[0]!.content).toContain(`Keel build #${first.number} succeeded`);
    expect(one.threads[0]!.comments[0]!.content).not.toContain("Artifacts:");
    // The rebuild keeps the app: the updated comment names it and links to where it downloads.
    const { updateWorkflow } = await import("@/lib/data/builds");
    const report = `<testsuite name="s"><testcase classname="WalletTests" name="testSync"/></testsuite>`;
    await updateWorkflow(scope, prProfile, {
      steps: [{ name: "Package", command: `printf apk > "$KEEL_BUILD_ARTIFACTS/Wallet.apk"\necho '${report}' > "$KEEL_BUILD_ARTIFACTS/junit.xml"` }],
      timeoutMinutes: 30,
      variables: [],
    });
    const { rebuild } = await import("./service");
    const { randomUUID } = await import("node:crypto");
    const second = (await rebuild(scope, first.id, randomUUID())).build;
    expect((await finished(second.id)).status).toBe("SUCCEEDED");
    await until("the comment to be updated", async () => (await snapshot()).threads[0]!.comments[0]!.content.includes(`Keel build #${second.number} succeeded`));
    const content = (await snapshot()).threads[0]!.comments[0]!.content;
    expect(content).toContain(`Tests: 1 test: 1 passed — [see them in Keel](https://keel.test/builds/${second.id}#tests)`);
    expect(content).toContain(`Artifacts: \`Wallet.apk\` (3 B), \`junit.xml\` (${report.length + 1} B) — [download them in Keel](https://keel.test/builds/${second.id}#artifacts)`);
    const two = await snapshot();
    expect(two.threads).toHaveLength(1);
    expect(two.threads[0]!.comments).toHaveLength(1);
    // A failed build: the comment quotes what went wrong, so the author can start fixing from the pull request.
    await updateWorkflow(scope, prProfile, { steps: [{ name: "Compile", command: `echo "compiling"\necho "/src/Pay.swift:3:1: error: cannot find 'rate' in scope" >&2\nexit 65` }], timeoutMinutes: 30, variables: [] });
    const third = (await rebuild(scope, second.id, randomUUID())).build;
    expect((await finished(third.id)).status).toBe("FAILED");
    await until("the comment to say it failed", async () => (await snapshot()).threads[0]!.comments[0]!.content.includes(`Keel build #${third.number} failed`));
    expect((await snapshot()).threads[0]!.comments[0]!.content).toContain("Step “Compile” failed with exit code 65.\n\n```text\n/src/Pay.swift:3:1: error: cannot find 'rate' in scope\n```");
    // A push to the source branch: the next iteration's build lists the pushed commit since the
    // pull request's last good build (#2), not the merge commit Azure DevOps made for it.
    const pushed = await emulator.control.push({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", branch: "feature/keel-pr", commits: [{ message: "Handle an empty rate", authorName: "Kai Olsen" }] });
    const updated = await snapshot();
    expect(updated.lastMergeCommit).not.toBe(pr.lastMergeCommit);
    const fourth = await start({ commit: updated.lastMergeCommit!, pullRequest: { ...pullRequest, iteration: updated.iterations.length }, profile: prProfile });
    await finished(fourth.id);
    const changes = (await database.prisma.build.findUniqueOrThrow({ where: { id: fourth.id } })).changes as { since: { number: number }; commits: { id: string; message: string }[] };
    expect(changes.since.number).toBe(second.number);
    expect(changes.commits.map((commit) => [commit.id, commit.message])).toEqual([[pushed.commits[0]!.commitId, "Handle an empty rate"]]);
  }, 90_000);

  it("a failure to report never fails the build: the finding is shown and the engine retries", async () => {
    await setWorkflow([{ name: "Quick", command: "echo hi" }]);
    const fault = emulator.control.addFault({ kind: "error", status: 503, pathPrefix: `/fabrikam/${DEFAULT_PROJECTS.mobileIos.id.toLowerCase()}/_apis/git/repositories`, method: "POST" });
    try {
      const build = await start({ branch: "release/1.0" });
      const done = await finished(build.id);
      expect(done.status).toBe("SUCCEEDED");
      const report = await until("a failed attempt", async () => database.prisma.buildReport.findFirst({ where: { buildId: build.id, attempts: { gt: 0 }, error: { not: { equals: null } } } }));
      expect(report.state).toBe("PENDING");
      expect(report.error).toMatchObject({ id: expect.any(String), title: expect.any(String), fix: expect.any(Array) });
    } finally {
      emulator.control.removeFault(fault.id);
    }
  });
});
