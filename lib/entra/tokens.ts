import "server-only";
import { randomUUID } from "node:crypto";
import { decodeJwt } from "jose";
import { SecretUnreadableError } from "@/lib/crypto";
import { recordAudit } from "@/lib/data/audit";
import {
  acquirePrincipalLease,
  commitPrincipalToken,
  getPrincipalTokenState,
  markPrincipalCredentialsUnreadable,
  openPrincipalAccessToken,
  openServicePrincipalCredential,
  recordPrincipalFailure,
  releasePrincipalLease,
  type OpenedPrincipalCredential,
} from "@/lib/data/service-principals";
import { azureDevOpsUrls } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { getOutboundPolicy, instanceMetadataPolicy } from "@/lib/outbound";
import type { Scope } from "@/lib/scope";
import type { Finding } from "@/lib/azure-devops/doctor-findings";
import { federatedAssertion, federationIssuer } from "./federation";
import { findingForEntraError, type EntraFindingContext } from "./findings";
import { EntraTokenError, requestAppToken, requestManagedIdentityToken, type AppToken, type ClientProof } from "./token-client";

// A service principal's Azure DevOps token: requested from Microsoft Entra ID (or the instance
// metadata endpoint), held sealed per connection, renewed before it expires, single-flight across
// every Keel instance — the same lease as the OAuth refresh (lib/oauth/README.md): one atomic
// UPDATE takes the lease, the holder asks Entra outside any transaction, stores the new token in a
// short row-locked write over the version it read, and everyone else waits for the version to move.

const log = logger("entra.tokens");

/** Renew this long before the token expires (Entra's tokens last about an hour). */
export const RENEW_MARGIN_SECONDS = 300;
/** Longer than a token request may take (20 s), so a live holder never loses the lease. */
export const LEASE_MS = 45_000;
const WAIT_STEP_MS = 150;

/** What the token request needs: the credential as stored (secrets opened). */
export type PrincipalCredential = Pick<OpenedPrincipalCredential, "kind" | "tenantId" | "clientId" | "clientSecret" | "certificatePem" | "privateKeyPem" | "federatedSubject">;

/** A token request Microsoft Entra ID (or IMDS) refused: carries the error and the doctor's finding for it. */
export class PrincipalTokenFailure extends AppError {
  constructor(
    readonly entra: EntraTokenError,
    readonly finding: Finding,
  ) {
    super(entra.kind === "unreachable" ? "UNREACHABLE" : "PROVIDER_REJECTED", finding.title, { details: { entraCode: entra.code } });
  }
}

/** What the Entra explanations need to know about a stored or typed credential. */
export function entraContextOf(credential: Pick<PrincipalCredential, "kind" | "tenantId" | "clientId" | "federatedSubject">, organization: string): EntraFindingContext {
  return {
    kind: credential.kind,
    organization,
    tenantId: credential.tenantId,
    clientId: credential.clientId,
    ...(credential.kind === "FEDERATED" ? { issuer: federationIssuer(), subject: credential.federatedSubject ?? "" } : {}),
  };
}


/** True for a refused service-principal token request. */
export function isPrincipalTokenFailure(error: unknown): error is PrincipalTokenFailure {
  return error instanceof PrincipalTokenFailure;
}

export type IssuedToken = AppToken & { objectId: string | null };

/** The principal's object id (`oid`) as the token says; the token is Entra's, read for display only. */
function objectIdOf(accessToken: string): string | null {
  try {
    const claims = decodeJwt(accessToken);
    return typeof claims.oid === "string" ? claims.oid : null;
  } catch {
    return null;
  }
}

