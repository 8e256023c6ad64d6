"use client";

import { useActionState } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";
import KeyRoundIcon from "lucide-react/icons/key-round";
import { AzureDevOpsLogo, EntraLogo } from "@/components/icons/provider-logos";
import { FieldErrors } from "@/components/ui/field";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

export type OAuthAvailability = { available: true } | { available: false; reason: string; howTo?: string };

/** Step 2: OAuth2, a service principal, or a Personal Access Token. */
export function MethodForm({ action, oauth, servicePrincipal, initial }: { action: Action; oauth: OAuthAvailability; servicePrincipal: OAuthAvailability; initial: "PAT" | "OAUTH" | "SERVICE_PRINCIPAL" | null }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const defaultMethod = initial ?? (oauth.available ? "OAUTH" : "PAT");
  return (
    <form action={formAction} className="space-y-5">
      <FormMessage state={state} />
      <fieldset>
        <legend className="mb-3 text-base font-semibold text-slate-900">How should Keel sign in to Azure DevOps?</legend>
        <div className="grid grid-cols-1 gap-3">
          <label className={`flex gap-3 rounded-lg border p-4 ${oauth.available ? "cursor-pointer border-slate-300 bg-white has-[:checked]:border-brand-600 has-[:checked]:ring-1 has-[:checked]:ring-brand-600" : "border-slate-200 bg-slate-50"}`}>
            <input type="radio" name="method" value="OAUTH" disabled={!oauth.available} defaultChecked={oauth.available && defaultMethod === "OAUTH"} className="mt-1" aria-describedby="oauth-note" />
            <span className="min-w-0">
              <span className="flex items-center gap-2 font-medium text-slate-900">
                <AzureDevOpsLogo />
                Get Repositories from Azure DevOps (OAuth2)
              </span>
              <span id="oauth-note" className="mt-1 block text-sm text-slate-600">
                {oauth.available ? (
                  "You sign in to Azure DevOps and approve Keel's access; no token to copy or renew by hand."
                ) : (
                  <>
                    <span className="font-medium text-slate-800">Not available: </span>
                    {oauth.reason}
                    {oauth.howTo ? <span className="mt-1 block">{oauth.howTo}</span> : null}
                  </>
                )}
              </span>
            </span>
          </label>
          <label
            className={`flex gap-3 rounded-lg border p-4 ${servicePrincipal.available ? "cursor-pointer border-slate-300 bg-white has-[:checked]:border-brand-600 has-[:checked]:ring-1 has-[:checked]:ring-brand-600" : "border-slate-200 bg-slate-50"}`}
          >
            <input type="radio" name="method" value="SERVICE_PRINCIPAL" disabled={!servicePrincipal.available} defaultChecked={servicePrincipal.available && defaultMethod === "SERVICE_PRINCIPAL"} className="mt-1" aria-describedby="sp-note" />
            <span className="min-w-0">
              <span className="flex items-center gap-2 font-medium text-slate-900">
                <EntraLogo />
                Service principal (Microsoft Entra ID)
              </span>
              <span id="sp-note" className="mt-1 block text-sm text-slate-600">
                {servicePrincipal.available ? (
                  "An application identity, not a person: the connection keeps working when people leave. With a federated credential or a managed identity there is no secret to rotate at all."
                ) : (
                  <>
                    <span className="font-medium text-slate-800">Not available: </span>
                    {servicePrincipal.reason}
                  </>
                )}
              </span>
            </span>
          </label>
          <label className="flex cursor-pointer gap-3 rounded-lg border border-slate-300 bg-white p-4 has-[:checked]:border-brand-600 has-[:checked]:ring-1 has-[:checked]:ring-brand-600">
            <input type="radio" name="method" value="PAT" defaultChecked={(!oauth.available && defaultMethod !== "SERVICE_PRINCIPAL") || defaultMethod === "PAT"} className="mt-1" />
            <span className="min-w-0">
              <span className="flex items-center gap-2 font-medium text-slate-900">
                <KeyRoundIcon className="h-5 w-5 shrink-0 text-slate-500" aria-hidden="true" />
                Personal Access Token (User)
              </span>
              <span className="mt-1 block text-sm text-slate-600">You create a token in Azure DevOps with the scopes Keel needs and paste it here. Works with Azure DevOps Services and Azure DevOps Server.</span>
            </span>
          </label>
        </div>
        <FieldErrors errors={errors.method} spaced />
      </fieldset>
      <SubmitButton pendingLabel="Continuing…">Continue</SubmitButton>
    </form>
  );
}
