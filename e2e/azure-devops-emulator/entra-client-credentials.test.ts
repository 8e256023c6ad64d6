import { createHash, X509Certificate } from "node:crypto";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { decodeJwt, decodeProtectedHeader, importPKCS8, SignJWT } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_FIXTURE, DEFAULT_ORGS, DEFAULT_SERVICE_PRINCIPALS, DEFAULT_TENANTS, DEFAULT_TENANT_ID } from "./fixtures/default.js";
import { msalNetwork, selfSignedCertificate, signingKey, signJwt, startIssuer, type SigningKey, type TestIssuer } from "./entra-test-support.js";
import { startEmulator, type EmulatorHandle, type Fixture } from "./index.js";
import { bearer, body, postForm, request, values } from "./test-support.js";
import { createTlsMaterial } from "./tls.js";

/**
 * The client-credentials grant for service principals, driven by Microsoft's own client (MSAL
 * for Node) where it can be and by raw requests for the failures: client secret, certificate
 * assertion (x5t and x5t#S256), federated assertion verified against a live issuer's JWKS, and
 * every AADSTS error an admin meets on the way.
 */

const ADO_DEFAULT_SCOPE = "499b84ac-1321-427f-aa17-267ca6975798/.default";
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const PIPELINE = DEFAULT_SERVICE_PRINCIPALS.pipeline;

const fixture: Fixture = { ...DEFAULT_FIXTURE, servers: [] };
const issuerTls = createTlsMaterial();

let handle: EmulatorHandle;
let services: string;
let ca: string;
let tokenUrl: string;

beforeAll(async () => {
  // MSAL insists on an https authority: the Services listener runs with TLS here.
  handle = await startEmulator({ fixture, servicesTls: true, trustedCaPems: [issuerTls.caCertPem] });
  expect(handle.servicesUrl).toMatch(/^https:/);
  services = handle.servicesUrl ?? "";
  ca = handle.caCertPem;
  tokenUrl = `${services}/${DEFAULT_TENANT_ID}/oauth2/v2.0/token`;
});

beforeEach(() => {
  handle.reset();
});

afterAll(async () => {
  await handle.stop();
});

/** A client-credentials request with the given fields (client_id and scope filled in). */
function tokenRequest(fields: Record<string, string>, url = tokenUrl, headers: Record<string, string> = {}): ReturnType<typeof postForm> {
  return postForm(url, { grant_type: "client_credentials", client_id: PIPELINE.clientId, scope: ADO_DEFAULT_SCOPE, ...fields }, headers, ca);
}

/** The AADSTS code and description of an Entra error response, after checking the body's shape. */
function aadsts(response: { status: number; json: unknown }): { status: number; error: string; code: number; description: string } {
  const json = response.json as Record<string, unknown>;
  expect(Object.keys(json)).toEqual(["error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id", "error_uri"]);
  const description = String(json.error_description);
  const code = (json.error_codes as number[])[0] ?? 0;
  expect(description).toMatch(new RegExp(`^AADSTS${code}: .+\\r\\nTrace ID: ${String(json.trace_id)}\\r\\nCorrelation ID: ${String(json.correlation_id)}\\r\\nTimestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`, "s"));
  expect(json.error_uri).toBe(`https://login.microsoftonline.com/error?code=${code}`);
  return { status: response.status, error: String(json.error), code, description: description.split("\r\n")[0] ?? "" };
}

/** MSAL for Node pointed at the emulator (its instance discovery skipped through knownAuthorities). */
function msal(credentials: ConstructorParameters<typeof ConfidentialClientApplication>[0]["auth"], tenant = DEFAULT_TENANT_ID): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: { ...credentials, authority: `${services}/${tenant}`, knownAuthorities: [new URL(services).host] },
    system: { networkClient: msalNetwork(ca) },
  });
}

/** Projects the token sees in fabrikam. */
async function fabrikamProjects(accessToken: string): Promise<string[]> {
  const projects = await request(`${services}/${DEFAULT_ORGS.fabrikam.name}/_apis/projects`, { headers: bearer(accessToken), ca });
  expect(projects.status).toBe(200);
  return values(projects).map((project) => String(project.name));
}

