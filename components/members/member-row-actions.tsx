"use client";

import { useActionState, useState } from "react";
import { Button } from "@/components/ui/button";
import { SubmitButton } from "@/components/ui/submit-button";
import { ResetPassword } from "./reset-password";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** Role select + save, disable/enable, unlock sign-in and reset password, for one member row. */
export function MemberRowActions({
  memberId,
  memberName,
  role,
  isActive,
  isSelf,
  signInThrottled,
  changeRole,
  toggleActive,
  unlockSignIn,
  resetPassword,
}: {
  memberId: string;
  memberName: string;
  role: "ADMIN" | "MEMBER";
  isActive: boolean;
  isSelf: boolean;
  signInThrottled: boolean;
  changeRole: Action;
  toggleActive: Action;
  unlockSignIn: Action;
  resetPassword: Action;
}) {
  const [roleState, roleAction] = useActionState(changeRole, idleState as FormState);
  const [activeState, activeAction, activePending] = useActionState(toggleActive, idleState as FormState);
  const [unlockState, unlockAction, unlockPending] = useActionState(unlockSignIn, idleState as FormState);
  // The answer of the form used last (three forms share one line of feedback).
  const [last, setLast] = useState<"role" | "active" | "unlock" | null>(null);
  const message = last === "role" ? roleState : last === "active" ? activeState : last === "unlock" ? unlockState : undefined;
  const roleId = `role-${memberId}`;
  return (
    <div className="mt-1 flex flex-wrap items-center gap-2 md:mt-0 md:justify-end">
      {isSelf ? (
        // One's own role is another admin's to change (the server refuses it too): a new role ends one's sessions.
        <p className="text-sm text-slate-600">{role === "ADMIN" ? "Admin" : "Member"} (you; another admin changes your role)</p>
      ) : (
        <form action={roleAction} onSubmit={() => setLast("role")} className="flex items-center gap-2">
          {/* Keyed by the role: React applies defaultValue only on mount, and resets the form after the answer. */}
          <label className="sr-only" htmlFor={roleId}>
            Role of {memberName}
          </label>
          <select key={role} id={roleId} name="role" defaultValue={role} className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm">
            <option value="MEMBER">Member</option>
            <option value="ADMIN">Admin</option>
          </select>
          <SubmitButton variant="secondary" pendingLabel="Saving…" aria-label={`Save role of ${memberName}`}>
            Save role
          </SubmitButton>
        </form>
      )}
      {!isSelf ? (
        <form action={activeAction} onSubmit={() => setLast("active")}>
          <Button type="submit" variant={isActive ? "ghost" : "secondary"} pending={activePending} pendingLabel={isActive ? "Disabling…" : "Enabling…"} aria-label={`${isActive ? "Disable" : "Enable"} ${memberName}`}>
            {isActive ? "Disable" : "Enable"}
          </Button>
        </form>
      ) : null}
      {signInThrottled ? (
        <form action={unlockAction} onSubmit={() => setLast("unlock")}>
          <Button type="submit" variant="secondary" pending={unlockPending} pendingLabel="Unlocking…" aria-label={`Unlock sign-in of ${memberName}`}>
            Unlock sign-in
          </Button>
        </form>
      ) : null}
      <p aria-live="polite" className={message?.status === "error" ? "basis-full text-sm text-red-700 md:text-right" : "basis-full text-sm text-emerald-700 md:text-right"}>
        {message && message.status !== "idle" && "message" in message ? message.message : null}
      </p>
      {!isSelf && isActive ? <ResetPassword memberName={memberName} action={resetPassword} /> : null}
    </div>
  );
}
