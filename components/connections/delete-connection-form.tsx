"use client";

import { useActionState, useState } from "react";
import { TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/validation/form";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** Delete a connection: its name must be typed (the server compares it too). */
export function DeleteConnectionForm({ action, name }: { action: Action; name: string }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const [typed, setTyped] = useState("");
  const errors = state.status === "error" ? state.fieldErrors : {};
  return (
    <form action={formAction} className="space-y-4" aria-label="Delete connection">
      <TextField
        label={`Type “${name}” to confirm`}
        name="confirmName"
        autoComplete="off"
        spellCheck={false}
        value={typed}
        onChange={(event) => setTyped(event.target.value)}
        errors={errors.confirmName}
      />
      <SubmitButton variant="danger" disabled={typed.trim() !== name} pendingLabel="Deleting the connection…">
        Delete connection
      </SubmitButton>
      <div aria-live="polite">{state.status === "error" ? <FormMessage state={state} /> : null}</div>
    </form>
  );
}
