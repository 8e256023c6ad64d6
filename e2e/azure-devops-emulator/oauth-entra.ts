import { createHash } from "node:crypto";
import { aadstsBody, aadstsMessage, sendAadsts, sendAadstsPage } from "./aadsts.js";
import { issueAppToken } from "./app-tokens.js";
import { authenticateClient, requestedClientId, type ClientAuthMethod } from "./client-auth.js";
import { authorizeParams, sendConsentPage, sendOAuthErrorPage, withParams } from "./consent.js";
import type { EmulatorCore } from "./core.js";
import { AZURE_DEVOPS_RESOURCES } from "./entra-directory.js";
import { randomGuid, randomOpaque, shaFrom } from "./ids.js";
import { mediaType, parseForm, redirect, sendJson, type RequestContext } from "./http.js";
import type { EntraApp, FixtureUser } from "./model.js";
import { issueTokens } from "./oauth-tokens.js";
import { AZURE_DEVOPS_RESOURCE_ID, parseScopeString } from "./scopes.js";
import type { AuthCodeRecord } from "./store.js";

/**
 * Microsoft Entra ID v2 endpoints (the login.microsoftonline.com role, docs/azure-devops-facts.md §3.3):
 * authorization code + PKCE (S256 required), refresh with rotation, RS256 ID tokens, and
 * client credentials for service principals; errors are Microsoft's AADSTS texts (aadsts.ts).
 */

const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);
const RESOURCE_PREFIXES = [`${AZURE_DEVOPS_RESOURCE_ID}/`, "https://app.vssps.visualstudio.com/", "https://app.vssps.visualstudio.com//"];
const CODE_LIFETIME_MS = 10 * 60 * 1000;

/** The issuer base (`{scheme}://{host}`) as the client reached this listener. */
function loginBase(ctx: RequestContext): string {
  return `${ctx.scheme}://${ctx.hostHeader}`;
}

/** `organizations` and `common`: the endpoints that name no tenant. */
function isGenericTenant(tenant: string): boolean {
  const lower = tenant.toLowerCase();
  return lower === "organizations" || lower === "common";
}

