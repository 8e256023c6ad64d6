import { createHash } from "node:crypto";
import { authorizeParams, sendConsentPage, sendOAuthErrorPage, withParams } from "./consent.js";
import type { EmulatorCore } from "./core.js";
import { randomGuid, randomOpaque, shaFrom } from "./ids.js";
import { mediaType, parseForm, redirect, sendJson, type RequestContext } from "./http.js";
import type { EntraApp, FixtureUser } from "./model.js";
import { issueTokens } from "./oauth-tokens.js";
import { AZURE_DEVOPS_RESOURCE_ID, parseScopeString } from "./scopes.js";
import type { AuthCodeRecord } from "./store.js";

/**
 * Microsoft Entra ID v2 endpoints (the login.microsoftonline.com role, docs/azure-devops-facts.md §3.3):
 * authorization code + PKCE (S256 required), refresh with rotation, RS256 ID tokens.
 */

const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);
const RESOURCE_PREFIXES = [`${AZURE_DEVOPS_RESOURCE_ID}/`, "https://app.vssps.visualstudio.com/", "https://app.vssps.visualstudio.com//"];
const CODE_LIFETIME_MS = 10 * 60 * 1000;

/** The issuer base (`{scheme}://{host}`) as the client reached this listener. */
function loginBase(ctx: RequestContext): string {
  return `${ctx.scheme}://${ctx.hostHeader}`;
}

/** True when the tenant segment names something this emulator hosts. */
function knownTenant(core: EmulatorCore, tenant: string): boolean {
  const lower = tenant.toLowerCase();
  if (lower === "organizations" || lower === "common") {
    return true;
  }
  return [...core.store.entraApps.values()].some((app) => app.tenantId.toLowerCase() === lower) ||
    [...core.store.users.values()].some((user) => user.tenantId?.toLowerCase() === lower);
}

type ParsedScopes = { ado: string[]; oidc: string[]; invalid: string[] };

/** Splits requested scopes into Azure DevOps scopes (prefix stripped), OIDC scopes and others. */
function parseEntraScopes(raw: string | null, app: EntraApp): ParsedScopes {
  const result: ParsedScopes = { ado: [], oidc: [], invalid: [] };
  for (const scope of parseScopeString(raw)) {
    if (OIDC_SCOPES.has(scope)) {
      result.oidc.push(scope);
      continue;
    }
    const prefix = RESOURCE_PREFIXES.find((candidate) => scope.toLowerCase().startsWith(candidate.toLowerCase()));
    if (prefix === undefined) {
      result.invalid.push(scope);
      continue;
    }
    const name = scope.slice(prefix.length);
    if (name === ".default") {
      result.ado.push(...app.scopes);
      continue;
    }
    result.ado.push(name);
  }
  result.ado = [...new Set(result.ado)];
  return result;
}

/** Accounts that can sign in through this tenant segment. */
function eligibleUsers(core: EmulatorCore, tenant: string, app: EntraApp): FixtureUser[] {
  const lower = tenant.toLowerCase();
  return [...core.store.users.values()].filter((user) => {
    if (user.kind === "onPremises") {
      return false;
    }
    if (user.kind === "personal") {
      return lower === "common";
    }
    if (lower === "organizations" || lower === "common") {
      return true;
    }
    return user.tenantId?.toLowerCase() === lower || user.tenantId?.toLowerCase() === app.tenantId.toLowerCase();
  });
}

