"use client";

import { useActionState } from "react";
import { SelectField, TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/**
 * A profile's chat channel: the incoming-webhook URL (write-only: a stored one is never shown,
 * an empty field keeps it) and which builds are posted; a stored channel can be tested or removed.
 */
export function ChatForm({
  saveAction,
  testAction,
  removeAction,
  configured,
  notify,
}: {
  saveAction: Action;
  testAction: Action;
  removeAction: Action;
  /** The stored channel's label ("Slack · hooks.slack.com"), or null. */
  configured: string | null;
  notify: "changes" | "all";
}) {
  const [state, formAction] = useActionState(saveAction, idleState as FormState);
  const [testState, testFormAction] = useActionState(testAction, idleState as FormState);
  const [removeState, removeFormAction] = useActionState(removeAction, idleState as FormState);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const sent = state.status === "error" ? state.values : null;
  return (
    <div className="space-y-4">
      <form action={formAction} className="space-y-3" aria-label="Chat channel">
        <TextField
          label={configured ? "New webhook URL" : "Webhook URL"}
          name="webhookUrl"
          type="url"
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          placeholder="https://hooks.slack.com/services/…"
          required={!configured}
          errors={errors.webhookUrl}
          hint={
            configured
              ? "Leave empty to keep the current one. The URL is the channel's key: Keel stores it encrypted and never shows it again."
              : "Slack: the channel's Incoming Webhooks app. Microsoft Teams: the channel's Workflows → “Post to a channel when a webhook request is received”. Keel stores it encrypted and posts a test message first."
          }
        />
        <SelectField label="Post" name="notify" defaultValue={sent?.notify ?? notify} errors={errors.notify}>
          <option value="changes">Failures, and the build that fixes them</option>
          <option value="all">Every finished build</option>
        </SelectField>
        <SubmitButton pendingLabel="Sending a test message…">{configured ? "Save" : "Save and send a test message"}</SubmitButton>
        <div aria-live="polite">{state.status !== "idle" ? <FormMessage state={state} /> : null}</div>
      </form>
      {configured ? (
        <div className="flex flex-wrap items-start gap-3 border-t border-slate-200 pt-3">
          <form action={testFormAction} aria-label="Test the chat channel" className="space-y-2">
            <SubmitButton variant="secondary" pendingLabel="Sending…">
              Send a test message
            </SubmitButton>
            <div aria-live="polite">{testState.status !== "idle" ? <FormMessage state={testState} /> : null}</div>
          </form>
          <form action={removeFormAction} aria-label="Remove the chat channel">
            <SubmitButton variant="secondary" pendingLabel="Removing…">
              Stop posting to this channel
            </SubmitButton>
          </form>
        </div>
      ) : null}
      {/* Outside the buttons' block: after a removal the page has no channel, and the answer stays. */}
      <div aria-live="polite">{removeState.status !== "idle" ? <FormMessage state={removeState} /> : null}</div>
    </div>
  );
}
