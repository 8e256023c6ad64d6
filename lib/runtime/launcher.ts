// Keel's launcher (`npm start` → lib/runtime/keel.ts). One process that
//   1. validates the configuration (a bad variable stops the start, named);
//   2. generates the embedded default's secrets on first start;
//   3. starts the embedded PostgreSQL (or uses DATABASE_URL) and applies migrations;
//   4. builds the Next.js app when the sources changed since the last build;
//   5. runs KEEL_WEB_CONCURRENCY web processes (default: one per core), each Keel's web server
//      (lib/runtime/web-server.ts: Next.js behind Keel's own HTTP server), sharing the port
//      through Node's cluster module, and, unless KEEL_WORKER=off, a worker of the job engine
//      as a separate child process (background work never runs in a process serving pages);
//   6. supervises them all: a crashed web process, worker or embedded PostgreSQL is
//      restarted with backoff, each web process on its own (the others keep serving), and
//      after repeated quick crashes the launcher exits non-zero so that systemd or Docker
//      notice (supervisor.ts);
//   7. on SIGINT/SIGTERM stops the web processes and the worker first (the worker finishes
//      or hands back its jobs), then PostgreSQL; on SIGQUIT (before an upgrade) drains first:
//      the worker finishes its running builds and starts no new one while the web processes
//      keep serving, then everything stops as on SIGTERM.
// A kill -9 of this process ends the web processes (a cluster worker exits when it loses
// its primary) but leaves the worker and PostgreSQL running; the next start finds them
// through the run file and stops them before starting again.
import { spawn, type ChildProcess } from "node:child_process";
import cluster from "node:cluster";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { assertServerSecrets, childProcessEnv, EnvError, getEnv, type Env } from "@/lib/env";
import { configureLogger, logger } from "@/lib/logger";
import { applyMigrations } from "@/prisma/runner";
import { installJobSchema } from "@/lib/jobs/boss";
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres";
import { DEFAULT_RESTART_POLICY, describeExit, Supervisor, type ExitInfo, type Supervisable } from "./supervisor";
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

/** `nextPid` is the first of `nextPids` (one per web process), kept for tools that read one. */
type RunFile = { launcherPid: number; nextPid?: number; nextPids?: number[]; workerPid?: number; databasePid?: number; databasePort?: number; startedAt: string };

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
    for (const pid of new Set([...(previous.nextPids ?? []), ...(previous.nextPid ? [previous.nextPid] : [])])) {
      if (isAlive(pid) && /web-server|next/.test(await commandLine(pid))) {
        log.warn({ pid }, "stopping a Next.js server left running by an earlier Keel process");
        process.kill(pid, "SIGKILL");
      }
    }
    if (previous.workerPid && isAlive(previous.workerPid) && (await commandLine(previous.workerPid)).includes("worker-main")) {
      // SIGTERM: it hands its running jobs back to the queue for the new worker.
      log.warn({ pid: previous.workerPid }, "stopping a job worker left running by an earlier Keel process");
      process.kill(previous.workerPid, "SIGTERM");
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" && !(error instanceof SyntaxError)) {
      throw error;
    }
  }
  await writeRunFile(file, { launcherPid: process.pid, startedAt: new Date().toISOString() });
  return file;
}

let runFileWrites: Promise<void> = Promise.resolve();

/**
 * Replaces the run file atomically (a new file renamed over it): tools and the next launcher read
 * it at any moment, and with several web processes it is rewritten whenever one restarts — a
 * reader must never see it half written. Writes run one after another, so the last call wins.
 */
async function writeRunFile(file: string, content: RunFile): Promise<void> {
  const next = `${file}.${process.pid}.tmp`;
  const write = runFileWrites.then(async () => {
    await writeFile(next, `${JSON.stringify(content)}\n`, { mode: 0o600 });
    await rename(next, file);
  });
  runFileWrites = write.catch(() => undefined);
  await write;
}

// schema.prisma: the generated client (lib/generated, skipped below) is bundled into the build.
const BUILD_INPUTS = ["app", "components", "lib", "public", "prisma/schema.prisma", "next.config.mjs", "postcss.config.mjs", "package-lock.json", "tsconfig.json"];

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
  /** Starts the embedded PostgreSQL again on the same port and data directory (after a crash). */
  restartDatabase?: () => Promise<EmbeddedPostgres>;
  childEnv: Record<string, string>;
};

