"use client";

import { useActionState } from "react";
import { TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** "Copy this profile": a name for the copy; the key makes a double click one copy. */
export function DuplicateProfileForm({ action, suggestedName, idempotencyKey }: { action: Action; suggestedName: string; idempotencyKey: string }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const sent = state.status === "error" ? state.values : null;
  return (
    <form action={formAction} className="space-y-3" aria-label="Copy this profile">
      <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
      <TextField label="Name of the copy" name="name" defaultValue={sent?.name ?? suggestedName} errors={errors.name} maxLength={100} required />
      <SubmitButton variant="secondary" pendingLabel="Copying…">
        Copy the profile
      </SubmitButton>
      <div aria-live="polite">{state.status === "error" ? <FormMessage state={state} /> : null}</div>
    </form>
  );
}
