// Shared pieces for validating form input on the server. Every user-typed field
// passes through one of these builders, so limits and messages are uniform: each
// failure names the field and says how to fix it.
import { z } from "zod";
import type { FieldErrors, FormState } from "@/lib/shared/form-state";
import { CONTROL_OR_INVISIBLE } from "@/lib/shared/names";

// Control characters (tab and newlines included: none of Keel's one-line fields may contain
// them) and the invisible format characters (zero-width, bidi) that disguise text.
const CONTROL = CONTROL_OR_INVISIBLE;

/** A trimmed single-line text field with a label used in its messages. */
export function textField(label: string, options: { min?: number; max: number }) {
  const min = options.min ?? 1;
  return z
    .string({ error: `${label} is required` })
    .transform((value) => value.trim())
    .pipe(
      z
        .string()
        .min(min, min <= 1 ? `${label} is required` : `${label} must be at least ${min} characters`)
        .max(options.max, `${label} must be at most ${options.max} characters`)
        .refine((value) => !CONTROL.test(value), `${label} must not contain control characters or line breaks, nor invisible characters (zero-width or text-direction marks)`),
    );
}


/** An email address, lower-cased. */
/**
 * A calendar date typed as yyyy-mm-dd, as UTC midnight of that day; null when it is not one.
 * JavaScript's date parser rolls 2027-02-30 over to March 2: the day must survive the round trip.
 */
export function calendarDate(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return null;
  }
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value ? date : null;
}

/**
 * A filter's day (`from`/`to` of a list or an export), yyyy-mm-dd in UTC: the start of that day,
 * or with `endOfDay` the start of the next, so "to 2026-12-04" includes that whole day. `label`
 * starts its messages; null for the token API, which puts the parameter's name before them.
 */
export function dayFilterField(label: string | null, endOfDay: boolean) {
  const must = label ? `${label} must` : "must";
  return z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${must} be a date like 2026-12-01`)
    .transform((value, ctx) => {
      const day = calendarDate(value);
      if (!day) {
        ctx.addIssue({ code: "custom", message: `${must} be a real date` });
        return z.NEVER;
      }
      return new Date(day.getTime() + (endOfDay ? 86_400_000 : 0));
    });
}

/** A button's hidden yes/no field (Keep forever, Watch): true for "yes"; anything else was not sent by the page. */
export const yesNoField = z.enum(["yes", "no"], { error: "Reload the page and try again" }).transform((value) => value === "yes");

export const emailField = z
  .string({ error: "Email is required" })
  .transform((value) => value.trim().toLowerCase())
  .pipe(
    z
      .string()
      .min(1, "Email is required")
      .max(254, "Email must be at most 254 characters")
      .refine((value) => !CONTROL.test(value), "Email must not contain control characters")
      .pipe(z.email("Enter an email address like name@example.com")),
  );

export { idleState, type ErrorCode, type FieldErrors, type FormState } from "@/lib/shared/form-state";

/** The error state of a form: what every action returns for an expected failure. */
export type ErrorState = Extract<FormState, { status: "error" }>;

/** Builds an ErrorState: a message, per-field errors, and the non-secret values to echo. */
export function errorState(message: string, fieldErrors: FieldErrors = {}, values: Record<string, string> = {}): ErrorState {
  return { status: "error", message, fieldErrors, values };
}

/**
 * Reads a FormData into a plain object of the allowed keys. Next.js adds its own
 * `$ACTION_…` keys for progressive enhancement; anything else unknown is reported so
 * the action can refuse it with a message instead of silently ignoring it.
 */
export function readForm(formData: FormData, allowed: readonly string[]): { values: Record<string, string>; unknown: string[] } {
  const values: Record<string, string> = {};
  const unknown: string[] = [];
  for (const [key, value] of formData.entries()) {
    if (key.startsWith("$ACTION")) {
      continue;
    }
    if (!allowed.includes(key)) {
      unknown.push(key);
      continue;
    }
    if (typeof value !== "string") {
      unknown.push(key);
      continue;
    }
    if (key in values) {
      // A repeated key is a tampered form: keep the first, report the field.
      unknown.push(key);
      continue;
    }
    values[key] = value;
  }
  return { values, unknown: [...new Set(unknown)] };
}

/** Field errors from a zod error, keyed by field name (zod 4 `flattenError`). */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const flat = z.flattenError(error);
  const out: FieldErrors = {};
  for (const [key, messages] of Object.entries(flat.fieldErrors)) {
    if (Array.isArray(messages) && messages.length > 0) {
      out[key] = messages as string[];
    }
  }
  if (flat.formErrors.length > 0) {
    out._form = flat.formErrors;
  }
  return out;
}

/** Echo of the non-secret values (never passwords or tokens), bounded in size, so a failed form keeps them. */
export function echoValues(values: Record<string, string>, secretKeys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (!secretKeys.includes(key)) {
      out[key] = value.slice(0, 2_000);
    }
  }
  return out;
}

type ParseResult<T> = { ok: true; data: T } | { ok: false; state: Extract<FormState, { status: "error" }> };

/** Reads, checks for unknown fields, and validates a form against a schema in one step. */
export function parseForm<S extends z.ZodType>(
  formData: FormData,
  schema: S,
  options: { fields: readonly string[]; secretFields?: readonly string[] },
): ParseResult<z.infer<S>> {
  const { values, unknown } = readForm(formData, options.fields);
  const echoed = echoValues(values, options.secretFields ?? []);
  if (unknown.length > 0) {
    return {
      ok: false,
      state: {
        status: "error",
        message: `The form had unexpected field${unknown.length > 1 ? "s" : ""}: ${unknown.slice(0, 5).map((k) => k.slice(0, 40)).join(", ")}. Reload the page and try again.`,
        fieldErrors: { _form: ["Unexpected fields were sent"] },
        values: echoed,
      },
    };
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    return {
      ok: false,
      state: { status: "error", message: "Check the highlighted fields.", fieldErrors: fieldErrorsOf(parsed.error), values: echoed },
    };
  }
  return { ok: true, data: parsed.data };
}
