"use client";

import { useActionState } from "react";
import { SelectField, TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** Edit a build profile's name, target platform and default branch. */
export function EditProfileForm({
  action,
  initial,
  platforms,
}: {
  action: Action;
  initial: { name: string; platform: string; defaultBranch: string };
  platforms: readonly { value: string; label: string }[];
}) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const values = state.status === "error" ? { ...initial, ...state.values } : initial;
  const errors = state.status === "error" ? state.fieldErrors : {};
  return (
    <form action={formAction} noValidate className="max-w-xl space-y-5" aria-label="Edit build profile">
      <FormMessage state={state} />
      <TextField label="Name" name="name" required maxLength={100} defaultValue={values.name} errors={errors.name} />
      <SelectField label="Target platform" name="platform" defaultValue={values.platform} errors={errors.platform} hint="A profile without its own workflow uses the new platform's default steps.">
        {platforms.map((platform) => (
          <option key={platform.value} value={platform.value}>
            {platform.label}
          </option>
        ))}
      </SelectField>
      <TextField
        label="Default branch"
        name="defaultBranch"
        optional
        maxLength={250}
        defaultValue={values.defaultBranch}
        errors={errors.defaultBranch}
        hint="The branch Start build offers first, e.g. main. Leave empty for none."
        className="font-mono"
      />
      <SubmitButton pendingLabel="Saving…">Save changes</SubmitButton>
    </form>
  );
}
