// Vitest global setup: one real PostgreSQL for the whole run and a migrated template
// database that each test file clones (CREATE DATABASE … TEMPLATE, milliseconds).
//
// KEEL_TEST_DATABASE_URL (an admin connection to an existing server, e.g. Debian's
// PostgreSQL in CI's external leg) is used when set; otherwise an embedded PostgreSQL
// is started in a temporary directory and removed afterwards.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { exportToChildProcesses, getToolingEnv } from "@/lib/env";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@/lib/runtime/embedded-postgres";
import { freePort } from "@/lib/runtime/launcher";
import { installJobSchema } from "@/lib/jobs/boss";
import { applyMigrations } from "@/prisma/runner";
import { recreateDatabase } from "./databases";

export const TEMPLATE_DATABASE = "keel_test_template";

let server: EmbeddedPostgres | undefined;
let tempDir: string | undefined;

export async function setup(): Promise<void> {
  let adminUrl = getToolingEnv().KEEL_TEST_DATABASE_URL;
  if (!adminUrl) {
    tempDir = await mkdtemp(path.join(os.tmpdir(), "keel-vitest-"));
    await import("node:fs/promises").then(({ chmod }) => chmod(tempDir!, 0o711));
    server = await startEmbeddedPostgres({ dataDir: path.join(tempDir, "pg"), port: await freePort(), user: "keel", password: "keel-test-password" });
    adminUrl = server.url("postgres");
  }
  const templateUrl = await recreateDatabase(adminUrl, TEMPLATE_DATABASE);
  await applyMigrations(templateUrl);
  // pg-boss's schema too, so every cloned test database can run jobs.
  await installJobSchema(templateUrl);
  // Forked test workers inherit this environment.
  exportToChildProcesses({ KEEL_TEST_ADMIN_URL: adminUrl, KEEL_TEST_TEMPLATE: TEMPLATE_DATABASE });
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (tempDir) {
    await rm(tempDir, { recursive: true, force: true });
  }
}
