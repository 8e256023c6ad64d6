// The form-state contract between server actions and their forms (useActionState), apart from
// lib/validation/form.ts so that client components import it without zod: zod's module is about
// 30 KiB of gzip JavaScript that every page would otherwise download and evaluate for a constant.
import type { AppErrorCode } from "@/lib/errors";

export type FieldErrors = Record<string, string[]>;

/** Why an action failed, when the entry wrapper (lib/entry) decided it: an AppError's code, or UNEXPECTED. */
export type ErrorCode = AppErrorCode | "UNEXPECTED";

/** The typed result every server action returns to its form (useActionState). */
export type FormState<V extends Record<string, string> = Record<string, string>> =
  | { status: "idle" }
  | { status: "error"; code?: ErrorCode; message: string; fieldErrors: FieldErrors; values: Partial<V> }
  | { status: "success"; message: string; values?: Partial<V>; data?: Record<string, string> };

/** The state of a form before its first submission. */
export const idleState = { status: "idle" } as const;
