/**
 * The one HTTP client for user- or server-supplied URLs (SECURITY.md "Outbound requests").
 *
 * Resolve every address → check all of them against the policy → connect to a checked address
 * (custom `lookup`, so no second DNS answer can swap in another address) → no redirects, hard
 * limits, system CAs plus an optional per-connection bundle, never unverified TLS.
 *
 * Failures are returned, not thrown, as a union on `kind` with a coarse, user-safe `message`.
 * Nothing here ever copies request headers (Authorization!), request bodies, or the body of a
 * non-JSON response into a failure.
 */
import { X509Certificate } from "node:crypto";
import dns from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction, Socket } from "node:net";
import type { Writable } from "node:stream";
import tls from "node:tls";

import { type BlockRule, type ClassifiedAddress, type InputRule, type OutboundPolicy, checkUrlInput, evaluateAddresses, isInstanceMetadataTarget } from "./ssrf-policy";

export type HttpMethod = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

export type ResolvedAddress = { address: string; family: number };

/** DNS resolution, injectable for tests; must return every A/AAAA record. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export type GuardedTimeouts = {
  /** TCP connect plus TLS handshake. */
  connectMs: number;
  /** From connected to response headers. */
  headersMs: number;
  /** Everything, DNS to last body byte. */
  totalMs: number;
};

export type GuardedRequestOptions = {
  url: string;
  method?: HttpMethod;
  /** Caller headers. Host, Content-Length, Connection and other hop-by-hop headers are set by the client. */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  policy: OutboundPolicy;
  /** PEM certificates trusted in addition to the system CAs, for this connection only. */
  caBundlePem?: string;
  timeouts?: Partial<GuardedTimeouts>;
  maxResponseBytes?: number;
  /** "json" (default): anything but a JSON content type is a `not_json` failure. */
  accept?: "json" | "any";
  /**
   * Where a 2xx body goes instead of memory (binary downloads, `accept` "any"): written with
   * backpressure, still within `maxResponseBytes`, and ended before the call returns (the result's
   * `bodyText` is then empty). A non-2xx body is read into `bodyText` as usual, never written.
   */
  sink?: Writable;
  signal?: AbortSignal;
  /** Defaults to `dns.promises.lookup(host, { all: true })`. */
  resolve?: HostResolver;
};

export type GuardedTimings = {
  dnsMs: number;
  /** TCP connect (+ TLS handshake for https). */
  connectMs: number;
  /** From the start of the call to the response headers. */
  firstByteMs: number;
  totalMs: number;
};

export type GuardedResponse = {
  status: number;
  headers: http.IncomingHttpHeaders;
  bodyText: string;
  /** Parsed body when `accept` is "json" and the body is non-empty. */
  json?: unknown;
  url: string;
  remoteAddress: string;
  timings: GuardedTimings;
};

export type TlsFailureKind = "self_signed" | "unknown_ca" | "expired" | "not_yet_valid" | "hostname_mismatch" | "bad_ca_bundle" | "other";

export type TimeoutPhase = "connect" | "headers" | "total";

export type ContentClass = "html" | "xml" | "text" | "missing" | "invalid_json" | "other";

type Where = { host: string; port: number; message: string };

export type GuardedFailure =
  | (Where & { kind: "invalid_url"; rule: InputRule })
  | (Where & { kind: "blocked"; rule: BlockRule; range?: string })
  | (Where & { kind: "dns"; code: string })
  | (Where & { kind: "refused"; address?: string })
  | (Where & { kind: "reset"; address?: string })
  | (Where & { kind: "timeout"; phase: TimeoutPhase; address?: string })
  | (Where & { kind: "tls"; tls: TlsFailureKind; code?: string; address?: string })
  | (Where & { kind: "redirect"; status: number; location?: string })
  | (Where & { kind: "too_large"; status: number; limitBytes: number })
  | (Where & { kind: "not_json"; status: number; contentType: ContentClass; retryAfter?: string })
  | (Where & { kind: "network"; code?: string; address?: string })
  | (Where & { kind: "aborted" });

