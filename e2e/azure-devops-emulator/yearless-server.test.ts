import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PATS, DEFAULT_SERVERS } from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { acceptVersion, basic, bearer, body, request, values } from "./test-support.js";

/**
 * The yearless Azure DevOps Server (RTW December 2025, file version 20.x): an on-premises
 * deployment whose REST API ceiling is 7.2 with 7.1 released. Nothing in its answers names a
 * product version; a client learns it from OPTIONS and from the out-of-range message, exactly
 * as Keel's version detection reads them.
 */

const SERVER = DEFAULT_SERVERS.serverYearless;
let handle: EmulatorHandle;
let base: string;

beforeAll(async () => {
  handle = await startEmulator({ fixture: "default" });
  base = `${handle.deployment(SERVER.name).url}/${SERVER.collection}`;
});

afterAll(async () => {
  await handle.stop();
});

const pat = basic(DEFAULT_PATS.serverYearless);

describe("the yearless Azure DevOps Server", () => {
  it("is described as Azure DevOps Server with api ≤ 7.2, at the site root", () => {
    expect(handle.deployment(SERVER.name)).toMatchObject({ kind: "server", product: "azure-devops-server", productLabel: "Azure DevOps Server", maxApiVersion: "7.2", pathPrefix: "" });
  });

  it("OPTIONS lists the git resources at maxVersion 7.2, released 7.1", async () => {
    const options = await request(`${base}/_apis/git`, { method: "OPTIONS", headers: pat });
    expect(options.status).toBe(200);
    const locations = values(options);
    expect(locations.length).toBeGreaterThan(3);
    for (const location of locations) {
      expect(location).toMatchObject({ maxVersion: "7.2", releasedVersion: "7.1" });
    }
  });

  it("a too-high api-version names 7.2; a released 7.2 needs -preview; 7.1 and 7.2-preview are served", async () => {
    const probe = await request(`${base}/_apis/projects?api-version=99.0`, { headers: pat });
    expect(probe.status).toBe(400);
    expect(body(probe)).toMatchObject({
      typeKey: "VssVersionOutOfRangeException",
      message: "The requested REST API version of 99.0 is out of range for this server. The latest REST API version this server supports is 7.2.",
    });
    const released72 = await request(`${base}/_apis/git/repositories`, { headers: { ...pat, ...acceptVersion("7.2") } });
    expect(released72.status).toBe(400);
    expect(body(released72).typeKey).toBe("VssInvalidPreviewVersionException");
    const preview = await request(`${base}/_apis/git/repositories`, { headers: { ...pat, ...acceptVersion("7.2-preview.2") } });
    expect(preview.status).toBe(200);
    expect(preview.headers["content-type"]).toBe("application/json; charset=utf-8; api-version=7.2-preview.2");
    const released = await request(`${base}/_apis/git/repositories?api-version=7.1`, { headers: pat });
    expect(values(released).map((repo) => repo.name)).toEqual(["wallet", "wallet-backend"]);
    // 7.x repositories carry webUrl and the disabled/maintenance flags.
    expect(values(released)[0]).toMatchObject({ webUrl: `${base}/MOBILE_IOS/_git/wallet`, isDisabled: false, isInMaintenance: false });
  });

  it("connectionData says onPremises and nothing about the version; no header does either", async () => {
    const response = await request(`${base}/_apis/connectionData`, { headers: pat });
    const data = body(response);
    expect(data).toMatchObject({ deploymentType: "onPremises", webApplicationRelativeDirectory: "/" });
    expect(JSON.stringify(data)).not.toMatch(/"(version|serviceVersion|productVersion)"/i);
    expect(response.headers.server).toBe("Microsoft-IIS/10.0");
    expect(Object.keys(response.headers).filter((name) => /version/i.test(name))).toEqual([]);
    // Like every on-premises server: no resource areas (the Node client then uses the collection URL).
    expect(body(await request(`${base}/_apis/ResourceAreas`, { headers: { ...pat, ...acceptVersion("7.1-preview.1") } }))).toEqual({ count: 0, value: null });
  });

  it("takes PATs, refuses OAuth bearer tokens like every Azure DevOps Server", async () => {
    expect((await request(`${base}/_apis/projects`, { headers: pat })).status).toBe(200);
    const { accessToken } = await handle.control.issueOAuthToken({ provider: "entra", userId: "4a7c9e21-3b5d-4f68-8a1b-0c2d3e4f5a61", scopes: ["vso.code"] });
    expect((await request(`${base}/_apis/projects`, { headers: bearer(accessToken) })).status).toBe(401);
  });
});