/** One token request for a credential, uncached (the wizard's check, and renewals). Throws EntraTokenError. */
export async function requestPrincipalToken(credential: PrincipalCredential): Promise<IssuedToken> {
  let token: AppToken;
  if (credential.kind === "MANAGED_IDENTITY") {
    const policy = instanceMetadataPolicy();
    if (!policy) {
      throw new EntraTokenError("local", "managed_identity_disabled", "Managed identity is turned off for this Keel (KEEL_MANAGED_IDENTITY).");
    }
    token = await requestManagedIdentityToken({ instanceMetadataUrl: azureDevOpsUrls().instanceMetadata, clientId: credential.clientId }, { policy });
  } else {
    if (!credential.tenantId || !credential.clientId) {
      throw new EntraTokenError("local", "incomplete", "The connection has no tenant id or client id.");
    }
    let proof: ClientProof;
    if (credential.kind === "CLIENT_SECRET") {
      if (!credential.clientSecret) {
        throw new EntraTokenError("local", "AADSTS7000218", "No client secret is stored for this connection.");
      }
      proof = { kind: "secret", secret: credential.clientSecret };
    } else if (credential.kind === "CERTIFICATE") {
      if (!credential.certificatePem || !credential.privateKeyPem) {
        throw new EntraTokenError("local", "certificate_unreadable", "No certificate is stored for this connection.");
      }
      proof = { kind: "certificate", certificatePem: credential.certificatePem, privateKeyPem: credential.privateKeyPem };
    } else {
      if (!credential.federatedSubject) {
        throw new EntraTokenError("local", "incomplete", "No federated subject is stored for this connection.");
      }
      proof = { kind: "assertion", assertion: (await federatedAssertion(credential.federatedSubject)).assertion };
    }
    token = await requestAppToken({ authority: azureDevOpsUrls().entraAuthority, tenantId: credential.tenantId, clientId: credential.clientId, proof }, { policy: getOutboundPolicy() });
  }
  return { ...token, objectId: objectIdOf(token.accessToken) };
}

export type PrincipalTokenOptions = {
  /** Renew even if the held token looks valid (Azure DevOps just refused it). */
  forceRefresh?: boolean;
  /** With forceRefresh: the refused token; a different held token is returned instead of renewing again. */
  rejectedToken?: string;
  /**
   * Ask Entra even if it refused this credential moments ago (Check: the admin may just have
   * fixed the cause). Otherwise a refusal younger than REFUSAL_MEMORY_MS is answered at once.
   */
  retryRefused?: boolean;
};

/**
 * How long a refusal stands for everyone using the connection: a picker page asks for several
 * things in parallel, and a credential Entra just refused would be refused again.
 */
export const REFUSAL_MEMORY_MS = 5_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function openHeld(scope: Scope, connectionId: string, version: number): Promise<string | null> {
  try {
    return await openPrincipalAccessToken(scope, connectionId, version);
  } catch (error) {
    if (error instanceof SecretUnreadableError) {
      // A held token that does not open is only a cache: drop to a renewal by pretending it is stale.
      log.warn({ connectionId, reason: error.reason }, "the held service principal token does not open; renewing");
      return null;
    }
    throw error;
  }
}

/**
 * A usable Azure DevOps token for a service-principal connection of the scope's organization,
 * renewed single-flight when it expires within RENEW_MARGIN_SECONDS (or when forced).
 */
export async function getServicePrincipalToken(scope: Scope, connectionId: string, options: PrincipalTokenOptions = {}): Promise<string> {
  let force = options.forceRefresh === true;
  let forcedFromVersion: number | undefined;
  let staleVersion: number | undefined;
  const deadline = Date.now() + LEASE_MS + 10_000;
  for (;;) {
    const state = await getPrincipalTokenState(scope, connectionId);
    if (!state) {
      throw new AppError("NOT_FOUND", "That connection has no service principal in your organization.");
    }
    if (force && forcedFromVersion !== undefined && state.tokenVersion > forcedFromVersion) {
      force = false;
    }
    if (force && forcedFromVersion === undefined && options.rejectedToken !== undefined && state.expiresAt !== null) {
      const current = await openHeld(scope, connectionId, state.tokenVersion);
      if (current !== null && current !== options.rejectedToken) {
        return current;
      }
    }
    const now = Math.floor(Date.now() / 1000);
    const fresh = state.expiresAt !== null && state.expiresAt - RENEW_MARGIN_SECONDS > now && staleVersion !== state.tokenVersion;
    if (fresh && !force) {
      const held = await openHeld(scope, connectionId, state.tokenVersion);
      if (held !== null) {
        return held;
      }
      staleVersion = state.tokenVersion;
      continue;
    }
    // A renewal is due. Entra refused this credential a moment ago (the request we may have
    // waited for): that answer is ours too — unless the held token still works for a while, or
    // Check asks afresh. Replacing the credential clears the refusal.
    const recentRefusal = state.lastFailureCode !== null && state.lastFailureAt !== null && state.readAt.getTime() - state.lastFailureAt.getTime() < REFUSAL_MEMORY_MS;
    if (recentRefusal && !state.leaseActive && !force && options.retryRefused !== true) {
      const held = await stillUsable(scope, connectionId, state);
      if (held !== null) {
        return held;
      }
      throw await refusedWhileWaiting(scope, connectionId, state.lastFailureCode!);
    }
    forcedFromVersion ??= state.tokenVersion;
    const leaseId = randomUUID();
    if (!state.leaseActive && (await acquirePrincipalLease(scope, connectionId, state, leaseId, LEASE_MS))) {
      return renewHolding(scope, connectionId, state, leaseId, force);
    }
    if (Date.now() > deadline) {
      throw new AppError("UNREACHABLE", "Another request has been getting this connection's Azure DevOps token for too long. Try again in a minute.");
    }
    await sleep(WAIT_STEP_MS);
  }
}

