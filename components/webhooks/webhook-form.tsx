"use client";

import Link from "next/link";
import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { CopyField } from "@/components/ui/copy-field";
import { FieldErrors, TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { WEBHOOK_EVENT_LABELS, WEBHOOK_EVENTS, type WebhookEvent } from "@/lib/shared/webhooks";
import { ProfileChoice, type ProfileOption } from "./profile-choice";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** The form field of each event's checkbox (a form sends a field once). */
const FIELD_OF = { "build.queued": "queued", "build.started": "started", "build.finished": "finished" } as const;

/** The profiles a refused form had chosen (null: all), so the answer keeps them. */
function sentProfiles(text: string | undefined): string[] | null | undefined {
  if (text === undefined) {
    return undefined;
  }
  if (text === "all") {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? parsed.filter((entry): entry is string => typeof entry === "string") : undefined;
  } catch {
    return undefined;
  }
}

/**
 * "New webhook" (and, with `existing`, a webhook's own form): a name, the receiver's URL, its
 * events and whose builds. A new webhook's answer shows the signing secret once, with a link to
 * its page; the edit form keeps the stored URL unless a new one is pasted (it is never shown again).
 */
export function WebhookForm({
  action,
  existing,
  profiles,
}: {
  action: Action;
  existing?: { name: string; host: string; events: string[]; profileIds: string[] | null };
  /** The organization's profiles to choose from, and how many more were not listed. */
  profiles: { items: ProfileOption[]; more: number };
}) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const sent = state.status === "error" ? state.values : null;
  const created = !existing && state.status === "success" ? state.data : undefined;
  const fromForm = sentProfiles(sent?.profiles);
  const chosenProfiles = fromForm !== undefined ? fromForm : (existing?.profileIds ?? null);
  const checked = (event: WebhookEvent) => (sent ? sent[FIELD_OF[event]] === "on" : existing ? existing.events.includes(event) : event === "build.finished");
  return (
    <div className="space-y-4">
      {created?.secret ? (
        <Alert tone="success" title={`Added “${created.name ?? ""}”`}>
          <div className="space-y-3">
            <p>{state.status === "success" ? state.message : null}</p>
            <CopyField label="Signing secret" id="new-webhook-secret" value={created.secret} />
            <p>
              <Link href={`/settings/webhooks/${created.id ?? ""}`} className="font-medium underline">
                Open the webhook
              </Link>{" "}
              to see the ping arrive, and every delivery after it.
            </p>
          </div>
        </Alert>
      ) : null}
      {/* A fresh form after each new webhook: the next one starts empty. */}
      <form key={created?.id ?? "form"} action={formAction} className="space-y-4" aria-label={existing ? "Webhook settings" : "New webhook"} noValidate>
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-[16rem_1fr]">
          <TextField label="Name" name="name" defaultValue={sent?.name ?? existing?.name ?? ""} errors={errors.name} maxLength={80} hint="What receives the events, for example “Release dashboard”." required />
          <TextField
            label={existing ? "New URL" : "URL"}
            name="url"
            type="url"
            inputMode="url"
            autoComplete="off"
            spellCheck={false}
            errors={errors.url}
            placeholder={existing ? `Leave empty to keep posting to ${existing.host}` : "https://hooks.example.com/keel"}
            hint={existing ? "Only to move the webhook: the stored URL is never shown again." : "Keel POSTs each event here as JSON. The URL is stored encrypted (it may hold a token) and is not shown again."}
            optional={Boolean(existing)}
            required={!existing}
          />
        </div>
        <fieldset className="space-y-2" aria-describedby={errors.events?.length ? "webhook-events-error" : undefined}>
          <legend className="text-sm font-medium text-slate-800">Events</legend>
          {WEBHOOK_EVENTS.map((event) => (
            <label key={event} className="flex items-start gap-2 text-sm text-slate-800">
              <input type="checkbox" name={FIELD_OF[event]} className="mt-1" defaultChecked={checked(event)} />
              <span>
                <code>{event}</code> — {WEBHOOK_EVENT_LABELS[event]}
              </span>
            </label>
          ))}
          <FieldErrors id="webhook-events-error" errors={errors.events} />
        </fieldset>
        {/* Keyed by the answer: a refused form's choice is shown again as it was sent. */}
        <ProfileChoice key={sent?.profiles ?? "initial"} profiles={profiles.items} more={profiles.more} initial={chosenProfiles} errors={errors.profiles} />
        <SubmitButton pendingLabel={existing ? "Saving…" : "Adding…"}>{existing ? "Save" : "Add webhook"}</SubmitButton>
        <div aria-live="polite">{state.status === "error" || (existing && state.status === "success") ? <FormMessage state={state} /> : null}</div>
      </form>
    </div>
  );
}
