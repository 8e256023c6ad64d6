// `npm run bench:builds [-- --builds 20 --lines 5000]`: the build pipeline end to end. A
// benchmark, not a test: it prints numbers and asserts nothing about time.
//
// A fresh database, a web-only Keel (the launcher with `KEEL_WORKER=off`), two worker processes (one build each at a
// time) and the emulator. N builds of Wallet App are queued at once; each prints `--lines`
// lines in bursts. While they run, the benchmark follows every build's live log over HTTP
// (the build page's Server-Sent Events) and measures:
//   queue → start    how long each build waited (queued → running), and the dispatch gap:
//                    how soon a worker that finished a build started the next one;
//   streaming        lines received per second over all streams, and each line's delivery
//                    latency (written by the worker → received by the page's stream);
//   builds           wall time of the whole batch, and each build's run time.
// Runs under the react-server condition (package.json) so it can queue builds with Keel's own
// startBuild, as the profile page's action does.
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { startEmulator, type EmulatorHandle } from "@/e2e/azure-devops-emulator/index";
import { hashPassword } from "@/lib/auth/password";
import { lastFour, parseKeyring, seal } from "@/lib/crypto";
import { getToolingEnv, supplyUnsetVariables } from "@/lib/env";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { startEmbeddedPostgres } from "@/lib/runtime/embedded-postgres";
import { buildIfNeeded, freePort } from "@/lib/runtime/launcher";
import { recreateDatabase } from "@/lib/testing/databases";
import { option, quantiles, request, root, startProcess, stopProcess, until, waitFor, stopWhenThisProcessExits } from "./support";

const ADMIN = { email: "bench.builds@keel.test", password: "benchmark copper lantern", name: "Bench Admin" };

const ms = (value: number) => (value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`);

const cookieHeader = (cookies: string[]) => cookies.map((cookie) => cookie.split(";")[0]).join("; ");

async function signIn(url: string): Promise<string> {
  const csrf = await request(`${url}/api/auth/csrf`);
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const form = new URLSearchParams({ csrfToken, email: ADMIN.email, password: ADMIN.password, json: "true", callbackUrl: "/" }).toString();
  const answer = await request(`${url}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { cookie: cookieHeader(csrf.setCookie), "content-type": "application/x-www-form-urlencoded", "content-length": String(Buffer.byteLength(form)) },
    body: form,
  });
  return cookieHeader([...csrf.setCookie, ...answer.setCookie]);
}

type StreamResult = { lines: number; latencies: number[]; firstAt: number | null; lastAt: number | null };

/** Follows one build's event stream until its `end` event: lines received and their delivery latency. */
function follow(url: string, cookie: string): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const result: StreamResult = { lines: 0, latencies: [], firstAt: null, lastAt: null };
    const call = http.get(url, { headers: { cookie, accept: "text/event-stream" }, agent: false }, (response) => {
      let buffer = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        buffer += chunk;
        let split = buffer.indexOf("\n\n");
        while (split !== -1) {
          const event = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          split = buffer.indexOf("\n\n");
          const type = /^event: (.*)$/m.exec(event)?.[1];
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (type === "lines" && data) {
            const now = Date.now();
            const lines = JSON.parse(data) as { at: string }[];
            result.lines += lines.length;
            result.firstAt ??= now;
            result.lastAt = now;
            for (const line of lines) {
              result.latencies.push(now - Date.parse(line.at));
            }
          } else if (type === "end") {
            response.destroy();
            resolve(result);
          }
        }
      });
      response.on("error", () => resolve(result));
      response.on("close", () => resolve(result));
    });
    call.on("error", reject);
  });
}

