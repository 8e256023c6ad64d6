/**
 * One error type for everything that can go wrong talking to Azure DevOps, with a
 * discriminated `reason` callers switch over, and the classification of HTTP answers into it.
 *
 * Messages are user-safe by construction: they are written here, quote only text from
 * Azure DevOps' own error bodies (`message` of a wrapped exception or `X-TFS-ServiceError`),
 * and never include request headers, tokens, or the body of a server that is not Azure DevOps.
 */
import type { GuardedFailure, TimeoutPhase, TlsFailureKind } from "../net/guarded-request";
import { parseRetryAfter, readRateLimit, type HeaderBag } from "../net/retry";

export type CredentialKind = "pat" | "bearer";

/** The network-level failure, as guardedRequest reported it. */
export type NetworkFailureKind = "dns" | "refused" | "reset" | "timeout" | "tls" | "redirect" | "blocked" | "too_large" | "invalid_url" | "aborted" | "other";

/**
 * Why a 401/203 happened.
 * - `expired` / `revoked`: Azure DevOps said so about the PAT.
 * - `oauth_policy`: an OAuth token naming a user was refused — most likely the organization's
 *   "Third-party application access via OAuth" policy (the doctor confirms with the accounts list).
 * - `not_member`: the token authenticates a user who has no access to this organization/collection.
 * - `sign_in_page`: 203 with a sign-in page instead of an API answer.
 * - `principal_not_added`: a service principal or managed identity that was never added to the
 *   organization (TF401444, docs/azure-devops-facts.md §3.7).
 * - `invalid`: anything else (unknown token, token of another organization, anonymous).
 */
export type UnauthorizedKind = "expired" | "revoked" | "oauth_policy" | "not_member" | "principal_not_added" | "sign_in_page" | "invalid";

export type AzureDevOpsErrorReason =
  | { kind: "network"; failure: NetworkFailureKind; host: string; port: number; tls?: TlsFailureKind; phase?: TimeoutPhase; location?: string; rule?: string; range?: string; code?: string }
  | { kind: "not_azure_devops"; status: number; contentType: string }
  | { kind: "unauthorized"; unauthorized: UnauthorizedKind; status: number; userId?: string }
  | { kind: "forbidden"; status: number }
  | { kind: "missing_scope"; status: number; userId?: string }
  | { kind: "not_found"; status: number; code?: string; typeKey?: string }
  | { kind: "version_out_of_range"; status: number; requested?: string; ceiling?: string }
  | { kind: "rate_limited"; status: number; retryAfterSeconds?: number; resetAt?: string }
  | { kind: "server_error"; status: number }
  | { kind: "bad_request"; status: number; typeKey?: string }
  | { kind: "unexpected_status"; status: number };

export type AzureDevOpsErrorKind = AzureDevOpsErrorReason["kind"];

/** The parts of Azure DevOps' wrapped-exception body (docs/azure-devops-facts.md §2.1) Keel uses. */
export type ServiceErrorBody = {
  message: string;
  typeKey?: string;
  typeName?: string;
  errorCode?: number;
  eventId?: number;
  innerMessage?: string;
  /** `TF400813`, `TF200016`, `TF401019`, … when the message starts with one. */
  tfCode?: string;
};

export type AzureDevOpsErrorOptions = {
  method?: string;
  /** Origin + path only (never the query). */
  url?: string;
  serviceError?: ServiceErrorBody;
  cause?: unknown;
};

/** A failed Azure DevOps call; `message` may be shown to users as is. */
export class AzureDevOpsError extends Error {
  override readonly name = "AzureDevOpsError";
  readonly reason: AzureDevOpsErrorReason;
  readonly method?: string;
  readonly url?: string;
  /** Azure DevOps' own error body, when it sent one. */
  readonly serviceError?: ServiceErrorBody;

  constructor(reason: AzureDevOpsErrorReason, message: string, options: AzureDevOpsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    if (options.method !== undefined) {
      this.method = options.method;
    }
    if (options.url !== undefined) {
      this.url = options.url;
    }
    if (options.serviceError !== undefined) {
      this.serviceError = options.serviceError;
    }
  }

  get kind(): AzureDevOpsErrorKind {
    return this.reason.kind;
  }
}

/** True when `value` is an AzureDevOpsError (optionally of the given reason kind). */
export function isAzureDevOpsError(value: unknown, kind?: AzureDevOpsErrorKind): value is AzureDevOpsError {
  if (!(value instanceof AzureDevOpsError)) {
    return false;
  }
  return kind === undefined || value.reason.kind === kind;
}

