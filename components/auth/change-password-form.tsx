"use client";

import { useActionState } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { TextField } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Props = { email: string; action: (previous: FormState, formData: FormData) => Promise<FormState> };

/** The signed-in user's "Change password": current password, the new one twice. */
export function ChangePasswordForm({ email, action }: Props) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  return (
    <form action={formAction} noValidate className="space-y-4" aria-label="Change password">
      <FormMessage state={state} />
      {/* Which account the password is for, to a password manager (hidden from people: the page
          says it). No name: it is not sent, and the action refuses fields it does not know. */}
      <input type="text" autoComplete="username" value={email} readOnly hidden />
      <TextField label="Current password" name="current" type="password" required autoComplete="current-password" errors={errors.current} key={`current-${state.status}`} />
      <TextField label="New password" name="password" type="password" required autoComplete="new-password" errors={errors.password} hint="At least 12 characters, not a common password." key={`password-${state.status}`} />
      <TextField label="Repeat the new password" name="confirm" type="password" required autoComplete="new-password" errors={errors.confirm} key={`confirm-${state.status}`} />
      <SubmitButton pendingLabel="Changing the password…">Change password</SubmitButton>
    </form>
  );
}
