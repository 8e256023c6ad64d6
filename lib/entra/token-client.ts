/**
 * App-only Azure DevOps tokens from Microsoft Entra ID, through the guarded HTTP client (SSRF
 * policy, timeouts, size cap, no redirects). Framework-free: lib/entra/tokens.ts calls these, and
 * the unit tests run them against the emulator.
 *
 * Client credentials (OAuth 2.0 RFC 6749 §4.4 as Microsoft's identity platform documents it;
 * docs/azure-devops-facts.md §3.7): `POST {authority}/{tenant}/oauth2/v2.0/token`, form-encoded,
 * `grant_type=client_credentials&client_id&scope=499b84ac-1321-427f-aa17-267ca6975798/.default`
 * plus the client's proof:
 *   - a client secret: `client_secret`;
 *   - a certificate: `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
 *     and `client_assertion`, a JWT Keel signs with the certificate's private key (PS256, header
 *     `x5t#S256` = SHA-256 of the certificate; `iss` = `sub` = client id, `aud` = the token URL)
 *     — what MSAL for Node sends for a SHA-256 thumbprint (RFC 7523);
 *   - workload identity federation: the same two fields, the assertion being Keel's own token as
 *     an OpenID issuer (lib/entra/federation.ts).
 * Managed identity (Azure Instance Metadata Service): `GET {imds}/metadata/identity/oauth2/token
 * ?api-version=2018-02-01&resource=499b84ac-…[&client_id=…]` with `Metadata: true`.
 *
 * Errors never carry a response body: only the AADSTS code with the first line of Microsoft's
 * description (it is about the admin's own app registration, and says what is wrong), or IMDS's
 * `error_description`, and a kind Keel acts on.
 */
