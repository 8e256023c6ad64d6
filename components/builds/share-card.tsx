"use client";

import { useActionState, type ReactNode } from "react";
import { CopyField } from "@/components/ui/copy-field";
import { SelectField, TextAreaField, TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { formatTime } from "@/lib/shared/dates";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { DEFAULT_SHARE_DAYS, DEFAULT_STANDING_SHARE_DAYS, SHARE_LIFETIMES, SHARE_NOTES_MAX, STANDING_SHARE_LIFETIMES } from "@/lib/shared/shares";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** `what`: what the link opens, when the card's links differ in it ("the newest build of main"). */
export type ShareLink = { id: string; url: string; expiresAt: Date; createdBy: string | null; what?: string };

/** The words and choices of a card for links of another kind than to one build. */
export type ShareCardKind = {
  listLabel: string;
  empty: string;
  hint: string;
  lifetimes: readonly number[];
  defaultDays: number;
  /** Fields the new link's form asks before its lifetime (given the form's errors and what was sent). */
  fields?: (errors: Record<string, string[] | undefined>, sent: Partial<Record<string, string>> | null) => ReactNode;
};

const BUILD_LINKS: ShareCardKind = {
  listLabel: "Links to this build",
  empty: "No link yet. Make one and send it to your testers: they open it on their phones, no Keel account needed.",
  hint: "Anyone who has the link can download this build's files until then.",
  lifetimes: SHARE_LIFETIMES,
  defaultDays: DEFAULT_SHARE_DAYS,
};

/**
 * "Share with testers": the live links (copy one, turn it off) and a new one — of a build (only a
 * finished one that kept files: `why` says why not otherwise), or of another `kind` (a profile's
 * links to its newest build). A link to one build asks for its "What's new" (`notes`: what the
 * field starts with, the commits since the last good build). Turning a link off answers here,
 * below the list, since the link itself leaves it.
 */
export function ShareCard({ links, create, turnOff, why, kind = BUILD_LINKS, notes }: { links: ShareLink[]; create: Action; turnOff: Action; why: string | null; kind?: ShareCardKind; notes?: string }) {
  const [state, formAction] = useActionState(create, idleState as FormState);
  const [offState, offAction] = useActionState(turnOff, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const sent = state.status === "error" ? state.values : null;
  if (why) {
    return <p className="text-sm text-slate-600">{why}</p>;
  }
  return (
    <div className="space-y-4">
      {links.length === 0 ? <p className="text-sm text-slate-600">{kind.empty}</p> : null}
      <ul aria-label={kind.listLabel} className="space-y-4">
        {links.map((link) => (
          <li key={link.id} className="space-y-2">
            <CopyField label={`Link${link.what ? ` to ${link.what}` : ""} until ${formatTime(link.expiresAt)}${link.createdBy ? `, made by ${link.createdBy}` : ""}`} value={link.url} />
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
        {kind.fields?.(errors, sent)}
        {notes !== undefined ? (
          <TextAreaField
            label="What's new"
            name="notes"
            optional
            rows={Math.min(8, Math.max(3, notes.split("\n").length + 1))}
            maxLength={SHARE_NOTES_MAX}
            defaultValue={sent?.notes ?? notes}
            errors={errors.notes}
            mono={false}
            hint="Testers read this on the link's page. It starts with the commit messages since the last good build: edit them into words testers understand, or empty it to show nothing."
          />
        ) : null}
        <SelectField label="The link works for" name="days" defaultValue={sent?.days ?? String(kind.defaultDays)} errors={errors.days} hint={kind.hint}>
          {kind.lifetimes.map((days) => (
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

/**
 * A profile's links to the newest successful build of a branch (the profile page): one address,
 * and one QR code, for every build to come.
 */
export function ProfileShareCard({ links, create, turnOff, defaultBranch }: { links: ShareLink[]; create: Action; turnOff: Action; defaultBranch: string }) {
  return (
    <ShareCard
      links={links}
      create={create}
      turnOff={turnOff}
      why={null}
      kind={{
        listLabel: "Links to the newest build",
        empty: "No link yet. Make one for testers who should always get the newest build: print its QR code, pin it in the team's channel.",
        hint: "Anyone who has the link can download the newest successful build's files of that branch until then.",
        lifetimes: STANDING_SHARE_LIFETIMES,
        defaultDays: DEFAULT_STANDING_SHARE_DAYS,
        fields: (errors, sent) => <TextField label="Branch" name="branch" defaultValue={sent?.branch ?? defaultBranch} errors={errors.branch} maxLength={250} hint="The link opens its newest successful build that kept files." required />,
      }}
    />
  );
}
