"use client";

import { useCallback, useState } from "react";

export type CopyOutcome = "idle" | "copied" | "select";

/**
 * Copy to the clipboard, everywhere a person may run Keel. The Clipboard API exists only in a
 * secure context (https, or localhost): on Keel served over plain http inside a network — a
 * common first install — `navigator.clipboard` is undefined and a Copy button that relies on it
 * does nothing at all. Then the text is selected and the browser's copy command tried; if the
 * browser refuses that too, the outcome is "select": the text is selected and the person is told
 * to press the copy keys. Never a silent click.
 */
export function useCopy(): { outcome: CopyOutcome; copy: (value: string, select: () => void) => void } {
  const [outcome, setOutcome] = useState<CopyOutcome>("idle");
  const copy = useCallback((value: string, select: () => void) => {
    const fallback = () => {
      select();
      let copied = false;
      try {
        copied = document.execCommand("copy");
      } catch {
        copied = false;
      }
      setOutcome(copied ? "copied" : "select");
    };
    if (typeof navigator.clipboard?.writeText !== "function") {
      fallback();
      return;
    }
    navigator.clipboard.writeText(value).then(() => setOutcome("copied"), fallback);
  }, []);
  return { outcome, copy };
}

/** What the live region next to a Copy button says. */
export function copyMessage(outcome: CopyOutcome): string {
  return outcome === "copied" ? "Copied." : outcome === "select" ? "This browser did not allow copying: the text is selected, press Ctrl+C (⌘C on a Mac)." : "";
}
