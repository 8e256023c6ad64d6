// Keel's launcher (`npm start` → lib/runtime/keel.ts). One process that
//   1. validates the configuration (a bad variable stops the start, named);
//   2. generates the embedded default's secrets on first start;
//   3. starts the embedded PostgreSQL (or uses DATABASE_URL) and applies migrations;
//   4. builds the Next.js app when the sources changed since the last build;
//   5. runs `next start`, and on SIGINT/SIGTERM stops Next first, then PostgreSQL.
// A kill -9 of this process leaves its children running; the next start finds them
// through the run file and stops them before starting again.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assertServerSecrets, childProcessEnv, EnvError, getEnv, type Env } from "@/lib/env";
import { configureLogger, logger } from "@/lib/logger";
import { applyMigrations } from "@/prisma/runner";
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres";
import { loadOrCreateSecrets } from "./secrets";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const log = logger("runtime.launcher");

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") {
          resolve(address.port);
        } else {
          reject(new Error("no free port"));
        }
      });
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function commandLine(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).replace(/\0/g, " ");
  } catch {
    return "";
  }
}

type RunFile = { launcherPid: number; nextPid?: number; databasePort?: number; startedAt: string };

/**
 * Claims the data directory for this launcher. Refuses when another live Keel uses
 * it; stops the Next server a killed launcher left behind.
 */
async function claimRunFile(dataDir: string): Promise<string> {
  const file = path.join(dataDir, "keel.run.json");
  try {
    const previous = JSON.parse(await readFile(file, "utf8")) as RunFile;
    if (previous.launcherPid !== process.pid && isAlive(previous.launcherPid) && (await commandLine(previous.launcherPid)).includes("keel")) {
      throw new Error(
        `Keel is already running from ${dataDir} (pid ${previous.launcherPid}). Stop it first, or set KEEL_DATA_DIR to another directory.`,
      );
    }
    if (previous.nextPid && isAlive(previous.nextPid) && (await commandLine(previous.nextPid)).includes("next")) {
      log.warn({ pid: previous.nextPid }, "stopping a Next.js server left running by an earlier Keel process");
      process.kill(previous.nextPid, "SIGKILL");
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" && !(error instanceof SyntaxError)) {
      throw error;
    }
  }
  await writeRunFile(file, { launcherPid: process.pid, startedAt: new Date().toISOString() });
  return file;
}

async function writeRunFile(file: string, content: RunFile): Promise<void> {
  await writeFile(file, `${JSON.stringify(content)}\n`, { mode: 0o600 });
}

const BUILD_INPUTS = ["app", "components", "lib", "public", "next.config.mjs", "postcss.config.mjs", "package-lock.json", "tsconfig.json"];

/** Fingerprint of everything `next build` reads, to rebuild only when it changed. */
export async function buildFingerprint(root: string = projectRoot): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (relative: string): Promise<void> => {
    const full = path.join(root, relative);
    let info;
    try {
      info = await stat(full);
    } catch {
      return;
    }
    if (info.isDirectory()) {
      if (relative === path.join("lib", "generated") || relative.endsWith("node_modules")) {
        return;
      }
      const entries = (await readdir(full)).sort();
      for (const entry of entries) {
        if (entry.endsWith(".test.ts")) {
          continue;
        }
        await walk(path.join(relative, entry));
      }
      return;
    }
    hash.update(relative);
    hash.update(await readFile(full));
  };
  for (const input of BUILD_INPUTS) {
    await walk(input);
  }
  return hash.digest("hex");
}

function nextBin(): string {
  const require = createRequire(import.meta.url);
  return require.resolve("next/dist/bin/next");
}

/** Runs `next build` when the sources differ from the last successful build. */
export async function buildIfNeeded(options: { force?: boolean } = {}): Promise<void> {
  const marker = path.join(projectRoot, ".next", "keel-build-fingerprint");
  const fingerprint = await buildFingerprint();
  if (!options.force) {
    try {
      if ((await readFile(marker, "utf8")).trim() === fingerprint) {
        return;
      }
    } catch {
      // no previous build
    }
  }
  log.info("building Keel (next build) — the first start takes a minute or two");
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [nextBin(), "build"], {
      cwd: projectRoot,
      stdio: "inherit",
      // The build never needs the database or secrets; it runs as production.
      env: childProcessEnv({ NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" }),
    });
    child.on("exit", (exitCode) => resolve(exitCode ?? 1));
  });
  if (code !== 0) {
    throw new Error(`next build failed (exit code ${code})`);
  }
  await writeFile(marker, fingerprint);
}

export type Runtime = {
  env: Env;
  databaseUrl: string;
  database?: EmbeddedPostgres;
  childEnv: Record<string, string>;
};

