// `npm run bench:picker [-- --sizes 1k,10k,50k] [--runs 15]`: the repository picker against
// the emulator's large fixtures (1,000 / 10,000 / 50,000 repositories in one organization).
// A benchmark, not a test: it prints numbers and asserts nothing about time.
//
// For each size, on a fresh database and a fresh Keel server (`next start`, as users run it):
//   listing      time from the first visit until the whole organization is in Keel's cache,
//                and until the first rows could be shown (the first listing fills as it goes);
//   first page   the server's answer time for the first page of the picker (warm cache),
//                median and p95 of N requests, and the bytes sent to the browser for it
//                (JSON as sent with gzip, and uncompressed; plus the picker page's HTML);
//   search       the server's answer time for searches across the whole organization;
//   memory       the Keel (Next.js) server's peak resident memory (VmHWM) over the run;
//   floor        the same listing fetched directly from the emulator by a bare HTTP client
//                (projects paged by continuation token, then every project's repositories with
//                the same concurrency), and the single organization-wide repository request.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { PrismaPg } from "@prisma/adapter-pg";
import { startEmulator, type EmulatorHandle } from "@/e2e/azure-devops-emulator/index";
import { LARGE_PAT } from "@/e2e/azure-devops-emulator/fixtures/large";
import { hashPassword } from "@/lib/auth/password";
import { lastFour, parseKeyring, seal } from "@/lib/crypto";
import { childProcessEnv, getToolingEnv } from "@/lib/env";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { startEmbeddedPostgres } from "@/lib/runtime/embedded-postgres";
import { buildIfNeeded, freePort } from "@/lib/runtime/launcher";
import { recreateDatabase } from "@/lib/testing/databases";

const root = path.resolve(import.meta.dirname, "../..");
const SIZES: Record<string, { fixture: string; projects: number; repositories: number }> = {
  "1k": { fixture: "large-1k", projects: 40, repositories: 1_000 },
  "10k": { fixture: "large-10k", projects: 400, repositories: 10_000 },
  "50k": { fixture: "large-50k", projects: 2_000, repositories: 50_000 },
};
const ADMIN = { email: "bench.admin@keel.test", password: "benchmark orchid lantern", name: "Bench Admin" };
const CONCURRENCY = 8;

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

type Answer = { status: number; ms: number; wireBytes: number; bodyBytes: number; body: string; headers: http.IncomingHttpHeaders };

