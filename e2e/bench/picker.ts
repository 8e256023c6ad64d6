// `npm run bench:picker [-- --sizes 1k,10k,50k,100k,500k] [--runs 30]`: the repository picker
// against the emulator's large fixtures (1,000 to 500,000 repositories in one organization, 25 a
// project). A benchmark, not a test: it prints numbers and asserts nothing about time.
//
// For each size, on a fresh database and a fresh Keel (the launcher, as `npm start` runs it,
// with its job worker):
//   listing      from the first visit until the whole organization is in Keel's cache (queue
//                wait included), the worker's own run (claimed → finished, from the listing
//                row), and until the first rows could be shown (the first listing fills as it goes);
//   floor        the same listing fetched straight from the emulator by a bare HTTP client
//                (projects paged by continuation token, then every project's repositories with
//                the same concurrency), and the worker's run divided by it;
//   first page   the answer time of the picker's first page (warm cache), median and p95 of N
//                requests, and the server's own part of it (Server-Timing "picker": the listing
//                state and the page's query, without session checks and the framework);
//   search       the same for searches across the whole organization;
//   size         the bytes sent to the browser for the first page (JSON, gzip as sent, and
//                uncompressed) and the picker page's HTML document (scripts excluded);
//   memory       the web process's and the worker's peak resident memory (VmHWM).
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { startEmulator, type EmulatorHandle, type Fixture } from "@/e2e/azure-devops-emulator/index";
import { generateLargeFixture, LARGE_PAT } from "@/e2e/azure-devops-emulator/fixtures/large";
import { hashPassword } from "@/lib/auth/password";
import { lastFour, parseKeyring, seal } from "@/lib/crypto";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { startEmbeddedPostgres } from "@/lib/runtime/embedded-postgres";
import { buildIfNeeded, freePort } from "@/lib/runtime/launcher";
import { recreateDatabase } from "@/lib/testing/databases";
import { postgresPids } from "./fixture";
import { cpuTimeOf, get, kib, loadAverage, machineLine, markdownTable, memoryOf, mib, ms, option, readRunFile, root, signIn, sleep, startKeel, stats, type Keel, stopWhenThisProcessExits } from "./support";

const SIZES: Record<string, { fixture: string | (() => Fixture); projects: number; repositories: number }> = {
  "1k": { fixture: "large-1k", projects: 40, repositories: 1_000 },
  "10k": { fixture: "large-10k", projects: 400, repositories: 10_000 },
  "50k": { fixture: "large-50k", projects: 2_000, repositories: 50_000 },
  "100k": { fixture: () => generateLargeFixture({ projects: 4_000, reposPerProject: 25 }), projects: 4_000, repositories: 100_000 },
  "500k": { fixture: () => generateLargeFixture({ projects: 20_000, reposPerProject: 25 }), projects: 20_000, repositories: 500_000 },
};
const ADMIN = { email: "bench.admin@keel.test", password: "benchmark orchid lantern", name: "Bench Admin" };
const CONCURRENCY = 8;

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

/** The worker's own run of the listing: from its claim to its finish, as the listing row records them. */
async function workerRun(databaseUrl: string, connectionId: string): Promise<number> {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 1 }) });
  try {
    const listing = await prisma.repositoryListing.findUniqueOrThrow({ where: { connectionId }, select: { startedAt: true, finishedAt: true } });
    return (listing.finishedAt?.getTime() ?? 0) - listing.startedAt.getTime();
  } finally {
    await prisma.$disconnect();
  }
}

/** The floor: the same listing, straight from the emulator, by a bare HTTP client. */
async function floor(emulator: EmulatorHandle): Promise<{ perProjectMs: number; perProjectBytes: number; orgWideMs: number | null; orgWideBytes: number | null; repositories: number }> {
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
  // One organization-wide document: up to 50,000 repositories (about 41 MiB); beyond, the
  // emulator would build hundreds of MiB for a number nobody uses.
  if (repositories > 50_000) {
    return { perProjectMs, perProjectBytes: bytes, orgWideMs: null, orgWideBytes: null, repositories };
  }
  const orgWide = await get(`${base}/_apis/git/repositories?api-version=7.1`, auth);
  return { perProjectMs, perProjectBytes: bytes, orgWideMs: orgWide.ms, orgWideBytes: orgWide.wireBytes, repositories };
}

type Timing = { median: number; p95: number };

type Result = {
  size: string;
  repositories: number;
  listingMs: number;
  workerRunMs: number;
  /** CPU time (ms) from the visit to ready: this process (the emulator, and the client polling), Keel's worker, its web process, PostgreSQL. */
  listingCpu: { emulator: number; worker: number; web: number; postgres: number };
  firstRowsMs: number | null;
  firstPage: Timing;
  firstPageServer: Timing;
  firstPageWireBytes: number;
  firstPageJsonBytes: number;
  pageHtmlWireBytes: number;
  search: Timing;
  searchServer: Timing;
  searchServerByTerm: Record<string, Timing>;
  webPeakRss: number;
  webIdleRss: number;
  workerPeakRss: number;
  floor: Awaited<ReturnType<typeof floor>>;
  loadAverage: string;
};

