import "server-only";
import { randomUUID } from "node:crypto";
import { lastFour, SecretUnreadableError } from "@/lib/crypto";
import { db, type Tx } from "@/lib/db";
import { addressMove } from "@/lib/shared/address-move";
import { nameKey } from "@/lib/shared/names";
import { AppError } from "@/lib/errors";
import { Prisma, type ConnectionStatus } from "@/lib/generated/prisma/client";
import { requireUserActor, type Scope } from "@/lib/scope";
import { openSecret, sealSecret } from "@/lib/secrets";
import { recordAudit } from "./audit";

/** Every column a page may show: never the sealed token. */
export const connectionView = {
  id: true,
  name: true,
  deploymentType: true,
  authMethod: true,
  serverUrl: true,
  pathPrefix: true,
  collection: true,
  serverProduct: true,
  apiVersion: true,
  scopes: true,
  status: true,
  statusReason: true,
  lastCheckAt: true,
  lastCheckResult: true,
  tokenLastFour: true,
  tokenExpiresAt: true,
  caBundlePem: true,
  createdAt: true,
  updatedAt: true,
  owner: { select: { id: true, name: true, email: true } },
  // OAUTH: which linked identity (display fields only; its tokens stay in the Account row).
  accountId: true,
  oauthProvider: true,
  account: { select: { id: true, provider: true, displayName: true, uniqueName: true } },
} satisfies Prisma.ConnectionSelect;

export type ConnectionView = Prisma.ConnectionGetPayload<{ select: typeof connectionView }> & { hasToken: boolean };

async function withHasToken<T extends { id: string }>(rows: T[]): Promise<(T & { hasToken: boolean })[]> {
  if (rows.length === 0) {
    return [];
  }
  const tokens = await db.connection.findMany({
    where: { id: { in: rows.map((row) => row.id) }, tokenSealed: { not: null } },
    select: { id: true },
  });
  const has = new Set(tokens.map((t) => t.id));
  return rows.map((row) => ({ ...row, hasToken: has.has(row.id) }));
}

/** Connections of the scope's organization, by name. */
export async function listConnections(scope: Scope): Promise<ConnectionView[]> {
  const rows = await db.connection.findMany({ where: { organizationId: scope.organizationId }, select: connectionView, orderBy: { nameKey: "asc" } });
  return withHasToken(rows);
}

/** One connection of the scope's organization, or null (another organization's id looks the same as a missing one). */
export async function getConnection(scope: Scope, id: string): Promise<ConnectionView | null> {
  const row = await db.connection.findFirst({ where: { id, organizationId: scope.organizationId }, select: connectionView });
  return row ? (await withHasToken([row]))[0]! : null;
}

/** Like getConnection, but throws NOT_FOUND. */
export async function getConnectionOrThrow(scope: Scope, id: string): Promise<ConnectionView> {
  const connection = await getConnection(scope, id);
  if (!connection) {
    throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
  }
  return connection;
}

/**
 * Opens a connection's PAT right before an outbound call. When it cannot be opened
 * (key removed, value damaged), the connection is marked "credentials unreadable",
 * the event audited, and an error thrown — the stored value is never used as is.
 */
export async function openConnectionToken(scope: Scope, id: string): Promise<string> {
  const row = await db.connection.findFirst({ where: { id, organizationId: scope.organizationId }, select: { id: true, tokenSealed: true } });
  if (!row) {
    throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
  }
  if (!row.tokenSealed) {
    throw new AppError("PROVIDER_REJECTED", "This connection has no token. An admin must enter a new Personal Access Token.");
  }
  try {
    return openSecret({ table: "Connection", column: "tokenSealed" }, row.id, row.tokenSealed);
  } catch (error) {
    if (!(error instanceof SecretUnreadableError)) {
      throw error;
    }
    await db.connection.update({
      where: { id: row.id },
      data: { status: "CREDENTIALS_UNREADABLE", statusReason: "The stored token cannot be decrypted with Keel's keys. Enter the token again." },
    });
    await recordAudit(scope, { action: "connection.credentials_unreadable", targetType: "connection", targetId: row.id, data: { reason: error.reason, keyId: error.keyId ?? null } });
    throw new AppError("PROVIDER_REJECTED", "Keel cannot decrypt this connection's token (its encryption key is missing or the value is damaged). An admin must enter the token again.", {
      details: { reason: error.reason },
    });
  }
}

