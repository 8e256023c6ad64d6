import "server-only";
import { isAppError, type AppErrorCode } from "@/lib/errors";
import { logger } from "@/lib/logger";
import type { ErrorCode } from "@/lib/validation/form";

const log = logger("entry");

/** What the caller may be told about a failure. */
export type SafeFailure = {
  code: ErrorCode;
  message: string;
  /** The form field an expected failure is about (an AppError's `details.field`). */
  field?: string;
};

/** Said when nothing more specific may be said. */
export const GENERIC_FAILURE = "Something went wrong on Keel's side. Try again; if it keeps happening, tell whoever runs Keel.";

/**
 * The one mapping from anything an entry point throws to what its caller sees: an expected
 * AppError keeps its code and message (written for users); anything else — a bug, a driver
 * error, an AppError marked unexpected — is logged once under the entry's label and replaced
 * by a generic message, so no internal detail reaches a browser.
 */
export function safeFailure(label: string, error: unknown, unexpected: string = GENERIC_FAILURE): SafeFailure {
  if (isAppError(error) && error.expected) {
    const field = typeof error.details?.field === "string" ? error.details.field : undefined;
    return { code: error.code, message: error.message, ...(field ? { field } : {}) };
  }
  log.error({ err: error, entry: label }, `${label} failed unexpectedly`);
  return { code: "UNEXPECTED", message: unexpected };
}

/** The HTTP status of a failure code, for route handlers. */
export function statusOf(code: ErrorCode): number {
  const statuses: Record<AppErrorCode | "UNEXPECTED", number> = {
    UNAUTHENTICATED: 401,
    FORBIDDEN: 403,
    NOT_FOUND: 404,
    CONFLICT: 409,
    INVALID_INPUT: 400,
    PROVIDER_REJECTED: 502,
    UNREACHABLE: 502,
    RATE_LIMITED: 429,
    UNEXPECTED: 500,
  };
  return statuses[code];
}