export type GuardedFailureKind = GuardedFailure["kind"];

export type GuardedResult = { ok: true; response: GuardedResponse } | { ok: false; failure: GuardedFailure };

export const DEFAULT_TIMEOUTS: Readonly<GuardedTimeouts> = Object.freeze({ connectMs: 5_000, headersMs: 15_000, totalMs: 60_000 });
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

const TLS_CODES: Readonly<Record<string, TlsFailureKind>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: "self_signed",
  SELF_SIGNED_CERT_IN_CHAIN: "self_signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "unknown_ca",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "unknown_ca",
  UNABLE_TO_GET_ISSUER_CERT: "unknown_ca",
  CERT_UNTRUSTED: "unknown_ca",
  CERT_HAS_EXPIRED: "expired",
  CERT_NOT_YET_VALID: "not_yet_valid",
  ERR_TLS_CERT_ALTNAME_INVALID: "hostname_mismatch",
  HOSTNAME_MISMATCH: "hostname_mismatch",
};
const OTHER_TLS_CODES = new Set(["CERT_REVOKED", "CERT_REJECTED", "CERT_SIGNATURE_FAILURE", "INVALID_CA", "INVALID_PURPOSE", "PATH_LENGTH_EXCEEDED", "EPROTO", "ECONNRESET_TLS"]);
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"]);
const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NODATA", "EAI_NONAME", "ENODATA", "ESERVFAIL", "ENONAME"]);
// Set by the client itself; callers must not be able to desynchronise framing or the Host.
const CLIENT_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "proxy-connection", "expect"]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE_FORBIDDEN = /[\u0000\r\n]/;