/** One HTTP GET with the raw bytes counted as they arrive (before any decompression). */
function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.get(url, { headers, agent: false }, (response) => {
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

function post(url: string, form: Record<string, string>, headers: Record<string, string>): Promise<{ status: number; setCookie: string[] }> {
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

const cookieHeader = (cookies: string[]) => cookies.map((cookie) => cookie.split(";")[0]).join("; ");

function stats(values: number[]): { median: number; p95: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] ?? 0;
  return { median: at(0.5), p95: at(0.95) };
}

const ms = (value: number) => (value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(value < 10 ? 1 : 0)} ms`);
const kib = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`);

async function waitFor(url: string, timeoutMs: number): Promise<void> {
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
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

/** Peak and current resident memory of a process, from /proc (Linux). */
async function memoryOf(pid: number): Promise<{ peak: number; current: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const read = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { peak: read("VmHWM"), current: read("VmRSS") };
}

/** The Next.js server the launcher started (its pid is in the run file). */
async function nextPid(dataDir: string): Promise<number> {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    try {
      const run = JSON.parse(await readFile(path.join(dataDir, "keel.run.json"), "utf8")) as { nextPid?: number };
      if (run.nextPid) {
        return run.nextPid;
      }
    } catch {
      // not written yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("the launcher never wrote the Next.js pid");
}

type Keel = { url: string; process: ChildProcess; dataDir: string; pid: number; stop(): Promise<void> };

async function startKeel(databaseUrl: string, emulator: EmulatorHandle): Promise<Keel> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "keel-bench-data-"));
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "lib/runtime/keel.ts", "start", "--no-build"], {
    cwd: root,
    stdio: ["ignore", getToolingEnv().BENCH_KEEL_LOGS ? "inherit" : "ignore", "inherit"],
    env: childProcessEnv({
      NODE_ENV: "test",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      KEEL_PUBLIC_URL: url,
      KEEL_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: getToolingEnv().BENCH_KEEL_LOGS ? "info" : "warn",
      KEEL_OUTBOUND_ALLOW_LOOPBACK: "true",
      KEEL_OUTBOUND_ALLOWLIST: "127.0.0.1,localhost",
      KEEL_OUTBOUND_ALLOW_HTTP: "127.0.0.1,localhost",
      AZURE_DEVOPS_SERVICES_URL: emulator.servicesUrl ?? "",
      AZURE_DEVOPS_VSSPS_URL: emulator.servicesUrl ?? "",
    }),
  });
  await waitFor(`${url}/api/health`, 120_000);
  const pid = await nextPid(dataDir);
  return {
    url,
    process: child,
    dataDir,
    pid,
    stop: async () => {
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The organization, its admin and a PAT connection to `largeorg`, sealed with the server's own keyring. */
async function seed(databaseUrl: string, keel: Keel, emulator: EmulatorHandle): Promise<string> {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 2 }) });
  try {
    const secrets = JSON.parse(await readFile(path.join(keel.dataDir, "secrets.json"), "utf8")) as { encryptionKeys: string };
    const keyring = parseKeyring(secrets.encryptionKeys);
    const organization = await prisma.organization.create({ data: { name: "Bench Org" } });
    const admin = await prisma.user.create({
      data: { email: ADMIN.email, name: ADMIN.name, passwordHash: await hashPassword(ADMIN.password), memberships: { create: { organizationId: organization.id, role: "ADMIN" } } },
    });
    const id = randomUUID();
    await prisma.connection.create({
      data: {
        id,
        organizationId: organization.id,
        ownerId: admin.id,
        name: "Large org",
        nameKey: "large org",
        deploymentType: "SERVICES",
        authMethod: "PAT",
        serverUrl: new URL(emulator.servicesUrl ?? "").origin,
        collection: "largeorg",
        apiVersion: "7.1",
        scopes: ["vso.identity", "vso.code", "vso.code_status", "vso.notification"],
        tokenSealed: seal(keyring, LARGE_PAT, { table: "Connection", column: "tokenSealed", rowId: id }),
        tokenLastFour: lastFour(LARGE_PAT),
      },
    });
    return id;
  } finally {
    await prisma.$disconnect();
  }
}

async function signIn(keel: Keel): Promise<string> {
  const csrf = await get(`${keel.url}/api/auth/csrf`);
  const cookies = csrf.headers["set-cookie"] ?? [];
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const answer = await post(`${keel.url}/api/auth/callback/credentials`, { csrfToken, email: ADMIN.email, password: ADMIN.password, json: "true", callbackUrl: "/" }, { cookie: cookieHeader(cookies) });
  const session = cookieHeader([...cookies, ...answer.setCookie]);
  const check = await get(`${keel.url}/api/auth/session`, { cookie: session });
  if (!check.body.includes('"id"')) {
    throw new Error("signing in to the benchmark's Keel failed");
  }
  return session;
}