/** The server's own time from a `Server-Timing: picker;dur=…` header. */
function pickerDuration(headers: http.IncomingHttpHeaders): number {
  const match = /picker;dur=([\d.]+)/.exec(String(headers["server-timing"] ?? ""));
  return match ? Number(match[1]) : Number.NaN;
}

async function benchSize(size: string, adminUrl: string, runs: number, postgresPid: number): Promise<Result> {
  const spec = SIZES[size];
  if (!spec) {
    throw new Error(`unknown size ${size}; use ${Object.keys(SIZES).join(", ")}`);
  }
  console.log(`\n▶ ${spec.repositories.toLocaleString("en")} repositories in ${spec.projects.toLocaleString("en")} projects`);
  const emulator = await startEmulator({ fixture: typeof spec.fixture === "string" ? spec.fixture : spec.fixture(), basePort: 0 });
  const databaseUrl = await recreateDatabase(adminUrl, `keel_bench_${size}`);
  const keel = await startKeel({ databaseUrl, servicesUrl: emulator.servicesUrl });
  try {
    const run = await readRunFile(keel.dataDir);
    const webPid = run.nextPids?.[0] ?? run.nextPid ?? 0;
    const connectionId = await seed(databaseUrl, keel, emulator);
    const cookie = await signIn(keel.url, ADMIN.email, ADMIN.password);
    const headers = { cookie, accept: "application/json", "accept-encoding": "gzip" };
    const api = `${keel.url}/api/connections/${connectionId}`;
    const idle = await memoryOf(webPid);

    // Cold: the first visit asks for the listing; rows appear while the worker lists.
    // CPU time of each party over the listing: where a listing's cost goes on this machine.
    const cpuNow = async () => {
      const usage = process.cpuUsage();
      const postgres = await Promise.all((await postgresPids(run.databasePid ?? postgresPid)).map(cpuTimeOf));
      return { emulator: (usage.user + usage.system) / 1000, worker: await cpuTimeOf(run.workerPid ?? 0), web: await cpuTimeOf(webPid), postgres: postgres.reduce((a, b) => a + b, 0) };
    };
    const cpuBefore = await cpuNow();
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
      await sleep(200);
    }
    const listingMs = performance.now() - started;
    const cpuAfter = await cpuNow();
    const listingCpu = { emulator: cpuAfter.emulator - cpuBefore.emulator, worker: cpuAfter.worker - cpuBefore.worker, web: cpuAfter.web - cpuBefore.web, postgres: cpuAfter.postgres - cpuBefore.postgres };
    process.stdout.write("\n");
    const workerRunMs = await workerRun(databaseUrl, connectionId);

    // Warm, on one kept-alive connection as a browser would: the first page, as the picker asks for it.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const firstPage: number[] = [];
    const firstPageServer: number[] = [];
    let wire = 0;
    let json = 0;
    for (let index = 0; index < runs + 3; index += 1) {
      const answer = await get(`${api}/repositories?limit=50`, headers, agent);
      if (index >= 3) {
        firstPage.push(answer.ms);
        firstPageServer.push(pickerDuration(answer.headers));
      }
      wire = answer.wireBytes;
      json = answer.bodyBytes;
    }
    const html = await get(`${keel.url}/connections/${connectionId}/repositories`, { cookie, "accept-encoding": "gzip" });

    // Searches across the organization: a rare name, a common word, a project name, no match, a word in 8 % of names.
    const width = Math.max(4, String(spec.projects).length);
    const middle = String(Math.ceil(spec.projects / 2)).padStart(width, "0");
    const terms = [`project-${middle}-payments-07`, "payments-17", `Project-${middle}`, "zz-no-match", "docs"];
    const search: number[] = [];
    const searchServer: number[] = [];
    const serverByTerm = new Map<string, number[]>(terms.map((term) => [term, []]));
    for (let index = 0; index < runs + terms.length; index += 1) {
      const term = terms[index % terms.length] ?? "docs";
      const answer = await get(`${api}/repositories?limit=50&q=${encodeURIComponent(term)}`, headers, agent);
      if (index >= terms.length) {
        search.push(answer.ms);
        searchServer.push(pickerDuration(answer.headers));
        serverByTerm.get(term)?.push(pickerDuration(answer.headers));
      }
    }
    agent.destroy();
    const web = await memoryOf(webPid);
    const worker = await memoryOf(run.workerPid ?? 0);
    const floorResult = await floor(emulator);
    if (floorResult.repositories !== spec.repositories) {
      throw new Error(`the bare client saw ${floorResult.repositories} repositories`);
    }
    return {
      size,
      repositories: spec.repositories,
      listingMs,
      workerRunMs,
      listingCpu,
      firstRowsMs,
      firstPage: stats(firstPage),
      firstPageServer: stats(firstPageServer),
      firstPageWireBytes: wire,
      firstPageJsonBytes: json,
      pageHtmlWireBytes: html.wireBytes,
      search: stats(search),
      searchServer: stats(searchServer),
      // Which term the p95 comes from: each term's server time (raw numbers only).
      searchServerByTerm: Object.fromEntries([...serverByTerm].map(([term, values]) => [term, stats(values)])),
      webPeakRss: web.peak,
      webIdleRss: idle.current,
      workerPeakRss: worker.peak,
      floor: floorResult,
      loadAverage: loadAverage(),
    };
  } finally {
    await keel.stop();
    await emulator.stop();
  }
}

