import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_ENTRA_APP, DEFAULT_LEGACY_APP, DEFAULT_TENANT_ID, DEFAULT_USERS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { startEmulator, type EmulatorHandle } from "@/e2e/azure-devops-emulator/index";
import { consentForm, postForm, redirectParams, request } from "@/e2e/azure-devops-emulator/test-support";
import { TEST_POLICY } from "@/lib/azure-devops/test-kit";
import { parseEnv } from "@/lib/env";
import { oauthProviderConfig, type OAuthProviderConfig } from "./config";
import { IdTokenError, verifyEntraIdToken } from "./id-token";
import { CLIENT_ASSERTION_TYPE, codeRequestBody, JWT_BEARER_GRANT, OAuthTokenError, redeemAuthorizationCode, refreshAccessToken, refreshRequestBody } from "./token-endpoint";

// The token requests of both providers, as Keel sends them, against the emulator's OAuth
// endpoints (which enforce form encoding, the client assertion/secret, single-use codes, PKCE,
// exact redirect URIs and refresh-token rotation).

// https: Azure DevOps OAuth apps (and the emulator) accept only https callbacks.
const PUBLIC_URL = "https://127.0.0.1:45991";
let handle: EmulatorHandle;
let legacy: OAuthProviderConfig;
let entra: OAuthProviderConfig;

beforeAll(async () => {
  handle = await startEmulator({
    fixture: "default",
    oauthRedirectUris: [`${PUBLIC_URL}/api/auth/callback/azure-devops`, `${PUBLIC_URL}/api/auth/callback/microsoft-entra-id`],
  });
  const env = parseEnv({
    NODE_ENV: "test",
    KEEL_PUBLIC_URL: PUBLIC_URL,
    AZURE_DEVOPS_VSSPS_URL: handle.servicesUrl,
    ENTRA_AUTHORITY_URL: handle.servicesUrl,
    AZURE_DEVOPS_OAUTH_CLIENT_ID: DEFAULT_LEGACY_APP.clientId,
    AZURE_DEVOPS_OAUTH_CLIENT_SECRET: DEFAULT_LEGACY_APP.clientSecret,
    ENTRA_CLIENT_ID: DEFAULT_ENTRA_APP.clientId,
    ENTRA_CLIENT_SECRET: DEFAULT_ENTRA_APP.clientSecret,
    ENTRA_TENANT_ID: DEFAULT_TENANT_ID,
  });
  legacy = oauthProviderConfig("azure-devops", env)!;
  entra = oauthProviderConfig("microsoft-entra-id", env)!;
});

beforeEach(() => {
  handle.reset();
});

afterAll(async () => {
  await handle.stop();
});

const options = { policy: TEST_POLICY };

/** Drives a provider's consent page like a browser (GET, then POST the form) and returns the redirect's query. */
async function consent(config: OAuthProviderConfig, extra: Record<string, string>, decision: "accept" | "deny" = "accept", userId: string = DEFAULT_USERS.alex.id): Promise<URLSearchParams> {
  const query = new URLSearchParams({ client_id: config.clientId, redirect_uri: config.redirectUri, scope: config.scopes.join(" "), state: "state-1", ...extra });
  const page = await request(`${config.authorizeUrl}?${query}`);
  expect(page.status, page.text.slice(0, 300)).toBe(200);
  const form = consentForm(page.text);
  return redirectParams(await postForm(config.authorizeUrl, { ...form.hidden, user_id: userId, decision }));
}

function tokenRequests() {
  return handle.control.requests({ method: "POST" }).filter((entry) => entry.path.endsWith("/token"));
}

