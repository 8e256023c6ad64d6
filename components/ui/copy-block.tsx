"use client";

import { useRef, type ReactNode } from "react";
import CopyIcon from "lucide-react/icons/copy";
import { buttonClasses } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { copyMessage, useCopy } from "@/components/ui/use-copy";

/** A script or a block of commands, scrollable, with a Copy button for the whole of it (beside its heading, if given). */
export function CopyBlock({ label, text, className, heading }: { label: string; text: string; className?: string; heading?: ReactNode }) {
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
      {/* Above the block, not over it: long lines scroll sideways and would pass under the button. */}
      <div className={cn("mb-1 flex flex-wrap items-end gap-2", heading ? "justify-between" : "justify-end")}>
        {heading}
        <button type="button" className={buttonClasses("secondary", undefined, "sm")} onClick={() => copy(text, select)}>
          <CopyIcon className="h-4 w-4" aria-hidden="true" />
          <span aria-hidden="true">Copy</span>
          <span className="sr-only">Copy {label}</span>
        </button>
      </div>
      <pre ref={pre} aria-label={label} tabIndex={0} className="overflow-x-auto rounded bg-slate-900 p-3 font-mono text-xs text-slate-100">
        {text}
      </pre>
      <p aria-live="polite" className="mt-1 text-xs text-slate-600">
        {copyMessage(outcome)}
      </p>
    </div>
  );
}
