"use client";

import { useActionState } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/validation/form";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** "Rebuild this commit": a new build of the same commit (the key makes a double click one build). */
export function RebuildButton({ action, idempotencyKey }: { action: Action; idempotencyKey: string }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  return (
    <form action={formAction} className="flex flex-col items-end gap-2">
      <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
      <SubmitButton variant="secondary" pendingLabel="Queuing…">
        Rebuild this commit
      </SubmitButton>
      <FormMessage state={state} />
    </form>
  );
}
