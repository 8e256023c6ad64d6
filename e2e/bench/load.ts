// `npm run bench:load [-- --users 50 --duration 20 --rates 50,100 --web-concurrency N --runs 40]`:
// Keel under many signed-in users. A benchmark, not a test: it prints numbers and asserts nothing.
//
// It starts Keel as `npm start` does (the launcher with its embedded PostgreSQL, the web
// server processes — KEEL_WEB_CONCURRENCY, default one per core — and the job worker) against
// the emulator's `large-10k` fixture, seeds an organization (50 users, 5 connections, 120 build
// profiles), lets the worker list the 10,000 repositories, signs the users in over HTTP, then
// measures every page and picker call:
//   single user   one request at a time (keep-alive): each page's server time, median/p95;
//   closed loop   N users (one connection and session each) sending back to back for D seconds
//                 (autocannon): requests/s, p50/p95/p99, errors, and the CPU the web processes
//                 and PostgreSQL spent per request;
//   steady rates  requests sent at fixed, evenly spaced times whatever the answers do (open
//                 loop; latency counted from the planned send time, so a stall is not hidden);
//   memory        resident memory of Keel's processes, sampled every half second.
// The machine is shared: the load average is printed beside every row.
import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { buildIfNeeded } from "@/lib/runtime/launcher";
import { cpuSnapshot, keelProcesses, sampleMemory, startBenchOrganization, type BenchOrganization, type MemorySample, type Processes } from "./fixture";
import { get, loadAverage, machineLine, markdownTable, memoryOf, mib, ms, option, root, sleep, stats } from "./support";

type Endpoint = { name: string; paths: string[]; accept: string; expect: string };

type LoadResult = {
  endpoint: string;
  mode: string;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  webCpuMsPerRequest: number;
  postgresCpuMsPerRequest: number;
  peakWebRss: number;
  peakKeelRss: number;
  loadAverage: string;
};

/** Samples memory every half second until stopped; answers the peaks. */
function memorySampler(processes: Processes): { stop(): Promise<MemorySample> } {
  const peak: MemorySample = { web: 0, keel: 0 };
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      const sample = await sampleMemory(processes);
      peak.web = Math.max(peak.web, sample.web);
      peak.keel = Math.max(peak.keel, sample.keel);
      await sleep(500);
    }
  })();
  return {
    stop: async () => {
      sampling = false;
      await loop;
      return peak;
    },
  };
}

/** Closed loop: `users` connections (one signed-in user each) sending back to back for `duration` seconds. */
async function closedLoop(organization: BenchOrganization, processes: Processes, endpoint: Endpoint, users: number, duration: number): Promise<LoadResult> {
  let nextUser = 0;
  let nextPath = 0;
  const sampler = memorySampler(processes);
  const before = await cpuSnapshot(processes);
  // Every response's time, for exact percentiles (autocannon's summary has no p95).
  const latencies: number[] = [];
  let failed = 0;
  const instance = autocannon({
    url: organization.keel.url,
    connections: users,
    duration,
    headers: { accept: endpoint.accept, "accept-encoding": "gzip" },
    requests: [
      {
        method: "GET",
        setupRequest: (request, context) => {
          const state = context as { cookie?: string };
          state.cookie ??= organization.cookies[nextUser++ % organization.cookies.length];
          const pathname = endpoint.paths[nextPath++ % endpoint.paths.length]!;
          return { ...request, path: pathname, headers: { ...request.headers, cookie: state.cookie ?? "" } };
        },
      },
    ],
  });
  // The types describe the promise form only; the same object is also autocannon's event emitter.
  (instance as unknown as autocannon.Instance).on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
    if (statusCode < 200 || statusCode >= 300) {
      failed += 1;
    }
  });
  const result = await instance;
  const after = await cpuSnapshot(processes);
  const peak = await sampler.stop();
  const timing = stats(latencies);
  const requests = latencies.length;
  return {
    endpoint: endpoint.name,
    mode: `${users} users`,
    requests,
    rps: requests / duration,
    p50: timing.median,
    p95: timing.p95,
    p99: timing.p99,
    errors: failed + result.errors + result.timeouts,
    webCpuMsPerRequest: requests > 0 ? (after.web - before.web) / requests : 0,
    postgresCpuMsPerRequest: requests > 0 ? (after.postgres - before.postgres) / requests : 0,
    peakWebRss: peak.web,
    peakKeelRss: peak.keel,
    loadAverage: loadAverage(),
  };
}

/**
 * Open loop: one request every 1/rate seconds, whatever the earlier ones are doing (a
 * keep-alive pool large enough never to make a request wait for a socket), each from the
 * next user. Latency counts from the planned send time.
 */
