import "server-only";
import { randomUUID } from "node:crypto";
import { SecretUnreadableError } from "@/lib/crypto";
import { recordAudit } from "@/lib/data/audit";
import {
  acquireRefreshLease,
  commitRefreshedTokens,
  getAccountTokenState,
  markRefreshFailed,
  openAccountToken,
  recordUnreadableAccountToken,
  releaseRefreshLease,
} from "@/lib/data/oauth";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { outboundPolicyFor } from "@/lib/outbound";
import type { Scope } from "@/lib/scope";
import { isOAuthProviderId, oauthProviderConfig, type OAuthProviderConfig } from "./config";
import { OAuthTokenError, refreshAccessToken } from "./token-endpoint";

const log = logger("oauth.tokens");

/**
 * A usable access token for a linked identity, refreshed first when it expires within
 * REFRESH_MARGIN_SECONDS (or when `forceRefresh` says the API refused it).
 *
 * Single-flight per identity, across every Keel instance, without a transaction open across the
 * HTTP call (SECURITY.md asks for both; lib/oauth/README.md explains the choice):
 *   1. take a lease on the Account row with one atomic UPDATE (`refreshLeaseId/Until`, only if
 *      the tokens are still at the version just read and nobody else holds a live lease);
 *   2. the holder calls the token endpoint, outside any transaction;
 *   3. it stores the new tokens — the rotated refresh token first and foremost — in a short
 *      transaction under a row lock (`SELECT … FOR UPDATE`), over the version it started from;
 *   4. only then is the new access token returned to the caller and used.
 * Everyone else waits for the version to move (or the lease to lapse) and reads the stored
 * token. A lease outlives the token request's own timeout, so a live holder never loses it; a
 * crashed holder's lease lapses and the next caller takes over.
 */
export const REFRESH_MARGIN_SECONDS = 120;
export const LEASE_MS = 45_000;
const WAIT_STEP_MS = 150;

export type AccessTokenOptions = {
  /** Refresh even if the stored token looks valid (the API just refused it). */
  forceRefresh?: boolean;
  /**
   * With forceRefresh: the access token the API refused. When the stored one is already a
   * different token (another request refreshed meanwhile), that one is returned instead of
   * refreshing again.
   */
  rejectedAccessToken?: string;
  /** Override the provider configuration (tests). */
  config?: OAuthProviderConfig;
};

/** Thrown when only a new consent can help; callers show "needs re-authorization". */
export class NeedsReauthorizationError extends AppError {
  constructor(message: string) {
    super("PROVIDER_REJECTED", message, { details: { needsReauth: true } });
  }
}

/** True for the "needs re-authorization" failure. */
export function isNeedsReauthorization(error: unknown): error is NeedsReauthorizationError {
  return error instanceof NeedsReauthorizationError;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The access token of an identity of the scope's organization (a member's own, or the one a
 * connection of the organization uses), refreshing single-flight when needed.
 */
export async function getAccessTokenForAccount(scope: Scope, accountId: string, options: AccessTokenOptions = {}): Promise<string> {
  let force = options.forceRefresh === true;
  let forcedFromVersion: number | undefined;
  const deadline = Date.now() + LEASE_MS + 10_000;
  for (;;) {
    const state = await getAccountTokenState(scope, accountId);
    if (!state) {
      throw new NeedsReauthorizationError("The Azure DevOps identity of this connection is no longer linked. An admin must re-authorize.");
    }
    if (state.refreshFailedAt) {
      throw new NeedsReauthorizationError("Azure DevOps no longer accepts Keel's authorization (it was revoked or expired). An admin must re-authorize.");
    }
    // A forced refresh is satisfied by anybody's refresh after the version we saw…
    if (force && forcedFromVersion !== undefined && state.tokenVersion > forcedFromVersion) {
      force = false;
    }
    // …or, on the first look, by a stored token that is not the one the API refused.
    if (force && forcedFromVersion === undefined && options.rejectedAccessToken !== undefined) {
      const current = await open(scope, accountId, "access", state.tokenVersion);
      if (current !== null && current !== options.rejectedAccessToken) {
        return current;
      }
    }
    const now = Math.floor(Date.now() / 1000);
    const fresh = state.expiresAt !== null && state.expiresAt - REFRESH_MARGIN_SECONDS > now;
    if (fresh && !force) {
      const opened = await open(scope, accountId, "access", state.tokenVersion);
      if (opened !== null) {
        return opened;
      }
      continue; // the tokens moved between the two reads
    }
    forcedFromVersion ??= state.tokenVersion;
    if (!state.hasRefreshToken) {
      throw new NeedsReauthorizationError("Keel holds no refresh token for this Azure DevOps identity. An admin must re-authorize.");
    }
    const leaseId = randomUUID();
    if (!state.leaseActive && (await acquireRefreshLease(scope, accountId, state.tokenVersion, leaseId, LEASE_MS))) {
      return refreshHolding(scope, { accountId, provider: state.provider, version: state.tokenVersion, leaseId }, options.config);
    }
    if (Date.now() > deadline) {
      throw new AppError("UNREACHABLE", "Another request has been refreshing this connection's Azure DevOps token for too long. Try again in a minute.");
    }
    // Someone else is refreshing: wait for their result.
    await sleep(WAIT_STEP_MS);
  }
}

