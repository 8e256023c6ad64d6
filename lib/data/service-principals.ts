import "server-only";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { EntraCredentialKind } from "@/lib/generated/prisma/client";
import type { Scope } from "@/lib/scope";
import { openSecret, sealSecret } from "@/lib/secrets";
import { recordAudit } from "./audit";

// A SERVICE_PRINCIPAL connection's Entra side (ServicePrincipal rows): its credential, sealed,
// and the app-only Azure DevOps token Keel holds for it with the renewal lease. Every row belongs
// to a connection of the scope's organization — never to a person — so a job, a member's picker
// and an admin all reach it the same way, and it keeps working when its creator is gone.

const SECRET = { table: "ServicePrincipal", column: "clientSecretSealed" } as const;
const PRIVATE_KEY = { table: "ServicePrincipal", column: "privateKeySealed" } as const;
const ACCESS_TOKEN = { table: "ServicePrincipal", column: "accessTokenSealed" } as const;

function inScope(scope: Scope, connectionId: string) {
  return { connectionId, organizationId: scope.organizationId };
}

/** What a page may show about a connection's principal: never a secret, key or token. */
export type ServicePrincipalView = {
  kind: EntraCredentialKind;
  tenantId: string | null;
  clientId: string | null;
  certificatePem: string | null;
  certificateThumbprint: string | null;
  federatedSubject: string | null;
  objectId: string | null;
  hasClientSecret: boolean;
  accessTokenExpiresAt: Date | null;
  lastFailureCode: string | null;
  lastFailureAt: Date | null;
};

/** The principal of a connection of the scope's organization (display fields), or null. */
export async function getServicePrincipal(scope: Scope, connectionId: string): Promise<ServicePrincipalView | null> {
  const row = await db.servicePrincipal.findFirst({
    where: inScope(scope, connectionId),
    select: {
      kind: true,
      tenantId: true,
      clientId: true,
      certificatePem: true,
      certificateThumbprint: true,
      federatedSubject: true,
      objectId: true,
      accessTokenExpiresAt: true,
      lastFailureCode: true,
      lastFailureAt: true,
      clientSecretSealed: true,
    },
  });
  if (!row) {
    return null;
  }
  const { clientSecretSealed, ...rest } = row;
  return { ...rest, hasClientSecret: clientSecretSealed !== null };
}

/** The credential of a principal, opened right before a token request. Throws SecretUnreadableError (fail closed). */
export type OpenedPrincipalCredential = {
  /** The connection's organization (Azure DevOps), for the doctor's explanations. */
  organization: string;
  kind: EntraCredentialKind;
  tenantId: string | null;
  clientId: string | null;
  clientSecret: string | null;
  certificatePem: string | null;
  privateKeyPem: string | null;
  federatedSubject: string | null;
};

/** Opens the principal's secret or private key for a token request. */
export async function openServicePrincipalCredential(scope: Scope, connectionId: string): Promise<OpenedPrincipalCredential> {
  const row = await db.servicePrincipal.findFirst({
    where: inScope(scope, connectionId),
    select: { connectionId: true, kind: true, tenantId: true, clientId: true, clientSecretSealed: true, certificatePem: true, privateKeySealed: true, federatedSubject: true, connection: { select: { collection: true } } },
  });
  if (!row) {
    throw new AppError("NOT_FOUND", "That connection has no service principal in your organization.");
  }
  return {
    organization: row.connection.collection,
    kind: row.kind,
    tenantId: row.tenantId,
    clientId: row.clientId,
    clientSecret: row.clientSecretSealed ? openSecret(SECRET, row.connectionId, row.clientSecretSealed) : null,
    certificatePem: row.certificatePem,
    privateKeyPem: row.privateKeySealed ? openSecret(PRIVATE_KEY, row.connectionId, row.privateKeySealed) : null,
    federatedSubject: row.federatedSubject,
  };
}

export type PrincipalTokenState = {
  tokenVersion: number;
  /** Epoch seconds, null when no token is held. */
  expiresAt: number | null;
  leaseActive: boolean;
  /** The last refused token request: its code and when (database clock). */
  lastFailureCode: string | null;
  lastFailureAt: Date | null;
  /** When this state was read (database clock). */
  readAt: Date;
};

