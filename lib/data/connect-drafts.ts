import "server-only";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { openSecret, sealSecret } from "@/lib/secrets";
import { lastFour } from "@/lib/crypto";
import { requireUserActor, type Scope } from "@/lib/scope";

const DRAFT_TTL_MS = 24 * 3600 * 1000;

/** Drafts are private to the admin who started them, within their organization. */
function draftOwner(scope: Scope) {
  return { organizationId: scope.organizationId, userId: requireUserActor(scope).userId };
}

const publicDraft = {
  id: true,
  deploymentType: true,
  authMethod: true,
  name: true,
  serverUrl: true,
  pathPrefix: true,
  collection: true,
  caBundlePem: true,
  tokenLastFour: true,
  tokenExpiresAt: true,
  pastedRepository: true,
  lastCheck: true,
  lastCheckAt: true,
  connectionId: true,
  expiresAt: true,
  // OAUTH: the chosen provider, the linked identity and the organizations it reaches.
  oauthProvider: true,
  oauthAccountId: true,
  oauthOrganizations: true,
  oauthOrganizationsAt: true,
  // SERVICE_PRINCIPAL: the Entra side as typed (the secret or private key is sealed apart).
  entraTenantId: true,
  entraClientId: true,
  entraCredentialKind: true,
  entraCertificatePem: true,
  entraConnectionId: true,
} satisfies Prisma.ConnectDraftSelect;

export type Draft = Prisma.ConnectDraftGetPayload<{ select: typeof publicDraft }> & { hasToken: boolean; hasEntraSecret: boolean };

/** Starts a wizard draft for a provider. */
export async function createDraft(scope: Scope, deploymentType: "SERVICES" | "SERVER"): Promise<{ id: string }> {
  const owner = draftOwner(scope);
  // Expired drafts go on the way (sealed tokens in them included).
  await deleteExpiredDrafts();
  return db.connectDraft.create({
    data: { ...owner, deploymentType, expiresAt: new Date(Date.now() + DRAFT_TTL_MS) },
    select: { id: true },
  });
}

/** A live draft of this admin, or null (unknown, expired, someone else's). */
export async function getDraft(scope: Scope, id: string): Promise<Draft | null> {
  const row = await db.connectDraft.findFirst({
    where: { id, ...draftOwner(scope), expiresAt: { gt: new Date() } },
    select: { ...publicDraft, tokenSealed: true, entraSecretSealed: true },
  });
  if (!row) {
    return null;
  }
  const { tokenSealed, entraSecretSealed, ...rest } = row;
  return { ...rest, hasToken: Boolean(tokenSealed), hasEntraSecret: Boolean(entraSecretSealed) };
}

/** Updates the non-secret fields of a draft. */
export async function updateDraft(
  scope: Scope,
  id: string,
  data: Partial<
    Pick<
      Prisma.ConnectDraftUncheckedUpdateInput,
      "authMethod" | "name" | "serverUrl" | "pathPrefix" | "collection" | "caBundlePem" | "tokenExpiresAt" | "pastedRepository" | "entraTenantId" | "entraClientId" | "entraCredentialKind" | "entraCertificatePem" | "entraConnectionId"
    >
  > & {
    lastCheck?: Prisma.InputJsonValue | null;
  },
): Promise<void> {
  const { lastCheck, ...rest } = data;
  const result = await db.connectDraft.updateMany({
    where: { id, ...draftOwner(scope) },
    data: {
      ...rest,
      ...(lastCheck !== undefined ? { lastCheck: lastCheck === null ? undefined : lastCheck, lastCheckAt: lastCheck === null ? null : new Date() } : {}),
    },
  });
  if (result.count !== 1) {
    throw new Error("draft not found");
  }
}

/** Seals and stores the PAT typed into the draft (replacing any earlier one). */
export async function setDraftToken(scope: Scope, id: string, token: string): Promise<void> {
  await db.connectDraft.updateMany({
    where: { id, ...draftOwner(scope) },
    data: { tokenSealed: sealSecret({ table: "ConnectDraft", column: "tokenSealed" }, id, token), tokenLastFour: lastFour(token) },
  });
}

/** Opens the draft's PAT for an outbound call; null when none was entered. Throws when it cannot be opened. */
export async function openDraftToken(scope: Scope, id: string): Promise<string | null> {
  const row = await db.connectDraft.findFirst({
    where: { id, ...draftOwner(scope) },
    select: { tokenSealed: true },
  });
  if (!row?.tokenSealed) {
    return null;
  }
  return openSecret({ table: "ConnectDraft", column: "tokenSealed" }, id, row.tokenSealed);
}

/**
 * Seals and stores the service principal's secret typed into the draft (a client secret, or a
 * certificate's private key), or removes it (null).
 */
export async function setDraftEntraSecret(scope: Scope, id: string, secret: string | null): Promise<void> {
  await db.connectDraft.updateMany({
    where: { id, ...draftOwner(scope) },
    data: { entraSecretSealed: secret === null ? null : sealSecret({ table: "ConnectDraft", column: "entraSecretSealed" }, id, secret) },
  });
}

/** Opens the draft's service principal secret (client secret or private key); null when none. Throws when it cannot be opened. */
export async function openDraftEntraSecret(scope: Scope, id: string): Promise<string | null> {
  const row = await db.connectDraft.findFirst({ where: { id, ...draftOwner(scope) }, select: { entraSecretSealed: true } });
  if (!row?.entraSecretSealed) {
    return null;
  }
  return openSecret({ table: "ConnectDraft", column: "entraSecretSealed" }, id, row.entraSecretSealed);
}

/**
 * Deletes every expired draft, of every organization (housekeeping, global by nature): a draft
 * may hold a sealed token, which must not outlive the draft's 24 hours by much.
 */
export async function deleteExpiredDrafts(): Promise<void> {
  await db.connectDraft.deleteMany({ where: { expiresAt: { lt: new Date() } } });
}
