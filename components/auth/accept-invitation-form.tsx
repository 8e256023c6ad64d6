"use client";

import { signIn } from "next-auth/react";
import { useActionState } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { TextField } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Props = { email: string; action: (previous: FormState, formData: FormData) => Promise<FormState> };

/** Sets the invited member's password, then signs them in. */
export function AcceptInvitationForm({ email, action }: Props) {
  const [state, formAction] = useActionState(async (previous: FormState, formData: FormData) => {
    const result = await action(previous, formData);
    if (result.status === "success") {
      await signIn("credentials", { email, password: String(formData.get("password")), callbackUrl: "/connections" });
    }
    return result;
  }, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  return (
    <form action={formAction} noValidate className="space-y-5">
      <FormMessage state={state} />
      {/* Read-only, not disabled, and marked as the username: a password manager saves the new
          password for this account. No name: it is shown, not sent (the form sends the passwords only). */}
      <TextField label="Email" id="invitation-email" value={email} readOnly autoComplete="username" />
      <TextField label="New password" name="password" type="password" required autoComplete="new-password" errors={errors.password} hint="At least 12 characters." />
      <TextField label="Repeat the password" name="confirm" type="password" required autoComplete="new-password" errors={errors.confirm} />
      <SubmitButton className="w-full" pendingLabel="Setting your password…">
        Set password and sign in
      </SubmitButton>
    </form>
  );
}
