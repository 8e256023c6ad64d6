"use client";

import type { ReactNode, RefObject } from "react";
import { ConfirmDialog, DeleteButton, type ConfirmText } from "@/components/ui/confirm-dialog";
import type { FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

function deleteProfileText(name: string | undefined): ConfirmText {
  return {
    title: `Delete the build profile “${name ?? ""}”?`,
    description: <p>Keel forgets the profile and its settings. The repository in Azure DevOps is not touched. This cannot be undone.</p>,
    confirmLabel: "Delete build profile",
    pendingLabel: "Deleting…",
  };
}

/** "Delete" for a build profile (on its page; lists use delete-profile-list.tsx): asks first, then runs the delete action. */
export function DeleteProfileButton({ name, action }: { name: string; action: Action }) {
  return <DeleteButton text={deleteProfileText(name)} action={action} />;
}

/** The confirmation itself, shared by the profile page's button and the list's one dialog. */
export function DeleteProfileDialog({ dialogRef, name, formAction, message }: { dialogRef: RefObject<HTMLDialogElement | null>; name: string | undefined; formAction: (formData: FormData) => void; message: ReactNode }) {
  return <ConfirmDialog dialogRef={dialogRef} text={deleteProfileText(name)} formAction={formAction} message={message} />;
}
