// Per-test-file databases cloned from the migrated template (see global-setup.ts).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createPrismaClient, type Db } from "@/lib/db";
import { getToolingEnv, resetEnvForTests } from "@/lib/env";

export type TestDatabase = { url: string; name: string; prisma: Db; drop(): Promise<void> };

function adminUrl(): string {
  const url = getToolingEnv().KEEL_TEST_ADMIN_URL;
  if (!url) {
    throw new Error("KEEL_TEST_ADMIN_URL is not set: run tests through vitest (its global setup starts PostgreSQL)");
  }
  return url;
}

/** Creates a fresh, migrated database and points Keel's configuration (DATABASE_URL) at it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = adminUrl();
  const template = getToolingEnv().KEEL_TEST_TEMPLATE;
  const name = `keel_test_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await client.end();
  }
  const parsed = new URL(admin);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  resetEnvForTests({ DATABASE_URL: url, KEEL_SESSION_SECRET: "test-session-secret-0123456789abcdef-xyz", KEEL_ENCRYPTION_KEYS: `kt:${Buffer.alloc(32, 7).toString("base64")}` });
  const prisma = createPrismaClient(url);
  return {
    url,
    name,
    prisma,
    async drop() {
      await prisma.$disconnect();
      const { getDb } = await import("@/lib/db");
      await getDb().$disconnect().catch(() => undefined);
      const { stopJobSender } = await import("@/lib/jobs/enqueue");
      await stopJobSender();
      const dropper = new pg.Client({ connectionString: admin });
      await dropper.connect();
      try {
        // An autovacuum worker analysing the database (after a test wrote many rows) belongs to no
        // role, so a role that is not a superuser (CI's external PostgreSQL) may not terminate it:
        // PostgreSQL says 42501 until the worker is done, a moment later.
        for (let attempt = 1; ; attempt += 1) {
          try {
            await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            break;
          } catch (error) {
            if ((error as { code?: string }).code !== "42501" || attempt >= 40) {
              throw error;
            }
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }
      } finally {
        await dropper.end();
      }
    },
  };
}

/**
 * Runs `work` and answers how many statements it sent to PostgreSQL (every Keel query goes
 * through pg's Client.query, Prisma's adapter included), with its result.
 */
export async function countStatements<T>(work: () => Promise<T>): Promise<{ statements: number; result: T }> {
  const original = pg.Client.prototype.query;
  let statements = 0;
  pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
    statements += 1;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    const result = await work();
    return { statements, result };
  } finally {
    pg.Client.prototype.query = original;
  }
}
