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
import { childProcessEnv, getToolingEnv } from "@/lib/env";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@/lib/runtime/embedded-postgres";
import { buildIfNeeded, freePort } from "@/lib/runtime/launcher";
import { recreateDatabase } from "@/lib/testing/databases";
import { ensureChromium } from "./chromium";

const root = path.resolve(import.meta.dirname, "../..");

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
        vitestArgs.unshift(`--maxWorkers=${getToolingEnv().KEEL_UNIT_WORKERS ?? Math.max(2, os.availableParallelism())}`);
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
