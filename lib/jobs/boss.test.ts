import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { applyMigrations } from "@/prisma/runner";
import { installJobSchema, JOB_SCHEMA } from "./boss";
import { slotJobId, slotStart, tickMs } from "./schedules";

// pg-boss lives beside Prisma's tables without either noticing the other.

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

async function tablesBySchema(): Promise<Record<string, string[]>> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_schema IN ('public', $1) ORDER BY 1, 2`,
      [JOB_SCHEMA],
    );
    const grouped: Record<string, string[]> = {};
    for (const row of rows) {
      (grouped[row.schema] ??= []).push(row.name);
    }
    return grouped;
  } finally {
    await client.end();
  }
}

describe("the job schema", () => {
  it("lives in its own schema; Prisma's migrations and pg-boss's install are idempotent on the same database", async () => {
    const before = await tablesBySchema();
    // pg-boss's tables are all in "pgboss", none in Prisma's "public".
    expect(before[JOB_SCHEMA]).toEqual(expect.arrayContaining(["job", "queue", "schedule", "version", "archive"]));
    expect(before.public!.filter((name) => ["job", "queue", "schedule", "version", "archive", "subscription"].includes(name))).toEqual([]);
    const migrations = await database.prisma.$queryRaw<{ count: bigint }[]>`SELECT count(*) FROM "_prisma_migrations"`;
    // Applying Prisma's migrations again, with pg-boss installed, finds nothing to do.
    expect(await applyMigrations(database.url)).toEqual([]);
    await installJobSchema(database.url);
    expect(await tablesBySchema()).toEqual(before);
    expect(await database.prisma.$queryRaw<{ count: bigint }[]>`SELECT count(*) FROM "_prisma_migrations"`).toEqual(migrations);
  });
});

describe("schedule slots", () => {
  it("are epoch-aligned, and each has one job id on every worker", () => {
    const at = new Date("2026-12-04T10:17:42.123Z");
    expect(slotStart(at, 3_600).toISOString()).toBe("2026-12-04T10:00:00.000Z");
    expect(slotStart(at, 2).toISOString()).toBe("2026-12-04T10:17:42.000Z");
    const slot = slotStart(at, 3_600);
    const id = slotJobId("connections.check", slot);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(slotJobId("connections.check", new Date(slot))).toBe(id);
    expect(slotJobId("connections.check", new Date(slot.getTime() + 3_600_000))).not.toBe(id);
    expect(slotJobId("jobs.housekeeping", slot)).not.toBe(id);
  });

  it("are checked often enough to start within a quarter of the interval, at most every 15 s", () => {
    expect([1, 2, 60, 3_600].map(tickMs)).toEqual([250, 500, 15_000, 15_000]);
  });
});