const defaultResolver: HostResolver = async (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * Kept-alive connections, one pool per destination as checked: scheme, the host name as typed
 * (SNI and the certificate name), port, the CA bundle, and the exact set of addresses the policy
 * allowed for this request. A request reuses a connection only when its own DNS answer, checked
 * against the policy as it stands, produced the same set — so a reused socket always leads to an
 * address this very request was allowed to reach, and a policy or DNS change that removes an
 * address leaves its pool unused (its idle sockets close after FREE_SOCKET_MS).
 * Without reuse every request paid a TCP connect (and, against Azure DevOps, a TLS handshake):
 * 9 % of the worker's CPU while it listed 50,000 repositories over plain HTTP (issue 17).
 */
const FREE_SOCKET_MS = 4_000;
const POOLS_KEPT = 64;
const pools = new Map<string, http.Agent>();

function poolFor(key: string, isHttps: boolean): http.Agent {
  const existing = pools.get(key);
  if (existing) {
    // Most recently used last, so the oldest pool is the one dropped.
    pools.delete(key);
    pools.set(key, existing);
    return existing;
  }
  if (pools.size >= POOLS_KEPT) {
    // Forgotten, not destroyed: its requests in flight finish, its idle sockets time out.
    const oldest = pools.keys().next().value;
    if (oldest !== undefined) {
      pools.delete(oldest);
    }
  }
  // No cap on sockets in use: a request never waits in the pool (its connect timer is already
  // running, and every Azure DevOps Services organization shares one destination); the pool only
  // decides which idle connections are kept.
  const options = { keepAlive: true, maxFreeSockets: 16, timeout: FREE_SOCKET_MS, scheduling: "lifo" as const };
  const agent = isHttps ? new https.Agent(options) : new http.Agent(options);
  pools.set(key, agent);
  return agent;
}

/** Sends one request through the SSRF policy with timeouts, size cap, no redirects and verified TLS; throws only for invalid caller headers. */
export async function guardedRequest(options: GuardedRequestOptions): Promise<GuardedResult> {
  const startedAt = performance.now();
  const timeouts: GuardedTimeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const input = checkUrlInput(options.url);
  if (!input.ok) {
    return failed({ kind: "invalid_url", rule: input.rule, host: "", port: 0, message: input.message });
  }
  const { target } = input;
  const where = { host: target.hostname, port: target.port };
  const metadataCall = options.policy.instanceMetadata === true && target.literalIp !== null && isInstanceMetadataTarget(target, [target.literalIp]);
  if (options.policy.allowHttp === false && target.protocol === "http:" && !metadataCall) {
    return failed({ ...where, kind: "blocked", rule: "http_not_allowed", message: `Plain http to ${target.hostname} is not allowed; use https.` });
  }
  const ca = buildCa(options.caBundlePem);
  if (!ca.ok) {
    return failed({ ...where, kind: "tls", tls: "bad_ca_bundle", message: "The CA bundle for this connection is not a valid list of PEM certificates. Upload it again." });
  }
  const headers = prepareHeaders(options, target.url.host);
  if (options.signal?.aborted) {
    return failed({ ...where, kind: "aborted", message: "The request was cancelled." });
  }

  // One controller for "stop now": the caller's signal and the total deadline both feed it.
  const controller = new AbortController();
  const onCallerAbort = (): void => controller.abort("aborted");
  options.signal?.addEventListener("abort", onCallerAbort, { once: true });
  const totalTimer = setTimeout(() => controller.abort("total"), timeouts.totalMs);

  try {
    const dnsStarted = performance.now();
    let addresses: string[];
    if (target.literalIp !== null) {
      addresses = [target.literalIp];
    } else {
      const resolved = await abortable((options.resolve ?? defaultResolver)(target.hostname), controller.signal);
      if (resolved.status === "aborted") {
        return failed(stopFailure(controller.signal.reason, where, timeouts));
      }
      if (resolved.status === "error") {
        const code = errorCode(resolved.error) ?? "ENOTFOUND";
        return failed({ ...where, kind: "dns", code, message: `Could not find ${target.hostname}: the DNS lookup failed. Check the server name.` });
      }
      addresses = resolved.value.map((entry) => entry.address);
    }
    const dnsMs = performance.now() - dnsStarted;

    const decision = evaluateAddresses(target, addresses, options.policy);
    if (!decision.allowed) {
      const failure: GuardedFailure = { ...where, kind: "blocked", rule: decision.rule, message: decision.message };
      if (decision.range !== undefined) {
        failure.range = decision.range;
      }
      return failed(failure);
    }
    return await send({
      options,
      target,
      where,
      checked: decision.addresses,
      headers,
      ca: ca.value,
      timeouts,
      signal: controller.signal,
      startedAt,
      dnsMs,
    });
  } finally {
    clearTimeout(totalTimer);
    options.signal?.removeEventListener("abort", onCallerAbort);
  }
}


/** Classifies a response Content-Type for `not_json` reports, without looking at the body. */
export function classifyContentType(contentType: string | undefined): ContentClass | "json" {
  if (contentType === undefined || contentType.trim() === "") {
    return "missing";
  }
  const media = (contentType.split(";", 1)[0] ?? "").trim().toLowerCase();
  if (media === "application/json" || media === "text/json" || media.endsWith("+json")) {
    return "json";
  }
  if (media === "text/html" || media === "application/xhtml+xml") {
    return "html";
  }
  if (media.endsWith("/xml") || media.endsWith("+xml")) {
    return "xml";
  }
  if (media.startsWith("text/")) {
    return "text";
  }
  return "other";
}

/** Maps a Node TLS error code to the coarse TLS failure kind, or null when it is not a TLS error. */
export function tlsFailureKind(code: string | undefined): TlsFailureKind | null {
  if (code === undefined) {
    return null;
  }
  const known = TLS_CODES[code];
  if (known !== undefined) {
    return known;
  }
  if (OTHER_TLS_CODES.has(code) || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_") || code.startsWith("ERR_OSSL_")) {
    return "other";
  }
  return null;
}

// ---------------------------------------------------------------------------------------------

type SendArgs = {
  options: GuardedRequestOptions;
  target: { url: URL; protocol: "http:" | "https:"; hostname: string; port: number; literalIp: string | null };
  where: { host: string; port: number };
  checked: ClassifiedAddress[];
  headers: Record<string, string>;
  ca: string[] | undefined;
  timeouts: GuardedTimeouts;
  signal: AbortSignal;
  startedAt: number;
  dnsMs: number;
};

/**
 * Sends on a kept-alive connection when one is free. A server may close an idle connection just
 * as it is reused; an idempotent request that fails that way before any answer is sent once
 * more, on a new connection.
 */
async function send(args: SendArgs): Promise<GuardedResult> {
  const first = await sendOnce(args, true);
  const stale = !first.ok && first.reusedSocket && first.beforeResponse && !first.result.ok && (first.result.failure.kind === "reset" || first.result.failure.kind === "network");
  if (stale && (args.options.method ?? "GET") === "GET" && !args.signal.aborted) {
    return (await sendOnce(args, false)).result;
  }
  return first.result;
}

type Attempt = { ok: true; result: GuardedResult } | { ok: false; result: GuardedResult; reusedSocket: boolean; beforeResponse: boolean };

function sendOnce(args: SendArgs, pooled: boolean): Promise<Attempt> {
  const { options, target, where, checked, timeouts, signal, startedAt } = args;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const accept = options.accept ?? "json";
  const method = options.method ?? "GET";
  const isHttps = target.protocol === "https:";

  return new Promise<Attempt>((resolve) => {
    let settled = false;
    let phaseTimer: NodeJS.Timeout | undefined;
    let remoteAddress = "";
    let connectedAt = 0;
    let socketCreatedAt = performance.now();
    let request: http.ClientRequest | undefined;
    let responded = false;

    const finish = (result: GuardedResult): void => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(phaseTimer);
      signal.removeEventListener("abort", onStop);
      if (result.ok) {
        // The whole body was read: the connection goes back to its pool.
        resolve({ ok: true, result });
        return;
      }
      // Anything else may leave the connection mid-message: it is closed, never reused.
      request?.destroy();
      resolve({ ok: false, result, reusedSocket: request?.reusedSocket === true, beforeResponse: !responded });
    };
    const fail = (failure: GuardedFailure): void => finish({ ok: false, failure });
    const onStop = (): void => fail(stopFailure(signal.reason, where, timeouts));
    const startPhase = (phase: "connect" | "headers", ms: number): void => {
      clearTimeout(phaseTimer);
      phaseTimer = setTimeout(() => fail(timeoutFailure(phase, where, timeouts, remoteAddress)), ms);
    };

    // Hand the connection the addresses that were checked, never a fresh DNS answer.
    const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
      const first = checked[0];
      if (first === undefined) {
        callback(Object.assign(new Error("no checked address"), { code: "ENOTFOUND" }), "", 4);
        return;
      }
      if (lookupOptions.all) {
        callback(
          null,
          checked.map((entry) => ({ address: entry.address, family: entry.family })),
        );
        return;
      }
      callback(null, first.address, first.family);
    };

    const requestOptions: https.RequestOptions = {
      protocol: target.protocol,
      host: target.literalIp ?? target.hostname,
      port: target.port,
      method,
      path: `${target.url.pathname}${target.url.search}`,
      headers: args.headers,
      setHost: false,
      lookup,
    };
    if (isHttps) {
      requestOptions.rejectUnauthorized = true;
      if (target.literalIp === null) {
        // SNI and certificate name check use the host name the user typed.
        requestOptions.servername = target.hostname;
      }
      if (args.ca !== undefined) {
        requestOptions.ca = args.ca;
      }
    }
    requestOptions.agent = pooled
      ? poolFor(JSON.stringify([target.protocol, target.hostname, target.port, options.caBundlePem ?? null, checked.map((entry) => entry.address).sort()]), isHttps)
      : false;
    requestOptions.headers = { ...args.headers, connection: pooled ? "keep-alive" : "close" };

    signal.addEventListener("abort", onStop, { once: true });
    startPhase("connect", timeouts.connectMs);
    try {
      request = (isHttps ? https : http).request(requestOptions);
    } catch (error) {
      fail({ ...where, kind: "network", code: errorCode(error) ?? "EINVAL", message: `Could not send a request to ${where.host}.` });
      return;
    }

    request.on("socket", (socket: Socket) => {
      socketCreatedAt = performance.now();
      const connected = () => {
        connectedAt = performance.now();
        remoteAddress = socket.remoteAddress ?? "";
        if (!settled) {
          startPhase("headers", timeouts.headersMs);
        }
      };
      if (request?.reusedSocket) {
        // A kept-alive connection: already connected (and verified), so the answer's clock starts now.
        connected();
        return;
      }
      socket.once(isHttps ? "secureConnect" : "connect", connected);
    });

    request.on("error", (error: Error) => {
      fail(networkFailure(error, where, timeouts, remoteAddress));
    });

    request.on("response", (response: http.IncomingMessage) => {
      responded = true;
      clearTimeout(phaseTimer);
      // Early exits below destroy the request before the body is read; a response stream that
      // errors after that must not become an uncaught exception.
      response.on("error", (error: Error) => {
        fail(networkFailure(error, where, timeouts, remoteAddress));
      });
      const firstByteMs = performance.now() - startedAt;
      const status = response.statusCode ?? 0;
      remoteAddress = remoteAddress || (response.socket?.remoteAddress ?? "");

      if (status >= 300 && status < 400 && status !== 304) {
        const location = sanitizeLocation(response.headers.location, target.url);
        const failure: GuardedFailure = {
          ...where,
          kind: "redirect",
          status,
          message: location === undefined ? `The server answered with a redirect (${status}). Keel does not follow redirects; enter the final address instead.` : `Your server redirected to ${location}. Keel does not follow redirects; enter that address instead.`,
        };
        if (location !== undefined) {
          failure.location = location;
        }
        fail(failure);
        return;
      }
      const encoding = (response.headers["content-encoding"] ?? "identity").trim().toLowerCase();
      if (encoding !== "" && encoding !== "identity") {
        // We never ask for compression, so a compressed body is a misbehaving server (or a zip bomb).
        fail({ ...where, kind: "network", code: "UNSUPPORTED_ENCODING", message: `${where.host} sent a compressed response Keel did not ask for.` });
        return;
      }
      const declaredLength = Number(response.headers["content-length"]);
      if (Number.isFinite(declaredLength) && declaredLength > maxBytes) {
        fail(tooLarge(where, status, maxBytes));
        return;
      }
      const contentClass = classifyContentType(response.headers["content-type"]);
      const bodyless = method === "HEAD" || status === 204 || status === 304 || declaredLength === 0;
      if (accept === "json" && contentClass !== "json" && !bodyless) {
        // Do not read it: users must never see the body of something that is not Azure DevOps.
        const failure: GuardedFailure = { ...where, kind: "not_json", status, contentType: contentClass, message: notJsonMessage(where.host, status, contentClass) };
        const retryAfter = response.headers["retry-after"];
        if (typeof retryAfter === "string") {
          failure.retryAfter = retryAfter;
        }
        fail(failure);
        return;
      }

      const chunks: Buffer[] = [];
      let received = 0;
      const sink = status >= 200 && status < 300 ? options.sink : undefined;
      sink?.on("error", (error: Error) => {
        fail({ ...where, kind: "network", code: errorCode(error) ?? "EIO", message: `Keel could not store what ${where.host} sent.` });
      });
      response.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) {
          fail(tooLarge(where, status, maxBytes));
          return;
        }
        if (!sink) {
          chunks.push(chunk);
        } else if (!sink.write(chunk)) {
          response.pause();
          sink.once("drain", () => response.resume());
        }
      });
      response.on("end", async () => {
        if (sink) {
          // Everything written (and flushed) before the caller hears of success.
          await new Promise<void>((done) => sink.end(done));
          if (settled) {
            return;
          }
        }
        const bodyText = new TextDecoder("utf-8").decode(Buffer.concat(chunks));
        const result: GuardedResponse = {
          status,
          headers: response.headers,
          bodyText,
          url: target.url.href,
          remoteAddress,
          timings: {
            dnsMs: args.dnsMs,
            connectMs: connectedAt === 0 ? 0 : connectedAt - socketCreatedAt,
            firstByteMs,
            totalMs: performance.now() - startedAt,
          },
        };
        if (accept === "json" && bodyText.trim() !== "") {
          try {
            result.json = JSON.parse(bodyText);
          } catch {
            fail({ ...where, kind: "not_json", status, contentType: "invalid_json", message: notJsonMessage(where.host, status, "invalid_json") });
            return;
          }
        }
        finish({ ok: true, response: result });
      });
      response.on("close", () => {
        if (!response.complete) {
          fail({ ...where, kind: "reset", address: remoteAddress, message: `The connection to ${where.host}:${where.port} was closed in the middle of the response.` });
        }
      });
    });

    if (options.body !== undefined) {
      request.end(options.body);
    } else {
      request.end();
    }
  });
}

