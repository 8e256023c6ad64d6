"use client";

import { useActionState, useRef, useState, type MouseEvent, type ReactNode } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { DeleteProfileDialog } from "./delete-profile-button";
import { deleteProfileAction } from "@/lib/actions/profiles";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Target = { id: string; name: string };

/**
 * "Delete" on a list of build profiles: one confirmation dialog for the whole list (the native
 * <dialog>, which traps focus and closes on Escape), opened by each row's button for its
 * profile. One dialog instead of one per row keeps a 50-row page's HTML and server rendering
 * small; the action gets the profile's id like a bound one, and checks it again. The rows'
 * buttons are server-rendered (DeleteProfileRowButton): one click handler here finds the row's
 * profile from the button's data attributes, so the rows need no client component each.
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
  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    const button = (event.target as Element).closest?.("button[data-delete-profile]");
    if (!(button instanceof HTMLButtonElement) || !event.currentTarget.contains(button)) {
      return;
    }
    setTarget({ id: button.dataset.deleteProfile ?? "", name: button.dataset.profileName ?? "" });
    dialogRef.current?.showModal();
  };
  return (
    // Clicks come from the rows' buttons (keyboard included: Enter and Space click a button).
    <div onClick={onClick}>
      {children}
      <DeleteProfileDialog dialogRef={dialogRef} name={target?.name} formAction={formAction} message={answered !== null && answered === target?.id ? <FormMessage state={state} /> : null} />
    </div>
  );
}
