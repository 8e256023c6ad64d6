import "server-only";
import { createPrivateKey, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { TOKEN_EXCHANGE_AUDIENCE } from "@/lib/shared/entra-setup";
import { currentSigningKey, publishedKeys } from "./signing-keys";

// Workload identity federation with Keel as the issuer (lib/entra/README.md): Keel publishes an
// OpenID discovery document and its public keys under its public URL, and proves a connection's
// service principal by a short-lived token it signs itself, which Microsoft Entra ID exchanges for
// an Azure DevOps token because the app registration has a federated credential naming exactly
// this issuer, the connection's subject and the audience api://AzureADTokenExchange.

/** Where Keel's OpenID documents live, below its public URL. */
export const ISSUER_PATH = "/api/oidc";
/**
 * Verifiers may keep the documents for five minutes: a new key is published two days before it
 * signs (lib/entra/signing-keys.ts), so a cached copy always holds the key in use.
 */
export const OIDC_CACHE_HEADERS = { "Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff" } as const;

/** How long a client assertion is valid: Entra needs it once, right away. */
const ASSERTION_LIFETIME_SECONDS = 300;

/** Keel's issuer URL: `{KEEL_PUBLIC_URL}/api/oidc` (the `iss` of every assertion). */
export function federationIssuer(): string {
  return `${publicUrlOf(getEnv())}${ISSUER_PATH}`;
}

/** The OpenID Provider Metadata verifiers read (OpenID Connect Discovery 1.0 §3; only what a verifier of client assertions needs). */
export function openIdConfiguration(): Record<string, unknown> {
  const issuer = federationIssuer();
  return {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    // Required members of the metadata; Keel has no end-user endpoints, so they describe the issuer only.
    response_types_supported: ["id_token"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    claims_supported: ["iss", "sub", "aud", "exp", "iat", "nbf", "jti"],
  };
}

/** The JSON Web Key Set of the keys verifiers may use now (RFC 7517). */
export async function jsonWebKeySet(now: Date = new Date()): Promise<{ keys: unknown[] }> {
  const keys = await publishedKeys(now);
  return { keys: keys.map((key) => key.publicJwk) };
}

/** A client assertion for a connection's federated credential, signed with the current key. */
export async function federatedAssertion(subject: string, now: Date = new Date()): Promise<{ assertion: string; kid: string }> {
  const key = await currentSigningKey(now);
  const issuedAt = Math.floor(Date.now() / 1000);
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: key.algorithm, typ: "JWT", kid: key.kid })
    .setIssuer(federationIssuer())
    .setSubject(subject)
    .setAudience(TOKEN_EXCHANGE_AUDIENCE)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + ASSERTION_LIFETIME_SECONDS)
    .sign(createPrivateKey(key.privateKeyPem));
  return { assertion, kid: key.kid };
}
