import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";

// The wrapped next-auth adapter: OAuth may only link identities to existing Keel users.
let database: TestDatabase;
let userId: string;
let organizationId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const organization = await database.prisma.organization.create({ data: { name: "Adapter" } });
  const user = await database.prisma.user.create({ data: { email: "ada@example.com", name: "Ada", organizationId: organization.id, passwordHash: "secret-hash", memberships: { create: { organizationId: organization.id, role: "ADMIN" } } } });
  userId = user.id;
  organizationId = organization.id;
});

afterAll(async () => {
  await database.drop();
});

describe("Keel's auth adapter", () => {
  it("never creates or updates users, and never finds one by email", async () => {
    const { keelAuthAdapter } = await import("./oauth");
    const adapter = keelAuthAdapter();
    expect(() => adapter.createUser!({ email: "new@example.com", emailVerified: null })).toThrow(/does not create users/);
    expect(() => adapter.updateUser!({ id: userId, name: "x" })).toThrow();
    expect(await adapter.getUserByEmail!("ada@example.com")).toBeNull();
    expect(await database.prisma.user.count()).toBe(1);
  });

  it("returns the user by id, without the password hash", async () => {
    const { keelAuthAdapter } = await import("./oauth");
    const user = (await keelAuthAdapter().getUser!(userId)) as unknown as Record<string, unknown>;
    expect(user).toMatchObject({ id: userId, email: "ada@example.com" });
    expect(user).not.toHaveProperty("passwordHash");
    expect(await keelAuthAdapter().getUser!(randomUUID())).toBeNull();
  });

  it("links an account with its tokens sealed to the new row and drops the ID token", async () => {
    const { keelAuthAdapter } = await import("./oauth");
    const { openSecret } = await import("@/lib/secrets");
    const adapter = keelAuthAdapter();
    await adapter.linkAccount!({
      userId,
      type: "oauth",
      provider: "azure-devops",
      providerAccountId: "member-1",
      access_token: "access-plain",
      refresh_token: "refresh-plain",
      id_token: "id-plain",
      expires_at: 2_000_000_000,
      token_type: "jwt-bearer",
      scope: "vso.code",
      ext_expires_in: 3600,
    } as never);
    const row = await database.prisma.account.findFirstOrThrow({
      where: { providerAccountId: "member-1" },
      select: { id: true, userId: true, expires_at: true, tokenVersion: true, id_token: true, access_token: true, refresh_token: true },
    });
    expect(row.id_token).toBeNull();
    expect(row.access_token).not.toContain("access-plain");
    expect(openSecret({ table: "Account", column: "access_token" }, row.id, row.access_token!)).toBe("access-plain");
    expect(openSecret({ table: "Account", column: "refresh_token" }, row.id, row.refresh_token!)).toBe("refresh-plain");
    expect(row).toMatchObject({ userId, expires_at: 2_000_000_000, tokenVersion: 1 });
    expect((await adapter.getUserByAccount!({ provider: "azure-devops", providerAccountId: "member-1" }))?.id).toBe(userId);
    // The global omit keeps token columns out of ordinary reads.
    const { db } = await import("@/lib/db");
    expect(await db.account.findFirst({ where: { id: row.id } })).not.toHaveProperty("access_token");
  });

  it("consent tokens for an identity linked to someone else are refused", async () => {
    const { storeConsentTokens } = await import("./oauth");
    const other = await database.prisma.user.create({ data: { email: "eve@example.com", name: "Eve" } });
    await expect(
      storeConsentTokens(testScope(organizationId, other.id), { provider: "azure-devops", providerAccountId: "member-1" }, { accessToken: "a", refreshToken: "r", expiresAt: 1, tokenType: null, scope: null }, { displayName: null, uniqueName: null }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
