// Keel's web server: Next.js through its documented custom-server API (`next()` and its request
// handler), with two decisions only the process that owns the socket can make, taken before
// Next.js sees the request:
//
//   1. Who is calling. Next.js keeps whatever `X-Forwarded-For` a client sends and fills it in
//      from the socket only when absent, so by the time a route handler or next-auth reads it a
//      forged header has won. Here the client address is decided once — the socket's, or what a
//      proxy listed in KEEL_TRUSTED_PROXIES reported (lib/http/client-address.ts) — and written
//      back as the only `X-Forwarded-For` value. Forwarded host/proto/port headers from anyone
//      but a trusted proxy are dropped.
//   2. How much it may send. Every request body is capped by path (lib/http/request-limits.ts)
//      from its declared length — next-auth's /api/auth/* included, which reads bodies itself.
//
// A path or router-state header Next.js could not decode is answered here with 400, where Next.js
// would answer 500 (lib/http/request-target.ts).
//
// It also sends Strict-Transport-Security when the public URL is https (run-time configuration
// that next.config.mjs, fixed at build time, cannot know).
//
// The launcher runs this file instead of `next start` (ARCHITECTURE.md, "Runtime"). Anything
// that serves Keel must do the same, or lose both guarantees.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import { getEnv, setNextServerOrigin } from "@/lib/env";
import { logger } from "@/lib/logger";
import { parseTrustedProxies, stampClientAddress } from "@/lib/http/client-address";
import { restoreDeclaredLength } from "@/lib/http/declared-length";
import { checkRequestBody } from "@/lib/http/request-limits";
import { checkRequestTarget, checkRouterStateHeader } from "@/lib/http/request-target";
import { formatAbortReasonStacks } from "@/lib/runtime/abort-reasons";
import { strictTransportSecurity } from "@/lib/http/security-headers";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const log = logger("runtime.web-server");

// After refusing a body, Keel still reads (and drops) this much of it, so a client or proxy that
// is still sending receives the 413 instead of a reset connection; beyond it, the socket goes.
const DRAIN_LIMIT_BYTES = 8 * 1024 * 1024;

function refuse(req: IncomingMessage, res: ServerResponse, verdict: { status: number; code: string; message: string }): void {
  const { status, code, message } = verdict;
  // No "Connection: close": Node would close the socket while the client is still sending, and
  // the client (or the proxy in front) would see a reset instead of this answer.
  // JSON for the API's clients, a sentence for a person at an address bar.
  if ((req.url ?? "/").startsWith("/api/")) {
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
    res.end(JSON.stringify({ error: { code, message } }));
  } else {
    res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
    res.end(`${message}\n`);
  }
  let drained = 0;
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_LIMIT_BYTES) {
      req.destroy();
    }
  });
  req.resume();
}

async function main(): Promise<void> {
  // tsx (which runs this file) turns Node's source-map support on for the whole process; for
  // Next.js' server chunks that means reading and parsing a source map per chunk at load and
  // keeping it, and mapping every stack trace through it. Measured under bench:load (issue 17):
  // about 100 MiB more memory per web process and 15–20 % more CPU per page. `next start` runs
  // without it too: stack traces name positions in the built files, as they do there.
  process.setSourceMapsEnabled(false);
  // Finished requests must not stay reachable through the stack frames of their abort reasons
  // (lib/runtime/abort-reasons.ts).
  formatAbortReasonStacks();
  const env = getEnv();
  const trusted = parseTrustedProxies(env.KEEL_TRUSTED_PROXIES);
  const hostname = env.HOSTNAME;
  const app = next({ dev: false, dir: projectRoot, port: env.PORT, ...(hostname ? { hostname } : {}) });
  const handle = app.getRequestHandler();
  await app.prepare();
  // Known only at run time (the public URL), so set here rather than in next.config.mjs.
  const hsts = strictTransportSecurity(env.KEEL_PUBLIC_URL ?? "");

  const server = createServer((req, res) => {
    if (hsts) {
      res.setHeader("Strict-Transport-Security", hsts);
    }
    stampClientAddress(req.socket.remoteAddress, req.headers, trusted);
    const target = checkRequestTarget(req.url);
    const routerState = target.ok ? checkRouterStateHeader(req.headers["next-router-state-tree"]) : target;
    const verdict = routerState.ok ? checkRequestBody(req.url, req.headers) : routerState;
    if (!verdict.ok) {
      refuse(req, res, verdict);
      return;
    }
    if (req.url?.startsWith("/api/")) {
      // Downloads' lengths, which Next.js drops (lib/http/declared-length.ts).
      restoreDeclaredLength(res);
    }
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error }, "the request handler failed");
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end("Internal Server Error");
      }
    });
  });
  // Slow-loris guards: a client gets this long to send its headers and its whole request.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.PORT, hostname, () => resolve());
  });
  // Where a redirecting server action fetches its target from: this very server, over plain
  // HTTP (not the public https URL that forwarded headers would suggest). `next start` sets it too.
  const local = !hostname || hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname.includes(":") ? `[${hostname}]` : hostname;
  setNextServerOrigin(`http://${local}:${env.PORT}`);
  log.info({ port: env.PORT, hostname: hostname ?? "all interfaces", trustedProxies: env.KEEL_TRUSTED_PROXIES.length }, "web server listening");

  let stopping = false;
  const stop = () => {
    if (stopping) {
      return;
    }
    stopping = true;
    // Finish what is in flight, take nothing new; the launcher's grace period bounds the wait.
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`Keel's web server could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
