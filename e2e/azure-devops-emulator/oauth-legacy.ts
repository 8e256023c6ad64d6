import { authorizeParams, sendConsentPage, sendOAuthErrorPage, withParams } from "./consent.js";
import type { EmulatorCore } from "./core.js";
import { httpCallbackRefusal, isHttpsCallback } from "./entra-directory.js";
import { randomOpaque } from "./ids.js";
import { mediaType, parseForm, redirect, sendJson, type RequestContext } from "./http.js";
import type { FixtureUser } from "./model.js";
import { issueTokens } from "./oauth-tokens.js";
import { parseScopeString } from "./scopes.js";

/**
 * Legacy Azure DevOps OAuth 2.0 (docs/azure-devops-facts.md §3.1): `/oauth2/authorize` with
 * `response_type=Assertion`, `/oauth2/token` with the JWT-bearer assertion grant.
 */

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const CODE_LIFETIME_MS = 10 * 60 * 1000;

/** Accounts that can sign in to Azure DevOps Services (not Windows users; service principals cannot use Azure DevOps OAuth). */
function cloudUsers(core: EmulatorCore): FixtureUser[] {
  return [...core.store.users.values()].filter((user) => user.kind === "work" || user.kind === "personal");
}

/** `GET|POST /oauth2/authorize`: validates, renders consent (GET), decides (POST). */
export function legacyAuthorize(core: EmulatorCore, ctx: RequestContext): void {
  const form = ctx.method === "POST" ? parseForm(ctx.body) : undefined;
  const params = authorizeParams(ctx, form);
  const clientId = params.get("client_id") ?? "";
  const app = core.store.legacyApps.get(clientId.toLowerCase());
  if (!app) {
    sendOAuthErrorPage(ctx, "Invalid client", `The client_id '${clientId}' does not identify a registered application.`);
    return;
  }
  const redirectUri = params.get("redirect_uri") ?? "";
  // Azure DevOps OAuth callbacks are https only (https://localhost allowed), docs/azure-devops-facts.md §3.1.
  if (!isHttpsCallback(redirectUri)) {
    sendOAuthErrorPage(ctx, "Error 400 - Bad Request", httpCallbackRefusal(redirectUri));
    return;
  }
  // The callback must match the registration exactly (docs/azure-devops-facts.md §3.1), otherwise a 400 page, no redirect.
  if (!app.redirectUris.includes(redirectUri)) {
    sendOAuthErrorPage(ctx, "Redirect URI mismatch", `The redirect_uri '${redirectUri}' does not match the callback URL registered for ${app.name}.`);
    return;
  }
  const state = params.get("state") ?? undefined;
  if ((params.get("response_type") ?? "") !== "Assertion") {
    redirect(ctx, withParams(redirectUri, { error: "unsupported_response_type", error_description: "response_type must be Assertion.", state }));
    return;
  }
  const requested = parseScopeString(params.get("scope"));
  const scopes = requested.length === 0 ? [...app.scopes] : requested;
  const unregistered = scopes.filter((scope) => !app.scopes.includes(scope));
  if (unregistered.length > 0) {
    redirect(
      ctx,
      withParams(redirectUri, {
        error: "invalid_scope",
        error_description: `The scopes ${unregistered.join(" ")} are not registered for this application.`,
        state,
      }),
    );
    return;
  }
  const users = cloudUsers(core);
  if (ctx.method !== "POST") {
    const hint = (params.get("login_hint") ?? "").toLowerCase();
    sendConsentPage(ctx, {
      title: "Azure DevOps: authorize application",
      appName: app.name,
      action: ctx.url.pathname,
      params,
      users,
      selectedUserId: users.find((user) => user.email.toLowerCase() === hint)?.id,
      scopes,
    });
    return;
  }
  if ((params.get("decision") ?? "") !== "accept") {
    redirect(
      ctx,
      withParams(redirectUri, { error: "access_denied", error_description: "The user denied the authorization request.", state }),
    );
    return;
  }
  const user = users.find((candidate) => candidate.id === params.get("user_id"));
  if (!user) {
    sendOAuthErrorPage(ctx, "Unknown account", "Choose an account to sign in with.");
    return;
  }
  const code = randomOpaque(32);
  core.store.codes.set(code, {
    code,
    provider: "legacy",
    clientId: app.clientId,
    userId: user.id,
    scopes,
    redirectUri,
    expiresAt: core.store.clock.now() + CODE_LIFETIME_MS,
    used: false,
  });
  redirect(ctx, withParams(redirectUri, { code, state }));
}