describe("Azure DevOps OAuth (Assertion flow)", () => {
  it("builds the documented form bodies: jwt-bearer assertion for the code, refresh_token for the refresh", () => {
    expect(Object.fromEntries(codeRequestBody(legacy, "the-code"))).toEqual({
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: DEFAULT_LEGACY_APP.clientSecret,
      grant_type: JWT_BEARER_GRANT,
      assertion: "the-code",
      redirect_uri: `${PUBLIC_URL}/api/auth/callback/azure-devops`,
    });
    expect(Object.fromEntries(refreshRequestBody(legacy, "the-refresh-token"))).toEqual({
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: DEFAULT_LEGACY_APP.clientSecret,
      grant_type: "refresh_token",
      assertion: "the-refresh-token",
      redirect_uri: `${PUBLIC_URL}/api/auth/callback/azure-devops`,
    });
    // Not Auth.js's /oauth2/authorize.
    expect(new URL(legacy.tokenUrl).pathname).toBe("/oauth2/token");
  });

  it("asks for every scope of Keel's table, and the emulator's consent page lists them", async () => {
    expect(legacy.scopes).toEqual(["vso.code", "vso.code_status", "vso.threads_full", "vso.serviceendpoint_query", "vso.project", "vso.notification", "vso.profile"]);
    const page = await request(`${legacy.authorizeUrl}?${new URLSearchParams({ client_id: legacy.clientId, response_type: "Assertion", redirect_uri: legacy.redirectUri, scope: legacy.scopes.join(" "), state: "s" })}`);
    for (const scope of legacy.scopes) {
      expect(page.text).toContain(`<li>${scope}</li>`);
    }
  });

  it("redeems a code once (form-encoded POST to /oauth2/token); a replay is code_used", async () => {
    const redirect = await consent(legacy, { response_type: "Assertion" });
    expect(redirect.get("state")).toBe("state-1");
    const code = redirect.get("code") ?? "";
    const before = Math.floor(Date.now() / 1000);
    const tokens = await redeemAuthorizationCode(legacy, { code }, options);
    expect(tokens.accessToken.length).toBeGreaterThan(20);
    expect(tokens.refreshToken).toEqual(expect.any(String));
    // expires_in arrives as the string "3600".
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(before + 3600);
    expect(tokens.expiresAt).toBeLessThanOrEqual(before + 3602);
    expect(tokens.idToken).toBeUndefined();
    const [sent] = tokenRequests();
    expect(sent?.path).toBe("/oauth2/token");
    expect(sent?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.keys(sent?.body as object).sort()).toEqual(["assertion", "client_assertion", "client_assertion_type", "grant_type", "redirect_uri"]);
    // (The emulator masks every *assertion* field in its log.)
    expect(sent?.body).toMatchObject({ grant_type: JWT_BEARER_GRANT, redirect_uri: legacy.redirectUri });

    const replay = await redeemAuthorizationCode(legacy, { code }, options).catch((error: unknown) => error);
    expect(replay).toBeInstanceOf(OAuthTokenError);
    expect((replay as OAuthTokenError).kind).toBe("code_used");
  });

  it("refresh rotates: the new refresh token works, the old one is invalid_grant (needs re-authorization)", async () => {
    const code = (await consent(legacy, { response_type: "Assertion" })).get("code") ?? "";
    const first = await redeemAuthorizationCode(legacy, { code }, options);
    const second = await refreshAccessToken(legacy, first.refreshToken!, options);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const refreshBody = tokenRequests().at(-1)?.body as Record<string, string>;
    expect(refreshBody.grant_type).toBe("refresh_token");
    expect(Object.keys(refreshBody).sort()).toEqual(["assertion", "client_assertion", "client_assertion_type", "grant_type", "redirect_uri"]);
    const reused = (await refreshAccessToken(legacy, first.refreshToken!, options).catch((error: unknown) => error)) as OAuthTokenError;
    expect(reused.kind).toBe("invalid_grant");
    expect(reused.needsReauthorization).toBe(true);
    await expect(refreshAccessToken(legacy, second.refreshToken!, options)).resolves.toMatchObject({ accessToken: expect.any(String) });
  });

  it("a wrong client secret is invalid_client (configuration, not re-authorization)", async () => {
    const code = (await consent(legacy, { response_type: "Assertion" })).get("code") ?? "";
    const error = (await redeemAuthorizationCode({ ...legacy, clientSecret: "not-the-secret" }, { code }, options).catch((caught: unknown) => caught)) as OAuthTokenError;
    expect(error.kind).toBe("invalid_client");
    expect(error.needsReauthorization).toBe(false);
    expect(error.message).not.toContain("not-the-secret");
  });

  it("a revoked grant refuses the refresh token", async () => {
    const code = (await consent(legacy, { response_type: "Assertion" })).get("code") ?? "";
    const tokens = await redeemAuthorizationCode(legacy, { code }, options);
    expect(handle.control.revokeGrants({ userId: DEFAULT_USERS.alex.id, clientId: DEFAULT_LEGACY_APP.clientId })).toBe(1);
    const error = (await refreshAccessToken(legacy, tokens.refreshToken!, options).catch((caught: unknown) => caught)) as OAuthTokenError;
    expect(error.kind).toBe("invalid_grant");
  });

  it("an unreachable token endpoint is unreachable, not a verdict on the grant", async () => {
    const error = (await refreshAccessToken({ ...legacy, tokenUrl: "http://127.0.0.1:9/oauth2/token" }, "x", options).catch((caught: unknown) => caught)) as OAuthTokenError;
    expect(error.kind).toBe("unreachable");
    expect(error.needsReauthorization).toBe(false);
  });
});