/** `GET|POST /{tenant}/oauth2/v2.0/authorize`. */
export function entraAuthorize(core: EmulatorCore, ctx: RequestContext, tenant: string): void {
  const form = ctx.method === "POST" ? parseForm(ctx.body) : undefined;
  const params = authorizeParams(ctx, form);
  if (!knownTenant(core, tenant)) {
    sendOAuthErrorPage(ctx, "Sign in", `AADSTS90002: Tenant '${tenant}' not found.`);
    return;
  }
  const clientId = params.get("client_id") ?? "";
  const app = core.store.entraApps.get(clientId.toLowerCase());
  const singleTenantMismatch =
    app !== undefined && tenant.toLowerCase() !== "organizations" && tenant.toLowerCase() !== "common" && app.tenantId.toLowerCase() !== tenant.toLowerCase();
  if (!app || singleTenantMismatch) {
    sendOAuthErrorPage(ctx, "Sign in", `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
    return;
  }
  const redirectUri = params.get("redirect_uri") ?? "";
  if (!app.redirectUris.includes(redirectUri)) {
    sendOAuthErrorPage(
      ctx,
      "Sign in",
      `AADSTS50011: The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'.`,
    );
    return;
  }
  const state = params.get("state") ?? undefined;
  const fail = (error: string, description: string): void => {
    redirect(ctx, withParams(redirectUri, { error, error_description: description, state }));
  };
  if ((params.get("response_type") ?? "") !== "code") {
    fail("unsupported_response_type", "AADSTS700054: response_type 'code' is required by this emulator.");
    return;
  }
  const challenge = params.get("code_challenge") ?? "";
  if (challenge.length === 0 || (params.get("code_challenge_method") ?? "") !== "S256") {
    fail("invalid_request", "AADSTS9002325: Proof Key for Code Exchange is required (code_challenge with code_challenge_method=S256).");
    return;
  }
  const scopes = parseEntraScopes(params.get("scope"), app);
  if (scopes.invalid.length > 0) {
    fail("invalid_scope", `AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope '${scopes.invalid.join(" ")}' is not valid.`);
    return;
  }
  if (scopes.ado.length === 0 && !scopes.oidc.includes("openid")) {
    fail("invalid_scope", "AADSTS70011: The provided request must include a 'scope' input parameter.");
    return;
  }
  const users = eligibleUsers(core, tenant, app);
  if (ctx.method !== "POST") {
    const hint = (params.get("login_hint") ?? "").toLowerCase();
    sendConsentPage(ctx, {
      title: "Microsoft: permissions requested",
      appName: app.name,
      action: ctx.url.pathname,
      params,
      users,
      selectedUserId: users.find((user) => user.email.toLowerCase() === hint)?.id,
      scopes: [...scopes.ado.map((scope) => `${AZURE_DEVOPS_RESOURCE_ID}/${scope}`), ...scopes.oidc],
    });
    return;
  }
  if ((params.get("decision") ?? "") !== "accept") {
    fail("access_denied", "AADSTS65004: User declined to consent to access the app.");
    return;
  }
  const user = users.find((candidate) => candidate.id === params.get("user_id"));
  if (!user) {
    sendOAuthErrorPage(ctx, "Sign in", "Choose an account to sign in with.");
    return;
  }
  const code = `0.A${randomOpaque(48)}`;
  const record: AuthCodeRecord = {
    code,
    provider: "entra",
    clientId: app.clientId,
    userId: user.id,
    scopes: [...scopes.ado, ...scopes.oidc],
    redirectUri,
    expiresAt: core.store.clock.now() + CODE_LIFETIME_MS,
    used: false,
    codeChallenge: challenge,
    codeChallengeMethod: "S256",
    nonce: params.get("nonce") ?? undefined,
    tenantId: user.tenantId ?? app.tenantId,
  };
  core.store.codes.set(code, record);
  redirect(ctx, withParams(redirectUri, { code, state, session_state: randomGuid() }));
}

