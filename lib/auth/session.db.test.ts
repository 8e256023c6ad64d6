import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

async function makeUser(email: string, role: "ADMIN" | "MEMBER" = "MEMBER") {
  const organization = (await database.prisma.organization.findFirst()) ?? (await database.prisma.organization.create({ data: { name: "Fabrikam" } }));
  return database.prisma.user.create({
    data: { email, name: email.split("@")[0]!, passwordHash: "x", memberships: { create: { organizationId: organization.id, role } } },
  });
}

describe("session version check (getSessionUser)", () => {
  it("accepts the current version and refuses any other", async () => {
    const { getSessionUser } = await import("@/lib/data/users");
    const user = await makeUser("version@example.com");
    expect((await getSessionUser(user.id, 1))?.email).toBe("version@example.com");
    expect(await getSessionUser(user.id, 2)).toBeNull();
    expect(await getSessionUser(user.id, 0)).toBeNull();
  });

  it("checks a session in one round trip: user, membership and organization in one statement", async () => {
    const { getSessionUser } = await import("@/lib/data/users");
    const user = await makeUser("round-trip@example.com", "ADMIN");
    // The first call opens the pool's connection; count the statements of the next one. A spy,
    // not a mock: every statement still reaches PostgreSQL.
    await getSessionUser(user.id, 1);
    const statements = vi.spyOn(pg.Client.prototype, "query");
    try {
      expect(await getSessionUser(user.id, 1)).toMatchObject({ email: "round-trip@example.com", role: "ADMIN", organizationName: expect.any(String) });
      expect(statements).toHaveBeenCalledTimes(1);
    } finally {
      statements.mockRestore();
    }
  });

  it("ends sessions when the user signs out everywhere", async () => {
    const { bumpSessionVersion, getSessionUser } = await import("@/lib/data/users");
    const user = await makeUser("everywhere@example.com");
    const organizationId = (await database.prisma.membership.findFirstOrThrow({ where: { userId: user.id } })).organizationId;
    await bumpSessionVersion(testScope(organizationId, user.id, "MEMBER"));
    expect(await getSessionUser(user.id, 1)).toBeNull();
    expect(await getSessionUser(user.id, 2)).not.toBeNull();
  });

  it("ends sessions of a disabled user at once", async () => {
    const { setMemberActive } = await import("@/lib/data/members");
    const { getSessionUser } = await import("@/lib/data/users");
    const admin = await makeUser("admin-disable@example.com", "ADMIN");
    const member = await makeUser("disabled@example.com");
    const organizationId = (await database.prisma.membership.findFirstOrThrow({ where: { userId: member.id } })).organizationId;
    await setMemberActive(testScope(organizationId, admin.id), { userId: member.id, isActive: false });
    expect(await getSessionUser(member.id, 1)).toBeNull();
    expect(await getSessionUser(member.id, 2)).toBeNull();
    const audit = await database.prisma.auditEvent.findFirst({ where: { action: "member.disabled", targetId: member.id } });
    expect(audit?.actorId).toBe(admin.id);
  });

  it("applies a role change to open sessions at once", async () => {
    const { changeMemberRole } = await import("@/lib/data/members");
    const { getSessionUser } = await import("@/lib/data/users");
    const admin = await makeUser("admin-role@example.com", "ADMIN");
    const member = await makeUser("promoted@example.com");
    const organizationId = (await database.prisma.membership.findFirstOrThrow({ where: { userId: member.id } })).organizationId;
    expect((await getSessionUser(member.id, 1))?.role).toBe("MEMBER");
    await changeMemberRole(testScope(organizationId, admin.id), { userId: member.id, role: "ADMIN" });
    // Same session (version 1), new role: read live on every request.
    expect((await getSessionUser(member.id, 1))?.role).toBe("ADMIN");
    await changeMemberRole(testScope(organizationId, admin.id), { userId: member.id, role: "MEMBER" });
    expect((await getSessionUser(member.id, 1))?.role).toBe("MEMBER");
  });

  it("never leaves an organization without an admin", async () => {
    const { changeMemberRole } = await import("@/lib/data/members");
    const organization = await database.prisma.organization.create({ data: { name: "Solo" } });
    const only = await database.prisma.user.create({
      data: { email: "only-admin@example.com", name: "Only", passwordHash: "x", memberships: { create: { organizationId: organization.id, role: "ADMIN" } } },
    });
    await expect(changeMemberRole(testScope(organization.id, only.id), { userId: only.id, role: "MEMBER" })).rejects.toThrow(/at least one admin/);
    const membership = await database.prisma.membership.findFirstOrThrow({ where: { userId: only.id } });
    expect(membership.role).toBe("ADMIN");
  });

  it("rate-limits sign-in per account with a clear verdict", async () => {
    const { verifySignIn, SIGN_IN_LIMITS } = await import("./sign-in");
    const { hashPassword } = await import("./password");
    const organization = await database.prisma.organization.findFirstOrThrow();
    await database.prisma.user.create({
      data: { email: "limited@example.com", name: "L", passwordHash: await hashPassword("right password here"), memberships: { create: { organizationId: organization.id, role: "MEMBER" } } },
    });
    for (let i = 0; i < SIGN_IN_LIMITS.perAccount; i++) {
      expect((await verifySignIn({ email: "limited@example.com", password: `wrong-${i}` }, `198.51.100.${i}`)).ok).toBe(false);
    }
    const blocked = await verifySignIn({ email: "limited@example.com", password: "right password here" }, "203.0.113.9");
    expect(blocked).toMatchObject({ ok: false, code: "RATE_LIMITED" });
    expect(blocked.ok === false && blocked.code === "RATE_LIMITED" && blocked.retryAfterSeconds).toBeGreaterThan(0);
  });

  it("answers the same for an unknown email and a wrong password", async () => {
    const { verifySignIn } = await import("./sign-in");
    const unknown = await verifySignIn({ email: "nobody@example.com", password: "whatever password" }, "192.0.2.10");
    const wrong = await verifySignIn({ email: "version@example.com", password: "whatever password" }, "192.0.2.11");
    expect(unknown).toEqual({ ok: false, code: "INVALID_CREDENTIALS" });
    expect(wrong).toEqual({ ok: false, code: "INVALID_CREDENTIALS" });
  });

  it("validates sign-in input with field errors", async () => {
    const { verifySignIn } = await import("./sign-in");
    const result = await verifySignIn({ email: "not-an-email", password: "x".repeat(1_000_000) }, "192.0.2.12");
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.code === "INVALID_INPUT" && Object.keys(result.fieldErrors).sort()).toEqual(["email", "password"]);
  });
});
