"use client";

import { useActionState } from "react";
import { CopyField } from "@/components/ui/copy-field";
import { SelectField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { formatTime } from "@/lib/shared/dates";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { DEFAULT_SHARE_DAYS, SHARE_LIFETIMES } from "@/lib/shared/shares";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

export type ShareLink = { id: string; url: string; expiresAt: Date; createdBy: string | null };

/**
 * "Share with testers": the build's live links (copy one, turn it off) and a new one. Only for a
 * finished build that kept files (`why` says why not otherwise). Turning a link off answers here,
 * below the list, since the link itself leaves it.
 */
export function ShareCard({ links, create, turnOff, why }: { links: ShareLink[]; create: Action; turnOff: Action; why: string | null }) {
  const [state, formAction] = useActionState(create, idleState as FormState);
  const [offState, offAction] = useActionState(turnOff, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  if (why) {
    return <p className="text-sm text-slate-600">{why}</p>;
  }
  return (
    <div className="space-y-4">
      {links.length === 0 ? <p className="text-sm text-slate-600">No link yet. Make one and send it to your testers: they open it on their phones, no Keel account needed.</p> : null}
      <ul aria-label="Links to this build" className="space-y-4">
        {links.map((link) => (
          <li key={link.id} className="space-y-2">
            <CopyField label={`Link until ${formatTime(link.expiresAt)}${link.createdBy ? `, made by ${link.createdBy}` : ""}`} value={link.url} />
            <form action={offAction}>
              <input type="hidden" name="shareId" value={link.id} />
              <SubmitButton variant="secondary" pendingLabel="Turning off…">
                Turn off
              </SubmitButton>
            </form>
          </li>
        ))}
      </ul>
      <div aria-live="polite">{offState.status !== "idle" ? <FormMessage state={offState} /> : null}</div>
      <form action={formAction} className="space-y-3" aria-label="New link">
        <SelectField label="The link works for" name="days" defaultValue={String(DEFAULT_SHARE_DAYS)} errors={errors.days} hint="Anyone who has the link can download this build's files until then.">
          {SHARE_LIFETIMES.map((days) => (
            <option key={days} value={days}>
              {days === 1 ? "1 day" : `${days} days`}
            </option>
          ))}
        </SelectField>
        <SubmitButton variant="secondary" pendingLabel="Making the link…">
          Make a link
        </SubmitButton>
        <div aria-live="polite">{state.status !== "idle" ? <FormMessage state={state} /> : null}</div>
      </form>
    </div>
  );
}