async function open(scope: Scope, accountId: string, which: "access" | "refresh", version: number): Promise<string | null> {
  try {
    return (await openAccountToken(scope, accountId, which, version))?.token ?? null;
  } catch (error) {
    if (error instanceof SecretUnreadableError) {
      await recordUnreadableAccountToken(scope, accountId, error);
      throw new NeedsReauthorizationError("Keel cannot decrypt the stored OAuth tokens (its encryption key is missing or the value is damaged). An admin must re-authorize.");
    }
    throw error;
  }
}

/** The lease is ours: refresh, store, then hand out the new access token. */
async function refreshHolding(scope: Scope, lease: { accountId: string; provider: string; version: number; leaseId: string }, override: OAuthProviderConfig | undefined): Promise<string> {
  const { accountId, provider, version, leaseId } = lease;
  let handedOver = false;
  try {
    const config = override ?? (isOAuthProviderId(provider) ? oauthProviderConfig(provider, getEnv()) : null);
    if (!config) {
      throw new AppError("PROVIDER_REJECTED", `The OAuth provider "${provider}" is no longer configured for this Keel, so its tokens cannot be refreshed. Configure it again or connect with a Personal Access Token.`);
    }
    const refreshToken = await open(scope, accountId, "refresh", version);
    if (refreshToken === null) {
      throw new NeedsReauthorizationError("Keel holds no refresh token for this Azure DevOps identity. An admin must re-authorize.");
    }
    let tokens;
    try {
      tokens = await refreshAccessToken(config, refreshToken, { policy: await outboundPolicyFor(scope) });
    } catch (error) {
      if (error instanceof OAuthTokenError && error.needsReauthorization) {
        await markRefreshFailed(scope, accountId, version, `${error.providerError ?? error.kind}: the refresh token was refused`);
        handedOver = true;
        log.info({ accountId, provider, providerError: error.providerError }, "refresh refused; the identity needs re-authorization");
        throw new NeedsReauthorizationError("Azure DevOps no longer accepts Keel's authorization (it was revoked or expired). An admin must re-authorize.");
      }
      if (error instanceof OAuthTokenError) {
        throw new AppError(error.kind === "invalid_client" ? "PROVIDER_REJECTED" : "UNREACHABLE", error.message, { details: { providerError: error.providerError ?? error.kind } });
      }
      throw error;
    }
    // The rotated refresh token is stored before the new access token is used anywhere.
    const stored = await commitRefreshedTokens(scope, accountId, version, {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: tokens.expiresAt,
      tokenType: tokens.tokenType,
      scope: tokens.scope,
    });
    handedOver = true;
    if (!stored) {
      // A re-authorization stored newer tokens meanwhile: use those.
      return getAccessTokenForAccount(scope, accountId);
    }
    // The outbound call, audited like every other: who needed it, which provider, never a token.
    await recordAudit(scope, { action: "oauth.token_refreshed", targetType: "account", targetId: accountId, data: { provider, tokenVersion: version + 1 } });
    log.debug({ accountId, provider }, "access token refreshed");
    return tokens.accessToken;
  } finally {
    if (!handedOver) {
      await releaseRefreshLease(scope, accountId, leaseId);
    }
  }
}
