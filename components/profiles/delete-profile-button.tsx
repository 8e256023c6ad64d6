"use client";

import { useActionState, useId, useRef, type ReactNode, type RefObject } from "react";
import Trash2Icon from "lucide-react/icons/trash-2";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/**
 * "Delete" for a build profile (on its page; lists use delete-profile-list.tsx): asks first in a modal dialog (the native <dialog>, which
 * traps focus and closes on Escape), then runs the delete action.
 */
export function DeleteProfileButton({ name, action }: { name: string; action: Action }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [state, formAction] = useActionState(action, idleState as FormState);
  return (
    <>
      <Button type="button" variant="secondary" onClick={() => dialogRef.current?.showModal()}>
        <Trash2Icon className="h-4 w-4" aria-hidden="true" />
        Delete
      </Button>
      <DeleteProfileDialog dialogRef={dialogRef} name={name} formAction={formAction} message={<FormMessage state={state} />} />
    </>
  );
}

/**
 * The confirmation itself, shared by the profile page's button and the list's one dialog: the
 * native <dialog> (focus trapped, Escape closes), the question, the answer, Cancel and Delete.
 */
export function DeleteProfileDialog({ dialogRef, name, formAction, message }: { dialogRef: RefObject<HTMLDialogElement | null>; name: string | undefined; formAction: (formData: FormData) => void; message: ReactNode }) {
  const titleId = useId();
  const descriptionId = useId();
  return (
    <dialog ref={dialogRef} aria-labelledby={titleId} aria-describedby={descriptionId} className="m-auto w-full max-w-md rounded-lg p-0 shadow-xl backdrop:bg-slate-900/40">
      <form action={formAction} className="space-y-4 p-6">
        <h2 id={titleId} className="text-lg font-semibold text-slate-900">
          Delete the build profile “{name}”?
        </h2>
        <p id={descriptionId} className="text-sm text-slate-700">
          Keel forgets the profile and its settings. The repository in Azure DevOps is not touched. This cannot be undone.
        </p>
        {message}
        <div className="flex justify-end gap-3">
          <Button type="button" variant="secondary" onClick={() => dialogRef.current?.close()}>
            Cancel
          </Button>
          <SubmitButton variant="danger" pendingLabel="Deleting…">
            Delete build profile
          </SubmitButton>
        </div>
      </form>
    </dialog>
  );
}
