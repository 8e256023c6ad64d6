/**
 * The request pipeline under the typed clients: authentication headers, api-version, the
 * guarded HTTP client, retries for idempotent calls, the audit recorder, and the mapping of
 * every non-success into an AzureDevOpsError.
 *
 * Success means a 2xx (not 203) with a JSON body — never "whatever came back".
 */
import { type GuardedResult, type GuardedTimeouts, type HostResolver, type HttpMethod, guardedRequest } from "../net/guarded-request";
import type { OutboundPolicy } from "../net/ssrf-policy";
import { withRetry } from "../net/retry";
import { AzureDevOpsError, type CredentialKind, errorFromFailure, errorFromHttp, signInPageError } from "./errors";

export type AzureDevOpsCredential = { kind: "pat"; token: string } | { kind: "bearer"; token: string };

/** One outbound call, for audit logs: no headers, no bodies, no query values that could be secret. */
export type OutboundCallRecord = {
  method: string;
  /** Origin + path, plus only non-secret query parameters (api-version, paging). */
  url: string;
  status?: number;
  failureKind?: string;
  durationMs: number;
};

export type OutboundRecorder = (entry: OutboundCallRecord) => void;

export type RetrySettings = {
  /** Attempts including the first, for idempotent calls. Default 3. */
  maxAttempts?: number;
  /** First backoff step. Default 250 ms. */
  baseDelayMs?: number;
  /**
   * Longest wait between attempts, including a server's Retry-After. A longer Retry-After is
   * not waited for: the call fails with `rate_limited` at once. Default 5 s.
   */
  maxWaitMs?: number;
};

/**
 * Pacing shared beyond one client (a connection's identity, across requests, processes and
 * machines): asked before every request leaves, told about every answer. `before` throws an
 * AzureDevOpsError `rate_limited` while Azure DevOps' own "wait until" is in force.
 */
export type OutboundThrottle = {
  before(): Promise<void>;
  after(status: number, headers: Record<string, string | string[] | undefined>): Promise<void>;
};

export type TransportOptions = {
  /** Base URL without trailing slash: the collection URL, or the profile host. */
  baseUrl: string;
  credential: AzureDevOpsCredential;
  policy: OutboundPolicy;
  caBundlePem?: string;
  recorder?: OutboundRecorder;
  signal?: AbortSignal;
  timeouts?: Partial<GuardedTimeouts>;
  retry?: RetrySettings;
  maxResponseBytes?: number;
  /** DNS override (tests: a name that resolves to the emulator). */
  resolve?: HostResolver;
  /**
   * OAuth only: called when Azure DevOps refuses the bearer token as invalid or expired
   * (Keel thought it fresh: revoked early, or expired on the server's clock). It returns a
   * renewed credential, and the request is sent once more with it; later requests of this
   * client use it too. Never called for PATs, nor for refusals a new token cannot fix
   * (the organization's OAuth policy, a user who is not a member).
   */
  renewCredential?: (rejected: AzureDevOpsCredential) => Promise<AzureDevOpsCredential>;
  /** Honour Azure DevOps' Retry-After / X-RateLimit-* across requests (see OutboundThrottle). */
  throttle?: OutboundThrottle;
};

export type QueryValue = string | number | boolean | undefined;

export type TransportRequest = {
  method: HttpMethod;
  /** Path below the base URL, already encoded, starting with "/". */
  path: string;
  query?: Record<string, QueryValue>;
  /** undefined = none (connectionData, OPTIONS). */
  apiVersion?: string;
  body?: unknown;
  /** Defaults to true for GET and OPTIONS. */
  idempotent?: boolean;
};

export type TransportResponse = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
  url: string;
};

export type Transport = {
  readonly baseUrl: string;
  readonly credentialKind: CredentialKind;
  send(request: TransportRequest): Promise<TransportResponse>;
  /** Remember who connectionData authenticated, so a later TF400813 for them reads as a missing scope. */
  setAuthenticatedUserId(id: string): void;
  authenticatedUserId(): string | undefined;
};