async function steadyRate(organization: BenchOrganization, processes: Processes, endpoint: Endpoint, rate: number, duration: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const sampler = memorySampler(processes);
  const before = await cpuSnapshot(processes);
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.round(rate * duration);
  const interval = 1000 / rate;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index += 1) {
    const planned = start + index * interval;
    const wait = planned - performance.now();
    if (wait > 1) {
      await sleep(wait);
    }
    const cookie = organization.cookies[index % organization.cookies.length]!;
    const pathname = endpoint.paths[index % endpoint.paths.length]!;
    inFlight.push(
      get(`${organization.keel.url}${pathname}`, { cookie, accept: endpoint.accept, "accept-encoding": "gzip" }, agent).then(
        (answer) => {
          latencies.push(performance.now() - planned);
          if (answer.status !== 200) {
            errors += 1;
          }
        },
        () => {
          errors += 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  const after = await cpuSnapshot(processes);
  const peak = await sampler.stop();
  const timing = stats(latencies);
  return {
    endpoint: endpoint.name,
    mode: `${rate}/s`,
    requests: total,
    rps: total / elapsed,
    p50: timing.median,
    p95: timing.p95,
    p99: timing.p99,
    errors,
    webCpuMsPerRequest: (after.web - before.web) / total,
    postgresCpuMsPerRequest: (after.postgres - before.postgres) / total,
    peakWebRss: peak.web,
    peakKeelRss: peak.keel,
    loadAverage: loadAverage(),
  };
}

/** One user, one request at a time: what each page costs when nothing else of Keel's runs. */
async function singleUser(organization: BenchOrganization, endpoint: Endpoint, cookie: string, runs: number): Promise<{ median: number; p95: number; p99: number; bytes: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const timings: number[] = [];
  let bytes = 0;
  try {
    for (let index = 0; index < runs + 5; index += 1) {
      const pathname = endpoint.paths[index % endpoint.paths.length]!;
      const answer = await get(`${organization.keel.url}${pathname}`, { cookie, accept: endpoint.accept, "accept-encoding": "gzip" }, agent);
      if (answer.status !== 200) {
        throw new Error(`${endpoint.name}: ${pathname} answered ${answer.status}`);
      }
      // The first few warm the caches (the first render of a route loads its code).
      if (index >= 5) {
        timings.push(answer.ms);
        bytes = answer.wireBytes;
      }
    }
  } finally {
    agent.destroy();
  }
  return { ...stats(timings), bytes };
}

function endpointsOf(organization: BenchOrganization): Endpoint[] {
  const id = organization.connectionId;
  const terms = ["payments-17", "project-0200-payments-07", "docs", "Project-0133", "zz-no-match", "mobile"];
  const html = "text/html,application/xhtml+xml";
  const json = "application/json";
  return [
    { name: "/connections", paths: ["/connections"], accept: html, expect: "Large org" },
    { name: "/connections/[id]", paths: [`/connections/${id}`], accept: html, expect: "Large org" },
    { name: "/profiles", paths: ["/profiles"], accept: html, expect: "120 build profiles" },
    { name: "/profiles/[id]", paths: [`/profiles/${organization.profileId}`], accept: html, expect: "Clone URLs" },
    { name: "picker page", paths: [`/connections/${id}/repositories`], accept: html, expect: "Pick a repository" },
    { name: "picker: first page (API)", paths: [`/api/connections/${id}/repositories?limit=50`], accept: json, expect: '"items"' },
    { name: "picker: search (API)", paths: terms.map((term) => `/api/connections/${id}/repositories?limit=50&q=${encodeURIComponent(term)}`), accept: json, expect: '"items"' },
    { name: "picker: projects (API)", paths: [`/api/connections/${id}/projects?limit=200`], accept: json, expect: '"items"' },
  ];
}

async function main(): Promise<void> {
  const users = Number(option("users", "50"));
  const duration = Number(option("duration", "20"));
  const runs = Number(option("runs", "40"));
  const rates = option("rates", "50,100")
    .split(",")
    .map((rate) => Number(rate.trim()))
    .filter((rate) => rate > 0);
  const webConcurrency = Number(option("web-concurrency", String(os.availableParallelism())));
  const only = option("only", "");
  console.log("▶ building Keel if the sources changed");
  await buildIfNeeded();
  console.log(`▶ starting the emulator (large-10k) and Keel as npm start does (embedded PostgreSQL, ${webConcurrency} web process(es), a worker); seeding ${users} users; the worker lists 10,000 repositories`);
  const organization = await startBenchOrganization({ users, webConcurrency, port: Number(option("port", "0")), emulatorPort: Number(option("emulator-port", "0")) });
  try {
    const processes = await keelProcesses(organization.keel, webConcurrency);
    const idle = await sampleMemory(processes);
    let endpoints = endpointsOf(organization);
    if (only) {
      endpoints = endpoints.filter((endpoint) => only.split(",").some((part) => endpoint.name === part.trim()));
    }
    // Every page answers what a user would see (not a sign-in redirect or an error page), for the admin and a member.
    for (const endpoint of endpoints) {
      for (const cookie of [organization.cookies[0]!, organization.cookies.at(-1)!]) {
        const answer = await get(`${organization.keel.url}${endpoint.paths[0]}`, { cookie, accept: endpoint.accept });
        if (answer.status !== 200 || !answer.body.includes(endpoint.expect)) {
          throw new Error(`${endpoint.name} did not answer as expected (${answer.status}): ${answer.body.slice(0, 300)}`);
        }
      }
    }

    console.log(`▶ single user: ${runs} requests per page, one at a time`);
    const single: { endpoint: string; median: number; p95: number; p99: number; bytes: number; loadAverage: string }[] = [];
    for (const endpoint of endpoints) {
      const result = await singleUser(organization, endpoint, organization.cookies[1] ?? organization.cookies[0]!, runs);
      single.push({ endpoint: endpoint.name, ...result, loadAverage: loadAverage() });
      console.log(`  ${endpoint.name}: ${ms(result.median)} / ${ms(result.p95)}  (load ${loadAverage()})`);
    }
    console.log(`▶ ${users} concurrent users, closed loop, ${duration} s per page`);
    const closed: LoadResult[] = [];
    for (const endpoint of endpoints) {
      const result = await closedLoop(organization, processes, endpoint, users, duration);
      closed.push(result);
      console.log(`  ${endpoint.name}: ${result.rps.toFixed(0)} req/s, p95 ${ms(result.p95)}, errors ${result.errors}  (load ${result.loadAverage})`);
    }
    const steady: LoadResult[] = [];
    for (const rate of rates) {
      console.log(`▶ steady arrival rate ${rate}/s, ${duration} s per page`);
      for (const endpoint of endpoints) {
        const result = await steadyRate(organization, processes, endpoint, rate, duration);
        steady.push(result);
        console.log(`  ${endpoint.name}: ${result.rps.toFixed(0)} req/s, p95 ${ms(result.p95)}, errors ${result.errors}  (load ${result.loadAverage})`);
      }
    }
    const after = await sampleMemory(processes);
    // Each web process's own high-water mark (VmHWM): exact, not sampled, and what issue 17's
    // "RSS under 600 MiB" is read against (a web process is the unit that grows with load).
    const webPeaks = await Promise.all(processes.web.map(async (pid) => (await memoryOf(pid)).peak));
    const all = [...closed, ...steady];
    const peakWeb = Math.max(...all.map((result) => result.peakWebRss));
    const peakKeel = Math.max(...all.map((result) => result.peakKeelRss));

    const web = `${processes.web.length} web process${processes.web.length === 1 ? "" : "es"}`;
    console.log(`\nKeel as npm start runs it: ${web} (KEEL_WEB_CONCURRENCY=${webConcurrency}), a worker, embedded PostgreSQL; ${users} signed-in users; 10,000 repositories listed by the worker in ${ms(organization.listingMs)}.\n`);
    console.log("Single user, one request at a time (time to the last byte, client on the same machine):\n");
    console.log(markdownTable(["page or call", "median", "p95", "bytes (gzip)", "load average"], single.map((row) => [row.endpoint, ms(row.median), ms(row.p95), String(row.bytes), row.loadAverage])));
    console.log(`\n${users} concurrent users, closed loop, ${duration} s per row:\n`);
    console.log(
      markdownTable(
        ["page or call", "requests/s", "p50", "p95", "p99", "errors", "web CPU / request", "PostgreSQL CPU / request", "load average"],
        closed.map((row) => [row.endpoint, row.rps.toFixed(0), ms(row.p50), ms(row.p95), ms(row.p99), String(row.errors), ms(row.webCpuMsPerRequest), ms(row.postgresCpuMsPerRequest), row.loadAverage]),
      ),
    );
    if (steady.length > 0) {
      console.log(`\nSteady arrival rates (open loop), ${duration} s per row:\n`);
      console.log(
        markdownTable(
          ["page or call", "rate", "p50", "p95", "p99", "errors", "load average"],
          steady.map((row) => [row.endpoint, row.mode, ms(row.p50), ms(row.p95), ms(row.p99), String(row.errors), row.loadAverage]),
        ),
      );
    }
    console.log(
      `\nResident memory: ${web} ${mib(idle.web)} idle → peak ${mib(peakWeb)} under load (${mib(after.web)} after); each web process's own peak (VmHWM): ${webPeaks.map(mib).join(", ")}; all of Keel's Node processes (web, worker, launcher) ${mib(idle.keel)} idle → peak ${mib(peakKeel)}. PostgreSQL not included.`,
    );
    console.log(machineLine());
    await mkdir(path.join(root, "bench-results"), { recursive: true });
    await writeFile(
      path.join(root, "bench-results", "load.json"),
      `${JSON.stringify({ when: new Date().toISOString(), machine: machineLine(), users, duration, webConcurrency, listingMs: organization.listingMs, single, closed, steady, memory: { idle, peakWeb, peakKeel, after, webPeaks } }, null, 2)}\n`,
    );
    console.log("raw numbers: bench-results/load.json");
  } finally {
    await organization.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
