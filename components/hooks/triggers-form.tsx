"use client";

import { useActionState } from "react";
import { TextAreaField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { useRadioChoice } from "@/components/ui/use-radio-choice";
import { idleState, type FormState } from "@/lib/shared/form-state";
import type { ProfileTriggers } from "@/lib/shared/triggers";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** Edits a profile's triggers: automatic (push and pull-request branch patterns) or manual only. */
export function TriggersForm({ action, triggers, defaultBranch }: { action: Action; triggers: ProfileTriggers; defaultBranch: string | null }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const { choice: mode, radio } = useRadioChoice(triggers.mode);
  const errors = state.status === "error" ? state.fieldErrors : {};
  // React resets the form after each answer: a refused save shows what was sent, not the saved triggers.
  const sent = state.status === "error" ? state.values : null;
  const push = sent ? sent.push === "on" : triggers.push.enabled;
  const pullRequest = sent ? sent.pullRequest === "on" : triggers.pullRequest.enabled;
  const emptyMeans = `Empty: the default branch${defaultBranch ? ` (${defaultBranch})` : ""}.`;
  return (
    <form action={formAction} className="space-y-4" aria-label="Build triggers">
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-800">Builds start</legend>
        <label className="flex items-center gap-2 text-sm text-slate-800">
          <input type="radio" name="mode" {...radio("automatic")} />
          By themselves, on pushes and pull requests
        </label>
        <label className="flex items-center gap-2 text-sm text-slate-800">
          <input type="radio" name="mode" {...radio("manual")} />
          Only when someone starts one (manual only)
        </label>
      </fieldset>
      <div className={mode === "manual" ? "space-y-4 opacity-60" : "space-y-4"}>
        <label className="flex items-center gap-2 text-sm font-medium text-slate-800">
          <input type="checkbox" name="push" defaultChecked={push} disabled={mode === "manual"} />
          Build pushes to these branches
        </label>
        <TextAreaField
          label="Push branches"
          name="pushBranches"
          rows={2}
          defaultValue={sent?.pushBranches ?? triggers.push.branches.join("\n")}
          readOnly={mode === "manual"}
          errors={errors.pushBranches}
          hint={`One per line: main, release/* (one level), feature/** (any depth), !release/old (exclude). ${emptyMeans}`}
        />
        <label className="flex items-center gap-2 text-sm font-medium text-slate-800">
          <input type="checkbox" name="pullRequest" defaultChecked={pullRequest} disabled={mode === "manual"} />
          Build pull requests (created or updated) into these branches
        </label>
        <TextAreaField
          label="Pull request target branches"
          name="pullRequestBranches"
          rows={2}
          defaultValue={sent?.pullRequestBranches ?? triggers.pullRequest.branches.join("\n")}
          readOnly={mode === "manual"}
          errors={errors.pullRequestBranches}
          hint={`The branch a pull request merges into. ${emptyMeans}`}
        />
      </div>
      {mode === "manual" ? (
        <>
          {/* Disabled boxes are not sent: keep what was set, so switching back restores it. */}
          {push ? <input type="hidden" name="push" value="on" /> : null}
          {pullRequest ? <input type="hidden" name="pullRequest" value="on" /> : null}
        </>
      ) : null}
      <SubmitButton pendingLabel="Saving triggers…">Save triggers</SubmitButton>
      <div aria-live="polite">{state.status !== "idle" ? <FormMessage state={state} /> : null}</div>
    </form>
  );
}
