"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef, useTransition, type ReactNode } from "react";
import { Button } from "./button";
import { cn } from "./cn";

/**
 * The GET form of a filter bar. Before the page's JavaScript runs it is a plain form (the
 * browser asks `action` with every field). After, it navigates in a transition, so Apply says
 * "Applying…" until the filtered list is there (a navigation started by next/form or a plain
 * link is not a form action, and useFormStatus never saw it pending), and fields left blank
 * stay out of the address.
 */
export function FilterForm({ action, label, className, applyLabel, actions, actionsClassName, children }: { action: string; label: string; className: string; applyLabel: string; actions?: ReactNode; actionsClassName?: string; children: ReactNode }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  // The form stays mounted from one address to the next (Apply, "Clear filters", Back): each new
  // address puts every field back to what the page now shows, not what was last typed. The
  // selects follow their new default by remounting (FilterSelect); inputs by this reset.
  const form = useRef<HTMLFormElement>(null);
  const search = useSearchParams().toString();
  useEffect(() => {
    form.current?.reset();
  }, [search]);
  return (
    <form
      ref={form}
      action={action}
      role="search"
      aria-label={label}
      aria-busy={pending || undefined}
      className={className}
      onSubmit={(event) => {
        event.preventDefault();
        const params = new URLSearchParams();
        for (const [name, value] of new FormData(event.currentTarget)) {
          if (typeof value === "string" && value !== "") {
            params.append(name, value);
          }
        }
        const target = params.size > 0 ? `${action}?${params}` : action;
        startTransition(() => router.push(target));
      }}
    >
      {children}
      <div className={cn("flex items-center gap-3", actionsClassName)}>
        <Button type="submit" variant="secondary" pending={pending} pendingLabel="Applying…">
          {applyLabel}
        </Button>
        {actions}
      </div>
    </form>
  );
}
