import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_ENTRA_APP,
  DEFAULT_ENTRA_APP_WITHOUT_CONSENT,
  DEFAULT_FIXTURE,
  DEFAULT_LEGACY_APP,
  DEFAULT_SERVICE_PRINCIPALS,
  DEFAULT_TENANTS,
  DEFAULT_TENANT_ID,
  DEFAULT_USERS,
  KEEL_SCOPES,
} from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { body, consentForm, pkcePair, postForm, postJson, redirectParams, request } from "./test-support.js";

/**
 * What a person meets signing in through Entra (the AADSTS pages and redirects: wrong tenant,
 * unknown app, single-tenant app on /common, an account from elsewhere, an app without admin
 * consent) and the rule that legacy Azure DevOps OAuth callbacks are https only.
 */

const ADO = "499b84ac-1321-427f-aa17-267ca6975798";
const HTTPS_CALLBACK = "https://localhost:45679/api/auth/callback/azure-devops";
const HTTP_CALLBACK = "http://127.0.0.1:45679/api/auth/callback/microsoft-entra-id";
let handle: EmulatorHandle;
let services: string;

beforeAll(async () => {
  handle = await startEmulator({ fixture: { ...DEFAULT_FIXTURE, servers: [] }, oauthRedirectUris: [HTTPS_CALLBACK, HTTP_CALLBACK] });
  services = handle.servicesUrl ?? "";
});

beforeEach(() => {
  handle.reset();
});

afterAll(async () => {
  await handle.stop();
});

/** The first line of an Entra error page (`AADSTSn: …`). */
function pageError(html: string): string {
  const alert = /<p role="alert">([^<]*)<\/p>/.exec(html)?.[1] ?? "";
  return alert.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
}

function authorizeUrl(tenant: string, params: Record<string, string>): string {
  const { challenge } = pkcePair();
  const query = {
    client_id: DEFAULT_ENTRA_APP.clientId,
    response_type: "code",
    redirect_uri: HTTP_CALLBACK,
    scope: `openid offline_access ${ADO}/.default`,
    state: "st",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...params,
  };
  return `${services}/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams(query)}`;
}

/** Renders the sign-in page and submits it as `userId` with `decision`. */
async function signIn(tenant: string, userId: string, params: Record<string, string> = {}, decision = "accept"): Promise<Awaited<ReturnType<typeof request>>> {
  const page = await request(authorizeUrl(tenant, params));
  expect(page.status).toBe(200);
  return postForm(`${services}/${tenant}/oauth2/v2.0/authorize`, { ...consentForm(page.text).hidden, user_id: userId, decision });
}

