import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { DEFAULT_PROJECTS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { childProcessEnv } from "@/lib/env";
import type { TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";
import { DEFAULT_PATS, DEFAULT_REPOS, pickerTestDatabase, seedConnection, seedOrganization, startEmulator, type EmulatorHandle, type Seeded } from "@/lib/repositories/test-support";
import type { Scope } from "@/lib/scope";

// The build worker for real, shared by its two test files (builds.db.test.ts: steps, processes
// and queues; build-io.db.test.ts: what a build takes in and sends out): two worker processes
// of the job engine (Keel's own registry) on a test database, Debian's git against the
// emulator's repositories, the fixture's build script. Two files rather than one so that Vitest
// runs them side by side: together they are the longest of the suite.

const root = path.resolve(import.meta.dirname, "../..");
export let emulator: EmulatorHandle;
export let database: TestDatabase;
export let seeded: Seeded;
export let scope: Scope;
export let buildDir: string;
export let outside: string;
export let profileId: string;
export const workers: { process: ChildProcess; exited: Promise<number | null>; output: string[] }[] = [];

export function startWorker(extra: Record<string, string> = {}) {
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

export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
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

export async function finished(id: string) {
  return until(`build ${id} to finish`, async () => {
    const build = await database.prisma.build.findUniqueOrThrow({ where: { id } });
    return ["SUCCEEDED", "FAILED", "CANCELED", "TIMED_OUT", "ERROR"].includes(build.status) ? build : null;
  });
}

export async function logOf(id: string): Promise<string[]> {
  const lines = await database.prisma.buildLogLine.findMany({ where: { buildId: id }, orderBy: { seq: "asc" } });
  return lines.map((line) => line.text);
}

export async function setWorkflow(steps: { name: string; command: string; always?: boolean; continueOnError?: boolean; retries?: number; timeoutMinutes?: number }[] | null, variables: { name: string; value: string; isSecret: boolean }[] = []) {
  const { updateWorkflow } = await import("@/lib/data/builds");
  await updateWorkflow(scope, profileId, { steps: steps ?? (await import("@/lib/shared/workflow")).defaultWorkflowSteps("IOS"), timeoutMinutes: 30, variables });
}

export async function start(input: { branch?: string; commit?: string; pullRequest?: { id: number; iteration: number; sourceRef: string; targetRef: string }; profile?: string; parameters?: { name: string; value: string }[]; withholdSecrets?: boolean; skipCaches?: boolean }) {
  const { startBuild } = await import("./service");
  const { randomUUID } = await import("node:crypto");
  const { profile, ...rest } = input;
  return (await startBuild(scope, { profileId: profile ?? profileId, trigger: input.pullRequest ? "PULL_REQUEST" : "MANUAL", idempotencyKey: randomUUID(), ...rest })).build;
}

export async function tip(branch: string): Promise<string> {
  const refs = await emulator.control.refs({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App" });
  return refs.find((ref) => ref.name === `refs/heads/${branch}`)!.objectId;
}

export async function markerProcesses(buildId: string): Promise<number[]> {
  const { processesWithMarker } = await import("./process");
  return processesWithMarker(`KEEL_BUILD_ID=${buildId}`);
}

/** A profile of Wallet App on a connection with this PAT. */
export async function seedProfile(name: string, token: string): Promise<string> {
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

/**
 * For a test file of the build worker: before its tests, the emulator, a test database with an
 * organization, the profile "Wallet iOS" and two worker processes; after them, all stopped and
 * removed. Tests read the state through this module's live exports (database, scope, profileId…).
 */
export function withBuildWorkers(): void {
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
}
