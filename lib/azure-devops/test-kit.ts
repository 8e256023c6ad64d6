/**
 * Test helpers for lib/azure-devops (not a test file): the outbound policy tests use, the
 * emulator, and the few local servers the emulator cannot play — a proxy that strips
 * X-TFS-FedAuthRedirect (to get the 203 sign-in page), a plain web page, an http→https
 * redirect, and HTTPS listeners with a self-signed or an expired certificate.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import forge from "node-forge";
import { afterAll, afterEach, beforeAll } from "vitest";
import { startEmulator as start, type EmulatorHandle as Handle } from "../../e2e/azure-devops-emulator/index";

import type { OutboundPolicy } from "../net/ssrf-policy";

export { startEmulator, type EmulatorHandle, type Fixture } from "../../e2e/azure-devops-emulator/index";
export { DEFAULT_PATS, DEFAULT_REPOS, DEFAULT_SERVERS, DEFAULT_USERS, DEFAULT_PROJECTS, KEEL_SCOPES } from "../../e2e/azure-devops-emulator/fixtures/default";

/** The policy every test passes: loopback allowed, http only to the emulator's addresses. */
export const TEST_POLICY: OutboundPolicy = {
  allowlist: ["127.0.0.1", "localhost"],
  allowLoopback: true,
  allowHttp: ["127.0.0.1", "localhost"],
  denyAllExceptAllowlist: false,
  selfAddresses: [],
};

/** Short timeouts for cases that are meant to time out. */
/**
 * One emulator (default fixture, free ports) for a test file: started before its tests,
 * reset after each one, stopped at the end. `onStart` receives it (assign your variables).
 */
export function withDefaultEmulator(onStart: (handle: Handle) => void): void {
  let handle: Handle | undefined;
  beforeAll(async () => {
    handle = await start({ fixture: "default", basePort: 0 });
    onStart(handle);
  });
  afterAll(async () => {
    await handle?.stop();
  });
  afterEach(() => {
    handle?.reset();
  });
}

export const SHORT_TIMEOUTS = { connectMs: 1_000, headersMs: 400, totalMs: 3_000 };

export type LocalServer = { url: string; port: number; close(): Promise<void> };

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A reverse proxy to `target` that drops X-TFS-FedAuthRedirect, like a misconfigured gateway. */
export function startStrippingProxy(target: string): Promise<LocalServer> {
  const upstream = new URL(target);
  return listen(
    http.createServer((req, res) => {
      const headers: http.OutgoingHttpHeaders = { ...req.headers, host: upstream.host };
      delete headers["x-tfs-fedauthredirect"];
      const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent: false }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on("error", () => res.destroy());
      req.pipe(forward);
    }),
  );
}

/** A web server that answers every path with an HTML page (a default IIS/intranet site). */
export function startHtmlServer(): Promise<LocalServer> {
  return listen(
    http.createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end("<!DOCTYPE html><html><head><title>IIS Windows Server</title></head><body>secret-intranet-page</body></html>");
    }),
  );
}

/** A server that redirects every request to `location` + the original path (http→https). */
export function startRedirectServer(location: string): Promise<LocalServer> {
  return listen(
    http.createServer((req, res) => {
      res.writeHead(301, { Location: `${location}${req.url ?? "/"}` });
      res.end();
    }),
  );
}

export type TlsServer = LocalServer & { caPem: string };

/** An HTTPS server whose certificate is self-signed, or expired (signed by `caPem`). */
export function startBadTlsServer(kind: "self_signed" | "expired"): Promise<TlsServer> {
  const material = kind === "self_signed" ? selfSigned() : expiredWithCa();
  return listen(
    https.createServer({ key: material.keyPem, cert: material.certPem }, (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end("{}");
    }),
    "https",
  ).then((server) => ({ ...server, caPem: material.caPem }));
}

// ---------------------------------------------------------------------------------------------

function listen(server: http.Server | https.Server, scheme = "http"): Promise<LocalServer> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `${scheme}://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

type Material = { keyPem: string; certPem: string; caPem: string };

function keyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; privatePem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { privateKey: forge.pki.privateKeyFromPem(privateKey), publicKey: forge.pki.publicKeyFromPem(publicKey), privatePem: privateKey };
}

function certificate(subjectKey: forge.pki.rsa.PublicKey, notBefore: Date, notAfter: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = subjectKey;
  cert.serialNumber = `01${randomBytes(8).toString("hex")}`;
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  return cert;
}

const LEAF_EXTENSIONS = [
  { name: "basicConstraints", cA: false },
  { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
  { name: "extKeyUsage", serverAuth: true },
  {
    name: "subjectAltName",
    altNames: [
      { type: 2, value: "localhost" },
      { type: 7, ip: "127.0.0.1" },
    ],
  },
];

function selfSigned(): Material {
  const keys = keyPair();
  const now = Date.now();
  const cert = certificate(keys.publicKey, new Date(now - 3_600_000), new Date(now + 86_400_000));
  const subject = [{ name: "commonName", value: "localhost" }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions(LEAF_EXTENSIONS);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  return { keyPem: keys.privatePem, certPem: pem, caPem: pem };
}

function expiredWithCa(): Material {
  const now = Date.now();
  const caKeys = keyPair();
  const ca = certificate(caKeys.publicKey, new Date(now - 30 * 86_400_000), new Date(now + 365 * 86_400_000));
  const caSubject = [{ name: "commonName", value: "Keel test CA (expired leaf)" }];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());
  const leafKeys = keyPair();
  const leaf = certificate(leafKeys.publicKey, new Date(now - 20 * 86_400_000), new Date(now - 86_400_000));
  leaf.setSubject([{ name: "commonName", value: "localhost" }]);
  leaf.setIssuer(caSubject);
  leaf.setExtensions(LEAF_EXTENSIONS);
  leaf.sign(caKeys.privateKey, forge.md.sha256.create());
  return { keyPem: leafKeys.privatePem, certPem: forge.pki.certificateToPem(leaf), caPem: forge.pki.certificateToPem(ca) };
}
