"use client";

import { useActionState, useId } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { WATCH_CHOICES, type WatchChoice } from "@/lib/shared/watch";

/**
 * Watch a profile (lib/builds/README.md, "Build notices"): not at all, its default branch's and
 * tags' failures and fixes, or every one of those builds — a release manager waiting for the
 * release build. A choice and Save, like a repository's Watch menu.
 */
export function WatchForm({ action, current }: { action: (previous: FormState, formData: FormData) => Promise<FormState>; current: WatchChoice }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const id = useId();
  return (
    <form action={formAction} className="flex flex-col items-end gap-2" aria-label="Watch this profile">
      <div className="flex items-center gap-2">
        {/* The options say what they are ("Watch every build"): the label is for screen readers, and the row lines up with the header's other buttons. */}
        <label htmlFor={`${id}-watch`} className="sr-only">
          Watch
        </label>
        <select id={`${id}-watch`} name="watch" defaultValue={current} key={current} className="rounded-md border border-slate-300 bg-white px-2 py-2 text-sm text-slate-900">
          {WATCH_CHOICES.map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
        <SubmitButton variant="secondary" pendingLabel="Saving…">
          Save
        </SubmitButton>
      </div>
      <div aria-live="polite">{state.status !== "idle" ? <FormMessage state={state} /> : null}</div>
    </form>
  );
}
