"use client";

import Link from "next/link";
import { signOut } from "next-auth/react";
import { useActionState, useEffect, useRef, useState, useTransition } from "react";
import { signOutEverywhereAction } from "@/lib/actions/session";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { Spinner } from "@/components/ui/spinner";

/** The signed-in user's menu: who they are, their account page, sign out, sign out everywhere. */
export function UserMenu({ name, email, role }: { name: string; email: string; role: "ADMIN" | "MEMBER" }) {
  const [open, setOpen] = useState(false);
  const [signingOut, startSignOut] = useTransition();
  const [state, everywhere, pendingEverywhere] = useActionState(signOutEverywhereAction, idleState as FormState);
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (state.status === "success") {
      void signOut({ callbackUrl: "/signin" });
    }
  }, [state]);

  useEffect(() => {
    if (!open) {
      return;
    }
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === "Escape" : !container.current?.contains(event.target as Node)) {
        setOpen(false);
      }
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);

  return (
    <div className="relative" ref={container}>
      <button
        type="button"
        aria-expanded={open}
        aria-controls="user-menu"
        onClick={() => setOpen((value) => !value)}
        className="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100"
      >
        <span className="flex h-7 w-7 items-center justify-center rounded-full bg-brand-100 text-xs font-semibold text-brand-700" aria-hidden="true">
          {name.slice(0, 1).toUpperCase()}
        </span>
        {/* On a phone only the initial shows; the name stays in the button's accessible name. */}
        <span className="sr-only sm:not-sr-only">{name}</span>
        <span className="sr-only">, open the account menu</span>
      </button>
      {open ? (
        <div id="user-menu" className="absolute right-0 z-40 mt-2 w-64 max-w-[calc(100vw-2rem)] rounded-md border border-slate-200 bg-white p-2 shadow-lg">
          <div className="border-b border-slate-100 px-2 pb-2 text-sm">
            <p className="font-medium text-slate-900">{name}</p>
            <p className="truncate text-slate-600">{email}</p>
            <p className="mt-1 text-xs text-slate-500">{role === "ADMIN" ? "Admin" : "Member"}</p>
          </div>
          <Link href="/settings/account" onClick={() => setOpen(false)} className="mt-1 flex w-full items-center gap-2 rounded px-2 py-1.5 text-left text-sm text-slate-700 hover:bg-slate-100">
            Your account (change password)
          </Link>
          <button
            type="button"
            disabled={signingOut}
            onClick={() => startSignOut(() => signOut({ callbackUrl: "/signin" }))}
            className="mt-1 flex w-full items-center gap-2 rounded px-2 py-1.5 text-left text-sm text-slate-700 hover:bg-slate-100"
          >
            {signingOut ? <Spinner /> : null}
            {signingOut ? "Signing out…" : "Sign out"}
          </button>
          <form action={everywhere}>
            <button type="submit" disabled={pendingEverywhere} className="flex w-full items-center gap-2 rounded px-2 py-1.5 text-left text-sm text-slate-700 hover:bg-slate-100">
              {pendingEverywhere ? <Spinner /> : null}
              {pendingEverywhere ? "Signing out everywhere…" : "Sign out on all devices"}
            </button>
            {state.status === "error" ? (
              <p role="alert" className="px-2 pt-1 text-xs text-red-700">
                {state.message}
              </p>
            ) : null}
          </form>
        </div>
      ) : null}
    </div>
  );
}