// Query parameters whose values are never secret and help reading an audit log.
const AUDIT_QUERY_KEYS = new Set(["api-version", "$top", "$skip", "top", "skip", "stateFilter", "filter", "includeHidden", "includeLinks", "connectOptions", "details", "searchCriteria.$top", "searchCriteria.$skip"]);
// Characters that cannot appear in an HTTP header value; a token with them can never work.
const FORBIDDEN_TOKEN_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Builds the request pipeline for one base URL and credential. */
export function createTransport(options: TransportOptions): Transport {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  let authenticatedUserId: string | undefined;
  let credential = options.credential;
  // Concurrent requests refused with the same token share one renewal.
  let renewal: { rejected: string; promise: Promise<AzureDevOpsCredential> } | undefined;
  const retry = {
    maxAttempts: options.retry?.maxAttempts ?? 3,
    baseDelayMs: options.retry?.baseDelayMs ?? 250,
    maxWaitMs: options.retry?.maxWaitMs ?? 5_000,
  };

  const send = async (request: TransportRequest): Promise<TransportResponse> => {
    const used = credential;
    try {
      return await sendWith(request, used);
    } catch (error) {
      const renewable =
        options.renewCredential !== undefined &&
        used.kind === "bearer" &&
        error instanceof AzureDevOpsError &&
        error.reason.kind === "unauthorized" &&
        (error.reason.unauthorized === "invalid" || error.reason.unauthorized === "expired");
      if (!renewable) {
        throw error;
      }
      if (!renewal || renewal.rejected !== used.token) {
        renewal = { rejected: used.token, promise: options.renewCredential!(used) };
      }
      credential = await renewal.promise;
      return sendWith(request, credential);
    }
  };

  const sendWith = async (request: TransportRequest, current: AzureDevOpsCredential): Promise<TransportResponse> => {
    const url = buildUrl(baseUrl, request.path, request.query, request.apiVersion);
    const safeUrl = auditUrl(url);
    const authorization = authorizationHeader(current);
    if (authorization === null) {
      throw new AzureDevOpsError({ kind: "unauthorized", unauthorized: "invalid", status: 0 }, "The token is empty or contains characters that cannot be sent; paste it again.", {
        method: request.method,
        url: safeUrl,
      });
    }
    const headers: Record<string, string> = {
      Authorization: authorization,
      Accept: "application/json",
      // Without it a bad token gets 203 + a sign-in page (or a 302) instead of a 401 (docs/azure-devops-facts.md §2.2).
      "X-TFS-FedAuthRedirect": "Suppress",
    };
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers["Content-Type"] = "application/json; charset=utf-8";
    }
    const idempotent = request.idempotent ?? (request.method === "GET" || request.method === "OPTIONS");

    const attempt = async (): Promise<GuardedResult> => {
      // Nothing leaves while Azure DevOps' "wait until" for this identity is in force.
      await options.throttle?.before();
      const started = performance.now();
      const result = await guardedRequest({
        url,
        method: request.method,
        headers,
        ...(body === undefined ? {} : { body }),
        policy: options.policy,
        ...(options.caBundlePem === undefined ? {} : { caBundlePem: options.caBundlePem }),
        ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
        ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
        accept: "json",
      });
      const entry: OutboundCallRecord = { method: request.method, url: safeUrl, durationMs: performance.now() - started };
      if (result.ok) {
        entry.status = result.response.status;
      } else {
        entry.failureKind = result.failure.kind;
        if ("status" in result.failure) {
          entry.status = result.failure.status;
        }
      }
      options.recorder?.(entry);
      if (result.ok) {
        await options.throttle?.after(result.response.status, result.response.headers);
      } else if ("status" in result.failure && typeof result.failure.status === "number") {
        const retryAfter = "retryAfter" in result.failure && typeof result.failure.retryAfter === "string" ? result.failure.retryAfter : undefined;
        await options.throttle?.after(result.failure.status, retryAfter === undefined ? {} : { "retry-after": retryAfter });
      }
      return result;
    };

    const result = await withRetry(attempt, {
      idempotent,
      maxAttempts: retry.maxAttempts,
      baseDelayMs: retry.baseDelayMs,
      maxDelayMs: retry.maxWaitMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });

    if (!result.ok) {
      throw errorFromFailure(result.failure, request.method, safeUrl);
    }
    const { response } = result;
    if (response.status >= 200 && response.status < 300 && response.status !== 203) {
      return { status: response.status, headers: response.headers, json: response.json, url: safeUrl };
    }
    if (response.status === 203) {
      // A JSON 203 is still not an API answer (docs/azure-devops-facts.md §2.2).
      throw signInPageError(request.method, safeUrl);
    }
    throw errorFromHttp({
      status: response.status,
      headers: response.headers,
      json: response.json,
      method: request.method,
      url: safeUrl,
      credentialKind: current.kind,
      ...(authenticatedUserId === undefined ? {} : { authenticatedUserId }),
    });
  };

  return {
    baseUrl,
    credentialKind: options.credential.kind,
    send,
    setAuthenticatedUserId(id) {
      authenticatedUserId = id;
    },
    authenticatedUserId: () => authenticatedUserId,
  };
}

/** `Basic base64(":" + PAT)` (empty user name, docs/azure-devops-facts.md §3.5) or `Bearer …`; null for an unusable token. */
export function authorizationHeader(credential: AzureDevOpsCredential): string | null {
  const token = typeof credential.token === "string" ? credential.token.trim() : "";
  if (token === "" || FORBIDDEN_TOKEN_CHARACTERS.test(token)) {
    return null;
  }
  if (credential.kind === "pat") {
    // Letters and digits only, as Azure DevOps issues them (the forms say so first).
    if (!/^[A-Za-z0-9]+$/.test(token)) {
      return null;
    }
    return `Basic ${Buffer.from(`:${token}`, "utf8").toString("base64")}`;
  }
  return `Bearer ${token}`;
}

/** Encodes one path segment (project and repository names may contain spaces and non-ASCII). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/** The URL for the audit log: origin + path and only the allow-listed query parameters. */
export function auditUrl(url: string): string {
  const parsed = new URL(url);
  const kept = new URLSearchParams();
  for (const [key, value] of parsed.searchParams) {
    if (AUDIT_QUERY_KEYS.has(key)) {
      kept.append(key, value);
    }
  }
  const query = kept.toString();
  return `${parsed.origin}${parsed.pathname}${query === "" ? "" : `?${query}`}`;
}

function buildUrl(baseUrl: string, path: string, query: Record<string, QueryValue> | undefined, apiVersion: string | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) {
      params.append(key, String(value));
    }
  }
  if (apiVersion !== undefined) {
    params.set("api-version", apiVersion);
  }
  const text = params.toString();
  return `${baseUrl}${path}${text === "" ? "" : `?${text}`}`;
}
