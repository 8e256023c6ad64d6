"use client";

import { signIn } from "next-auth/react";
import { useActionState } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { TextField } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Props = { action: (previous: FormState, formData: FormData) => Promise<FormState> };

/** First-run form: organization and first admin; signs the new admin in on success. */
export function SetupForm({ action }: Props) {
  const [state, formAction] = useActionState(async (previous: FormState, formData: FormData) => {
    const result = await action(previous, formData);
    if (result.status === "success") {
      // The password is still in this submission's FormData, and nowhere else.
      await signIn("credentials", { email: String(formData.get("email")), password: String(formData.get("password")), callbackUrl: "/connections" });
    }
    return result;
  }, idleState as FormState);
  const values = state.status === "error" ? state.values : {};
  const errors = state.status === "error" ? state.fieldErrors : {};
  return (
    <form action={formAction} noValidate className="space-y-5">
      <FormMessage state={state} />
      <TextField label="Organization name" name="organizationName" required maxLength={100} autoComplete="organization" defaultValue={values.organizationName} errors={errors.organizationName} hint="Usually your company or team, e.g. Fabrikam Mobile." />
      <TextField label="Your name" name="name" required maxLength={100} autoComplete="name" defaultValue={values.name} errors={errors.name} />
      <TextField label="Email" name="email" type="email" required autoComplete="username" defaultValue={values.email} errors={errors.email} />
      <TextField
        label="Password"
        name="password"
        type="password"
        required
        autoComplete="new-password"
        errors={errors.password}
        hint="At least 12 characters. A passphrase of a few unrelated words works well."
      />
      <SubmitButton className="w-full" pendingLabel="Creating your organization…">
        Create organization and admin
      </SubmitButton>
    </form>
  );
}