export type CheckRecord = {
  ok: boolean;
  status: ConnectionStatus;
  statusReason: string | null;
  serverProduct?: string | null;
  apiVersion?: string | null;
  scopes?: string[];
  summary: Prisma.InputJsonValue;
};

/** Saves the result of a doctor run on an existing connection. */
export async function recordConnectionCheck(scope: Scope, id: string, check: CheckRecord): Promise<void> {
  await db.$transaction(async (tx) => {
    const updated = await tx.connection.updateMany({
      where: { id, organizationId: scope.organizationId },
      data: {
        status: check.status,
        statusReason: check.statusReason,
        lastCheckAt: new Date(),
        lastCheckResult: check.summary,
        ...(check.serverProduct !== undefined ? { serverProduct: check.serverProduct } : {}),
        ...(check.apiVersion !== undefined ? { apiVersion: check.apiVersion } : {}),
        ...(check.scopes ? { scopes: check.scopes } : {}),
      },
    });
    if (updated.count !== 1) {
      throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
    }
    await recordAudit(scope, { action: "connection.checked", targetType: "connection", targetId: id, data: { ok: check.ok, status: check.status } }, tx);
  });
}

/**
 * Records that Azure DevOps refused a saved connection's credential during ordinary use
 * (picker, branch list), so its health says so before anyone runs Check. Audited only when
 * the status or reason actually changes: a picker retried ten times writes one event.
 */
export async function recordCredentialRefused(scope: Scope, id: string, status: ConnectionStatus, reason: string, findingId: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const updated = await tx.connection.updateMany({
      // "Changed" spelled out: SQL's NOT (a AND b) is NULL, not true, while statusReason is NULL.
      where: { id, organizationId: scope.organizationId, OR: [{ status: { not: status } }, { statusReason: null }, { statusReason: { not: reason } }] },
      data: { status, statusReason: reason },
    });
    if (updated.count !== 1) {
      return false;
    }
    await recordAudit(scope, { action: "connection.health_changed", targetType: "connection", targetId: id, data: { status, reason, finding: findingId, source: "use" } }, tx);
    return true;
  });
}

/**
 * The columns every new connection has, whatever its sign-in: identity, owner, name (and its
 * case-insensitive key), address, and what the check that allowed saving it found.
 */
function newConnectionColumns(scope: Scope, id: string, input: { name: string; serverUrl: string; collection: string; check: CheckRecord }) {
  return {
    id,
    organizationId: scope.organizationId,
    // A connection is owned by the admin who saved it: a person, never a job.
    ownerId: requireUserActor(scope).userId,
    name: input.name,
    nameKey: nameKey(input.name),
    serverUrl: input.serverUrl,
    collection: input.collection,
    serverProduct: input.check.serverProduct ?? null,
    apiVersion: input.check.apiVersion ?? null,
    scopes: input.check.scopes ?? [],
    status: input.check.status,
    statusReason: input.check.statusReason,
    lastCheckAt: new Date(),
    lastCheckResult: input.check.summary,
  } satisfies Partial<Prisma.ConnectionUncheckedCreateInput>;
}

export type NewPatConnection = {
  draftId: string;
  name: string;
  deploymentType: "SERVICES" | "SERVER";
  serverUrl: string;
  pathPrefix: string;
  collection: string;
  token: string;
  tokenExpiresAt: Date | null;
  caBundlePem: string | null;
  check: CheckRecord;
};

function nameConflict(name: string): AppError {
  return new AppError("CONFLICT", `A connection named "${name}" already exists. Choose another name.`, { details: { field: "name" } });
}

/**
 * The idempotent skeleton of saving a wizard draft as a connection, in one transaction: the
 * draft row is locked, a draft that was already saved returns its connection (double click,
 * back button, a retried request), `write` creates the row (and its audit event) otherwise,
 * and the unique idempotency key settles a race between two instances. A name taken in the
 * meantime is a CONFLICT on the name field.
 */
