"use client";

import { useActionState } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

/** Issues credentials for a hand-made subscription and shows the password once. */
export function IssueCredentialsButton({ action, eventType }: { action: (previous: FormState, formData: FormData) => Promise<FormState>; eventType: string }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  return (
    <form action={formAction} className="space-y-2">
      <SubmitButton variant="secondary" pendingLabel="Creating credentials…">
        Create credentials for a hand-made {eventType} subscription
      </SubmitButton>
      <div aria-live="polite">
        {state.status === "success" && state.data?.password ? (
          <p className="text-sm text-slate-800">
            {state.message} Password: <code className="break-all rounded bg-slate-100 px-1">{state.data.password}</code>
          </p>
        ) : state.status !== "idle" ? (
          <FormMessage state={state} />
        ) : null}
      </div>
    </form>
  );
}
