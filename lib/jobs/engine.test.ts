import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import type PgBoss from "pg-boss";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { childProcessEnv } from "@/lib/env";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { createBoss, JOB_SCHEMA } from "./boss";
import { sendJob } from "./send";
import { slotJobId, slotStart } from "./schedules";
import { testFinishQueue, testLongWorkQueue, testOtherPoolQueue, testPoolQueue, testWorkQueue } from "./testing/queues";

// The job engine with real worker processes on one real PostgreSQL: the guarantees issue 10
// asks for, each proven with two (or more) workers racing for the same jobs.

const root = path.resolve(import.meta.dirname, "../..");
let database: TestDatabase;
let sender: PgBoss;
let organizationId: string;
const workers: { process: ChildProcess; exited: Promise<number | null>; output: string[] }[] = [];

function startWorker(options: { schedule?: boolean; graceMs?: number } = {}) {
  const child = spawn(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", path.join(root, "lib/jobs/testing/worker-fixture.ts"), ...(options.schedule ? ["--schedule"] : [])],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: childProcessEnv({
        DATABASE_URL: database.url,
        LOG_LEVEL: "info",
        KEEL_WORKER_POLL_MS: "200",
        KEEL_WORKER_HEARTBEAT_MS: "500",
        KEEL_JOB_MAINTENANCE_SECONDS: "1",
        KEEL_WORKER_SHUTDOWN_GRACE_MS: String(options.graceMs ?? 3_000),
      }),
    },
  );
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const handle = { process: child, exited, output };
  workers.push(handle);
  return handle;
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}\n${workers.map((worker) => worker.output.join("").slice(-3_000)).join("\n---\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until `count` workers of this test have written a heartbeat. */
async function workersReady(pids: number[]) {
  await until(`${pids.length} worker heartbeats`, async () => (await database.prisma.workerHeartbeat.count({ where: { pid: { in: pids } } })) === pids.length, 60_000);
}

async function startedAttempts(name: string) {
  const rows = await database.prisma.jobEffect.findMany({ where: { key: { startsWith: `started:${name}:` } }, orderBy: { createdAt: "asc" } });
  return rows.map((row) => {
    const [, , attempt, pid] = row.key.split(":");
    return { attempt: Number(attempt), pid: Number(pid) };
  });
}

async function jobState(id: string, queue = testWorkQueue.name): Promise<string | undefined> {
  const { rows } = await sender.getDb().executeSql(`SELECT state FROM ${JOB_SCHEMA}.job WHERE name = $1 AND id = $2`, [queue, id]);
  return (rows[0] as { state?: string } | undefined)?.state;
}

async function doneEffects(name: string) {
  return database.prisma.auditEvent.findMany({ where: { action: "test.job_done", targetId: name } });
}

async function stopAll() {
  for (const worker of workers.splice(0)) {
    if (worker.process.exitCode === null && worker.process.signalCode === null) {
      worker.process.kill("SIGTERM");
    }
    await worker.exited;
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  organizationId = (await database.prisma.organization.create({ data: { name: "Engine test" }, select: { id: true } })).id;
  sender = createBoss(database.url, "sender");
  sender.on("error", () => undefined);
  await sender.start();
});

afterEach(stopAll, 30_000);

afterAll(async () => {
  await sender?.stop({ graceful: false, wait: true });
  await database?.drop();
});

describe("the job engine with two workers on one database", () => {
  it("runs a scheduled job once per interval, not once per worker", async () => {
    const a = startWorker({ schedule: true });
    const b = startWorker({ schedule: true });
    await workersReady([a.process.pid!, b.process.pid!]);
    const from = Date.now();
    // Both workers tick four times a slot for at least three 2-second slots.
    await until("three completed slots", async () => (await database.prisma.jobEffect.count({ where: { key: { startsWith: "tick:" } } })) >= 4, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const { rows } = await sender.getDb().executeSql(`SELECT id, data->>'scheduledFor' AS slot FROM ${JOB_SCHEMA}.job WHERE name = 'test.tick'`, []);
    const jobs = rows as { id: string; slot: string }[];
    const perSlot = new Map<string, number>();
    for (const job of jobs) {
      perSlot.set(job.slot, (perSlot.get(job.slot) ?? 0) + 1);
      // Every slot's job has the id derived from the slot: the same on both workers.
      expect(job.id).toBe(slotJobId("test.tick.every2s", new Date(job.slot)));
    }
    expect(perSlot.size).toBeGreaterThanOrEqual(4);
    expect([...perSlot.values()].every((count) => count === 1)).toBe(true);
    // And each of those jobs ran once (one trace per slot), whichever worker ran it.
    const runs = await database.prisma.jobEffect.findMany({ where: { key: { startsWith: "tick:" } } });
    const runsPerSlot = new Map<string, number>();
    for (const run of runs) {
      const slot = run.key.split(":").slice(1, -2).join(":");
      runsPerSlot.set(slot, (runsPerSlot.get(slot) ?? 0) + 1);
    }
    expect([...runsPerSlot.values()].every((count) => count === 1)).toBe(true);
    // Slots on the 2-second grid (a slot may be skipped on a machine too busy to tick; never doubled).
    const slots = [...perSlot.keys()].map((slot) => Date.parse(slot)).sort((x, y) => x - y);
    expect(slots.every((slot) => slot % 2_000 === 0)).toBe(true);
    expect(slots.at(-1)!).toBeGreaterThanOrEqual(slotStart(new Date(from), 2).getTime());
    const schedule = await database.prisma.jobSchedule.findUniqueOrThrow({ where: { name: "test.tick.every2s" } });
    expect(schedule.lastSlotAt.getTime()).toBe(slots.at(-1));
  }, 90_000);

  it("completes on the other worker the job of a worker killed with -9, and its effect happens once", async () => {
    const a = startWorker();
    const b = startWorker();
    await workersReady([a.process.pid!, b.process.pid!]);
    const id = await sendJob(sender, testWorkQueue, { name: "killed", firstAttemptMs: 60_000 }, { organizationId });
    expect(id).not.toBeNull();
    const [first] = await until("the first attempt to start", async () => {
      const attempts = await startedAttempts("killed");
      return attempts.length > 0 ? attempts : null;
    });
    const victim = [a, b].find((worker) => worker.process.pid === first!.pid)!;
    const survivor = [a, b].find((worker) => worker !== victim)!;
    victim.process.kill("SIGKILL");
    expect(await victim.exited).toBeNull();
    // The killed worker's job expires (4 s) and the survivor runs it to the end.
    await until("the job to complete", async () => (await jobState(id!)) === "completed", 45_000);
    const attempts = await startedAttempts("killed");
    expect(attempts.map((attempt) => attempt.pid)).toEqual([victim.process.pid, survivor.process.pid]);
    const done = await doneEffects("killed");
    expect(done).toHaveLength(1);
    expect(done[0]!.data).toMatchObject({ pid: survivor.process.pid, attempt: 1 });
  }, 90_000);

  it("completes, without retrying, a job whose target is gone (NOT_FOUND)", async () => {
    const worker = startWorker();
    await workersReady([worker.process.pid!]);
    const id = await sendJob(sender, testWorkQueue, { name: "gone-connection", firstAttemptMs: 0 }, { organizationId });
    expect(id).not.toBeNull();
    await until("the job to settle", async () => {
      const state = await jobState(id!);
      return state === "completed" || state === "failed" || state === "retry" ? state : null;
    });
    expect(await jobState(id!)).toBe("completed");
    // One attempt only; the queue allows three retries that a deleted row would waste.
    expect(await startedAttempts("gone-connection")).toHaveLength(1);
    expect(await doneEffects("gone-connection")).toHaveLength(0);
  }, 90_000);

  it("a handler with variant queues (build pools) takes jobs from each of them in its one slot, never two at once", async () => {
    const worker = startWorker();
    await workersReady([worker.process.pid!]);
    const names = ["pool-a1", "pool-b1", "pool-a2", "pool-b2"];
    for (const name of names) {
      await sendJob(sender, name.startsWith("pool-a") ? testPoolQueue : testOtherPoolQueue, { name, firstAttemptMs: 400 }, { organizationId });
    }
    await until("every job of both queues", async () => (await database.prisma.auditEvent.count({ where: { action: "test.job_done", targetId: { in: names } } })) === names.length);
    // The heartbeat names both queues: pages read a worker's build pools from it.
    const beat = await database.prisma.workerHeartbeat.findFirstOrThrow({ where: { pid: worker.process.pid! } });
    expect(beat.queues).toEqual(expect.arrayContaining([testPoolQueue.name, testOtherPoolQueue.name]));
    // One slot: each job started after the one before it was done.
    const runs = await Promise.all(
      names.map(async (name) => ({
        started: (await database.prisma.jobEffect.findMany({ where: { key: { startsWith: `started:${name}:` } } })).map((row) => row.createdAt),
        done: (await doneEffects(name))[0]!.createdAt,
      })),
    );
    // Each ran once (no expiry, no retry), so each has one start.
    expect(runs.map((run) => run.started.length)).toEqual([1, 1, 1, 1]);
    runs.sort((a, b) => a.started[0]!.getTime() - b.started[0]!.getTime());
    for (let index = 1; index < runs.length; index += 1) {
      expect(runs[index]!.started[0]!.getTime()).toBeGreaterThanOrEqual(runs[index - 1]!.done.getTime());
    }
  }, 90_000);

  it("lets a job finish within the grace period on SIGTERM and hands a longer one back, losing nothing", async () => {
    const a = startWorker({ graceMs: 6_000 });
    await workersReady([a.process.pid!]);
    const quick = await sendJob(sender, testLongWorkQueue, { name: "term-quick", firstAttemptMs: 1_000 }, { organizationId });
    const long = await sendJob(sender, testLongWorkQueue, { name: "term-long", firstAttemptMs: 60_000 }, { organizationId });
    await until("both jobs to start", async () => (await startedAttempts("term-quick")).length > 0 && (await startedAttempts("term-long")).length > 0);
    a.process.kill("SIGTERM");
    // The worker exits by itself, cleanly, within the grace period and the hand-back.
    expect(await a.exited).toBe(0);
    expect(await jobState(quick!, testLongWorkQueue.name)).toBe("completed");
    expect(await doneEffects("term-quick")).toHaveLength(1);
    // The long one is back in the queue, its attempt not spent, and nobody else ran it.
    expect(await jobState(long!, testLongWorkQueue.name)).toBe("retry");
    expect(await doneEffects("term-long")).toHaveLength(0);
    expect(await database.prisma.workerHeartbeat.count({ where: { pid: a.process.pid! } })).toBe(0);
    const b = startWorker();
    await until("the handed-back job to complete", async () => (await jobState(long!, testLongWorkQueue.name)) === "completed", 45_000);
    const done = await doneEffects("term-long");
    expect(done).toHaveLength(1);
    expect(done[0]!.data).toMatchObject({ pid: b.process.pid });
    const { rows } = await sender.getDb().executeSql(`SELECT retry_count, retry_limit FROM ${JOB_SCHEMA}.job WHERE name = $1 AND id = $2`, [testLongWorkQueue.name, long]);
    // One retry counted, one added to the limit: handing back spent no attempt.
    expect(rows[0]).toMatchObject({ retry_count: 1, retry_limit: testLongWorkQueue.retry.limit + 1 });
  }, 90_000);

  it("drains on SIGQUIT: its running build-like job finishes past the grace period, it takes no new one, other work goes on, then it exits", async () => {
    // A grace period far shorter than the running job: SIGTERM would hand it back; a drain waits.
    const a = startWorker({ graceMs: 500 });
    await workersReady([a.process.pid!]);
    const running = await sendJob(sender, testFinishQueue, { name: "drain-running", firstAttemptMs: 8_000 }, { organizationId });
    await until("the long job to start", async () => (await startedAttempts("drain-running")).length > 0);
    a.process.kill("SIGQUIT");
    await until("the heartbeat to say it drains", async () => (await database.prisma.workerHeartbeat.findFirst({ where: { pid: a.process.pid!, drainingSince: { not: null } } })) !== null);
    const waiting = await sendJob(sender, testFinishQueue, { name: "drain-waiting", firstAttemptMs: 0 }, { organizationId });
    const other = await sendJob(sender, testLongWorkQueue, { name: "drain-other", firstAttemptMs: 0 }, { organizationId });
    // Other queues' short jobs still run on the draining worker.
    await until("the other queue's job to complete", async () => (await jobState(other!, testLongWorkQueue.name)) === "completed");
    expect((await doneEffects("drain-other"))[0]!.data).toMatchObject({ pid: a.process.pid });
    expect(await a.exited).toBe(0);
    // The running job finished where it ran, on its first attempt; the new one was left for others.
    expect(await jobState(running!, testFinishQueue.name)).toBe("completed");
    expect((await doneEffects("drain-running")).map((event) => event.data)).toEqual([{ pid: a.process.pid, attempt: 0 }]);
    expect(await startedAttempts("drain-waiting")).toEqual([]);
    expect(await jobState(waiting!, testFinishQueue.name)).toBe("created");
    expect(await database.prisma.workerHeartbeat.count({ where: { pid: a.process.pid! } })).toBe(0);
    const b = startWorker();
    await until("another worker to run the waiting job", async () => (await jobState(waiting!, testFinishQueue.name)) === "completed");
    expect((await doneEffects("drain-waiting"))[0]!.data).toMatchObject({ pid: b.process.pid });
  }, 90_000);
});
