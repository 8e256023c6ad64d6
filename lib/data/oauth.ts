import "server-only";
import { randomUUID } from "node:crypto";
import { PrismaAdapter } from "@next-auth/prisma-adapter";
import type { Adapter, AdapterAccount, AdapterUser } from "next-auth/adapters";
import { SecretUnreadableError } from "@/lib/crypto";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { requireUserActor, type Scope } from "@/lib/scope";
import { openSecret, sealSecret } from "@/lib/secrets";
import { recordAudit } from "./audit";
import { writeConnectionStatus } from "./connection-status";

// Linked OAuth identities (next-auth's Account rows) and their sealed tokens.
//
// Every token write goes through this file, sealed with AAD bound to the Account row id and
// column (lib/secrets.ts), so a value copied to another row or column does not open. The ID
// token is never stored. `tokenVersion` orders writes: a refresh commits only over the version
// it started from, so a rotated refresh token is never overwritten by an older one.

// An identity belongs to a person, not to an organization: the scope reaches the identities of
// its organization's members (a member's picker uses the identity of the admin who connected).
function accountInScope(scope: Scope): Prisma.AccountWhereInput {
  return { user: { memberships: { some: { organizationId: scope.organizationId } } } };
}

/** The same condition for raw SQL on "Account" (the statement must read "Account" unaliased). */
function accountInScopeSql(scope: Scope): Prisma.Sql {
  return Prisma.sql`EXISTS (SELECT 1 FROM "Membership" m WHERE m."userId" = "Account"."userId" AND m."organizationId" = ${scope.organizationId}::uuid)`;
}

const ACCESS = { table: "Account", column: "access_token" } as const;
const REFRESH = { table: "Account", column: "refresh_token" } as const;

/** Tokens to store for an identity (plaintext in memory only; sealed before they reach PostgreSQL). */
export type AccountTokens = {
  accessToken: string;
  refreshToken: string | null;
  /** Epoch seconds. */
  expiresAt: number;
  tokenType: string | null;
  scope: string | null;
};

function adapterUser(user: { id: string; email: string; name: string }): AdapterUser {
  return { id: user.id, email: user.email, name: user.name, emailVerified: null };
}

const refuse = (what: string) => () => {
  throw new Error(`Keel's auth adapter does not ${what}: OAuth only links identities to signed-in Keel users.`);
};

/**
 * next-auth's Prisma adapter, wrapped so that OAuth can only ever *link*: no user is created or
 * updated from a provider profile, no user is found by email, and `linkAccount` stores the
 * tokens sealed (the row id is generated first, because the AAD binds to it) and drops the
 * ID token. Sessions are JWTs, so the session and verification-token methods are refused.
 */
export function keelAuthAdapter(): Adapter {
  const base = PrismaAdapter(db as never);
  return {
    createUser: refuse("create users"),
    updateUser: refuse("update users"),
    deleteUser: refuse("delete users"),
    async getUser(id) {
      const user = await db.user.findFirst({ where: { id, isActive: true }, select: { id: true, email: true, name: true } });
      return user ? adapterUser(user) : null;
    },
    // Never match a Keel user by the provider's email: identity is provider + account id only.
    getUserByEmail: async () => null,
    async getUserByAccount(key) {
      const user = await base.getUserByAccount!(key);
      if (!user) {
        return null;
      }
      const row = await db.user.findFirst({ where: { id: user.id }, select: { id: true, email: true, name: true } });
      return row ? adapterUser(row) : null;
    },
    async linkAccount(account: AdapterAccount) {
      await insertSealedAccount(account);
    },
    unlinkAccount: base.unlinkAccount,
    createSession: refuse("keep database sessions"),
    getSessionAndUser: refuse("keep database sessions"),
    updateSession: refuse("keep database sessions"),
    deleteSession: refuse("keep database sessions"),
    createVerificationToken: refuse("send sign-in emails"),
    useVerificationToken: refuse("send sign-in emails"),
  };
}

