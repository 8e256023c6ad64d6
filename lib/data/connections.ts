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
import { writeConnectionStatus, type StatusSource } from "./connection-status";
import { recordEffect, type EffectKey } from "./jobs";
import { createNotice } from "./notifications";
import { listingSelect, toView as toListingView, type ListingView } from "./repository-listing";

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
  credentialExpiresAt: true,
  credentialExpirySource: true,
  caBundlePem: true,
  createdAt: true,
  updatedAt: true,
  ownerId: true,
  owner: { select: { id: true, name: true, email: true, isActive: true } },
  credentialUserId: true,
  credentialUser: { select: { id: true, name: true, isActive: true } },
  _count: { select: { profiles: true } },
  // OAUTH: which linked identity (display fields only; its tokens stay in the Account row).
  accountId: true,
  oauthProvider: true,
  account: { select: { id: true, provider: true, displayName: true, uniqueName: true } },
  // SERVICE_PRINCIPAL: which principal and credential kind (its secrets stay in its own row).
  servicePrincipal: { select: { kind: true, tenantId: true, clientId: true } },
} satisfies Prisma.ConnectionSelect;

export type ConnectionView = Prisma.ConnectionGetPayload<{ select: typeof connectionView }> & { hasToken: boolean };

// `hasToken` comes with the same query: the sealed column is selected only to be tested for
// null here, and never leaves this module (lib/db.ts omits it from every other query).
const connectionViewRow = { ...connectionView, tokenSealed: true } satisfies Prisma.ConnectionSelect;

function toConnectionView(row: Prisma.ConnectionGetPayload<{ select: typeof connectionViewRow }>): ConnectionView {
  const { tokenSealed, ...view } = row;
  return { ...view, hasToken: tokenSealed !== null };
}

/** Connections of the scope's organization, by name. */
export async function listConnections(scope: Scope): Promise<ConnectionView[]> {
  const rows = await db.connection.findMany({ where: { organizationId: scope.organizationId }, select: connectionViewRow, orderBy: { nameKey: "asc" } });
  return rows.map(toConnectionView);
}

/** A connection whose profiles have not built for this long may be one nobody needs (its pages say so). */
export const UNUSED_CONNECTION_DAYS = 90;

/** A connection's newest build (of any of its profiles): what tells a connection nobody uses any more. */
export type ConnectionLastBuild = { id: string; number: number; profileName: string; queuedAt: Date };

/** Whether nothing has built with a connection for UNUSED_CONNECTION_DAYS: since its last build, or since it was made when it never built. */
export function isUnusedConnection(connection: { createdAt: Date }, lastBuild: Pick<ConnectionLastBuild, "queuedAt"> | null | undefined, now: Date): boolean {
  return now.getTime() - (lastBuild?.queuedAt ?? connection.createdAt).getTime() > UNUSED_CONNECTION_DAYS * 86_400_000;
}

/**
 * The newest build of each connection's profiles (all the organization's connections, or one), by
 * connection id: each profile's newest build through the (profileId, queuedAt) index, then the
 * newest per connection. Connections whose profiles never built are absent.
 */
export async function lastBuildByConnection(scope: Scope, connectionId?: string): Promise<Map<string, ConnectionLastBuild>> {
  const only = connectionId ? Prisma.sql`AND p."connectionId" = ${connectionId}::uuid` : Prisma.empty;
  const rows = await db.$queryRaw<{ connection: string; id: string; number: number; profile: string; queued_at: Date }[]>`
    SELECT DISTINCT ON (p."connectionId") p."connectionId"::text AS connection, l.id::text AS id, l.number, p.name AS profile, l."queuedAt" AS queued_at
    FROM "BuildProfile" p
    CROSS JOIN LATERAL (SELECT b.id, b.number, b."queuedAt" FROM "Build" b WHERE b."profileId" = p.id ORDER BY b."queuedAt" DESC LIMIT 1) l
    WHERE p."organizationId" = ${scope.organizationId}::uuid AND p."connectionId" IS NOT NULL ${only}
    ORDER BY p."connectionId", l."queuedAt" DESC`;
  return new Map(rows.map((row) => [row.connection, { id: row.id, number: row.number, profileName: row.profile, queuedAt: row.queued_at }]));
}

