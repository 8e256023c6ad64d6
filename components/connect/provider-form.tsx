"use client";

import { useActionState } from "react";
import { AzureDevOpsLogo } from "@/components/icons/provider-logos";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { FieldErrors } from "@/components/ui/field";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

const choices = [
  {
    value: "SERVICES",
    title: "Azure DevOps Services",
    description: "The cloud service at dev.azure.com (or an older {organization}.visualstudio.com address).",
  },
  {
    value: "SERVER",
    title: "Azure DevOps Server",
    description: "Your own server, version 2020 or newer, e.g. https://devops.example.com/DefaultCollection or …/tfs/DefaultCollection.",
  },
];

/** Step 1: which Azure DevOps. */
export function ProviderForm({ action }: { action: Action }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  return (
    <form action={formAction} className="space-y-5">
      <FormMessage state={state} />
      <fieldset aria-describedby={errors.provider ? "provider-error" : undefined}>
        <legend className="mb-3 text-base font-semibold text-slate-900">Where are your repositories?</legend>
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          {choices.map((choice, index) => (
            <label key={choice.value} className="flex cursor-pointer gap-3 rounded-lg border border-slate-300 bg-white p-4 has-[:checked]:border-brand-600 has-[:checked]:ring-1 has-[:checked]:ring-brand-600">
              <input type="radio" name="provider" value={choice.value} defaultChecked={index === 0} className="mt-1" />
              <span className="min-w-0">
                <span className="flex items-center gap-2 font-medium text-slate-900">
                  <AzureDevOpsLogo />
                  {choice.title}
                </span>
                <span className="mt-1 block text-sm text-slate-600">{choice.description}</span>
              </span>
            </label>
          ))}
        </div>
        <FieldErrors id="provider-error" errors={errors.provider} spaced />
      </fieldset>
      <SubmitButton pendingLabel="Starting…">Continue</SubmitButton>
    </form>
  );
}
