"use client";

import { useActionState, useId } from "react";
import { CopyField } from "@/components/ui/copy-field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

/** For a member who has not joined yet: a new invitation link (earlier ones stop working), with Copy. */
export function InvitationLink({ memberName, action }: { memberName: string; action: (previous: FormState, formData: FormData) => Promise<FormState> }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const url = state.status === "success" ? state.data?.invitationUrl : undefined;
  // Not from the name: two members may share one, and a name is not a valid id.
  const id = useId();
  return (
    <form action={formAction} className="mt-2 space-y-2" aria-label={`New invitation link for ${memberName}`}>
      <FormMessage state={state} />
      {url ? <CopyField label={`Invitation link for ${memberName}`} value={url} id={`${id}-invitation`} /> : null}
      <SubmitButton variant="secondary" pendingLabel="Making a new link…" className="px-2.5 py-1 text-xs">
        {url ? "Make another link" : "New invitation link"}
      </SubmitButton>
    </form>
  );
}