/** The held token when it still has a minute left (renewal failed inside the margin), else null. */
async function stillUsable(scope: Scope, connectionId: string, state: { tokenVersion: number; expiresAt: number | null }): Promise<string | null> {
  if (state.expiresAt === null || state.expiresAt - 60 <= Math.floor(Date.now() / 1000)) {
    return null;
  }
  return openHeld(scope, connectionId, state.tokenVersion);
}

/** The failure another request just met, as this request's own (the finding from its code). */
async function refusedWhileWaiting(scope: Scope, connectionId: string, code: string): Promise<PrincipalTokenFailure> {
  const credential = await openServicePrincipalCredential(scope, connectionId);
  const error = new EntraTokenError(code.startsWith("AADSTS") ? "rejected" : code.startsWith("unreachable") || code.startsWith("imds_unreachable") ? "unreachable" : "imds", code, `Microsoft Entra ID refused the token request (${code}).`);
  return new PrincipalTokenFailure(error, findingForEntraError(error, entraContextOf(credential, credential.organization)));
}

/** The lease is ours: ask Entra, store, then hand out the new token. */
async function renewHolding(scope: Scope, connectionId: string, state: { tokenVersion: number; expiresAt: number | null }, leaseId: string, forced: boolean): Promise<string> {
  const version = state.tokenVersion;
  let handedOver = false;
  try {
    let credential: OpenedPrincipalCredential;
    try {
      credential = await openServicePrincipalCredential(scope, connectionId);
    } catch (error) {
      if (error instanceof SecretUnreadableError) {
        await markPrincipalCredentialsUnreadable(scope, connectionId, error.reason, error.keyId ?? null);
        throw new AppError("PROVIDER_REJECTED", "Keel cannot decrypt this connection's client secret or private key (its encryption key is missing or the value is damaged). An admin must replace the credential.", {
          details: { reason: error.reason },
        });
      }
      throw error;
    }
    let token: IssuedToken;
    try {
      token = await requestPrincipalToken(credential);
    } catch (error) {
      if (error instanceof EntraTokenError) {
        await recordPrincipalFailure(scope, connectionId, leaseId, error.code);
        handedOver = true;
        log.info({ connectionId, code: error.code, kind: credential.kind }, "service principal token refused");
        // Renewing early failed (Entra down, a secret revoked): the held token still works until
        // it expires, so use it; the refusal is recorded, and Check reports it.
        const held = forced ? null : await stillUsable(scope, connectionId, state);
        if (held !== null) {
          return held;
        }
        throw new PrincipalTokenFailure(error, findingForEntraError(error, entraContextOf(credential, credential.organization)));
      }
      throw error;
    }
    const stored = await commitPrincipalToken(scope, connectionId, version, token);
    handedOver = true;
    if (!stored) {
      // The credential was replaced meanwhile: the token of the old one must not be used.
      return getServicePrincipalToken(scope, connectionId);
    }
    await recordAudit(scope, { action: "service_principal.token_issued", targetType: "connection", targetId: connectionId, data: { kind: credential.kind, tokenVersion: version + 1 } });
    return token.accessToken;
  } finally {
    if (!handedOver) {
      await releasePrincipalLease(scope, connectionId, leaseId);
    }
  }
}
