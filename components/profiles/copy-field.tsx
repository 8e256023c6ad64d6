"use client";

import { useState } from "react";
import CopyIcon from "lucide-react/icons/copy";
import { buttonClasses } from "@/components/ui/button";

/** A read-only URL with a Copy button (the URL stays selectable for browsers without clipboard access). */
export function CopyField({ label, value, id: givenId }: { label: string; value: string; id?: string }) {
  const [copied, setCopied] = useState(false);
  const id = givenId ?? `copy-${label.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <div className="flex min-w-0 gap-2">
        <input id={id} readOnly value={value} className="block w-full min-w-0 rounded-md border border-slate-300 bg-slate-50 px-3 py-1.5 font-mono text-xs text-slate-900" onFocus={(event) => event.currentTarget.select()} />
        <button
          type="button"
          className={buttonClasses("secondary", "shrink-0", "sm")}
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          <CopyIcon className="h-4 w-4" aria-hidden="true" />
          <span aria-hidden="true">Copy</span>
          <span className="sr-only">Copy {label}</span>
        </button>
      </div>
      <p aria-live="polite" className="text-xs text-slate-600">
        {copied ? "Copied." : ""}
      </p>
    </div>
  );
}
