"use client";

import { useActionState } from "react";
import { TextAreaField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Props = { action: (previous: FormState, formData: FormData) => Promise<FormState>; entries: string[] };

/** The organization's own outbound allowlist entries, one per line, saved as a whole. */
export function AllowlistForm({ action, entries }: Props) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  // After a refusal the admin's text comes back as they typed it; otherwise what is stored.
  const text = state.status === "error" && state.values.entries !== undefined ? state.values.entries : entries.join("\n");
  return (
    <form action={formAction} noValidate className="space-y-3" aria-label="Outbound allowlist">
      <FormMessage state={state} />
      <TextAreaField
        key={`${state.status}-${text}`}
        label="Allowed servers"
        name="entries"
        rows={6}
        defaultValue={text}
        errors={errors.entries}
        optional
        hint="One per line: a host (git.example.com), host:port, an IP address, IP:port or a CIDR range (10.20.0.0/16). They apply to this organization's connections."
      />
      <SubmitButton pendingLabel="Saving the allowlist…">Save allowlist</SubmitButton>
    </form>
  );
}