const TF_CODE = /^(TF\d{5,6})\b/;
const OUT_OF_RANGE = /The latest REST API version this server supports is (\d+\.\d+)/i;
const REQUESTED_VERSION = /requested REST API version (?:of )?(\d+\.\d+)/i;
const USER_IN_TF400813 = /TF400813:\s*The user '([^']*)' is not authorized/i;

/** Reads Azure DevOps' wrapped-exception body; null when the JSON is not one. */
export function parseServiceErrorBody(json: unknown): ServiceErrorBody | null {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return null;
  }
  const record = json as Record<string, unknown>;
  const message = record.message;
  if (typeof message !== "string" || message.trim() === "") {
    return null;
  }
  // A bare {"message": "…"} is what half the web sends; Azure DevOps always adds typeKey/typeName.
  if (typeof record.typeKey !== "string" && typeof record.typeName !== "string") {
    return null;
  }
  const body: ServiceErrorBody = { message: message.trim() };
  if (typeof record.typeKey === "string") {
    body.typeKey = record.typeKey;
  }
  if (typeof record.typeName === "string") {
    body.typeName = record.typeName;
  }
  if (typeof record.errorCode === "number") {
    body.errorCode = record.errorCode;
  }
  if (typeof record.eventId === "number") {
    body.eventId = record.eventId;
  }
  const inner = record.innerException;
  if (typeof inner === "object" && inner !== null && typeof (inner as Record<string, unknown>).message === "string") {
    body.innerMessage = String((inner as Record<string, unknown>).message);
  }
  const tf = TF_CODE.exec(body.message);
  if (tf?.[1] !== undefined) {
    body.tfCode = tf[1];
  }
  return body;
}

/** Decodes `X-TFS-ServiceError` (Services: %20; on-prem: `+` and lower-case escapes); null when absent or broken. */
export function decodeServiceErrorHeader(value: string | string[] | undefined): string | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === "") {
    return null;
  }
  try {
    // A literal "+" is always escaped (%2B) by both encoders, so "+" only ever means a space.
    return decodeURIComponent(raw.replace(/\+/g, " ")).trim();
  } catch {
    return null;
  }
}

/** The ceiling out of "…The latest REST API version this server supports is X." (docs/azure-devops-facts.md §2.3); null otherwise. */
export function parseVersionCeiling(message: string): string | null {
  return OUT_OF_RANGE.exec(message)?.[1] ?? null;
}

/** The user id named by "TF400813: The user '…' is not authorized…" ("" for an unresolved token); null for other messages. */
export function userInNotAuthorized(message: string): string | null {
  const match = USER_IN_TF400813.exec(message);
  return match === null ? null : (match[1] ?? "");
}

export type HttpErrorInput = {
  status: number;
  headers: HeaderBag;
  json: unknown;
  method: string;
  url: string;
  credentialKind: CredentialKind;
  /** The user connectionData authenticated, once known: a later TF400813 for them means a missing scope. */
  authenticatedUserId?: string;
  now?: number;
};