/** The ids of the scope's organization's first `take` connections by name (so also how many there are, up to `take`). */
export async function listConnectionIds(scope: Scope, take: number): Promise<string[]> {
  const rows = await db.connection.findMany({ where: { organizationId: scope.organizationId }, select: { id: true }, orderBy: { nameKey: "asc" }, take });
  return rows.map((row) => row.id);
}

/** One connection of the scope's organization, or null (another organization's id looks the same as a missing one). */
export async function getConnection(scope: Scope, id: string): Promise<ConnectionView | null> {
  const row = await db.connection.findFirst({ where: { id, organizationId: scope.organizationId }, select: connectionViewRow });
  return row ? toConnectionView(row) : null;
}

/**
 * A connection of the scope's organization with its repository listing (null when it was never
 * listed), in one query: what the picker's page starts from, so its first look at the listing
 * costs no round trip of its own (its JSON calls load less: getPickerConnection).
 */
export async function getConnectionWithListing(scope: Scope, id: string): Promise<(ConnectionView & { listing: ListingView | null }) | null> {
  const row = await db.connection.findFirst({ where: { id, organizationId: scope.organizationId }, select: { ...connectionViewRow, listing: { select: listingSelect } } });
  if (!row) {
    return null;
  }
  const { listing, ...connection } = row;
  return { ...toConnectionView(connection), listing: listing ? toListingView(listing) : null };
}

/** The columns that reach a connection and explain its failures (ConnectionTarget, lib/repositories/connection-client.ts). */
export const connectionTargetSelect = {
  id: true,
  authMethod: true,
  deploymentType: true,
  serverUrl: true,
  pathPrefix: true,
  collection: true,
  apiVersion: true,
  caBundlePem: true,
} satisfies Prisma.ConnectionSelect;

/** What the picker's JSON calls need of a connection: enough to list it, reach it and explain a failure. */
const pickerConnectionRow = { ...connectionTargetSelect, status: true } satisfies Prisma.ConnectionSelect;

export type PickerConnection = Prisma.ConnectionGetPayload<{ select: typeof pickerConnectionRow }> & { listing: ListingView | null };

/**
 * Like getConnectionWithListing, for the picker's JSON calls: only the columns they use, without
 * the view's owner, identities and profile count (their joins were a third of the query's time).
 */
export async function getPickerConnection(scope: Scope, id: string): Promise<PickerConnection | null> {
  const row = await db.connection.findFirst({ where: { id, organizationId: scope.organizationId }, select: { ...pickerConnectionRow, listing: { select: listingSelect } } });
  if (!row) {
    return null;
  }
  const { listing, ...connection } = row;
  return { ...connection, listing: listing ? toListingView(listing) : null };
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
    await db.$transaction(async (tx) => {
      await writeConnectionStatus(tx, scope, row.id, { status: "CREDENTIALS_UNREADABLE", reason: "The stored token cannot be decrypted with Keel's keys. Enter the token again.", source: "credentials" });
      await recordAudit(scope, { action: "connection.credentials_unreadable", targetType: "connection", targetId: row.id, data: { reason: error.reason, keyId: error.keyId ?? null } }, tx);
    });
    throw new AppError("PROVIDER_REJECTED", "Keel cannot decrypt this connection's token (its encryption key is missing or the value is damaged). An admin must enter the token again.", {
      details: { reason: error.reason },
    });
  }
}

export type CheckRecord = {
  ok: boolean;
  /** The status to store: what the check found with the credential's expiry applied (lib/connections/status.ts). */
  status: ConnectionStatus;
  statusReason: string | null;
  /** The finding behind a failing status. */
  finding?: string;
  serverProduct?: string | null;
  apiVersion?: string | null;
  scopes?: string[];
  summary: Prisma.InputJsonValue;
  /** Azure DevOps said the credential has expired: this becomes its expiry (its word wins over an entered date). */
  expiredObservedAt?: Date;
  /** false: the run said nothing about the connection (it was cancelled); its status stays. */
  conclusive?: boolean;
};

