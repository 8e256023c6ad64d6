// Saving and opening PAT connections against a real PostgreSQL: one transaction, one row per
// draft whatever the browser does, unique names, the URL-change rule, and fail-closed opening.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NewPatConnection } from "@/lib/data/connections";
import type { Scope } from "@/lib/scope";
import { healthyCheck } from "@/lib/testing/checks";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";

let database: TestDatabase;
let scope: Scope;
let adminId: string;

const TOKEN = `${"k".repeat(76)}AZDO${"w".repeat(4)}`;
const OTHER_TOKEN = `${"q".repeat(76)}AZDO${"z".repeat(4)}`;

const check = healthyCheck();

beforeAll(async () => {
  database = await createTestDatabase();
  const organization = await database.prisma.organization.create({ data: { name: "Fabrikam" } });
  const user = await database.prisma.user.create({ data: { email: "admin@example.com", name: "Admin", memberships: { create: { organizationId: organization.id, role: "ADMIN" } } } });
  adminId = user.id;
  scope = { organizationId: organization.id, actor: { kind: "user", userId: user.id, role: "ADMIN" } };
});
afterAll(async () => {
  await database.drop();
});

/** A draft with a sealed token, as the wizard leaves it after a successful check. */
async function draftWithToken(token = TOKEN): Promise<string> {
  const { createDraft, setDraftToken } = await import("@/lib/data/connect-drafts");
  const draft = await createDraft(scope, "SERVICES");
  await setDraftToken(scope, draft.id, token);
  return draft.id;
}

function input(draftId: string, name: string, token = TOKEN): NewPatConnection {
  return { draftId, name, deploymentType: "SERVICES", serverUrl: "https://dev.azure.com", pathPrefix: "", collection: "fabrikam", token, tokenExpiresAt: null, caBundlePem: null, check };
}

async function sealedOf(id: string): Promise<string | null> {
  const rows = await database.prisma.$queryRaw<{ tokenSealed: string | null }[]>`SELECT "tokenSealed" FROM "Connection" WHERE id = ${id}::uuid`;
  return rows[0]?.tokenSealed ?? null;
}

