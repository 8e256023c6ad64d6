import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { encodeServiceError, ServiceError, type WrappedException } from "./errors.js";
import type { Product } from "./model.js";
import type { RequestLogEntry } from "./request-log.js";

/** A running deployment: one listener, one product. */
export type DeploymentRuntime = {
  name: string;
  kind: "services" | "server";
  product: Product;
  /** `/tfs` or "" (Server); always "" for Services. */
  pathPrefix: string;
  /** Configured public URL (Server), without trailing slash; undefined = the listener's own. */
  publicUrl?: string;
  tls: boolean;
  host: string;
  /** Host name to put in URLs that do not follow the request (primary URLs, default public URL). */
  publicHost: string;
  port: number;
  /** A stable per-deployment id used for `deploymentId` and `X-TFS-ProcessId`. */
  deploymentId: string;
};

/** Per-request state shared by every handler. */
export type RequestContext = {
  deployment: DeploymentRuntime;
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  /** Percent-decoded path segments (empty segments removed). */
  segments: string[];
  body: Buffer;
  log: RequestLogEntry;
  /** Extra headers for whatever response this request gets (rate-limit warnings…). */
  extraHeaders: Record<string, string>;
  /** Scheme and Host header as the client used them (for URLs that follow the request). */
  scheme: "http" | "https";
  hostHeader: string;
};

/** Splits a raw URL path into decoded segments; undefined when percent-decoding fails. */
export function splitPath(pathname: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of pathname.split("/")) {
    if (raw.length === 0) {
      continue;
    }
    try {
      segments.push(decodeURIComponent(raw));
    } catch {
      return undefined;
    }
  }
  return segments;
}

/** A query parameter by name, ignoring case (Azure DevOps treats names case-insensitively). */
export function queryParam(url: URL, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of url.searchParams) {
    if (key.toLowerCase() === wanted) {
      return value;
    }
  }
  return undefined;
}

/** A boolean query parameter (`true`/`false`, case-insensitive). */
export function queryBool(url: URL, name: string): boolean {
  return (queryParam(url, name) ?? "").toLowerCase() === "true";
}

/** A non-negative integer query parameter, or undefined when absent/invalid. */
export function queryInt(url: URL, name: string): number | undefined {
  const raw = queryParam(url, name);
  if (raw === undefined || !/^\d+$/.test(raw.trim())) {
    return undefined;
  }
  return Number(raw.trim());
}

/** Headers every Azure DevOps response carries (docs/azure-devops-facts.md §2.2 header captures). */
function commonHeaders(ctx: RequestContext): Record<string, string> {
  const headers: Record<string, string> = {
    "Cache-Control": "no-cache",
    Pragma: "no-cache",
    "X-TFS-ProcessId": ctx.deployment.deploymentId,
    ActivityId: randomUUID(),
    "X-TFS-Session": randomUUID(),
    "X-VSS-E2EID": randomUUID(),
    "X-Content-Type-Options": "nosniff",
    "X-FRAME-OPTIONS": "SAMEORIGIN",
    "Access-Control-Expose-Headers": "ActivityId,X-TFS-Session,X-MS-ContinuationToken",
  };
  if (ctx.deployment.kind === "server") {
    headers.Server = "Microsoft-IIS/10.0";
    headers["X-Powered-By"] = "ASP.NET";
  } else {
    headers["X-MSEdge-Ref"] = `Ref A: ${randomUUID().replace(/-/g, "").toUpperCase()} Ref B: EMULATOR Ref C: ${new Date().toISOString()}`;
  }
  if (ctx.deployment.tls) {
    headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains";
  }
  return headers;
}

/** Writes a response with the common headers plus the request's extra headers. */
export function send(
  ctx: RequestContext,
  status: number,
  body: string | Buffer,
  headers: Record<string, string>,
): void {
  if (ctx.res.headersSent || ctx.res.destroyed) {
    return;
  }
  const all: Record<string, string> = { ...commonHeaders(ctx), ...ctx.extraHeaders, ...headers };
  const payload = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  all["Content-Length"] = String(payload.length);
  ctx.log.status = status;
  ctx.res.writeHead(status, all);
  ctx.res.end(ctx.method === "HEAD" ? undefined : payload);
}

/** Writes JSON with `Content-Type: application/json; charset=utf-8; api-version=X`. */
export function sendJson(
  ctx: RequestContext,
  status: number,
  body: unknown,
  options: { apiVersion?: string; headers?: Record<string, string> } = {},
): void {
  const contentType =
    options.apiVersion === undefined
      ? "application/json; charset=utf-8"
      : `application/json; charset=utf-8; api-version=${options.apiVersion}`;
  send(ctx, status, JSON.stringify(body), { "Content-Type": contentType, ...(options.headers ?? {}) });
}

/** Writes a `{count, value}` envelope. */
export function sendList(
  ctx: RequestContext,
  items: unknown[],
  options: { apiVersion?: string; headers?: Record<string, string> } = {},
): void {
  sendJson(ctx, 200, { count: items.length, value: items }, options);
}

/** Writes an Azure DevOps wrapped-exception error with `X-TFS-ServiceError`. */
export function sendWrapped(
  ctx: RequestContext,
  status: number,
  body: WrappedException,
  headers: Record<string, string> = {},
): void {
  sendJson(ctx, status, body, {
    headers: {
      "X-TFS-ServiceError": encodeServiceError(body.message, ctx.deployment.kind === "server"),
      ...headers,
    },
  });
}

/** Writes a ServiceError. */
export function sendServiceError(ctx: RequestContext, error: ServiceError): void {
  sendWrapped(ctx, error.status, error.body, error.headers);
}

/** Writes an HTML page. */
export function sendHtml(ctx: RequestContext, status: number, html: string, headers: Record<string, string> = {}): void {
  send(ctx, status, html, { "Content-Type": "text/html; charset=utf-8", ...headers });
}

/** Writes a 302 redirect. */
export function redirect(ctx: RequestContext, location: string): void {
  send(ctx, 302, "", { Location: location });
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Parses an `application/x-www-form-urlencoded` body. */
export function parseForm(body: Buffer): URLSearchParams {
  return new URLSearchParams(body.toString("utf8"));
}

/** The media type of the request body, lower-cased, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** Parses a JSON body; undefined when empty or invalid. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) {
    return undefined;
  }
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