async function createFromDraft(
  scope: Scope,
  input: { draftId: string; name: string; serverUrl: string; collection: string; check: CheckRecord },
  /** Writes the connection row; returns what the `connection.created` event adds (method, …). */
  write: (tx: Tx, id: string) => Promise<Record<string, string>>,
): Promise<{ id: string; created: boolean }> {
  const id = randomUUID();
  try {
    return await db.$transaction(async (tx) => {
      const drafts = await tx.$queryRaw<{ connectionId: string | null }[]>`
        SELECT "connectionId" FROM "ConnectDraft"
        WHERE id = ${input.draftId}::uuid AND "organizationId" = ${scope.organizationId}::uuid AND "userId" = ${requireUserActor(scope).userId}::uuid
        FOR UPDATE`;
      const draft = drafts[0];
      if (!draft) {
        throw new AppError("NOT_FOUND", "This setup session has expired. Start connecting again.");
      }
      if (draft.connectionId) {
        return { id: draft.connectionId, created: false };
      }
      const audit = await write(tx, id);
      await recordAudit(
        scope,
        {
          action: "connection.created",
          targetType: "connection",
          targetId: id,
          data: { name: input.name, ...audit, serverUrl: input.serverUrl, collection: input.collection, status: input.check.status },
        },
        tx,
      );
      return { id, created: true };
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const target = JSON.stringify(error.meta ?? {});
      if (target.includes("idempotencyKey")) {
        const existing = await db.connection.findFirst({ where: { idempotencyKey: input.draftId, organizationId: scope.organizationId }, select: { id: true } });
        if (existing) {
          return { id: existing.id, created: false };
        }
      }
      throw nameConflict(input.name);
    }
    throw error;
  }
}

/**
 * Creates a PAT connection from a wizard draft in one transaction. Idempotent: the
 * draft row is locked, and a draft that was already saved returns its connection
 * (double click, back button, a retried request) — the unique idempotency key backs
 * this up if two instances race.
 */
export async function createPatConnection(scope: Scope, input: NewPatConnection): Promise<{ id: string; created: boolean }> {
  return createFromDraft(scope, input, async (tx, id) => {
    await tx.connection.create({
      data: {
        ...newConnectionColumns(scope, id, input),
        deploymentType: input.deploymentType,
        authMethod: "PAT",
        pathPrefix: input.pathPrefix,
        tokenSealed: sealSecret({ table: "Connection", column: "tokenSealed" }, id, input.token),
        tokenLastFour: lastFour(input.token),
        tokenExpiresAt: input.tokenExpiresAt,
        caBundlePem: input.caBundlePem,
        idempotencyKey: input.draftId,
      },
    });
    // The draft keeps only the link: its sealed copy of the token goes now.
    await tx.connectDraft.update({ where: { id: input.draftId }, data: { connectionId: id, tokenSealed: null } });
    return { method: "PAT", deploymentType: input.deploymentType, pathPrefix: input.pathPrefix };
  });
}

export type NewOAuthConnection = {
  draftId: string;
  name: string;
  /** The Services origin (https://dev.azure.com, or the emulator in tests). */
  serverUrl: string;
  /** The organization. */
  collection: string;
  /** The linked identity (Account id) whose tokens the connection uses; must be the acting admin's. */
  accountId: string;
  provider: string;
  check: CheckRecord;
};

/**
 * Creates an OAuth connection (one organization of a linked identity) from a wizard draft, in
 * one transaction and idempotently, like createPatConnection. No token is copied: the
 * connection points at the identity, whose sealed tokens stay in its Account row.
 */
export async function createOAuthConnection(scope: Scope, input: NewOAuthConnection): Promise<{ id: string; created: boolean }> {
  return createFromDraft(scope, input, async (tx, id) => {
    const owned = await tx.account.count({ where: { id: input.accountId, userId: requireUserActor(scope).userId } });
    if (owned !== 1) {
      throw new AppError("FORBIDDEN", "The Azure DevOps identity of this setup is no longer linked to you. Authorize again.");
    }
    await tx.connection.create({
      data: {
        ...newConnectionColumns(scope, id, input),
        deploymentType: "SERVICES",
        authMethod: "OAUTH",
        pathPrefix: "",
        accountId: input.accountId,
        oauthProvider: input.provider,
        idempotencyKey: input.draftId,
      },
    });
    await tx.connectDraft.update({ where: { id: input.draftId }, data: { connectionId: id } });
    return { method: "OAUTH", provider: input.provider, deploymentType: "SERVICES" };
  });
}

/** True when the scope's organization already has a connection of this name (case-insensitive). */
export async function connectionNameTaken(scope: Scope, name: string, exceptId?: string): Promise<boolean> {
  const found = await db.connection.findFirst({
    where: { organizationId: scope.organizationId, nameKey: nameKey(name), ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { id: true },
  });
  return Boolean(found);
}

export type ConnectionEdit = {
  name: string;
  serverUrl: string;
  pathPrefix: string;
  collection: string;
  /** A new token, or undefined to keep the stored one. */
  token?: string;
  tokenExpiresAt: Date | null;
};

/**
 * Edits a PAT connection. Changing where it points (server URL, path or collection)
 * without a new token in the same request wipes the stored token, and any move drops the CA
 * trusted for the old server (`addressMove`; SECURITY.md, GitLab's rule: otherwise whoever
 * may edit the URL could send the token elsewhere).
 */
export async function updatePatConnection(
  scope: Scope,
  id: string,
  edit: ConnectionEdit,
  check: CheckRecord | null,
): Promise<{ tokenWiped: boolean }> {
  try {
    return await db.$transaction(async (tx) => {
      const current = await tx.connection.findFirst({ where: { id, organizationId: scope.organizationId }, select: { serverUrl: true, pathPrefix: true, collection: true, authMethod: true, caBundlePem: true } });
      if (!current) {
        throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
      }
      if (current.authMethod !== "PAT") {
        throw new AppError("INVALID_INPUT", "Only Personal Access Token connections can be edited here.");
      }
      const { moved, tokenLeftBehind: tokenWiped } = addressMove(current, edit, Boolean(edit.token));
      const tokenData = edit.token
        ? { tokenSealed: sealSecret({ table: "Connection", column: "tokenSealed" }, id, edit.token), tokenLastFour: lastFour(edit.token) }
        : tokenWiped
          ? { tokenSealed: null, tokenLastFour: null }
          : {};
      await tx.connection.update({
        where: { id },
        data: {
          name: edit.name,
          nameKey: nameKey(edit.name),
          serverUrl: edit.serverUrl,
          pathPrefix: edit.pathPrefix,
          collection: edit.collection,
          tokenExpiresAt: edit.tokenExpiresAt,
          ...tokenData,
          // The CA was trusted for the old server only.
          ...(moved ? { caBundlePem: null } : {}),
          ...(tokenWiped ? { status: "CREDENTIALS_MISSING" as const, statusReason: "The server address changed, so the stored token was removed. Enter a token for the new address." } : {}),
          ...(check && !tokenWiped
            ? {
                status: check.status,
                statusReason: check.statusReason,
                lastCheckAt: new Date(),
                lastCheckResult: check.summary,
                serverProduct: check.serverProduct ?? undefined,
                apiVersion: check.apiVersion ?? undefined,
                scopes: check.scopes ?? undefined,
              }
            : {}),
        },
      });
      await recordAudit(
        scope,
        {
          action: "connection.updated",
          targetType: "connection",
          targetId: id,
          data: { moved, tokenReplaced: Boolean(edit.token), tokenWiped, caDropped: moved && current.caBundlePem !== null, serverUrl: edit.serverUrl, pathPrefix: edit.pathPrefix, collection: edit.collection },
        },
        tx,
      );
      return { tokenWiped };
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw nameConflict(edit.name);
    }
    throw error;
  }
}

/** Stores a CA certificate (PEM) for one connection's server. */
export async function setConnectionCa(scope: Scope, id: string, pem: string | null): Promise<void> {
  const updated = await db.connection.updateMany({ where: { id, organizationId: scope.organizationId }, data: { caBundlePem: pem } });
  if (updated.count !== 1) {
    throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
  }
  await recordAudit(scope, { action: pem ? "connection.ca_uploaded" : "connection.ca_removed", targetType: "connection", targetId: id });
}