/** The floor: the same listing, straight from the emulator, by a bare HTTP client. */
async function floor(emulator: EmulatorHandle): Promise<{ perProjectMs: number; perProjectBytes: number; orgWideMs: number; orgWideBytes: number; repositories: number }> {
  const base = `${emulator.servicesUrl}/largeorg`;
  const auth = { authorization: `Basic ${Buffer.from(`:${LARGE_PAT}`).toString("base64")}`, accept: "application/json" };
  const started = performance.now();
  let bytes = 0;
  const projects: string[] = [];
  let token: string | undefined;
  do {
    const page = await get(`${base}/_apis/projects?api-version=7.1&$top=100${token ? `&continuationToken=${encodeURIComponent(token)}` : ""}`, auth);
    bytes += page.wireBytes;
    projects.push(...(JSON.parse(page.body) as { value: { id: string }[] }).value.map((project) => project.id));
    token = page.headers["x-ms-continuationtoken"] as string | undefined;
  } while (token);
  let next = 0;
  let repositories = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < projects.length) {
        const project = projects[next++];
        const answer = await get(`${base}/${project}/_apis/git/repositories?api-version=7.1`, auth);
        bytes += answer.wireBytes;
        repositories += (JSON.parse(answer.body) as { count: number }).count;
      }
    }),
  );
  const perProjectMs = performance.now() - started;
  const orgWide = await get(`${base}/_apis/git/repositories?api-version=7.1`, auth);
  return { perProjectMs, perProjectBytes: bytes, orgWideMs: orgWide.ms, orgWideBytes: orgWide.wireBytes, repositories };
}

type Result = {
  size: string;
  repositories: number;
  listingMs: number;
  firstRowsMs: number | null;
  firstPage: { median: number; p95: number };
  firstPageWireBytes: number;
  firstPageJsonBytes: number;
  pageHtmlWireBytes: number;
  search: { median: number; p95: number };
  peakRss: number;
  idleRss: number;
  floor: Awaited<ReturnType<typeof floor>>;
};

async function benchSize(size: string, adminUrl: string, runs: number): Promise<Result> {
  const spec = SIZES[size];
  if (!spec) {
    throw new Error(`unknown size ${size}; use ${Object.keys(SIZES).join(", ")}`);
  }
  console.log(`\n▶ ${spec.fixture}: ${spec.repositories.toLocaleString("en")} repositories in ${spec.projects.toLocaleString("en")} projects`);
  const emulator = await startEmulator({ fixture: spec.fixture, basePort: 0 });
  const databaseUrl = await recreateDatabase(adminUrl, `keel_bench_${size}`);
  const keel = await startKeel(databaseUrl, emulator);
  try {
    const connectionId = await seed(databaseUrl, keel, emulator);
    const cookie = await signIn(keel);
    const headers = { cookie, accept: "application/json", "accept-encoding": "gzip" };
    const api = `${keel.url}/api/connections/${connectionId}`;
    const idle = await memoryOf(keel.pid);

    // Cold: the first visit starts the listing; rows appear while it runs.
    const started = performance.now();
    let firstRowsMs: number | null = null;
    for (;;) {
      const answer = await get(`${api}/repositories?limit=50`, headers);
      const page = JSON.parse(answer.body) as { items: unknown[]; listing: { status: string; projectsListed: number; projectsTotal: number | null; repositoriesListed: number; error: unknown } };
      if (firstRowsMs === null && page.items.length > 0) {
        firstRowsMs = performance.now() - started;
      }
      if (page.listing.status === "FAILED") {
        throw new Error(`the listing failed: ${JSON.stringify(page.listing.error)}`);
      }
      if (page.listing.status === "READY") {
        if (page.listing.repositoriesListed !== spec.repositories) {
          throw new Error(`listed ${page.listing.repositoriesListed} repositories, expected ${spec.repositories}`);
        }
        break;
      }
      process.stdout.write(`\r  listing… ${page.listing.projectsListed}/${page.listing.projectsTotal ?? "?"} projects, ${page.listing.repositoriesListed} repositories   `);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const listingMs = performance.now() - started;
    process.stdout.write("\n");

    // Warm: the first page, as the picker asks for it.
    const firstPage: number[] = [];
    let wire = 0;
    let json = 0;
    for (let run = 0; run < runs; run += 1) {
      const answer = await get(`${api}/repositories?limit=50`, headers);
      firstPage.push(answer.ms);
      wire = answer.wireBytes;
      json = answer.bodyBytes;
    }
    const html = await get(`${keel.url}/connections/${connectionId}/repositories`, { cookie, "accept-encoding": "gzip" });

    // Searches across the organization: a rare name, a common word, a project name.
    const middle = String(Math.ceil(spec.projects / 2)).padStart(4, "0");
    const terms = [`project-${middle}-payments-07`, "payments-17", `Project-${middle}`, "zz-no-match", "docs"];
    const search: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const term = terms[run % terms.length] ?? "docs";
      search.push((await get(`${api}/repositories?limit=50&q=${encodeURIComponent(term)}`, headers)).ms);
    }
    const memory = await memoryOf(keel.pid);
    const floorResult = await floor(emulator);
    if (floorResult.repositories !== spec.repositories) {
      throw new Error(`the bare client saw ${floorResult.repositories} repositories`);
    }
    return {
      size,
      repositories: spec.repositories,
      listingMs,
      firstRowsMs,
      firstPage: stats(firstPage),
      firstPageWireBytes: wire,
      firstPageJsonBytes: json,
      pageHtmlWireBytes: html.wireBytes,
      search: stats(search),
      peakRss: memory.peak,
      idleRss: idle.current,
      floor: floorResult,
    };
  } finally {
    await keel.stop();
    await emulator.stop();
  }
}

