// Shared by the benchmarks (`npm run bench:picker`, `bench:load`, `bench:pages`, `bench:hooks`, `bench:builds`): raw HTTP with
// bytes counted as they arrive, starting Keel the way `npm start` does, signing in over HTTP,
// reading processes' memory from /proc, and printing tables the README can paste with the
// machine and its load average. Benchmarks print numbers; they never assert times.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { childProcessEnv, getToolingEnv } from "@/lib/env";
import { freePort } from "@/lib/runtime/launcher";

export const root = path.resolve(import.meta.dirname, "../..");

/** `--name value` from the command line, or the fallback. */
export function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

export type Answer = { status: number; ms: number; wireBytes: number; bodyBytes: number; body: string; headers: http.IncomingHttpHeaders };

/** One HTTP GET with the raw bytes counted as they arrive (before any decompression). */
export function get(url: string, headers: Record<string, string> = {}, agent: http.Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.get(url, { headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const raw = Buffer.concat(chunks);
        const body = response.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
        resolve({ status: response.statusCode ?? 0, ms: performance.now() - started, wireBytes: raw.length, bodyBytes: body.length, body: body.toString("utf8"), headers: response.headers });
      });
      response.on("error", reject);
    });
    request.on("error", reject);
  });
}

/** A form POST; answers the status and the cookies set. */
export function post(url: string, form: Record<string, string>, headers: Record<string, string>): Promise<{ status: number; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const body = new URLSearchParams(form).toString();
    const request = http.request(url, { method: "POST", agent: false, headers: { ...headers, "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode ?? 0, setCookie: response.headers["set-cookie"] ?? [] }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

export const cookieHeader = (cookies: string[]) => cookies.map((cookie) => cookie.split(";")[0]).join("; ");

/** Median, p95 and p99 of a list of timings (nearest rank). */
export function stats(values: number[]): { median: number; p95: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { median: at(0.5), p95: at(0.95), p99: at(0.99) };
}

export const ms = (value: number) => (value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`);
export const kib = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`);
export const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

/** A Markdown table (header, separator, rows). */
export function markdownTable(header: string[], rows: string[][]): string {
  return [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

/** The load average now, as printed beside every measurement (the machine is shared). */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(" ");
}

/** One line naming the machine, Node and the load average, printed under every table. */
export function machineLine(): string {
  const cpus = os.cpus();
  return `machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? "cpu"}, ${Math.round(os.totalmem() / 1024 / 1024 / 1024)} GiB, Node ${process.version}; load average (1/5/15 min) ${loadAverage()}`;
}

export async function sleep(msToWait: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, msToWait));
}

/** Polls a URL until it answers 200. */
export async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const answer = await get(url);
      if (answer.status === 200) {
        return;
      }
    } catch {
      // not up yet
    }
    await sleep(250);
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

/** Peak and current resident memory of a process, from /proc (Linux); zeros once it is gone. */
export async function memoryOf(pid: number): Promise<{ peak: number; current: number }> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const read = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { peak: read("VmHWM"), current: read("VmRSS") };
  } catch {
    return { peak: 0, current: 0 };
  }
}

/** CPU time (user + system) a process has used so far, in milliseconds. */
export async function cpuTimeOf(pid: number): Promise<number> {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).replace(/^.*\) /, "").split(" ");
    // After the command: state is field 3, utime 14, stime 15 (1-based, per proc(5)).
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100;
  } catch {
    return 0;
  }
}

/** The launcher's run file: the pids of Keel's processes. */
export type RunFile = { launcherPid: number; nextPid?: number; nextPids?: number[]; workerPid?: number; databasePid?: number; databasePort?: number };

export async function readRunFile(dataDir: string): Promise<RunFile> {
  return JSON.parse(await readFile(path.join(dataDir, "keel.run.json"), "utf8")) as RunFile;
}

/** The web server processes (one per KEEL_WEB_CONCURRENCY) the launcher started. */
export async function webPids(dataDir: string, expected = 1): Promise<number[]> {
  for (let attempt = 0; attempt < 120; attempt += 1) {
    try {
      const run = await readRunFile(dataDir);
      const pids = run.nextPids ?? (run.nextPid ? [run.nextPid] : []);
      if (pids.length >= expected) {
        return pids;
      }
    } catch {
      // not written yet
    }
    await sleep(250);
  }
  throw new Error("the launcher never wrote the web servers' pids");
}

export type Keel = { url: string; process: ChildProcess; dataDir: string; stop(): Promise<void> };

/**
 * Stops a process the benchmark started (its PostgreSQL, Keel's launcher) when the benchmark
 * exits, however it exits: a crash skips the `finally` blocks that stop them, and both outlive
 * their parent (each would keep its port, memory and temporary directory until killed by hand).
 */