function prepareHeaders(options: GuardedRequestOptions, hostHeader: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    // Programmer errors: name the header, never echo its value (it may be a token).
    if (!HEADER_NAME.test(name)) {
      throw new TypeError(`Invalid request header name "${name.replace(/[^\x20-\x7e]/g, "?")}".`);
    }
    if (typeof value !== "string" || HEADER_VALUE_FORBIDDEN.test(value)) {
      throw new TypeError(`Invalid value for request header "${name}".`);
    }
    const lower = name.toLowerCase();
    if (CLIENT_HEADERS.has(lower)) {
      continue;
    }
    headers[lower] = value;
  }
  headers.host = hostHeader;
  headers["accept-encoding"] = "identity";
  headers.accept ??= options.accept === "any" ? "*/*" : "application/json";
  headers["user-agent"] ??= "Keel";
  if (options.body !== undefined) {
    headers["content-length"] = String(typeof options.body === "string" ? Buffer.byteLength(options.body) : options.body.byteLength);
  }
  return headers;
}

function buildCa(bundle: string | undefined): { ok: true; value: string[] | undefined } | { ok: false } {
  if (bundle === undefined || bundle.trim() === "") {
    // Node's default store (which also honours NODE_EXTRA_CA_CERTS).
    return { ok: true, value: undefined };
  }
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    return { ok: false };
  }
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      return { ok: false };
    }
  }
  // Passing `ca` replaces Node's store, so add the system roots back explicitly.
  return { ok: true, value: [...tls.rootCertificates, ...blocks] };
}

