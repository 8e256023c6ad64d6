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
    // A worker gone for a while is not live, but its last beat is still reported.
    await database.prisma.workerHeartbeat.create({ data: { id: "7d1c7f8e-4a8c-4a3b-9d43-0c4b4f8a1e02", host: "old-host", pid: 99, queues: [], lastBeatAt: new Date(Date.now() - 3_600_000) } });
    const live = await health();
    expect(live.body).toMatchObject({ status: "ok", workers: { live: 1, lastHeartbeatAt: beat.toISOString(), runningJobs: 1 } });
    expect(Object.keys(live.body).sort()).toEqual(["checkedAt", "database", "jobs", "status", "workers"]);
    // No host names, pids, worker ids or queue names for anonymous callers.
    for (const hidden of ["build-host-7", "old-host", "4242", "7d1c7f8e", "repositories.list"]) {
      expect(live.text).not.toContain(hidden);
    }
  });
});