export type RecordCheckOptions = {
  /** Who noticed (audit and notices): a check an admin ran, or the scheduled one. */
  source?: StatusSource;
  /** A job's idempotency key: a second attempt of the same job records nothing. */
  effect?: EffectKey;
  /** An expiry reminder that is due (lib/shared/reminders.ts reminderTier), once per expiry and threshold. */
  reminder?: { tier: number; expiresAt: Date; daysLeft: number };
};

export type RecordCheckResult = { recorded: boolean; statusChanged: boolean; reminderCreated: boolean; from: ConnectionStatus | null };

/**
 * Saves the result of a doctor run on an existing connection, in one transaction: the check
 * summary, the status (audited and told to the owner and the admins when it changes), an expiry
 * reminder when one is due (once per credential expiry and threshold — a status change into
 * EXPIRING reported by that same reminder is not told twice), and the `connection.checked` event.
 */
export async function recordConnectionCheck(scope: Scope, id: string, check: CheckRecord, options: RecordCheckOptions = {}): Promise<RecordCheckResult> {
  return db.$transaction(async (tx) => {
    if (options.effect && !(await recordEffect(tx, options.effect))) {
      return { recorded: false, statusChanged: false, reminderCreated: false, from: null };
    }
    const previous = await tx.connection.findFirst({ where: { id, organizationId: scope.organizationId }, select: { lastCheckResult: true } });
    const updated = await tx.connection.updateMany({
      where: { id, organizationId: scope.organizationId },
      data: {
        lastCheckAt: new Date(),
        lastCheckResult: keepLastKnownProjects(check.summary, previous?.lastCheckResult ?? null),
        ...(check.serverProduct !== undefined ? { serverProduct: check.serverProduct } : {}),
        ...(check.apiVersion !== undefined ? { apiVersion: check.apiVersion } : {}),
        ...(check.scopes ? { scopes: check.scopes } : {}),
      },
    });
    if (updated.count !== 1) {
      throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
    }
    if (check.expiredObservedAt) {
      await noteExpiredByAzureDevOps(tx, scope, id, check.expiredObservedAt);
    }
    let reminderCreated = false;
    if (options.reminder) {
      const connection = await tx.connection.findUniqueOrThrow({ where: { id }, select: { name: true, authMethod: true } });
      reminderCreated = await createNotice(tx, scope, {
        connectionId: id,
        kind: "connection.expiry_reminder",
        // Once per credential (its expiry) and threshold: a replaced token gets its own reminders.
        dedupeKey: `expiry:${id}:${options.reminder.expiresAt.toISOString()}:${options.reminder.tier}`,
        data: { name: connection.name, authMethod: connection.authMethod, tier: options.reminder.tier, daysLeft: options.reminder.daysLeft, expiresAt: options.reminder.expiresAt.toISOString() },
      });
      if (reminderCreated) {
        await recordAudit(
          scope,
          { action: "connection.expiry_reminder", targetType: "connection", targetId: id, data: { name: connection.name, tier: options.reminder.tier, daysLeft: options.reminder.daysLeft, expiresAt: options.reminder.expiresAt.toISOString() } },
          tx,
        );
      }
    }
    const write =
      check.conclusive === false
        ? { changed: false, from: null }
        : await writeConnectionStatus(tx, scope, id, {
            status: check.status,
            reason: check.statusReason,
            source: options.source ?? "check",
            ...(check.finding ? { finding: check.finding } : {}),
            notify: !(reminderCreated && check.status === "EXPIRING"),
          });
    await recordAudit(scope, { action: "connection.checked", targetType: "connection", targetId: id, data: { ok: check.ok, status: check.status, ...(check.finding ? { finding: check.finding } : {}) } }, tx);
    return { recorded: true, statusChanged: write.changed, reminderCreated, from: write.from };
  });
}

type JsonObject = Record<string, unknown>;

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A failing check lists no projects; the page should still show the projects the connection
 * reached when it last worked. The new summary keeps the previous one's list with the time it
 * was listed (`projectsAsOf`, lib/connections/summary.ts); a summary with projects replaces it.
 */