function networkFailure(error: unknown, where: { host: string; port: number }, timeouts: GuardedTimeouts, address: string): GuardedFailure {
  const code = errorCode(error);
  const tlsKind = tlsFailureKind(code);
  const withAddress = address === "" ? {} : { address };
  if (tlsKind !== null) {
    const failure: GuardedFailure = { ...where, ...withAddress, kind: "tls", tls: tlsKind, message: tlsMessage(tlsKind, where) };
    if (code !== undefined) {
      failure.code = code;
    }
    return failure;
  }
  if (code === "ECONNREFUSED") {
    return { ...where, ...withAddress, kind: "refused", message: `${where.host}:${where.port} refused the connection. Check the port and that the server is running.` };
  }
  if (code !== undefined && RESET_CODES.has(code)) {
    return { ...where, ...withAddress, kind: "reset", message: `The connection to ${where.host}:${where.port} was closed unexpectedly.` };
  }
  if (code === "ETIMEDOUT") {
    return timeoutFailure("connect", where, timeouts, address);
  }
  if (code !== undefined && DNS_CODES.has(code)) {
    return { ...where, kind: "dns", code, message: `Could not find ${where.host}: the DNS lookup failed. Check the server name.` };
  }
  const failure: GuardedFailure = { ...where, ...withAddress, kind: "network", message: `Could not reach ${where.host}:${where.port}.` };
  if (code !== undefined) {
    failure.code = code;
  }
  return failure;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) {
    return undefined;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    return code;
  }
  // Happy-eyeballs connects report an AggregateError of per-address errors.
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner)) {
    for (const entry of inner) {
      const innerCode = errorCode(entry);
      if (innerCode !== undefined) {
        return innerCode;
      }
    }
  }
  return undefined;
}