/** True when the tenant segment names something this emulator hosts. */
function knownTenant(core: EmulatorCore, tenant: string): boolean {
  return isGenericTenant(tenant) || core.store.entra.knownTenant(tenant);
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

/** People who may pick an account on the sign-in page (never on-premises accounts or service principals). */
function cloudAccounts(core: EmulatorCore): FixtureUser[] {
  return [...core.store.users.values()].filter((user) => user.kind === "work" || user.kind === "personal");
}

/**
 * Whether an account may sign in to the app through this tenant segment. Personal accounts
 * only through /common (unless the app excludes them); work accounts of the named tenant, or
 * of any tenant through /organizations and /common for multi-tenant apps.
 */
function mayUseApp(user: FixtureUser, tenant: string, app: EntraApp): boolean {
  const audience = app.signInAudience;
  if (user.kind === "personal") {
    return tenant.toLowerCase() === "common" && (audience === undefined || audience === "AzureADandPersonalMicrosoftAccount");
  }
  if (isGenericTenant(tenant)) {
    return audience !== "AzureADMyOrg" || user.tenantId?.toLowerCase() === app.tenantId.toLowerCase();
  }
  return user.tenantId?.toLowerCase() === tenant.toLowerCase();
}

/** `GET|POST /{tenant}/oauth2/v2.0/authorize`. */
export function entraAuthorize(core: EmulatorCore, ctx: RequestContext, tenant: string): void {
  const form = ctx.method === "POST" ? parseForm(ctx.body) : undefined;
  const params = authorizeParams(ctx, form);
  const directory = core.store.entra;
  if (!knownTenant(core, tenant)) {
    sendAadstsPage(ctx, 90002, { tenant });
    return;
  }
  const clientId = params.get("client_id") ?? "";
  const app = core.store.entraApps.get(clientId.toLowerCase());
  if (!app || (!isGenericTenant(tenant) && app.tenantId.toLowerCase() !== tenant.toLowerCase())) {
    sendAadstsPage(ctx, 700016, { appId: clientId, directory: directory.tenantName(tenant) });
    return;
  }
  if (isGenericTenant(tenant) && app.signInAudience === "AzureADMyOrg") {
    sendAadstsPage(ctx, 50194, { appId: app.clientId, appName: app.name });
    return;
  }
  const redirectUri = params.get("redirect_uri") ?? "";
  if (!app.redirectUris.includes(redirectUri)) {
    sendAadstsPage(ctx, 50011, { redirectUri, appId: app.clientId });
    return;
  }
  const state = params.get("state") ?? undefined;
  const fail = (error: string, description: string, extra: Record<string, string> = {}): void => {
    redirect(ctx, withParams(redirectUri, { error, error_description: description, ...extra, state }));
  };
  if ((params.get("response_type") ?? "") !== "code") {
    fail("unsupported_response_type", aadstsMessage(700054));
    return;
  }
  const challenge = params.get("code_challenge") ?? "";
  if (challenge.length === 0 || (params.get("code_challenge_method") ?? "") !== "S256") {
    fail("invalid_request", aadstsMessage(9002325));
    return;
  }
  const scopes = parseEntraScopes(params.get("scope"), app);
  if (scopes.invalid.length > 0) {
    fail("invalid_scope", aadstsMessage(70011, { detail: `The provided value for the input parameter 'scope' is not valid. The scope '${scopes.invalid.join(" ")}' is not valid.` }));
    return;
  }
  if (scopes.ado.length === 0 && !scopes.oidc.includes("openid")) {
    fail("invalid_scope", aadstsMessage(70011, { detail: "The provided request must include a 'scope' input parameter." }));
    return;
  }
  const adminApprovalRequired = app.adminConsent === false;
  if ((params.get("prompt") ?? "") === "none") {
    // No browser session exists in the emulator: a silent request can only fail.
    if (adminApprovalRequired) {
      fail("consent_required", aadstsMessage(65001, { appId: app.clientId, appName: app.name }));
    } else {
      fail("login_required", aadstsMessage(50058));
    }
    return;
  }
  const users = cloudAccounts(core);
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
      adminApprovalRequired,
    });
    return;
  }
  const decision = params.get("decision") ?? "";
  if (decision === "cancel" || (decision === "accept" && adminApprovalRequired)) {
    // "Need admin approval" → "Return to the application without granting consent".
    fail("access_denied", aadstsMessage(90094), { error_subcode: "cancel" });
    return;
  }
  if (decision !== "accept") {
    fail("access_denied", aadstsMessage(65004));
    return;
  }
  const user = users.find((candidate) => candidate.id === params.get("user_id"));
  if (!user) {
    sendOAuthErrorPage(ctx, "Sign in", "Choose an account to sign in with.");
    return;
  }
  if (!mayUseApp(user, tenant, app)) {
    sendAadstsPage(ctx, 50020, {
      account: user.email,
      idp: user.kind === "personal" ? "live.com" : `https://sts.windows.net/${user.tenantId ?? ""}/`,
      directory: directory.tenantName(isGenericTenant(tenant) ? app.tenantId : tenant),
      appId: app.clientId,
      appName: app.name,
    });
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

/** PKCE S256: BASE64URL(SHA256(verifier)) must equal the challenge. */
function pkceMatches(verifier: string, challenge: string): boolean {
  return createHash("sha256").update(verifier).digest("base64url") === challenge;
}

/**
 * `POST /{tenant}/oauth2/v2.0/token`: authorization_code (+PKCE), refresh_token (rotating) and
 * client_credentials, with the client authenticated by secret, certificate assertion or
 * federated assertion (client-auth.ts). Checks run in Entra's order: tenant, application,
 * client authentication, then the grant.
 */
export async function entraToken(core: EmulatorCore, ctx: RequestContext, tenant: string): Promise<void> {
  if (ctx.method !== "POST") {
    sendAadsts(ctx, 900561);
    return;
  }
  if (mediaType(ctx.req) !== "application/x-www-form-urlencoded") {
    sendAadsts(ctx, 900144, { parameter: "grant_type" });
    return;
  }
  if (!knownTenant(core, tenant)) {
    sendAadsts(ctx, 90002, { tenant });
    return;
  }
  const form = parseForm(ctx.body);
  const grantType = form.get("grant_type") ?? "";
  if (grantType.length === 0) {
    sendAadsts(ctx, 900144, { parameter: "grant_type" });
    return;
  }
  const clientId = requestedClientId(ctx, form);
  if (clientId.length === 0) {
    sendAadsts(ctx, 900144, { parameter: "client_id" });
    return;
  }
  const app = core.store.entraApps.get(clientId.toLowerCase());
  if (!app || (!isGenericTenant(tenant) && app.tenantId.toLowerCase() !== tenant.toLowerCase())) {
    sendAadsts(ctx, 700016, { appId: clientId, directory: core.store.entra.tenantName(tenant) });
    return;
  }
  if (grantType === "client_credentials" && isGenericTenant(tenant)) {
    sendAadsts(ctx, 50059);
    return;
  }
  const method = await authenticateClient(core, ctx, form, app, `${loginBase(ctx)}/${tenant}/oauth2/v2.0/token`);
  if (method === undefined) {
    return;
  }
  if (grantType === "client_credentials") {
    await clientCredentialsGrant(core, ctx, form, app, tenant, method);
    return;
  }
  const store = core.store;
  const now = store.clock.now();
  if (grantType === "authorization_code") {
    const code = store.codes.get(form.get("code") ?? "");
    if (!code || code.provider !== "entra" || code.clientId !== app.clientId || code.expiresAt <= now) {
      sendAadsts(ctx, 70000, { detail: "The provided value for the 'code' parameter is not valid." });
      return;
    }
    if (code.used) {
      sendAadsts(ctx, 54005);
      return;
    }
    const redirectUri = form.get("redirect_uri") ?? "";
    if (redirectUri !== code.redirectUri) {
      sendAadsts(ctx, 500112, { redirectUri, expected: code.redirectUri });
      return;
    }
    const verifier = form.get("code_verifier") ?? "";
    if (code.codeChallenge !== undefined && !pkceMatches(verifier, code.codeChallenge)) {
      sendAadsts(ctx, 501481);
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
      sendAadsts(ctx, 70000);
      return;
    }
    if (refresh.revoked || grant?.revoked === true) {
      sendAadsts(ctx, 50173);
      return;
    }
    let scopes = refresh.scopes;
    const requested = form.get("scope");
    if (requested !== null && requested.trim().length > 0) {
      const parsed = parseEntraScopes(requested, app);
      const extra = parsed.ado.filter((scope) => !refresh.scopes.includes(scope));
      if (parsed.invalid.length > 0 || extra.length > 0) {
        sendAadsts(ctx, 65001, { appId: app.clientId, appName: app.name });
        return;
      }
      scopes = [...parsed.ado, ...refresh.scopes.filter((scope) => OIDC_SCOPES.has(scope))];
    }
    // Rotation: the presented refresh token stops working (stricter than Entra; see README).
    refresh.used = true;
    await sendTokenSet(core, ctx, app, refresh.userId, scopes, refresh.redirectUri, undefined, refresh.grantId);
    return;
  }
  sendAadsts(ctx, 70003, { grantType });
}

/** `grant_type=client_credentials`: `scope` must be `{Azure DevOps resource}/.default`; no refresh token. */
async function clientCredentialsGrant(
  core: EmulatorCore,
  ctx: RequestContext,
  form: URLSearchParams,
  app: EntraApp,
  tenant: string,
  method: ClientAuthMethod,
): Promise<void> {
  const scopes = parseScopeString(form.get("scope"));
  if (scopes.length === 0) {
    sendAadsts(ctx, 90014);
    return;
  }
  for (const scope of scopes) {
    if (!scope.toLowerCase().endsWith("/.default")) {
      sendAadsts(ctx, 1002012, { scope });
      return;
    }
    const resource = scope.slice(0, -"/.default".length).replace(/\/+$/, "");
    if (!AZURE_DEVOPS_RESOURCES.some((known) => known.toLowerCase() === resource.toLowerCase())) {
      sendAadsts(ctx, 500011, { resource, directory: core.store.entra.tenantName(tenant) });
      return;
    }
  }
  const principal = core.store.entra.principal(app.clientId);
  if (!principal) {
    sendAadsts(ctx, 700016, { appId: app.clientId, directory: core.store.entra.tenantName(tenant) });
    return;
  }
  const token = await issueAppToken(core, principal, method === "secret" ? "1" : "2");
  sendJson(
    ctx,
    200,
    { token_type: "Bearer", expires_in: token.expiresIn, ext_expires_in: token.expiresIn, access_token: token.accessToken },
    { headers: { "Cache-Control": "no-store, no-cache", Pragma: "no-cache" } },
  );
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
    sendJson(ctx, 400, { ...aadstsBody(90002, { tenant }), error: "invalid_tenant" });
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
