"use client";

import { useId, useRef } from "react";
import CopyIcon from "lucide-react/icons/copy";
import { buttonClasses } from "@/components/ui/button";
import { copyMessage, useCopy } from "@/components/ui/use-copy";

/** A read-only value (a URL, an id) with a Copy button that works on plain http too (useCopy). */
export function CopyField({ label, value, id: givenId }: { label: string; value: string; id?: string }) {
  const ownId = useId();
  const id = givenId ?? ownId;
  const input = useRef<HTMLInputElement>(null);
  const { outcome, copy } = useCopy();
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <div className="flex min-w-0 gap-2">
        <input ref={input} id={id} readOnly value={value} className="block w-full min-w-0 rounded-md border border-slate-300 bg-slate-50 px-3 py-1.5 font-mono text-xs text-slate-900" onFocus={(event) => event.currentTarget.select()} />
        <button type="button" className={buttonClasses("secondary", "shrink-0", "sm")} onClick={() => copy(value, () => input.current?.select())}>
          <CopyIcon className="h-4 w-4" aria-hidden="true" />
          <span aria-hidden="true">Copy</span>
          <span className="sr-only">Copy {label}</span>
        </button>
      </div>
      <p aria-live="polite" className="text-xs text-slate-600">
        {copyMessage(outcome)}
      </p>
    </div>
  );
}