function stopFailure(reason: unknown, where: { host: string; port: number }, timeouts: GuardedTimeouts): GuardedFailure {
  if (reason === "total") {
    return timeoutFailure("total", where, timeouts, "");
  }
  return { ...where, kind: "aborted", message: "The request was cancelled." };
}

function timeoutFailure(phase: TimeoutPhase, where: { host: string; port: number }, timeouts: GuardedTimeouts, address: string): GuardedFailure {
  const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;
  const messages: Record<TimeoutPhase, string> = {
    connect: `Could not connect to ${where.host}:${where.port} within ${seconds(timeouts.connectMs)}. Check the address, port and firewall.`,
    headers: `${where.host} accepted the connection but did not answer within ${seconds(timeouts.headersMs)}.`,
    total: `The request to ${where.host} did not finish within ${seconds(timeouts.totalMs)}.`,
  };
  const failure: GuardedFailure = { ...where, kind: "timeout", phase, message: messages[phase] };
  if (address !== "") {
    failure.address = address;
  }
  return failure;
}

function tooLarge(where: { host: string; port: number }, status: number, limit: number): GuardedFailure {
  const mib = Math.round((limit / (1024 * 1024)) * 100) / 100;
  return { ...where, kind: "too_large", status, limitBytes: limit, message: `The response from ${where.host} is larger than the ${mib} MiB limit.` };
}

