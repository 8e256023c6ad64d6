import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_MANAGED_IDENTITIES, DEFAULT_SERVICE_PRINCIPALS, DEFAULT_TENANT_ID } from "./fixtures/default.js";
import { DEMO_PATS } from "./fixtures/demo.js";
import { startEmulator } from "./index.js";
import { basic, request } from "./test-support.js";
import { createTlsMaterial } from "./tls.js";

/** The CLI (npm run emulator) and fixed base ports. */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// `node --import tsx`, not the tsx CLI: the CLI relays SIGTERM to a child process and gives up
// (exit 143) when the child does not confirm within 30 ms, which a loaded machine exceeds.
const TSX = ["--import", "tsx"];

describe("cli", () => {
  it("prints every deployment and the credentials, serves, and stops gracefully on SIGTERM", async () => {
    const child = spawn(process.execPath, [...TSX, "e2e/azure-devops-emulator/cli.ts", "--fixture", "demo", "--port", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let errors = "";
    child.stderr.on("data", (chunk: Buffer) => {
      errors += chunk.toString("utf8");
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString("utf8");
        if (output.includes("Press Ctrl+C to stop.")) {
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`CLI exited early (${String(code)}): ${errors}`)));
    });
    try {
      expect(output).toContain("demo-server2022 (Azure DevOps Server 2022.1, api ≤ 7.1)");
      expect(output).toContain("public URL: http://localhost:8080/tfs");
      expect(output).toContain(DEMO_PATS.tailspin);
      const services = /services \(Azure DevOps Services[^\n]*\n\s+listener:\s+(\S+)/.exec(output)?.[1] ?? "";
      expect(services).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await request(`${services}/_emulator/health`)).status).toBe(200);
      expect((await request(`${services}/tailspin-toys/_apis/projects`, { headers: basic(DEMO_PATS.tailspin) })).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(output).toContain("SIGTERM: stopping");
  });

  it("--services-tls, --trust-ca; prints service principals, managed identities, refused http legacy callbacks", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "emulator-cli-"));
    const caFile = path.join(dir, "ca.pem");
    writeFileSync(caFile, createTlsMaterial().caCertPem);
    const refused = "http://127.0.0.1:3999/api/auth/callback/azure-devops";
    const child = spawn(process.execPath, [...TSX, "e2e/azure-devops-emulator/cli.ts", "--fixture", "default", "--port", "0", "--services-tls", "--trust-ca", caFile, "--redirect-uri", refused], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString("utf8");
        if (output.includes("Press Ctrl+C to stop.")) {
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`CLI exited early (${String(code)})`)));
    });
    try {
      const services = /services \(Azure DevOps Services[^\n]*\n\s+listener:\s+(\S+)/.exec(output)?.[1] ?? "";
      expect(services).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(output).toContain(`Refused by the legacy OAuth apps (Azure DevOps requires https callbacks): ${refused}`);
      expect(output).toContain(`Keel Pipeline: tenant=${DEFAULT_TENANT_ID} client_id=${DEFAULT_SERVICE_PRINCIPALS.pipeline.clientId} identity=${DEFAULT_SERVICE_PRINCIPALS.pipeline.identityId} organizations=fabrikam, contoso`);
      expect(output).toContain("organizations=fabrikam [no projects]");
      expect(output).toContain(`managed identity keel-vm (system): client_id=${DEFAULT_MANAGED_IDENTITIES.system.clientId}`);
      expect(output).toContain(`instance metadata endpoint: ${services}/metadata/identity/oauth2/token`);
      expect(output).toContain("server-yearless (Azure DevOps Server, api ≤ 7.2)");
    } finally {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await exited).toBe(0);
  });
});

/** A port that was free a moment ago, followed by `count - 1` free ones. */
async function freeRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const base = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
      });
    });
    if (base + count > 65535) {
      continue;
    }
    let allFree = true;
    for (let offset = 1; offset < count && allFree; offset += 1) {
      allFree = await new Promise<boolean>((resolve) => {
        const probe = createServer();
        probe.once("error", () => resolve(false));
        probe.listen(base + offset, "127.0.0.1", () => probe.close(() => resolve(true)));
      });
    }
    if (allFree) {
      return base;
    }
  }
  throw new Error("No free port range found");
}

describe("basePort", () => {
  it("N gives N, N+1, N+2… in deployment order (Services first)", async () => {
    const base = await freeRange(5);
    const handle = await startEmulator({ fixture: "demo", basePort: base });
    try {
      expect(handle.deployments.map((deployment) => deployment.port)).toEqual([base, base + 1, base + 2, base + 3, base + 4]);
      expect(handle.deployments.map((deployment) => deployment.name)).toEqual(["services", "demo-server2022", "demo-server2019", "demo-localhost", "demo-server"]);
    } finally {
      await handle.stop();
    }
  });
});
