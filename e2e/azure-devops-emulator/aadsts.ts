import { randomGuid } from "./ids.js";
import { sendOAuthErrorPage } from "./consent.js";
import { sendJson, type RequestContext } from "./http.js";

/**
 * Microsoft Entra ID's AADSTS errors as the token endpoint and the sign-in pages return them.
 * Texts are Microsoft's as seen in real responses (error reference:
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes; wording checked
 * against captured responses, see README "Microsoft Entra ID"); a few marked UNVERIFIED are the
 * emulator's wording for a real code. Body shape: `{error, error_description: "AADSTSn: text\r\n
 * Trace ID: …\r\nCorrelation ID: …\r\nTimestamp: …", error_codes, timestamp, trace_id,
 * correlation_id, error_uri}`.
 */

type Params = Record<string, string>;

type AadstsDefinition = {
  /** HTTP status of the token endpoint's answer. */
  status: number;
  /** The OAuth `error` value. */
  error: string;
  text: (params: Params) => string;
};

const CERT_DOCS = "Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .";
const FIC_HINT = "Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation";

/** Every AADSTS code the emulator answers with. */
export const AADSTS = {
  // Tenant and application lookup.
  90002: {
    status: 400,
    error: "invalid_request",
    text: (p) =>
      `Tenant '${p.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  },
  700016: {
    status: 400,
    error: "unauthorized_client",
    text: (p) =>
      `Application with identifier '${p.appId}' was not found in the directory '${p.directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  },
  50194: {
    status: 400,
    error: "invalid_request",
    text: (p) =>
      `Application '${p.appId}'(${p.appName}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
  },
  50020: {
    status: 400,
    error: "invalid_request",
    text: (p) =>
      `User account '${p.account}' from identity provider '${p.idp}' does not exist in tenant '${p.directory}' and cannot access the application '${p.appId}'(${p.appName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Microsoft Entra user account.`,
  },
  // UNVERIFIED: the emulator's choice for a client-credentials request on /common or /organizations.
  50059: { status: 400, error: "invalid_request", text: () => "No tenant-identifying information found in either the request or implied by any provided credentials." },

  // Client authentication: secrets.
  7000215: {
    status: 401,
    error: "invalid_client",
    text: (p) =>
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${p.appId}'.`,
  },
  7000222: {
    status: 401,
    error: "invalid_client",
    text: (p) =>
      `The provided client secret keys for app '${p.appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
  },
  7000218: {
    status: 401,
    error: "invalid_client",
    text: () => "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  },

  // Client authentication: certificate assertions.
  700027: {
    status: 401,
    error: "invalid_client",
    text: (p) => `Client assertion contains an invalid signature. [Reason - ${p.reason}]`,
  },
  // UNVERIFIED wording: an assertion whose `aud` is not this tenant's token endpoint.
  700023: { status: 401, error: "invalid_client", text: () => `Client assertion audience claim does not match Realm issuer. ${CERT_DOCS}` },
  700024: {
    status: 400,
    error: "invalid_client",
    text: (p) => `Client assertion is not within its valid time range. Current time: ${p.now}, assertion valid from ${p.nbf}, expiry time of assertion ${p.exp}. ${CERT_DOCS}`,
  },
  // UNVERIFIED wording: a client_assertion that is not a JWT at all.
  50027: { status: 400, error: "invalid_request", text: () => "JWT token is invalid or malformed." },

  // Client authentication: federated credentials (workload identity federation).
  70021: {
    status: 400,
    error: "invalid_request",
    text: (p) =>
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${p.issuer}'. Assertion Subject: '${p.subject}'. Assertion Audience: '${p.audience}'. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation`,
  },
  700211: { status: 401, error: "invalid_client", text: (p) => `No matching federated identity record found for presented assertion issuer '${p.issuer}'. ${FIC_HINT}` },
  700212: { status: 401, error: "invalid_client", text: (p) => `No matching federated identity record found for presented assertion audience '${p.audience}'. ${FIC_HINT}` },
  700213: { status: 401, error: "invalid_client", text: (p) => `No matching federated identity record found for presented assertion subject '${p.subject}'. ${FIC_HINT}` },
  // UNVERIFIED status: the issuer's OpenID configuration or JWKS could not be read.
  50166: { status: 400, error: "invalid_request", text: (p) => `Request to External OIDC endpoint failed. ${p.detail}` },
  // UNVERIFIED wording of the reason: the external token's signature does not verify.
  50013: { status: 401, error: "invalid_client", text: (p) => `Assertion failed signature validation. [Reason - ${p.reason}]` },

  // Grants and scopes.
  90014: {
    status: 400,
    error: "invalid_request",
    text: () => "The required field 'scope' is missing from the credential. Ensure that you have all the necessary parameters for the login request.",
  },
  1002012: {
    status: 400,
    error: "invalid_scope",
    text: (p) =>
      `The provided value for scope ${p.scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
  },
  500011: {
    status: 400,
    error: "invalid_resource",
    text: (p) =>
      `The resource principal named ${p.resource} was not found in the tenant named ${p.directory}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  },
  65001: {
    status: 400,
    error: "invalid_grant",
    text: (p) =>
      `The user or administrator has not consented to use the application with ID '${p.appId}' named '${p.appName}'. Send an interactive authorization request for this user and resource.`,
  },
  50058: { status: 400, error: "login_required", text: () => "A silent sign-in request was sent but no user is signed in." },
  90094: { status: 400, error: "access_denied", text: () => "The grant requires admin permission." },
  65004: { status: 400, error: "access_denied", text: () => "User declined to consent to access the app." },
  70000: { status: 400, error: "invalid_grant", text: (p) => p.detail ?? "Provided grant is invalid or malformed." },
  54005: {
    status: 400,
    error: "invalid_grant",
    text: () => "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
  },
  500112: {
    status: 400,
    error: "invalid_grant",
    text: (p) => `The reply address '${p.redirectUri}' does not match the reply address '${p.expected}' provided when requesting Authorization code.`,
  },
  501481: { status: 400, error: "invalid_grant", text: () => "The Code_Verifier does not match the code_challenge supplied in the authorization request." },
  50173: { status: 400, error: "invalid_grant", text: () => "The provided grant has expired due to it being revoked, a fresh auth token is needed." },
  70003: { status: 400, error: "unsupported_grant_type", text: (p) => `The app requested an unsupported grant type '${p.grantType}'.` },
  70011: { status: 400, error: "invalid_scope", text: (p) => p.detail ?? "The provided value for the input parameter 'scope' is not valid." },
  50011: {
    status: 400,
    error: "invalid_request",
    text: (p) => `The redirect URI '${p.redirectUri}' specified in the request does not match the redirect URIs configured for the application '${p.appId}'.`,
  },
  900144: { status: 400, error: "invalid_request", text: (p) => `The request body must contain the following parameter: '${p.parameter}'.` },
  900561: { status: 405, error: "invalid_request", text: () => "The endpoint only accepts POST requests." },
  9002325: {
    status: 400,
    error: "invalid_request",
    text: () => "Proof Key for Code Exchange is required (code_challenge with code_challenge_method=S256).",
  },
  700054: { status: 400, error: "unsupported_response_type", text: () => "response_type 'code' is required by this emulator." },
} satisfies Record<number, AadstsDefinition>;

export type AadstsCode = keyof typeof AADSTS;

/** `2023-03-23 08:49:09Z`, the timestamp form Entra writes into error bodies. */
function entraTimestamp(date = new Date()): string {
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** The `AADSTSn: text` line of an error. */
export function aadstsMessage(code: AadstsCode, params: Params = {}): string {
  return `AADSTS${code}: ${(AADSTS[code] as AadstsDefinition).text(params)}`;
}

/** The error body (without sending it); `correlationId` echoes the client's `client-request-id`. */
export function aadstsBody(code: AadstsCode, params: Params = {}, correlationId = randomGuid()): Record<string, unknown> {
  const definition = AADSTS[code] as AadstsDefinition;
  const traceId = randomGuid();
  const timestamp = entraTimestamp();
  return {
    error: definition.error,
    error_description: `${aadstsMessage(code, params)}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

/** The client's `client-request-id` (MSAL sends one; Entra echoes it as the correlation id). */
export function correlationIdOf(ctx: RequestContext): string {
  const header = ctx.req.headers["client-request-id"];
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && /^[0-9a-f-]{36}$/i.test(value) ? value : randomGuid();
}

/** Writes an AADSTS error with its status (or `status` when the situation needs another one). */
export function sendAadsts(ctx: RequestContext, code: AadstsCode, params: Params = {}, status?: number): void {
  const definition = AADSTS[code] as AadstsDefinition;
  sendJson(ctx, status ?? definition.status, aadstsBody(code, params, correlationIdOf(ctx)), {
    headers: { "Cache-Control": "no-store, no-cache", Pragma: "no-cache" },
  });
}

/** The sign-in error page Entra shows instead of redirecting (bad client, tenant, redirect URI, account). */
export function sendAadstsPage(ctx: RequestContext, code: AadstsCode, params: Params = {}): void {
  const traceId = randomGuid();
  sendOAuthErrorPage(ctx, "Sign in to your account", aadstsMessage(code, params), [
    `Request Id: ${traceId}`,
    `Correlation Id: ${correlationIdOf(ctx)}`,
    `Timestamp: ${entraTimestamp()}`,
  ]);
}
