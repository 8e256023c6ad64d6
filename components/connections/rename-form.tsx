"use client";

import { useActionState } from "react";
import { TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

/** Rename a connection (an OAuth connection's only editable field). */
export function RenameConnectionForm({ action, name }: { action: (previous: FormState, formData: FormData) => Promise<FormState>; name: string }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const values = state.status === "error" ? state.values : {};
  const errors = state.status === "error" ? state.fieldErrors : {};
  return (
    <form action={formAction} noValidate className="max-w-xl space-y-5" aria-label="Rename connection">
      <FormMessage state={state} />
      <TextField label="Connection Name" name="name" required maxLength={100} defaultValue={values.name ?? name} errors={errors.name} hint="How your team will recognise this connection. Build profiles keep using it." />
      <SubmitButton pendingLabel="Saving…">Save name</SubmitButton>
    </form>
  );
}
