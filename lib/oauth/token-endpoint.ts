/**
 * The token requests of both providers, through the guarded HTTP client (SSRF policy, timeouts,
 * size cap, no redirects). Framework-free: next-auth's `token.request` and Keel's refresh both
 * call these, and the unit tests run them against the emulator.
 *
 * Azure DevOps OAuth (docs/azure-devops-facts.md §3.1), form-encoded to {vssps}/oauth2/token:
 *   code:    client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
 *            &client_assertion={client secret}&grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer
 *            &assertion={code}&redirect_uri={callback}
 *   refresh: the same, with grant_type=refresh_token&assertion={refresh token}
 * Microsoft Entra ID v2 (docs/azure-devops-facts.md §3.3), form-encoded to {authority}/{tenant}/oauth2/v2.0/token
 * with client_secret_post:
 *   code:    grant_type=authorization_code&code&redirect_uri&code_verifier&client_id&client_secret&scope
 *   refresh: grant_type=refresh_token&refresh_token&client_id&client_secret&scope
 *
 * Errors never carry the response body: only the provider's error code (e.g. `invalid_grant`,
 * `AADSTS54005`) and a kind Keel acts on.
 */
import { z } from "zod";
import { guardedRequest, type GuardedTimeouts, type HostResolver } from "../net/guarded-request";
import type { OutboundPolicy } from "../net/ssrf-policy";
import type { OAuthProviderConfig } from "./config";

export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** Tokens as Keel keeps them: `expiresAt` in epoch seconds (next-auth's `expires_at`). */
export type OAuthTokens = {
  accessToken: string;
  /** Null when the provider sent none (Entra without offline_access). */
  refreshToken: string | null;
  expiresAt: number;
  tokenType: string;
  scope: string | null;
  /** Entra only; verified for its nonce by the caller, then dropped (never stored). */
  idToken?: string;
};

export type OAuthTokenErrorKind =
  /** The code or refresh token is not (or no longer) valid: revoked, expired, rotated away. */
  | "invalid_grant"
  /** The code was redeemed already (a replayed callback). */
  | "code_used"
  /** PKCE: the code_verifier does not match the challenge. */
  | "pkce_mismatch"
  /** The client id/secret was refused: Keel's configuration (the secret may have expired). */
  | "invalid_client"
  /** Any other refusal (redirect_uri mismatch, unsupported grant…). */
  | "rejected"
  /** Keel could not reach the token endpoint, or it answered something that is not a token response. */
  | "unreachable"
  | "malformed";

/** A failed token request; `providerError` is the provider's error code only (never a body). */
export class OAuthTokenError extends Error {
  override readonly name = "OAuthTokenError";
  constructor(
    readonly kind: OAuthTokenErrorKind,
    message: string,
    readonly providerError?: string,
    readonly status?: number,
  ) {
    super(message);
  }

  /** True when only a new consent can fix it (the grant is gone). */
  get needsReauthorization(): boolean {
    return this.kind === "invalid_grant";
  }
}

export type TokenRequestOptions = {
  policy: OutboundPolicy;
  /** Epoch milliseconds; default Date.now(). */
  now?: number;
  timeouts?: Partial<GuardedTimeouts>;
  resolve?: HostResolver;
};

type Config = Pick<OAuthProviderConfig, "kind" | "tokenUrl" | "clientId" | "clientSecret" | "redirectUri" | "scopes">;

// Token calls are short: a slow identity provider must not hold a refresh lease for a minute.
const TOKEN_TIMEOUTS: GuardedTimeouts = { connectMs: 5_000, headersMs: 15_000, totalMs: 20_000 };

/** The form body that redeems an authorization code. */
export function codeRequestBody(config: Config, code: string, codeVerifier?: string): URLSearchParams {
  if (config.kind === "legacy") {
    return new URLSearchParams({
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: config.clientSecret,
      grant_type: JWT_BEARER_GRANT,
      assertion: code,
      redirect_uri: config.redirectUri,
    });
  }
  if (!codeVerifier) {
    throw new OAuthTokenError("pkce_mismatch", "The PKCE code verifier is missing; start the sign-in again.");
  }
  return new URLSearchParams({
    client_id: config.clientId,
    client_secret: config.clientSecret,
    grant_type: "authorization_code",
    code,
    redirect_uri: config.redirectUri,
    code_verifier: codeVerifier,
    scope: config.scopes.join(" "),
  });
}

/** The form body that trades a refresh token for new tokens (the refresh token rotates). */
export function refreshRequestBody(config: Config, refreshToken: string): URLSearchParams {
  if (config.kind === "legacy") {
    return new URLSearchParams({
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: config.clientSecret,
      grant_type: "refresh_token",
      assertion: refreshToken,
      redirect_uri: config.redirectUri,
    });
  }
  return new URLSearchParams({
    client_id: config.clientId,
    client_secret: config.clientSecret,
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    scope: config.scopes.join(" "),
  });
}

/** Redeems an authorization code (the callback's token request). */
export function redeemAuthorizationCode(config: Config, input: { code: string; codeVerifier?: string }, options: TokenRequestOptions): Promise<OAuthTokens> {
  return postTokenRequest(config, codeRequestBody(config, input.code, input.codeVerifier), options);
}

/** Refreshes: returns the new access token and the rotated refresh token. */
export function refreshAccessToken(config: Config, refreshToken: string, options: TokenRequestOptions): Promise<OAuthTokens> {
  return postTokenRequest(config, refreshRequestBody(config, refreshToken), options);
}

// `expires_in` is a string on Azure DevOps OAuth ("3599") and a number on Entra.
const seconds = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,10}$/).transform(Number)]);

