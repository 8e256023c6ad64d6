"use client";

import { useActionState } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** "Keep forever" (a release: its log and artifacts are never deleted), or "Stop keeping" for a kept build. */
export function KeepButton({ action, kept }: { action: Action; kept: boolean }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  return (
    <form action={formAction} className="flex flex-col items-end gap-2">
      <input type="hidden" name="keep" value={kept ? "no" : "yes"} />
      <SubmitButton variant="secondary" pendingLabel="Saving…">
        {kept ? "Stop keeping" : "Keep forever"}
      </SubmitButton>
      <FormMessage state={state} />
    </form>
  );
}
