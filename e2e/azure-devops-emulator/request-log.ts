import type { IncomingHttpHeaders } from "node:http";

/**
 * A record of every request the emulator received, with secrets masked so the log can be
 * printed or served to other processes without leaking test credentials.
 */
export type RequestLogEntry = {
  seq: number;
  time: string;
  deployment: string;
  method: string;
  /** Path as received (still percent-encoded). */
  path: string;
  /** Query parameters, secrets masked. */
  query: Record<string, string>;
  /** Request headers (lower-case names), secrets masked. */
  headers: Record<string, string>;
  /** Request body for form/JSON requests, secrets masked; omitted otherwise. */
  body?: unknown;
  /** The api-version the request asked for (query or Accept header), if any. */
  apiVersion?: string;
  /** Final status; undefined while pending, 0 when the connection was destroyed. */
  status?: number;
  /** Fault kinds applied to this request. */
  faults: string[];
};

export const MASK = "***";

/** Keys whose values are secrets wherever they appear (headers, query, form, JSON). */
const SECRET_KEY = /(authorization|cookie|secret|password|token|assertion|^code$|code_verifier|client_assertion|id_token|refresh|access_token|x-hook|api-key|apikey)/i;

/** True when a header/field name carries a secret. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Masks an Authorization header but keeps the scheme so tests can tell Basic from Bearer. */
function maskAuthorization(value: string): string {
  const scheme = value.split(" ")[0] ?? "";
  return scheme.length > 0 && scheme.length < value.length ? `${scheme} ${MASK}` : MASK;
}

/** Copies headers with secret values masked. */
export function maskHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) {
      continue;
    }
    const value = Array.isArray(raw) ? raw.join(", ") : raw;
    if (name === "authorization") {
      result[name] = maskAuthorization(value);
      continue;
    }
    result[name] = isSecretKey(name) ? MASK : value;
  }
  return result;
}

/** Copies query parameters with secret values masked. */
export function maskQuery(params: URLSearchParams): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of params) {
    result[key] = isSecretKey(key) ? MASK : value;
  }
  return result;
}

/** Deep-copies a JSON value with secret-looking keys masked. */
export function maskJson(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => maskJson(item));
  }
  if (typeof value === "object" && value !== null) {
    const result: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      result[key] = isSecretKey(key) && inner !== null && typeof inner !== "object" ? MASK : maskJson(inner);
    }
    return result;
  }
  return value;
}

/** A bounded in-memory request log. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private nextSeq = 1;
  private readonly limit: number;

  constructor(limit = 20_000) {
    this.limit = limit;
  }

  /** Starts an entry for an incoming request. */
  start(entry: Omit<RequestLogEntry, "seq" | "time" | "faults">): RequestLogEntry {
    const full: RequestLogEntry = { ...entry, seq: this.nextSeq, time: new Date().toISOString(), faults: [] };
    this.nextSeq += 1;
    this.entries.push(full);
    if (this.entries.length > this.limit) {
      // Oldest entries go first; tests read recent traffic.
      this.entries.splice(0, this.entries.length - this.limit);
    }
    return full;
  }

  /** Entries, optionally filtered. */
  list(filter: { since?: number; deployment?: string; pathContains?: string; method?: string } = {}): RequestLogEntry[] {
    return this.entries.filter((entry) => {
      if (filter.since !== undefined && entry.seq <= filter.since) {
        return false;
      }
      if (filter.deployment !== undefined && entry.deployment !== filter.deployment) {
        return false;
      }
      if (filter.method !== undefined && entry.method.toUpperCase() !== filter.method.toUpperCase()) {
        return false;
      }
      if (filter.pathContains !== undefined && !entry.path.toLowerCase().includes(filter.pathContains.toLowerCase())) {
        return false;
      }
      return true;
    });
  }

  /** Forgets every entry (sequence numbers keep increasing). */
  clear(): void {
    this.entries = [];
  }
}