/** The token bookkeeping of a principal (never the token), or null when the connection has none. */
export async function getPrincipalTokenState(scope: Scope, connectionId: string): Promise<PrincipalTokenState | null> {
  const rows = await db.$queryRaw<{ tokenVersion: number; expiresAt: Date | null; hasToken: boolean; leaseActive: boolean; lastFailureCode: string | null; lastFailureAt: Date | null; readAt: Date }[]>`
    SELECT "tokenVersion", "accessTokenExpiresAt" AS "expiresAt", ("accessTokenSealed" IS NOT NULL) AS "hasToken",
           ("leaseUntil" IS NOT NULL AND "leaseUntil" > now()) AS "leaseActive", "lastFailureCode", "lastFailureAt", now() AS "readAt"
    FROM "ServicePrincipal" WHERE "connectionId" = ${connectionId}::uuid AND "organizationId" = ${scope.organizationId}::uuid`;
  const row = rows[0];
  if (!row) {
    return null;
  }
  return {
    tokenVersion: row.tokenVersion,
    expiresAt: row.hasToken && row.expiresAt ? Math.floor(row.expiresAt.getTime() / 1000) : null,
    leaseActive: row.leaseActive,
    lastFailureCode: row.lastFailureCode,
    lastFailureAt: row.lastFailureAt,
    readAt: row.readAt,
  };
}

/** Opens the held access token if the row is still at `version`; null otherwise. Throws SecretUnreadableError. */
export async function openPrincipalAccessToken(scope: Scope, connectionId: string, version: number): Promise<string | null> {
  const row = await db.servicePrincipal.findFirst({ where: inScope(scope, connectionId), select: { connectionId: true, tokenVersion: true, accessTokenSealed: true } });
  if (!row || row.tokenVersion !== version || !row.accessTokenSealed) {
    return null;
  }
  return openSecret(ACCESS_TOKEN, row.connectionId, row.accessTokenSealed);
}

/**
 * Takes the renewal lease if nobody holds a live one, the token is still at the version the
 * caller read, and no refusal was recorded since that read (`seen.readAt`, the database's clock):
 * a request that read the row just before another one's token request failed must take that
 * failure as its own answer, not ask Entra again. One atomic UPDATE; no transaction stays open
 * during the token request.
 */
export async function acquirePrincipalLease(scope: Scope, connectionId: string, seen: { tokenVersion: number; readAt: Date }, leaseId: string, leaseMs: number): Promise<boolean> {
  const taken = await db.$executeRaw`
    UPDATE "ServicePrincipal"
    SET "leaseId" = ${leaseId}::uuid, "leaseUntil" = now() + make_interval(secs => ${leaseMs / 1000})
    WHERE "connectionId" = ${connectionId}::uuid AND "organizationId" = ${scope.organizationId}::uuid AND "tokenVersion" = ${seen.tokenVersion}
      AND ("leaseUntil" IS NULL OR "leaseUntil" < now())
      AND ("lastFailureAt" IS NULL OR "lastFailureAt" <= ${seen.readAt})`;
  return taken === 1;
}

/** Gives the lease back without a new token (the request failed). */
export async function releasePrincipalLease(scope: Scope, connectionId: string, leaseId: string): Promise<void> {
  await db.$executeRaw`
    UPDATE "ServicePrincipal" SET "leaseId" = NULL, "leaseUntil" = NULL
    WHERE "connectionId" = ${connectionId}::uuid AND "organizationId" = ${scope.organizationId}::uuid AND "leaseId" = ${leaseId}::uuid`;
}

/**
 * Stores a new token over `version` (→ version + 1) and clears the lease and the last failure,
 * in a short row-locked transaction. False when the row moved on (the credential was replaced
 * meanwhile): then nothing is written.
 */
export async function commitPrincipalToken(scope: Scope, connectionId: string, version: number, token: { accessToken: string; expiresAt: number; objectId: string | null }): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ tokenVersion: number }[]>`
      SELECT "tokenVersion" FROM "ServicePrincipal" WHERE "connectionId" = ${connectionId}::uuid AND "organizationId" = ${scope.organizationId}::uuid FOR UPDATE`;
    if (rows[0]?.tokenVersion !== version) {
      return false;
    }
    await tx.servicePrincipal.update({
      where: { connectionId },
      data: {
        accessTokenSealed: sealSecret(ACCESS_TOKEN, connectionId, token.accessToken),
        accessTokenExpiresAt: new Date(token.expiresAt * 1000),
        tokenVersion: version + 1,
        leaseId: null,
        leaseUntil: null,
        lastFailureCode: null,
        lastFailureAt: null,
        ...(token.objectId ? { objectId: token.objectId.slice(0, 64) } : {}),
      },
    });
    return true;
  });
}