async function main(): Promise<void> {
  const sizes = option("sizes", "1k,10k,50k,100k,500k")
    .split(",")
    .map((size) => size.trim())
    .filter(Boolean);
  const runs = Number(option("runs", "30"));
  console.log("▶ building Keel if the sources changed");
  await buildIfNeeded();
  const tempDir = await mkdtemp(path.join(os.tmpdir(), "keel-bench-pg-"));
  const { chmod } = await import("node:fs/promises");
  await chmod(tempDir, 0o711);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(tempDir, "pg"), port: await freePort(), user: "keel", password: "keel-bench-password" });
  // PostgreSQL stops on SIGINT ("fast" shutdown), as the launcher stops it.
  stopWhenThisProcessExits(postgres.pid, "SIGINT");
  const results: Result[] = [];
  try {
    for (const size of sizes) {
      // Each size gets its own database and Keel; the launcher applies the migrations.
      results.push(await benchSize(size, postgres.url("postgres"), runs, postgres.pid));
    }
  } finally {
    await postgres.stop();
    await rm(tempDir, { recursive: true, force: true });
  }

  const both = (answer: Timing, server: Timing) => `${ms(answer.median)} / ${ms(answer.p95)} (server ${ms(server.median)} / ${ms(server.p95)})`;
  console.log("\nListing (the worker) against the bare-client floor:\n");
  console.log(
    markdownTable(
      ["repositories", "visit → ready", "worker's run", "first rows", "floor: per project", "worker ÷ floor", "floor: org-wide GET", "worker peak RSS", "load average"],
      results.map((result) => [
        result.repositories.toLocaleString("en"),
        ms(result.listingMs),
        ms(result.workerRunMs),
        result.firstRowsMs === null ? "—" : ms(result.firstRowsMs),
        `${ms(result.floor.perProjectMs)}, ${kib(result.floor.perProjectBytes)}`,
        `${(result.workerRunMs / result.floor.perProjectMs).toFixed(2)}×`,
        result.floor.orgWideMs === null || result.floor.orgWideBytes === null ? "not asked (over 50k)" : `${ms(result.floor.orgWideMs)}, ${kib(result.floor.orgWideBytes)}`,
        mib(result.workerPeakRss),
        result.loadAverage,
      ]),
    ),
  );
  console.log("\nCPU time spent during the listing (visit → ready), per process:\n");
  console.log(
    markdownTable(
      ["repositories", "visit → ready", "emulator (+ polling client)", "Keel's worker", "Keel's web process", "PostgreSQL", "load average"],
      results.map((result) => [
        result.repositories.toLocaleString("en"),
        ms(result.listingMs),
        ms(result.listingCpu.emulator),
        ms(result.listingCpu.worker),
        ms(result.listingCpu.web),
        ms(result.listingCpu.postgres),
        result.loadAverage,
      ]),
    ),
  );
  console.log("\nReading the cache (warm; answer time as seen by a client on the same machine, and the server's own part):\n");
  console.log(
    markdownTable(
      ["repositories", "first page (median / p95)", "search (median / p95)", "first page to browser", "picker HTML", "web process peak RSS", "load average"],
      results.map((result) => [
        result.repositories.toLocaleString("en"),
        both(result.firstPage, result.firstPageServer),
        both(result.search, result.searchServer),
        `${kib(result.firstPageWireBytes)} (${kib(result.firstPageJsonBytes)} JSON)`,
        kib(result.pageHtmlWireBytes),
        `${mib(result.webPeakRss)} (idle ${mib(result.webIdleRss)})`,
        result.loadAverage,
      ]),
    ),
  );
  console.log(`\n${machineLine()}; ${runs} runs per timing.`);
  await mkdir(path.join(root, "bench-results"), { recursive: true });
  await writeFile(path.join(root, "bench-results", "picker.json"), `${JSON.stringify({ when: new Date().toISOString(), machine: machineLine(), runs, results }, null, 2)}\n`);
  console.log("raw numbers: bench-results/picker.json");
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
