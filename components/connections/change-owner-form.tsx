"use client";

import { useActionState } from "react";
import { SelectField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/validation/form";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** Hand the connection to another admin of the organization. */
export function ChangeOwnerForm({ action, admins, ownerId }: { action: Action; admins: { id: string; name: string; email: string }[]; ownerId: string | null }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
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
