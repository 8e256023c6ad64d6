import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { Role } from "@/lib/generated/prisma/enums";
import { can, refusalOf } from "@/lib/policy";
import { requireUserActor, tokenScope, type Scope } from "@/lib/scope";
import { API_TOKEN_PREFIX, apiTokenDisplayPrefix, MAX_API_TOKENS_PER_USER } from "@/lib/shared/api-tokens";
import { recordAudit } from "./audit";

// Keel API tokens (lib/auth/README.md, "API tokens"): a member makes one for a script, which
// then acts as them — with their role at the moment of each request — for what
// API_TOKEN_PERMISSIONS allows. The token is shown once; only its SHA-256 is stored (it is 256
// random bits, so a fast hash is as good as a slow one and keeps the check to one indexed read).

const DAY_MS = 24 * 60 * 60 * 1000;

/** A token as the API tokens page lists it (never the token). */
export type ApiTokenView = {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  /** Reads only: it cannot start, cancel, keep, pause or move builds (lib/policy.ts, API_TOKEN_READ_PERMISSIONS). */
  readOnly: boolean;
  owner: { id: string; name: string; email: string; isActive: boolean };
};

/** The SHA-256 (hex) under which a token is stored and looked up. */
export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

function requireManage(scope: Scope): void {
  if (!can(scope, "apiToken.manage")) {
    throw new AppError("FORBIDDEN", refusalOf("apiToken.manage"));
  }
}

const viewSelect = {
  id: true,
  name: true,
  prefix: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  lastUsedIp: true,
  readOnly: true,
  user: { select: { id: true, name: true, email: true, isActive: true } },
} as const;

type ViewRow = { id: string; name: string; prefix: string; createdAt: Date; expiresAt: Date; lastUsedAt: Date | null; lastUsedIp: string | null; readOnly: boolean; user: ApiTokenView["owner"] };

function viewOf({ user, ...row }: ViewRow): ApiTokenView {
  return { ...row, owner: user };
}

/**
 * Creates a token of the scope's own user, lasting `days`; returns it with the token itself,
 * which nothing can show again. Refused past MAX_API_TOKENS_PER_USER. Audited (name and prefix).
 */
export async function createApiToken(scope: Scope, input: { name: string; days: number; readOnly?: boolean }): Promise<ApiTokenView & { token: string }> {
  requireManage(scope);
  const userId = requireUserActor(scope).userId;
  const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const expiresAt = new Date(Date.now() + input.days * DAY_MS);
  return db.$transaction(async (tx) => {
    // One person's tokens are counted under a lock of their row, so two tabs cannot both pass the limit.
    await tx.$queryRaw`SELECT 1 FROM "User" WHERE id = ${userId}::uuid FOR UPDATE`;
    const held = await tx.apiToken.count({ where: { organizationId: scope.organizationId, userId } });
    if (held >= MAX_API_TOKENS_PER_USER) {
      throw new AppError("CONFLICT", `You have ${held} API tokens, the most one person may hold. Revoke one you no longer use, then create this one.`);
    }
    const row = await tx.apiToken.create({
      data: { organizationId: scope.organizationId, userId, name: input.name, tokenHash: hashApiToken(token), prefix: apiTokenDisplayPrefix(token), expiresAt, readOnly: input.readOnly === true },
      select: viewSelect,
    });
    await recordAudit(scope, { action: "api_token.created", targetType: "api_token", targetId: row.id, data: { name: row.name, prefix: row.prefix, expiresAt: expiresAt.toISOString(), readOnly: row.readOnly } }, tx);
    return { ...viewOf(row), token };
  });
}

/**
 * The tokens the API tokens page shows: the scope's own, and — for those who may revoke anyone's
 * (admins) — everyone's in the organization. Newest first.
 */