/** Inserts a newly linked identity with its tokens sealed; the ID token is dropped. */
export async function insertSealedAccount(account: AdapterAccount): Promise<string> {
  const id = randomUUID();
  const access = typeof account.access_token === "string" ? account.access_token : null;
  const refresh = typeof account.refresh_token === "string" ? account.refresh_token : null;
  // Only known columns: provider responses carry extra fields (ext_expires_in…), and the
  // ID token is deliberately not one of the columns written.
  await db.account.create({
    data: {
      id,
      userId: account.userId,
      type: account.type,
      provider: account.provider,
      providerAccountId: account.providerAccountId,
      access_token: access === null ? null : sealSecret(ACCESS, id, access),
      refresh_token: refresh === null ? null : sealSecret(REFRESH, id, refresh),
      expires_at: typeof account.expires_at === "number" ? Math.floor(account.expires_at) : null,
      token_type: typeof account.token_type === "string" ? account.token_type.slice(0, 64) : null,
      scope: typeof account.scope === "string" ? account.scope.slice(0, 4_000) : null,
      id_token: null,
      tokenVersion: 1,
    },
  });
  return id;
}

/** The linked identity of a provider account, or null. Global by nature: a provider identity is linked to one Keel user anywhere. */
export async function findLinkedAccount(provider: string, providerAccountId: string): Promise<{ id: string; userId: string } | null> {
  return db.account.findUnique({ where: { provider_providerAccountId: { provider, providerAccountId } }, select: { id: true, userId: true } });
}

/**
 * Stores fresh tokens from a consent (first link or re-authorization) for the user's identity,
 * bumps its version (an in-flight refresh started from the old tokens will not overwrite them)
 * and clears any refresh failure. Returns the Account id.
 */
export async function storeConsentTokens(
  scope: Scope,
  key: { provider: string; providerAccountId: string },
  tokens: AccountTokens,
  identity: { displayName: string | null; uniqueName: string | null },
): Promise<string> {
  const userId = requireUserActor(scope).userId;
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ id: string; userId: string }[]>`
      SELECT id, "userId" FROM "Account" WHERE provider = ${key.provider} AND "providerAccountId" = ${key.providerAccountId} AND ${accountInScopeSql(scope)} FOR UPDATE`;
    const row = rows[0];
    if (!row || row.userId !== userId) {
      throw new AppError("FORBIDDEN", "This Azure DevOps identity is not linked to you.");
    }
    await tx.account.update({
      where: { id: row.id },
      data: {
        ...sealedColumns(row.id, tokens),
        tokenVersion: { increment: 1 },
        refreshLeaseId: null,
        refreshLeaseUntil: null,
        refreshFailedAt: null,
        refreshFailure: null,
        displayName: identity.displayName?.slice(0, 200) ?? null,
        uniqueName: identity.uniqueName?.slice(0, 320) ?? null,
      },
    });
    return row.id;
  });
}

function sealedColumns(id: string, tokens: AccountTokens) {
  return {
    access_token: sealSecret(ACCESS, id, tokens.accessToken),
    // A provider that sends no new refresh token leaves the stored one in place.
    ...(tokens.refreshToken === null ? {} : { refresh_token: sealSecret(REFRESH, id, tokens.refreshToken) }),
    expires_at: tokens.expiresAt,
    token_type: tokens.tokenType?.slice(0, 64) ?? null,
    scope: tokens.scope?.slice(0, 4_000) ?? null,
    id_token: null,
  };
}

export type AccountTokenState = {
  id: string;
  userId: string;
  provider: string;
  expiresAt: number | null;
  tokenVersion: number;
  hasRefreshToken: boolean;
  leaseActive: boolean;
  refreshFailedAt: Date | null;
  refreshFailure: string | null;
};

/** The token bookkeeping of an identity in the scope (never the tokens themselves), or null. */
export async function getAccountTokenState(scope: Scope, accountId: string): Promise<AccountTokenState | null> {
  const rows = await db.$queryRaw<
    { id: string; userId: string; provider: string; expires_at: number | null; tokenVersion: number; hasRefresh: boolean; leaseActive: boolean; refreshFailedAt: Date | null; refreshFailure: string | null }[]
  >`
    SELECT id, "userId", provider, expires_at, "tokenVersion",
           (refresh_token IS NOT NULL) AS "hasRefresh",
           ("refreshLeaseUntil" IS NOT NULL AND "refreshLeaseUntil" > now()) AS "leaseActive",
           "refreshFailedAt", "refreshFailure"
    FROM "Account" WHERE id = ${accountId}::uuid AND ${accountInScopeSql(scope)}`;
  const row = rows[0];
  if (!row) {
    return null;
  }
  return {
    id: row.id,
    userId: row.userId,
    provider: row.provider,
    expiresAt: row.expires_at,
    tokenVersion: row.tokenVersion,
    hasRefreshToken: row.hasRefresh,
    leaseActive: row.leaseActive,
    refreshFailedAt: row.refreshFailedAt,
    refreshFailure: row.refreshFailure,
  };
}

