import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as azdev from "azure-devops-node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PATS, DEFAULT_SERVERS } from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { basic, body, request, values } from "./test-support.js";

/** The HTTPS listener with the emulator's own CA. */

let handle: EmulatorHandle;

beforeAll(async () => {
  handle = await startEmulator({ fixture: "default" });
});

afterAll(async () => {
  await handle.stop();
});

describe("TLS deployment", () => {
  it("verifies with the exposed CA and fails without it", async () => {
    const deployment = handle.deployment(DEFAULT_SERVERS.serverTls.name);
    expect(deployment.url.startsWith("https://127.0.0.1:")).toBe(true);
    const url = `${deployment.url}/DefaultCollection/_apis/projects?api-version=7.1`;
    const trusted = await request(url, { headers: basic(DEFAULT_PATS.serverTls), ca: handle.caCertPem });
    expect(trusted.status).toBe(200);
    expect(values(trusted).map((project) => project.name)).toEqual(["MOBILE_IOS"]);
    await expect(request(url, { headers: basic(DEFAULT_PATS.serverTls) })).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    const viaLocalhost = await request(url.replace("127.0.0.1", "localhost"), { headers: basic(DEFAULT_PATS.serverTls), ca: handle.caCertPem });
    expect(viaLocalhost.status).toBe(200);
  });

  it("serves the CA PEM at /_emulator/ca.pem on every listener; it is a CA that signed the server certificate", async () => {
    const deployment = handle.deployment(DEFAULT_SERVERS.serverTls.name);
    const fromTls = await request(`${deployment.origin}/_emulator/ca.pem`, { ca: handle.caCertPem });
    const fromPlain = await request(`${handle.servicesUrl ?? ""}/_emulator/ca.pem`);
    expect(fromTls.text).toBe(handle.caCertPem);
    expect(fromPlain.text).toBe(handle.caCertPem);
    const ca = new X509Certificate(handle.caCertPem);
    expect(ca.ca).toBe(true);
  });

  it("returned URLs use https and the Node client works when the CA is trusted", async () => {
    const server = DEFAULT_SERVERS.serverTls;
    const deployment = handle.deployment(server.name);
    const repo = body(
      await request(`${deployment.url}/DefaultCollection/${server.project}/_apis/git/repositories/${server.repository}?api-version=7.1`, {
        headers: basic(DEFAULT_PATS.serverTls),
        ca: handle.caCertPem,
      }),
    );
    expect(String(repo.remoteUrl)).toBe(`${deployment.url}/DefaultCollection/MOBILE_IOS/_git/wallet`);
    const untrusted = new azdev.WebApi(`${deployment.url}/DefaultCollection`, azdev.getPersonalAccessTokenHandler(DEFAULT_PATS.serverTls));
    await expect(untrusted.connect()).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    // typed-rest-client reads the CA from a file (cert.caFile).
    const dir = mkdtempSync(join(tmpdir(), "ado-emulator-ca-"));
    try {
      const caFile = join(dir, "ca.pem");
      writeFileSync(caFile, handle.caCertPem);
      const trusted = new azdev.WebApi(`${deployment.url}/DefaultCollection`, azdev.getPersonalAccessTokenHandler(DEFAULT_PATS.serverTls), { cert: { caFile } });
      const projects = await (await trusted.getCoreApi()).getProjects();
      expect(projects.map((project) => project.name)).toEqual(["MOBILE_IOS"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
