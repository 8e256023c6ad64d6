import { generateKeyPairSync } from "node:crypto";
import http from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import { Writable } from "node:stream";
import type { TLSSocket } from "node:tls";

import forge from "node-forge";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { type GuardedFailure, type GuardedRequestOptions, type GuardedResult, type HostResolver, classifyContentType, guardedRequest, tlsFailureKind } from "./guarded-request";
import type { OutboundPolicy } from "./ssrf-policy";
import { STRICT_OUTBOUND_POLICY } from "./test-support";

const SECRET = "Basic c2VjcmV0LXBhdC12YWx1ZS0xMjM0NTY3ODkw";
const LOCAL_POLICY: OutboundPolicy = {
  ...STRICT_OUTBOUND_POLICY,
  allowLoopback: true,
  allowHttp: true,
  allowlist: ["127.0.0.1", "::1", "localhost", "keel-test.example"],
};

// ---- local servers ------------------------------------------------------------------------

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) {
    await cleanups.pop()?.();
  }
});

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** An HTTP or HTTPS server on 127.0.0.1:0 that records the requests it received. */
async function startServer(handler: Handler, tlsOptions?: https.ServerOptions): Promise<{ port: number; requests: http.IncomingMessage[] }> {
  const requests: http.IncomingMessage[] = [];
  const wrapped: Handler = (request, response) => {
    requests.push(request);
    handler(request, response);
  };
  const server = tlsOptions === undefined ? http.createServer(wrapped) : https.createServer(tlsOptions, wrapped);
  const port = await listen(server);
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port, requests };
}

