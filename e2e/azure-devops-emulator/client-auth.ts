import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWTPayload, type ProtectedHeaderParameters } from "jose";
import { sendAadsts } from "./aadsts.js";
import type { EmulatorCore } from "./core.js";
import { certificateRecord, type CertificateRecord } from "./entra-directory.js";
import { FederationError } from "./federation.js";
import type { RequestContext } from "./http.js";
import type { EntraApp } from "./model.js";

/**
 * How a confidential client proves it is the app at Entra's token endpoint:
 * - a client secret (`client_secret` in the form, or HTTP Basic);
 * - a client assertion (`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`)
 *   that is either signed with the key of a certificate registered on the app (`iss` = `sub` =
 *   client id, `aud` = this token endpoint, header `x5t` / `x5t#S256` as MSAL for Node sends it,
 *   or `kid` = hex thumbprint), or a token from an external issuer that one of the app's federated
 *   identity credentials names (issuer, subject, audience `api://AzureADTokenExchange`), whose
 *   signature is checked against the issuer's JWKS fetched over HTTP.
 * Secret and certificate expiry follow the emulator clock (tests advance it); assertion `exp`/`nbf`
 * follow the wall clock, because the client stamps them with its own clock (five minutes' skew).
 */

export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";
const CLOCK_SKEW_SECONDS = 300;
/** Signature algorithms Entra accepts on external tokens (never a shared-secret HMAC). */
const ASYMMETRIC_ALGORITHMS = new Set(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]);

export type ClientAuthMethod = "secret" | "certificate" | "federated";

/** The client id a token request names: HTTP Basic user name or the `client_id` field. */
export function requestedClientId(ctx: RequestContext, form: URLSearchParams): string {
  const basic = basicCredentials(ctx);
  return basic?.clientId ?? form.get("client_id") ?? "";
}

function basicCredentials(ctx: RequestContext): { clientId: string; clientSecret: string } | undefined {
  const header = ctx.req.headers.authorization ?? "";
  if (!header.toLowerCase().startsWith("basic ")) {
    return undefined;
  }
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon === -1) {
    return undefined;
  }
  return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
}

/** `01/22/2018 09:13:33`, the form Entra writes key validity in. */
function keyDate(ms: number): string {
  const date = new Date(ms);
  const pad = (value: number): string => String(value).padStart(2, "0");
  return `${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

/** `2023-08-01T11:08:01.5274809Z`: Entra's seven-digit fractions. */
function preciseTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

/**
 * Authenticates the client for `app`; on failure writes the AADSTS error and returns undefined.
 * `tokenEndpoint` is what a certificate assertion's `aud` must name.
 */
export async function authenticateClient(
  core: EmulatorCore,
  ctx: RequestContext,
  form: URLSearchParams,
  app: EntraApp,
  tokenEndpoint: string,
): Promise<ClientAuthMethod | undefined> {
  const assertion = form.get("client_assertion");
  if (assertion !== null) {
    if (form.get("client_assertion_type") !== CLIENT_ASSERTION_TYPE) {
      sendAadsts(ctx, 900144, { parameter: "client_assertion_type" });
      return undefined;
    }
    return assertionAuth(core, ctx, assertion, app, tokenEndpoint);
  }
  const secret = basicCredentials(ctx)?.clientSecret ?? form.get("client_secret");
  if (secret === null || secret.length === 0) {
    sendAadsts(ctx, 7000218);
    return undefined;
  }
  if (secret === app.clientSecret) {
    return "secret";
  }
  const match = (app.secrets ?? []).find((candidate) => candidate.value === secret);
  if (!match) {
    sendAadsts(ctx, 7000215, { appId: app.clientId });
    return undefined;
  }
  if (Date.parse(match.expiresAt) <= core.store.clock.now()) {
    sendAadsts(ctx, 7000222, { appId: app.clientId });
    return undefined;
  }
  return "secret";
}

/** Decodes the assertion and sends it down the certificate or the federated path. */
async function assertionAuth(
  core: EmulatorCore,
  ctx: RequestContext,
  assertion: string,
  app: EntraApp,
  tokenEndpoint: string,
): Promise<ClientAuthMethod | undefined> {
  let header: ProtectedHeaderParameters;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    sendAadsts(ctx, 50027);
    return undefined;
  }
  // An assertion the app issued itself (iss = sub = client id) is a certificate assertion;
  // anything else is presented as a federated credential.
  if (claims.iss !== undefined && claims.iss.toLowerCase() === app.clientId.toLowerCase()) {
    return (await certificateAuth(core, ctx, assertion, header, claims, app, tokenEndpoint)) ? "certificate" : undefined;
  }
  return (await federatedAuth(core, ctx, assertion, header, claims, app)) ? "federated" : undefined;
}

/** `exp`/`nbf` against the wall clock with Entra's tolerance; writes AADSTS700024 when outside. */
function withinValidTime(ctx: RequestContext, claims: JWTPayload): boolean {
  const now = Math.floor(Date.now() / 1000);
  const exp = typeof claims.exp === "number" ? claims.exp : undefined;
  const nbf = typeof claims.nbf === "number" ? claims.nbf : (typeof claims.iat === "number" ? claims.iat : undefined);
  if (exp === undefined || exp + CLOCK_SKEW_SECONDS <= now || (nbf !== undefined && nbf - CLOCK_SKEW_SECONDS > now)) {
    sendAadsts(ctx, 700024, { now: preciseTime(now), nbf: preciseTime(nbf ?? now), exp: preciseTime(exp ?? 0) });
    return false;
  }
  return true;
}

/** True when the assertion's `aud` names this tenant's token endpoint (v2, or the v1 form). */
function audienceMatches(claims: JWTPayload, tokenEndpoint: string): boolean {
  const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
  const accepted = new Set([tokenEndpoint.toLowerCase(), tokenEndpoint.replace("/oauth2/v2.0/token", "/oauth2/token").toLowerCase()]);
  return audiences.some((audience) => accepted.has(audience.toLowerCase()));
}

/** Finds the registered certificate the assertion names (x5t, x5t#S256 or a hex-thumbprint kid). */
function namedCertificate(app: EntraApp, header: ProtectedHeaderParameters): { named: string; certificate?: CertificateRecord } {
  const records = (app.certificates ?? []).map((certificate) => certificateRecord(certificate));
  const x5tS256 = typeof header["x5t#S256"] === "string" ? header["x5t#S256"] : undefined;
  if (x5tS256 !== undefined) {
    return { named: Buffer.from(x5tS256, "base64url").toString("hex").toUpperCase(), certificate: records.find((record) => record.x5tS256 === x5tS256) };
  }
  if (typeof header.x5t === "string") {
    const x5t = header.x5t;
    return { named: Buffer.from(x5t, "base64url").toString("hex").toUpperCase(), certificate: records.find((record) => record.x5t === x5t) };
  }
  const kid = (header.kid ?? "").toUpperCase();
  return { named: kid, certificate: records.find((record) => record.thumbprint === kid) };
}

async function certificateAuth(
  core: EmulatorCore,
  ctx: RequestContext,
  assertion: string,
  header: ProtectedHeaderParameters,
  claims: JWTPayload,
  app: EntraApp,
  tokenEndpoint: string,
): Promise<boolean> {
  const { named, certificate } = namedCertificate(app, header);
  const graphHint = `Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/${app.clientId}'`;
  if (!certificate) {
    sendAadsts(ctx, 700027, { reason: `The key was not found., Thumbprint of key used by client: '${named}', ${graphHint}` });
    return false;
  }
  const found = `Found key 'Start=${keyDate(certificate.startsAt)}, End=${keyDate(certificate.expiresAt)}'`;
  const now = core.store.clock.now();
  if (certificate.expiresAt <= now || certificate.startsAt > now) {
    sendAadsts(ctx, 700027, { reason: `The key used is expired., Thumbprint of key used by client: '${certificate.thumbprint}', ${found}` });
    return false;
  }
  const algorithm = header.alg === "PS256" ? "PS256" : "RS256";
  try {
    await compactVerify(assertion, certificate.publicKey, { algorithms: [algorithm] });
  } catch {
    sendAadsts(ctx, 700027, {
      reason: `Key was found, but use of the key to verify the signature failed., Thumbprint of key used by client: '${certificate.thumbprint}', ${found}`,
    });
    return false;
  }
  if (claims.sub?.toLowerCase() !== app.clientId.toLowerCase() || !audienceMatches(claims, tokenEndpoint)) {
    sendAadsts(ctx, 700023);
    return false;
  }
  return withinValidTime(ctx, claims);
}

