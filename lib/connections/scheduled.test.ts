import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childProcessEnv } from "@/lib/env";
import type { TestDatabase } from "@/lib/testing/db";
import { DEFAULT_PATS, pickerTestDatabase, seedConnection, seedOrganization, startEmulator, type EmulatorHandle } from "@/lib/repositories/test-support";

// The scheduled connection check with two real worker processes (Keel's own worker entry point
// and registry) on one database: the `connections.check` schedule every 2 seconds runs its
// fan-out once per slot across both workers, and each connection is checked once per slot —
// never twice, whichever worker runs what.

const root = path.resolve(import.meta.dirname, "../..");
let emulator: EmulatorHandle;
let database: TestDatabase;
const workers: { process: ChildProcess; exited: Promise<number | null>; output: string[] }[] = [];

function startWorker() {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(root, "lib/jobs/worker-main.ts")], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: childProcessEnv({
      DATABASE_URL: database.url,
      LOG_LEVEL: "warn",
      KEEL_CONNECTION_CHECK_INTERVAL_SECONDS: "2",
      KEEL_WORKER_POLL_MS: "200",
      KEEL_WORKER_HEARTBEAT_MS: "500",
      KEEL_WORKER_SHUTDOWN_GRACE_MS: "5000",
      SMTP_URL: undefined,
    }),
  });
  const output: string[] = [];
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  workers.push({ process: child, exited, output });
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}\n${workers.map((worker) => worker.output.join("").slice(-3_000)).join("\n---\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  emulator = await startEmulator({ fixture: "default", basePort: 0 });
  database = await pickerTestDatabase();
});

afterAll(async () => {
  for (const worker of workers.splice(0)) {
    if (worker.process.exitCode === null && worker.process.signalCode === null) {
      worker.process.kill("SIGTERM");
    }
    await worker.exited;
  }
  await database?.drop();
  await emulator?.stop();
}, 30_000);

describe("the scheduled connection check", () => {
  it("runs once per interval across two workers and checks every connection once per slot", async () => {
    const seeded = await seedOrganization(database);
    const connections = [
      await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull }),
      await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamRevoked }),
    ];
    startWorker();
    startWorker();
    const checked = (id: string) => database.prisma.auditEvent.count({ where: { action: "connection.checked", targetId: id } });
    await until("three scheduled checks of each connection", async () => (await Promise.all(connections.map((connection) => checked(connection.id)))).every((count) => count >= 3), 90_000);
    for (const worker of workers.splice(0)) {
      worker.process.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
    }

    const jobs = async (name: string) =>
      (await database.prisma.$queryRawUnsafe<{ id: string; state: string; slot: string | null; connectionId: string | null }[]>(
        `SELECT id::text, state::text, data->>'scheduledFor' AS slot, data->'payload'->>'connectionId' AS "connectionId" FROM pgboss.job WHERE name = $1`,
        name,
      ));
    // One fan-out per 2-second slot, never two.
    const fanOuts = await jobs("connections.check-all");
    const perSlot = new Map<string, number>();
    for (const job of fanOuts) {
      perSlot.set(job.slot ?? "none", (perSlot.get(job.slot ?? "none") ?? 0) + 1);
    }
    expect(perSlot.size).toBeGreaterThanOrEqual(3);
    expect([...perSlot.values()].every((count) => count === 1)).toBe(true);
    expect([...perSlot.keys()].every((slot) => Date.parse(slot) % 2_000 === 0)).toBe(true);

    // Each connection: one check job per slot (their ids derive from connection and slot), and
    // each completed job recorded its check exactly once.
    const checks = await jobs("connections.check");
    for (const connection of connections) {
      const mine = checks.filter((job) => job.connectionId === connection.id);
      expect(new Set(mine.map((job) => job.id)).size).toBe(mine.length);
      expect(mine.length).toBeLessThanOrEqual(perSlot.size);
      const completed = mine.filter((job) => job.state === "completed").length;
      expect(await checked(connection.id)).toBe(completed);
      expect(await database.prisma.jobEffect.count({ where: { key: { startsWith: `check:${connection.id}:` } } })).toBe(completed);
    }
    // They acted as Keel's job, for the connection's organization.
    const events = await database.prisma.auditEvent.findMany({ where: { action: "connection.checked", targetId: { in: connections.map((connection) => connection.id) } } });
    expect(events.every((event) => event.actorKind === "SYSTEM" && event.actorJob === "connections.check" && event.organizationId === seeded.organizationId)).toBe(true);
    // The revoked token's status changed once, however many checks saw it.
    expect(await database.prisma.connection.findUniqueOrThrow({ where: { id: connections[1]!.id } })).toMatchObject({ status: "NEEDS_REAUTH" });
    expect(await database.prisma.auditEvent.count({ where: { action: "connection.status_changed", targetId: connections[1]!.id } })).toBe(1);
    expect(await database.prisma.connection.findUniqueOrThrow({ where: { id: connections[0]!.id } })).toMatchObject({ status: "HEALTHY" });
  }, 150_000);
});
