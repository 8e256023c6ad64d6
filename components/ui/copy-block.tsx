"use client";

import { useRef } from "react";
import CopyIcon from "lucide-react/icons/copy";
import { buttonClasses } from "@/components/ui/button";
import { copyMessage, useCopy } from "@/components/ui/use-copy";

/** A script or a block of commands, scrollable, with a Copy button for the whole of it. */
export function CopyBlock({ label, text, className }: { label: string; text: string; className?: string }) {
  const pre = useRef<HTMLPreElement>(null);
  const { outcome, copy } = useCopy();
  const select = () => {
    const node = pre.current;
    const selection = window.getSelection();
    if (node && selection) {
      const range = document.createRange();
      range.selectNodeContents(node);
      selection.removeAllRanges();
      selection.addRange(range);
    }
  };
  return (
    <div className={className}>
      <div className="relative">
        <pre ref={pre} aria-label={label} tabIndex={0} className="overflow-x-auto rounded bg-slate-900 p-3 pr-24 font-mono text-xs text-slate-100">
          {text}
        </pre>
        <button type="button" className={buttonClasses("secondary", "absolute right-2 top-2", "sm")} onClick={() => copy(text, select)}>
          <CopyIcon className="h-4 w-4" aria-hidden="true" />
          <span aria-hidden="true">Copy</span>
          <span className="sr-only">Copy {label}</span>
        </button>
      </div>
      <p aria-live="polite" className="mt-1 text-xs text-slate-600">
        {copyMessage(outcome)}
      </p>
    </div>
  );
}
