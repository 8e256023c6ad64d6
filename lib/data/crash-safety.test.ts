// SECURITY.md: "Nothing lost" is a test. Connections are saved concurrently through the real
// data layer while the PostgreSQL server is killed with SIGKILL; after it restarts (WAL
// recovery), every save that was acknowledged exists exactly once, every sealed token still
// opens, and retrying the saves that were cut off (as a browser would) makes exactly one
// connection per wizard draft.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NewPatConnection } from "@/lib/data/connections";
import type { Scope } from "@/lib/scope";
import { healthyCheck } from "@/lib/testing/checks";
import { resetEnvForTests } from "@/lib/env";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@/lib/runtime/embedded-postgres";
import { freePort } from "@/lib/runtime/launcher";
import { applyMigrations } from "@/prisma/runner";

const DRAFTS = 60;
const password = "crash-safety-password";
let tempDir: string;
let server: EmbeddedPostgres;
let scope: Scope;

const check = healthyCheck(["vso.code"]);

const tokenFor = (index: number) => `${String(index).padStart(4, "0")}${"t".repeat(72)}AZDO${"x".repeat(4)}`;

async function startServer(): Promise<EmbeddedPostgres> {
  const started = await startEmbeddedPostgres({ dataDir: path.join(tempDir, "pg"), port: await freePort(), user: "keel", password });
  // Keel's data layer follows DATABASE_URL (lib/db.ts makes a new client when it changes).
  resetEnvForTests({ DATABASE_URL: started.url("keel"), KEEL_ENCRYPTION_KEYS: `kc:${Buffer.alloc(32, 3).toString("base64")}`, KEEL_SESSION_SECRET: "crash-safety-session-secret-0123456789" });
  return started;
}

beforeAll(async () => {
  tempDir = await mkdtemp(path.join(os.tmpdir(), "keel-crash-"));
  await chmod(tempDir, 0o711);
  server = await startServer();
  const admin = new pg.Client({ connectionString: server.url("postgres") });
  await admin.connect();
  await admin.query("CREATE DATABASE keel");
  await admin.end();
  await applyMigrations(server.url("keel"));
  const { db } = await import("@/lib/db");
  const organization = await db.organization.create({ data: { name: "Crash Test Mobile" } });
  const user = await db.user.create({ data: { email: "crash@example.com", name: "Crash Admin", memberships: { create: { organizationId: organization.id, role: "ADMIN" } } } });
  scope = { organizationId: organization.id, actor: { kind: "user", userId: user.id, role: "ADMIN" } };
}, 120_000);

afterAll(async () => {
  const { getDb } = await import("@/lib/db");
  await getDb().$disconnect().catch(() => undefined);
  await server?.stop();
  await rm(tempDir, { recursive: true, force: true });
});

describe("saving connections while PostgreSQL is killed", () => {
  it("keeps every acknowledged save exactly once, every secret readable, and a retry makes one connection per draft", async () => {
    const { createDraft, setDraftToken } = await import("@/lib/data/connect-drafts");
    const { createPatConnection } = await import("@/lib/data/connections");
    const drafts: string[] = [];
    for (let index = 0; index < DRAFTS; index++) {
      const draft = await createDraft(scope, "SERVICES");
      await setDraftToken(scope, draft.id, tokenFor(index));
      drafts.push(draft.id);
    }
    const input = (index: number): NewPatConnection => ({
      draftId: drafts[index]!,
      name: `Crash ${index}`,
      deploymentType: "SERVICES",
      serverUrl: "https://dev.azure.com",
      pathPrefix: "",
      collection: `org-${index}`,
      token: tokenFor(index),
      tokenExpiresAt: null,
      caBundlePem: null,
      check,
    });

    const acknowledged = new Map<number, string>();
    let killed = false;
    // Eight concurrent "requests"; the server dies once a third of the saves were acknowledged.
    let next = 0;
    const worker = async () => {
      while (next < DRAFTS) {
        const index = next++;
        try {
          const saved = await createPatConnection(scope, input(index));
          acknowledged.set(index, saved.id);
          if (!killed && acknowledged.size >= DRAFTS / 3) {
            killed = true;
            process.kill(server.pid, "SIGKILL");
          }
        } catch {
          // Cut off by the crash: not acknowledged, so nothing may be promised about it.
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(killed).toBe(true);
    expect(acknowledged.size).toBeGreaterThanOrEqual(DRAFTS / 3);
    expect(acknowledged.size).toBeLessThan(DRAFTS);

    const { getDb } = await import("@/lib/db");
    await getDb().$disconnect().catch(() => undefined);
    server = await startServer();
    const { db } = await import("@/lib/db");
    const { openConnectionToken } = await import("@/lib/data/connections");

    for (const [index, id] of acknowledged) {
      const rows = await db.connection.findMany({ where: { idempotencyKey: drafts[index]! } });
      expect(rows.map((row) => row.id)).toEqual([id]);
      expect(await openConnectionToken(scope, id)).toBe(tokenFor(index));
      expect(await db.auditEvent.count({ where: { action: "connection.created", targetId: id } })).toBe(1);
    }

    // The browser retries what was cut off; the same drafts saved again make no duplicates.
    for (let index = 0; index < DRAFTS; index++) {
      await createPatConnection(scope, input(index));
    }
    expect(await db.connection.count({ where: { organizationId: scope.organizationId } })).toBe(DRAFTS);
    for (let index = 0; index < DRAFTS; index++) {
      const rows = await db.connection.findMany({ where: { idempotencyKey: drafts[index]! }, select: { id: true } });
      expect(rows).toHaveLength(1);
      expect(await openConnectionToken(scope, rows[0]!.id)).toBe(tokenFor(index));
      if (acknowledged.has(index)) {
        expect(rows[0]!.id).toBe(acknowledged.get(index));
      }
    }
    expect(await db.auditEvent.count({ where: { action: "connection.created", organizationId: scope.organizationId } })).toBe(DRAFTS);
  }, 120_000);
});