/** A raw TCP server, for misbehaving peers. */
async function startTcpServer(onConnection: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    onConnection(socket);
  });
  const port = await listen(server);
  cleanups.push(async () => {
    for (const socket of sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return port;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function request(overrides: Partial<GuardedRequestOptions> & { url: string }): Promise<GuardedResult> {
  return guardedRequest({ policy: LOCAL_POLICY, headers: { Authorization: SECRET }, ...overrides });
}

function expectFailure(result: GuardedResult): GuardedFailure {
  if (result.ok) {
    throw new Error(`expected a failure, got HTTP ${result.response.status}`);
  }
  // Whatever went wrong, the Authorization header never ends up in the failure.
  expect(JSON.stringify(result.failure)).not.toContain("c2VjcmV0");
  return result.failure;
}

function json(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json; charset=utf-8; api-version=7.1", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

const fakeDns =
  (table: Record<string, string[]>, calls: string[] = []): HostResolver =>
  async (hostname) => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (addresses === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    }
    return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };

// ---- certificates (node-forge; keys from node:crypto because forge's RSA keygen is slow) -----

type Issued = { certPem: string; keyPem: string };
type Authority = Issued & { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey };

let serial = 1;

function keyPair(): { keyPem: string; privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { keyPem: privateKey, privateKey: forge.pki.privateKeyFromPem(privateKey), publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey };
}

function makeCa(name: string): Authority {
  const keys = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, "0");
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  const subject = [{ name: "commonName", value: name }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert, key: keys.privateKey, certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

function issue(ca: Authority | "self", options: { dnsNames: string[]; ips?: string[]; notBefore?: Date; notAfter?: Date }): Issued {
  const keys = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, "0");
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 30 * 86_400_000);
  const subject = [{ name: "commonName", value: options.dnsNames[0] ?? "server" }];
  cert.setSubject(subject);
  cert.setIssuer(ca === "self" ? subject : ca.cert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [...options.dnsNames.map((value) => ({ type: 2, value })), ...(options.ips ?? []).map((ip) => ({ type: 7, ip }))],
    },
  ]);
  cert.sign(ca === "self" ? keys.privateKey : ca.key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

let ca: Authority;
let otherCa: Authority;

beforeAll(() => {
  ca = makeCa("Keel Test Root CA");
  otherCa = makeCa("Someone Else's CA");
});

async function startTlsServer(leaf: Issued, chain: string[] = [], handler?: Handler): Promise<{ port: number; requests: http.IncomingMessage[] }> {
  return startServer(
    handler ??
      ((req, res) => {
        json(res, 200, { servername: (req.socket as TLSSocket).servername ?? null, host: req.headers.host });
      }),
    { key: leaf.keyPem, cert: [leaf.certPem, ...chain].join("\n") },
  );
}

// ---- tests --------------------------------------------------------------------------------

describe("guardedRequest: success", () => {
  it("returns status, headers, parsed JSON, remote address and timings", async () => {
    const server = await startServer((req, res) => json(res, 200, { count: 1, value: [{ name: "Fiber" }] }));
    const result = await request({ url: `http://127.0.0.1:${server.port}/fabrikam/_apis/projects?api-version=7.1` });
    if (!result.ok) {
      throw new Error(result.failure.message);
    }
    expect(result.response.status).toBe(200);
    expect(result.response.json).toEqual({ count: 1, value: [{ name: "Fiber" }] });
    expect(result.response.headers["content-type"]).toContain("application/json");
    expect(result.response.remoteAddress).toBe("127.0.0.1");
    expect(result.response.url).toBe(`http://127.0.0.1:${server.port}/fabrikam/_apis/projects?api-version=7.1`);
    expect(result.response.timings.totalMs).toBeGreaterThanOrEqual(result.response.timings.firstByteMs);
    const seen = server.requests[0];
    expect(seen?.url).toBe("/fabrikam/_apis/projects?api-version=7.1");
    expect(seen?.headers.authorization).toBe(SECRET);
    expect(seen?.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(seen?.headers.accept).toBe("application/json");
    expect(seen?.headers["accept-encoding"]).toBe("identity");
  });

  it("sends a body with its length and returns non-2xx JSON as a response", async () => {
    let received = "";
    const server = await startServer((req, res) => {
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        received += chunk;
      });
      req.on("end", () => json(res, 401, { message: "TF400813: not authorized", typeKey: "UnauthorizedRequestException" }));
    });
    const body = JSON.stringify({ state: "succeeded", description: "Käse" });
    const result = await request({ url: `http://127.0.0.1:${server.port}/x`, method: "POST", body, headers: { Authorization: SECRET, "Content-Type": "application/json" } });
    expect(result.ok && result.response.status).toBe(401);
    expect(result.ok && result.response.json).toMatchObject({ typeKey: "UnauthorizedRequestException" });
    expect(received).toBe(body);
    expect(server.requests[0]?.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
  });

  it("resolves localhost through DNS and keeps the name in the Host header", async () => {
    const server = await startServer((req, res) => json(res, 200, {}));
    const result = await request({ url: `http://localhost:${server.port}/` });
    expect(result.ok).toBe(true);
    expect(server.requests[0]?.headers.host).toBe(`localhost:${server.port}`);
  });

  it("connects to the checked address without a second DNS lookup", async () => {
    const server = await startServer((req, res) => json(res, 200, {}));
    const calls: string[] = [];
    // keel-test.example exists only in this fake resolver: a second, real lookup would fail.
    const result = await request({ url: `http://keel-test.example:${server.port}/`, resolve: fakeDns({ "keel-test.example": ["127.0.0.1"] }, calls) });
    expect(result.ok).toBe(true);
    expect(calls).toEqual(["keel-test.example"]);
    expect(server.requests[0]?.headers.host).toBe(`keel-test.example:${server.port}`);
  });

  it("returns any content type when accept is 'any'", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("hello");
    });
    const result = await request({ url: `http://127.0.0.1:${server.port}/`, accept: "any" });
    expect(result.ok && result.response.bodyText).toBe("hello");
    expect(result.ok && result.response.json).toBeUndefined();
  });

  it("streams a 2xx body into a sink with backpressure, byte for byte, and reads an error body as text", async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024);
    for (let index = 0; index < bytes.length; index += 1) {
      bytes[index] = (index * 7) % 251;
    }
    const server = await startServer((req, res) => {
      if (req.url === "/missing") {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("no such object");
        return;
      }
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(bytes);
    });
    // A slow sink with a small buffer: the response must pause for it, or bytes would be lost or reordered.
    const received: Buffer[] = [];
    let mostBuffered = 0;
    const sink: Writable = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        received.push(chunk);
        mostBuffered = Math.max(mostBuffered, sink.writableLength);
        setTimeout(done, 1);
      },
    });
    const result = await request({ url: `http://127.0.0.1:${server.port}/object`, accept: "any", sink, maxResponseBytes: 4 * 1024 * 1024 });
    expect(result.ok && result.response.bodyText).toBe("");
    expect(sink.writableFinished).toBe(true);
    expect(Buffer.concat(received).equals(bytes)).toBe(true);
    // Without pausing, the whole body would queue in the sink.
    expect(mostBuffered).toBeLessThan(512 * 1024);

    const unused = new Writable({ write: (_chunk, _encoding, done) => done(new Error("must not be written")) });
    const missing = await request({ url: `http://127.0.0.1:${server.port}/missing`, accept: "any", sink: unused });
    expect(missing.ok && missing.response).toMatchObject({ status: 404, bodyText: "no such object" });
    expect(unused.writableEnded).toBe(false);
  });

  it("a sink counts against the size cap like memory does", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(Buffer.alloc(600 * 1024));
    });
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    const failure = expectFailure(await request({ url: `http://127.0.0.1:${server.port}/`, accept: "any", sink, maxResponseBytes: 256 * 1024 }));
    expect(failure).toMatchObject({ kind: "too_large", limitBytes: 256 * 1024 });
  });

  it("accepts an empty 204 in JSON mode", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(204);
      res.end();
    });
    const result = await request({ url: `http://127.0.0.1:${server.port}/`, method: "DELETE" });
    expect(result.ok && result.response.status).toBe(204);
  });
});

