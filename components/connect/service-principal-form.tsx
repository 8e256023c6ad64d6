"use client";

import { useActionState, useRef, useState } from "react";
import { EntraSetupGuide } from "@/components/connect/entra-setup-guide";
import { CopyField } from "@/components/ui/copy-field";
import { Alert } from "@/components/ui/alert";
import { FieldErrors, TextAreaField, TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { TOKEN_EXCHANGE_AUDIENCE, type EntraCredentialKindName } from "@/lib/shared/entra-setup";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

export type ServicePrincipalFormInitial = {
  name: string;
  organization: string;
  credentialKind: EntraCredentialKindName;
  tenantId: string;
  clientId: string;
  secretExpiresAt: string;
  certificatePem: string;
  /** A client secret or private key is already sealed in the draft. */
  hasSecret: boolean;
};

type Props = {
  action: Action;
  initial: ServicePrincipalFormInitial;
  /** Keel's issuer, this connection's subject, and why Entra may not reach the issuer (if so). */
  federation: { issuer: string; subject: string; warning: string | null };
  managedIdentity: { enabled: boolean };
  today: string;
};

const KINDS: { value: EntraCredentialKindName; label: string; note: string }[] = [
  { value: "FEDERATED", label: "Federated credential (no secret)", note: "Keel signs a short-lived token that Microsoft Entra ID trusts because the app has a federated credential for Keel. Nothing to store, nothing to rotate." },
  { value: "CLIENT_SECRET", label: "Client secret", note: "A secret of the app registration. Keel seals it and reminds you before it expires." },
  { value: "CERTIFICATE", label: "Certificate", note: "A certificate uploaded to the app registration; Keel keeps its private key sealed and signs with it." },
  { value: "MANAGED_IDENTITY", label: "Managed identity of this Azure machine", note: "Keel runs on an Azure VM or container with an identity: no app registration and no secret." },
];

type Live = { name: string; organization: string; tenantId: string; clientId: string };

/** The wizard's service-principal step: the app (tenant and client id), one credential, and how to set it up. */
export function ServicePrincipalForm({ action, initial, federation, managedIdentity, today }: Props) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const values = state.status === "error" ? { ...initial, ...state.values } : initial;
  const errors = state.status === "error" ? state.fieldErrors : {};
  const form = useRef<HTMLFormElement>(null);
  // What the admin chose or typed since the last answer; a new answer (React resets the form to
  // the echoed values) starts from those values again.
  const [choice, setChoice] = useState<{ after: FormState; kind: EntraCredentialKindName } | null>(null);
  const [typed, setTyped] = useState<{ after: FormState; live: Live } | null>(null);
  const kind: EntraCredentialKindName = choice?.after === state ? choice.kind : ((values.credentialKind as EntraCredentialKindName) || initial.credentialKind);
  const live: Live = typed?.after === state ? typed.live : { name: values.name, organization: values.organization, tenantId: values.tenantId, clientId: values.clientId };
  const setKind = (next: EntraCredentialKindName) => setChoice({ after: state, kind: next });

  const readLive = () => {
    const elements = form.current?.elements;
    const value = (name: string) => {
      const element = elements?.namedItem(name);
      return element instanceof HTMLInputElement ? element.value : "";
    };
    setTyped({ after: state, live: { name: value("name"), organization: value("organization"), tenantId: value("tenantId"), clientId: value("clientId") } });
  };

  const managed = kind === "MANAGED_IDENTITY";
  return (
    <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[minmax(0,1fr)_24rem]">
      <form ref={form} action={formAction} noValidate className="space-y-5" aria-label="Service principal connection" onChange={readLive}>
        <FormMessage state={state} />
        <TextField label="Connection Name" name="name" required maxLength={100} defaultValue={values.name} errors={errors.name} hint="How your team will recognise this connection, e.g. Fabrikam Pipeline." />
        <TextField label="Organization" name="organization" required maxLength={100} defaultValue={values.organization} errors={errors.organization} hint="The name after dev.azure.com/, e.g. fabrikam." />
        <fieldset className="space-y-3">
          <legend className="text-sm font-medium text-slate-800">How does the service principal prove who it is?</legend>
          {KINDS.map((option) => {
            const disabled = option.value === "MANAGED_IDENTITY" && !managedIdentity.enabled;
            return (
              <label
                key={option.value}
                className={`flex gap-3 rounded-lg border p-3 ${disabled ? "border-slate-200 bg-slate-50" : "cursor-pointer border-slate-300 bg-white has-[:checked]:border-brand-600 has-[:checked]:ring-1 has-[:checked]:ring-brand-600"}`}
              >
                <input
                  type="radio"
                  name="credentialKind"
                  value={option.value}
                  // Not `checked`: React resets the form after each answer, and the default keeps the choice (components/ui/use-radio-choice.ts).
                  defaultChecked={kind === option.value}
                  disabled={disabled}
                  onChange={() => setKind(option.value)}
                  className="mt-1"
                  aria-describedby={`kind-${option.value}-note`}
                />
                <span>
                  <span className="block text-sm font-medium text-slate-900">{option.label}</span>
                  <span id={`kind-${option.value}-note`} className="mt-0.5 block text-xs text-slate-600">
                    {disabled ? "Not available: whoever runs Keel has not allowed managed identity (KEEL_MANAGED_IDENTITY=true)." : option.note}
                  </span>
                </span>
              </label>
            );
          })}
          <FieldErrors errors={errors.credentialKind} />
        </fieldset>
        {managed ? null : (
          <TextField
            label="Directory (tenant) ID"
            name="tenantId"
            required
            spellCheck={false}
            autoComplete="off"
            defaultValue={values.tenantId}
            errors={errors.tenantId}
            hint="On the app registration's Overview page in the Microsoft Entra admin center."
          />
        )}
        <TextField
          label={managed ? "User-assigned identity client ID" : "Application (client) ID"}
          name="clientId"
          required={!managed}
          optional={managed}
          spellCheck={false}
          autoComplete="off"
          defaultValue={values.clientId}
          errors={errors.clientId}
          hint={managed ? "Leave empty for the machine's system-assigned identity." : "On the same Overview page — not the Object ID."}
        />
        {kind === "CLIENT_SECRET" ? (
          <>
            <TextField
              label="Client secret"
              name="clientSecret"
              type="password"
              autoComplete="off"
              spellCheck={false}
              required={!initial.hasSecret}
              errors={errors.clientSecret}
              hint={initial.hasSecret && initial.credentialKind === "CLIENT_SECRET" ? "A secret is already entered. Leave this empty to keep it." : "The secret's Value (not its Secret ID). Keel encrypts it and never shows it again."}
            />
            <TextField label="Secret expiry date" name="secretExpiresAt" type="date" defaultValue={values.secretExpiresAt} errors={errors.secretExpiresAt} hint="As listed under Certificates & secrets. Keel reminds you before it expires." />
          </>
        ) : null}
        {kind === "CERTIFICATE" ? (
          <>
            <TextAreaField
              label="Certificate (PEM)"
              name="certificatePem"
              rows={5}
              spellCheck={false}
              defaultValue={values.certificatePem}
              errors={errors.certificatePem}
              hint={initial.hasSecret && initial.certificatePem ? "A certificate and key are already entered. Leave both empty to keep them." : "The public certificate uploaded to the app (-----BEGIN CERTIFICATE-----)."}
            />
            <TextAreaField label="Private key (PEM)" name="privateKeyPem" rows={5} spellCheck={false} autoComplete="off" errors={errors.privateKeyPem} hint="Its RSA private key without a passphrase. Keel encrypts it and never shows it again." />
          </>
        ) : null}
        {kind === "FEDERATED" ? (
          <div className="space-y-3 rounded-md border border-slate-200 bg-slate-50 p-4">
            <p className="text-sm font-medium text-slate-900">Enter exactly these values in the app&apos;s federated credential</p>
            <CopyField label="Issuer" value={federation.issuer} />
            <CopyField label="Subject identifier" value={federation.subject} />
            <CopyField label="Audience" value={TOKEN_EXCHANGE_AUDIENCE} />
            {federation.warning ? (
              <Alert tone="warning" title="Microsoft Entra ID may not reach Keel's issuer">
                {federation.warning}
              </Alert>
            ) : null}
          </div>
        ) : null}
        <SubmitButton pendingLabel="Getting a token from Microsoft Entra ID and checking the organization…">Check connection</SubmitButton>
      </form>
      <EntraSetupGuide
        input={{
          kind,
          connectionName: live.name,
          organization: live.organization,
          tenantId: live.tenantId,
          clientId: live.clientId,
          issuer: federation.issuer,
          subject: federation.subject,
          today,
        }}
      />
    </div>
  );
}
