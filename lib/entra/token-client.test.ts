import { createHash, X509Certificate } from "node:crypto";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { msalNetwork } from "@/e2e/azure-devops-emulator/entra-test-support";
import { DEFAULT_FIXTURE, DEFAULT_SERVICE_PRINCIPALS, DEFAULT_TENANT_ID } from "@/e2e/azure-devops-emulator/fixtures/default";
import { startEmulator, type EmulatorHandle } from "@/e2e/azure-devops-emulator/index";
import { AZURE_DEVOPS_DEFAULT_SCOPE, clientCredentialsBody, entraError, requestAppToken } from "./token-client";

// Keel's client-credentials requests are the ones Microsoft's own library sends: MSAL for Node,
// given the same certificate, builds the same form and a client assertion with the same header
// and claims (RFC 7523 as Microsoft's identity platform takes it). MSAL talks to the emulator over
// TLS (it refuses an http authority); Keel's client over plain http (the test policy allows it).

const PIPELINE = DEFAULT_SERVICE_PRINCIPALS.pipeline;
let tls: EmulatorHandle;
let plain: EmulatorHandle;

beforeAll(async () => {
  [tls, plain] = await Promise.all([startEmulator({ fixture: { ...DEFAULT_FIXTURE, servers: [] }, servicesTls: true }), startEmulator({ fixture: { ...DEFAULT_FIXTURE, servers: [] } })]);
});

afterAll(async () => {
  await Promise.all([tls.stop(), plain.stop()]);
});

const POLICY = { allowlist: ["127.0.0.1"], denyAllExceptAllowlist: false, allowLoopback: true, allowHttp: ["127.0.0.1"], selfAddresses: [] };

describe("client credentials with a certificate, Keel next to MSAL for Node", () => {
  it("sends the same form fields and an assertion with the same header and claims", async () => {
    const services = tls.servicesUrl ?? "";
    const sent: URLSearchParams[] = [];
    const network = msalNetwork(tls.caCertPem);
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: PIPELINE.clientId,
        authority: `${services}/${DEFAULT_TENANT_ID}`,
        knownAuthorities: [new URL(services).host],
        clientCertificate: { thumbprintSha256: createHash("sha256").update(new X509Certificate(PIPELINE.certificatePem).raw).digest("hex"), privateKey: PIPELINE.privateKeyPem },
      },
      system: {
        networkClient: {
          sendGetRequestAsync: network.sendGetRequestAsync,
          sendPostRequestAsync: (url, options) => {
            sent.push(new URLSearchParams(String(options?.body ?? "")));
            return network.sendPostRequestAsync(url, options);
          },
        },
      },
    });
    expect((await app.acquireTokenByClientCredential({ scopes: [AZURE_DEVOPS_DEFAULT_SCOPE] }))?.accessToken).toBeTruthy();
    const msal = sent.at(-1)!;
    const keel = await clientCredentialsBody({ authority: services, tenantId: DEFAULT_TENANT_ID, clientId: PIPELINE.clientId, proof: { kind: "certificate", certificatePem: PIPELINE.certificatePem, privateKeyPem: PIPELINE.privateKeyPem } });
    for (const field of ["client_id", "scope", "grant_type", "client_assertion_type"]) {
      expect(keel.get(field), field).toBe(msal.get(field));
    }
    const header = (body: URLSearchParams) => decodeProtectedHeader(body.get("client_assertion")!);
    const claims = (body: URLSearchParams) => decodeJwt(body.get("client_assertion")!);
    expect(header(keel)).toEqual({ alg: header(msal).alg, typ: header(msal).typ, "x5t#S256": header(msal)["x5t#S256"] });
    const ours = claims(keel);
    const theirs = claims(msal);
    expect({ iss: ours.iss, sub: ours.sub, aud: ours.aud }).toEqual({ iss: theirs.iss, sub: theirs.sub, aud: theirs.aud });
    expect(Object.keys(ours).sort()).toEqual(expect.arrayContaining(["aud", "exp", "iss", "jti", "nbf", "sub"]));
  });

  it("and the emulator issues Keel the token for it", async () => {
    const token = await requestAppToken(
      { authority: plain.servicesUrl ?? "", tenantId: DEFAULT_TENANT_ID, clientId: PIPELINE.clientId, proof: { kind: "certificate", certificatePem: PIPELINE.certificatePem, privateKeyPem: PIPELINE.privateKeyPem } },
      { policy: POLICY },
    );
    expect(decodeJwt(token.accessToken)).toMatchObject({ appid: PIPELINE.clientId, appidacr: "2", oid: PIPELINE.objectId });
    expect(token.expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(3_500);
  });
});

describe("entraError", () => {
  it("keeps the AADSTS code and Microsoft's first line only (no trace or correlation ids)", () => {
    const error = entraError(401, { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: abc\r\nCorrelation ID: def", error_codes: [7000215] }, "login.microsoftonline.com");
    expect(error).toMatchObject({ kind: "rejected", code: "AADSTS7000215", description: "AADSTS7000215: Invalid client secret provided.", status: 401 });
    expect(error.message).not.toContain("Trace ID");
    expect(entraError(400, { error_codes: [90002] }, "x").code).toBe("AADSTS90002");
    expect(entraError(400, { error: "invalid_request" }, "x").code).toBe("invalid_request");
    expect(entraError(502, "<html>", "x").code).toBe("HTTP_502");
  });
});