export function stopWhenThisProcessExits(pid: number | undefined, signal: NodeJS.Signals = "SIGTERM"): void {
  if (pid === undefined) {
    return;
  }
  process.once("exit", () => {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  });
}

/**
 * Starts Keel as `npm start` does (the launcher: migrations, web server(s), worker), on a fresh
 * data directory, in test mode (the emulator's URLs are test-only settings). Without
 * `databaseUrl` the launcher runs its own embedded PostgreSQL, exactly like `npm start`.
 */
export async function startKeel(options: { databaseUrl?: string; servicesUrl?: string; port?: number; env?: Record<string, string | undefined> }): Promise<Keel> {
  const port = options.port ?? (await freePort());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "keel-bench-data-"));
  const url = `http://127.0.0.1:${port}`;
  const logs = getToolingEnv().BENCH_KEEL_LOGS;
  const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "lib/runtime/keel.ts", "start", "--no-build"], {
    cwd: root,
    stdio: ["ignore", logs ? "inherit" : "ignore", "inherit"],
    env: childProcessEnv({
      NODE_ENV: "test",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      KEEL_PUBLIC_URL: url,
      KEEL_DATA_DIR: dataDir,
      DATABASE_URL: options.databaseUrl,
      KEEL_LOG_FILE: undefined,
      LOG_LEVEL: logs ? "info" : "warn",
      KEEL_OUTBOUND_ALLOW_LOOPBACK: "true",
      KEEL_OUTBOUND_ALLOWLIST: "127.0.0.1,localhost",
      KEEL_OUTBOUND_ALLOW_HTTP: "127.0.0.1,localhost",
      AZURE_DEVOPS_SERVICES_URL: options.servicesUrl,
      AZURE_DEVOPS_VSSPS_URL: options.servicesUrl,
      ...options.env,
    }),
  });
  stopWhenThisProcessExits(child.pid);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await Promise.race([
    waitFor(`${url}/api/health`, 180_000),
    exited.then(() => {
      throw new Error("Keel exited while starting (run with BENCH_KEEL_LOGS=true to see why)");
    }),
  ]);
  return {
    url,
    process: child,
    dataDir,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The embedded database a launcher started (its port from the run file, its password from the generated secrets). */
export async function launcherDatabaseUrl(dataDir: string): Promise<string> {
  const secrets = JSON.parse(await readFile(path.join(dataDir, "secrets.json"), "utf8")) as { databasePassword: string };
  const { databasePort } = await readRunFile(dataDir);
  if (!databasePort) {
    throw new Error("the launcher runs no embedded PostgreSQL");
  }
  return `postgresql://keel:${encodeURIComponent(secrets.databasePassword)}@127.0.0.1:${databasePort}/keel`;
}

/** The keyring the launcher generated (to seal seeded tokens the way the server opens them). */
export async function launcherKeyring(dataDir: string): Promise<string> {
  return (JSON.parse(await readFile(path.join(dataDir, "secrets.json"), "utf8")) as { encryptionKeys: string }).encryptionKeys;
}

/** Signs in over HTTP with next-auth's credentials flow; answers the session cookie header. */
export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const csrf = await get(`${baseUrl}/api/auth/csrf`);
  const cookies = csrf.headers["set-cookie"] ?? [];
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const answer = await post(`${baseUrl}/api/auth/callback/credentials`, { csrfToken, email, password, json: "true", callbackUrl: "/" }, { cookie: cookieHeader(cookies) });
  const session = cookieHeader([...cookies, ...answer.setCookie]);
  const check = await get(`${baseUrl}/api/auth/session`, { cookie: session });
  if (!check.body.includes('"id"')) {
    throw new Error(`signing in as ${email} failed`);
  }
  return session;
}

/** An HTTP request with its whole answer as text (no keep-alive). */
export function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const call = http.request(url, { method: options.method ?? "GET", headers: options.headers ?? {}, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), setCookie: response.headers["set-cookie"] ?? [] }));
    });
    call.on("error", reject);
    call.end(options.body);
  });
}

/** p50, p95, p99 and the maximum of a set of numbers (nearest rank). */
export function quantiles(values: number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.at(-1) ?? 0 };
}

/** Starts a Node process of Keel's (its output shown only with BENCH_KEEL_LOGS). */
export function startProcess(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", getToolingEnv().BENCH_KEEL_LOGS ? "inherit" : "ignore", "inherit"], env: childProcessEnv(env) });
  stopWhenThisProcessExits(child.pid);
  return child;
}

/** SIGTERM, and wait for the exit. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** Polls until `probe` holds, or fails naming `what`. */
export async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(250);
  }
}
