"use client";

import { useActionState, useId } from "react";
import { Alert } from "@/components/ui/alert";
import { TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { useRadioChoice } from "@/components/ui/use-radio-choice";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** "Reset password" for one member: a one-time link (shown once) or a password the admin sets. */
export function ResetPassword({ memberName, action }: { memberName: string; action: Action }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const { choice: method, radio } = useRadioChoice<"link" | "password">("link");
  const resetUrl = state.status === "success" ? state.data?.resetUrl : undefined;
  // Not from the name: two members may share one.
  const id = useId();
  return (
    <details className="basis-full text-left text-sm">
      <summary className="cursor-pointer text-right font-medium text-brand-700 underline">Reset password of {memberName}</summary>
      <form action={formAction} noValidate className="mt-2 space-y-3 rounded-md border border-slate-200 bg-slate-50 p-3" aria-label={`Reset password of ${memberName}`}>
        {resetUrl ? (
          <Alert tone="success" title={state.status === "success" ? state.message : undefined}>
            <label htmlFor={`reset-url-${id}`} className="sr-only">
              Password reset link
            </label>
            <input id={`reset-url-${id}`} readOnly value={resetUrl} className="w-full rounded border border-emerald-300 bg-white px-2 py-1 font-mono text-xs" onFocus={(event) => event.currentTarget.select()} />
          </Alert>
        ) : (
          <FormMessage state={state} />
        )}
        <p className="text-slate-700">Their current password stops working and they are signed out everywhere.</p>
        <fieldset className="space-y-1">
          <legend className="sr-only">How {memberName} gets a new password</legend>
          <label className="flex items-center gap-2">
            <input type="radio" name="method" {...radio("link")} />
            Create a reset link (they choose a new password)
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="method" {...radio("password")} />
            Set a new password
          </label>
        </fieldset>
        {method === "password" ? (
          <TextField id={`reset-password-${id}`} label="New password" name="password" type="password" autoComplete="new-password" errors={errors.password} hint="At least 12 characters. Share it with the member privately." />
        ) : null}
        <SubmitButton variant="secondary" pendingLabel="Resetting…">
          Reset password
        </SubmitButton>
      </form>
    </details>
  );
}
