"use client";

import Link from "next/link";
import { useActionState } from "react";
import { SelectField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** Hand the connection to another admin of the organization. */
export function ChangeOwnerForm({ action, admins, ownerId }: { action: Action; admins: { id: string; name: string; email: string }[]; ownerId: string | null }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const owner = admins.find((admin) => admin.id === ownerId);
  if (owner && admins.length === 1) {
    // Nobody to hand it to: a select with one choice and a button that changes nothing would say otherwise.
    return (
      <p className="text-sm text-slate-700">
        {owner.name} is the only admin, so there is nobody to hand this connection to yet.{" "}
        <Link href="/settings/members?role=MEMBER&status=ACTIVE" className="font-medium text-brand-700 underline">
          Make another member an admin
        </Link>{" "}
        first.
      </p>
    );
  }
  return (
    <form action={formAction} className="space-y-3" aria-label="Change owner">
      <SelectField label="Owner" name="ownerId" defaultValue={ownerId ?? ""} errors={errors.ownerId} hint="The owner and the admins are told when the connection's status changes or its token is about to expire.">
        {ownerId === null ? (
          <option value="" disabled>
            Nobody (the owner left)
          </option>
        ) : null}
        {admins.map((admin) => (
          <option key={admin.id} value={admin.id}>
            {admin.name} ({admin.email})
          </option>
        ))}
      </SelectField>
      <SubmitButton variant="secondary" pendingLabel="Changing the owner…">
        Change owner
      </SubmitButton>
      <div aria-live="polite">
        <FormMessage state={state} />
      </div>
    </form>
  );
}