describe("guardedRequest: policy", () => {
  it("refuses cloud metadata without connecting anywhere", async () => {
    const failure = expectFailure(await request({ url: "http://169.254.169.254/latest/meta-data/" }));
    expect(failure).toMatchObject({ kind: "blocked", rule: "forbidden_address", host: "169.254.169.254", port: 80 });
  });

  it("refuses a name that resolves to a metadata address", async () => {
    const failure = expectFailure(await request({ url: "https://metadata.test/", resolve: fakeDns({ "metadata.test": ["10.0.0.1", "169.254.169.254"] }), policy: { ...LOCAL_POLICY, allowlist: ["metadata.test"] } }));
    expect(failure).toMatchObject({ kind: "blocked", rule: "forbidden_address" });
  });

  it("refuses loopback when the policy does not allow it, and the server sees nothing", async () => {
    const server = await startServer((req, res) => json(res, 200, {}));
    const failure = expectFailure(await request({ url: `http://localhost:${server.port}/`, policy: { ...LOCAL_POLICY, allowLoopback: false } }));
    expect(failure).toMatchObject({ kind: "blocked", rule: "loopback_disabled" });
    expect(server.requests).toHaveLength(0);
  });

  it("refuses Keel's own address even when loopback is allowed", async () => {
    const server = await startServer((req, res) => json(res, 200, {}));
    const failure = expectFailure(await request({ url: `http://127.0.0.1:${server.port}/`, policy: { ...LOCAL_POLICY, selfAddresses: [{ host: "0.0.0.0", port: server.port }] } }));
    expect(failure).toMatchObject({ kind: "blocked", rule: "self_address" });
    expect(server.requests).toHaveLength(0);
  });

  it("refuses http when the policy is https-only", async () => {
    const failure = expectFailure(await request({ url: "http://127.0.0.1:1/", policy: { ...LOCAL_POLICY, allowHttp: false } }));
    expect(failure).toMatchObject({ kind: "blocked", rule: "http_not_allowed" });
  });

  it("reports invalid URLs by rule", async () => {
    expect(expectFailure(await request({ url: "http://dev.azure.com@169.254.169.254/" }))).toMatchObject({ kind: "invalid_url", rule: "userinfo" });
    expect(expectFailure(await request({ url: "file:///etc/passwd" }))).toMatchObject({ kind: "invalid_url", rule: "scheme" });
    expect(expectFailure(await request({ url: "http://127.0.0.1/a\nb" }))).toMatchObject({ kind: "invalid_url", rule: "control_characters" });
  });
});