/** Opens one of an identity's tokens right before it is used. Throws SecretUnreadableError (fail closed). */
export async function openAccountToken(scope: Scope, accountId: string, which: "access" | "refresh", expectedVersion?: number): Promise<{ token: string; tokenVersion: number } | null> {
  // An explicit select overrides lib/db.ts's global omit of the token columns.
  const row = await db.account.findFirst({ where: { id: accountId, ...accountInScope(scope) }, select: { id: true, tokenVersion: true, access_token: true, refresh_token: true } });
  if (!row || (expectedVersion !== undefined && row.tokenVersion !== expectedVersion)) {
    return null;
  }
  const sealed = which === "access" ? row.access_token : row.refresh_token;
  if (!sealed) {
    return null;
  }
  return { token: openSecret(which === "access" ? ACCESS : REFRESH, row.id, sealed), tokenVersion: row.tokenVersion };
}

/**
 * Takes the refresh lease of an identity if nobody holds it, its tokens are still at `version`
 * and no refresh has failed for good meanwhile (a request that read the row just before another
 * one's refusal must not send the revoked refresh token again). One atomic UPDATE, database
 * clock: no transaction stays open while the holder calls the identity provider. True when this
 * caller now holds it.
 */
export async function acquireRefreshLease(scope: Scope, accountId: string, version: number, leaseId: string, leaseMs: number): Promise<boolean> {
  const taken = await db.$executeRaw`
    UPDATE "Account"
    SET "refreshLeaseId" = ${leaseId}::uuid, "refreshLeaseUntil" = now() + make_interval(secs => ${leaseMs / 1000})
    WHERE id = ${accountId}::uuid AND "tokenVersion" = ${version} AND ${accountInScopeSql(scope)}
      AND ("refreshLeaseUntil" IS NULL OR "refreshLeaseUntil" < now()) AND "refreshFailedAt" IS NULL`;
  return taken === 1;
}

/** Gives the lease back without new tokens (the refresh failed for a passing reason). */
export async function releaseRefreshLease(scope: Scope, accountId: string, leaseId: string): Promise<void> {
  await db.$executeRaw`
    UPDATE "Account" SET "refreshLeaseId" = NULL, "refreshLeaseUntil" = NULL
    WHERE id = ${accountId}::uuid AND "refreshLeaseId" = ${leaseId}::uuid AND ${accountInScopeSql(scope)}`;
}

/**
 * Stores refreshed tokens — the rotated refresh token above all — over `version`, under a row
 * lock held only for this short write. False when the tokens moved on meanwhile (a
 * re-authorization stored newer ones): then nothing is written and the caller re-reads.
 */
export async function commitRefreshedTokens(scope: Scope, accountId: string, version: number, tokens: AccountTokens): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ tokenVersion: number }[]>`SELECT "tokenVersion" FROM "Account" WHERE id = ${accountId}::uuid AND ${accountInScopeSql(scope)} FOR UPDATE`;
    if (rows[0]?.tokenVersion !== version) {
      return false;
    }
    await tx.account.update({
      where: { id: accountId },
      data: { ...sealedColumns(accountId, tokens), tokenVersion: version + 1, refreshLeaseId: null, refreshLeaseUntil: null, refreshFailedAt: null, refreshFailure: null },
    });
    return true;
  });
}

const NEEDS_REAUTH_REASON = "Azure DevOps no longer accepts Keel's authorization (it was revoked or expired). An admin must re-authorize.";

/**
 * Records that the identity's grant is gone (refresh refused for good): every connection using
 * it becomes "needs re-authorization" (their build profiles stay bound), and it is audited.
 * Skipped when the tokens moved on meanwhile (a re-authorization won the race).
 */
