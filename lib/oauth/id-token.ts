/**
 * Checks the Entra ID token that comes with the code exchange: RS256 signature against the
 * tenant's published keys (fetched through the guarded client), issuer, audience, expiry and —
 * the reason Keel asks for it at all — the nonce Keel put into the authorize request. Keel takes
 * the identity from Azure DevOps (the access token's audience), never from this token, and never
 * stores it.
 */
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet } from "jose";
import { guardedRequest, type HostResolver } from "../net/guarded-request";
import type { OutboundPolicy } from "../net/ssrf-policy";

export type IdTokenExpectations = {
  jwksUrl: string;
  authority: string;
  /** The configured tenant segment (GUID, domain, or organizations/common when multi-tenant). */
  tenant: string;
  multiTenant: boolean;
  clientId: string;
  nonce: string;
};

/** A refused ID token; the message names the claim, never the token. */
export class IdTokenError extends Error {
  override readonly name = "IdTokenError";
  constructor(
    readonly reason: "nonce_mismatch" | "invalid" | "keys_unavailable",
    message: string,
  ) {
    super(message);
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const JWKS_TTL_MS = 10 * 60 * 1000;
const jwksCache = new Map<string, { keys: JSONWebKeySet; fetchedAt: number }>();

async function fetchJwks(url: string, policy: OutboundPolicy, resolve?: HostResolver): Promise<JSONWebKeySet> {
  const result = await guardedRequest({ url, policy, accept: "json", maxResponseBytes: 256 * 1024, timeouts: { totalMs: 15_000 }, ...(resolve ? { resolve } : {}) });
  if (!result.ok || result.response.status !== 200) {
    throw new IdTokenError("keys_unavailable", `Keel could not read the signing keys of ${new URL(url).host}.`);
  }
  const json = result.response.json as { keys?: unknown };
  if (!json || !Array.isArray(json.keys)) {
    throw new IdTokenError("keys_unavailable", `${new URL(url).host} did not publish signing keys.`);
  }
  return json as JSONWebKeySet;
}

async function keysFor(url: string, policy: OutboundPolicy, refresh: boolean, resolve?: HostResolver): Promise<JSONWebKeySet> {
  const cached = jwksCache.get(url);
  if (!refresh && cached && Date.now() - cached.fetchedAt < JWKS_TTL_MS) {
    return cached.keys;
  }
  const keys = await fetchJwks(url, policy, resolve);
  jwksCache.set(url, { keys, fetchedAt: Date.now() });
  return keys;
}

/** Verifies an Entra ID token and its nonce; returns the tenant id (`tid`). Throws IdTokenError. */
export async function verifyEntraIdToken(idToken: string, expect: IdTokenExpectations, options: { policy: OutboundPolicy; resolve?: HostResolver }): Promise<{ tenantId: string | null }> {
  const verify = async (refresh: boolean) => {
    const jwks = createLocalJWKSet(await keysFor(expect.jwksUrl, options.policy, refresh, options.resolve));
    return jwtVerify(idToken, jwks, { audience: expect.clientId, algorithms: ["RS256"], clockTolerance: 120 });
  };
  let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
  try {
    try {
      ({ payload } = await verify(false));
    } catch (error) {
      // Keys rotate: an unknown kid gets one fresh download before giving up.
      if (error instanceof joseErrors.JWKSNoMatchingKey) {
        ({ payload } = await verify(true));
      } else {
        throw error;
      }
    }
  } catch (error) {
    if (error instanceof IdTokenError) {
      throw error;
    }
    throw new IdTokenError("invalid", `Microsoft's ID token was refused (${error instanceof joseErrors.JOSEError ? error.code : "unreadable"}).`);
  }
  const tid = typeof payload.tid === "string" ? payload.tid : null;
  // v2 issuer: {authority}/{tenant id}/v2.0. A configured GUID tenant must be that tenant.
  const issuerOk = tid !== null && payload.iss === `${expect.authority}/${tid}/v2.0`;
  const tenantOk = expect.multiTenant || !GUID.test(expect.tenant) || tid?.toLowerCase() === expect.tenant.toLowerCase();
  if (!issuerOk || !tenantOk) {
    throw new IdTokenError("invalid", "Microsoft's ID token was issued for another tenant or by another issuer.");
  }
  if (payload.nonce !== expect.nonce) {
    throw new IdTokenError("nonce_mismatch", "Microsoft's ID token carries a different nonce than Keel's sign-in request.");
  }
  return { tenantId: tid };
}