describe("guardedRequest: redirects", () => {
  it("does not follow a redirect and reports a sanitised Location", async () => {
    const target = await startServer((req, res) => json(res, 200, { reached: true }));
    const origin = await startServer((req, res) => {
      res.writeHead(302, { location: `http://user:pw@127.0.0.1:${target.port}/landing?token=abc123#frag` });
      res.end();
    });
    const failure = expectFailure(await request({ url: `http://127.0.0.1:${origin.port}/` }));
    expect(failure).toMatchObject({ kind: "redirect", status: 302, location: `http://127.0.0.1:${target.port}/landing` });
    expect(failure.message).toContain(`http://127.0.0.1:${target.port}/landing`);
    expect(JSON.stringify(failure)).not.toMatch(/abc123|pw@|frag/);
    expect(origin.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
  });

  it.each(["http://169.254.169.254/latest/meta-data/iam/security-credentials/", "http://[::ffff:169.254.169.254]/", "http://0xa9fea9fe/", "http://localhost:5432/"])(
    "never follows a redirect to %s (SSRF through a redirect)",
    async (location) => {
      const origin = await startServer((req, res) => {
        res.writeHead(307, { location });
        res.end();
      });
      const failure = expectFailure(await request({ url: `http://127.0.0.1:${origin.port}/tfs/DefaultCollection/_apis/connectionData` }));
      expect(failure.kind).toBe("redirect");
      expect(origin.requests).toHaveLength(1);
    },
  );

  it("reports a relative Location against the request URL", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(301, { location: "/tfs/DefaultCollection/" });
      res.end();
    });
    const failure = expectFailure(await request({ url: `http://127.0.0.1:${server.port}/tfs` }));
    expect(failure).toMatchObject({ kind: "redirect", status: 301, location: `http://127.0.0.1:${server.port}/tfs/DefaultCollection/` });
    expect(server.requests).toHaveLength(1);
  });
});

describe("guardedRequest: limits", () => {
  it("refuses a response whose declared length is over the cap", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 2048 });
      res.end("x".repeat(2048));
    });
    const failure = expectFailure(await request({ url: `http://127.0.0.1:${server.port}/`, maxResponseBytes: 1024 }));
    expect(failure).toMatchObject({ kind: "too_large", limitBytes: 1024, status: 200 });
  });

  it("aborts a chunked response once it grows past the cap", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = `"${"y".repeat(64 * 1024)}",`;
      let sent = 0;
      const pump = (): void => {
        while (sent < 64 && res.write(chunk)) {
          sent += 1;
        }
        if (sent < 64) {
          res.once("drain", pump);
        } else {
          res.end();
        }
      };
      res.write("[");
      pump();
    });
    const failure = expectFailure(await request({ url: `http://127.0.0.1:${server.port}/`, maxResponseBytes: 256 * 1024 }));
    expect(failure).toMatchObject({ kind: "too_large", limitBytes: 256 * 1024 });
  });

  it("times out waiting for headers from a server that never answers", async () => {
    const server = await startServer(() => {
      // Accept the request and never respond.
    });
    const failure = expectFailure(await request({ url: `http://127.0.0.1:${server.port}/`, timeouts: { headersMs: 150 } }));
    expect(failure).toMatchObject({ kind: "timeout", phase: "headers" });
    expect(server.requests).toHaveLength(1);
  });

  it("times out the connect phase when the TLS handshake never completes", async () => {
    const port = await startTcpServer(() => {
      // Accept TCP and say nothing: the TLS handshake hangs.
    });
    const failure = expectFailure(await request({ url: `https://127.0.0.1:${port}/`, timeouts: { connectMs: 150 } }));
    expect(failure).toMatchObject({ kind: "timeout", phase: "connect" });
  });

  it("enforces the total deadline while the body trickles", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("[1,");
      // ...and never finishes.
    });
    const failure = expectFailure(await request({ url: `http://127.0.0.1:${server.port}/`, timeouts: { totalMs: 200 } }));
    expect(failure).toMatchObject({ kind: "timeout", phase: "total" });
  });

  it("stops when the caller aborts", async () => {
    const server = await startServer(() => undefined);
    const controller = new AbortController();
    const pending = request({ url: `http://127.0.0.1:${server.port}/`, signal: controller.signal });
    while (server.requests.length === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    controller.abort();
    expect(expectFailure(await pending)).toMatchObject({ kind: "aborted" });
  });

  it("reports an already-aborted signal without connecting", async () => {
    const server = await startServer((req, res) => json(res, 200, {}));
    const failure = expectFailure(await request({ url: `http://127.0.0.1:${server.port}/`, signal: AbortSignal.abort() }));
    expect(failure.kind).toBe("aborted");
    expect(server.requests).toHaveLength(0);
  });
});

