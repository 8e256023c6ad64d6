/**
 * Retries and back-pressure for outbound calls (SECURITY.md "Reliability"): retry only idempotent
 * calls and only 429/502/503/504 and network failures, honour Retry-After, capped exponential
 * backoff with full jitter.
 *
 * Time and randomness are injected so tests never sleep or depend on chance.
 */

export type HeaderBag = Headers | Readonly<Record<string, string | string[] | undefined>>;

export type RateLimitInfo = {
  /** Display string only, not for computation (Azure DevOps docs). */
  resource?: string;
  /** Seconds the server delayed this request (up to 3 decimals). */
  delaySeconds?: number;
  limit?: number;
  remaining?: number;
  resetAt?: Date;
  retryAfterMs?: number;
};

export type RetryOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export type RetryVerdict = { retry: false } | { retry: true; reason: string; retryAfter?: string };

export type RetryInfo = {
  /** The attempt that just failed, starting at 1. */
  attempt: number;
  delayMs: number;
  reason: string;
};

export type WithRetryOptions<T> = {
  /** Only idempotent calls are ever retried; a POST that may have taken effect is not. */
  idempotent: boolean;
  /** Total attempts including the first. Default 3. */
  maxAttempts?: number;
  /** Default 500 ms. */
  baseDelayMs?: number;
  /** Cap for backoff, and the longest Retry-After we are willing to wait. Default 30 s. */
  maxDelayMs?: number;
  classify?: (outcome: RetryOutcome<T>) => RetryVerdict;
  onRetry?: (info: RetryInfo) => void;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  signal?: AbortSignal;
};

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);
const RETRYABLE_FAILURE_KINDS = new Set(["refused", "reset", "timeout"]);
const RETRYABLE_ERROR_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ECONNABORTED", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET"]);
const HTTP_DATE = /^[A-Za-z]{3},\s+\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{2}:\d{2}:\d{2}\s+GMT$|^[A-Za-z]+,\s+\d{2}-[A-Za-z]{3}-\d{2}\s+\d{2}:\d{2}:\d{2}\s+GMT$|^[A-Za-z]{3}\s+[A-Za-z]{3}\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+\d{4}$/;

/** Parses Retry-After (delta seconds or HTTP-date) into milliseconds from `now`; null when absent or invalid. */
export function parseRetryAfter(value: string | null | undefined, now: number | Date = Date.now()): number | null {
  if (value === null || value === undefined) {
    return null;
  }
  const text = value.trim();
  if (text === "") {
    return null;
  }
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    return Math.round(Number(text) * 1000);
  }
  if (!HTTP_DATE.test(text)) {
    return null;
  }
  const at = Date.parse(text);
  if (Number.isNaN(at)) {
    return null;
  }
  const nowMs = typeof now === "number" ? now : now.getTime();
  // A date in the past means "now".
  return Math.max(0, at - nowMs);
}

/** Reads Azure DevOps `X-RateLimit-*` and `Retry-After` headers (sent even on 200); null when none is present. */
export function readRateLimit(headers: HeaderBag, now: number | Date = Date.now()): RateLimitInfo | null {
  const info: RateLimitInfo = {};
  const resource = header(headers, "x-ratelimit-resource");
  if (resource !== undefined && resource.trim() !== "") {
    info.resource = resource.trim();
  }
  const delay = nonNegativeNumber(header(headers, "x-ratelimit-delay"));
  if (delay !== undefined) {
    info.delaySeconds = delay;
  }
  const limit = nonNegativeNumber(header(headers, "x-ratelimit-limit"));
  if (limit !== undefined) {
    info.limit = limit;
  }
  const remaining = nonNegativeNumber(header(headers, "x-ratelimit-remaining"));
  if (remaining !== undefined) {
    info.remaining = remaining;
  }
  const reset = nonNegativeNumber(header(headers, "x-ratelimit-reset"));
  if (reset !== undefined) {
    // Unix epoch seconds.
    info.resetAt = new Date(reset * 1000);
  }
  const retryAfter = parseRetryAfter(header(headers, "retry-after"), now);
  if (retryAfter !== null) {
    info.retryAfterMs = retryAfter;
  }
  return Object.keys(info).length === 0 ? null : info;
}

/** How long Azure DevOps asked the caller to hold off, from one response, and why. */
export type OutboundHoldAdvice = { untilMs: number; reason: string };

/** When a 429 says nothing about how long to wait: back off this long rather than not at all. */
export const DEFAULT_429_HOLD_MS = 30_000;

/**
 * What a response says about the *next* requests of the same identity (docs/azure-devops-facts.md
 * §2.5): `Retry-After` on a 429 or a success — Azure DevOps sends it on a 200 once it starts
 * delaying — or `X-RateLimit-Remaining: 0` until `X-RateLimit-Reset`, or a bare 429. Null when
 * the response asks for nothing. A 5xx's Retry-After is about that server's availability, not
 * the identity's budget: the request's own retry honours it (withRetry), later requests do not
 * wait for it. `now` is the caller's clock in epoch milliseconds.
 */