/** Turns a non-2xx JSON answer into an AzureDevOpsError. */
export function errorFromHttp(input: HttpErrorInput): AzureDevOpsError {
  const { status, headers } = input;
  const body = parseServiceErrorBody(input.json);
  const headerMessage = decodeServiceErrorHeader(headerValue(headers, "x-tfs-serviceerror"));
  const adoMessage = body?.message ?? headerMessage ?? undefined;
  const options: AzureDevOpsErrorOptions = { method: input.method, url: input.url };
  if (body !== null) {
    options.serviceError = body;
  } else if (headerMessage !== null) {
    options.serviceError = { message: headerMessage };
  }
  const isAzureDevOps = adoMessage !== undefined;
  const quoted = adoMessage === undefined ? "" : ` Azure DevOps said: "${clip(adoMessage)}"`;

  if (status === 401) {
    return unauthorizedError(input, adoMessage, options, quoted);
  }
  if (status === 429) {
    const limit = rateLimitOf(headers, input.now);
    const reason: AzureDevOpsErrorReason = { kind: "rate_limited", status, ...limit };
    return new AzureDevOpsError(reason, `Azure DevOps is rate-limiting Keel${retryText(limit.retryAfterSeconds)}.${quoted}`, options);
  }
  if (!isAzureDevOps && status !== 403 && status < 500) {
    // A 4xx JSON answer that is not Azure DevOps' error shape: something else answers here.
    return new AzureDevOpsError({ kind: "not_azure_devops", status, contentType: "json" }, notAzureDevOpsMessage(input.url, status), { method: input.method, url: input.url });
  }
  if (status === 403) {
    return new AzureDevOpsError({ kind: "forbidden", status }, `Azure DevOps refused the request (HTTP 403): the token's user lacks a permission.${quoted}`, options);
  }
  if (status === 404) {
    const reason: AzureDevOpsErrorReason = { kind: "not_found", status };
    if (body?.tfCode !== undefined) {
      reason.code = body.tfCode;
    }
    if (body?.typeKey !== undefined) {
      reason.typeKey = body.typeKey;
    }
    return new AzureDevOpsError(reason, `Not found.${quoted}`, options);
  }
  if (status >= 400 && status < 500) {
    const message = adoMessage ?? "";
    const ceiling = parseVersionCeiling(message);
    if (ceiling !== null || body?.typeKey === "VssVersionOutOfRangeException") {
      const reason: AzureDevOpsErrorReason = { kind: "version_out_of_range", status };
      const requested = REQUESTED_VERSION.exec(message)?.[1];
      if (requested !== undefined) {
        reason.requested = requested;
      }
      if (ceiling !== null) {
        reason.ceiling = ceiling;
      }
      return new AzureDevOpsError(reason, `The server does not support the requested REST API version.${quoted}`, options);
    }
    const reason: AzureDevOpsErrorReason = { kind: "bad_request", status };
    if (body?.typeKey !== undefined) {
      reason.typeKey = body.typeKey;
    }
    return new AzureDevOpsError(reason, `Azure DevOps rejected the request (HTTP ${status}).${quoted}`, options);
  }
  if (status >= 500) {
    return new AzureDevOpsError({ kind: "server_error", status }, `The server had an internal error (HTTP ${status}). Try again later.${quoted}`, options);
  }
  return new AzureDevOpsError({ kind: "unexpected_status", status }, `The server answered with an unexpected HTTP ${status}.${quoted}`, options);
}

/** Turns a guardedRequest failure into an AzureDevOpsError (network, or an HTTP answer that was not JSON). */
export function errorFromFailure(failure: GuardedFailure, method: string, url: string, now?: number): AzureDevOpsError {
  const options: AzureDevOpsErrorOptions = { method, url };
  if (failure.kind === "not_json") {
    const { status } = failure;
    // Never read or quote the body: it is not Azure DevOps' (or is a sign-in page).
    if (status === 203) {
      return signInPageError(method, url);
    }
    if (status === 401) {
      return new AzureDevOpsError({ kind: "unauthorized", unauthorized: "invalid", status }, `${failure.host} refused the credentials (HTTP 401).`, options);
    }
    if (status === 429) {
      const seconds = secondsFromRetryAfter(failure.retryAfter, now);
      const reason: AzureDevOpsErrorReason = { kind: "rate_limited", status };
      if (seconds !== undefined) {
        reason.retryAfterSeconds = seconds;
      }
      return new AzureDevOpsError(reason, `${failure.host} is rate-limiting Keel${retryText(seconds)}.`, options);
    }
    if (status >= 500) {
      return new AzureDevOpsError({ kind: "server_error", status }, `${failure.host} had an internal error (HTTP ${status}). Try again later.`, options);
    }
    return new AzureDevOpsError({ kind: "not_azure_devops", status, contentType: failure.contentType }, failure.message, options);
  }
  const reason: AzureDevOpsErrorReason & { kind: "network" } = { kind: "network", failure: networkKind(failure), host: failure.host, port: failure.port };
  switch (failure.kind) {
    case "tls":
      reason.tls = failure.tls;
      break;
    case "timeout":
      reason.phase = failure.phase;
      break;
    case "redirect":
      if (failure.location !== undefined) {
        reason.location = failure.location;
      }
      break;
    case "blocked":
      reason.rule = failure.rule;
      if (failure.range !== undefined) {
        reason.range = failure.range;
      }
      break;
    case "invalid_url":
      reason.rule = failure.rule;
      break;
    case "dns":
      reason.code = failure.code;
      break;
    case "network":
      if (failure.code !== undefined) {
        reason.code = failure.code;
      }
      break;
    default:
      break;
  }
  return new AzureDevOpsError(reason, failure.message, options);
}