describe("guardedRequest: network failures", () => {
  it("connection refused", async () => {
    const port = await closedPort();
    expect(expectFailure(await request({ url: `http://127.0.0.1:${port}/` }))).toMatchObject({ kind: "refused", host: "127.0.0.1", port });
  });

  it("connection reset", async () => {
    const port = await startTcpServer((socket) => {
      socket.once("data", () => socket.resetAndDestroy());
    });
    expect(expectFailure(await request({ url: `http://127.0.0.1:${port}/` }))).toMatchObject({ kind: "reset" });
  });

  it("connection closed in the middle of the body", async () => {
    const port = await startTcpServer((socket) => {
      socket.once("data", () => {
        socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n[1,2");
        setImmediate(() => socket.destroy());
      });
    });
    expect(expectFailure(await request({ url: `http://127.0.0.1:${port}/` }))).toMatchObject({ kind: "reset" });
  });

  it("unknown host name → dns", async () => {
    expect(expectFailure(await request({ url: "https://does-not-exist.invalid/", policy: STRICT_OUTBOUND_POLICY }))).toMatchObject({ kind: "dns", host: "does-not-exist.invalid", port: 443 });
  });

  it("temporary DNS failure → dns with its code", async () => {
    const resolve: HostResolver = async () => {
      throw Object.assign(new Error("getaddrinfo EAI_AGAIN"), { code: "EAI_AGAIN" });
    };
    expect(expectFailure(await request({ url: "https://tfs.corp.test/", resolve }))).toMatchObject({ kind: "dns", code: "EAI_AGAIN" });
  });
});

describe("guardedRequest: content type", () => {
  it("an HTML page is not_json and its body is not returned", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<html><body>SECRET-INTRANET-PAGE</body></html>");
    });
    const result = await request({ url: `http://127.0.0.1:${server.port}/` });
    const failure = expectFailure(result);
    expect(failure).toMatchObject({ kind: "not_json", contentType: "html", status: 200 });
    expect(JSON.stringify(result)).not.toContain("SECRET-INTRANET-PAGE");
  });

  it("a 503 HTML page keeps its status and Retry-After for the retry logic", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(503, { "content-type": "text/html", "retry-after": "7" });
      res.end("<h1>Service Unavailable</h1>");
    });
    expect(expectFailure(await request({ url: `http://127.0.0.1:${server.port}/` }))).toMatchObject({ kind: "not_json", status: 503, retryAfter: "7" });
  });

  it("malformed JSON under a JSON content type is not_json/invalid_json", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{not json");
    });
    expect(expectFailure(await request({ url: `http://127.0.0.1:${server.port}/` }))).toMatchObject({ kind: "not_json", contentType: "invalid_json" });
  });

  it("a compressed body Keel did not ask for is refused", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      res.end(Buffer.from([0x1f, 0x8b, 0x08, 0x00]));
    });
    expect(expectFailure(await request({ url: `http://127.0.0.1:${server.port}/` }))).toMatchObject({ kind: "network", code: "UNSUPPORTED_ENCODING" });
  });

  it.each([
    ["application/json; charset=utf-8; api-version=7.1", "json"],
    ["application/problem+json", "json"],
    ["TEXT/HTML", "html"],
    ["application/xml", "xml"],
    ["text/plain", "text"],
    [undefined, "missing"],
    ["application/octet-stream", "other"],
  ])("classifyContentType(%j) → %s", (contentType, expected) => {
    expect(classifyContentType(contentType)).toBe(expected);
  });
});

