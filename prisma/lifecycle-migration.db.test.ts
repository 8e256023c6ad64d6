import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getToolingEnv } from "@/lib/env";
import { applyMigrations, defaultPaths } from "./runner";

// The issue-12 migration maps the old connection statuses (WARNING, FAILING) to the new ones
// from each row's last findings: proven on a database migrated to just before it, with rows of
// every old kind, then migrated to the end.

const LIFECYCLE = "20261204223920_lifecycle";
const admin = getToolingEnv().KEEL_TEST_ADMIN_URL!;
const database = `keel_lifecycle_${Date.now().toString(36)}`;

function urlFor(name: string) {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

async function sql(query: string, params: unknown[] = [], url = urlFor(database)) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(query, params);
  } finally {
    await client.end();
  }
}

/** A copy of the migrations folder as it was before `first` (the migration under test) was added. */
async function migrationsBefore(first: string): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "keel-migrations-before-"));
  for (const entry of await readdir(defaultPaths.migrations, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name < first) {
      await cp(path.join(defaultPaths.migrations, entry.name), path.join(folder, entry.name), { recursive: true });
    }
  }
  return folder;
}

/**
 * An empty database `name` and the migrations folder as it was before `first`, made before the
 * tests of the enclosing block and removed after them; `migrations()` is the folder.
 */
function databaseBefore(name: string, first: string): { migrations: () => string } {
  let folder = "";
  beforeAll(async () => {
    await sql(`CREATE DATABASE ${name}`, [], admin);
    folder = await migrationsBefore(first);
  });
  afterAll(async () => {
    await sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, [], admin);
    await rm(folder, { recursive: true, force: true });
  });
  return { migrations: () => folder };
}

// The migrations folder as it was before issue 12.
const lifecycle = databaseBefore(database, LIFECYCLE);

describe("the connection status migration", () => {
  it("maps every old status by the last findings, and fills the generic credential columns", async () => {
    await applyMigrations(urlFor(database), { migrationsDir: lifecycle.migrations() });
    const organization = (await sql(`INSERT INTO "Organization" (id, name, "updatedAt") VALUES (gen_random_uuid(), 'Old', now()) RETURNING id`)).rows[0].id as string;
    const owner = (await sql(`INSERT INTO "User" (id, email, name, "updatedAt") VALUES (gen_random_uuid(), 'old@example.com', 'Old Owner', now()) RETURNING id`)).rows[0].id as string;
    const findings = (id: string) => JSON.stringify({ ok: false, checkedAt: "2026-01-01T00:00:00Z", findings: [{ id: "version_unknown", severity: "warning", title: "w" }, { id, severity: "error", title: id }] });
    const rows: [string, string, string | null, string | null, string | null][] = [
      ["healthy", "HEALTHY", null, null, null],
      ["warning", "WARNING", "The server calls itself localhost", null, null],
      ["expired-check", "FAILING", "The token has expired", findings("token_expired"), null],
      ["expired-use", "FAILING", "The token has expired", null, null],
      ["tls", "FAILING", "The certificate of x is issued by a CA Keel does not trust", findings("tls_unknown_ca"), null],
      ["revoked", "FAILING", "The token has been revoked", findings("token_invalid"), null],
      ["scope", "FAILING", "The token lacks the scope", findings("missing_scope"), null],
      ["dns", "FAILING", "Keel cannot find the server", findings("unreachable_dns"), null],
      ["reauth", "NEEDS_REAUTH", "grant gone", null, null],
      ["missing", "CREDENTIALS_MISSING", "moved", null, null],
      ["unreadable", "CREDENTIALS_UNREADABLE", "keys", null, null],
      ["dated", "HEALTHY", null, null, "2027-03-31T23:59:59Z"],
    ];
    for (const [name, status, reason, result, expires] of rows) {
      await sql(
        `INSERT INTO "Connection" (id, "organizationId", name, "nameKey", "deploymentType", "authMethod", "serverUrl", collection, status, "statusReason", "lastCheckResult", "tokenExpiresAt", "ownerId", "updatedAt")
         VALUES (gen_random_uuid(), $1, $2, $2, 'SERVICES', 'PAT', 'https://dev.azure.com', 'fabrikam', $3::"ConnectionStatus", $4, $5::jsonb, $6::timestamp, $7, now())`,
        [organization, name, status, reason, result, expires, owner],
      );
    }
    await applyMigrations(urlFor(database));
    const after = (await sql(`SELECT name, status::text, "credentialExpiresAt", "credentialExpirySource"::text AS source, "credentialUserId" FROM "Connection" ORDER BY name`)).rows as {
      name: string;
      status: string;
      credentialExpiresAt: Date | null;
      source: string | null;
      credentialUserId: string | null;
    }[];
    const status = Object.fromEntries(after.map((row) => [row.name, row.status]));
    expect(status).toEqual({
      healthy: "HEALTHY",
      warning: "HEALTHY",
      "expired-check": "EXPIRED",
      "expired-use": "EXPIRED",
      tls: "CERTIFICATE_PROBLEM",
      revoked: "NEEDS_REAUTH",
      scope: "NEEDS_REAUTH",
      dns: "UNREACHABLE",
      reauth: "NEEDS_REAUTH",
      missing: "CREDENTIALS_MISSING",
      unreadable: "CREDENTIALS_UNREADABLE",
      dated: "HEALTHY",
    });
    const dated = after.find((row) => row.name === "dated")!;
    expect(dated.credentialExpiresAt?.toISOString()).toBe("2027-03-31T23:59:59.000Z");
    expect(dated.source).toBe("ENTERED");
    expect(after.every((row) => row.credentialUserId === owner)).toBe(true);
    expect(after.filter((row) => row.name !== "dated").every((row) => row.credentialExpiresAt === null)).toBe(true);
  });
});