/** Prepares secrets and the database, applies migrations; returns what the web server and the worker need. */
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
  let restartDatabase: (() => Promise<EmbeddedPostgres>) | undefined;
  if (!databaseUrl) {
    const pgLog = logger("runtime.postgres");
    const options = {
      dataDir: path.join(dataDir, "postgres"),
      port: await freePort(),
      user: "keel",
      password: generated!.secrets.databasePassword,
      log: (line: string) => {
        // PostgreSQL's routine chatter stays at debug; warnings and errors are shown.
        if (/\b(ERROR|FATAL|PANIC|WARNING)\b/.test(line)) {
          pgLog.warn(line);
        } else {
          pgLog.debug(line);
        }
      },
    };
    database = await startEmbeddedPostgres(options);
    // The same port: the URL the server and the worker hold stays right.
    restartDatabase = () => startEmbeddedPostgres(options);
    await ensureDatabase(database.url("postgres"), "keel");
    databaseUrl = database.url("keel");
    log.info({ port: database.port }, "embedded PostgreSQL is running");
  }
  const applied = await applyMigrations(databaseUrl);
  log.info({ applied }, applied.length ? "applied database migrations" : "database schema is up to date");
  // pg-boss's tables, in their own schema (lib/jobs/README.md).
  await installJobSchema(databaseUrl);
  childEnv.DATABASE_URL = databaseUrl;
  return { env, databaseUrl, database, restartDatabase, childEnv };
}

type NodeChild = Supervisable & { process: ChildProcess };

/**
 * A started child as the supervisor sees it: its output copied to KEEL_LOG_FILE when one is set
 * (the child's stdio is then piped), and a promise of its exit.
 */
function supervised(child: ChildProcess, logFile: NodeJS.WritableStream | undefined): NodeChild {
  if (logFile) {
    child.stdout?.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      logFile.write(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      process.stderr.write(chunk);
      logFile.write(chunk);
    });
  }
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    // A spawn that fails (no such file) emits 'error' and no 'exit'.
    child.once("error", () => resolve({ code: null, signal: null }));
  });
  return { pid: child.pid ?? -1, exited, process: child };
}

/** Spawns a Node child of the launcher. */
function spawnNode(args: string[], env: NodeJS.ProcessEnv, logFile: NodeJS.WritableStream | undefined): NodeChild {
  return supervised(spawn(process.execPath, args, { cwd: projectRoot, stdio: logFile ? ["ignore", "pipe", "pipe"] : "inherit", env }), logFile);
}

/**
 * Forks one web server process (lib/runtime/web-server.ts) as a cluster worker: every web process
 * calls listen() on the same port and this process (the cluster primary) hands incoming
 * connections to them in turn (round-robin, Node's default on Linux). Each is an ordinary
 * child process otherwise: supervised, restarted and stopped like the job worker.
 */
function forkWeb(args: string[], env: NodeJS.ProcessEnv, logFile: NodeJS.WritableStream | undefined): NodeChild {
  // `args` is webServerArguments(): Node's flags, then the script. The launcher's own flags are
  // not inherited; the web server brings its own (tsx's loader).
  const script = args[args.length - 1];
  cluster.setupPrimary({ exec: script, args: [], execArgv: args.slice(0, -1), cwd: projectRoot, silent: Boolean(logFile) });
  return supervised(cluster.fork(env).process, logFile);
}

