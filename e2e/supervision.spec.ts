// Keel survives its own crash (issue 11): a whole `npm start` (launcher, embedded PostgreSQL,
// two Next.js web processes sharing the port through the cluster module, job worker) of its own, on a fresh data directory; each child is killed
// with -9 in turn and /api/health must come back within seconds, with the rows written
// before every crash still there. No browser: this is about processes.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { childProcessEnv } from "@/lib/env";
import { freePort } from "@/lib/runtime/launcher";

type RunFile = { launcherPid: number; nextPid?: number; nextPids?: number[]; workerPid?: number; databasePid?: number; databasePort?: number };
type Health = { status: string; database: string; workers: { live: number; lastHeartbeatAt: string | null } | null; jobs: Record<string, number> | null };

test.describe.configure({ mode: "serial" });

test("a crashed web server, worker or PostgreSQL is restarted and nothing is lost", async () => {
  test.setTimeout(240_000);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "keel-supervision-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const launcher: ChildProcess = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "lib/runtime/keel.ts", "start", "--no-build"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: childProcessEnv({
      // Its own embedded PostgreSQL: this test kills it.
      DATABASE_URL: undefined,
      KEEL_LOG_FILE: undefined,
      NODE_ENV: "test",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      KEEL_PUBLIC_URL: url,
      KEEL_DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      KEEL_WORKER_HEARTBEAT_MS: "500",
      KEEL_WORKER_POLL_MS: "250",
      // Two web processes (cluster mode, as on a multi-core machine; test mode's default is one).
      KEEL_WEB_CONCURRENCY: "2",
    }),
  });
  launcher.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  launcher.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const launcherExit = new Promise<{ code: number | null; signal: string | null }>((resolve) => launcher.once("exit", (code, signal) => resolve({ code, signal })));
  const logTail = () => output.join("").slice(-4_000);

  const runFile = async (): Promise<RunFile> => JSON.parse(await readFile(path.join(dataDir, "keel.run.json"), "utf8")) as RunFile;
  const health = async (): Promise<Health | null> => {
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(3_000) });
      return response.status === 200 ? ((await response.json()) as Health) : null;
    } catch {
      return null;
    }
  };
  /** Polls until health is ok with a live worker whose heartbeat is newer than `since`; returns how long it took. */
  const healthy = async (since: number, timeout: number): Promise<number> => {
    const started = Date.now();
    await expect
      .poll(
        async () => {
          const current = await health();
          return current !== null && current.database === "reachable" && (current.workers?.live ?? 0) > 0 && Date.parse(current.workers?.lastHeartbeatAt ?? "") > since;
        },
        { timeout, intervals: [250], message: `health did not come back:\n${logTail()}` },
      )
      .toBe(true);
    return Date.now() - started;
  };
  let client: pg.Client | undefined;
  const connect = async () => {
    const secrets = JSON.parse(await readFile(path.join(dataDir, "secrets.json"), "utf8")) as { databasePassword: string };
    const { databasePort } = await runFile();
    const next = new pg.Client({ connectionString: `postgresql://keel:${encodeURIComponent(secrets.databasePassword)}@127.0.0.1:${databasePort}/keel` });
    await next.connect();
    next.on("error", () => undefined);
    return next;
  };
  const writeRow = async (name: string) => {
    client ??= await connect();
    await client.query(`INSERT INTO "Organization" (id, name, "updatedAt") VALUES (gen_random_uuid(), $1, now())`, [name]);
  };
  const rows = async () => {
    client ??= await connect();
    const result = await client.query<{ name: string }>(`SELECT name FROM "Organization" WHERE name LIKE 'supervision-%' ORDER BY name`);
    return result.rows.map((row) => row.name);
  };

  try {
    await healthy(0, 150_000);

    await test.step("kill -9 of one of the two web processes: the other keeps serving, the killed one is restarted", async () => {
      await writeRow("supervision-1");
      const before = await runFile();
      expect(before.nextPids).toHaveLength(2);
      const [killed, survivor] = before.nextPids!;
      process.kill(killed!, "SIGKILL");
      const tookMs = await healthy(0, 30_000);
      await expect
        .poll(
          async () => {
            const pids = (await runFile()).nextPids ?? [];
            return pids.length === 2 && !pids.includes(killed!) && pids[1] === survivor;
          },
          { timeout: 30_000, message: logTail() },
        )
        .toBe(true);
      const after = await runFile();
      expect(after.nextPids![0]).not.toBe(killed);
      expect(after.nextPids![1]).toBe(survivor);
      expect(after.workerPid).toBe(before.workerPid);
      expect(tookMs).toBeLessThan(30_000);
    });

    await test.step("kill -9 of the job worker", async () => {
      await writeRow("supervision-2");
      const before = await runFile();
      const killedAt = Date.now();
      process.kill(before.workerPid!, "SIGKILL");
      await expect.poll(async () => (await runFile()).workerPid, { timeout: 30_000, message: logTail() }).not.toBe(before.workerPid);
      await healthy(killedAt, 30_000);
      expect((await runFile()).nextPid).toBe(before.nextPid);
    });

    await test.step("kill -9 of PostgreSQL: it recovers from its WAL; the server and the worker reconnect", async () => {
      await writeRow("supervision-3");
      await client?.end().catch(() => undefined);
      client = undefined;
      const before = await runFile();
      const killedAt = Date.now();
      process.kill(before.databasePid!, "SIGKILL");
      await expect.poll(async () => (await runFile()).databasePid, { timeout: 30_000, message: logTail() }).not.toBe(before.databasePid);
      // The same server and worker processes, reconnected (their pools open new connections).
      await healthy(killedAt, 45_000);
      const after = await runFile();
      expect(after.databasePort).toBe(before.databasePort);
      expect(after.nextPid).toBe(before.nextPid);
      expect(after.workerPid).toBe(before.workerPid);
      expect(await rows()).toEqual(["supervision-1", "supervision-2", "supervision-3"]);
    });

    await test.step("npm run drain: the worker drains (no build runs, so at once), then everything stops cleanly", async () => {
      await client?.end().catch(() => undefined);
      client = undefined;
      const { launcherPid } = await runFile();
      const drained = await new Promise<{ code: number | null; text: string }>((resolve) => {
        const command = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "lib/runtime/keel.ts", "drain", "--wait"], { stdio: ["ignore", "pipe", "pipe"], env: childProcessEnv({ KEEL_DATA_DIR: dataDir }) });
        let text = "";
        command.stdout?.on("data", (chunk: Buffer) => (text += chunk.toString()));
        command.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString()));
        command.once("exit", (code) => resolve({ code, text }));
      });
      expect(drained.code).toBe(0);
      expect(drained.text).toContain(`Keel (pid ${launcherPid}, ${dataDir}) is draining`);
      expect(drained.text).toContain("Stopped: upgrade, then start it again.");
      expect(await launcherExit).toEqual({ code: 0, signal: null });
      // The worker drained, then the path of SIGTERM's stop (lib/runtime/launcher.ts).
      expect(logTail()).toContain("worker draining");
      expect(logTail()).toContain("Keel stopped");
    });
  } finally {
    await client?.end().catch(() => undefined);
    if (launcher.exitCode === null && launcher.signalCode === null) {
      launcher.kill("SIGTERM");
      await launcherExit;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
});
