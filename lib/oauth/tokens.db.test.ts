import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_ENTRA_APP, DEFAULT_LEGACY_APP, DEFAULT_PROJECTS, DEFAULT_REPOS, DEFAULT_TENANT_ID, DEFAULT_USERS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { startEmulator, type EmulatorHandle } from "@/e2e/azure-devops-emulator/index";
import { bearer, request } from "@/e2e/azure-devops-emulator/test-support";
import { OAUTH_SCOPES } from "@/lib/azure-devops/scopes";
import { TEST_POLICY } from "@/lib/azure-devops/test-kit";
import { getEnv, resetEnvForTests } from "@/lib/env";
import type { Scope } from "@/lib/scope";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";
import { oauthProviderConfig, type OAuthProviderId } from "./config";
import { OAuthTokenError, refreshAccessToken } from "./token-endpoint";

// Token life against a real PostgreSQL and the emulator, whose refresh tokens rotate strictly
// (the old one is rejected once its successor is issued): a lost rotated refresh token would
// make every later refresh fail, so these tests would catch it.
//
// The concurrent callers below share no memory: each call reads the Account row, races for
// the lease with its own UPDATE and waits by polling PostgreSQL — exactly what separate Keel
// instances do (there is no in-process coordination to lean on).

let database: TestDatabase;
let handle: EmulatorHandle;
let userId: string;
let organizationId: string;
let scope: Scope;

beforeAll(async () => {
  handle = await startEmulator({ fixture: "default" });
  database = await createTestDatabase();
  resetEnvForTests({
    // The emulator issues tokens for the app's first registered callback: the legacy app's is
    // https://localhost:3000 (Azure DevOps takes https callbacks only); Entra's refresh ignores it.
    KEEL_PUBLIC_URL: "https://localhost:3000",
    AZURE_DEVOPS_VSSPS_URL: handle.servicesUrl,
    AZURE_DEVOPS_SERVICES_URL: handle.servicesUrl,
    ENTRA_AUTHORITY_URL: handle.servicesUrl,
    AZURE_DEVOPS_OAUTH_CLIENT_ID: DEFAULT_LEGACY_APP.clientId,
    AZURE_DEVOPS_OAUTH_CLIENT_SECRET: DEFAULT_LEGACY_APP.clientSecret,
    ENTRA_CLIENT_ID: DEFAULT_ENTRA_APP.clientId,
    ENTRA_CLIENT_SECRET: DEFAULT_ENTRA_APP.clientSecret,
    ENTRA_TENANT_ID: DEFAULT_TENANT_ID,
    KEEL_OUTBOUND_ALLOW_LOOPBACK: "true",
    KEEL_OUTBOUND_ALLOWLIST: "127.0.0.1,localhost",
    KEEL_OUTBOUND_ALLOW_HTTP: "127.0.0.1,localhost",
  });
  const organization = await database.prisma.organization.create({ data: { name: "Token Life" } });
  organizationId = organization.id;
  const user = await database.prisma.user.create({ data: { email: "ada@example.com", name: "Ada", passwordHash: "x", memberships: { create: { organizationId, role: "ADMIN" } } } });
  userId = user.id;
  scope = testScope(organizationId, userId);
});

beforeEach(() => {
  handle.reset();
});

afterAll(async () => {
  await database.drop();
  await handle.stop();
});

const EMULATOR_PROVIDER: Record<OAuthProviderId, "legacy" | "entra"> = { "azure-devops": "legacy", "microsoft-entra-id": "entra" };

/** A linked identity with tokens from the emulator, its access token already expired for Keel. */
async function linkedIdentity(provider: OAuthProviderId, options: { expired?: boolean } = {}) {
  // Granted what Keel's consent asks for (a refresh may not ask for more than was granted).
  const issued = await handle.control.issueOAuthToken({ provider: EMULATOR_PROVIDER[provider], userId: DEFAULT_USERS.alex.id, scopes: [...OAUTH_SCOPES.map((scope) => scope.id), ...(provider === "microsoft-entra-id" ? ["offline_access"] : [])] });
  const { insertSealedAccount } = await import("@/lib/data/oauth");
  const id = await insertSealedAccount({
    userId,
    type: "oauth",
    provider,
    providerAccountId: randomUUID(),
    access_token: issued.accessToken,
    refresh_token: issued.refreshToken,
    expires_at: Math.floor(Date.now() / 1000) + (options.expired === false ? 3600 : -10),
    token_type: "Bearer",
    id_token: "an.id.token",
  });
  return { id, accessToken: issued.accessToken, refreshToken: issued.refreshToken };
}