const tokenResponseSchema = z.object({
  access_token: z.string().min(1).max(16_384),
  refresh_token: z.string().min(1).max(16_384).optional(),
  expires_in: seconds.optional(),
  token_type: z.string().max(64).optional(),
  scope: z.string().max(4_096).optional(),
  id_token: z.string().max(16_384).optional(),
});

const errorResponseSchema = z.looseObject({
  error: z.string().max(200).optional(),
  Error: z.string().max(200).optional(),
  error_description: z.string().max(4_000).optional(),
  ErrorDescription: z.string().max(4_000).optional(),
  error_codes: z.array(z.number()).optional(),
});

async function postTokenRequest(config: Config, body: URLSearchParams, options: TokenRequestOptions): Promise<OAuthTokens> {
  const result = await guardedRequest({
    url: config.tokenUrl,
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: body.toString(),
    policy: options.policy,
    timeouts: { ...TOKEN_TIMEOUTS, ...options.timeouts },
    maxResponseBytes: 256 * 1024,
    accept: "json",
    ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
  });
  const host = safeHost(config.tokenUrl);
  if (!result.ok) {
    const status = "status" in result.failure ? result.failure.status : undefined;
    throw new OAuthTokenError("unreachable", `Keel could not get a token from ${host}: ${result.failure.message}`, undefined, status);
  }
  const { status, json } = result.response;
  if (status >= 200 && status < 300) {
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new OAuthTokenError("malformed", `${host} answered the token request with something that is not a token response.`, undefined, status);
    }
    const now = Math.floor((options.now ?? Date.now()) / 1000);
    const tokens: OAuthTokens = {
      accessToken: parsed.data.access_token,
      refreshToken: parsed.data.refresh_token ?? null,
      // Without expires_in assume the documented one hour (docs/azure-devops-facts.md §3.1, §3.3).
      expiresAt: now + (parsed.data.expires_in ?? 3600),
      tokenType: parsed.data.token_type ?? "Bearer",
      scope: parsed.data.scope ?? null,
    };
    if (parsed.data.id_token !== undefined) {
      tokens.idToken = parsed.data.id_token;
    }
    return tokens;
  }
  throw classifyError(status, json, host);
}

/** Maps a token-endpoint error response (both providers' shapes) to a kind Keel acts on. */
export function classifyError(status: number, json: unknown, host: string): OAuthTokenError {
  const parsed = errorResponseSchema.safeParse(json ?? {});
  const data = parsed.success ? parsed.data : {};
  const error = (data.error ?? data.Error ?? "").toLowerCase();
  const description = data.error_description ?? data.ErrorDescription ?? "";
  const aadsts = /AADSTS(\d+)/.exec(description)?.[1] ?? (data.error_codes?.[0] !== undefined ? String(data.error_codes[0]) : undefined);
  const code = aadsts ? `AADSTS${aadsts}` : error || `HTTP ${status}`;
  if (error === "invalid_client" || error === "unauthorized_client" || aadsts === "7000215" || aadsts === "700016") {
    return new OAuthTokenError("invalid_client", `${host} refused Keel's OAuth client id or secret (${code}). The client secret may have expired: create a new one and update Keel's configuration.`, code, status);
  }
  if (aadsts === "54005" || /already been redeemed|already redeemed/i.test(description)) {
    return new OAuthTokenError("code_used", `The authorization code was used already (${code}).`, code, status);
  }
  if (aadsts === "501481" || /code_verifier/i.test(description)) {
    return new OAuthTokenError("pkce_mismatch", `The PKCE code verifier did not match (${code}).`, code, status);
  }
  if (error === "invalid_grant") {
    return new OAuthTokenError("invalid_grant", `${host} no longer accepts this grant (${code}): it was revoked, expired or already used.`, code, status);
  }
  return new OAuthTokenError("rejected", `${host} refused the token request (${code}).`, code, status);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "the identity provider";
  }
}