describe("guardedRequest: TLS", () => {
  it("a certificate from an unknown CA fails, and succeeds with the CA bundle", async () => {
    const leaf = issue(ca, { dnsNames: ["localhost", "keel-test.example"], ips: ["127.0.0.1"] });
    const server = await startTlsServer(leaf);
    const url = `https://localhost:${server.port}/`;

    const failure = expectFailure(await request({ url }));
    expect(failure).toMatchObject({ kind: "tls", tls: "unknown_ca", code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });

    const trusted = await request({ url, caBundlePem: ca.certPem });
    expect(trusted.ok && trusted.response.status).toBe(200);
    // SNI carries the host name the user typed.
    expect(trusted.ok && trusted.response.json).toEqual({ servername: "localhost", host: `localhost:${server.port}` });
  });

  it("keeps SNI and the certificate check on the typed name when DNS is custom", async () => {
    const leaf = issue(ca, { dnsNames: ["keel-test.example"] });
    const server = await startTlsServer(leaf);
    const result = await request({ url: `https://keel-test.example:${server.port}/`, caBundlePem: ca.certPem, resolve: fakeDns({ "keel-test.example": ["127.0.0.1"] }) });
    expect(result.ok && result.response.json).toEqual({ servername: "keel-test.example", host: `keel-test.example:${server.port}` });
  });

  it("a literal IP is checked against the certificate's IP addresses", async () => {
    const leaf = issue(ca, { dnsNames: ["localhost"], ips: ["127.0.0.1"] });
    const server = await startTlsServer(leaf);
    const result = await request({ url: `https://127.0.0.1:${server.port}/`, caBundlePem: ca.certPem });
    expect(result.ok && result.response.status).toBe(200);
  });

  it("a chain ending in an untrusted root is self_signed", async () => {
    const leaf = issue(ca, { dnsNames: ["localhost"] });
    const server = await startTlsServer(leaf, [ca.certPem]);
    expect(expectFailure(await request({ url: `https://localhost:${server.port}/` }))).toMatchObject({ kind: "tls", tls: "self_signed", code: "SELF_SIGNED_CERT_IN_CHAIN" });
  });

  it("a self-signed leaf is self_signed", async () => {
    const leaf = issue("self", { dnsNames: ["localhost"] });
    const server = await startTlsServer(leaf);
    expect(expectFailure(await request({ url: `https://localhost:${server.port}/` }))).toMatchObject({ kind: "tls", tls: "self_signed", code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
  });

  it("a bundle with a different CA does not help", async () => {
    const leaf = issue(ca, { dnsNames: ["localhost"] });
    const server = await startTlsServer(leaf);
    expect(expectFailure(await request({ url: `https://localhost:${server.port}/`, caBundlePem: otherCa.certPem }))).toMatchObject({ kind: "tls", tls: "unknown_ca" });
  });

  it("a certificate for another host name is hostname_mismatch", async () => {
    const leaf = issue(ca, { dnsNames: ["tfs.other.example"] });
    const server = await startTlsServer(leaf);
    expect(expectFailure(await request({ url: `https://localhost:${server.port}/`, caBundlePem: ca.certPem }))).toMatchObject({
      kind: "tls",
      tls: "hostname_mismatch",
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
    });
  });

  it("an expired certificate is expired", async () => {
    const leaf = issue(ca, { dnsNames: ["localhost"], notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const server = await startTlsServer(leaf);
    expect(expectFailure(await request({ url: `https://localhost:${server.port}/`, caBundlePem: ca.certPem }))).toMatchObject({ kind: "tls", tls: "expired", code: "CERT_HAS_EXPIRED" });
  });

  it("https to a plain-http port is a TLS failure, not a hang", async () => {
    const server = await startServer((req, res) => json(res, 200, {}));
    expect(expectFailure(await request({ url: `https://127.0.0.1:${server.port}/` }))).toMatchObject({ kind: "tls", tls: "other" });
  });

  it("a CA bundle that is not PEM is refused before connecting", async () => {
    const server = await startServer((req, res) => json(res, 200, {}));
    expect(expectFailure(await request({ url: `https://127.0.0.1:${server.port}/`, caBundlePem: "not a certificate" }))).toMatchObject({ kind: "tls", tls: "bad_ca_bundle" });
    expect(
      expectFailure(await request({ url: `https://127.0.0.1:${server.port}/`, caBundlePem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" })),
    ).toMatchObject({ kind: "tls", tls: "bad_ca_bundle" });
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "self_signed"],
    ["SELF_SIGNED_CERT_IN_CHAIN", "self_signed"],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unknown_ca"],
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unknown_ca"],
    ["CERT_HAS_EXPIRED", "expired"],
    ["CERT_NOT_YET_VALID", "not_yet_valid"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "hostname_mismatch"],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "other"],
    ["CERT_REVOKED", "other"],
    ["ECONNREFUSED", null],
  ])("tlsFailureKind(%s) → %s", (code, expected) => {
    expect(tlsFailureKind(code)).toBe(expected);
  });
});

describe("guardedRequest: headers", () => {
  it("refuses header values with CR/LF without echoing the value", async () => {
    await expect(request({ url: "http://127.0.0.1:1/", headers: { Authorization: `${SECRET}\r\nX-Injected: 1` } })).rejects.toThrow(/Invalid value for request header "Authorization"/);
    await expect(request({ url: "http://127.0.0.1:1/", headers: { Authorization: `${SECRET}\r\nX-Injected: 1` } })).rejects.not.toThrow(/c2VjcmV0/);
  });

  it("ignores caller attempts to set Host or framing headers", async () => {
    const server = await startServer((req, res) => json(res, 200, {}));
    const result = await request({ url: `http://127.0.0.1:${server.port}/`, headers: { Host: "evil.example", "Transfer-Encoding": "chunked", Authorization: SECRET } });
    expect(result.ok).toBe(true);
    expect(server.requests[0]?.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(server.requests[0]?.headers["transfer-encoding"]).toBeUndefined();
  });
});


describe("guardedRequest: kept-alive connections", () => {
  /** A raw HTTP/1.1 peer: answers the connection's n-th request (from 1; `overall` counts every connection's) with `answer`, or drops the connection when it says "drop". */
  async function peer(answer: (requestOnConnection: number, overall: number) => { status: number; type: string; body: string } | "drop"): Promise<{ port: number; connections: () => number }> {
    let connections = 0;
    let overall = 0;
    const port = await startTcpServer((socket) => {
      connections += 1;
      let seen = 0;
      let buffered = "";
      socket.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("latin1");
        while (buffered.includes("\r\n\r\n")) {
          const end = buffered.indexOf("\r\n\r\n") + 4;
          const head = buffered.slice(0, end);
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
          buffered = buffered.slice(end + length);
          seen += 1;
          overall += 1;
          const reply = answer(seen, overall);
          if (reply === "drop") {
            socket.destroy();
            return;
          }
          socket.write(`HTTP/1.1 ${reply.status} OK\r\ncontent-type: ${reply.type}\r\ncontent-length: ${Buffer.byteLength(reply.body)}\r\nconnection: keep-alive\r\n\r\n${reply.body}`);
        }
      });
    });
    return { port, connections: () => connections };
  }
  const ok = { status: 200, type: "application/json", body: '{"ok":true}' };

  it("sends the next request to the same destination on the same connection", async () => {
    const server = await peer(() => ok);
    for (let index = 0; index < 3; index += 1) {
      const result = await request({ url: `http://127.0.0.1:${server.port}/_apis/projects` });
      expect(result.ok && result.response.json).toEqual({ ok: true });
    }
    expect(server.connections()).toBe(1);
  });

  it("sends a GET again on a new connection when the kept-alive one was closed before it answered", async () => {
    const server = await peer((n) => (n === 1 ? ok : "drop"));
    expect((await request({ url: `http://127.0.0.1:${server.port}/a` })).ok).toBe(true);
    const second = await request({ url: `http://127.0.0.1:${server.port}/b` });
    expect(second.ok && second.response.json).toEqual({ ok: true });
    expect(server.connections()).toBe(2);
  });

  it("never sends a POST twice: a kept-alive connection closed under it is a failure", async () => {
    const server = await peer((n) => (n === 1 ? ok : "drop"));
    expect((await request({ url: `http://127.0.0.1:${server.port}/a` })).ok).toBe(true);
    const failure = expectFailure(await request({ url: `http://127.0.0.1:${server.port}/b`, method: "POST", body: "{}" }));
    expect(failure.kind).toBe("reset");
    expect(server.connections()).toBe(1);
  });

  it("closes a connection whose answer was refused instead of reusing it", async () => {
    const server = await peer((_n, overall) => (overall === 1 ? { status: 200, type: "text/html", body: "<html>sign in</html>" } : ok));
    expect(expectFailure(await request({ url: `http://127.0.0.1:${server.port}/a` })).kind).toBe("not_json");
    expect((await request({ url: `http://127.0.0.1:${server.port}/b` })).ok).toBe(true);
    expect(server.connections()).toBe(2);
  });
});
