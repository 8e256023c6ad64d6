// Keel API tokens (lib/auth/README.md, "API tokens") against a real PostgreSQL: shown once and
// stored as a hash, acting as their owner with the owner's role of the moment, refused once
// revoked, expired, or when the owner is disabled or left; revoked by the owner or an admin.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countStatements, createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";

let database: TestDatabase;
let organizationId: string;
let otherOrganizationId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  organizationId = (await database.prisma.organization.create({ data: { name: "Fabrikam" } })).id;
  otherOrganizationId = (await database.prisma.organization.create({ data: { name: "Contoso" } })).id;
});
afterAll(async () => {
  await database.drop();
});

async function makeUser(email: string, role: "ADMIN" | "MEMBER" = "MEMBER", organization = organizationId) {
  const user = await database.prisma.user.create({
    data: { organizationId: organization, email, name: email.split("@")[0]!, memberships: { create: { organizationId: organization, role } } },
  });
  return { ...user, scope: testScope(organization, user.id, role) };
}

describe("API tokens", () => {
  it("shows a new token once and keeps only its hash, acting as its owner with the role they have now", async () => {
    const { authenticateApiToken, createApiToken, hashApiToken } = await import("./api-tokens");
    const owner = await makeUser("release@example.com");
    const created = await createApiToken(owner.scope, { name: "Release script", days: 30 });
    expect(created.token).toMatch(/^keel_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.token.slice(0, 11));
    const stored = await database.prisma.apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.tokenHash).toBe(hashApiToken(created.token));
    expect(JSON.stringify(stored)).not.toContain(created.token.slice(11));
    expect(stored.expiresAt.getTime() - Date.now()).toBeGreaterThan(29.9 * 86_400_000);
    expect(stored.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(30 * 86_400_000);

    const caller = await authenticateApiToken(created.token, "198.51.100.7");
    expect(caller).toMatchObject({ user: { id: owner.id, role: "MEMBER", organizationId }, scope: { organizationId, actor: { kind: "user", userId: owner.id, role: "MEMBER", apiToken: { id: created.id, name: "Release script" } } } });
    // The role is read on every request: a promotion (or demotion) applies to the very next one.
    await database.prisma.membership.updateMany({ where: { userId: owner.id }, data: { role: "ADMIN" } });
    expect(await authenticateApiToken(created.token, null)).toMatchObject({ user: { role: "ADMIN" } });
    // Last use: when and from where, written at most once a minute.
    const used = await database.prisma.apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(used).toMatchObject({ lastUsedIp: "198.51.100.7" });
    expect(Date.now() - used.lastUsedAt!.getTime()).toBeLessThan(60_000);

    const audit = await database.prisma.auditEvent.findFirstOrThrow({ where: { action: "api_token.created", targetId: created.id } });
    expect(audit.data).toMatchObject({ name: "Release script", prefix: created.prefix });
    expect(JSON.stringify(audit)).not.toContain(created.token);
  });

  it("checks a token in one round trip once its last use is recorded", async () => {
    const { authenticateApiToken, createApiToken } = await import("./api-tokens");
    const owner = await makeUser("one-trip@example.com");
    const { token } = await createApiToken(owner.scope, { name: "Poller", days: 30 });
    await authenticateApiToken(token, null);
    const { statements, result } = await countStatements(() => authenticateApiToken(token, null));
    expect(result).toMatchObject({ user: { id: owner.id } });
    // The lookup, and the last-use update that finds nothing to change within the minute.
    expect(statements).toBe(2);
  });

  it("refuses a made-up, expired, revoked token and one whose owner was disabled or left", async () => {
    const { authenticateApiToken, createApiToken, revokeApiToken } = await import("./api-tokens");
    const owner = await makeUser("refused@example.com");
    expect(await authenticateApiToken(`keel_${"A".repeat(43)}`, null)).toBe("unknown");

    const expiring = await createApiToken(owner.scope, { name: "Old", days: 30 });
    await database.prisma.apiToken.update({ where: { id: expiring.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await authenticateApiToken(expiring.token, null)).toBe("expired");

    const revoked = await createApiToken(owner.scope, { name: "Leaked", days: 30 });
    await revokeApiToken(owner.scope, revoked.id);
    expect(await authenticateApiToken(revoked.token, null)).toBe("unknown");
    expect(await database.prisma.auditEvent.findFirst({ where: { action: "api_token.revoked", targetId: revoked.id } })).toMatchObject({ data: { name: "Leaked", owner: "refused@example.com" } });

    const disabled = await createApiToken(owner.scope, { name: "Nightly", days: 30 });
    await database.prisma.user.update({ where: { id: owner.id }, data: { isActive: false } });
    expect(await authenticateApiToken(disabled.token, null)).toBe("unknown");
    await database.prisma.user.update({ where: { id: owner.id }, data: { isActive: true } });
    expect(await authenticateApiToken(disabled.token, null)).toMatchObject({ user: { id: owner.id } });
    await database.prisma.membership.deleteMany({ where: { userId: owner.id } });
    expect(await authenticateApiToken(disabled.token, null)).toBe("unknown");
  });

  it("lets the owner and admins revoke a token, not another member nor another organization", async () => {
    const { createApiToken, listApiTokens, revokeApiToken } = await import("./api-tokens");
    const owner = await makeUser("owner@example.com");
    const colleague = await makeUser("colleague@example.com");
    const admin = await makeUser("admin@example.com", "ADMIN");
    const stranger = await makeUser("stranger@example.com", "ADMIN", otherOrganizationId);
    const first = await createApiToken(owner.scope, { name: "First", days: 90 });
    const second = await createApiToken(owner.scope, { name: "Second", days: 90 });
    await createApiToken(colleague.scope, { name: "Colleague's", days: 90 });

    // Members see their own; admins everyone's, their own apart.
    expect((await listApiTokens(owner.scope)).own.map((token) => token.name)).toEqual(["Second", "First"]);
    expect((await listApiTokens(owner.scope)).others).toBeNull();
    const adminView = await listApiTokens(admin.scope);
    expect(adminView.own).toEqual([]);
    expect(adminView.others!.map((token) => `${token.owner.email}: ${token.name}`)).toEqual(expect.arrayContaining(["owner@example.com: First", "owner@example.com: Second", "colleague@example.com: Colleague's"]));
    expect((await listApiTokens(stranger.scope)).others!.some((token) => token.owner.email === "owner@example.com")).toBe(false);

    await expect(revokeApiToken(colleague.scope, first.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(revokeApiToken(stranger.scope, first.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await revokeApiToken(admin.scope, first.id);
    await revokeApiToken(owner.scope, second.id);
    expect(await database.prisma.apiToken.count({ where: { userId: owner.id } })).toBe(0);
    await expect(revokeApiToken(owner.scope, second.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("refuses a token past the most one person may hold", async () => {
    const { createApiToken } = await import("./api-tokens");
    const { MAX_API_TOKENS_PER_USER } = await import("@/lib/shared/api-tokens");
    const owner = await makeUser("collector@example.com");
    await Promise.all(Array.from({ length: MAX_API_TOKENS_PER_USER }, (_, index) => createApiToken(owner.scope, { name: `Token ${index}`, days: 30 })));
    await expect(createApiToken(owner.scope, { name: "One too many", days: 30 })).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("Revoke one") });
    expect(await database.prisma.apiToken.count({ where: { userId: owner.id } })).toBe(MAX_API_TOKENS_PER_USER);
  });

  it("names the token in the audit log of what a script did", async () => {
    const { recordAudit } = await import("./audit");
    const { authenticateApiToken, createApiToken } = await import("./api-tokens");
    const owner = await makeUser("scripted@example.com");
    const { token, id } = await createApiToken(owner.scope, { name: "Jenkins", days: 30 });
    const caller = await authenticateApiToken(token, null);
    if (typeof caller === "string") {
      throw new Error(`token refused: ${caller}`);
    }
    await recordAudit(caller.scope, { action: "build.started", targetType: "build", targetId: "b1", data: { number: 7 } });
    const event = await database.prisma.auditEvent.findFirstOrThrow({ where: { action: "build.started", targetId: "b1" } });
    expect(event).toMatchObject({ actorKind: "USER", actorId: owner.id, data: { number: 7, apiToken: "Jenkins", apiTokenId: id } });
  });

  it("reminds an active owner once, a week before the token ends, and deletes tokens long ended", async () => {
    const { createApiToken, pruneApiTokens, remindExpiringApiTokens } = await import("./api-tokens");
    const owner = await makeUser("reminded@example.com");
    const quiet = await makeUser("disabled@example.com");
    const soon = await createApiToken(owner.scope, { name: "Ends soon", days: 30 });
    const later = await createApiToken(owner.scope, { name: "Ends later", days: 30 });
    const disabledSoon = await createApiToken(quiet.scope, { name: "Nobody to tell", days: 30 });
    const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);
    await database.prisma.apiToken.update({ where: { id: soon.id }, data: { expiresAt: inDays(3) } });
    await database.prisma.apiToken.update({ where: { id: disabledSoon.id }, data: { expiresAt: inDays(3) } });
    await database.prisma.user.update({ where: { id: quiet.id }, data: { isActive: false } });

    expect(await remindExpiringApiTokens()).toBe(1);
    expect(await remindExpiringApiTokens()).toBe(0);
    const notice = await database.prisma.notification.findFirstOrThrow({ where: { kind: "api_token.expiring", organizationId } });
    expect(notice).toMatchObject({ recipientIds: [owner.id], data: { name: "Ends soon", prefix: soon.prefix, daysLeft: 3 } });
    const { noticePath, renderNotice } = await import("@/lib/notifications/render");
    expect(noticePath(notice)).toBe("/settings/api-tokens");
    expect(renderNotice(notice.kind, notice.data, "https://keel.example/settings/api-tokens")).toMatchObject({ subject: 'Keel: your API token "Ends soon" ends in 3 days', text: expect.stringContaining("Create a new token under Settings → API tokens") });

    await database.prisma.apiToken.update({ where: { id: later.id }, data: { expiresAt: inDays(-31) } });
    expect(await pruneApiTokens(30 * 86_400_000)).toBe(1);
    expect(await database.prisma.apiToken.findUnique({ where: { id: later.id } })).toBeNull();
    expect(await database.prisma.apiToken.findUnique({ where: { id: soon.id } })).not.toBeNull();
  });
});