function keepLastKnownProjects(summary: Prisma.InputJsonValue, previous: Prisma.JsonValue | null): Prisma.InputJsonValue {
  const current: unknown = summary;
  if (!isJsonObject(current) || current.projects !== undefined || !isJsonObject(previous) || !isJsonObject(previous.projects)) {
    return summary;
  }
  const asOf = typeof previous.projectsAsOf === "string" ? previous.projectsAsOf : typeof previous.checkedAt === "string" ? previous.checkedAt : null;
  return asOf ? ({ ...current, projects: previous.projects, projectsAsOf: asOf } as Prisma.InputJsonValue) : summary;
}

/** Azure DevOps refused the credential as expired: unless a date before that is known, this is its expiry. */
async function noteExpiredByAzureDevOps(tx: Tx, scope: Scope, id: string, at: Date): Promise<void> {
  await tx.connection.updateMany({
    where: { id, organizationId: scope.organizationId, OR: [{ credentialExpiresAt: null }, { credentialExpiresAt: { gt: at } }] },
    data: { credentialExpiresAt: at, credentialExpirySource: "AZURE_DEVOPS" },
  });
}

/**
 * Records that Azure DevOps refused a saved connection's credential during ordinary use
 * (picker, branch list), so its health says so before anyone runs Check. Audited (and told)
 * only when the status actually changes: a picker retried ten times writes one event.
 */
export async function recordCredentialRefused(scope: Scope, id: string, status: ConnectionStatus, reason: string, findingId: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    if (findingId === "token_expired") {
      await noteExpiredByAzureDevOps(tx, scope, id, new Date());
    }
    const write = await writeConnectionStatus(tx, scope, id, { status, reason, source: "use", finding: findingId });
    return write.changed;
  });
}

/** Every connection of every organization, for the scheduled check's fan-out (global by nature: lib/data/README.md). */
export async function listConnectionsToCheck(): Promise<{ id: string; organizationId: string }[]> {
  return db.connection.findMany({ select: { id: true, organizationId: true }, orderBy: [{ organizationId: "asc" }, { id: "asc" }] });
}

/**
 * The columns every new connection has, whatever its sign-in: identity, owner, name (and its
 * case-insensitive key), address, and what the check that allowed saving it found.
 */