/** Prepares secrets and the database, applies migrations; returns what `next start` needs. */
export async function prepareRuntime(env: Env): Promise<Runtime> {
  const dataDir = path.resolve(projectRoot, env.KEEL_DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  // Traversable (not listable) so the unprivileged PostgreSQL user reaches its directory.
  await chmod(dataDir, 0o711);

  const childEnv: Record<string, string> = {};
  let generated: Awaited<ReturnType<typeof loadOrCreateSecrets>> | undefined;
  if (!env.KEEL_SESSION_SECRET || !env.KEEL_ENCRYPTION_KEYS || !env.DATABASE_URL) {
    generated = await loadOrCreateSecrets(dataDir);
    if (generated.created) {
      log.info({ file: path.join(dataDir, "secrets.json") }, "generated Keel's secrets on first start");
    }
  }
  if (!env.KEEL_SESSION_SECRET && generated) {
    childEnv.KEEL_SESSION_SECRET = generated.secrets.sessionSecret;
  }
  if (!env.KEEL_ENCRYPTION_KEYS && generated) {
    childEnv.KEEL_ENCRYPTION_KEYS = generated.secrets.encryptionKeys;
    log.warn(
      "token encryption keys are stored beside the database in KEEL_DATA_DIR: fine for a single machine, " +
        "not for production — set KEEL_ENCRYPTION_KEYS from a secret store",
    );
    childEnv.KEEL_KEYS_GENERATED = "true";
  }

  let databaseUrl = env.DATABASE_URL;
  let database: EmbeddedPostgres | undefined;
  if (!databaseUrl) {
    const pgLog = logger("runtime.postgres");
    database = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, "postgres"),
      port: await freePort(),
      user: "keel",
      password: generated!.secrets.databasePassword,
      log: (line) => {
        // PostgreSQL's routine chatter stays at debug; warnings and errors are shown.
        if (/\b(ERROR|FATAL|PANIC|WARNING)\b/.test(line)) {
          pgLog.warn(line);
        } else {
          pgLog.debug(line);
        }
      },
    });
    await ensureDatabase(database.url("postgres"), "keel");
    databaseUrl = database.url("keel");
    log.info({ port: database.port }, "embedded PostgreSQL is running");
  }
  const applied = await applyMigrations(databaseUrl);
  log.info({ applied }, applied.length ? "applied database migrations" : "database schema is up to date");
  childEnv.DATABASE_URL = databaseUrl;
  return { env, databaseUrl, database, childEnv };
}

/** Runs Keel until SIGINT/SIGTERM (the `npm start` command). */
export async function start(options: { build: boolean }): Promise<void> {
  let env: Env;
  try {
    env = getEnv();
    assertServerSecrets(env);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  configureLogger(env.LOG_LEVEL, env.KEEL_LOG_FILE);
  const dataDir = path.resolve(projectRoot, env.KEEL_DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  const runFile = await claimRunFile(dataDir);

  let runtime: Runtime | undefined;
  const children: { next?: ChildProcess } = {};
  let shuttingDown = false;

  const shutdown = async (reason: string, code: number) => {
    if (shuttingDown) {
      return;
    }
    shuttingDown = true;
    log.info({ reason }, "stopping Keel");
    const next = children.next;
    if (next && next.exitCode === null) {
      const exited = new Promise((resolve) => next.once("exit", resolve));
      next.kill("SIGTERM");
      const timer = setTimeout(() => next.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await runtime?.database?.stop();
    await rm(runFile, { force: true });
    log.info("Keel stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown("SIGINT", 0));
  process.on("SIGTERM", () => void shutdown("SIGTERM", 0));

  try {
    runtime = await prepareRuntime(env);
    await writeRunFile(runFile, { launcherPid: process.pid, databasePort: runtime.database?.port, startedAt: new Date().toISOString() });
    if (options.build) {
      await buildIfNeeded();
    }
  } catch (error) {
    log.error({ err: error }, "Keel could not start");
    await shutdown("start-up failed", 1);
    return;
  }
  if (shuttingDown) {
    return;
  }

  const publicUrl = env.KEEL_PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  const args = [nextBin(), "start", "-p", String(env.PORT)];
  if (env.HOSTNAME) {
    args.push("-H", env.HOSTNAME);
  }
  const next = spawn(process.execPath, args, {
    cwd: projectRoot,
    // With KEEL_LOG_FILE the server's output is copied there as well.
    stdio: env.KEEL_LOG_FILE ? ["ignore", "pipe", "pipe"] : "inherit",
    env: childProcessEnv({
      ...runtime.childEnv,
      NODE_ENV: env.NODE_ENV,
      // next-auth 4 reads these two itself.
      NEXTAUTH_URL: publicUrl,
      NEXTAUTH_SECRET: runtime.childEnv.KEEL_SESSION_SECRET ?? env.KEEL_SESSION_SECRET,
      NEXT_TELEMETRY_DISABLED: "1",
    }),
  });
  children.next = next;
  if (env.KEEL_LOG_FILE) {
    const file = createWriteStream(env.KEEL_LOG_FILE, { flags: "a" });
    next.stdout?.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      file.write(chunk);
    });
    next.stderr?.on("data", (chunk: Buffer) => {
      process.stderr.write(chunk);
      file.write(chunk);
    });
  }
  await writeRunFile(runFile, {
    launcherPid: process.pid,
    nextPid: next.pid,
    databasePort: runtime.database?.port,
    startedAt: new Date().toISOString(),
  });
  log.info({ url: publicUrl }, "Keel is starting");
  next.on("exit", (code, signal) => {
    if (!shuttingDown) {
      void shutdown(`next exited (code ${code ?? "null"}, signal ${signal ?? "null"})`, code ?? 1);
    }
  });
}
