"use client";

import { createContext, useActionState, useContext, useId, useRef, useState, type ReactNode } from "react";
import Trash2Icon from "lucide-react/icons/trash-2";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { deleteProfileAction } from "@/lib/actions/profiles";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Target = { id: string; name: string };

const AskContext = createContext<((target: Target) => void) | null>(null);

/**
 * "Delete" on a list of build profiles: one confirmation dialog for the whole list (the native
 * <dialog>, which traps focus and closes on Escape), opened by each row's button for its
 * profile. One dialog instead of one per row keeps a 50-row page's HTML and server rendering
 * small; the action gets the profile's id like a bound one, and checks it again.
 */
export function DeleteProfileList({ children }: { children: ReactNode }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [target, setTarget] = useState<Target | null>(null);
  // Whose deletion the last answer is about: a failure shown for one profile is not shown for the next.
  const [answered, setAnswered] = useState<string | null>(null);
  const [state, formAction] = useActionState(async (previous: FormState, formData: FormData) => {
    if (!target) {
      return previous;
    }
    setAnswered(target.id);
    return deleteProfileAction(target.id, previous, formData);
  }, idleState as FormState);
  const titleId = useId();
  const descriptionId = useId();
  const ask = (next: Target) => {
    setTarget(next);
    dialogRef.current?.showModal();
  };
  return (
    <AskContext.Provider value={ask}>
      {children}
      <dialog ref={dialogRef} aria-labelledby={titleId} aria-describedby={descriptionId} className="m-auto w-full max-w-md rounded-lg p-0 shadow-xl backdrop:bg-slate-900/40">
        <form action={formAction} className="space-y-4 p-6">
          <h2 id={titleId} className="text-lg font-semibold text-slate-900">
            Delete the build profile “{target?.name}”?
          </h2>
          <p id={descriptionId} className="text-sm text-slate-700">
            Keel forgets the profile and its settings. The repository in Azure DevOps is not touched. This cannot be undone.
          </p>
          {answered !== null && answered === target?.id ? <FormMessage state={state} /> : null}
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
    </AskContext.Provider>
  );
}

/** A row's "Delete": opens the list's dialog for this profile. */
export function DeleteProfileRowButton({ id, name }: Target) {
  const ask = useContext(AskContext);
  return (
    <Button type="button" variant="ghost" size="sm" className="text-red-700" onClick={() => ask?.({ id, name })} aria-label={`Delete ${name}`}>
      <Trash2Icon className="h-4 w-4" aria-hidden="true" />
      Delete
    </Button>
  );
}
