// Starts Keel for the browser tests behind a TLS-terminating proxy, as a production
// deployment behind a load balancer would be: Keel's launcher (`next start`) listens on a free
// loopback port over plain HTTP, and this process serves https://localhost:PORT with the
// harness's certificate, forwarding each request with its Host header unchanged and the
// X-Forwarded-* headers a proxy adds. Playwright's webServer runs it with Keel's e2e
// environment (PORT = the public port); SIGTERM stops the proxy, then Keel.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server } from "node:https";
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import path from "node:path";
import { keelTls } from "@/e2e/support/https";
import { childProcessEnv, getEnv } from "@/lib/env";

const root = path.resolve(import.meta.dirname, "../..");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

// The proxy connects to Keel from its own loopback address, the one Keel trusts
// (KEEL_TRUSTED_PROXIES in e2e/support/keel-env.ts), so browsers on 127.0.0.1 / ::1 stay
// untrusted clients whose forged X-Forwarded-For Keel must ignore, as in production.
const PROXY_SOURCE_ADDRESS = "127.0.0.2";

/** Forwards one request to Keel, streaming both bodies. */
function forward(innerPort: number, req: IncomingMessage, res: ServerResponse): void {
  const client = req.socket.remoteAddress ?? "127.0.0.1";
  const headers = {
    ...req.headers,
    "x-forwarded-proto": "https",
    "x-forwarded-host": req.headers.host ?? "",
    "x-forwarded-for": req.headers["x-forwarded-for"] ? `${String(req.headers["x-forwarded-for"])}, ${client}` : client,
  };
  const upstream = httpRequest({ host: "127.0.0.1", port: innerPort, localAddress: PROXY_SOURCE_ADDRESS, method: req.method, path: req.url, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
    // Keel may answer before the client has sent its whole body (a 413). Like a load balancer's
    // lingering close, keep reading what the client still sends and end the answer only after
    // it: closing a socket with unread bytes makes the kernel reset it, and the client would
    // read ECONNRESET instead of Keel's answer.
    const requestEnded = req.complete
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          req.once("end", resolve);
          req.once("close", resolve);
        });
    req.on("data", () => undefined);
    answer.pipe(res, { end: false });
    answer.once("end", () => void requestEnded.then(() => res.end()));
  });
  upstream.on("error", () => {
    if (!res.headersSent) {
      res.writeHead(502, { "Content-Type": "text/plain; charset=utf-8" }).end("Keel is not answering yet.");
    } else {
      res.destroy();
    }
  });
  req.pipe(upstream);
}

/** Passes an upgraded connection (WebSocket) through untouched. */
function tunnel(innerPort: number, req: IncomingMessage, socket: Socket, head: Buffer): void {
  const upstream = connect({ port: innerPort, host: "127.0.0.1", localAddress: PROXY_SOURCE_ADDRESS }, () => {
    const lines = [`${req.method ?? "GET"} ${req.url ?? "/"} HTTP/1.1`, ...Object.entries(req.headers).map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(", ") : (value ?? "")}`)];
    upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
    upstream.write(head);
    socket.pipe(upstream).pipe(socket);
  });
  upstream.on("error", () => socket.destroy());
  socket.on("error", () => upstream.destroy());
}

async function main(): Promise<void> {
  // Keel's own configuration (validated): PORT is the public port Keel is served on.
  const publicPort = getEnv().PORT;
  const innerPort = await freePort();
  const tls = keelTls();
  const cert = readFileSync(tls.certPath, "utf8");
  const key = readFileSync(tls.keyPath, "utf8");

  const keel = spawn(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), "lib/runtime/keel.ts", "start", "--no-build"], {
    cwd: root,
    stdio: "inherit",
    env: childProcessEnv({ PORT: String(innerPort), HOSTNAME: "127.0.0.1" }),
  });

  const servers: Server[] = [];
  for (const host of ["127.0.0.1", "::1"]) {
    const server = createHttpsServer({ cert, key }, (req, res) => forward(innerPort, req, res));
    server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => tunnel(innerPort, req, socket, head));
    const listening = await new Promise<boolean>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) => {
        // A machine without IPv6 loopback still serves localhost over 127.0.0.1.
        if (host === "::1") {
          resolve(false);
          return;
        }
        reject(error);
      });
      server.listen(publicPort, host, () => resolve(true));
    });
    if (listening) {
      servers.push(server);
    }
  }

  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
    if (keel.exitCode === null) {
      const exited = new Promise((resolve) => keel.once("exit", resolve));
      keel.kill("SIGTERM");
      await exited;
    }
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  keel.on("exit", (code) => void stop(code ?? 1));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
