// `npm test`: the whole test suite on a fresh machine.
//   1. Chromium (Debian's) is found or installed;
//   2. one real PostgreSQL for the run: embedded in a temporary directory, or the
//      server KEEL_TEST_DATABASE_URL points at;
//   3. Vitest (unit, integration, emulator) against it;
//   4. `next build` when the sources changed;
//   5. Playwright in Chromium against `next start` + the Azure DevOps emulator, on a
//      fresh database.
// Every stage runs even when an earlier one failed; the exit code is non-zero if any
// failed. `npm test -- unit` or `npm test -- e2e [playwright args]` runs one stage.
import { spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { childProcessEnv, getToolingEnv } from "@/lib/env";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@/lib/runtime/embedded-postgres";
import { buildIfNeeded, freePort } from "@/lib/runtime/launcher";
import { recreateDatabase } from "@/lib/testing/databases";
import { ensureChromium } from "./chromium";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Connections one database test file may hold at once: the build worker's two files run worker
 * processes (a Prisma pool of 10 and a job-engine pool of 4 each) beside their own clients, and
 * were seen at 114 and 69 together. Two files at a time fit the 200 of the embedded server and of
 * CI's; a server left at PostgreSQL's default of 100 gets one file at a time instead of failures.
 */
const CONNECTIONS_PER_FILE = 90;

/** How many Vitest files run side by side: KEEL_UNIT_WORKERS, else one per core and at least two, as many as the server's connections hold. */
async function unitWorkers(adminUrl: string): Promise<number> {
  const chosen = getToolingEnv().KEEL_UNIT_WORKERS;
  if (chosen) {
    return chosen;
  }
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ usable: number }>("SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int AS usable");
    const held = Math.max(1, Math.floor(rows[0]!.usable / CONNECTIONS_PER_FILE));
    const wanted = Math.max(2, os.availableParallelism());
    if (held < wanted) {
      console.log(`PostgreSQL allows ${rows[0]!.usable} connections: Vitest runs ${held} file${held === 1 ? "" : "s"} at a time (about ${CONNECTIONS_PER_FILE} each; raise max_connections for more).`);
    }
    return Math.min(held, wanted);
  } finally {
    await client.end();
  }
}

function run(command: string, args: string[], env: Record<string, string | undefined>): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit", env: childProcessEnv(env) });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.once("SIGINT", forward);
    process.once("SIGTERM", forward);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const stage = args[0] === "unit" || args[0] === "e2e" ? args.shift() : undefined;
  const runUnit = stage !== "e2e";
  const runE2e = stage !== "unit";

  const chromium = runE2e ? ensureChromium() : undefined;
  let server: EmbeddedPostgres | undefined;
  let tempDir: string | undefined;
  let adminUrl = getToolingEnv().KEEL_TEST_DATABASE_URL;
  const failures: string[] = [];
  try {
    if (!adminUrl) {
      tempDir = await mkdtemp(path.join(os.tmpdir(), "keel-test-pg-"));
      await chmod(tempDir, 0o711);
      server = await startEmbeddedPostgres({ dataDir: path.join(tempDir, "pg"), port: await freePort(), user: "keel", password: "keel-test-password" });
      adminUrl = server.url("postgres");
    }
    if (runUnit) {
      console.log("\n▶ Vitest: unit, integration and emulator tests\n");
      const vitest = path.join(root, "node_modules", "vitest", "vitest.mjs");
      const vitestArgs = stage ? args : [];
      // Vitest's own default is one worker less than the cores: one on CI's two. Each file has its
      // own database (lib/testing/db.ts), ports and temporary folders, and most of a file's time is
      // waiting on worker processes, git and PostgreSQL, so at least two run side by side.
      if (!vitestArgs.some((arg) => arg.startsWith("--maxWorkers"))) {
        vitestArgs.unshift(`--maxWorkers=${await unitWorkers(adminUrl)}`);
      }
      if ((await run(process.execPath, [vitest, "run", ...vitestArgs], { KEEL_TEST_DATABASE_URL: adminUrl })) !== 0) {
        failures.push("vitest");
      }
    }
    if (runE2e) {
      console.log("\n▶ Building Keel for the browser tests\n");
      await buildIfNeeded();
      const databaseUrl = await recreateDatabase(adminUrl, "keel_e2e");
      const dataDir = path.join(root, ".data", "e2e");
      await rm(dataDir, { recursive: true, force: true });
      console.log("\n▶ Playwright: browser journeys in Chromium\n");
      const playwright = path.join(root, "node_modules", "@playwright", "test", "cli.js");
      const code = await run(process.execPath, [playwright, "test", ...(stage ? args : [])], {
        KEEL_E2E_DATABASE_URL: databaseUrl,
        KEEL_E2E_DATA_DIR: dataDir,
        CHROMIUM_PATH: chromium,
      });
      if (code !== 0) {
        failures.push("playwright");
      }
    }
  } finally {
    await server?.stop();
    if (tempDir) {
      await rm(tempDir, { recursive: true, force: true });
    }
  }
  if (failures.length > 0) {
    console.error(`\n✗ Failed: ${failures.join(", ")}`);
    return 1;
  }
  console.log("\n✓ All tests passed");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
