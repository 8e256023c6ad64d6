import { generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from "@azure/msal-node";
import { exportJWK, SignJWT, type JWK } from "jose";
import forge from "node-forge";
import { request } from "./test-support.js";

/**
 * Helpers for the identity tests (not a test file itself): MSAL for Node's network client over
 * the test helper (so it can trust the emulator's CA), throw-away X.509 certificates, and a
 * small OpenID issuer (discovery + JWKS) standing in for Keel as a federated-credential issuer.
 */

/** An MSAL network module that trusts `ca` (MSAL's own client uses only the system CAs). */
export function msalNetwork(ca?: string): INetworkModule {
  const send = async <T>(method: string, url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> => {
    const response = await request(url, { method, headers: options?.headers, body: options?.body, ca });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) {
        headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
    }
    return { headers, body: (response.json ?? {}) as T, status: response.status };
  };
  return {
    sendGetRequestAsync: (url, options) => send("GET", url, options),
    sendPostRequestAsync: (url, options) => send("POST", url, options),
  };
}

/** A self-signed certificate with its private key (PEM), valid from `notBefore` to `notAfter`. */
export function selfSignedCertificate(commonName: string, notBefore = new Date(Date.now() - 3_600_000), notAfter = new Date(Date.now() + 365 * 86_400_000)): {
  certificatePem: string;
  privateKeyPem: string;
  thumbprint: string;
} {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString("hex");
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const subject = [{ name: "commonName", value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(cert);
  return { certificatePem, privateKeyPem: privateKey, thumbprint: new X509Certificate(certificatePem).fingerprint.replace(/:/g, "") };
}

export type SigningKey = { kid: string; privateKey: KeyObject; jwk: JWK };

/** A fresh RS256 signing key with its public JWK. */
export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { kid, privateKey, jwk };
}

/** A JWT signed with `key` (RS256, `kid` in the header). */
export function signJwt(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "RS256", typ: "JWT", kid: key.kid, ...header }).sign(key.privateKey);
}

/** A local OpenID issuer: discovery at `{issuer}/.well-known/openid-configuration`, keys at `{issuer}/jwks`. */
export type TestIssuer = {
  issuer: string;
  /** Keys currently published (change it to rotate). */
  keys: SigningKey[];
  /** Requests the issuer served, in order (paths). */
  served: string[];
  /** Answers 503 to everything while true. */
  down: boolean;
  stop(): Promise<void>;
};

/** Starts an issuer on 127.0.0.1 (HTTP, or HTTPS with the given certificate). */
export async function startIssuer(keys: SigningKey[], tls?: { certPem: string; keyPem: string }): Promise<TestIssuer> {
  const state = { keys, served: [] as string[], down: false };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? "/", "http://issuer.invalid").pathname;
    state.served.push(path);
    if (state.down) {
      res.writeHead(503).end();
      return;
    }
    if (path === "/keel/.well-known/openid-configuration") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ["RS256"] }));
      return;
    }
    if (path === "/keel/jwks") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ keys: state.keys.map((key) => key.jwk) }));
      return;
    }
    res.writeHead(404).end();
  };
  const server = tls === undefined ? createHttpServer(handler) : createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `${tls === undefined ? "http" : "https"}://${tls === undefined ? "127.0.0.1" : "localhost"}:${port}/keel`;
  return Object.assign(state, {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
