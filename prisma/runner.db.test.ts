import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childProcessEnv, getToolingEnv } from "@/lib/env";
import { applyMigrations, defaultPaths, readMigrationList } from "./runner";

const admin = getToolingEnv().KEEL_TEST_ADMIN_URL!;
const database = `keel_runner_${Date.now().toString(36)}`;
let tmp: string;

function urlFor(name: string) {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

async function sql(query: string, url = admin) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(query);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await sql(`CREATE DATABASE ${database}`);
  tmp = await mkdtemp(path.join(os.tmpdir(), "keel-schema-"));
});
afterAll(async () => {
  await sql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await rm(tmp, { recursive: true, force: true });
});

function runCheck(schema: string) {
  return spawnSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), "prisma/cli.ts", "check", "--schema", schema], {
    encoding: "utf8",
    env: childProcessEnv({ NODE_ENV: "test" }),
    timeout: 120_000,
  });
}

describe("migration runner", () => {
  it("applies every migration to an empty database, once", async () => {
    const expected = (await readMigrationList()).migrationDirectories.map((d) => d.path);
    expect(expected.length).toBeGreaterThan(0);
    expect(await applyMigrations(urlFor(database))).toEqual(expected);
    expect(await applyMigrations(urlFor(database))).toEqual([]);
    const rows = await sql(`SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name`, urlFor(database));
    expect(rows.rows.map((r) => r.migration_name)).toEqual(expected);
    expect(rows.rows.every((r) => r.finished_at !== null)).toBe(true);
    const tables = await sql(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`, urlFor(database));
    expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(["User", "Organization", "Membership", "Account", "AuditEvent"]));
  });

  it("db:check passes on the committed schema and fails when a copy drifts", { timeout: 180_000 }, async () => {
    const copy = path.join(tmp, "schema.prisma");
    await cp(defaultPaths.schema, copy);
    const clean = runCheck(copy);
    expect(clean.stderr).toBe("");
    expect(clean.status).toBe(0);

    const drifted = `${await readFile(copy, "utf8")}\nmodel DriftCheck {\n  id   Int    @id\n  note String\n}\n`;
    await writeFile(copy, drifted);
    const failed = runCheck(copy);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('CREATE TABLE "DriftCheck"');
  });
});