describe("createPatConnection", () => {
  it("stores the connection, the sealed token and the audit event together, and drops the draft's copy", async () => {
    const { createPatConnection, openConnectionToken } = await import("@/lib/data/connections");
    const draftId = await draftWithToken();
    const saved = await createPatConnection(scope, input(draftId, "Fabrikam Mobile"));
    expect(saved.created).toBe(true);
    const row = await database.prisma.connection.findUniqueOrThrow({ where: { id: saved.id }, omit: { tokenSealed: false } });
    expect(row).toMatchObject({ name: "Fabrikam Mobile", nameKey: "fabrikam mobile", status: "HEALTHY", tokenLastFour: "wwww", idempotencyKey: draftId, ownerId: adminId });
    expect(row.tokenSealed).toMatch(/^v1:/);
    expect(row.tokenSealed).not.toContain(TOKEN);
    expect(await openConnectionToken(scope, saved.id)).toBe(TOKEN);
    const draft = await database.prisma.connectDraft.findUniqueOrThrow({ where: { id: draftId }, omit: { tokenSealed: false } });
    expect(draft).toMatchObject({ connectionId: saved.id, tokenSealed: null });
    const audit = await database.prisma.auditEvent.findMany({ where: { targetId: saved.id, action: "connection.created" } });
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  it("is idempotent per draft: repeated and concurrent saves make one connection", async () => {
    const { createPatConnection } = await import("@/lib/data/connections");
    const draftId = await draftWithToken();
    const results = await Promise.all(Array.from({ length: 5 }, () => createPatConnection(scope, input(draftId, "Concurrent"))));
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    const again = await createPatConnection(scope, input(draftId, "Concurrent"));
    expect(again).toEqual({ id: results[0]!.id, created: false });
    expect(await database.prisma.connection.count({ where: { idempotencyKey: draftId } })).toBe(1);
    expect(await database.prisma.auditEvent.count({ where: { targetId: results[0]!.id, action: "connection.created" } })).toBe(1);
  });

  it("refuses a name taken in another case, and writes nothing", async () => {
    const { createPatConnection, connectionNameTaken } = await import("@/lib/data/connections");
    await createPatConnection(scope, input(await draftWithToken(), "Wallet Builds"));
    expect(await connectionNameTaken(scope, "WALLET builds")).toBe(true);
    const draftId = await draftWithToken();
    const before = await database.prisma.auditEvent.count();
    await expect(createPatConnection(scope, input(draftId, "wallet BUILDS"))).rejects.toMatchObject({ code: "CONFLICT", message: 'A connection named "wallet BUILDS" already exists. Choose another name.' });
    expect(await database.prisma.connection.count({ where: { idempotencyKey: draftId } })).toBe(0);
    expect(await database.prisma.auditEvent.count()).toBe(before);
    const draft = await database.prisma.connectDraft.findUniqueOrThrow({ where: { id: draftId }, omit: { tokenSealed: false } });
    expect(draft.connectionId).toBeNull();
    expect(draft.tokenSealed).not.toBeNull();
  });

  it("refuses a look-alike that NFKC folds to a taken name (fullwidth letters, a ligature)", async () => {
    const { createPatConnection, connectionNameTaken } = await import("@/lib/data/connections");
    await createPatConnection(scope, input(await draftWithToken(), "Fabrikam Finance"));
    expect(await connectionNameTaken(scope, "Ｆａｂｒｉｋａｍ Finance")).toBe(true);
    await expect(createPatConnection(scope, input(await draftWithToken(), "Fabrikam \uFB01nance"))).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("allows the same name in another organization", async () => {
    const { createPatConnection } = await import("@/lib/data/connections");
    const { createDraft, setDraftToken } = await import("@/lib/data/connect-drafts");
    const other = await database.prisma.organization.create({ data: { name: "Contoso" } });
    const otherAdmin = await database.prisma.user.create({ data: { email: "contoso@example.com", name: "C", memberships: { create: { organizationId: other.id, role: "ADMIN" } } } });
    const otherScope: Scope = { organizationId: other.id, actor: { kind: "user", userId: otherAdmin.id, role: "ADMIN" } };
    const draft = await createDraft(otherScope, "SERVICES");
    await setDraftToken(otherScope, draft.id, TOKEN);
    await createPatConnection(scope, input(await draftWithToken(), "Shared Name"));
    await expect(createPatConnection(otherScope, input(draft.id, "shared name"))).resolves.toMatchObject({ created: true });
  });

  it("refuses another admin's draft", async () => {
    const { createPatConnection } = await import("@/lib/data/connections");
    const draftId = await draftWithToken();
    const intruder = await database.prisma.user.create({ data: { email: "intruder@example.com", name: "I", memberships: { create: { organizationId: scope.organizationId, role: "ADMIN" } } } });
    await expect(createPatConnection({ organizationId: scope.organizationId, actor: { kind: "user", userId: intruder.id, role: "ADMIN" } }, input(draftId, "Not Mine"))).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await database.prisma.connection.count({ where: { idempotencyKey: draftId } })).toBe(0);
  });
});

describe("updatePatConnection: the URL-change rule", () => {
  async function saved(name: string): Promise<string> {
    const { createPatConnection } = await import("@/lib/data/connections");
    return (await createPatConnection(scope, input(await draftWithToken(), name))).id;
  }
  const edit = { name: "", serverUrl: "https://dev.azure.com", pathPrefix: "", collection: "fabrikam", tokenExpiresAt: null };

  it("keeps the token when the address does not change", async () => {
    const { updatePatConnection, openConnectionToken } = await import("@/lib/data/connections");
    const id = await saved("Keep Token");
    expect(await updatePatConnection(scope, id, { ...edit, name: "Keep Token 2", collection: "FABRIKAM" }, null)).toEqual({ tokenWiped: false });
    expect(await openConnectionToken(scope, id)).toBe(TOKEN);
  });

  it.each([
    ["scheme", { serverUrl: "http://dev.azure.com" }],
    ["host", { serverUrl: "https://evil.example" }],
    ["port", { serverUrl: "https://dev.azure.com:8443" }],
    ["path prefix", { pathPrefix: "tfs" }],
    ["collection", { collection: "contoso" }],
  ])("wipes the token when the %s changes without a new token", async (_label, change) => {
    const { updatePatConnection } = await import("@/lib/data/connections");
    const id = await saved(`Wipe ${_label}`);
    expect(await updatePatConnection(scope, id, { ...edit, name: `Wipe ${_label}`, ...change }, null)).toEqual({ tokenWiped: true });
    expect(await sealedOf(id)).toBeNull();
    const row = await database.prisma.connection.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ tokenLastFour: null, status: "CREDENTIALS_MISSING" });
    const audit = await database.prisma.auditEvent.findFirstOrThrow({ where: { targetId: id, action: "connection.updated" } });
    expect(audit.data).toMatchObject({ moved: true, tokenWiped: true, tokenReplaced: false });
  });

  it("stores a new token that came with the new address", async () => {
    const { updatePatConnection, openConnectionToken } = await import("@/lib/data/connections");
    const id = await saved("New Token");
    expect(await updatePatConnection(scope, id, { ...edit, name: "New Token", collection: "contoso", token: OTHER_TOKEN }, check)).toEqual({ tokenWiped: false });
    expect(await openConnectionToken(scope, id)).toBe(OTHER_TOKEN);
    expect(await sealedOf(id)).not.toContain(OTHER_TOKEN);
  });
});

describe("openConnectionToken fails closed", () => {
  it("a sealed value copied from another row does not open; the connection is marked and audited", async () => {
    const { createPatConnection, openConnectionToken } = await import("@/lib/data/connections");
    const first = (await createPatConnection(scope, input(await draftWithToken(), "Row A"))).id;
    const second = (await createPatConnection(scope, input(await draftWithToken(OTHER_TOKEN), "Row B", OTHER_TOKEN))).id;
    const copied = await sealedOf(first);
    await database.prisma.$executeRaw`UPDATE "Connection" SET "tokenSealed" = ${copied} WHERE id = ${second}::uuid`;
    await expect(openConnectionToken(scope, second)).rejects.toMatchObject({ code: "PROVIDER_REJECTED" });
    const row = await database.prisma.connection.findUniqueOrThrow({ where: { id: second } });
    expect(row.status).toBe("CREDENTIALS_UNREADABLE");
    expect(await database.prisma.auditEvent.count({ where: { targetId: second, action: "connection.credentials_unreadable" } })).toBe(1);
  });

  it("a tampered cipher text does not open", async () => {
    const { createPatConnection, openConnectionToken } = await import("@/lib/data/connections");
    const id = (await createPatConnection(scope, input(await draftWithToken(), "Tampered"))).id;
    const sealed = (await sealedOf(id))!;
    const last = sealed.at(-2) === "A" ? "B" : "A";
    await database.prisma.$executeRaw`UPDATE "Connection" SET "tokenSealed" = ${`${sealed.slice(0, -2)}${last}${sealed.at(-1)}`} WHERE id = ${id}::uuid`;
    await expect(openConnectionToken(scope, id)).rejects.toMatchObject({ code: "PROVIDER_REJECTED" });
    expect((await database.prisma.connection.findUniqueOrThrow({ where: { id } })).status).toBe("CREDENTIALS_UNREADABLE");
  });

  it("another organization's connection looks missing", async () => {
    const { createPatConnection, openConnectionToken } = await import("@/lib/data/connections");
    const id = (await createPatConnection(scope, input(await draftWithToken(), "Elsewhere"))).id;
    const other = await database.prisma.organization.create({ data: { name: "Northwind" } });
    await expect(openConnectionToken({ organizationId: other.id, actor: scope.actor }, id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
