"use client";

import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { CopyBlock } from "@/components/ui/copy-block";
import { CopyField } from "@/components/ui/copy-field";
import { SelectField, TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { API_TOKEN_LIFETIMES, DEFAULT_API_TOKEN_DAYS } from "@/lib/shared/api-tokens";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/**
 * "New token": a name and how long it lasts. The answer shows the token once, with the command
 * that starts a build with it (the token goes in an environment variable, not in the command).
 */
export function CreateApiTokenForm({ action, origin }: { action: Action; origin: string }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const sent = state.status === "error" ? state.values : null;
  const token = state.status === "success" ? state.data?.token : undefined;
  return (
    <div className="space-y-4">
      {token ? (
        <Alert tone="success" title={`Your new token “${state.status === "success" ? (state.data?.name ?? "") : ""}”`}>
          <div className="space-y-3">
            <p>{state.status === "success" ? state.message : null} Keep it where your script keeps secrets (a CI secret variable); if it is lost, revoke it and create another.</p>
            <CopyField label="API token" id="new-api-token" value={token} />
            <CopyBlock
              label="Start a build of a profile's default branch"
              text={`# KEEL_TOKEN: this token, from your CI system's secret variables\ncurl -fsS -X POST \\\n  -H "Authorization: Bearer $KEEL_TOKEN" \\\n  ${origin}/api/v1/profiles/PROFILE_ID/builds`}
              heading={<span className="text-sm font-medium text-slate-800">Use it</span>}
            />
            <p className="text-xs">Each build profile&apos;s page shows this command with its own id, under Start from a script.</p>
          </div>
        </Alert>
      ) : null}
      {/* A fresh form after each token: the next one starts empty. */}
      <form key={token ?? "form"} action={formAction} className="space-y-3" aria-label="New API token">
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-[1fr_12rem]">
          <TextField label="Name" name="name" defaultValue={sent?.name ?? ""} errors={errors.name} maxLength={80} hint="What uses it, for example “Release script” or “Jenkins nightly”." required />
          <SelectField label="Expires after" name="days" defaultValue={sent?.days ?? String(DEFAULT_API_TOKEN_DAYS)} errors={errors.days} hint="You hear a week before it ends.">
            {API_TOKEN_LIFETIMES.map((days) => (
              <option key={days} value={days}>
                {days} days
              </option>
            ))}
          </SelectField>
        </div>
        <label className="flex items-start gap-2 text-sm text-slate-800">
          <input type="checkbox" name="readOnly" className="mt-1" defaultChecked={sent?.readOnly === "on"} aria-describedby="read-only-hint" />
          Read only
        </label>
        <p id="read-only-hint" className="-mt-2 text-xs text-slate-600">
          For a dashboard or a report: it reads profiles, builds and their files, and cannot start, cancel or keep builds — a leaked one changes nothing.
        </p>
        <SubmitButton pendingLabel="Creating…">Create token</SubmitButton>
        <div aria-live="polite">{state.status === "error" ? <FormMessage state={state} /> : null}</div>
      </form>
    </div>
  );
}
