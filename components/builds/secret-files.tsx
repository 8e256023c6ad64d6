"use client";

import { useActionState, useState } from "react";
import { ActionButton } from "@/components/ui/action-button";
import { Badge } from "@/components/ui/badge";
import { FieldShell, TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { formatSize } from "@/lib/shared/names";
import type { SigningState } from "@/lib/shared/signing-files";
import { WORKFLOW_LIMITS } from "@/lib/shared/workflow";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** What a signing file is and when it ends, in words (lib/shared/signing-files.ts). */
export type SigningAbout = { title: string; details: string | null; expiry: string | null; state: SigningState | null; fingerprints: string[]; note: { warning: boolean; text: string } | null };

export type SecretFileRow = { id: string; variable: string; fileName: string; size: number; sha256: string; updated: string; uploadedBy: string | null; signing: SigningAbout | null; removeAction: Action };

const STATE_BADGES: Record<SigningState, { tone: "error" | "warning" | "success"; label: string }> = {
  expired: { tone: "error", label: "Expired" },
  expiring: { tone: "warning", label: "Expires soon" },
  valid: { tone: "success", label: "Valid" },
};

/** A signing file's identity and end under its name: what it is, its details, and a badge with the end. */
function SigningLine({ about }: { about: SigningAbout }) {
  return (
    <span className="mt-1 block text-xs text-slate-700">
      <span className="font-medium">{about.title}</span>
      {about.details ? <span className="block text-slate-600">{about.details}</span> : null}
      {about.state && about.expiry ? (
        <span className="mt-1 flex flex-wrap items-center gap-2">
          <Badge tone={STATE_BADGES[about.state].tone}>{STATE_BADGES[about.state].label}</Badge>
          <span className={about.state === "valid" ? "text-slate-600" : "font-medium text-slate-900"}>{about.expiry.charAt(0).toUpperCase() + about.expiry.slice(1)}</span>
        </span>
      ) : null}
      {about.note ? <span className={`mt-1 block ${about.note.warning ? "font-medium text-amber-800" : "text-slate-600"}`}>{about.note.text}</span> : null}
      {about.fingerprints.length > 0 ? (
        <span className="mt-1 block font-mono text-[11px] break-all text-slate-600">
          {about.fingerprints.map((fingerprint) => (
            <span key={fingerprint} className="block">
              {fingerprint}
            </span>
          ))}
        </span>
      ) : null}
    </span>
  );
}


/**
 * Secret files of a workflow: a list (variable, file, size, hash prefix, who uploaded it) and an
 * upload form. The file is read here and sent as base64 (the form's one secret field); a file of
 * an existing variable replaces it.
 */
export function SecretFiles({ files, saveAction }: { files: SecretFileRow[]; saveAction: Action }) {
  const [picked, setPicked] = useState<{ name: string; content: string } | null>(null);
  const [state, formAction] = useActionState(async (previous: FormState, formData: FormData) => {
    const next = await saveAction(previous, formData);
    // Saved: React resets the form (the chosen file too), so the next upload starts empty.
    if (next.status === "success") {
      setPicked(null);
    }
    return next;
  }, idleState as FormState);
  const [reading, setReading] = useState<string | null>(null);
  const [unreadable, setUnreadable] = useState<string | null>(null);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const sent = state.status === "error" ? state.values : null;
  return (
    <div className="space-y-4">
      {files.length === 0 ? (
        <p className="text-sm text-slate-600">
          No secret files yet. Upload a signing keystore, a .p12 certificate or a provisioning profile: every build gets it, outside the repository. Keel reads when provisioning profiles, certificates and keystores expire, and reminds admins a month before.
        </p>
      ) : (
        // A list of cards on a phone (globals.css, .table-cards).
        <div className="table-cards table-cards-flush">
          <table className="w-full text-left text-sm" aria-label="Secret files">
            <thead className="text-xs text-slate-500">
              <tr>
                <th scope="col" className="py-1 pr-3 font-medium">Variable</th>
                <th scope="col" className="py-1 pr-3 font-medium">File</th>
                <th scope="col" className="py-1 pr-3 font-medium">Uploaded</th>
                <th scope="col" className="py-1 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {files.map((file) => (
                <tr key={file.id} className="border-t border-slate-200 align-top">
                  <td className="py-2 pr-3 font-mono text-xs">{file.variable}</td>
                  <td className="py-2 pr-3">
                    <span className="break-all">{file.fileName}</span>
                    <span className="block text-xs text-slate-600">
                      {formatSize(file.size)} · SHA-256 {file.sha256.slice(0, 12)}…
                    </span>
                    {file.signing ? <SigningLine about={file.signing} /> : null}
                  </td>
                  <td className="py-2 pr-3 text-xs text-slate-600" data-label="Uploaded">
                    {file.updated}
                    {file.uploadedBy ? ` by ${file.uploadedBy}` : ""}
                  </td>
                  <td className="py-2 text-right" data-inline>
                    <ActionButton
                      action={file.removeAction}
                      label="Remove"
                      pendingLabel="Removing…"
                      variant="ghost"
                      className=""
                      buttonClassName="text-red-700"
                      formLabel={`Remove ${file.variable}`}
                      buttonLabel={`Remove the file of ${file.variable}`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form action={formAction} className="space-y-3" aria-label="Upload a secret file">
        <TextField
          label="Variable"
          name="variable"
          defaultValue={sent?.variable ?? ""}
          errors={errors.variable}
          hint="The steps read the file's path from this environment variable, e.g. ANDROID_KEYSTORE. A file of an existing variable replaces it."
          autoComplete="off"
          spellCheck={false}
          className="font-mono"
        />
        {/* The shared field frame: label, hint and an announced error list wired to the input. */}
        <FieldShell
          id="secret-file-input"
          label="File"
          hint={`${reading ? `${reading} ` : ""}At most ${formatSize(WORKFLOW_LIMITS.secretFileBytes)}. Keel stores it encrypted and never shows it again; builds get it in their private folder, readable by the build only.`}
          errors={[...(unreadable ? [unreadable] : []), ...(errors.fileName ?? []), ...(errors.content ?? [])]}
        >
          <input
            id="secret-file-input"
            type="file"
            className="block text-sm"
            aria-describedby="secret-file-input-hint secret-file-input-error"
            onChange={(event) => {
              const file = event.target.files?.[0];
              setPicked(null);
              setUnreadable(null);
              if (!file) {
                return;
              }
              if (file.size > WORKFLOW_LIMITS.secretFileBytes) {
                setUnreadable(`${file.name} is ${formatSize(file.size)}: a secret file is at most ${formatSize(WORKFLOW_LIMITS.secretFileBytes)}.`);
                return;
              }
              setReading("Reading the file…");
              const reader = new FileReader();
              reader.onload = () => {
                const url = String(reader.result ?? "");
                setPicked({ name: file.name, content: url.slice(url.indexOf(",") + 1) });
                setReading(null);
              };
              reader.onerror = () => {
                setReading(null);
                setUnreadable("The file could not be read: choose it again.");
              };
              reader.readAsDataURL(file);
            }}
          />
        </FieldShell>
        <input type="hidden" name="fileName" value={picked?.name ?? ""} />
        <input type="hidden" name="content" value={picked?.content ?? ""} />
        <SubmitButton pendingLabel="Uploading…">Upload the file</SubmitButton>
        <div aria-live="polite">{state.status !== "idle" ? <FormMessage state={state} /> : null}</div>
      </form>
    </div>
  );
}