function newConnectionColumns(scope: Scope, id: string, input: { name: string; serverUrl: string; collection: string; check: CheckRecord }, owned = true) {
  const creator = requireUserActor(scope).userId;
  return {
    id,
    organizationId: scope.organizationId,
    // A connection is owned by the admin who saved it (a person, never a job), who also entered its
    // credential. A service principal's connection belongs to no person (it must outlive whoever
    // created it), and its credential is no person's either.
    ownerId: owned ? creator : null,
    credentialUserId: owned ? creator : null,
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
  input: { draftId: string; name: string; serverUrl: string; collection: string; check: CheckRecord; id?: string },
  /** Writes the connection row; returns what the `connection.created` event adds (method, …). */
  write: (tx: Tx, id: string) => Promise<Record<string, string>>,
): Promise<{ id: string; created: boolean }> {
  // A draft may have reserved the id (a federated credential's subject names the connection).
  const id = input.id ?? randomUUID();
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
        credentialExpiresAt: input.tokenExpiresAt,
        credentialExpirySource: input.tokenExpiresAt ? "ENTERED" : null,
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

export type NewServicePrincipalConnection = {
  draftId: string;
  /** The id the draft reserved (the federated subject names it). */
  id: string;
  name: string;
  /** The Services origin (https://dev.azure.com, or the emulator in tests). */
  serverUrl: string;
  collection: string;
  kind: "CLIENT_SECRET" | "CERTIFICATE" | "FEDERATED" | "MANAGED_IDENTITY";
  tenantId: string | null;
  clientId: string | null;
  clientSecret: string | null;
  certificatePem: string | null;
  certificateThumbprint: string | null;
  privateKeyPem: string | null;
  federatedSubject: string | null;
  /** The client secret's expiry (entered) or the certificate's notAfter: reminders read it like a PAT's. */
  credentialExpiresAt: Date | null;
  objectId: string | null;
  check: CheckRecord;
};

/**
 * Creates a service-principal connection from a wizard draft, in one transaction and
 * idempotently like the others. It has no owner (it belongs to no person), its secret or private
 * key is sealed in its ServicePrincipal row, and the credential's expiry sits where a PAT's does.
 */
export async function createServicePrincipalConnection(scope: Scope, input: NewServicePrincipalConnection): Promise<{ id: string; created: boolean }> {
  return createFromDraft(scope, input, async (tx, id) => {
    await tx.connection.create({
      data: {
        ...newConnectionColumns(scope, id, input, false),
        deploymentType: "SERVICES",
        authMethod: "SERVICE_PRINCIPAL",
        pathPrefix: "",
        tokenExpiresAt: input.credentialExpiresAt,
        credentialExpiresAt: input.credentialExpiresAt,
        credentialExpirySource: input.credentialExpiresAt ? "ENTERED" : null,
        tokenLastFour: input.kind === "CLIENT_SECRET" ? lastFour(input.clientSecret) : null,
        idempotencyKey: input.draftId,
      },
    });
    await tx.servicePrincipal.create({
      data: {
        connectionId: id,
        organizationId: scope.organizationId,
        kind: input.kind,
        tenantId: input.tenantId,
        clientId: input.clientId,
        clientSecretSealed: input.kind === "CLIENT_SECRET" && input.clientSecret ? sealSecret({ table: "ServicePrincipal", column: "clientSecretSealed" }, id, input.clientSecret) : null,
        certificatePem: input.kind === "CERTIFICATE" ? input.certificatePem : null,
        certificateThumbprint: input.kind === "CERTIFICATE" ? input.certificateThumbprint : null,
        privateKeySealed: input.kind === "CERTIFICATE" && input.privateKeyPem ? sealSecret({ table: "ServicePrincipal", column: "privateKeySealed" }, id, input.privateKeyPem) : null,
        federatedSubject: input.kind === "FEDERATED" ? input.federatedSubject : null,
        objectId: input.objectId,
      },
    });
    // The draft keeps only the link: its sealed copy of the secret or key goes now.
    await tx.connectDraft.update({ where: { id: input.draftId }, data: { connectionId: id, entraSecretSealed: null } });
    return { method: "SERVICE_PRINCIPAL", credential: input.kind, deploymentType: "SERVICES" };
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

/**
 * Renames a connection (any sign-in method; a PAT connection's other fields are edited with
 * updatePatConnection), audited with the old and new name. Names are unique per organization.
 */
export async function renameConnection(scope: Scope, id: string, name: string): Promise<{ changed: boolean }> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ name: string }[]>`SELECT name FROM "Connection" WHERE id = ${id}::uuid AND "organizationId" = ${scope.organizationId}::uuid FOR UPDATE`;
    const current = rows[0];
    if (!current) {
      throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
    }
    if (current.name === name) {
      return { changed: false };
    }
    const taken = await tx.connection.findFirst({ where: { organizationId: scope.organizationId, nameKey: name.toLowerCase(), NOT: { id } }, select: { id: true } });
    if (taken) {
      throw new AppError("CONFLICT", `A connection named "${name}" already exists. Choose another name.`, { details: { field: "name" } });
    }
    await tx.connection.update({ where: { id }, data: { name, nameKey: name.toLowerCase() } });
    await recordAudit(scope, { action: "connection.renamed", targetType: "connection", targetId: id, data: { from: current.name, to: name } }, tx);
    return { changed: true };
  });
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
        ? {
            tokenSealed: sealSecret({ table: "Connection", column: "tokenSealed" }, id, edit.token),
            tokenLastFour: lastFour(edit.token),
            // Whoever enters a token is the person the connection now signs in as.
            credentialUserId: requireUserActor(scope).userId,
          }
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
          // The entered date is the expiry Keel knows for a new token (or a corrected date for the old one).
          credentialExpiresAt: edit.tokenExpiresAt,
          credentialExpirySource: edit.tokenExpiresAt ? "ENTERED" : null,
          ...tokenData,
          // The CA was trusted for the old server only.
          ...(moved ? { caBundlePem: null } : {}),
          ...(check && !tokenWiped
            ? {
                lastCheckAt: new Date(),
                lastCheckResult: check.summary,
                serverProduct: check.serverProduct ?? undefined,
                apiVersion: check.apiVersion ?? undefined,
                scopes: check.scopes ?? undefined,
              }
            : {}),
        },
      });
      if (tokenWiped) {
        await writeConnectionStatus(tx, scope, id, {
          status: "CREDENTIALS_MISSING",
          reason: "The server address changed, so the stored token was removed. Enter a token for the new address.",
          source: "action",
        });
      } else if (check) {
        await writeConnectionStatus(tx, scope, id, { status: check.status, reason: check.statusReason, source: "action", ...(check.finding ? { finding: check.finding } : {}) });
      }
      await recordAudit(
        scope,
        {
          action: edit.token ? "connection.token_replaced" : "connection.updated",
          targetType: "connection",
          targetId: id,
          data: {
            name: edit.name,
            moved,
            tokenReplaced: Boolean(edit.token),
            ...(edit.token ? { tokenLastFour: lastFour(edit.token) } : {}),
            tokenExpiresAt: edit.tokenExpiresAt?.toISOString() ?? null,
            tokenWiped,
            caDropped: moved && current.caBundlePem !== null,
            serverUrl: edit.serverUrl,
            pathPrefix: edit.pathPrefix,
            collection: edit.collection,
          },
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

/**
 * Makes another admin the owner of a connection (audited, and told to the new owner, the old
 * one and the admins). The credential stays as it is: the connection keeps working until the new
 * owner authorizes with their own identity or token (the page asks them to).
 */
export async function changeConnectionOwner(scope: Scope, id: string, newOwnerId: string): Promise<{ changed: boolean }> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ ownerId: string | null; name: string }[]>`
      SELECT "ownerId", name FROM "Connection" WHERE id = ${id}::uuid AND "organizationId" = ${scope.organizationId}::uuid FOR UPDATE`;
    const connection = rows[0];
    if (!connection) {
      throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
    }
    const owner = await tx.membership.findFirst({
      where: { organizationId: scope.organizationId, userId: newOwnerId, role: "ADMIN", user: { isActive: true } },
      select: { user: { select: { id: true, name: true } } },
    });
    if (!owner) {
      throw new AppError("INVALID_INPUT", "Choose an active admin of your organization as the new owner.", { details: { field: "ownerId" } });
    }
    if (connection.ownerId === newOwnerId) {
      return { changed: false };
    }
    const previous = connection.ownerId ? await tx.user.findUnique({ where: { id: connection.ownerId }, select: { name: true } }) : null;
    await tx.connection.update({ where: { id }, data: { ownerId: newOwnerId } });
    const data = { name: connection.name, fromUserId: connection.ownerId, fromName: previous?.name ?? null, toUserId: newOwnerId, toName: owner.user.name };
    await recordAudit(scope, { action: "connection.owner_changed", targetType: "connection", targetId: id, data }, tx);
    await createNotice(tx, scope, { connectionId: id, kind: "connection.owner_changed", dedupeKey: `owner:${id}:${randomUUID()}`, data, alsoTell: connection.ownerId });
    return { changed: true };
  });
}

