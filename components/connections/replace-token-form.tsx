"use client";

import { useActionState } from "react";
import { TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/**
 * Replace a PAT: the new token is checked before it replaces the old one, which stays in place
 * (and keeps working) when the check fails. The token field is never echoed back.
 */
export function ReplaceTokenForm({ action, minDate, deploymentType, collection }: { action: Action; minDate: string; deploymentType: "SERVICES" | "SERVER"; collection: string }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const values = state.status === "error" ? state.values : {};
  return (
    <form action={formAction} noValidate className="space-y-4" aria-label="Replace token">
      <TextField
        label="New Personal Access Token"
        name="token"
        type="password"
        autoComplete="off"
        spellCheck={false}
        required
        errors={errors.token}
        hint={
          // Azure DevOps Server's token dialog has no organization to choose: a token reaches the collections its user does.
          deploymentType === "SERVICES"
            ? `Create it in Azure DevOps for this organization only (under Organization choose ${collection}, not “All accessible organizations”), with Code (Read & Status), Identity (Read) and Notifications (Read).`
            : "Create it on the server (User settings → Personal access tokens) with Code (Read & Status), Identity (Read) and Notifications (Read)."
        }
      />
      <TextField
        label="Token expiry date"
        name="tokenExpiresAt"
        type="date"
        min={minDate}
        optional
        defaultValue={values.tokenExpiresAt ?? ""}
        errors={errors.tokenExpiresAt}
        hint="As shown in Azure DevOps. Keel reminds the owner and the admins 30, 7 and 1 days before."
      />
      <SubmitButton pendingLabel="Checking the new token…">Replace token</SubmitButton>
      <div aria-live="polite">
        <FormMessage state={state} />
      </div>
    </form>
  );
}
