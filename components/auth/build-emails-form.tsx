"use client";

import { useActionState } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Props = { buildEmails: boolean; weeklySummary: boolean; action: (previous: FormState, formData: FormData) => Promise<FormState> };

/** Account → E-mails: whether Keel e-mails the user when a build of theirs fails, and when it is fixed; and the week's summary. */
export function BuildEmailsForm({ buildEmails, weeklySummary, action }: Props) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  return (
    <form action={formAction} className="space-y-4" aria-label="Build e-mails">
      <FormMessage state={state} />
      <label className="flex items-start gap-2 text-sm text-slate-800">
        {/* Not `checked`: React resets the form after each answer, to the defaults; the saved value comes back as the default. */}
        <input type="checkbox" name="buildEmails" className="mt-1" defaultChecked={buildEmails} key={String(buildEmails)} aria-describedby="build-emails-hint" />
        E-mail me when a build of mine fails, and when it is fixed
      </label>
      <p id="build-emails-hint" className="text-sm text-slate-600">
        A build is yours when you started it, when its commit&apos;s author has your e-mail address in Azure DevOps, or when it is of the default branch or a tag of a build profile you watch. Fixed: it succeeded where the build before it on the same branch or pull request had not. Off, Keel tells you of none of them.
      </p>
      <label className="flex items-start gap-2 text-sm text-slate-800">
        <input type="checkbox" name="weeklySummary" className="mt-1" defaultChecked={weeklySummary} key={String(weeklySummary)} aria-describedby="weekly-summary-hint" />
        E-mail me a summary of the week&apos;s builds every Monday
      </label>
      <p id="weekly-summary-hint" className="text-sm text-slate-600">
        The organization&apos;s builds of the last week (Monday to Sunday, UTC), profile by profile: how many succeeded, how long they took against the week before, and how long each default branch was red; then the connections and signing files that need attention. Sent Monday morning (from 06:00 UTC); none for a week without builds.
      </p>
      <SubmitButton variant="secondary" pendingLabel="Saving…">
        Save
      </SubmitButton>
    </form>
  );
}
