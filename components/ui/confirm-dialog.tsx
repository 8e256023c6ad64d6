"use client";

import { useActionState, useId, useRef, type ReactNode, type RefObject } from "react";
import Trash2Icon from "lucide-react/icons/trash-2";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** What a destructive confirmation says: the question, what happens, and the button. */
export type ConfirmText = { title: string; description: ReactNode; confirmLabel: string; pendingLabel: string };

/**
 * A confirmation before something is destroyed: the native <dialog> (focus trapped, Escape
 * closes), the question, the answer of the last attempt, Cancel and the red button.
 */
export function ConfirmDialog({ dialogRef, text, formAction, message }: { dialogRef: RefObject<HTMLDialogElement | null>; text: ConfirmText; formAction: (formData: FormData) => void; message: ReactNode }) {
  const titleId = useId();
  const descriptionId = useId();
  return (
    <dialog ref={dialogRef} aria-labelledby={titleId} aria-describedby={descriptionId} className="m-auto w-full max-w-md rounded-lg p-0 shadow-xl backdrop:bg-slate-900/40">
      <form action={formAction} className="space-y-4 p-6">
        <h2 id={titleId} className="text-lg font-semibold text-slate-900">
          {text.title}
        </h2>
        <div id={descriptionId} className="text-sm text-slate-700">
          {text.description}
        </div>
        {message}
        <div className="flex justify-end gap-3">
          <Button type="button" variant="secondary" onClick={() => dialogRef.current?.close()}>
            Cancel
          </Button>
          <SubmitButton variant="danger" pendingLabel={text.pendingLabel}>
            {text.confirmLabel}
          </SubmitButton>
        </div>
      </form>
    </dialog>
  );
}

/** "Delete" (or `label`) that asks first (ConfirmDialog), then runs the action. */
export function DeleteButton({ text, action, label = "Delete", accessibleLabel }: { text: ConfirmText; action: Action; label?: string; accessibleLabel?: string }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [state, formAction] = useActionState(action, idleState as FormState);
  return (
    <>
      <Button type="button" variant="secondary" aria-label={accessibleLabel} onClick={() => dialogRef.current?.showModal()}>
        <Trash2Icon className="h-4 w-4" aria-hidden="true" />
        {label}
      </Button>
      <ConfirmDialog dialogRef={dialogRef} text={text} formAction={formAction} message={<FormMessage state={state} />} />
    </>
  );
}
