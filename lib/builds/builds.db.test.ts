import { execFile, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { DEFAULT_BUILD_BRANCHES, FIXTURE_BUILD } from "@/e2e/azure-devops-emulator/fixtures/default";
import { childProcessEnv } from "@/lib/env";
import { DEFAULT_PATS } from "@/lib/repositories/test-support";
import { buildDir, database, emulator, finished, logOf, markerProcesses, outside, profileId, scope, seeded, seedProfile, setWorkflow, start, startWorker, tip, until, withBuildWorkers, workers } from "./test-support";

// The build worker for real (lib/builds/test-support.ts): running steps, stopping processes,
// queues and pools, and workers that stop, drain, crash or start again. What a build takes in
// and sends out is proven in build-io.db.test.ts.

withBuildWorkers();

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
      // Its own time limit is far off: each try fails by itself; its row keeps the limit for the page.
      { name: "Upload", command: "echo 'mirror timed out'; exit 7", retries: 1, timeoutMinutes: 10 },
      { name: "Never", command: "echo never" },
    ]);
    const build = await finished((await start({ branch: "main" })).id);
    expect([build.status, build.statusReason]).toEqual(["FAILED", "Step “Upload” failed with exit code 7."]);
    const rows = await database.prisma.buildStep.findMany({ where: { buildId: build.id }, orderBy: { index: "asc" }, select: { name: true, status: true, retries: true, tries: true, timeoutMinutes: true } });
    expect(rows.map((row) => [row.name, row.status, row.retries, row.tries, row.timeoutMinutes])).toEqual([
      ["Fetch commit", "SUCCEEDED", 0, 1, null],
      ["Boot simulator", "SUCCEEDED", 2, 2, null],
      ["Upload", "FAILED", 1, 2, 10],
      ["Never", "SKIPPED", 0, 0, null],
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
});