/** The admins a connection can be handed to (active admins of the scope's organization). */
export async function listPossibleOwners(scope: Scope): Promise<{ id: string; name: string; email: string }[]> {
  const rows = await db.membership.findMany({
    where: { organizationId: scope.organizationId, role: "ADMIN", user: { isActive: true } },
    select: { user: { select: { id: true, name: true, email: true } } },
    orderBy: { user: { name: "asc" } },
  });
  return rows.map((row) => row.user);
}

/**
 * Deletes a connection, keeping its build profiles: in one transaction under a row lock, the
 * typed name must match, every profile is marked disconnected (with the connection's name, for
 * display and re-binding) and audited, the connection goes (its listing cache with it), and the
 * deletion is audited with the profiles it affected.
 */
export async function deleteConnection(scope: Scope, id: string, typedName: string): Promise<{ name: string; profiles: { id: string; name: string }[] }> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ name: string; authMethod: string; serverUrl: string; pathPrefix: string; collection: string }[]>`
      SELECT name, "authMethod", "serverUrl", "pathPrefix", collection FROM "Connection"
      WHERE id = ${id}::uuid AND "organizationId" = ${scope.organizationId}::uuid FOR UPDATE`;
    const connection = rows[0];
    if (!connection) {
      throw new AppError("NOT_FOUND", "That connection does not exist in your organization (it may have been deleted already).");
    }
    if (typedName.trim() !== connection.name) {
      throw new AppError("INVALID_INPUT", `Type the connection's name exactly as shown (${connection.name}) to delete it.`, { details: { field: "confirmName" } });
    }
    const profiles = await tx.buildProfile.findMany({ where: { organizationId: scope.organizationId, connectionId: id }, select: { id: true, name: true, repositoryId: true, repositoryName: true }, orderBy: { nameKey: "asc" } });
    const now = new Date();
    await tx.buildProfile.updateMany({ where: { organizationId: scope.organizationId, connectionId: id }, data: { connectionId: null, disconnectedAt: now, disconnectedConnectionName: connection.name } });
    for (const profile of profiles) {
      await recordAudit(
        scope,
        { action: "profile.disconnected", targetType: "build_profile", targetId: profile.id, data: { name: profile.name, connectionId: id, connectionName: connection.name, repositoryId: profile.repositoryId, repositoryName: profile.repositoryName } },
        tx,
      );
    }
    await tx.connection.delete({ where: { id } });
    await recordAudit(
      scope,
      {
        action: "connection.deleted",
        targetType: "connection",
        targetId: id,
        data: {
          name: connection.name,
          method: connection.authMethod,
          serverUrl: connection.serverUrl,
          pathPrefix: connection.pathPrefix,
          collection: connection.collection,
          profilesDisconnected: profiles.length,
          profiles: profiles.slice(0, 50).map((profile) => profile.name),
        },
      },
      tx,
    );
    return { name: connection.name, profiles: profiles.map((profile) => ({ id: profile.id, name: profile.name })) };
  });
}