describe("Microsoft Entra ID (authorization code + PKCE + nonce)", () => {
  const pkce = async () => {
    const { createHash, randomBytes } = await import("node:crypto");
    const verifier = randomBytes(32).toString("base64url");
    return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
  };
  const authorize = async (nonce = "nonce-1") => {
    const { verifier, challenge } = await pkce();
    const redirect = await consent(entra, { response_type: "code", code_challenge: challenge, code_challenge_method: "S256", nonce });
    return { code: redirect.get("code") ?? "", verifier };
  };
  const expectations = (nonce: string) => ({ ...entra.entra!, clientId: entra.clientId, nonce });

  it("asks the explicit tenant for the Azure DevOps resource scopes plus openid and offline_access", () => {
    expect(new URL(entra.authorizeUrl).pathname).toBe(`/${DEFAULT_TENANT_ID}/oauth2/v2.0/authorize`);
    expect(entra.scopes).toEqual([
      "openid",
      "offline_access",
      ...["vso.code", "vso.code_status", "vso.threads_full", "vso.serviceendpoint_query", "vso.project", "vso.notification", "vso.profile"].map((scope) => `499b84ac-1321-427f-aa17-267ca6975798/${scope}`),
    ]);
    expect(Object.fromEntries(codeRequestBody(entra, "c", "v"))).toEqual({
      client_id: DEFAULT_ENTRA_APP.clientId,
      client_secret: DEFAULT_ENTRA_APP.clientSecret,
      grant_type: "authorization_code",
      code: "c",
      redirect_uri: `${PUBLIC_URL}/api/auth/callback/microsoft-entra-id`,
      code_verifier: "v",
      scope: entra.scopes.join(" "),
    });
    expect(Object.fromEntries(refreshRequestBody(entra, "r"))).toEqual({
      client_id: DEFAULT_ENTRA_APP.clientId,
      client_secret: DEFAULT_ENTRA_APP.clientSecret,
      grant_type: "refresh_token",
      refresh_token: "r",
      scope: entra.scopes.join(" "),
    });
    expect(() => codeRequestBody(entra, "c")).toThrow(OAuthTokenError);
  });

  it("redeems with the PKCE verifier; the ID token verifies with the nonce Keel sent", async () => {
    const { code, verifier } = await authorize("nonce-abc");
    const tokens = await redeemAuthorizationCode(entra, { code, codeVerifier: verifier }, options);
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(tokens.idToken).toEqual(expect.any(String));
    await expect(verifyEntraIdToken(tokens.idToken!, expectations("nonce-abc"), { policy: TEST_POLICY })).resolves.toEqual({ tenantId: DEFAULT_TENANT_ID });
    const wrongNonce = (await verifyEntraIdToken(tokens.idToken!, expectations("another-nonce"), { policy: TEST_POLICY }).catch((error: unknown) => error)) as IdTokenError;
    expect(wrongNonce).toBeInstanceOf(IdTokenError);
    expect(wrongNonce.reason).toBe("nonce_mismatch");
    const wrongAudience = (await verifyEntraIdToken(tokens.idToken!, { ...expectations("nonce-abc"), clientId: "00000000-0000-0000-0000-000000000000" }, { policy: TEST_POLICY }).catch((error: unknown) => error)) as IdTokenError;
    expect(wrongAudience.reason).toBe("invalid");
    const sent = tokenRequests().at(-1)?.body as Record<string, string>;
    expect(Object.keys(sent).sort()).toEqual(["client_id", "client_secret", "code", "code_verifier", "grant_type", "redirect_uri", "scope"]);
  });

  it("another tenant's token is refused when a tenant is configured", async () => {
    const { code, verifier } = await authorize("n");
    const tokens = await redeemAuthorizationCode(entra, { code, codeVerifier: verifier }, options);
    const otherTenant = { ...expectations("n"), tenant: "11111111-2222-3333-4444-555555555555" };
    await expect(verifyEntraIdToken(tokens.idToken!, otherTenant, { policy: TEST_POLICY })).rejects.toMatchObject({ reason: "invalid" });
  });

  it("a wrong PKCE verifier is pkce_mismatch; a replayed code is code_used", async () => {
    const { code, verifier } = await authorize();
    expect(((await redeemAuthorizationCode(entra, { code, codeVerifier: `${verifier}x` }, options).catch((error: unknown) => error)) as OAuthTokenError).kind).toBe("pkce_mismatch");
    await redeemAuthorizationCode(entra, { code, codeVerifier: verifier }, options);
    expect(((await redeemAuthorizationCode(entra, { code, codeVerifier: verifier }, options).catch((error: unknown) => error)) as OAuthTokenError).kind).toBe("code_used");
  });

  it("refresh rotates; a revoked grant is invalid_grant", async () => {
    const { code, verifier } = await authorize();
    const first = await redeemAuthorizationCode(entra, { code, codeVerifier: verifier }, options);
    const second = await refreshAccessToken(entra, first.refreshToken!, options);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(((await refreshAccessToken(entra, first.refreshToken!, options).catch((error: unknown) => error)) as OAuthTokenError).kind).toBe("invalid_grant");
    handle.control.revokeGrants({ userId: DEFAULT_USERS.alex.id, clientId: DEFAULT_ENTRA_APP.clientId });
    const revoked = (await refreshAccessToken(entra, second.refreshToken!, options).catch((error: unknown) => error)) as OAuthTokenError;
    expect(revoked.kind).toBe("invalid_grant");
    expect(revoked.providerError).toBe("AADSTS50173");
  });
});
