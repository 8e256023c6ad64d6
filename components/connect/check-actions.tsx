"use client";

import Link from "next/link";
import { useActionState, useEffect, useState } from "react";
import { useFormStatus } from "react-dom";
import { buttonClasses } from "@/components/ui/button";
import { TextAreaField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

const STAGES = ["Reaching the server", "Checking the token", "Detecting the server version", "Probing each scope", "Listing projects"];

/** The stage text; mounted only while a check runs, so it starts over at the first stage every time. */
function CheckStage() {
  const [stage, setStage] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setStage((value) => Math.min(value + 1, STAGES.length - 1)), 1200);
    return () => clearInterval(timer);
  }, []);
  return <>{`${STAGES[stage]}…`}</>;
}

/** While a check runs: what it is doing now (announced politely). */
function CheckProgress() {
  const { pending } = useFormStatus();
  return (
    <p aria-live="polite" className="text-sm text-slate-600">
      {pending ? <CheckStage /> : null}
    </p>
  );
}

/** "Check again" and "Save connection" for the check step. */
export function CheckActions({ recheck, save, canSave, editHref, saveLabel }: { recheck: Action; save: Action; canSave: boolean; editHref: string; saveLabel: string }) {
  const [recheckState, recheckAction] = useActionState(recheck, idleState as FormState);
  const [saveState, saveAction] = useActionState(save, idleState as FormState);
  return (
    <div className="space-y-3">
      <FormMessage state={saveState.status !== "idle" ? saveState : recheckState} />
      <div className="flex flex-wrap items-center gap-3">
        {canSave ? (
          <form action={saveAction} className="flex items-center gap-3">
            <SubmitButton pendingLabel="Checking again and saving…">{saveLabel}</SubmitButton>
            <CheckProgress />
          </form>
        ) : null}
        <form action={recheckAction} className="flex items-center gap-3">
          <SubmitButton variant="secondary" pendingLabel="Checking…">
            Check again
          </SubmitButton>
          <CheckProgress />
        </form>
        <Link href={editHref} className={buttonClasses("ghost")}>
          Edit details
        </Link>
      </div>
    </div>
  );
}

/** Upload (or paste) the server's CA certificate, trusted for this connection only. */
export function CaUploadForm({ action }: { action: Action }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const [pem, setPem] = useState("");
  const errors = state.status === "error" ? state.fieldErrors : {};
  return (
    <form action={formAction} className="space-y-3 rounded-md border border-slate-200 bg-white p-4" aria-label="Trust a CA certificate">
      <h3 className="font-semibold text-slate-900">Trust this server&apos;s certificate authority</h3>
      <p className="text-sm text-slate-600">
        Upload the CA certificate that signed the server&apos;s TLS certificate (PEM, “Base-64 encoded X.509”). Keel trusts it for this connection only; certificate checks stay on.
      </p>
      <FormMessage state={state} />
      <label className="block text-sm font-medium text-slate-800" htmlFor="ca-file">
        Certificate file
      </label>
      <input
        id="ca-file"
        type="file"
        accept=".pem,.crt,.cer,application/x-pem-file,application/x-x509-ca-cert"
        className="block text-sm"
        onChange={async (event) => {
          const file = event.currentTarget.files?.[0];
          setPem(file ? (await file.text()).slice(0, 70_000) : "");
        }}
      />
      <TextAreaField label="Or paste the certificate (PEM)" name="caPem" rows={5} value={pem} onChange={(event) => setPem(event.currentTarget.value)} errors={errors.caPem} placeholder="-----BEGIN CERTIFICATE-----" />
      <div className="flex items-center gap-3">
        <SubmitButton pendingLabel="Uploading and checking again…">Trust certificate and check again</SubmitButton>
        <CheckProgress />
      </div>
    </form>
  );
}
