"use client";

import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { CopyField } from "@/components/ui/copy-field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** "Replace the signing secret": the answer shows the new secret once. */
export function RotateSecret({ action }: { action: Action }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const secret = state.status === "success" ? state.data?.secret : undefined;
  return (
    <div className="space-y-3">
      {secret ? (
        <Alert tone="success" title="New signing secret">
          <div className="space-y-3">
            <p>{state.status === "success" ? state.message : null}</p>
            <CopyField label="Signing secret" id="rotated-webhook-secret" value={secret} />
          </div>
        </Alert>
      ) : null}
      <form action={formAction}>
        <SubmitButton variant="secondary" pendingLabel="Replacing…">
          Replace the signing secret
        </SubmitButton>
      </form>
      {state.status === "error" ? <FormMessage state={state} /> : null}
    </div>
  );
}
