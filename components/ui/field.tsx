import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";
import { cn } from "./cn";

type FieldShellProps = { id: string; label: string; hint?: ReactNode; errors?: string[]; children: ReactNode; optional?: boolean };

/** Label, control, hint and an aria-live error list wired together by ids. */
export function FieldShell({ id, label, hint, errors, children, optional }: FieldShellProps) {
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
        {optional ? <span className="ml-1 font-normal text-slate-500">(optional)</span> : null}
      </label>
      {children}
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-slate-600">
          {hint}
        </p>
      ) : null}
      <FieldErrors id={`${id}-error`} errors={errors} />
    </div>
  );
}

/**
 * A field's error messages, announced as they change (aria-live). `id` is what the field's
 * aria-describedby names; `spaced` sets them apart from a group of choices above.
 */
export function FieldErrors({ id, errors, spaced }: { id?: string; errors?: string[]; spaced?: boolean }) {
  return (
    <div id={id} aria-live="polite">
      {errors?.map((message) => (
        <p key={message} className={spaced ? "mt-2 text-sm text-red-700" : "text-sm text-red-700"}>
          {message}
        </p>
      ))}
    </div>
  );
}

const controlClasses = (invalid: boolean) =>
  cn(
    "block w-full rounded-md border bg-white px-3 py-2 text-sm shadow-sm placeholder:text-slate-400 focus:border-brand-600 focus:outline-none focus:ring-1 focus:ring-brand-600",
    invalid ? "border-red-600" : "border-slate-300",
  );

type CommonProps = { label: string; hint?: ReactNode; errors?: string[]; optional?: boolean };

function describedBy(id: string, hint: unknown, errors?: string[]) {
  return [hint ? `${id}-hint` : null, errors?.length ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
}

/** A labelled text input with hint and field errors. */
export function TextField({ label, hint, errors, optional, id, name, className, ...rest }: CommonProps & InputHTMLAttributes<HTMLInputElement>) {
  const fieldId = id ?? `field-${name}`;
  const invalid = Boolean(errors?.length);
  return (
    <FieldShell id={fieldId} label={label} hint={hint} errors={errors} optional={optional}>
      <input
        id={fieldId}
        name={name}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy(fieldId, hint, errors)}
        className={cn(controlClasses(invalid), className)}
        {...rest}
      />
    </FieldShell>
  );
}

/** A labelled select with hint and field errors. */
export function SelectField({ label, hint, errors, optional, id, name, className, children, ...rest }: CommonProps & SelectHTMLAttributes<HTMLSelectElement>) {
  const fieldId = id ?? `field-${name}`;
  const invalid = Boolean(errors?.length);
  return (
    <FieldShell id={fieldId} label={label} hint={hint} errors={errors} optional={optional}>
      <select
        // React applies a select's defaultValue only when it mounts, and resets a form after each
        // answer to its options' first defaults (a refused choice, or a saved one, came back as
        // the old option): a new default mounts the select anew.
        key={rest.value === undefined ? String(rest.defaultValue ?? "") : undefined}
        id={fieldId}
        name={name}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy(fieldId, hint, errors)}
        className={cn(controlClasses(invalid), className)}
        {...rest}
      >
        {children}
      </select>
    </FieldShell>
  );
}

/** A labelled textarea with hint and field errors; monospaced (commands, values) unless `mono` is false (prose). */
export function TextAreaField({ label, hint, errors, optional, id, name, className, mono = true, ...rest }: CommonProps & TextareaHTMLAttributes<HTMLTextAreaElement> & { mono?: boolean }) {
  const fieldId = id ?? `field-${name}`;
  const invalid = Boolean(errors?.length);
  return (
    <FieldShell id={fieldId} label={label} hint={hint} errors={errors} optional={optional}>
      <textarea
        id={fieldId}
        name={name}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy(fieldId, hint, errors)}
        className={cn(controlClasses(invalid), mono && "font-mono", className)}
        {...rest}
      />
    </FieldShell>
  );
}