import { createHash, createPrivateKey, randomUUID, X509Certificate, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import { z } from "zod";
import { guardedRequest, type GuardedTimeouts, type HostResolver } from "../net/guarded-request";
import type { OutboundPolicy } from "../net/ssrf-policy";

/** The Azure DevOps resource (application) id; client credentials ask for `{it}/.default`. */
export const AZURE_DEVOPS_RESOURCE = "499b84ac-1321-427f-aa17-267ca6975798";
export const AZURE_DEVOPS_DEFAULT_SCOPE = `${AZURE_DEVOPS_RESOURCE}/.default`;
export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** The IMDS api-version Microsoft documents for managed identity tokens. */
export const IMDS_API_VERSION = "2018-02-01";

/** How the client proves it is the app. */
export type ClientProof =
  | { kind: "secret"; secret: string }
  | { kind: "certificate"; certificatePem: string; privateKeyPem: string }
  /** A ready client assertion (workload identity federation: Keel's signed token). */
  | { kind: "assertion"; assertion: string };

export type AppTokenRequest = {
  /** `https://login.microsoftonline.com` (or the test override). */
  authority: string;
  tenantId: string;
  clientId: string;
  proof: ClientProof;
};

export type AppToken = {
  accessToken: string;
  /** Epoch seconds. */
  expiresAt: number;
};

export type EntraTokenErrorKind =
  /** Entra refused the request: `code` is the AADSTS code (e.g. AADSTS7000215). */
  | "rejected"
  /** The instance metadata endpoint refused it (no such identity, bad resource…). */
  | "imds"
  /** Keel could not reach the endpoint (DNS, refused, timeout, TLS, blocked by policy). */
  | "unreachable"
  /** Something answered that is not a token response. */
  | "malformed"
  /** Keel could not build the request (the stored certificate or key is unusable). */
  | "local";

/** A failed token request; `code` is Entra's AADSTS code or a Keel code, never a body. */
export class EntraTokenError extends Error {
  override readonly name = "EntraTokenError";
  constructor(
    readonly kind: EntraTokenErrorKind,
    /** `AADSTS7000215`, `imds_identity_not_found`, `unreachable`, … */
    readonly code: string,
    message: string,
    /** Microsoft's own one-line description (AADSTS…: text), when it sent one. */
    readonly description?: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export type TokenClientOptions = {
  policy: OutboundPolicy;
  /** Epoch milliseconds; default Date.now(). */
  now?: number;
  timeouts?: Partial<GuardedTimeouts>;
  resolve?: HostResolver;
};

// A slow identity endpoint must not hold a renewal lease for a minute (same budget as OAuth).
const TOKEN_TIMEOUTS: GuardedTimeouts = { connectMs: 5_000, headersMs: 15_000, totalMs: 20_000 };
const ASSERTION_LIFETIME_SECONDS = 600;

/** The v2 token endpoint of a tenant. */
export function tokenEndpoint(authority: string, tenantId: string): string {
  return `${authority.replace(/\/+$/, "")}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
}

/** The SHA-256 thumbprint of a PEM certificate (upper-case hex, as the Entra portal lists it). */
export function certificateThumbprint(certificatePem: string): string {
  return createHash("sha256").update(new X509Certificate(certificatePem).raw).digest("hex").toUpperCase();
}

/**
 * The certificate client assertion (RFC 7523, Microsoft's "certificate credentials"): PS256
 * with `x5t#S256`, `iss` = `sub` = client id, `aud` = the token endpoint, ten minutes.
 */
export async function certificateAssertion(input: { clientId: string; tokenUrl: string; certificatePem: string; privateKeyPem: string; now?: number }): Promise<string> {
  let certificate: X509Certificate;
  let key: KeyObject;
  try {
    certificate = new X509Certificate(input.certificatePem);
    key = createPrivateKey(input.privateKeyPem);
  } catch {
    throw new EntraTokenError("local", "certificate_unreadable", "Keel cannot read the stored certificate or its private key. Replace the certificate on the connection.");
  }
  const now = Math.floor((input.now ?? Date.now()) / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: "PS256", typ: "JWT", "x5t#S256": createHash("sha256").update(certificate.raw).digest("base64url") })
    .setIssuer(input.clientId)
    .setSubject(input.clientId)
    .setAudience(input.tokenUrl)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ASSERTION_LIFETIME_SECONDS)
    .sign(key);
}

/** The form body of a client-credentials request for Azure DevOps. */
export async function clientCredentialsBody(request: AppTokenRequest, now?: number): Promise<URLSearchParams> {
  const body = new URLSearchParams({ client_id: request.clientId, scope: AZURE_DEVOPS_DEFAULT_SCOPE, grant_type: "client_credentials" });
  const { proof } = request;
  if (proof.kind === "secret") {
    body.set("client_secret", proof.secret);
    return body;
  }
  const assertion =
    proof.kind === "assertion"
      ? proof.assertion
      : await certificateAssertion({ clientId: request.clientId, tokenUrl: tokenEndpoint(request.authority, request.tenantId), certificatePem: proof.certificatePem, privateKeyPem: proof.privateKeyPem, ...(now === undefined ? {} : { now }) });
  body.set("client_assertion_type", CLIENT_ASSERTION_TYPE);
  body.set("client_assertion", assertion);
  return body;
}

const seconds = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,10}$/).transform(Number)]);
const tokenResponseSchema = z.object({
  access_token: z.string().min(1).max(16_384),
  expires_in: seconds.optional(),
  token_type: z.string().max(64).optional(),
});
const entraErrorSchema = z.looseObject({
  error: z.string().max(200).optional(),
  error_description: z.string().max(8_000).optional(),
  error_codes: z.array(z.number()).optional(),
});

/** Client credentials: an app-only Azure DevOps access token for a service principal. */
export async function requestAppToken(request: AppTokenRequest, options: TokenClientOptions): Promise<AppToken> {
  const url = tokenEndpoint(request.authority, request.tenantId);
  const body = await clientCredentialsBody(request, options.now);
  const result = await guardedRequest({
    url,
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json", "client-request-id": randomUUID() },
    body: body.toString(),
    policy: options.policy,
    timeouts: { ...TOKEN_TIMEOUTS, ...options.timeouts },
    maxResponseBytes: 256 * 1024,
    accept: "json",
    ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
  });
  const host = hostOf(url);
  if (!result.ok) {
    throw new EntraTokenError("unreachable", `unreachable_${result.failure.kind}`, `Keel could not reach Microsoft Entra ID at ${host}: ${result.failure.message}`);
  }
  const { status, json } = result.response;
  if (status >= 200 && status < 300) {
    return tokenFrom(json, host, options.now);
  }
  throw entraError(status, json, host);
}

