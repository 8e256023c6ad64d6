"use client";

import { useActionState } from "react";
import { CopyField } from "@/components/ui/copy-field";
import { FormMessage } from "@/components/ui/form-message";
import { FieldErrors, SelectField, TextField } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { useRadioChoice } from "@/components/ui/use-radio-choice";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Props = { action: (previous: FormState, formData: FormData) => Promise<FormState> };

/** Admin form to add a member with an initial password or an invitation link. */
export function AddMemberForm({ action }: Props) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const values = state.status === "error" ? state.values : {};
  const errors = state.status === "error" ? state.fieldErrors : {};
  const { choice: method, radio } = useRadioChoice<"invitation" | "password">("invitation");
  const invitationUrl = state.status === "success" ? state.data?.invitationUrl : undefined;

  return (
    <form action={formAction} noValidate className="space-y-4" aria-label="Add a member">
      <FormMessage state={state} />
      {invitationUrl ? <CopyField label="Invitation link" id="invitation-url" value={invitationUrl} /> : null}
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <TextField label="Name" name="name" required maxLength={100} defaultValue={values.name} errors={errors.name} key={`name-${state.status}`} />
        <TextField label="Email" name="email" type="email" required defaultValue={values.email} errors={errors.email} key={`email-${state.status}`} />
      </div>
      <SelectField label="Role" name="role" defaultValue={values.role ?? "MEMBER"} errors={errors.role} hint="Admins manage connections and members; members use connections to create build profiles.">
        <option value="MEMBER">Member</option>
        <option value="ADMIN">Admin</option>
      </SelectField>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-800">How will they sign in?</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="method" {...radio("invitation")} />
          Create an invitation link (they choose their password)
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="method" {...radio("password")} />
          Set an initial password
        </label>
        <FieldErrors id="field-method-error" errors={errors.method} />
      </fieldset>
      {method === "password" ? (
        <TextField label="Initial password" name="password" type="password" autoComplete="new-password" errors={errors.password} hint="At least 12 characters. Share it with the member privately." />
      ) : null}
      <SubmitButton pendingLabel="Adding member…">Add member</SubmitButton>
    </form>
  );
}