export async function markRefreshFailed(scope: Scope, accountId: string, version: number, failure: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ tokenVersion: number }[]>`SELECT "tokenVersion" FROM "Account" WHERE id = ${accountId}::uuid AND ${accountInScopeSql(scope)} FOR UPDATE`;
    if (rows[0]?.tokenVersion !== version) {
      return;
    }
    await tx.account.update({
      where: { id: accountId },
      data: { refreshFailedAt: new Date(), refreshFailure: failure.slice(0, 300), refreshLeaseId: null, refreshLeaseUntil: null },
    });
    const connections = await tx.connection.findMany({ where: { accountId, organizationId: scope.organizationId }, select: { id: true } });
    for (const connection of connections) {
      await writeConnectionStatus(tx, scope, connection.id, { status: "NEEDS_REAUTH", reason: NEEDS_REAUTH_REASON, source: "oauth_refresh", finding: failure.slice(0, 100) });
    }
  });
}

/** Marks one connection "needs re-authorization" (its identity is gone or its tokens unreadable). */
export async function markConnectionNeedsReauth(scope: Scope, connectionId: string, reason: string): Promise<void> {
  await db.$transaction((tx) => writeConnectionStatus(tx, scope, connectionId, { status: "NEEDS_REAUTH", reason, source: "credentials" }));
}

/** Audits a token that could not be opened (key missing, value damaged) without using it. */
export async function recordUnreadableAccountToken(scope: Scope, accountId: string, error: SecretUnreadableError): Promise<void> {
  const connections = await db.connection.findMany({ where: { accountId, organizationId: scope.organizationId }, select: { id: true } });
  for (const connection of connections) {
    await db.$transaction(async (tx) => {
      await writeConnectionStatus(tx, scope, connection.id, {
        status: "NEEDS_REAUTH",
        reason: "Keel cannot decrypt the stored OAuth tokens (its encryption key is missing or the value is damaged). An admin must re-authorize.",
        source: "credentials",
      });
      await recordAudit(scope, { action: "connection.credentials_unreadable", targetType: "connection", targetId: connection.id, data: { reason: error.reason, keyId: error.keyId ?? null } }, tx);
    });
  }
}

export type LinkedIdentity = { id: string; provider: string; displayName: string | null; uniqueName: string | null; updatedAt: Date; needsReauth: boolean };


/** One identity of the scope's user (display fields), or null when it is not theirs. */
export async function getLinkedIdentity(scope: Scope, accountId: string): Promise<LinkedIdentity | null> {
  const row = await db.account.findFirst({
    where: { id: accountId, userId: requireUserActor(scope).userId, ...accountInScope(scope) },
    select: { id: true, provider: true, displayName: true, uniqueName: true, updatedAt: true, refreshFailedAt: true },
  });
  return row ? { id: row.id, provider: row.provider, displayName: row.displayName, uniqueName: row.uniqueName, updatedAt: row.updatedAt, needsReauth: row.refreshFailedAt !== null } : null;
}

/** The provider's id of an identity (the Azure DevOps member id for both providers). */
export async function getAccountProviderAccountId(scope: Scope, accountId: string): Promise<string> {
  const row = await db.account.findFirst({ where: { id: accountId, ...accountInScope(scope) }, select: { providerAccountId: true } });
  if (!row) {
    throw new AppError("NOT_FOUND", "The Azure DevOps identity is no longer linked. Authorize again.");
  }
  return row.providerAccountId;
}

// ---------------------------------------------------------------------------------------------
// The wizard draft's OAuth fields.

/** An organization the linked identity reaches, as the wizard lists it (no secrets). */
export type ReachableOrganization = {
  name: string;
  id: string;
  /** Projects the identity sees, null when listing them failed. */
  projects: number | null;
  projectsMore: boolean;
  /** Why the projects could not be listed: the org's OAuth policy, or another problem. */
  problem?: "oauth_policy" | "error";
  problemText?: string;
};