/** Entra-style token error body. */
function tokenError(ctx: RequestContext, status: number, error: string, description: string, code: number): void {
  const traceId = randomGuid();
  const correlationId = randomGuid();
  const timestamp = new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  sendJson(
    ctx,
    status,
    {
      error,
      error_description: `${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

/** Client authentication: client_secret_post or client_secret_basic. */
function clientCredentials(ctx: RequestContext, form: URLSearchParams): { clientId: string; clientSecret: string } {
  const header = ctx.req.headers.authorization ?? "";
  if (header.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon !== -1) {
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon)),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
      };
    }
  }
  return { clientId: form.get("client_id") ?? "", clientSecret: form.get("client_secret") ?? "" };
}

/** PKCE S256: BASE64URL(SHA256(verifier)) must equal the challenge. */
function pkceMatches(verifier: string, challenge: string): boolean {
  return createHash("sha256").update(verifier).digest("base64url") === challenge;
}

/** `POST /{tenant}/oauth2/v2.0/token`: authorization_code (+PKCE) and refresh_token (rotating). */
export async function entraToken(core: EmulatorCore, ctx: RequestContext, tenant: string): Promise<void> {
  if (ctx.method !== "POST") {
    tokenError(ctx, 405, "invalid_request", "AADSTS900561: The endpoint only accepts POST requests.", 900561);
    return;
  }
  if (mediaType(ctx.req) !== "application/x-www-form-urlencoded") {
    tokenError(ctx, 400, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.", 900144);
    return;
  }
  if (!knownTenant(core, tenant)) {
    tokenError(ctx, 400, "invalid_request", `AADSTS90002: Tenant '${tenant}' not found.`, 90002);
    return;
  }
  const form = parseForm(ctx.body);
  const { clientId, clientSecret } = clientCredentials(ctx, form);
  const app = core.store.entraApps.get(clientId.toLowerCase());
  if (!app) {
    tokenError(ctx, 400, "unauthorized_client", `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenant}'.`, 700016);
    return;
  }
  if (clientSecret !== app.clientSecret) {
    tokenError(
      ctx,
      401,
      "invalid_client",
      `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
      7000215,
    );
    return;
  }
  const store = core.store;
  const now = store.clock.now();
  const grantType = form.get("grant_type") ?? "";
  if (grantType === "authorization_code") {
    const code = store.codes.get(form.get("code") ?? "");
    if (!code || code.provider !== "entra" || code.clientId !== app.clientId || code.expiresAt <= now) {
      tokenError(ctx, 400, "invalid_grant", "AADSTS70000: The provided value for the 'code' parameter is not valid.", 70000);
      return;
    }
    if (code.used) {
      tokenError(ctx, 400, "invalid_grant", "AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.", 54005);
      return;
    }
    const redirectUri = form.get("redirect_uri") ?? "";
    if (redirectUri !== code.redirectUri) {
      tokenError(
        ctx,
        400,
        "invalid_grant",
        `AADSTS500112: The reply address '${redirectUri}' does not match the reply address '${code.redirectUri}' provided when requesting Authorization code.`,
        500112,
      );
      return;
    }
    const verifier = form.get("code_verifier") ?? "";
    if (code.codeChallenge !== undefined && !pkceMatches(verifier, code.codeChallenge)) {
      tokenError(ctx, 400, "invalid_grant", "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.", 501481);
      return;
    }
    code.used = true;
    await sendTokenSet(core, ctx, app, code.userId, code.scopes, code.redirectUri, code.nonce, undefined);
    return;
  }
  if (grantType === "refresh_token") {
    const refresh = store.refreshTokens.get(form.get("refresh_token") ?? "");
    const grant = refresh === undefined ? undefined : store.grants.get(refresh.grantId);
    if (!refresh || refresh.provider !== "entra" || refresh.clientId !== app.clientId || refresh.used || refresh.expiresAt <= now) {
      tokenError(ctx, 400, "invalid_grant", "AADSTS70000: Provided grant is invalid or malformed.", 70000);
      return;
    }
    if (refresh.revoked || grant?.revoked === true) {
      tokenError(ctx, 400, "invalid_grant", "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed.", 50173);
      return;
    }
    let scopes = refresh.scopes;
    const requested = form.get("scope");
    if (requested !== null && requested.trim().length > 0) {
      const parsed = parseEntraScopes(requested, app);
      const extra = parsed.ado.filter((scope) => !refresh.scopes.includes(scope));
      if (parsed.invalid.length > 0 || extra.length > 0) {
        tokenError(ctx, 400, "invalid_grant", "AADSTS65001: The user or administrator has not consented to use the application with the requested scopes.", 65001);
        return;
      }
      scopes = [...parsed.ado, ...refresh.scopes.filter((scope) => OIDC_SCOPES.has(scope))];
    }
    // Rotation: the presented refresh token stops working (stricter than Entra; see README).
    refresh.used = true;
    await sendTokenSet(core, ctx, app, refresh.userId, scopes, refresh.redirectUri, undefined, refresh.grantId);
    return;
  }
  tokenError(ctx, 400, "unsupported_grant_type", `AADSTS70003: The app requested an unsupported grant type '${grantType}'.`, 70003);
}

/** Issues tokens and writes the v2 token response (numeric expires_in, id_token when openid). */
async function sendTokenSet(
  core: EmulatorCore,
  ctx: RequestContext,
  app: EntraApp,
  userId: string,
  scopes: string[],
  redirectUri: string,
  nonce: string | undefined,
  grantId: string | undefined,
): Promise<void> {
  const adoScopes = scopes.filter((scope) => !OIDC_SCOPES.has(scope));
  const issued = await issueTokens(core, { provider: "entra", clientId: app.clientId, userId, scopes: adoScopes, redirectUri, grantId });
  // Keep OIDC scopes on the grant's refresh token so later refreshes still return an id_token.
  const refreshRecord = core.store.refreshTokens.get(issued.refreshToken);
  if (refreshRecord) {
    refreshRecord.scopes = [...scopes];
  }
  const body: Record<string, unknown> = {
    token_type: "Bearer",
    scope: [...adoScopes.map((scope) => `${AZURE_DEVOPS_RESOURCE_ID}/${scope}`), ...scopes.filter((scope) => OIDC_SCOPES.has(scope))].join(" "),
    expires_in: issued.expiresIn,
    ext_expires_in: issued.expiresIn,
    access_token: issued.accessToken,
  };
  if (scopes.includes("offline_access")) {
    body.refresh_token = issued.refreshToken;
  } else {
    core.store.refreshTokens.delete(issued.refreshToken);
  }
  if (scopes.includes("openid")) {
    const user = core.store.user(userId);
    const tenantId = user?.tenantId ?? app.tenantId;
    const iat = Math.floor(core.store.clock.now() / 1000);
    const claims: Record<string, unknown> = {
      aud: app.clientId,
      iss: `${loginBase(ctx)}/${tenantId}/v2.0`,
      iat,
      nbf: iat,
      exp: iat + 3600,
      name: user?.displayName,
      oid: userId,
      preferred_username: user?.email,
      sub: shaFrom(`${app.clientId}|${userId}`).slice(0, 43),
      tid: tenantId,
      ver: "2.0",
    };
    if (nonce !== undefined) {
      claims.nonce = nonce;
    }
    if (scopes.includes("email") && user) {
      claims.email = user.email;
    }
    body.id_token = await core.keys.sign(claims);
  }
  sendJson(ctx, 200, body, { headers: { "Cache-Control": "no-store", Pragma: "no-cache" } });
}

/** `GET /{tenant}/v2.0/.well-known/openid-configuration`. */
export function entraDiscovery(core: EmulatorCore, ctx: RequestContext, tenant: string): void {
  if (!knownTenant(core, tenant)) {
    sendJson(ctx, 400, { error: "invalid_tenant", error_description: `AADSTS90002: Tenant '${tenant}' not found.` });
    return;
  }
  const base = loginBase(ctx);
  const generic = tenant.toLowerCase() === "organizations" || tenant.toLowerCase() === "common";
  sendJson(ctx, 200, {
    token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: generic ? `${base}/{tenantid}/v2.0` : `${base}/${tenant}/v2.0`,
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
    claims_supported: ["sub", "iss", "aud", "exp", "iat", "nbf", "name", "nonce", "oid", "preferred_username", "tid", "ver", "email"],
    code_challenge_methods_supported: ["S256"],
    tenant_region_scope: "EU",
    cloud_instance_name: "microsoftonline.com",
  });
}

/** `GET /{tenant}/discovery/v2.0/keys`: the JWKS with the signing key. */
export function entraKeys(core: EmulatorCore, ctx: RequestContext): void {
  sendJson(ctx, 200, { keys: [core.keys.publicJwk] });
}
