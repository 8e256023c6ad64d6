/**
 * The application's one error type for conditions we know about.
 *
 * `message` is written for the person using Keel: it may be shown as is. `details` is for logs
 * and must never carry secrets (tokens, passwords, request headers or bodies of other systems).
 */

/** Every code an AppError can carry; keep this list small so callers can switch over it. */
export const APP_ERROR_CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "INVALID_INPUT",
  "PROVIDER_REJECTED",
  "UNREACHABLE",
  "RATE_LIMITED",
] as const;

export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export type AppErrorDetails = Readonly<Record<string, string | number | boolean | null | undefined>>;

export type AppErrorOptions = {
  /**
   * Expected errors are shown to the user and not logged as failures; unexpected ones are
   * logged once and replaced by a generic message. Defaults to true because an AppError is,
   * by construction, a condition somebody anticipated.
   */
  expected?: boolean;
  details?: AppErrorDetails;
  cause?: unknown;
};

/** A known failure with a user-safe message and a code from {@link APP_ERROR_CODES}. */
export class AppError extends Error {
  override readonly name = "AppError";
  readonly code: AppErrorCode;
  readonly expected: boolean;
  readonly details?: AppErrorDetails;

  constructor(code: AppErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.expected = options.expected ?? true;
    if (options.details !== undefined) {
      this.details = options.details;
    }
  }
}

/** True when `value` is an AppError (optionally with the given code). */
export function isAppError(value: unknown, code?: AppErrorCode): value is AppError {
  if (!(value instanceof AppError)) {
    return false;
  }
  return code === undefined || value.code === code;
}