describe("client secret", () => {
  it("MSAL for Node gets an app-only Azure DevOps token that acts as the service principal", async () => {
    const result = await msal({ clientId: PIPELINE.clientId, clientSecret: PIPELINE.clientSecret }).acquireTokenByClientCredential({ scopes: [ADO_DEFAULT_SCOPE] });
    const accessToken = result?.accessToken ?? "";
    const claims = decodeJwt(accessToken);
    expect(claims).toMatchObject({ aud: "499b84ac-1321-427f-aa17-267ca6975798", appid: PIPELINE.clientId, appidacr: "1", idtyp: "app", oid: PIPELINE.objectId, tid: DEFAULT_TENANT_ID });
    expect(claims.scp).toBeUndefined();
    expect(await fabrikamProjects(accessToken)).toEqual(["Android", "Fabrikam Fiber", "MOBILE_IOS", "Sandbox"]);
    const connection = body(await request(`${services}/fabrikam/_apis/connectionData`, { headers: bearer(accessToken), ca }));
    expect(connection.authenticatedUser).toMatchObject({
      id: PIPELINE.identityId,
      providerDisplayName: PIPELINE.name,
      descriptor: `Microsoft.VisualStudio.Services.Claims.AadServicePrincipal;${DEFAULT_TENANT_ID}\\${PIPELINE.objectId}`,
      subjectDescriptor: `aadsp.${Buffer.from(PIPELINE.identityId).toString("base64url")}`,
    });
  });

  it("answers like Entra: numbers, no refresh token, no scope; client_secret_basic works too", async () => {
    const basic = `Basic ${Buffer.from(`${encodeURIComponent(PIPELINE.clientId)}:${encodeURIComponent(PIPELINE.validSecret)}`).toString("base64")}`;
    const response = await postForm(tokenUrl, { grant_type: "client_credentials", scope: ADO_DEFAULT_SCOPE }, { Authorization: basic }, ca);
    expect(response.status).toBe(200);
    const json = body(response);
    expect(Object.keys(json).sort()).toEqual(["access_token", "expires_in", "ext_expires_in", "token_type"]);
    expect(json).toMatchObject({ token_type: "Bearer", expires_in: 3600, ext_expires_in: 3600 });
    // The resource's URI form works like its id.
    expect((await tokenRequest({ client_secret: PIPELINE.clientSecret, scope: "https://app.vssps.visualstudio.com/.default" })).status).toBe(200);
  });

  it("wrong, missing and expired secrets: AADSTS7000215, 7000218, 7000222 (401 invalid_client)", async () => {
    expect(aadsts(await tokenRequest({ client_secret: "not-the-secret" }))).toEqual({
      status: 401,
      error: "invalid_client",
      code: 7000215,
      description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${PIPELINE.clientId}'.`,
    });
    expect(aadsts(await tokenRequest({}))).toMatchObject({ status: 401, code: 7000218, description: "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'." });
    expect(aadsts(await tokenRequest({ client_secret: PIPELINE.expiredSecret }))).toEqual({
      status: 401,
      error: "invalid_client",
      code: 7000222,
      description: `AADSTS7000222: The provided client secret keys for app '${PIPELINE.clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    });
  });

  it("a secret expires with the emulator clock, and a new one added through the control API works at once", async () => {
    const added = handle.control.addClientSecret({ clientId: PIPELINE.clientId, expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect((await tokenRequest({ client_secret: added.value })).status).toBe(200);
    handle.control.advanceClock({ seconds: 2 * 86_400 });
    expect(aadsts(await tokenRequest({ client_secret: added.value })).code).toBe(7000222);
    expect(handle.control.removeClientSecret({ clientId: PIPELINE.clientId, id: added.id })).toBe(true);
    expect(aadsts(await tokenRequest({ client_secret: added.value })).code).toBe(7000215);
  });

  it("echoes MSAL's client-request-id as the correlation id", async () => {
    const correlation = "0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c";
    const response = await tokenRequest({ client_secret: "wrong" }, tokenUrl, { "client-request-id": correlation });
    expect(body(response).correlation_id).toBe(correlation);
  });
});

describe("tenant, application and scope", () => {
  it("unknown tenant → AADSTS90002; the app in another tenant → AADSTS700016 naming that directory", async () => {
    const unknown = "0c0c0c0c-1d1d-4e2e-8f3f-4a4a4a4a4a4a";
    expect(aadsts(await tokenRequest({ client_secret: PIPELINE.clientSecret }, `${services}/${unknown}/oauth2/v2.0/token`))).toEqual({
      status: 400,
      error: "invalid_request",
      code: 90002,
      description: `AADSTS90002: Tenant '${unknown}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    });
    expect(aadsts(await tokenRequest({ client_secret: PIPELINE.clientSecret }, `${services}/${DEFAULT_TENANTS.other.id}/oauth2/v2.0/token`))).toEqual({
      status: 400,
      error: "unauthorized_client",
      code: 700016,
      description: `AADSTS700016: Application with identifier '${PIPELINE.clientId}' was not found in the directory 'Contoso Partners'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    });
    const stranger = "11111111-2222-4333-8444-555555555555";
    expect(aadsts(await tokenRequest({ client_id: stranger, client_secret: "x" })).description).toContain(`'${stranger}' was not found in the directory 'Keel Test'`);
    expect(aadsts(await tokenRequest({ client_secret: PIPELINE.clientSecret }, `${services}/organizations/oauth2/v2.0/token`)).code).toBe(50059);
  });

  it("scope: missing → AADSTS90014, not /.default → AADSTS1002012, another resource → AADSTS500011", async () => {
    const secret = { client_secret: PIPELINE.clientSecret };
    expect(aadsts(await tokenRequest({ ...secret, scope: "" }))).toMatchObject({ status: 400, code: 90014 });
    expect(aadsts(await tokenRequest({ ...secret, scope: "499b84ac-1321-427f-aa17-267ca6975798/vso.code" }))).toMatchObject({
      status: 400,
      error: "invalid_scope",
      description:
        "AADSTS1002012: The provided value for scope 499b84ac-1321-427f-aa17-267ca6975798/vso.code is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
    });
    expect(aadsts(await tokenRequest({ ...secret, scope: "https://graph.microsoft.com/.default" }))).toMatchObject({
      status: 400,
      error: "invalid_resource",
      description: expect.stringContaining("AADSTS500011: The resource principal named https://graph.microsoft.com was not found in the tenant named Keel Test."),
    });
  });
});

describe("certificate assertion", () => {
  it("MSAL for Node with the registered certificate (x5t, SHA-1) and with its SHA-256 thumbprint (x5t#S256, PS256)", async () => {
    const sha1 = await msal({ clientId: PIPELINE.clientId, clientCertificate: { thumbprint: PIPELINE.certificateThumbprint, privateKey: PIPELINE.privateKeyPem } }).acquireTokenByClientCredential({
      scopes: [ADO_DEFAULT_SCOPE],
    });
    expect(decodeJwt(sha1?.accessToken ?? "").appidacr).toBe("2");
    expect(await fabrikamProjects(sha1?.accessToken ?? "")).toContain("MOBILE_IOS");
    const sha256Thumbprint = createHash("sha256").update(new X509Certificate(PIPELINE.certificatePem).raw).digest("hex");
    const sha256 = await msal({ clientId: PIPELINE.clientId, clientCertificate: { thumbprintSha256: sha256Thumbprint, privateKey: PIPELINE.privateKeyPem } }).acquireTokenByClientCredential({
      scopes: [ADO_DEFAULT_SCOPE],
    });
    expect(decodeJwt(sha256?.accessToken ?? "").oid).toBe(PIPELINE.objectId);
    const logged = handle.control.requests({ pathContains: "/oauth2/v2.0/token", method: "POST" }).at(-1);
    expect(logged?.body).toMatchObject({ grant_type: "client_credentials", client_assertion: "***" });
  });

  /** A certificate assertion as MSAL builds it (RS256, x5t = SHA-1 thumbprint), signed with `privateKeyPem`. */
  async function assertion(privateKeyPem: string, certificateThumbprintHex: string, claims: Record<string, unknown> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ aud: tokenUrl, iss: PIPELINE.clientId, sub: PIPELINE.clientId, jti: crypto.randomUUID(), nbf: now, exp: now + 600, ...claims })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", x5t: Buffer.from(certificateThumbprintHex, "hex").toString("base64url") })
      .sign(await importPKCS8(privateKeyPem, "RS256"));
  }

  it("a certificate the app does not have → AADSTS700027 'The key was not found.' with its thumbprint", async () => {
    const stranger = selfSignedCertificate("Not registered");
    const response = await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(stranger.privateKeyPem, stranger.thumbprint) });
    const error = aadsts(response);
    expect(error).toMatchObject({ status: 401, error: "invalid_client", code: 700027 });
    expect(error.description).toContain(`AADSTS700027: Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${stranger.thumbprint}'`);
    expect(error.description).toContain(`configured keys for app Id '${PIPELINE.clientId}'`);
  });

  it("an expired registration → 'The key used is expired.'; a forged signature → 'Key was found, but … failed'", async () => {
    const old = selfSignedCertificate("Expired", new Date("2023-01-01T00:00:00Z"), new Date("2024-01-01T00:00:00Z"));
    handle.control.addCertificate({ clientId: PIPELINE.clientId, certificatePem: old.certificatePem });
    const expired = aadsts(await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(old.privateKeyPem, old.thumbprint) }));
    expect(expired.description).toBe(
      `AADSTS700027: Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${old.thumbprint}', Found key 'Start=01/01/2023 00:00:00, End=01/01/2024 00:00:00']`,
    );
    const forger = selfSignedCertificate("Forger");
    const forged = aadsts(await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion(forger.privateKeyPem, PIPELINE.certificateThumbprint) }));
    expect(forged.description).toContain("[Reason - Key was found, but use of the key to verify the signature failed.");
  });

  it("another audience → AADSTS700023; an assertion past its exp → AADSTS700024 with the times", async () => {
    const wrongAudience = await assertion(PIPELINE.privateKeyPem, PIPELINE.certificateThumbprint, { aud: `${services}/common/oauth2/v2.0/token` });
    expect(aadsts(await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: wrongAudience }))).toMatchObject({ status: 401, code: 700023 });
    const past = Math.floor(Date.now() / 1000) - 3_600;
    const stale = await assertion(PIPELINE.privateKeyPem, PIPELINE.certificateThumbprint, { nbf: past - 600, exp: past });
    const error = aadsts(await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: stale }));
    expect(error).toMatchObject({ status: 400, error: "invalid_client", code: 700024 });
    expect(error.description).toMatch(/^AADSTS700024: Client assertion is not within its valid time range\. Current time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, assertion valid from .+, expiry time of assertion .+\. Review the documentation/);
  });

  it("garbage in client_assertion → AADSTS50027; a wrong client_assertion_type → AADSTS900144", async () => {
    expect(aadsts(await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: "not-a-jwt" })).code).toBe(50027);
    expect(aadsts(await tokenRequest({ client_assertion_type: "urn:other", client_assertion: "x" })).description).toBe(
      "AADSTS900144: The request body must contain the following parameter: 'client_assertion_type'.",
    );
  });
});