export async function listApiTokens(scope: Scope): Promise<{ own: ApiTokenView[]; others: ApiTokenView[] | null }> {
  requireManage(scope);
  const userId = requireUserActor(scope).userId;
  const all = can(scope, "apiToken.revoke");
  const rows = await db.apiToken.findMany({
    where: { organizationId: scope.organizationId, ...(all ? {} : { userId }) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: viewSelect,
  });
  const views = rows.map(viewOf);
  return { own: views.filter((row) => row.owner.id === userId), others: all ? views.filter((row) => row.owner.id !== userId) : null };
}

/** One token of the organization (the revoke button's target; `createdById` is its owner, for the policy). */
export async function getApiToken(scope: Scope, id: string): Promise<(ApiTokenView & { createdById: string }) | null> {
  const row = await db.apiToken.findFirst({ where: { id, organizationId: scope.organizationId }, select: viewSelect });
  return row ? { ...viewOf(row), createdById: row.user.id } : null;
}

/** Revokes (deletes) a token: its next request is refused. Its owner or an admin; audited with whose it was. */
export async function revokeApiToken(scope: Scope, id: string): Promise<ApiTokenView> {
  return db.$transaction(async (tx) => {
    const row = await tx.apiToken.findFirst({ where: { id, organizationId: scope.organizationId }, select: viewSelect });
    if (!row) {
      throw new AppError("NOT_FOUND", "That API token does not exist any more: it was revoked already.");
    }
    if (!can(scope, "apiToken.revoke", { createdById: row.user.id })) {
      throw new AppError("FORBIDDEN", refusalOf("apiToken.revoke"));
    }
    await tx.apiToken.delete({ where: { id } });
    await recordAudit(scope, { action: "api_token.revoked", targetType: "api_token", targetId: id, data: { name: row.name, prefix: row.prefix, owner: row.user.email } }, tx);
    return viewOf(row);
  });
}

/** Why a token was refused, for the answer (never whose it is: the caller may not be its owner). */
export type TokenRefusal = "unknown" | "expired";

export type TokenCaller = { user: { id: string; name: string; email: string; organizationId: string; role: Role }; scope: Scope };

type TokenRow = { id: string; name: string; readOnly: boolean; expired: boolean; userId: string; userName: string; email: string; organizationId: string; role: Role | null; isActive: boolean };

/**
 * The member a request's token acts as, or why not: unknown (never issued, revoked, or its owner
 * disabled or no longer a member) or expired. One round trip: the token, its user and their
 * membership (whose role applies now). Records when and from where it was last used, at most
 * once a minute. Global by nature: it produces the scope.
 */
export async function authenticateApiToken(token: string, address: string | null): Promise<TokenCaller | TokenRefusal> {
  const rows = await db.$queryRaw<TokenRow[]>`
    SELECT t."id", t."name", t."readOnly", t."expiresAt" <= now() AS "expired", u."id" AS "userId", u."name" AS "userName", u."email", t."organizationId", m."role", u."isActive"
    FROM "ApiToken" t
    JOIN "User" u ON u."id" = t."userId"
    LEFT JOIN "Membership" m ON m."userId" = u."id" AND m."organizationId" = t."organizationId"
    WHERE t."tokenHash" = ${hashApiToken(token)}`;
  const row = rows[0];
  if (!row || !row.isActive || row.role === null) {
    return "unknown";
  }
  if (row.expired) {
    return "expired";
  }
  await db.$executeRaw`
    UPDATE "ApiToken" SET "lastUsedAt" = now(), "lastUsedIp" = ${address?.slice(0, 64) ?? null}
    WHERE "id" = ${row.id}::uuid AND ("lastUsedAt" IS NULL OR "lastUsedAt" < now() - interval '1 minute')`;
  const user = { id: row.userId, name: row.userName, email: row.email, organizationId: row.organizationId, role: row.role };
  return { user, scope: tokenScope(user, { id: row.id, name: row.name, ...(row.readOnly ? { readOnly: true } : {}) }) };
}

/** Deletes tokens that ended more than `afterMs` ago (housekeeping; the page shows them as expired until then). */
export async function pruneApiTokens(afterMs: number, now = new Date()): Promise<number> {
  const { count } = await db.apiToken.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - afterMs) } } });
  return count;
}

/** Tokens get a notice (and an e-mail) this long before they end. */
export const API_TOKEN_REMINDER_MS = 7 * DAY_MS;

/**
 * Tells each active owner of a token that ends within a week, once per token (housekeeping,
 * hourly): a notice on their Notices page, e-mailed when Keel sends e-mail. Returns how many
 * notices were created. Global by nature, like the rest of housekeeping.
 */
export async function remindExpiringApiTokens(now = new Date()): Promise<number> {
  const tokens = await db.apiToken.findMany({
    where: { expiresAt: { gt: now, lte: new Date(now.getTime() + API_TOKEN_REMINDER_MS) }, user: { isActive: true } },
    select: { id: true, organizationId: true, userId: true, name: true, prefix: true, expiresAt: true },
  });
  if (tokens.length === 0) {
    return 0;
  }
  const { count } = await db.notification.createMany({
    data: tokens.map((token) => ({
      organizationId: token.organizationId,
      connectionId: null,
      kind: "api_token.expiring",
      dedupeKey: `api_token.expiring:${token.id}`,
      data: { name: token.name, prefix: token.prefix, expiresAt: token.expiresAt.toISOString(), daysLeft: Math.max(1, Math.ceil((token.expiresAt.getTime() - now.getTime()) / DAY_MS)) },
      recipientIds: [token.userId],
    })),
    skipDuplicates: true,
  });
  return count;
}

/** How many unexpired API tokens a member of the organization holds (what disabling them stops). */
export async function countLiveApiTokens(scope: Scope, userId: string): Promise<number> {
  return db.apiToken.count({ where: { organizationId: scope.organizationId, userId, expiresAt: { gt: new Date() } } });
}
