"use client";

import { useActionState } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

/**
 * One button bound to a server action (Replay, Backfill, Rebuild, Keep forever, a row's Remove),
 * with its pending label, the hidden fields it sends (a form key, a choice) and the action's
 * answer. `formLabel` and `buttonLabel` name the form and the button for screen readers when the
 * visible label alone does not say what it acts on (a list of "Remove" buttons).
 */
export function ActionButton({
  action,
  label,
  pendingLabel,
  fields = {},
  variant = "secondary",
  className = "space-y-2",
  buttonClassName,
  formLabel,
  buttonLabel,
}: {
  action: (previous: FormState, formData: FormData) => Promise<FormState>;
  label: string;
  pendingLabel: string;
  fields?: Record<string, string>;
  variant?: "primary" | "secondary" | "ghost";
  className?: string;
  buttonClassName?: string;
  formLabel?: string;
  buttonLabel?: string;
}) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  return (
    <form action={formAction} className={className} aria-label={formLabel}>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <SubmitButton variant={variant} pendingLabel={pendingLabel} className={buttonClassName} aria-label={buttonLabel}>
        {label}
      </SubmitButton>
      <div aria-live="polite">{state.status !== "idle" ? <FormMessage state={state} /> : null}</div>
    </form>
  );
}
