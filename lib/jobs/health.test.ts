import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";

// /api/health is open to anyone: it must report the database and the workers, and nothing else.

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

async function health() {
  const { GET } = await import("@/app/api/health/route");
  const response = await GET(new Request("http://keel.test/api/health"));
  return { status: response.status, text: await response.clone().text(), body: (await response.json()) as Record<string, unknown> };
}

describe("/api/health", () => {
  it("says degraded (200) without a live worker, ok with one, and shows counts and times only", async () => {
    const idle = await health();
    expect(idle.status).toBe(200);
    expect(idle.body).toMatchObject({ status: "degraded", database: "reachable", workers: { live: 0, lastHeartbeatAt: null }, jobs: { queued: 0, running: 0, failed: 0, deadLettered: 0 } });

    const beat = new Date();
    await database.prisma.workerHeartbeat.create({ data: { id: "7d1c7f8e-4a8c-4a3b-9d43-0c4b4f8a1e01", host: "build-host-7.internal", pid: 4242, queues: ["repositories.list"], lastBeatAt: beat, activeJobs: 1 } });
    // One draining before an upgrade is live, and counted apart.
    await database.prisma.workerHeartbeat.create({ data: { id: "7d1c7f8e-4a8c-4a3b-9d43-0c4b4f8a1e03", host: "build-host-8.internal", pid: 4343, queues: ["builds.run"], lastBeatAt: beat, drainingSince: beat } });
    // A worker gone for a while is not live, but its last beat is still reported.
    await database.prisma.workerHeartbeat.create({ data: { id: "7d1c7f8e-4a8c-4a3b-9d43-0c4b4f8a1e02", host: "old-host", pid: 99, queues: [], lastBeatAt: new Date(Date.now() - 3_600_000) } });
    const live = await health();
    expect(live.body).toMatchObject({ status: "ok", workers: { live: 2, draining: 1, lastHeartbeatAt: beat.toISOString(), runningJobs: 1 } });
    expect(Object.keys(live.body).sort()).toEqual(["checkedAt", "database", "jobs", "status", "workers"]);
    // No host names, pids, worker ids or queue names for anonymous callers.
    for (const hidden of ["build-host-7", "build-host-8", "old-host", "4242", "4343", "7d1c7f8e", "repositories.list", "builds.run"]) {
      expect(live.text).not.toContain(hidden);
    }
  });
});

describe("the admins' list of workers", () => {
  it("names each worker's build pools, live ones first and stale ones marked, and only for admins", async () => {
    const { listWorkers } = await import("@/lib/data/jobs");
    const { testScope } = await import("@/lib/testing/scopes");
    await database.prisma.workerHeartbeat.deleteMany();
    await database.prisma.workerHeartbeat.createMany({
      data: [
        { id: "5e0f6a34-1d7e-4f7a-9a55-2b1c0c9d0e01", host: "mac-mini-2", pid: 11, queues: ["builds.run.macos", "builds.run.macos.dead", "builds.report"], lastBeatAt: new Date(Date.now() - 3_600_000) },
        { id: "5e0f6a34-1d7e-4f7a-9a55-2b1c0c9d0e02", host: "mac-mini-1", pid: 12, queues: ["builds.run", "builds.run.macos", "hooks.process"], activeJobs: 2 },
        { id: "5e0f6a34-1d7e-4f7a-9a55-2b1c0c9d0e03", host: "linux-1", pid: 13, queues: ["repositories.list"] },
      ],
    });
    const organization = await database.prisma.organization.create({ data: { name: "Workers test" }, select: { id: true } });
    const workers = await listWorkers(testScope(organization.id, "00000000-0000-4000-8000-000000000001", "ADMIN"), 60_000);
    expect(workers.map((worker) => [worker.host, worker.pools, worker.live, worker.activeJobs])).toEqual([
      ["linux-1", [], true, 0],
      ["mac-mini-1", ["default", "macos"], true, 2],
      ["mac-mini-2", ["macos"], false, 0],
    ]);
    await expect(listWorkers(testScope(organization.id, "00000000-0000-4000-8000-000000000002", "MEMBER"), 60_000)).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
