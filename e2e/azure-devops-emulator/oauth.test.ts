import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_ENTRA_APP, DEFAULT_LEGACY_APP, DEFAULT_USERS, KEEL_SCOPES } from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { bearer, body, consentForm, pkcePair, postForm, redirectParams, request, values } from "./test-support.js";

/** Both OAuth providers end to end, driven like a browser would (GET consent page, POST the form). */

// Azure DevOps OAuth apps take https callbacks only.
const KEEL_CALLBACK = "https://localhost:45678/api/auth/callback/azure-devops";
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const ADO = "499b84ac-1321-427f-aa17-267ca6975798";

let handle: EmulatorHandle;
let services: string;

beforeAll(async () => {
  handle = await startEmulator({ fixture: "default", oauthRedirectUris: [KEEL_CALLBACK] });
  services = handle.servicesUrl ?? "";
});

beforeEach(() => {
  handle.reset();
});

afterAll(async () => {
  await handle.stop();
});

describe("legacy Azure DevOps OAuth", () => {
  const authorizeUrl = (params: Record<string, string>): string => `${services}/oauth2/authorize?${new URLSearchParams(params).toString()}`;
  const baseParams = (): Record<string, string> => ({
    client_id: DEFAULT_LEGACY_APP.clientId,
    response_type: "Assertion",
    state: "state-123",
    scope: KEEL_SCOPES.join(" "),
    redirect_uri: KEEL_CALLBACK,
  });

  /** Renders the consent page and submits it like a browser. */
  async function consent(decision: "accept" | "deny", userId = DEFAULT_USERS.alex.id): Promise<URLSearchParams> {
    const page = await request(authorizeUrl(baseParams()));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<button type="submit" name="decision" value="accept">Accept</button>');
    expect(page.text).toContain('<button type="submit" name="decision" value="deny">Deny</button>');
    expect(page.text).toContain("<legend>Sign in as</legend>");
    for (const scope of KEEL_SCOPES) {
      expect(page.text).toContain(`<li>${scope}</li>`);
    }
    const form = consentForm(page.text);
    expect(form.userIds).toContain(userId);
    expect(form.userIds).not.toContain(DEFAULT_USERS.jane.id);
    const submitted = await postForm(`${services}/oauth2/authorize`, { ...form.hidden, user_id: userId, decision });
    return redirectParams(submitted);
  }

  function redeem(fields: Record<string, string>): ReturnType<typeof postForm> {
    return postForm(`${services}/oauth2/token`, {
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: DEFAULT_LEGACY_APP.clientSecret,
      redirect_uri: KEEL_CALLBACK,
      ...fields,
    });
  }

  it("Accept → code; the code redeems once for tokens that work on the API", async () => {
    const redirect = await consent("accept");
    expect(redirect.get("state")).toBe("state-123");
    const code = redirect.get("code") ?? "";
    expect(code.length).toBeGreaterThan(20);
    const token = await redeem({ grant_type: JWT_BEARER, assertion: code });
    expect(token.status).toBe(200);
    const json = body(token);
    expect(typeof json.expires_in).toBe("string");
    expect(json.expires_in).toBe("3600");
    expect(json.refresh_token).toEqual(expect.any(String));
    const projects = await request(`${services}/fabrikam/_apis/projects`, { headers: bearer(String(json.access_token)) });
    expect(values(projects).length).toBe(4);
    const replay = await redeem({ grant_type: JWT_BEARER, assertion: code });
    expect(replay.status).toBe(400);
    expect(body(replay).Error).toBe("invalid_grant");
  });

  it("Deny → redirect with error=access_denied, error_description and state", async () => {
    const redirect = await consent("deny");
    expect(redirect.get("error")).toBe("access_denied");
    expect(redirect.get("error_description")).toBeTruthy();
    expect(redirect.get("state")).toBe("state-123");
    expect(redirect.get("code")).toBeNull();
  });

  it("a redirect_uri that is not an exact match → 400 page, no redirect", async () => {
    for (const uri of [`${KEEL_CALLBACK}/`, KEEL_CALLBACK.replace("localhost", "127.0.0.1"), `${KEEL_CALLBACK}?x=1`, KEEL_CALLBACK.toUpperCase()]) {
      const response = await request(authorizeUrl({ ...baseParams(), redirect_uri: uri }));
      expect(response.status).toBe(400);
      expect(response.headers["content-type"]).toContain("text/html");
      expect(response.headers.location).toBeUndefined();
    }
    const unknownClient = await request(authorizeUrl({ ...baseParams(), client_id: "00000000-0000-0000-0000-000000000000" }));
    expect(unknownClient.status).toBe(400);
  });

  it("the token endpoint requires form encoding, the right secret and the same redirect_uri", async () => {
    const code = (await consent("accept")).get("code") ?? "";
    const asJson = await request(`${services}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_assertion_type: ASSERTION_TYPE, client_assertion: DEFAULT_LEGACY_APP.clientSecret, grant_type: JWT_BEARER, assertion: code, redirect_uri: KEEL_CALLBACK }),
    });
    expect(asJson.status).toBe(400);
    const wrongSecret = await redeem({ grant_type: JWT_BEARER, assertion: code, client_assertion: "wrong" });
    expect(wrongSecret.status).toBe(400);
    expect(body(wrongSecret).Error).toBe("invalid_client");
    expect((await redeem({ grant_type: JWT_BEARER, assertion: code, redirect_uri: "https://evil.example/cb" })).status).toBe(400);
    // None of the failed attempts consumed the code.
    expect((await redeem({ grant_type: JWT_BEARER, assertion: code })).status).toBe(200);
  });

  it("refresh rotates: the new refresh token works, the old one is rejected", async () => {
    const code = (await consent("accept")).get("code") ?? "";
    const first = body(await redeem({ grant_type: JWT_BEARER, assertion: code }));
    const refreshed = await redeem({ grant_type: "refresh_token", assertion: String(first.refresh_token) });
    expect(refreshed.status).toBe(200);
    const second = body(refreshed);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    const reuse = await redeem({ grant_type: "refresh_token", assertion: String(first.refresh_token) });
    expect(reuse.status).toBe(400);
    expect((await redeem({ grant_type: "refresh_token", assertion: String(second.refresh_token) })).status).toBe(200);
  });

  it("revoking the grant stops the access token and the refresh token", async () => {
    const code = (await consent("accept")).get("code") ?? "";
    const tokens = body(await redeem({ grant_type: JWT_BEARER, assertion: code }));
    expect(handle.control.revokeGrants({ userId: DEFAULT_USERS.alex.id, clientId: DEFAULT_LEGACY_APP.clientId })).toBe(1);
    expect((await request(`${services}/fabrikam/_apis/projects`, { headers: bearer(String(tokens.access_token)) })).status).toBe(401);
    expect((await redeem({ grant_type: "refresh_token", assertion: String(tokens.refresh_token) })).status).toBe(400);
  });

  it("the consent page pre-selects login_hint and scopes outside the registration are refused", async () => {
    const page = await request(authorizeUrl({ ...baseParams(), login_hint: DEFAULT_USERS.sam.email }));
    expect(page.text).toMatch(new RegExp(`value="${DEFAULT_USERS.sam.id}" checked`));
    const wide = await request(authorizeUrl({ ...baseParams(), scope: "vso.code vso.code_manage" }));
    expect(redirectParams(wide).get("error")).toBe("invalid_scope");
  });
});

describe("Microsoft Entra ID v2", () => {
  const tenant = DEFAULT_ENTRA_APP.tenantId;
  const redirectUri = KEEL_CALLBACK;
  const scope = `openid profile email offline_access ${ADO}/vso.code ${ADO}/vso.code_status`;

  async function authorize(overrides: Record<string, string> = {}, decision: "accept" | "deny" = "accept", tenantSegment: string = tenant): Promise<{ params: URLSearchParams; verifier: string }> {
    const { verifier, challenge } = pkcePair();
    const query = {
      client_id: DEFAULT_ENTRA_APP.clientId,
      response_type: "code",
      redirect_uri: redirectUri,
      scope,
      state: "entra-state",
      nonce: "nonce-42",
      code_challenge: challenge,
      code_challenge_method: "S256",
      ...overrides,
    };
    const page = await request(`${services}/${tenantSegment}/oauth2/v2.0/authorize?${new URLSearchParams(query).toString()}`);
    expect(page.status).toBe(200);
    const form = consentForm(page.text);
    const submitted = await postForm(`${services}/${tenantSegment}/oauth2/v2.0/authorize`, { ...form.hidden, user_id: DEFAULT_USERS.alex.id, decision });
    return { params: redirectParams(submitted), verifier };
  }

  function token(fields: Record<string, string>): ReturnType<typeof postForm> {
    return postForm(`${services}/${tenant}/oauth2/v2.0/token`, { client_id: DEFAULT_ENTRA_APP.clientId, client_secret: DEFAULT_ENTRA_APP.clientSecret, ...fields });
  }

  it("authorization code + PKCE → tokens; id_token verifies against the published JWKS", async () => {
    const { params, verifier } = await authorize();
    expect(params.get("state")).toBe("entra-state");
    const response = await token({ grant_type: "authorization_code", code: params.get("code") ?? "", redirect_uri: redirectUri, code_verifier: verifier });
    expect(response.status).toBe(200);
    const json = body(response);
    expect(json.token_type).toBe("Bearer");
    expect(json.expires_in).toBe(3600);
    expect(String(json.scope).split(" ")).toEqual(expect.arrayContaining([`${ADO}/vso.code`, `${ADO}/vso.code_status`]));
    const discovery = body(await request(`${services}/${tenant}/v2.0/.well-known/openid-configuration`));
    expect(discovery.issuer).toBe(`${services}/${tenant}/v2.0`);
    const jwks = createRemoteJWKSet(new URL(String(discovery.jwks_uri)));
    const { payload, protectedHeader } = await jwtVerify(String(json.id_token), jwks, { issuer: `${services}/${tenant}/v2.0`, audience: DEFAULT_ENTRA_APP.clientId });
    expect(protectedHeader.alg).toBe("RS256");
    expect(payload).toMatchObject({ nonce: "nonce-42", tid: tenant, oid: DEFAULT_USERS.alex.id, preferred_username: DEFAULT_USERS.alex.email });
    expect(decodeJwt(String(json.access_token)).aud).toBe(ADO);
    const repos = await request(`${services}/fabrikam/_apis/git/repositories`, { headers: bearer(String(json.access_token)) });
    expect(repos.status).toBe(200);
    // Only the granted scopes: no vso.identity.
    expect((await request(`${services}/fabrikam/_apis/identities?identityIds=${DEFAULT_USERS.alex.id}`, { headers: bearer(String(json.access_token)) })).status).toBe(401);
  });

  it("PKCE mismatch → invalid_grant; the code is single-use", async () => {
    const { params, verifier } = await authorize();
    const code = params.get("code") ?? "";
    const wrong = await token({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: `${verifier}x` });
    expect(wrong.status).toBe(400);
    expect(body(wrong).error).toBe("invalid_grant");
    expect(String(body(wrong).error_description)).toContain("AADSTS501481");
    expect((await token({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier })).status).toBe(200);
    const replay = await token({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier });
    expect(replay.status).toBe(400);
    expect(String(body(replay).error_description)).toContain("AADSTS54005");
  });

  it("PKCE is required, redirect URIs must match exactly, the tenant must exist", async () => {
    const noPkce = await request(
      `${services}/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: DEFAULT_ENTRA_APP.clientId, response_type: "code", redirect_uri: redirectUri, scope, state: "s" }).toString()}`,
    );
    expect(redirectParams(noPkce).get("error")).toBe("invalid_request");
    const mismatch = await request(
      `${services}/${tenant}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: DEFAULT_ENTRA_APP.clientId, response_type: "code", redirect_uri: `${redirectUri}x`, scope }).toString()}`,
    );
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain("AADSTS50011");
    const unknownTenant = await request(`${services}/11111111-2222-3333-4444-555555555555/oauth2/v2.0/authorize?client_id=${DEFAULT_ENTRA_APP.clientId}`);
    expect(unknownTenant.status).toBe(400);
    expect(unknownTenant.text).toContain("AADSTS90002");
  });

  it("works through /organizations and /common; the issuer is the real tenant", async () => {
    for (const segment of ["organizations", "common"]) {
      const { params, verifier } = await authorize({}, "accept", segment);
      const response = await postForm(`${services}/${segment}/oauth2/v2.0/token`, {
        client_id: DEFAULT_ENTRA_APP.clientId,
        client_secret: DEFAULT_ENTRA_APP.clientSecret,
        grant_type: "authorization_code",
        code: params.get("code") ?? "",
        redirect_uri: redirectUri,
        code_verifier: verifier,
      });
      expect(response.status).toBe(200);
      expect(decodeJwt(String(body(response).id_token)).iss).toBe(`${services}/${tenant}/v2.0`);
    }
  });

  it("consent deny → access_denied", async () => {
    const { params } = await authorize({}, "deny");
    expect(params.get("error")).toBe("access_denied");
    expect(params.get("state")).toBe("entra-state");
  });

  it("refresh rotates and the old refresh token is rejected; a wrong secret is invalid_client", async () => {
    const { params, verifier } = await authorize();
    const first = body(await token({ grant_type: "authorization_code", code: params.get("code") ?? "", redirect_uri: redirectUri, code_verifier: verifier }));
    const refreshed = await token({ grant_type: "refresh_token", refresh_token: String(first.refresh_token) });
    expect(refreshed.status).toBe(200);
    const second = body(refreshed);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.id_token).toEqual(expect.any(String));
    expect((await token({ grant_type: "refresh_token", refresh_token: String(first.refresh_token) })).status).toBe(400);
    const badSecret = await token({ grant_type: "refresh_token", refresh_token: String(second.refresh_token), client_secret: "nope" });
    expect(badSecret.status).toBe(401);
    expect(body(badSecret).error).toBe("invalid_client");
  });

  it("access tokens expire with the emulator clock and revocation kills the refresh token", async () => {
    const { params, verifier } = await authorize();
    const tokens = body(await token({ grant_type: "authorization_code", code: params.get("code") ?? "", redirect_uri: redirectUri, code_verifier: verifier }));
    handle.control.advanceClock({ seconds: 3601 });
    expect((await request(`${services}/fabrikam/_apis/git/repositories`, { headers: bearer(String(tokens.access_token)) })).status).toBe(401);
    handle.control.revokeToken(String(tokens.refresh_token));
    const refresh = await token({ grant_type: "refresh_token", refresh_token: String(tokens.refresh_token) });
    expect(refresh.status).toBe(400);
    expect(String(body(refresh).error_description)).toContain("AADSTS50173");
  });

  it("supports client_secret_basic at the token endpoint", async () => {
    const { params, verifier } = await authorize();
    const credentials = Buffer.from(`${DEFAULT_ENTRA_APP.clientId}:${encodeURIComponent(DEFAULT_ENTRA_APP.clientSecret)}`).toString("base64");
    const response = await postForm(
      `${services}/${tenant}/oauth2/v2.0/token`,
      { grant_type: "authorization_code", code: params.get("code") ?? "", redirect_uri: redirectUri, code_verifier: verifier },
      { Authorization: `Basic ${credentials}` },
    );
    expect(response.status).toBe(200);
  });
});