/** How many web processes to run: KEEL_WEB_CONCURRENCY, else one per core (one in test mode). */
export function webConcurrency(env: Pick<Env, "KEEL_WEB_CONCURRENCY" | "NODE_ENV">): number {
  return env.KEEL_WEB_CONCURRENCY ?? (env.NODE_ENV === "test" ? 1 : os.availableParallelism());
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
async function stopChild(child: NodeChild | undefined, graceMs: number): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) {
    return;
  }
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => child.process.kill("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Default old-generation heap limit of a web process, in MiB (KEEL_WEB_HEAP_MIB overrides it). */
export const WEB_HEAP_MIB = 400;

/**
 * The web server child's command line: Next.js through lib/runtime/web-server.ts (PORT and
 * HOSTNAME from the environment), with V8's heap sized for serving pages (issue 17, bench:load):
 *
 * - a 64 MiB semi-space (the young generation; Node 20's default is 16): a request's objects
 *   mostly die young, and with the default they outlived a scavenge under load and were copied
 *   into the old generation, to be found by a full collection later. Measured with 50 users:
 *   15–25 % less CPU per request.
 * - an old generation limited to KEEL_WEB_HEAP_MIB (default 400): a web process keeps about
 *   100 MiB live, but left alone V8 let the old generation grow to several times that before
 *   collecting. With both, a web process peaked under 500 MiB of RSS instead of ~700–800, at
 *   the CPU cost of the semi-space alone. (A 256 MiB limit cost CPU again: collections too often.)
 */
export function webServerArguments(env: Pick<Env, "KEEL_WEB_HEAP_MIB"> = {}): string[] {
  const heap = env.KEEL_WEB_HEAP_MIB ?? WEB_HEAP_MIB;
  return [
    "--max-semi-space-size=64",
    `--max-old-space-size=${heap}`,
    "--import",
    "tsx",
    path.join(projectRoot, "lib", "runtime", "web-server.ts"),
  ];
}

/** The worker child's command line: lib/ server modules need the react-server condition (lib/jobs/worker-process.ts). */
export function workerArguments(): string[] {
  return ["--conditions=react-server", "--import", "tsx", path.join(projectRoot, "lib", "jobs", "worker-main.ts"), "--child"];
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
  const logFile = env.KEEL_LOG_FILE ? createWriteStream(env.KEEL_LOG_FILE, { flags: "a" }) : undefined;

  let runtime: Runtime | undefined;
  const supervisors: { database?: Supervisor<EmbeddedPostgres>; web: Supervisor<NodeChild>[]; worker?: Supervisor<NodeChild> } = { web: [] };
  let shuttingDown = false;

  const recordPids = async () => {
    if (shuttingDown) {
      return;
    }
    const nextPids = supervisors.web.map((web) => web.child?.pid).filter((pid): pid is number => pid !== undefined);
    await writeRunFile(runFile, {
      launcherPid: process.pid,
      nextPid: nextPids[0],
      nextPids,
      workerPid: supervisors.worker?.child?.pid,
      databasePid: supervisors.database?.child?.pid ?? runtime?.database?.pid,
      databasePort: runtime?.database?.port,
      startedAt: new Date().toISOString(),
    }).catch((error: unknown) => log.warn({ err: error }, "could not update the run file"));
  };

  const shutdown = async (reason: string, code: number) => {
    if (shuttingDown) {
      return;
    }
    shuttingDown = true;
    log.info({ reason }, "stopping Keel");
    await Promise.all([...supervisors.web.map((web) => web.stop()), supervisors.worker?.stop(), supervisors.database?.stop()]);
    // The web servers and the worker first (the worker finishes or hands back its jobs), then the database.
    await Promise.all([
      ...supervisors.web.map((web) => stopChild(web.child, 15_000)),
      stopChild(supervisors.worker?.child, env.KEEL_WORKER_SHUTDOWN_GRACE_MS + 10_000),
    ]);
    await (supervisors.database?.child ?? runtime?.database)?.stop();
    await rm(runFile, { force: true });
    log.info("Keel stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown("SIGINT", 0));
  process.on("SIGTERM", () => void shutdown("SIGTERM", 0));

  let draining = false;
  // SIGQUIT: stop without failing running builds (an upgrade). The worker drains (SIGQUIT to it:
  // lib/jobs/worker-process.ts) and is not restarted when it exits; pages keep being served
  // meanwhile, and a SIGTERM or SIGINT still stops everything at once.
  const drainThenStop = async () => {
    if (shuttingDown || draining) {
      return;
    }
    draining = true;
    const worker = supervisors.worker;
    await worker?.stop();
    const child = worker?.child;
    if (child && child.process.exitCode === null && child.process.signalCode === null) {
      log.info("SIGQUIT: the job worker finishes its running builds and starts no new one; then Keel stops (SIGTERM stops it at once)");
      child.process.kill("SIGQUIT");
      await child.exited;
    }
    await shutdown("SIGQUIT (drained)", 0);
  };
  process.on("SIGQUIT", () => void drainThenStop());

  const events = {
    onCrash: (info: { name: string; exit: ExitInfo | null; error?: unknown; quickCrashes: number; restartInMs: number | null; refused?: true }) => {
      log.error(
        { child: info.name, exit: info.exit ? describeExit(info.exit) : "failed to start", err: info.error, quickCrashes: info.quickCrashes, restartInMs: info.restartInMs },
        info.refused ? `${info.name} refused its configuration: not restarting` : info.restartInMs === null ? `${info.name} crashed again: giving up` : `${info.name} stopped unexpectedly: restarting`,
      );
    },
    onRestart: (info: { name: string; pid: number; restarts: number }) => log.info(info, `${info.name} restarted`),
    onGiveUp: (reason: string) => void shutdown(reason, 1),
  };

  try {
    runtime = await prepareRuntime(env);
    if (runtime.database && runtime.restartDatabase) {
      const database = new Supervisor("PostgreSQL", runtime.restartDatabase, events, undefined, recordPids);
      database.adopt(runtime.database);
      supervisors.database = database;
    }
    await recordPids();
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
  // Next.js behind Keel's own server (lib/runtime/web-server.ts): the client address from the
  // socket or a trusted proxy, and request bodies capped, before Next.js reads a request.
  const nextArgs = webServerArguments(env);
  const childEnv = runtime.childEnv;
  const webEnv = childProcessEnv({
    ...childEnv,
    NODE_ENV: env.NODE_ENV,
    // next-auth 4 reads these two itself.
    NEXTAUTH_URL: publicUrl,
    NEXTAUTH_SECRET: childEnv.KEEL_SESSION_SECRET ?? env.KEEL_SESSION_SECRET,
    NEXT_TELEMETRY_DISABLED: "1",
  });
  const processes = webConcurrency(env);
  for (let index = 1; index <= processes; index += 1) {
    const name = processes === 1 ? "the web server" : `web server ${index} of ${processes}`;
    const web = new Supervisor(name, async () => forkWeb(nextArgs, webEnv, logFile), events, undefined, recordPids);
    supervisors.web.push(web);
    await web.run();
  }
  if (env.KEEL_WORKER === "on") {
    // Exit code 2: the worker refused its configuration (a build user that cannot work): said once, not six times.
    const worker = new Supervisor("the job worker", async () => spawnNode(workerArguments(), childProcessEnv({ ...childEnv, NODE_ENV: env.NODE_ENV }), logFile), events, { ...DEFAULT_RESTART_POLICY, refusalExitCode: 2 }, recordPids);
    supervisors.worker = worker;
    await worker.run();
  } else {
    log.info("KEEL_WORKER=off: no job worker on this instance (run `npm run worker` elsewhere)");
  }
  log.info({ url: publicUrl, webProcesses: processes }, "Keel is starting");
}

/** The `npm run worker` processes on this machine (not the launcher's own `--child` worker). */
async function standaloneWorkers(): Promise<number[]> {
  const found = new Set<number>();
  try {
    for (const entry of await readdir("/proc")) {
      if (/^\d+$/.test(entry)) {
        const line = await commandLine(Number(entry));
        if (line.includes("lib/jobs/worker-main.ts") && !line.includes("--child")) {
          found.add(Number(entry));
        }
      }
    }
  } catch {
    // No /proc (macOS, where build pools' Macs run workers): ask ps.
    const listing = await new Promise<string>((resolve) => {
      const ps = spawn("ps", ["-A", "-o", "pid=,args="], { stdio: ["ignore", "pipe", "ignore"] });
      let text = "";
      ps.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
      ps.once("close", () => resolve(text));
      ps.once("error", () => resolve(""));
    });
    for (const line of listing.split("\n")) {
      const match = /^\s*(\d+)\s+(.*)$/.exec(line);
      if (match && match[2]!.includes("lib/jobs/worker-main.ts") && !match[2]!.includes("--child")) {
        found.add(Number(match[1]));
      }
    }
  }
  found.delete(process.pid);
  return [...found];
}

/**
 * `npm run drain` (before an upgrade): asks the Keel running from KEEL_DATA_DIR — or, when none
 * runs here, each `npm run worker` on this machine — to drain with SIGQUIT: running builds
 * finish, no new one starts (other workers take them), and the processes stop once done. With
 * `wait`, returns only when they have stopped. Returns the exit code for the command.
 */
export async function drain(options: { wait: boolean }): Promise<number> {
  const env = getEnv();
  const dataDir = path.resolve(projectRoot, env.KEEL_DATA_DIR);
  const say = (text: string) => process.stdout.write(`${text}\n`);
  let targets: number[] = [];
  try {
    const run = JSON.parse(await readFile(path.join(dataDir, "keel.run.json"), "utf8")) as RunFile;
    if (isAlive(run.launcherPid)) {
      targets = [run.launcherPid];
      say(`Keel (pid ${run.launcherPid}, ${dataDir}) is draining: its job worker finishes the builds it runs and starts no new one, pages are served until then, and Keel stops when they are done.`);
    }
  } catch {
    // No Keel from this data directory: perhaps workers of their own.
  }
  if (targets.length === 0) {
    targets = await standaloneWorkers();
    for (const pid of targets) {
      say(`The worker with pid ${pid} is draining: it finishes the builds it runs, starts no new one (other workers take them), then stops.`);
    }
  }
  if (targets.length === 0) {
    say(`No Keel runs from ${dataDir}, and no \`npm run worker\` runs on this machine: nothing to drain.`);
    return 1;
  }
  for (const pid of targets) {
    process.kill(pid, "SIGQUIT");
  }
  if (!options.wait) {
    say("Settings → Workers shows it as draining; add --wait to wait until it has stopped. SIGTERM stops it at once (running builds end as errors).");
    return 0;
  }
  const started = Date.now();
  let reported = 0;
  while (targets.some(isAlive)) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const minutes = Math.floor((Date.now() - started) / 60_000);
    if (minutes > reported) {
      reported = minutes;
      say(`Still draining after ${minutes} min (a build runs at most its profile's time limit).`);
    }
  }
  say("Stopped: upgrade, then start it again.");
  return 0;
}
