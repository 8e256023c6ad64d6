// `npm run bench:hooks [-- --deliveries 200 --seconds 10]`: the service-hook receiver under load.
// A benchmark, not a test: it prints numbers and asserts nothing about time.
//
// A fresh database, a web-only Keel (the launcher with `KEEL_WORKER=off`) and one worker. A subscription is made as Keel
// makes one (random URL key, Basic password stored as SHA-256 and sealed). N signed git.push
// deliveries — distinct notifications about a repository no profile uses, so the worker
// processes each without starting a build — are sent at an even rate over the given seconds,
// then 10 of them again (Azure DevOps' redeliveries). It prints the receive latency (request
// sent → answer received) p50/p95/p99/max, and checks that every delivery was stored once and
// processed once, and how long the worker took to drain the inbox.
import type { ChildProcess } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { parseKeyring, seal } from "@/lib/crypto";
import { getToolingEnv } from "@/lib/env";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { startEmbeddedPostgres } from "@/lib/runtime/embedded-postgres";
import { buildIfNeeded, freePort } from "@/lib/runtime/launcher";
import { recreateDatabase } from "@/lib/testing/databases";
import { option, quantiles, request, root, startProcess, stopProcess, until, waitFor, stopWhenThisProcessExits } from "./support";


const ms = (value: number) => (value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(1)} ms`);

function pushEvent(subscriptionId: string, notificationId: number, repositoryId: string): string {
  const commit = createHash("sha1").update(String(notificationId)).digest("hex");
  return JSON.stringify({
    subscriptionId,
    notificationId,
    id: randomUUID(),
    eventType: "git.push",
    publisherId: "tfs",
    resource: {
      refUpdates: [{ name: "refs/heads/main", oldObjectId: "0".repeat(40), newObjectId: commit }],
      repository: { id: repositoryId, name: "Bench", project: { id: randomUUID() } },
      pushId: notificationId,
    },
    resourceVersion: "1.0",
    createdDate: new Date().toISOString(),
  });
}

async function main(): Promise<void> {
  const count = Number(option("deliveries", "200"));
  const seconds = Number(option("seconds", "10"));
  console.log("▶ building Keel if the sources changed");
  await buildIfNeeded();
  const tempDir = await mkdtemp(path.join(os.tmpdir(), "keel-bench-hooks-"));
  await chmod(tempDir, 0o711);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(tempDir, "pg"), port: await freePort(), user: "keel", password: "keel-bench-password" });
  // PostgreSQL stops on SIGINT ("fast" shutdown), as the launcher stops it.
  stopWhenThisProcessExits(postgres.pid, "SIGINT");
  const children: ChildProcess[] = [];
  try {
    const databaseUrl = await recreateDatabase(postgres.url("postgres"), "keel_bench_hooks");
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
      KEEL_CONNECTION_CHECK_INTERVAL_SECONDS: "0",
      KEEL_POLL_INTERVAL_SECONDS: "0",
    };
    console.log("▶ starting a web-only Keel and one worker");
    const keel = startProcess([path.join(root, "node_modules/tsx/dist/cli.mjs"), "lib/runtime/keel.ts", "start", "--no-build"], { ...env, KEEL_WORKER: "off" });
    children.push(keel);
    await waitFor(`${url}/api/health`, 120_000);
    const secrets = JSON.parse(await readFile(path.join(dataDir, "secrets.json"), "utf8")) as { encryptionKeys: string; sessionSecret: string };
    children.push(startProcess(["--conditions=react-server", "--import", "tsx", "lib/jobs/worker-main.ts"], { ...env, KEEL_ENCRYPTION_KEYS: secrets.encryptionKeys, KEEL_SESSION_SECRET: secrets.sessionSecret }));

    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 4 }) });
    const keyring = parseKeyring(secrets.encryptionKeys);
    const organization = await prisma.organization.create({ data: { name: "Bench Hooks" } });
    const connection = await prisma.connection.create({
      data: { organizationId: organization.id, name: "Fabrikam", nameKey: "fabrikam", deploymentType: "SERVICES", authMethod: "PAT", serverUrl: "https://dev.azure.com", collection: "fabrikam", scopes: [] },
    });
    const repositoryId = randomUUID();
    const remoteId = randomUUID();
    const password = randomBytes(32).toString("base64url");
    const subscriptionId = randomUUID();
    const subscription = await prisma.hookSubscription.create({
      data: {
        id: subscriptionId,
        organizationId: organization.id,
        connectionId: connection.id,
        projectId: randomUUID(),
        repositoryId,
        eventType: "git.push",
        urlKey: randomBytes(24).toString("base64url"),
        basicUsername: "keel-bench",
        passwordHash: createHash("sha256").update(password).digest("hex"),
        passwordSealed: seal(keyring, password, { table: "HookSubscription", column: "passwordSealed", rowId: subscriptionId }),
        remoteId,
        state: "ACTIVE",
        remoteStatus: "enabled",
      },
    });
    await until(async () => (await prisma.workerHeartbeat.count()) >= 1, 120_000, "a worker");
    const endpoint = `${url}/api/hooks/azure-devops/${subscription.urlKey}`;
    const authorization = `Basic ${Buffer.from(`keel-bench:${password}`).toString("base64")}`;
    const send = async (notificationId: number): Promise<{ status: number; ms: number }> => {
      const body = pushEvent(remoteId, notificationId, repositoryId);
      const started = performance.now();
      const answer = await request(endpoint, { method: "POST", headers: { authorization, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }, body });
      return { status: answer.status, ms: performance.now() - started };
    };
    // Warm the route (first compilation of its module graph is not what is measured).
    await send(1_000_000);
    console.log(`▶ sending ${count} deliveries over ${seconds} s, then 10 redeliveries`);
    const sendStarted = Date.now();
    const gap = (seconds * 1000) / count;
    const pending: Promise<{ status: number; ms: number }>[] = [];
    for (let index = 0; index < count; index += 1) {
      const due = sendStarted + index * gap;
      const wait = due - Date.now();
      if (wait > 0) {
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      pending.push(send(index + 1));
    }
    const results = await Promise.all(pending);
    const sendMs = Date.now() - sendStarted;
    const duplicates = await Promise.all(Array.from({ length: 10 }, (_, index) => send(index + 1)));
    const drainStarted = Date.now();
    await until(async () => (await prisma.hookDelivery.count({ where: { status: { not: "RECEIVED" } } })) >= count + 1, 180_000, "the worker to process every delivery");
    const drainMs = Date.now() - drainStarted;
    const rows = await prisma.hookDelivery.findMany({ where: { notificationId: { lte: count } }, select: { notificationId: true, status: true, attempts: true, receivedAt: true, processedAt: true } });
    const distinct = new Set(rows.map((row) => row.notificationId)).size;
    const processedOnce = rows.filter((row) => row.status === "PROCESSED" && row.attempts === 1).length;
    const endToEnd = quantiles(rows.map((row) => (row.processedAt?.getTime() ?? 0) - row.receivedAt.getTime()));
    const builds = await prisma.build.count();
    await prisma.$disconnect();
    const latency = quantiles(results.map((result) => result.ms));
    const ok = results.filter((result) => result.status === 200).length;
    const table = [
      ["deliveries sent", `${count} in ${ms(sendMs)} (${(count / (sendMs / 1000)).toFixed(1)}/s), 200 OK: ${ok}`],
      ["receive latency (sent → 200)", `${ms(latency.p50)} / ${ms(latency.p95)} / ${ms(latency.p99)} / ${ms(latency.max)} (p50 / p95 / p99 / max)`],
      ["stored", `${rows.length} rows for ${distinct} notifications (redeliveries answered ${duplicates.filter((item) => item.status === 200).length}/10, stored again: ${rows.length - distinct})`],
      ["processed once", `${processedOnce} of ${count}`],
      ["stored → processed", `${ms(endToEnd.p50)} / ${ms(endToEnd.p95)} / ${ms(endToEnd.max)} (p50 / p95 / max)`],
      ["inbox drained after the last send", ms(drainMs)],
      ["builds started (none expected)", String(builds)],
    ];
    console.log(`\n${[["measure", "value"], ["---", "---"], ...table].map((cells) => `| ${cells.join(" | ")} |`).join("\n")}\n`);
    const load = os.loadavg().map((value) => value.toFixed(1)).join(" ");
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, node ${process.version}, load average ${load}.`);
    if (rows.length !== count || distinct !== count || processedOnce !== count) {
      console.log("✗ not every delivery was stored and processed exactly once");
      process.exitCode = 1;
    } else {
      console.log("✓ every delivery was stored and processed exactly once");
    }
    await mkdir(path.join(root, "bench-results"), { recursive: true });
    await writeFile(path.join(root, "bench-results", "hooks.json"), `${JSON.stringify({ when: new Date().toISOString(), count, seconds, sendMs, latencies: results.map((result) => result.ms), stored: rows.length, distinct, processedOnce, drainMs, endToEnd, loadAverage: os.loadavg() }, null, 2)}\n`);
    console.log("raw numbers: bench-results/hooks.json");
  } finally {
    for (const child of children.reverse()) {
      await stopProcess(child);
    }
    await postgres.stop();
    await rm(tempDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
