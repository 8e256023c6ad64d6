"use client";

import { useActionState } from "react";
import { TextAreaField, TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { WORKFLOW_LIMITS } from "@/lib/shared/workflow";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** "New variable group": a name and what it is for; its page then takes the variables. The key makes a double click one group. */
export function CreateVariableGroupForm({ action, idempotencyKey }: { action: Action; idempotencyKey: string }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const sent = state.status === "error" ? state.values : null;
  return (
    <form action={formAction} className="space-y-3" aria-label="New variable group">
      <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
      <TextField label="Name" name="name" defaultValue={sent?.name ?? ""} errors={errors.name} maxLength={WORKFLOW_LIMITS.groupName} hint="For example “iOS signing” or “Play Store”." required />
      <TextAreaField label="Description" name="description" defaultValue={sent?.description ?? ""} errors={errors.description} maxLength={WORKFLOW_LIMITS.groupDescription} rows={2} optional hint="What the values are for and who owns them." />
      <SubmitButton pendingLabel="Creating…">Create variable group</SubmitButton>
      <div aria-live="polite">{state.status === "error" ? <FormMessage state={state} /> : null}</div>
    </form>
  );
}
