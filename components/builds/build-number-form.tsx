"use client";

import { useActionState } from "react";
import { TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/**
 * "Next build number" on the workflow page (admins): where the profile's numbering continues,
 * for a team that moves from another CI and must stay above the build numbers it uploaded.
 */
export function BuildNumberForm({ action, next }: { action: Action; next: number }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const sent = state.status === "error" ? state.values : null;
  return (
    // A new number from the server starts the field again from it.
    <form key={next} action={formAction} className="space-y-3">
      <div className="max-w-xs">
        <TextField
          label="Next build number"
          name="nextNumber"
          inputMode="numeric"
          autoComplete="off"
          defaultValue={sent?.nextNumber ?? String(next)}
          errors={errors.nextNumber}
          hint="Numbers only go up, so no two builds share one."
          required
        />
      </div>
      <SubmitButton variant="secondary" pendingLabel="Saving…">
        Save build number
      </SubmitButton>
      <div aria-live="polite">{state.status !== "idle" ? <FormMessage state={state} /> : null}</div>
    </form>
  );
}
