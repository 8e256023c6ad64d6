"use client";

import { useState } from "react";

/** A read-only URL with a Copy button (the URL stays selectable for browsers without clipboard access). */
export function CopyField({ label, value, id: givenId }: { label: string; value: string; id?: string }) {
  const [copied, setCopied] = useState(false);
  const id = givenId ?? `copy-${label.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <div className="flex gap-2">
        <input id={id} readOnly value={value} className="block w-full rounded-md border border-slate-300 bg-slate-50 px-3 py-1.5 font-mono text-xs text-slate-900" onFocus={(event) => event.currentTarget.select()} />
        <button
          type="button"
          className="rounded-md px-3 text-sm font-medium text-brand-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
          onClick={() => {
            void navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
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