function tlsMessage(kind: TlsFailureKind, where: { host: string; port: number }): string {
  switch (kind) {
    case "self_signed":
      return `The TLS certificate of ${where.host} is self-signed or issued by a private CA Keel does not trust. Upload that CA certificate for this connection.`;
    case "unknown_ca":
      return `The TLS certificate of ${where.host} is issued by a certificate authority Keel does not trust. Upload the CA certificate (bundle) for this connection.`;
    case "expired":
      return `The TLS certificate of ${where.host} has expired.`;
    case "not_yet_valid":
      return `The TLS certificate of ${where.host} is not valid yet. Check the clocks of both servers.`;
    case "hostname_mismatch":
      return `The TLS certificate presented by ${where.host} is issued for a different host name.`;
    case "bad_ca_bundle":
      return "The CA bundle for this connection is not a valid list of PEM certificates. Upload it again.";
    case "other":
      return `The TLS handshake with ${where.host}:${where.port} failed. Check that the server speaks https on this port.`;
  }
}

function notJsonMessage(host: string, status: number, contentClass: ContentClass): string {
  const what: Record<ContentClass, string> = {
    html: "a web page",
    xml: "XML",
    text: "plain text",
    missing: "a response without a content type",
    invalid_json: "malformed JSON",
    other: "a non-JSON response",
  };
  return `${host} did not answer like Azure DevOps (HTTP ${status}, ${what[contentClass]} instead of JSON). Check the server URL.`;
}

function sanitizeLocation(location: string | undefined, base: URL): string | undefined {
  if (location === undefined || location === "") {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(location, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return undefined;
  }
  // Origin and path only: userinfo, query strings and fragments may carry tokens or state.
  const text = `${url.origin}${url.pathname}`;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

async function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<{ status: "ok"; value: T } | { status: "error"; error: unknown } | { status: "aborted" }> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return { status: "aborted" };
  }
  return new Promise((resolve) => {
    const onAbort = (): void => resolve({ status: "aborted" });
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve({ status: "ok", value });
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        resolve({ status: "error", error });
      },
    );
  });
}

function failed(failure: GuardedFailure): GuardedResult {
  return { ok: false, failure };
}