describe("Entra sign-in errors", () => {
  it("an unknown tenant, an app of another directory, a single-tenant app on /common: AADSTS90002, 700016, 50194 pages", async () => {
    const unknown = await request(authorizeUrl("0c0c0c0c-1d1d-4e2e-8f3f-4a4a4a4a4a4a", {}));
    expect(unknown.status).toBe(400);
    expect(pageError(unknown.text)).toMatch(/^AADSTS90002: Tenant '0c0c0c0c-1d1d-4e2e-8f3f-4a4a4a4a4a4a' not found\. /);
    expect(unknown.text).toMatch(/Correlation Id: [0-9a-f-]{36}/);
    const other = await request(authorizeUrl(DEFAULT_TENANTS.other.id, {}));
    expect(pageError(other.text)).toBe(
      `AADSTS700016: Application with identifier '${DEFAULT_ENTRA_APP.clientId}' was not found in the directory 'Contoso Partners'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
    const pipeline = DEFAULT_SERVICE_PRINCIPALS.pipeline;
    const common = await request(authorizeUrl("common", { client_id: pipeline.clientId }));
    expect(common.status).toBe(400);
    expect(pageError(common.text)).toBe(
      `AADSTS50194: Application '${pipeline.clientId}'(${pipeline.name}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
    );
  });

  it("a personal Microsoft account on the tenant's endpoint → AADSTS50020; a work account works; on /common both do", async () => {
    const personal = await signIn(DEFAULT_TENANT_ID, DEFAULT_USERS.priya.id);
    expect(personal.status).toBe(400);
    expect(pageError(personal.text)).toBe(
      `AADSTS50020: User account '${DEFAULT_USERS.priya.email}' from identity provider 'live.com' does not exist in tenant 'Keel Test' and cannot access the application '${DEFAULT_ENTRA_APP.clientId}'(${DEFAULT_ENTRA_APP.name}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Microsoft Entra user account.`,
    );
    expect(redirectParams(await signIn(DEFAULT_TENANT_ID, DEFAULT_USERS.alex.id)).get("code")).toEqual(expect.any(String));
    expect(redirectParams(await signIn("common", DEFAULT_USERS.priya.id)).get("code")).toEqual(expect.any(String));
    expect((await signIn("organizations", DEFAULT_USERS.priya.id)).status).toBe(400);
  });

  it("no admin consent: 'Need admin approval' with no Accept; returning gives access_denied with AADSTS90094", async () => {
    const params = { client_id: DEFAULT_ENTRA_APP_WITHOUT_CONSENT.clientId };
    const page = await request(authorizeUrl(DEFAULT_TENANT_ID, params));
    expect(page.status).toBe(200);
    expect(page.text).toContain("<h1>Need admin approval</h1>");
    expect(page.text).toContain("Return to the application without granting consent");
    expect(page.text).not.toContain('value="accept"');
    const back = redirectParams(await signIn(DEFAULT_TENANT_ID, DEFAULT_USERS.alex.id, params, "cancel"));
    expect(Object.fromEntries(back)).toMatchObject({ error: "access_denied", error_subcode: "cancel", error_description: "AADSTS90094: The grant requires admin permission.", state: "st" });
    // A forged Accept changes nothing.
    expect(redirectParams(await signIn(DEFAULT_TENANT_ID, DEFAULT_USERS.alex.id, params, "accept")).get("error")).toBe("access_denied");
  });

  it("prompt=none: consent_required with AADSTS65001 without admin consent, login_required with AADSTS50058 otherwise", async () => {
    const silent = await request(authorizeUrl(DEFAULT_TENANT_ID, { client_id: DEFAULT_ENTRA_APP_WITHOUT_CONSENT.clientId, prompt: "none" }));
    expect(Object.fromEntries(redirectParams(silent))).toMatchObject({
      error: "consent_required",
      error_description: `AADSTS65001: The user or administrator has not consented to use the application with ID '${DEFAULT_ENTRA_APP_WITHOUT_CONSENT.clientId}' named '${DEFAULT_ENTRA_APP_WITHOUT_CONSENT.name}'. Send an interactive authorization request for this user and resource.`,
    });
    expect(redirectParams(await request(authorizeUrl(DEFAULT_TENANT_ID, { prompt: "none" }))).get("error")).toBe("login_required");
  });

  it("granting admin consent through the control API lets the same people in", async () => {
    handle.control.setAdminConsent({ clientId: DEFAULT_ENTRA_APP_WITHOUT_CONSENT.clientId, granted: true });
    const code = redirectParams(await signIn(DEFAULT_TENANT_ID, DEFAULT_USERS.alex.id, { client_id: DEFAULT_ENTRA_APP_WITHOUT_CONSENT.clientId })).get("code");
    expect(code).toEqual(expect.any(String));
  });

  it("a refresh asking for more than was consented → AADSTS65001 (400 invalid_grant)", async () => {
    const { verifier, challenge } = pkcePair();
    const page = await request(authorizeUrl(DEFAULT_TENANT_ID, { scope: `offline_access ${ADO}/vso.code`, code_challenge: challenge }));
    const code = redirectParams(await postForm(`${services}/${DEFAULT_TENANT_ID}/oauth2/v2.0/authorize`, { ...consentForm(page.text).hidden, user_id: DEFAULT_USERS.alex.id, decision: "accept" })).get("code") ?? "";
    const tokenUrl = `${services}/${DEFAULT_TENANT_ID}/oauth2/v2.0/token`;
    const client = { client_id: DEFAULT_ENTRA_APP.clientId, client_secret: DEFAULT_ENTRA_APP.clientSecret };
    const tokens = body(await postForm(tokenUrl, { ...client, grant_type: "authorization_code", code, redirect_uri: HTTP_CALLBACK, code_verifier: verifier }));
    const wider = await postForm(tokenUrl, { ...client, grant_type: "refresh_token", refresh_token: String(tokens.refresh_token), scope: `${ADO}/vso.code_write` });
    expect(wider.status).toBe(400);
    expect(body(wider)).toMatchObject({ error: "invalid_grant", error_codes: [65001] });
  });
});

describe("legacy Azure DevOps OAuth: https callbacks only", () => {
  const authorize = (redirectUri: string, clientId = DEFAULT_LEGACY_APP.clientId) =>
    request(`${services}/oauth2/authorize?${new URLSearchParams({ client_id: clientId, response_type: "Assertion", state: "s", scope: KEEL_SCOPES.join(" "), redirect_uri: redirectUri })}`);

  it("an http redirect_uri gets the 400 page, whatever was registered; https://localhost works", async () => {
    const http = await authorize("http://localhost:3000/api/auth/callback/azure-devops");
    expect(http.status).toBe(400);
    expect(http.text).toContain("<title>Error 400 - Bad Request</title>");
    expect(pageError(http.text)).toBe(
      "The callback URL 'http://localhost:3000/api/auth/callback/azure-devops' is not allowed: Azure DevOps OAuth apps require an https callback URL (https://localhost is allowed for local development).",
    );
    expect((await authorize(HTTPS_CALLBACK)).status).toBe(200);
  });

  it("http callbacks offered to every app are refused by the legacy app and kept by the Entra apps", async () => {
    const apps = handle.control.credentials().oauth;
    expect(apps.legacy[0]?.redirectUris).toContain(HTTPS_CALLBACK);
    expect(apps.legacy[0]?.redirectUris).not.toContain(HTTP_CALLBACK);
    expect(apps.legacy[0]?.redirectUris.every((uri) => uri.startsWith("https://"))).toBe(true);
    expect(apps.entra[0]?.redirectUris).toContain(HTTP_CALLBACK);
    expect(handle.control.entra().refusedLegacyRedirectUris).toEqual([HTTP_CALLBACK]);
  });

  it("registration refuses an http callback (400) and accepts https://localhost", async () => {
    const refused = await postJson(`${services}/_emulator/oauth/legacy-apps`, { name: "Plain http", redirectUris: ["http://keel.example.test/callback"], scopes: ["vso.code"] });
    expect(refused.status).toBe(400);
    expect(body(refused).error).toBe(
      "The callback URL 'http://keel.example.test/callback' is not allowed: Azure DevOps OAuth apps require an https callback URL (https://localhost is allowed for local development).",
    );
    const created = body(await postJson(`${services}/_emulator/oauth/legacy-apps`, { name: "Local", redirectUris: ["https://localhost:4443/cb"], scopes: ["vso.code"] }));
    const page = await request(`${services}/oauth2/authorize?${new URLSearchParams({ client_id: String(created.clientId), response_type: "Assertion", state: "s", scope: "vso.code", redirect_uri: "https://localhost:4443/cb" })}`);
    expect(page.status).toBe(200);
  });

  it("a fixture whose legacy app has an http callback does not start", async () => {
    const fixture = { ...DEFAULT_FIXTURE, servers: [], oauth: { ...DEFAULT_FIXTURE.oauth, legacy: [{ ...DEFAULT_LEGACY_APP, redirectUris: ["http://localhost:3000/cb"] }] } };
    await expect(startEmulator({ fixture })).rejects.toThrow("Legacy OAuth app 'Keel (Azure DevOps OAuth)': The callback URL 'http://localhost:3000/cb' is not allowed");
  });
});
