"use client";

import { createContext, useActionState, useContext, useRef, useState, type ReactNode } from "react";
import Trash2Icon from "lucide-react/icons/trash-2";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { DeleteProfileDialog } from "./delete-profile-button";
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
  const ask = (next: Target) => {
    setTarget(next);
    dialogRef.current?.showModal();
  };
  return (
    <AskContext.Provider value={ask}>
      {children}
      <DeleteProfileDialog dialogRef={dialogRef} name={target?.name} formAction={formAction} message={answered !== null && answered === target?.id ? <FormMessage state={state} /> : null} />
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
