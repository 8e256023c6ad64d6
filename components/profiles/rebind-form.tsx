"use client";

import { useActionState } from "react";
import { SelectField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/validation/form";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

export type RebindChoice = { id: string; label: string; suggested: boolean };

/** Re-bind a profile to another connection; Keel checks through Azure DevOps that it reaches the same repository. */
export function RebindForm({ action, choices }: { action: Action; choices: RebindChoice[] }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const values = state.status === "error" ? state.values : {};
  const first = choices.find((choice) => choice.suggested) ?? choices[0];
  return (
    <form action={formAction} className="space-y-3" aria-label="Re-bind build profile">
      <SelectField label="Connection" name="connectionId" defaultValue={values.connectionId ?? first?.id ?? ""} errors={errors.connectionId} hint="Keel asks Azure DevOps, through this connection, for the repository by its id before anything changes.">
        {choices.map((choice) => (
          <option key={choice.id} value={choice.id}>
            {choice.label}
            {choice.suggested ? " — lists this repository" : ""}
          </option>
        ))}
      </SelectField>
      <SubmitButton pendingLabel="Checking the repository…">Re-bind</SubmitButton>
      <div aria-live="polite">{state.status === "error" ? <FormMessage state={state} /> : null}</div>
    </form>
  );
}