function tokenPosts(): number {
  return handle.control.requests({ method: "POST" }).filter((entry) => entry.path.endsWith("/token")).length;
}

async function row(id: string) {
  return database.prisma.account.findUniqueOrThrow({ where: { id }, select: { tokenVersion: true, refreshLeaseId: true, refreshLeaseUntil: true, refreshFailedAt: true, access_token: true, refresh_token: true, id_token: true } });
}

describe.each(["azure-devops", "microsoft-entra-id"] as const)("access tokens of a %s identity", (provider) => {
  const config = () => oauthProviderConfig(provider, getEnv())!;

  it("ten concurrent uses of an expired token refresh exactly once; everyone gets the stored, rotated result", async () => {
    const { getAccessTokenForAccount } = await import("./tokens");
    const { openAccountToken } = await import("@/lib/data/oauth");
    const identity = await linkedIdentity(provider);
    const versionBefore = (await row(identity.id)).tokenVersion;
    const before = tokenPosts();

    const results = await Promise.all(Array.from({ length: 10 }, () => getAccessTokenForAccount(scope, identity.id)));

    expect(tokenPosts() - before).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(results[0]).not.toBe(identity.accessToken);
    const stored = await row(identity.id);
    expect(stored.tokenVersion).toBe(versionBefore + 1);
    expect(stored.refreshLeaseId).toBeNull();
    // The new access token is the stored one and works on the API.
    expect((await openAccountToken(scope, identity.id, "access"))?.token).toBe(results[0]);
    expect((await request(`${handle.servicesUrl}/fabrikam/_apis/projects`, { headers: bearer(results[0]!) })).status).toBe(200);
    // The rotated refresh token was stored (the old one is dead at the provider, the stored one is alive).
    const rotated = (await openAccountToken(scope, identity.id, "refresh"))?.token;
    expect(rotated).toBeDefined();
    expect(rotated).not.toBe(identity.refreshToken);
    await expect(refreshAccessToken(config(), identity.refreshToken, { policy: TEST_POLICY })).rejects.toMatchObject({ kind: "invalid_grant" });
    await expect(refreshAccessToken(config(), rotated!, { policy: TEST_POLICY })).resolves.toMatchObject({ accessToken: expect.any(String) });
  });

  it("without single-flight, two refreshes of one refresh token lose one (what the test above guards against)", async () => {
    const identity = await linkedIdentity(provider);
    const outcomes = await Promise.allSettled([refreshAccessToken(config(), identity.refreshToken, { policy: TEST_POLICY }), refreshAccessToken(config(), identity.refreshToken, { policy: TEST_POLICY })]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    const rejected = outcomes.find((outcome) => outcome.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(OAuthTokenError);
    expect((rejected.reason as OAuthTokenError).kind).toBe("invalid_grant");
  });

  it("a forced refresh for a token that was already replaced hands out the replacement without refreshing again", async () => {
    const { getAccessTokenForAccount } = await import("./tokens");
    const identity = await linkedIdentity(provider, { expired: false });
    // The API refused the stored token: the first forced call refreshes…
    const renewed = await getAccessTokenForAccount(scope, identity.id, { forceRefresh: true, rejectedAccessToken: identity.accessToken });
    expect(renewed).not.toBe(identity.accessToken);
    const afterFirst = tokenPosts();
    // …a late request that was refused with the same old token gets the new one: no second refresh.
    expect(await getAccessTokenForAccount(scope, identity.id, { forceRefresh: true, rejectedAccessToken: identity.accessToken })).toBe(renewed);
    expect(tokenPosts()).toBe(afterFirst);
    // Refused with the current token, it refreshes again.
    const again = await getAccessTokenForAccount(scope, identity.id, { forceRefresh: true, rejectedAccessToken: renewed });
    expect(again).not.toBe(renewed);
    expect(tokenPosts()).toBe(afterFirst + 1);
  });

  it("a token that is still fresh is used as stored, without a token request", async () => {
    const { getAccessTokenForAccount } = await import("./tokens");
    const identity = await linkedIdentity(provider, { expired: false });
    const before = tokenPosts();
    expect(await getAccessTokenForAccount(scope, identity.id)).toBe(identity.accessToken);
    expect(tokenPosts()).toBe(before);
  });
});

describe("the refresh lease", () => {
  it("a caller waits for another instance's refresh instead of spending the refresh token itself", async () => {
    const { getAccessTokenForAccount } = await import("./tokens");
    const { acquireRefreshLease, commitRefreshedTokens } = await import("@/lib/data/oauth");
    const identity = await linkedIdentity("azure-devops");
    const { tokenVersion } = await row(identity.id);
    // "Another instance" takes the lease and refreshes slowly.
    expect(await acquireRefreshLease(scope, identity.id, tokenVersion, randomUUID(), 30_000)).toBe(true);
    const waiting = getAccessTokenForAccount(scope, identity.id);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const config = oauthProviderConfig("azure-devops", getEnv())!;
    const refreshed = await refreshAccessToken(config, identity.refreshToken, { policy: TEST_POLICY });
    const before = tokenPosts();
    expect(await commitRefreshedTokens(scope, identity.id, tokenVersion, { ...refreshed, tokenType: refreshed.tokenType, scope: refreshed.scope })).toBe(true);
    expect(await waiting).toBe(refreshed.accessToken);
    expect(tokenPosts()).toBe(before);
  });

  it("a lapsed lease (its holder crashed) is taken over", async () => {
    const { getAccessTokenForAccount } = await import("./tokens");
    const identity = await linkedIdentity("azure-devops");
    await database.prisma.account.update({ where: { id: identity.id }, data: { refreshLeaseId: randomUUID(), refreshLeaseUntil: new Date(Date.now() - 1_000) } });
    const before = tokenPosts();
    const token = await getAccessTokenForAccount(scope, identity.id);
    expect(token).not.toBe(identity.accessToken);
    expect(tokenPosts() - before).toBe(1);
  });

  it("a lease is not taken once a refresh failed for good, even by a caller that read the row before", async () => {
    const { acquireRefreshLease, markRefreshFailed } = await import("@/lib/data/oauth");
    const identity = await linkedIdentity("azure-devops");
    const { tokenVersion } = await row(identity.id);
    // Another request held the lease and the provider refused its refresh token.
    expect(await acquireRefreshLease(scope, identity.id, tokenVersion, randomUUID(), 30_000)).toBe(true);
    await markRefreshFailed(scope, identity.id, tokenVersion, "invalid_grant");
    expect(await acquireRefreshLease(scope, identity.id, tokenVersion, randomUUID(), 30_000)).toBe(false);
  });

  it("a refresh never overwrites newer tokens from a re-authorization", async () => {
    const { acquireRefreshLease, commitRefreshedTokens, storeConsentTokens, openAccountToken } = await import("@/lib/data/oauth");
    const identity = await linkedIdentity("azure-devops");
    const account = await database.prisma.account.findUniqueOrThrow({ where: { id: identity.id } });
    const { tokenVersion } = await row(identity.id);
    expect(await acquireRefreshLease(scope, identity.id, tokenVersion, randomUUID(), 30_000)).toBe(true);
    await storeConsentTokens(scope, { provider: account.provider, providerAccountId: account.providerAccountId }, { accessToken: "from-consent", refreshToken: "consent-refresh", expiresAt: 2_000_000_000, tokenType: "Bearer", scope: null }, { displayName: null, uniqueName: null });
    expect(await commitRefreshedTokens(scope, identity.id, tokenVersion, { accessToken: "from-refresh", refreshToken: "refresh-refresh", expiresAt: 2_000_000_000, tokenType: "Bearer", scope: null })).toBe(false);
    expect((await openAccountToken(scope, identity.id, "access"))?.token).toBe("from-consent");
    expect((await openAccountToken(scope, identity.id, "refresh"))?.token).toBe("consent-refresh");
  });
});

describe("a grant that is gone", () => {
  it("a revoked grant: needs re-authorization, the connection says so and keeps its profiles, nothing is retried", async () => {
    const { getAccessTokenForAccount, isNeedsReauthorization } = await import("./tokens");
    const identity = await linkedIdentity("azure-devops");
    const connection = await database.prisma.connection.create({
      data: {
        organizationId,
        name: "Fabrikam",
        nameKey: "fabrikam",
        deploymentType: "SERVICES",
        authMethod: "OAUTH",
        serverUrl: handle.servicesUrl!,
        collection: "fabrikam",
        accountId: identity.id,
        oauthProvider: "azure-devops",
      },
    });
    const profile = await database.prisma.buildProfile.create({
      data: {
        organizationId,
        connectionId: connection.id,
        name: "iOS",
        nameKey: "ios",
        platform: "IOS",
        projectId: DEFAULT_PROJECTS.mobileIos.id,
        projectName: DEFAULT_PROJECTS.mobileIos.name,
        repositoryId: DEFAULT_REPOS.walletApp.id,
        repositoryName: DEFAULT_REPOS.walletApp.name,
        idempotencyKey: randomUUID(),
      },
    });
    handle.control.revokeGrants({ userId: DEFAULT_USERS.alex.id, clientId: DEFAULT_LEGACY_APP.clientId });

    const error = await getAccessTokenForAccount(scope, identity.id).catch((caught: unknown) => caught);
    expect(isNeedsReauthorization(error)).toBe(true);
    const after = await database.prisma.connection.findUniqueOrThrow({ where: { id: connection.id } });
    expect(after.status).toBe("NEEDS_REAUTH");
    expect(after.accountId).toBe(identity.id);
    expect((await database.prisma.buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).connectionId).toBe(connection.id);
    expect((await row(identity.id)).refreshFailedAt).not.toBeNull();
    expect(await database.prisma.auditEvent.count({ where: { action: "connection.status_changed", targetId: connection.id } })).toBe(1);

    const before = tokenPosts();
    expect(isNeedsReauthorization(await getAccessTokenForAccount(scope, identity.id).catch((caught: unknown) => caught))).toBe(true);
    expect(tokenPosts()).toBe(before);
    await database.prisma.buildProfile.delete({ where: { id: profile.id } });
    await database.prisma.connection.delete({ where: { id: connection.id } });
  });

  it("another organization's scope does not reach the identity: no token handed out, nothing refreshed", async () => {
    const { getAccessTokenForAccount, isNeedsReauthorization } = await import("./tokens");
    const identity = await linkedIdentity("azure-devops");
    const other = await database.prisma.organization.create({ data: { name: "Elsewhere" } });
    const outsider = await database.prisma.user.create({ data: { email: `outsider-${randomUUID().slice(0, 6)}@example.com`, name: "O", passwordHash: "x", memberships: { create: { organizationId: other.id, role: "ADMIN" } } } });
    const before = tokenPosts();
    const versionBefore = (await row(identity.id)).tokenVersion;
    expect(isNeedsReauthorization(await getAccessTokenForAccount(testScope(other.id, outsider.id), identity.id).catch((caught: unknown) => caught))).toBe(true);
    expect(tokenPosts()).toBe(before);
    expect((await row(identity.id)).tokenVersion).toBe(versionBefore);
    // The organization's own scope still gets it.
    expect(await getAccessTokenForAccount(scope, identity.id)).toEqual(expect.any(String));
  });

  it("an unlinked identity (deleted Account) needs re-authorization", async () => {
    const { getAccessTokenForAccount, isNeedsReauthorization } = await import("./tokens");
    expect(isNeedsReauthorization(await getAccessTokenForAccount(scope, randomUUID()).catch((caught: unknown) => caught))).toBe(true);
  });
});

describe("tokens at rest", () => {
  it("are sealed and bound to their row and column; the ID token is never stored", async () => {
    const { openSecret } = await import("@/lib/secrets");
    const identity = await linkedIdentity("microsoft-entra-id");
    const stored = await row(identity.id);
    expect(stored.id_token).toBeNull();
    for (const [column, plain] of [
      ["access_token", identity.accessToken],
      ["refresh_token", identity.refreshToken],
    ] as const) {
      const sealed = stored[column]!;
      expect(sealed.startsWith("v1:")).toBe(true);
      expect(sealed).not.toContain(plain);
      expect(openSecret({ table: "Account", column }, identity.id, sealed)).toBe(plain);
      expect(() => openSecret({ table: "Account", column }, randomUUID(), sealed)).toThrow();
    }
    expect(() => openSecret({ table: "Account", column: "refresh_token" }, identity.id, stored.access_token!)).toThrow();
  });
});