async function federatedAuth(
  core: EmulatorCore,
  ctx: RequestContext,
  assertion: string,
  header: ProtectedHeaderParameters,
  claims: JWTPayload,
  app: EntraApp,
): Promise<boolean> {
  const issuer = claims.iss ?? "";
  const subject = claims.sub ?? "";
  const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
  const credentials = app.federatedCredentials ?? [];
  if (credentials.length === 0) {
    sendAadsts(ctx, 70021, { issuer, subject, audience: audiences.join(",") });
    return false;
  }
  const byIssuer = credentials.filter((credential) => credential.issuer === issuer);
  if (byIssuer.length === 0) {
    sendAadsts(ctx, 700211, { issuer });
    return false;
  }
  const bySubject = byIssuer.filter((credential) => credential.subject === subject);
  if (bySubject.length === 0) {
    sendAadsts(ctx, 700213, { subject });
    return false;
  }
  const matched = bySubject.find((credential) => (credential.audiences ?? [TOKEN_EXCHANGE_AUDIENCE]).some((audience) => audiences.includes(audience)));
  if (!matched) {
    sendAadsts(ctx, 700212, { audience: audiences.join(",") });
    return false;
  }
  let jwk;
  try {
    jwk = await core.issuerKeys.key(issuer, header.kid);
  } catch (error) {
    sendAadsts(ctx, 50166, { detail: error instanceof FederationError ? error.message : String(error) });
    return false;
  }
  if (!jwk) {
    sendAadsts(ctx, 50013, { reason: `The key was not found., Key id used by client: '${header.kid ?? ""}', issuer '${issuer}'` });
    return false;
  }
  try {
    const algorithm = header.alg ?? "";
    if (!ASYMMETRIC_ALGORITHMS.has(algorithm)) {
      throw new Error(`unsupported algorithm ${algorithm}`);
    }
    const key = await importJWK(jwk, algorithm);
    if (key instanceof Uint8Array) {
      throw new Error("a symmetric key cannot verify an external token");
    }
    await compactVerify(assertion, key, { algorithms: [algorithm] });
  } catch {
    sendAadsts(ctx, 50013, { reason: `Key was found, but use of the key to verify the signature failed., Key id used by client: '${header.kid ?? ""}', issuer '${issuer}'` });
    return false;
  }
  return withinValidTime(ctx, claims);
}