export function holdAdvice(status: number, headers: HeaderBag, now: number = Date.now()): OutboundHoldAdvice | null {
  if (status >= 500) {
    return null;
  }
  const info = readRateLimit(headers, now);
  const resource = info?.resource ? ` (${info.resource.slice(0, 80)})` : "";
  if (info?.retryAfterMs !== undefined && info.retryAfterMs > 0) {
    return { untilMs: now + info.retryAfterMs, reason: `HTTP ${status} with Retry-After${resource}` };
  }
  if (info?.remaining === 0 && info.resetAt !== undefined && info.resetAt.getTime() > now) {
    return { untilMs: info.resetAt.getTime(), reason: `X-RateLimit-Remaining 0 until X-RateLimit-Reset${resource}` };
  }
  if (status === 429) {
    return { untilMs: now + DEFAULT_429_HOLD_MS, reason: `HTTP 429${resource}` };
  }
  return null;
}

/**
 * Default retry classification. Understands guardedRequest results (`{ ok, response | failure }`),
 * plain responses (`{ status, headers }`) and thrown errors carrying `kind`, `code` or `status`.
 */
export function classifyForRetry(outcome: RetryOutcome<unknown>): RetryVerdict {
  if (outcome.ok) {
    return classifyValue(outcome.value);
  }
  return classifyError(outcome.error);
}

/** Full-jitter backoff: a random delay in [0, min(maxDelayMs, baseDelayMs · 2^(attempt-1))). */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Runs `fn`, retrying idempotent calls on retryable outcomes; returns the last value or throws the last error. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: WithRetryOptions<T>): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const classify = options.classify ?? ((outcome: RetryOutcome<T>) => classifyForRetry(outcome));
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;

  for (let attempt = 1; ; attempt += 1) {
    let outcome: RetryOutcome<T>;
    try {
      outcome = { ok: true, value: await fn(attempt) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const verdict = options.idempotent && attempt < maxAttempts && !options.signal?.aborted ? classify(outcome) : ({ retry: false } as const);
    if (!verdict.retry) {
      return settle(outcome);
    }
    const retryAfterMs = parseRetryAfter(verdict.retryAfter, now());
    let delayMs: number;
    if (retryAfterMs !== null) {
      if (retryAfterMs > maxDelayMs) {
        // Waiting less than the server asked is rude and likely blocked again; waiting longer
        // ties up the caller. Hand the outcome back instead.
        return settle(outcome);
      }
      delayMs = retryAfterMs;
    } else {
      delayMs = backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
    }
    options.onRetry?.({ attempt, delayMs, reason: verdict.reason });
    await sleep(delayMs, options.signal);
    if (options.signal?.aborted) {
      return settle(outcome);
    }
  }
}

// ---------------------------------------------------------------------------------------------

function classifyValue(value: unknown): RetryVerdict {
  if (!isObject(value)) {
    return { retry: false };
  }
  // A guardedRequest result.
  if (value.ok === true && isObject(value.response)) {
    return classifyStatus(value.response.status, value.response.headers);
  }
  if (value.ok === false && isObject(value.failure)) {
    return classifyFailure(value.failure);
  }
  // A bare response.
  if (typeof value.status === "number") {
    return classifyStatus(value.status, value.headers);
  }
  return { retry: false };
}

function classifyFailure(failure: Record<string, unknown>): RetryVerdict {
  const kind = failure.kind;
  if (typeof kind === "string" && RETRYABLE_FAILURE_KINDS.has(kind)) {
    return { retry: true, reason: kind };
  }
  // An HTML "503 Service Unavailable" from a proxy in front of the server.
  if (kind === "not_json" && typeof failure.status === "number" && RETRYABLE_STATUSES.has(failure.status)) {
    return withRetryAfter({ retry: true, reason: `HTTP ${failure.status}` }, typeof failure.retryAfter === "string" ? failure.retryAfter : undefined);
  }
  return { retry: false };
}

function classifyError(error: unknown): RetryVerdict {
  if (!isObject(error)) {
    return { retry: false };
  }
  if (isObject(error.failure)) {
    return classifyFailure(error.failure);
  }
  if (typeof error.kind === "string") {
    return classifyFailure(error);
  }
  if (typeof error.code === "string" && RETRYABLE_ERROR_CODES.has(error.code)) {
    return { retry: true, reason: error.code };
  }
  const status = typeof error.status === "number" ? error.status : typeof error.statusCode === "number" ? error.statusCode : undefined;
  if (status !== undefined) {
    return classifyStatus(status, error.headers);
  }
  return { retry: false };
}

function classifyStatus(status: unknown, headers: unknown): RetryVerdict {
  if (typeof status !== "number" || !RETRYABLE_STATUSES.has(status)) {
    return { retry: false };
  }
  const retryAfter = isHeaderBag(headers) ? header(headers, "retry-after") : undefined;
  return withRetryAfter({ retry: true, reason: `HTTP ${status}` }, retryAfter);
}

function withRetryAfter(verdict: { retry: true; reason: string }, retryAfter: string | undefined): RetryVerdict {
  return retryAfter === undefined ? verdict : { ...verdict, retryAfter };
}

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof Headers !== "undefined" && headers instanceof Headers) {
    return headers.get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | string[] | undefined>>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

function isHeaderBag(value: unknown): value is HeaderBag {
  return isObject(value) || (typeof Headers !== "undefined" && value instanceof Headers);
}

function nonNegativeNumber(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+(?:\.\d+)?\s*$/.test(text)) {
    return undefined;
  }
  return Number(text);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function settle<T>(outcome: RetryOutcome<T>): T {
  if (outcome.ok) {
    return outcome.value;
  }
  throw outcome.error;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
