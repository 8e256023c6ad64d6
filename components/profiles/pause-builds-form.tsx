"use client";

import { useActionState, useId, useRef, useState } from "react";
import { Button, buttonClasses } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

/** The longest reason (lib/validation/builds.ts, PAUSE_REASON_MAX: client components cannot import it). */
const REASON_MAX = 200;

/**
 * Pause a profile's builds, or resume them (admins; lib/builds/README.md, "Paused profiles"): one
 * form in the page's header, so its answer stays where it was given when the page re-renders
 * paused or resumed. Pausing asks why (optional), which the profile's and its queued builds' pages show.
 */
export function PauseBuildsForm({ action, paused }: { action: (previous: FormState, formData: FormData) => Promise<FormState>; paused: boolean }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const id = useId();
  const toggle = useRef<HTMLButtonElement>(null);
  const fieldErrors = state.status === "error" ? state.fieldErrors : {};
  return (
    <form
      action={formAction}
      onSubmit={() => {
        if (paused) {
          // Resumed: the next pause starts from a closed panel and no reason.
          setOpen(false);
          setReason("");
        }
      }}
      className="relative flex flex-col items-end gap-2"
      aria-label={paused ? "Resume builds" : "Pause builds"}
    >
      <input type="hidden" name="pause" value={paused ? "no" : "yes"} />
      {paused ? (
        <SubmitButton variant="secondary" pendingLabel="Resuming…">
          Resume builds
        </SubmitButton>
      ) : (
        <button ref={toggle} type="button" className={buttonClasses("secondary")} aria-expanded={open} aria-controls={`${id}-panel`} onClick={() => setOpen((value) => !value)}>
          Pause builds…
        </button>
      )}
      {!paused && open ? (
        // Over the page below, like a menu: the header's layout stays as it was.
        <div
          id={`${id}-panel`}
          className="absolute right-0 top-full z-20 mt-2 w-80 space-y-3 rounded-md border border-slate-200 bg-white p-3 text-left shadow-lg"
          onKeyDown={(event) => {
            // Escape closes it, as a menu, and gives the focus back to the button that opened it.
            if (event.key === "Escape") {
              setOpen(false);
              toggle.current?.focus();
            }
          }}
        >
          <p className="text-sm text-slate-700">Builds still queue — pushes, pull requests, the schedule and people start them as usual — but none starts until an admin resumes them.</p>
          <TextField
            id={`${id}-reason`}
            name="reason"
            label="Why"
            optional
            value={reason}
            onChange={(event) => setReason(event.target.value)}
            maxLength={REASON_MAX}
            placeholder="Xcode 17 upgrade on the Macs"
            hint="Shown on the profile's page and its queued builds' pages."
            errors={fieldErrors.reason}
          />
          <div className="flex justify-end gap-2">
            <Button
              type="button"
              variant="ghost"
              onClick={() => {
                setOpen(false);
                toggle.current?.focus();
              }}
            >
              Cancel
            </Button>
            <SubmitButton pendingLabel="Pausing…">Pause builds</SubmitButton>
          </div>
        </div>
      ) : null}
      <div aria-live="polite" className="max-w-sm">
        {state.status !== "idle" ? <FormMessage state={state} /> : null}
      </div>
    </form>
  );
}
