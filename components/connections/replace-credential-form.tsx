"use client";

import { useActionState } from "react";
import { TextAreaField, TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/validation/form";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** Replace a service principal's client secret or certificate; the connection is checked again right after. */
export function ReplaceCredentialForm({ action, kind }: { action: Action; kind: "CLIENT_SECRET" | "CERTIFICATE" }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const values = state.status === "error" ? state.values : {};
  const errors = state.status === "error" ? state.fieldErrors : {};
  return (
    <form action={formAction} noValidate className="space-y-4" aria-label={kind === "CLIENT_SECRET" ? "Replace client secret" : "Replace certificate"}>
      <FormMessage state={state} />
      {kind === "CLIENT_SECRET" ? (
        <>
          <TextField label="New client secret" name="clientSecret" type="password" autoComplete="off" spellCheck={false} required errors={errors.clientSecret} hint="The new secret's Value. The old one keeps working in Entra until you delete it there." />
          <TextField label="Secret expiry date" name="secretExpiresAt" type="date" required defaultValue={values.secretExpiresAt} errors={errors.secretExpiresAt} />
        </>
      ) : (
        <>
          <TextAreaField label="New certificate (PEM)" name="certificatePem" rows={4} spellCheck={false} defaultValue={values.certificatePem} errors={errors.certificatePem} hint="Upload it to the app registration first (Certificates & secrets)." />
          <TextAreaField label="Its private key (PEM)" name="privateKeyPem" rows={4} spellCheck={false} autoComplete="off" errors={errors.privateKeyPem} />
        </>
      )}
      <SubmitButton variant="secondary" pendingLabel="Replacing and checking the connection…">
        {kind === "CLIENT_SECRET" ? "Replace client secret" : "Replace certificate"}
      </SubmitButton>
    </form>
  );
}