/** 203 Non-Authoritative: a sign-in page instead of an API answer (docs/azure-devops-facts.md §2.2), whatever its body. */
export function signInPageError(method: string, url: string): AzureDevOpsError {
  return new AzureDevOpsError(
    { kind: "unauthorized", unauthorized: "sign_in_page", status: 203 },
    "Azure DevOps answered with a sign-in page (HTTP 203) instead of data: the token was not accepted.",
    { method, url },
  );
}

/** The message for a 2xx answer whose JSON is not the Azure DevOps resource that was asked for. */
export function notAzureDevOpsMessage(url: string, status: number): string {
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // keep the text as is
  }
  return `${host} did not answer like Azure DevOps (HTTP ${status}, JSON of another kind). Check the server URL, path prefix and collection.`;
}

// ---------------------------------------------------------------------------------------------

function unauthorizedError(input: HttpErrorInput, adoMessage: string | undefined, options: AzureDevOpsErrorOptions, quoted: string): AzureDevOpsError {
  const { status } = input;
  const message = adoMessage ?? "";
  const make = (unauthorized: UnauthorizedKind, text: string, userId?: string): AzureDevOpsError => {
    const reason: AzureDevOpsErrorReason = { kind: "unauthorized", unauthorized, status };
    if (userId !== undefined) {
      reason.userId = userId;
    }
    return new AzureDevOpsError(reason, text, options);
  };
  if (/\bTF401444\b/.test(message)) {
    // "Please sign-in at least once as {tenant}\\{tenant}\\{object id} in a web browser…": Azure DevOps
    // knows the service principal's tenant but the principal is no user of this organization.
    const objectId = [...message.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi)].at(-1)?.[0];
    return make("principal_not_added", `The service principal has not been added to this organization.${quoted}`, objectId);
  }
  if (/\bhas expired\b|\btoken (?:is )?expired\b/i.test(message)) {
    return make("expired", `The token has expired.${quoted}`);
  }
  if (/\brevoked\b/i.test(message)) {
    return make("revoked", `The token has been revoked.${quoted}`);
  }
  const userId = userInNotAuthorized(message);
  if (userId !== null && userId !== "") {
    if (input.authenticatedUserId !== undefined && input.authenticatedUserId.toLowerCase() === userId.toLowerCase()) {
      // The same user passed connectionData: they are in, so this route needs a scope the token lacks.
      const reason: AzureDevOpsErrorReason = { kind: "missing_scope", status, userId };
      return new AzureDevOpsError(reason, `The token is valid but lacks a scope this request needs.${quoted}`, options);
    }
    if (input.credentialKind === "bearer") {
      return make("oauth_policy", `The OAuth token was refused for this organization.${quoted}`, userId);
    }
    return make("not_member", `The token's user has no access to this organization or collection.${quoted}`, userId);
  }
  return make("invalid", `Azure DevOps did not accept the token.${quoted}`);
}

function networkKind(failure: GuardedFailure): NetworkFailureKind {
  switch (failure.kind) {
    case "dns":
    case "refused":
    case "reset":
    case "timeout":
    case "tls":
    case "redirect":
    case "blocked":
    case "too_large":
    case "invalid_url":
    case "aborted":
      return failure.kind;
    default:
      return "other";
  }
}

function rateLimitOf(headers: HeaderBag, now: number = Date.now()): { retryAfterSeconds?: number; resetAt?: string } {
  const info = readRateLimit(headers, now);
  const result: { retryAfterSeconds?: number; resetAt?: string } = {};
  if (info?.retryAfterMs !== undefined) {
    result.retryAfterSeconds = Math.ceil(info.retryAfterMs / 1000);
  } else if (info?.resetAt !== undefined) {
    result.retryAfterSeconds = Math.max(0, Math.ceil((info.resetAt.getTime() - now) / 1000));
  }
  if (info?.resetAt !== undefined) {
    result.resetAt = info.resetAt.toISOString();
  }
  return result;
}

function secondsFromRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  const ms = parseRetryAfter(value, now);
  return ms === null ? undefined : Math.ceil(ms / 1000);
}

function retryText(seconds: number | undefined): string {
  return seconds === undefined ? "" : `; retry in ${seconds} s`;
}

function headerValue(headers: HeaderBag, name: string): string | undefined {
  if (typeof Headers !== "undefined" && headers instanceof Headers) {
    return headers.get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | string[] | undefined>>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > 400 ? `${oneLine.slice(0, 400)}…` : oneLine;
}