async function main(): Promise<void> {
  const count = Number(option("builds", "20"));
  const linesPerBuild = Number(option("lines", "5000"));
  console.log("▶ building Keel if the sources changed");
  await buildIfNeeded();
  const tempDir = await mkdtemp(path.join(os.tmpdir(), "keel-bench-builds-"));
  await chmod(tempDir, 0o711);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(tempDir, "pg"), port: await freePort(), user: "keel", password: "keel-bench-password" });
  // PostgreSQL stops on SIGINT ("fast" shutdown), as the launcher stops it.
  stopWhenThisProcessExits(postgres.pid, "SIGINT");
  const emulator: EmulatorHandle = await startEmulator({ fixture: "default", basePort: 0 });
  const children: ChildProcess[] = [];
  try {
    const databaseUrl = await recreateDatabase(postgres.url("postgres"), "keel_bench_builds");
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const dataDir = path.join(tempDir, "data");
    await mkdir(dataDir);
    const env = {
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
      KEEL_BUILD_CONCURRENCY: "1",
      KEEL_BUILD_DIR: path.join(tempDir, "workspaces"),
    };
    console.log("▶ starting a web-only Keel and two workers");
    const keel = startProcess([path.join(root, "node_modules/tsx/dist/cli.mjs"), "lib/runtime/keel.ts", "start", "--no-build"], { ...env, KEEL_WORKER: "off" });
    children.push(keel);
    await waitFor(`${url}/api/health`, 120_000);
    const secrets = JSON.parse(await readFile(path.join(dataDir, "secrets.json"), "utf8")) as { encryptionKeys: string; sessionSecret: string };
    for (let index = 0; index < 2; index += 1) {
      children.push(startProcess(["--conditions=react-server", "--import", "tsx", "lib/jobs/worker-main.ts"], { ...env, KEEL_ENCRYPTION_KEYS: secrets.encryptionKeys, KEEL_SESSION_SECRET: secrets.sessionSecret }));
    }

    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 2 }) });
    const keyring = parseKeyring(secrets.encryptionKeys);
    const organization = await prisma.organization.create({ data: { name: "Bench Builds" } });
    const admin = await prisma.user.create({ data: { email: ADMIN.email, name: ADMIN.name, passwordHash: await hashPassword(ADMIN.password), memberships: { create: { organizationId: organization.id, role: "ADMIN" } } } });
    const connectionId = randomUUID();
    await prisma.connection.create({
      data: {
        id: connectionId,
        organizationId: organization.id,
        ownerId: admin.id,
        name: "Fabrikam",
        nameKey: "fabrikam",
        deploymentType: "SERVICES",
        authMethod: "PAT",
        serverUrl: new URL(emulator.servicesUrl ?? "").origin,
        collection: "fabrikam",
        apiVersion: "7.1",
        scopes: ["vso.identity", "vso.code", "vso.code_status", "vso.notification"],
        tokenSealed: seal(keyring, DEFAULT_PATS.fabrikamFull, { table: "Connection", column: "tokenSealed", rowId: connectionId }),
        tokenLastFour: lastFour(DEFAULT_PATS.fabrikamFull),
      },
    });
    const bursts = Math.max(1, Math.round(linesPerBuild / 100));
    const profile = await prisma.buildProfile.create({
      data: {
        organizationId: organization.id,
        connectionId,
        name: "Wallet bench",
        nameKey: "wallet bench",
        platform: "IOS",
        projectId: DEFAULT_PROJECTS.mobileIos.id.toLowerCase(),
        projectName: "MOBILE_IOS",
        repositoryId: DEFAULT_REPOS.walletApp.id.toLowerCase(),
        repositoryName: "Wallet App",
        defaultBranch: "refs/heads/main",
        workflowSteps: [{ name: "Log", command: `for i in $(seq 1 ${bursts}); do seq 1 100 | sed "s/^/\\x1b[32mburst $i\\x1b[0m line /"; sleep 0.02; done` }],
      },
    });
    await until(async () => (await prisma.workerHeartbeat.count()) >= 2, 120_000, "two workers");
    const cookie = await signIn(url);

    // Queue every build at once, with Keel's own service (as the profile page's action does).
    supplyUnsetVariables({ ...env, KEEL_ENCRYPTION_KEYS: secrets.encryptionKeys, KEEL_SESSION_SECRET: secrets.sessionSecret });
    const { startBuild } = await import("@/lib/builds/service");
    const { stopJobSender } = await import("@/lib/jobs/enqueue");
    const scope = { organizationId: organization.id, actor: { kind: "user" as const, userId: admin.id, role: "ADMIN" as const } };
    console.log(`▶ queuing ${count} builds (${linesPerBuild.toLocaleString("en")} lines each)`);
    const batchStarted = Date.now();
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      ids.push((await startBuild(scope, { profileId: profile.id, branch: "main", trigger: "MANUAL", idempotencyKey: randomUUID() })).build.id);
    }
    const streams = await Promise.all(ids.map((id) => follow(`${url}/api/builds/${id}/events`, cookie)));
    const batchMs = Date.now() - batchStarted;
    await stopJobSender();

    const builds = await prisma.build.findMany({ where: { id: { in: ids } }, orderBy: { queuedAt: "asc" } });
    const waits = builds.map((build) => (build.startedAt?.getTime() ?? 0) - build.queuedAt.getTime());
    const runs = builds.map((build) => (build.finishedAt?.getTime() ?? 0) - (build.startedAt?.getTime() ?? 0));
    // Dispatch gap: a worker finished a build → that worker started its next one.
    const gaps: number[] = [];
    const byWorker = new Map<number, typeof builds>();
    for (const build of builds) {
      byWorker.set(build.workerPid ?? 0, [...(byWorker.get(build.workerPid ?? 0) ?? []), build]);
    }
    for (const list of byWorker.values()) {
      list.sort((a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0));
      for (let index = 1; index < list.length; index += 1) {
        gaps.push(list[index]!.startedAt!.getTime() - Math.max(list[index - 1]!.finishedAt!.getTime(), list[index]!.queuedAt.getTime()));
      }
    }
    const totalLines = streams.reduce((sum, stream) => sum + stream.lines, 0);
    const firstLine = Math.min(...streams.map((stream) => stream.firstAt ?? Infinity));
    const lastLine = Math.max(...streams.map((stream) => stream.lastAt ?? 0));
    const latency = quantiles(streams.flatMap((stream) => stream.latencies));
    const storedLines = await prisma.buildLogLine.count({ where: { buildId: { in: ids } } });
    const statuses = builds.map((build) => build.status);
    await prisma.$disconnect();

    const wait = quantiles(waits);
    const first = quantiles(waits.slice(0, 2));
    const gap = quantiles(gaps);
    const run = quantiles(runs);
    const rows = [
      ["builds", `${count} (${statuses.filter((status) => status === "SUCCEEDED").length} succeeded), 2 workers × 1`],
      ["batch wall time", ms(batchMs)],
      ["queue → start, first two (idle workers)", `${ms(first.p50)} / ${ms(first.max)} (p50 / max)`],
      ["queue → start, all (waiting included)", `${ms(wait.p50)} / ${ms(wait.p95)} / ${ms(wait.max)} (p50 / p95 / max)`],
      ["dispatch gap (worker free → next start)", `${ms(gap.p50)} / ${ms(gap.p95)} / ${ms(gap.max)}`],
      ["build run time", `${ms(run.p50)} / ${ms(run.p95)}`],
      ["lines streamed / stored", `${totalLines.toLocaleString("en")} / ${storedLines.toLocaleString("en")}`],
      ["streaming throughput (all streams)", `${Math.round(totalLines / Math.max(0.001, (lastLine - firstLine) / 1000)).toLocaleString("en")} lines/s`],
      ["line delivery latency (written → received)", `${ms(latency.p50)} / ${ms(latency.p95)} / ${ms(latency.max)}`],
    ];
    console.log(`\n${[["measure", "value"], ["---", "---"], ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n")}\n`);
    const load = os.loadavg().map((value) => value.toFixed(1)).join(" ");
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}, load average ${load}.`);
    await mkdir(path.join(root, "bench-results"), { recursive: true });
    await writeFile(path.join(root, "bench-results", "builds.json"), `${JSON.stringify({ when: new Date().toISOString(), count, linesPerBuild, batchMs, waits, runs, gaps, totalLines, storedLines, latency, statuses, loadAverage: os.loadavg() }, null, 2)}\n`);
    console.log("raw numbers: bench-results/builds.json");
  } finally {
    for (const child of children.reverse()) {
      await stopProcess(child);
    }
    await emulator.stop();
    await postgres.stop();
    await rm(tempDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