async function main(): Promise<void> {
  const sizes = option("sizes", "1k,10k,50k").split(",").map((size) => size.trim()).filter(Boolean);
  const runs = Number(option("runs", "15"));
  console.log("▶ building Keel if the sources changed");
  await buildIfNeeded();
  const tempDir = await mkdtemp(path.join(os.tmpdir(), "keel-bench-pg-"));
  const { chmod } = await import("node:fs/promises");
  await chmod(tempDir, 0o711);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(tempDir, "pg"), port: await freePort(), user: "keel", password: "keel-bench-password" });
  const results: Result[] = [];
  try {
    for (const size of sizes) {
      // Each size gets its own database and Keel server; the launcher applies the migrations.
      results.push(await benchSize(size, postgres.url("postgres"), runs));
    }
  } finally {
    await postgres.stop();
    await rm(tempDir, { recursive: true, force: true });
  }

  const rows = results.map((result) => [
    result.repositories.toLocaleString("en"),
    ms(result.listingMs),
    result.firstRowsMs === null ? "—" : ms(result.firstRowsMs),
    `${ms(result.firstPage.median)} / ${ms(result.firstPage.p95)}`,
    `${ms(result.search.median)} / ${ms(result.search.p95)}`,
    `${kib(result.firstPageWireBytes)} (${kib(result.firstPageJsonBytes)} JSON)`,
    kib(result.pageHtmlWireBytes),
    `${Math.round(result.peakRss / 1024 / 1024)} MiB (idle ${Math.round(result.idleRss / 1024 / 1024)})`,
    `${ms(result.floor.perProjectMs)}, ${kib(result.floor.perProjectBytes)}`,
    `${ms(result.floor.orgWideMs)}, ${kib(result.floor.orgWideBytes)}`,
  ]);
  const header = ["repositories", "full listing", "first rows", "first page (median / p95)", "search (median / p95)", "first page to browser", "picker HTML", "Keel peak RSS", "floor: per project", "floor: org-wide GET"];
  const table = [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
  console.log(`\n${table}\n`);
  const load = os.loadavg().map((value) => value.toFixed(1)).join(" ");
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}, load average ${load}; ${runs} runs per timing; times are the server's answer as seen by a client on the same machine.`);
  await mkdir(path.join(root, "bench-results"), { recursive: true });
  await writeFile(path.join(root, "bench-results", "picker.json"), `${JSON.stringify({ when: new Date().toISOString(), runs, loadAverage: os.loadavg(), results }, null, 2)}\n`);
  console.log("raw numbers: bench-results/picker.json");
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
