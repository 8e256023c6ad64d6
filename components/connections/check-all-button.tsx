"use client";

import { useActionState } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/validation/form";

/** Admins: queue a check of every connection on the job engine now (the scheduled check, on demand). */
export function CheckAllButton({ action }: { action: (previous: FormState, formData: FormData) => Promise<FormState> }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  return (
    <form action={formAction} className="space-y-2">
      <SubmitButton variant="secondary" pendingLabel="Queueing checks…">
        Check all now
      </SubmitButton>
      <div aria-live="polite">{state.status !== "idle" ? <FormMessage state={state} /> : null}</div>
    </form>
  );
}