// Builds a `/keel build` comment started were recorded as MANUAL until the COMMENT trigger
// existed: the migration after the one that adds the value moves them by their idempotency key.
const COMMENT_BACKFILL = "20261207204031_comment_trigger_backfill";

describe("the comment trigger's backfill", () => {
  const commentDatabase = `keel_comment_${Date.now().toString(36)}`;
  const beforeBackfill = databaseBefore(commentDatabase, COMMENT_BACKFILL);

  it("moves the builds comments started to COMMENT, and leaves a person's own starts MANUAL", async () => {
    const url = urlFor(commentDatabase);
    await applyMigrations(url, { migrationsDir: beforeBackfill.migrations() });
    const organization = (await sql(`INSERT INTO "Organization" (id, name, "updatedAt") VALUES (gen_random_uuid(), 'Old', now()) RETURNING id`, [], url)).rows[0].id as string;
    const profile = (
      await sql(
        `INSERT INTO "BuildProfile" (id, "organizationId", name, "nameKey", platform, "projectId", "projectName", "repositoryId", "repositoryName", "updatedAt")
         VALUES (gen_random_uuid(), $1, 'Wallet', 'wallet', 'IOS', 'p', 'Mobile', 'r', 'Wallet', now()) RETURNING id`,
        [organization],
        url,
      )
    ).rows[0].id as string;
    const keys: [number, string, string][] = [
      [1, "MANUAL", `comment:${profile}:12:3:1`],
      [2, "MANUAL", "start-build-form-key"],
      [3, "PULL_REQUEST", `pr:${profile}:12:1`],
    ];
    for (const [number, trigger, key] of keys) {
      await sql(
        `INSERT INTO "Build" (id, "organizationId", "profileId", number, trigger, "idempotencyKey", "commitId", steps, "timeoutSeconds", "updatedAt")
         VALUES (gen_random_uuid(), $1, $2, $3, $4::"BuildTrigger", $5, $6, '[]'::jsonb, 600, now())`,
        [organization, profile, number, trigger, key, "a".repeat(40)],
        url,
      );
    }
    await applyMigrations(url);
    const after = (await sql(`SELECT number, trigger::text AS trigger FROM "Build" ORDER BY number`, [], url)).rows as { number: number; trigger: string }[];
    expect(after).toEqual([
      { number: 1, trigger: "COMMENT" },
      { number: 2, trigger: "MANUAL" },
      { number: 3, trigger: "PULL_REQUEST" },
    ]);
  });
});