/** Stores a CA certificate (PEM) for one connection's server. */
export async function setConnectionCa(scope: Scope, id: string, pem: string | null): Promise<void> {
  const updated = await db.connection.updateMany({ where: { id, organizationId: scope.organizationId }, data: { caBundlePem: pem } });
  if (updated.count !== 1) {
    throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
  }
  await recordAudit(scope, { action: pem ? "connection.ca_uploaded" : "connection.ca_removed", targetType: "connection", targetId: id });
}

/** The columns the status model reads, for every connection of the scope's organization (the header's count). */
export async function listConnectionStatusInputs(scope: Scope) {
  return db.connection.findMany({
    where: { organizationId: scope.organizationId },
    select: { id: true, name: true, authMethod: true, status: true, statusReason: true, credentialExpiresAt: true, credentialExpirySource: true, lastCheckAt: true, createdAt: true },
  });
}

/** A connection someone holds: they own it, or it signs in with their token or identity. */
export type HeldConnection = { id: string; name: string; owner: boolean; credential: boolean };

/**
 * The connections each of these people holds, by user id, by name (one statement): what the
 * members page says of someone about to be disabled, or who was, and whom their connections
 * still sign in as.
 */
export async function connectionsHeldBy(scope: Scope, userIds: readonly string[]): Promise<Map<string, HeldConnection[]>> {
  const held = new Map<string, HeldConnection[]>();
  if (userIds.length === 0) {
    return held;
  }
  const ids = [...userIds];
  const rows = await db.connection.findMany({
    where: { organizationId: scope.organizationId, OR: [{ ownerId: { in: ids } }, { credentialUserId: { in: ids } }] },
    orderBy: { nameKey: "asc" },
    select: { id: true, name: true, ownerId: true, credentialUserId: true },
  });
  for (const row of rows) {
    for (const userId of new Set([row.ownerId, row.credentialUserId])) {
      if (userId !== null && ids.includes(userId)) {
        held.set(userId, [...(held.get(userId) ?? []), { id: row.id, name: row.name, owner: row.ownerId === userId, credential: row.credentialUserId === userId }]);
      }
    }
  }
  return held;
}