/** Remembers which provider the admin chose before leaving for its consent page. */
export async function setDraftOAuthProvider(scope: Scope, draftId: string, provider: string): Promise<void> {
  const updated = await db.connectDraft.updateMany({ where: { id: draftId, organizationId: scope.organizationId, userId: requireUserActor(scope).userId }, data: { authMethod: "OAUTH", oauthProvider: provider } });
  if (updated.count !== 1) {
    throw new AppError("NOT_FOUND", "This connection setup has expired or does not exist. Start connecting again.");
  }
}

/** The organization list stored in a draft: what was found, or why listing failed. */
export type OrganizationList = { items: ReachableOrganization[]; error: string | null };

/** Binds the identity linked by consent to the draft, with the organizations it reaches. */
export async function bindDraftIdentity(scope: Scope, draftId: string, accountId: string, organizations: OrganizationList): Promise<void> {
  const userId = requireUserActor(scope).userId;
  const owned = await db.account.count({ where: { id: accountId, userId } });
  if (owned !== 1) {
    throw new AppError("FORBIDDEN", "This Azure DevOps identity is not linked to you.");
  }
  const updated = await db.connectDraft.updateMany({
    where: { id: draftId, organizationId: scope.organizationId, userId, expiresAt: { gt: new Date() } },
    data: {
      authMethod: "OAUTH",
      oauthAccountId: accountId,
      oauthOrganizations: organizations as unknown as Prisma.InputJsonValue,
      oauthOrganizationsAt: new Date(),
      // A new identity starts the organization choice over.
      serverUrl: null,
      pathPrefix: null,
      collection: null,
      lastCheck: undefined,
      lastCheckAt: null,
    },
  });
  if (updated.count !== 1) {
    throw new AppError("NOT_FOUND", "This connection setup has expired or does not exist. Start connecting again.");
  }
}

/** Replaces the draft's organization list (the "refresh list" action). */
export async function setDraftOrganizations(scope: Scope, draftId: string, organizations: OrganizationList): Promise<void> {
  await db.connectDraft.updateMany({
    where: { id: draftId, organizationId: scope.organizationId, userId: requireUserActor(scope).userId },
    data: { oauthOrganizations: organizations as unknown as Prisma.InputJsonValue, oauthOrganizationsAt: new Date() },
  });
}

/** Reads a stored organization list back (empty when absent or malformed). */
export function readOrganizations(value: unknown): OrganizationList {
  const record = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as { items?: unknown; error?: unknown }) : {};
  const items = Array.isArray(record.items) ? record.items : [];
  return {
    items: items.filter(
      (item): item is ReachableOrganization => typeof item === "object" && item !== null && typeof (item as ReachableOrganization).name === "string" && typeof (item as ReachableOrganization).id === "string",
    ),
    error: typeof record.error === "string" ? record.error : null,
  };
}

/**
 * Re-authorization: points a connection at the identity the admin just consented with (same
 * connection id, so its build profiles keep working). With another provider than before it is
 * the switch from legacy Azure DevOps OAuth to Microsoft Entra ID, audited as such.
 */
export async function rebindConnectionIdentity(scope: Scope, connectionId: string, accountId: string, provider: string): Promise<{ switchedFrom: string | null }> {
  const userId = requireUserActor(scope).userId;
  const owned = await db.account.count({ where: { id: accountId, userId } });
  if (owned !== 1) {
    throw new AppError("FORBIDDEN", "This Azure DevOps identity is not linked to you.");
  }
  return db.$transaction(async (tx) => {
    const current = await tx.connection.findFirst({ where: { id: connectionId, organizationId: scope.organizationId, authMethod: "OAUTH" }, select: { name: true, oauthProvider: true } });
    if (!current) {
      throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
    }
    await tx.connection.update({ where: { id: connectionId }, data: { accountId, oauthProvider: provider, credentialUserId: userId } });
    const switchedFrom = current.oauthProvider && current.oauthProvider !== provider ? current.oauthProvider : null;
    await recordAudit(
      scope,
      switchedFrom
        ? { action: "connection.provider_switched", targetType: "connection", targetId: connectionId, data: { name: current.name, from: switchedFrom, to: provider } }
        : { action: "connection.reauthorized", targetType: "connection", targetId: connectionId, data: { name: current.name, provider } },
      tx,
    );
    return { switchedFrom };
  });
}
