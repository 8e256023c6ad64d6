import { ManagedIdentityApplication } from "@azure/msal-node";
import { decodeJwt } from "jose";
import { resetEnvForTests } from "@/lib/env";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_FIXTURE, DEFAULT_MANAGED_IDENTITIES, DEFAULT_TENANT_ID } from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { bearer, body, request, values } from "./test-support.js";

/**
 * Managed identity through the instance metadata endpoint, driven by MSAL for Node's
 * ManagedIdentityApplication (its IMDS base URL comes from AZURE_POD_IDENTITY_AUTHORITY_HOST,
 * the override Keel's tests will use too), and the IMDS error answers.
 */

const ADO = "499b84ac-1321-427f-aa17-267ca6975798";
const MI = DEFAULT_MANAGED_IDENTITIES;
let handle: EmulatorHandle;
let services: string;

beforeAll(async () => {
  handle = await startEmulator({ fixture: { ...DEFAULT_FIXTURE, servers: [] } });
  services = handle.servicesUrl ?? "";
  // MSAL reads this variable itself; set through lib/env.ts, the one writer of the environment.
  resetEnvForTests({ AZURE_POD_IDENTITY_AUTHORITY_HOST: services });
});

beforeEach(() => {
  handle.reset();
});

afterAll(async () => {
  resetEnvForTests({ AZURE_POD_IDENTITY_AUTHORITY_HOST: undefined });
  await handle.stop();
});

const imds = (query: Record<string, string>, headers: Record<string, string> = { Metadata: "true" }) =>
  request(`${services}/metadata/identity/oauth2/token?${new URLSearchParams(query)}`, { headers });

async function projectsOf(token: string): Promise<string[]> {
  return values(await request(`${services}/fabrikam/_apis/projects`, { headers: bearer(token) })).map((project) => String(project.name));
}

describe("MSAL for Node's managed identity", () => {
  it("system-assigned: a token for Azure DevOps that acts as the VM's identity", async () => {
    const result = await new ManagedIdentityApplication().acquireToken({ resource: `${ADO}/.default`, forceRefresh: true });
    expect(decodeJwt(result.accessToken)).toMatchObject({ oid: MI.system.objectId, appid: MI.system.clientId, tid: DEFAULT_TENANT_ID, appidacr: "0", idtyp: "app" });
    expect(await projectsOf(result.accessToken)).toHaveLength(4);
    const logged = handle.control.requests({ pathContains: "/metadata/identity/oauth2/token" }).at(-1);
    expect(logged).toMatchObject({ method: "GET", query: { "api-version": "2018-02-01", resource: ADO }, headers: { metadata: "true" } });
  });

  it("user-assigned by client id: its own identity and project access", async () => {
    const app = new ManagedIdentityApplication({ managedIdentityIdParams: { userAssignedClientId: MI.user.clientId } });
    const result = await app.acquireToken({ resource: ADO, forceRefresh: true });
    expect(decodeJwt(result.accessToken).oid).toBe(MI.user.objectId);
    expect(await projectsOf(result.accessToken)).toEqual(["MOBILE_IOS"]);
  });

  it("a user-assigned identity not attached to the VM: MSAL reports IMDS's 'Identity not found'", async () => {
    handle.control.setManagedIdentityAssigned({ clientId: MI.user.clientId, assigned: false });
    const app = new ManagedIdentityApplication({ managedIdentityIdParams: { userAssignedClientId: MI.user.clientId } });
    await expect(app.acquireToken({ resource: ADO, forceRefresh: true })).rejects.toThrow(/Identity not found/);
  });
});

describe("IMDS answers", () => {
  it("a token: every number a string, the resource echoed", async () => {
    const response = await imds({ "api-version": "2018-02-01", resource: ADO });
    expect(response.status).toBe(200);
    const json = body(response);
    expect(Object.keys(json).sort()).toEqual(["access_token", "client_id", "expires_in", "expires_on", "ext_expires_in", "not_before", "resource", "token_type"]);
    expect(json).toMatchObject({ client_id: MI.system.clientId, expires_in: "3600", resource: ADO, token_type: "Bearer" });
    expect(Number(json.expires_on) - Number(json.not_before)).toBe(3600);
    // The user-assigned identity by object id and by resource id.
    expect(body(await imds({ "api-version": "2018-02-01", resource: ADO, object_id: MI.user.objectId })).client_id).toBe(MI.user.clientId);
    expect(body(await imds({ "api-version": "2018-02-01", resource: ADO, msi_res_id: MI.user.resourceId })).client_id).toBe(MI.user.clientId);
  });

  it("refuses without the Metadata header, api-version or resource; another resource is AADSTS500011; no such identity", async () => {
    expect(await imds({ "api-version": "2018-02-01", resource: ADO }, {})).toMatchObject({ status: 400, json: { error: "invalid_request", error_description: "Required metadata header not specified" } });
    expect((await imds({ resource: ADO })).json).toEqual({ error: "invalid_request", error_description: "Required query variable 'api-version' is missing" });
    expect((await imds({ "api-version": "2018-02-01" })).json).toEqual({ error: "invalid_request", error_description: "Required query variable 'resource' is missing" });
    const graph = await imds({ "api-version": "2018-02-01", resource: "https://graph.example.invalid/" });
    expect(graph.status).toBe(400);
    expect(body(graph)).toMatchObject({ error: "invalid_resource", error_description: expect.stringMatching(/^AADSTS500011: The resource principal named https:\/\/graph\.example\.invalid\/ was not found in the tenant named Keel Test\./) });
    expect((await imds({ "api-version": "2018-02-01", resource: ADO, client_id: "00000000-1111-4222-8333-444444444444" })).json).toEqual({ error: "invalid_request", error_description: "Identity not found" });
    handle.control.setManagedIdentityAssigned({ clientId: MI.system.clientId, assigned: false });
    expect((await imds({ "api-version": "2018-02-01", resource: ADO })).json).toEqual({ error: "invalid_request", error_description: "Identity not found" });
  });

  it("a managed identity added through the control API, not yet added to any organization: TF401444 on Azure DevOps", async () => {
    const created = handle.control.addManagedIdentity({ name: "late-vm", kind: "user", tenantId: DEFAULT_TENANT_ID });
    const token = String(body(await imds({ "api-version": "2018-02-01", resource: ADO, client_id: created.clientId })).access_token);
    const refused = await request(`${services}/fabrikam/_apis/projects`, { headers: bearer(token) });
    expect(refused.status).toBe(401);
    expect(body(refused).message).toMatch(/^TF401444: Please sign-in at least once as /);
  });
});