/** Token-endpoint error; PascalCase keys as one captured response shows (docs/azure-devops-facts.md §3.1, UNVERIFIED in general). */
function tokenError(ctx: RequestContext, status: number, error: string, description: string): void {
  sendJson(ctx, status, { Error: error, ErrorDescription: description }, { headers: { "Cache-Control": "no-store" } });
}

/** `POST /oauth2/token`: assertion grant (code) and refresh grant, both with the client secret as assertion. */
export async function legacyToken(core: EmulatorCore, ctx: RequestContext): Promise<void> {
  if (ctx.method !== "POST") {
    tokenError(ctx, 405, "invalid_request", "The token endpoint only accepts POST.");
    return;
  }
  if (mediaType(ctx.req) !== "application/x-www-form-urlencoded") {
    tokenError(ctx, 400, "invalid_request", "The request must be application/x-www-form-urlencoded.");
    return;
  }
  const form = parseForm(ctx.body);
  if (form.get("client_assertion_type") !== ASSERTION_TYPE) {
    tokenError(ctx, 400, "invalid_request", `client_assertion_type must be ${ASSERTION_TYPE}.`);
    return;
  }
  const secret = form.get("client_assertion") ?? "";
  const app = [...core.store.legacyApps.values()].find((candidate) => candidate.clientSecret === secret);
  if (!app || secret.length === 0) {
    // Every malformed or mismatching token request is a 400 here, the wrong secret included.
    tokenError(ctx, 400, "invalid_client", "The client assertion (client secret) is not valid.");
    return;
  }
  const grantType = form.get("grant_type") ?? "";
  const assertion = form.get("assertion") ?? "";
  const redirectUri = form.get("redirect_uri") ?? "";
  const store = core.store;
  const now = store.clock.now();
  if (grantType === JWT_BEARER_GRANT) {
    const code = store.codes.get(assertion);
    if (!code || code.provider !== "legacy" || code.clientId !== app.clientId || code.expiresAt <= now) {
      tokenError(ctx, 400, "invalid_grant", "The authorization code is not valid.");
      return;
    }
    if (code.used) {
      tokenError(ctx, 400, "invalid_grant", "The authorization code has already been redeemed.");
      return;
    }
    if (code.redirectUri !== redirectUri) {
      tokenError(ctx, 400, "invalid_request", "The redirect_uri does not match the one used for authorization.");
      return;
    }
    code.used = true;
    const issued = await issueTokens(core, {
      provider: "legacy",
      clientId: app.clientId,
      userId: code.userId,
      scopes: code.scopes,
      redirectUri,
    });
    sendTokens(ctx, issued.accessToken, issued.refreshToken, issued.expiresIn, issued.scopes);
    return;
  }
  if (grantType === "refresh_token") {
    const refresh = store.refreshTokens.get(assertion);
    const grant = refresh === undefined ? undefined : store.grants.get(refresh.grantId);
    if (!refresh || refresh.provider !== "legacy" || refresh.clientId !== app.clientId) {
      tokenError(ctx, 400, "invalid_grant", "The refresh token is not valid.");
      return;
    }
    if (refresh.used || refresh.revoked || grant?.revoked === true || refresh.expiresAt <= now) {
      tokenError(ctx, 400, "invalid_grant", "The refresh token has been used, revoked or has expired.");
      return;
    }
    if (refresh.redirectUri !== redirectUri) {
      tokenError(ctx, 400, "invalid_request", "The redirect_uri does not match the one used for authorization.");
      return;
    }
    // Rotation: the presented refresh token stops working once its successor is issued.
    refresh.used = true;
    const issued = await issueTokens(core, {
      provider: "legacy",
      clientId: app.clientId,
      userId: refresh.userId,
      scopes: refresh.scopes,
      redirectUri,
      grantId: refresh.grantId,
    });
    sendTokens(ctx, issued.accessToken, issued.refreshToken, issued.expiresIn, issued.scopes);
    return;
  }
  tokenError(ctx, 400, "unsupported_grant_type", `The grant_type '${grantType}' is not supported.`);
}

/** The token response (docs/azure-devops-facts.md §3.1): `expires_in` as a string. */
function sendTokens(ctx: RequestContext, accessToken: string, refreshToken: string, expiresIn: number, scopes: string[]): void {
  sendJson(
    ctx,
    200,
    {
      access_token: accessToken,
      token_type: "jwt-bearer",
      expires_in: String(expiresIn),
      refresh_token: refreshToken,
      scope: scopes.join(" "),
    },
    { headers: { "Cache-Control": "no-store", Pragma: "no-cache" } },
  );
}