describe("federated credential (workload identity federation)", () => {
  let issuer: TestIssuer;
  let key: SigningKey;
  const subject = "keel:connection:2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f";

  beforeAll(async () => {
    key = await signingKey("keel-2026-01");
    issuer = await startIssuer([key], { certPem: issuerTls.certPem, keyPem: issuerTls.keyPem });
  });

  afterAll(async () => {
    await issuer.stop();
  });

  beforeEach(() => {
    issuer.keys = [key];
    issuer.down = false;
    handle.control.addFederatedCredential({ clientId: PIPELINE.clientId, name: "keel", issuer: issuer.issuer, subject, audiences: ["api://AzureADTokenExchange"] });
  });

  /** Keel's client assertion: issuer = its public URL, subject names the connection. */
  function keelAssertion(claims: Record<string, unknown> = {}, signWith = key): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(signWith, { iss: issuer.issuer, sub: subject, aud: "api://AzureADTokenExchange", iat: now, nbf: now, exp: now + 300, jti: crypto.randomUUID(), ...claims });
  }

  it("MSAL for Node with Keel's assertion: the emulator reads the issuer's discovery and JWKS over HTTPS and issues the token", async () => {
    const result = await msal({ clientId: PIPELINE.clientId, clientAssertion: () => keelAssertion() }).acquireTokenByClientCredential({ scopes: [ADO_DEFAULT_SCOPE] });
    expect(await fabrikamProjects(result?.accessToken ?? "")).toHaveLength(4);
    expect(issuer.served).toEqual(expect.arrayContaining(["/keel/.well-known/openid-configuration", "/keel/jwks"]));
  });

  it("a rotated key (published, then used) works without a failed request: an unknown kid refetches the JWKS", async () => {
    expect((await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await keelAssertion() })).status).toBe(200);
    const next = await signingKey("keel-2026-02");
    issuer.keys = [key, next];
    const before = issuer.served.filter((path) => path === "/keel/jwks").length;
    expect((await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await keelAssertion({}, next) })).status).toBe(200);
    expect(issuer.served.filter((path) => path === "/keel/jwks").length).toBe(before + 1);
  });

  it("no federated credential on the app → AADSTS70021 naming issuer, subject and audience", async () => {
    handle.control.removeFederatedCredential({ clientId: PIPELINE.clientId, name: "keel" });
    expect(aadsts(await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await keelAssertion() }))).toEqual({
      status: 400,
      error: "invalid_request",
      code: 70021,
      description: `AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer.issuer}'. Assertion Subject: '${subject}'. Assertion Audience: 'api://AzureADTokenExchange'. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation`,
    });
  });

  it("issuer, subject or audience that no credential names → AADSTS700211, 700213, 700212", async () => {
    const hint = "Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation";
    const otherIssuer = aadsts(await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await keelAssertion({ iss: "https://elsewhere.example/keel" }) }));
    expect(otherIssuer).toEqual({ status: 401, error: "invalid_client", code: 700211, description: `AADSTS700211: No matching federated identity record found for presented assertion issuer 'https://elsewhere.example/keel'. ${hint}` });
    const otherSubject = aadsts(await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await keelAssertion({ sub: "keel:connection:other" }) }));
    expect(otherSubject.description).toBe(`AADSTS700213: No matching federated identity record found for presented assertion subject 'keel:connection:other'. ${hint}`);
    const otherAudience = aadsts(await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await keelAssertion({ aud: "api://Elsewhere" }) }));
    expect(otherAudience.description).toBe(`AADSTS700212: No matching federated identity record found for presented assertion audience 'api://Elsewhere'. ${hint}`);
  });

  it("the issuer unreachable → AADSTS50166; a key it does not publish or a bad signature → AADSTS50013; expired → AADSTS700024", async () => {
    issuer.down = true;
    expect(aadsts(await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await keelAssertion() })).description).toMatch(/^AADSTS50166: Request to External OIDC endpoint failed\. .*HTTP 503/);
    issuer.down = false;
    const unpublished = await signingKey("keel-never-published");
    expect(aadsts(await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await keelAssertion({}, unpublished) })).code).toBe(50013);
    const impostor = { ...(await signingKey("x")), kid: key.kid };
    const forged = aadsts(await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await keelAssertion({}, impostor) }));
    expect(forged).toMatchObject({ status: 401, code: 50013 });
    expect(forged.description).toContain("Key was found, but use of the key to verify the signature failed.");
    const past = Math.floor(Date.now() / 1000) - 3_600;
    expect(aadsts(await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await keelAssertion({ nbf: past - 300, iat: past - 300, exp: past }) })).code).toBe(700024);
  });

  it("the token the federated assertion earns is the service principal's, and no secret was sent", async () => {
    const response = await tokenRequest({ client_assertion_type: ASSERTION_TYPE, client_assertion: await keelAssertion() });
    const token = String(body(response).access_token);
    expect(decodeJwt(token)).toMatchObject({ oid: PIPELINE.objectId, appidacr: "2" });
    expect(decodeProtectedHeader(token).alg).toBe("RS256");
    const logged = handle.control.requests({ pathContains: "/oauth2/v2.0/token", method: "POST" }).at(-1);
    expect(Object.keys(logged?.body as Record<string, string>)).not.toContain("client_secret");
  });
});
