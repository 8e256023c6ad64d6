"use client";

import { useActionState, useState } from "react";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** The status badge's controls: turn on, copy the Markdown, new address, turn off. */
export function BadgeControls({ action, badgeUrl, profileUrl, canChange }: { action: Action; badgeUrl: string | null; profileUrl: string; canChange: boolean }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const [copied, setCopied] = useState(false);
  const markdown = badgeUrl ? `[![Build status](${badgeUrl})](${profileUrl})` : "";
  return (
    <div className="space-y-3 text-sm">
      {badgeUrl ? (
        <>
          {/* eslint-disable-next-line @next/next/no-img-element -- the badge itself, as a README shows it */}
          <img src={badgeUrl} alt="Build status badge" height={20} className="h-5" />
          <label htmlFor="badge-markdown" className="block font-medium text-slate-800">
            Markdown for a README
          </label>
          <textarea id="badge-markdown" readOnly rows={3} value={markdown} className="block w-full rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs" onFocus={(event) => event.currentTarget.select()} />
          <div className="flex flex-wrap items-center gap-2">
            <Button
              type="button"
              variant="secondary"
              onClick={() => {
                void navigator.clipboard?.writeText(markdown).then(() => setCopied(true), () => setCopied(false));
              }}
            >
              Copy the Markdown
            </Button>
            <span aria-live="polite" className="text-xs text-slate-600">
              {copied ? "Copied." : ""}
            </span>
          </div>
        </>
      ) : (
        <p className="text-slate-600">
          Off. Turned on, the badge shows whether the default branch&apos;s latest build passed (add <code>?branch=release/2.0</code> for another branch) to anyone who has its address — nothing else about the profile.
        </p>
      )}
      {canChange ? (
        <form action={formAction} className="flex flex-wrap gap-2" aria-label="Status badge">
          {badgeUrl ? (
            <>
              <SubmitButton variant="secondary" name="what" value="rotate" pendingLabel="Working…">
                New address
              </SubmitButton>
              <SubmitButton variant="secondary" name="what" value="off" pendingLabel="Working…">
                Turn the badge off
              </SubmitButton>
            </>
          ) : (
            <SubmitButton variant="secondary" name="what" value="on" pendingLabel="Turning on…">
              Turn the badge on
            </SubmitButton>
          )}
        </form>
      ) : null}
      <div aria-live="polite">{state.status !== "idle" ? <FormMessage state={state} /> : null}</div>
    </div>
  );
}
