// The embedded default's promises (issue 2): a real PostgreSQL that stops gracefully,
// comes back after a kill -9 with every committed row (WAL recovery), and is found and
// stopped when a killed launcher left it running.
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./launcher";
import { firstBlockedDirectory, startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres";

let tempDir: string;
let dataDir: string;
const password = "embedded-test-password";

async function start(lines: string[]): Promise<EmbeddedPostgres> {
  return startEmbeddedPostgres({ dataDir, port: await freePort(), user: "keel", password, log: (line) => lines.push(line) });
}

async function query<T extends pg.QueryResultRow>(server: EmbeddedPostgres, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: server.url("postgres") });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForDeath(pid: number): Promise<void> {
  for (let i = 0; i < 100 && isAlive(pid); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(isAlive(pid), `postgres ${pid} still running`).toBe(false);
}

beforeAll(async () => {
  tempDir = await mkdtemp(path.join(os.tmpdir(), "keel-embedded-"));
  await chmod(tempDir, 0o711);
  dataDir = path.join(tempDir, "pg");
});

afterAll(async () => {
  await rm(tempDir, { recursive: true, force: true });
});

describe("embedded PostgreSQL", () => {
  it("stops gracefully: the next start finds a cleanly shut down database", async () => {
    const first: string[] = [];
    const server = await start(first);
    await query(server, "CREATE TABLE acknowledged (id int PRIMARY KEY, note text)");
    await server.stop();
    await waitForDeath(server.pid);

    const second: string[] = [];
    const again = await start(second);
    try {
      expect(second.join("\n")).toMatch(/database system was shut down at/);
      expect(second.join("\n")).not.toMatch(/redo starts|was interrupted|not properly shut down/);
    } finally {
      await again.stop();
    }
  });

  it("recovers every committed row after the server is killed with SIGKILL", async () => {
    const server = await start([]);
    const client = new pg.Client({ connectionString: server.url("postgres") });
    // This session is open when the server dies; its connection error is expected.
    client.on("error", () => undefined);
    await client.connect();
    const committed: number[] = [];
    // Concurrent writers; a row counts only once its INSERT was acknowledged.
    const writers = Array.from({ length: 4 }, (_, writer) =>
      (async () => {
        const own = new pg.Client({ connectionString: server.url("postgres") });
        await own.connect();
        try {
          for (let i = 0; i < 50; i++) {
            const id = writer * 1000 + i;
            await own.query("INSERT INTO acknowledged (id, note) VALUES ($1, $2)", [id, `w${writer}`]);
            committed.push(id);
          }
        } finally {
          await own.end().catch(() => undefined);
        }
      })(),
    );
    await Promise.all(writers);
    await client.query("BEGIN");
    await client.query("INSERT INTO acknowledged (id, note) VALUES (-1, 'never committed')");
    process.kill(server.pid, "SIGKILL");
    await waitForDeath(server.pid);
    await client.end().catch(() => undefined);

    const lines: string[] = [];
    const recovered = await start(lines);
    try {
      expect(lines.join("\n")).toMatch(/not properly shut down|was interrupted|redo (starts|done)/);
      const rows = await query<{ id: number }>(recovered, "SELECT id FROM acknowledged ORDER BY id");
      expect(rows.map((row) => row.id).sort((a, b) => a - b)).toEqual([...committed].sort((a, b) => a - b));
    } finally {
      await recovered.stop();
    }
  });

  it("stops a server that a killed launcher left running, then starts on the same data", async () => {
    const orphan = await start([]);
    await query(orphan, "INSERT INTO acknowledged (id, note) VALUES (9999, 'before the orphan')");
    // The launcher "dies" without stopping it: the next start must take over the data directory.
    const lines: string[] = [];
    const next = await start(lines);
    try {
      expect(isAlive(orphan.pid)).toBe(false);
      expect(lines.join("\n")).toContain(`stopping PostgreSQL (pid ${orphan.pid}) left running`);
      const rows = await query<{ note: string }>(next, "SELECT note FROM acknowledged WHERE id = 9999");
      expect(rows).toEqual([{ note: "before the orphan" }]);
    } finally {
      await next.stop();
    }
  });
});

describe("a data directory the postgres user cannot reach", () => {
  it("names the first directory another user cannot enter", async () => {
    const locked = await mkdtemp(path.join(os.tmpdir(), "keel-locked-"));
    try {
      await mkdir(path.join(locked, "keel", ".data"), { recursive: true });
      await chmod(locked, 0o700);
      const stranger = { uid: 4242, gids: [4242] };
      expect(await firstBlockedDirectory(path.join(locked, "keel", ".data", "pg"), stranger)).toMatchObject({ dir: locked, mode: 0o700 });
      // Root enters anything; a group member needs the group's bit, an owner the owner's.
      expect(await firstBlockedDirectory(path.join(locked, "keel"), { uid: 0, gids: [0] })).toBeNull();
      await chmod(locked, 0o710);
      expect(await firstBlockedDirectory(path.join(locked, "keel"), stranger)).toMatchObject({ dir: locked });
      expect(await firstBlockedDirectory(path.join(locked, "keel"), { uid: 4242, gids: [process.getgid?.() ?? 0] })).toBeNull();
      await chmod(locked, 0o711);
      expect(await firstBlockedDirectory(path.join(locked, "keel", ".data", "pg"), stranger)).toBeNull();
    } finally {
      await chmod(locked, 0o700);
      await rm(locked, { recursive: true, force: true });
    }
  });

  // PostgreSQL runs as the `postgres` user only when Keel runs as root (as CI does).
  it.skipIf(process.getuid?.() !== 0)("refuses to start with a message naming the directory and the fix", async () => {
    const locked = await mkdtemp(path.join(os.tmpdir(), "keel-mktemp-"));
    try {
      await chmod(locked, 0o700);
      const attempt = startEmbeddedPostgres({ dataDir: path.join(locked, ".data", "pg"), port: await freePort(), user: "keel", password });
      await expect(attempt).rejects.toThrow(`that user cannot enter ${locked} (mode 0700`);
      await expect(attempt).rejects.toThrow(`chmod o+x ${locked}`);
      await expect(attempt).rejects.toThrow(/DATABASE_URL/);
    } finally {
      await rm(locked, { recursive: true, force: true });
    }
  });
});
