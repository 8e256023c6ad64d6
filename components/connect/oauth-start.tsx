"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { Button } from "@/components/ui/button";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { OAuthProviderLogo } from "@/components/icons/provider-logos";
import { FieldErrors } from "@/components/ui/field";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

export type OAuthProviderChoice = { id: "microsoft-entra-id" | "azure-devops"; label: string; description: string };

type Props = {
  action: Action;
  /** The configured providers; one is shown as a fixed choice, several as radios. */
  providers: OAuthProviderChoice[];
  /** Pre-selected provider (the one used last). */
  initial?: string | null;
  submitLabel: string;
  variant?: "primary" | "secondary";
  /** Set to false when the action decides the provider (re-authorize). */
  chooseProvider?: boolean;
};

/**
 * Leaves Keel for the consent page: the server action records the intent, then next-auth's
 * client starts the sign-in (a POST with its CSRF token) and the browser goes to the provider.
 * The button stays busy until the page is gone.
 */
export function OAuthStart({ action, providers, initial, submitLabel, variant = "primary", chooseProvider = true }: Props) {
  const [state, setState] = useState<FormState>(idleState);
  const [leaving, setLeaving] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  // A client form action (React wraps it in a transition, so the submit button shows pending).
  const submit = async (formData: FormData) => {
    setFailed(null);
    const result = await action(idleState, formData);
    setState(result);
    if (result.status !== "success" || !result.data?.provider) {
      return;
    }
    setLeaving(true);
    try {
      await signIn(result.data.provider, { callbackUrl: result.data.callbackUrl });
    } catch {
      setLeaving(false);
      setFailed("Keel could not open the sign-in page. Check your connection and try again.");
    }
  };
  const selected = initial && providers.some((provider) => provider.id === initial) ? initial : providers[0]?.id;
  const errors = state.status === "error" ? state.fieldErrors : {};
  return (
    <form action={submit} className="space-y-4">
      {state.status === "error" ? <FormMessage state={state} /> : null}
      {failed ? <FormMessage state={{ status: "error", message: failed, fieldErrors: {}, values: {} }} /> : null}
      {chooseProvider && providers.length > 1 ? (
        <fieldset>
          <legend className="mb-2 text-sm font-semibold text-slate-900">Sign in with</legend>
          <div className="grid grid-cols-1 gap-3">
            {providers.map((provider) => (
              <label key={provider.id} className="flex cursor-pointer gap-3 rounded-lg border border-slate-300 bg-white p-4 has-[:checked]:border-brand-600 has-[:checked]:ring-1 has-[:checked]:ring-brand-600">
                <input type="radio" name="provider" value={provider.id} defaultChecked={provider.id === selected} className="mt-1" />
                <span className="min-w-0">
                  <span className="flex items-center gap-2 font-medium text-slate-900">
                    <OAuthProviderLogo provider={provider.id} />
                    {provider.label}
                  </span>
                  <span className="mt-1 block text-sm text-slate-600">{provider.description}</span>
                </span>
              </label>
            ))}
          </div>
          <FieldErrors errors={errors.provider} spaced />
        </fieldset>
      ) : chooseProvider && selected ? (
        <input type="hidden" name="provider" value={selected} />
      ) : null}
      {leaving ? (
        <Button type="button" variant={variant} pending pendingLabel="Opening the sign-in page…">
          {submitLabel}
        </Button>
      ) : (
        <SubmitButton variant={variant} pendingLabel="Preparing the sign-in…">
          {submitLabel}
        </SubmitButton>
      )}
      <p aria-live="polite" className="sr-only">
        {leaving ? "Opening the sign-in page" : ""}
      </p>
    </form>
  );
}