/** Records a refused token request (its code, never a body) and gives the lease back. */
export async function recordPrincipalFailure(scope: Scope, connectionId: string, leaseId: string, code: string): Promise<void> {
  await db.$executeRaw`
    UPDATE "ServicePrincipal" SET "leaseId" = NULL, "leaseUntil" = NULL, "lastFailureCode" = ${code.slice(0, 64)}, "lastFailureAt" = now()
    WHERE "connectionId" = ${connectionId}::uuid AND "organizationId" = ${scope.organizationId}::uuid AND "leaseId" = ${leaseId}::uuid`;
}


export type PrincipalCredentialReplacement =
  | { kind: "CLIENT_SECRET"; clientSecret: string; expiresAt: Date | null; lastFour: string | null }
  | { kind: "CERTIFICATE"; certificatePem: string; certificateThumbprint: string; privateKeyPem: string; expiresAt: Date };

/**
 * Replaces a principal's secret or certificate (same kind), drops the token held for the old one
 * (version + 1, so a renewal in flight cannot store it), moves the expiry to the connection's
 * `credentialExpiresAt` (where reminders look), and audits the change — never the value.
 */
export async function replaceServicePrincipalCredential(scope: Scope, connectionId: string, replacement: PrincipalCredentialReplacement): Promise<void> {
  await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ kind: EntraCredentialKind }[]>`
      SELECT kind FROM "ServicePrincipal" WHERE "connectionId" = ${connectionId}::uuid AND "organizationId" = ${scope.organizationId}::uuid FOR UPDATE`;
    const current = rows[0];
    if (!current) {
      throw new AppError("NOT_FOUND", "That connection has no service principal in your organization.");
    }
    if (current.kind !== replacement.kind) {
      throw new AppError("INVALID_INPUT", "This connection uses another kind of credential.");
    }
    const credential =
      replacement.kind === "CLIENT_SECRET"
        ? { clientSecretSealed: sealSecret(SECRET, connectionId, replacement.clientSecret) }
        : { certificatePem: replacement.certificatePem, certificateThumbprint: replacement.certificateThumbprint, privateKeySealed: sealSecret(PRIVATE_KEY, connectionId, replacement.privateKeyPem) };
    await tx.servicePrincipal.update({
      where: { connectionId },
      data: { ...credential, accessTokenSealed: null, accessTokenExpiresAt: null, tokenVersion: { increment: 1 }, leaseId: null, leaseUntil: null, lastFailureCode: null, lastFailureAt: null },
    });
    await tx.connection.update({
      where: { id: connectionId },
      // credentialExpiresAt is what the status model and the reminders read (lib/connections/status.ts).
      data: {
        tokenExpiresAt: replacement.expiresAt,
        credentialExpiresAt: replacement.expiresAt,
        credentialExpirySource: replacement.expiresAt ? "ENTERED" : null,
        tokenLastFour: replacement.kind === "CLIENT_SECRET" ? replacement.lastFour : null,
      },
    });
    await recordAudit(scope, { action: "connection.credential_replaced", targetType: "connection", targetId: connectionId, data: { kind: replacement.kind, expiresAt: replacement.expiresAt?.toISOString() ?? null } }, tx);
  });
}

/** Marks the connection "credentials unreadable" (its sealed secret, key or token does not open) and audits it. */
export async function markPrincipalCredentialsUnreadable(scope: Scope, connectionId: string, reason: string, keyId: string | null): Promise<void> {
  const updated = await db.connection.updateMany({
    where: { id: connectionId, organizationId: scope.organizationId },
    data: { status: "CREDENTIALS_UNREADABLE", statusReason: "Keel cannot decrypt the service principal's stored credential with its keys. Replace the credential." },
  });
  if (updated.count === 1) {
    await recordAudit(scope, { action: "connection.credentials_unreadable", targetType: "connection", targetId: connectionId, data: { reason, keyId } });
  }
}