/** Managed identity: an Azure DevOps access token from the instance metadata endpoint. */
export async function requestManagedIdentityToken(input: { instanceMetadataUrl: string; clientId: string | null }, options: TokenClientOptions): Promise<AppToken> {
  const query = new URLSearchParams({ "api-version": IMDS_API_VERSION, resource: AZURE_DEVOPS_RESOURCE });
  if (input.clientId) {
    query.set("client_id", input.clientId);
  }
  const url = `${input.instanceMetadataUrl.replace(/\/+$/, "")}/metadata/identity/oauth2/token?${query}`;
  const result = await guardedRequest({
    url,
    method: "GET",
    headers: { Metadata: "true", Accept: "application/json" },
    policy: options.policy,
    // IMDS answers locally; a machine that is not on Azure never answers at all.
    timeouts: { connectMs: 2_000, headersMs: 10_000, totalMs: 15_000, ...options.timeouts },
    maxResponseBytes: 64 * 1024,
    accept: "json",
    ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
  });
  if (!result.ok) {
    const blocked = result.failure.kind === "blocked";
    throw new EntraTokenError(
      "unreachable",
      blocked ? "imds_blocked" : "imds_unreachable",
      blocked
        ? "Keel's outbound policy refused the instance metadata endpoint."
        : `Keel could not reach the Azure instance metadata endpoint (${result.failure.message}). Keel is probably not running on an Azure machine with a managed identity.`,
    );
  }
  const { status, json } = result.response;
  if (status >= 200 && status < 300) {
    return tokenFrom(json, "the instance metadata endpoint", options.now);
  }
  const parsed = entraErrorSchema.safeParse(json ?? {});
  const description = parsed.success ? (parsed.data.error_description ?? "").split(/\r?\n/)[0]!.slice(0, 500) : "";
  const aadsts = /AADSTS(\d{4,8})/.exec(description)?.[1];
  const code = aadsts ? `AADSTS${aadsts}` : /identity not found/i.test(description) ? "imds_identity_not_found" : `imds_${parsed.success ? (parsed.data.error ?? status) : status}`;
  throw new EntraTokenError("imds", code, `The instance metadata endpoint refused the token request (${description || `HTTP ${status}`}).`, description || undefined, status);
}

function tokenFrom(json: unknown, host: string, now: number | undefined): AppToken {
  const parsed = tokenResponseSchema.safeParse(json);
  if (!parsed.success) {
    throw new EntraTokenError("malformed", "malformed", `${host} answered the token request with something that is not a token response.`);
  }
  const issuedAt = Math.floor((now ?? Date.now()) / 1000);
  // Without expires_in assume Entra's documented hour (docs/azure-devops-facts.md §3.3).
  return { accessToken: parsed.data.access_token, expiresAt: issuedAt + (parsed.data.expires_in ?? 3600) };
}

/** Maps Entra's error answer to an EntraTokenError with its AADSTS code. */
export function entraError(status: number, json: unknown, host: string): EntraTokenError {
  const parsed = entraErrorSchema.safeParse(json ?? {});
  const data = parsed.success ? parsed.data : {};
  // Microsoft's description: "AADSTSn: text\r\nTrace ID: …\r\nCorrelation ID: …". Only the first line is shown.
  const description = (data.error_description ?? "").split(/\r?\n/)[0]!.trim().slice(0, 1_000);
  const fromText = /^AADSTS(\d{4,8})\b/.exec(description)?.[1];
  const number = fromText ?? (data.error_codes?.[0] !== undefined ? String(data.error_codes[0]) : undefined);
  const code = number ? `AADSTS${number}` : data.error ? data.error : `HTTP_${status}`;
  return new EntraTokenError("rejected", code, `Microsoft Entra ID (${host}) refused the token request: ${description || code}`, description || undefined, status);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "Microsoft Entra ID";
  }
}
