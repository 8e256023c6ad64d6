"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { FLASH_COOKIE } from "@/lib/shared/flash";

function takeFlash(): string | null {
  const entry = document.cookie.split("; ").find((part) => part.startsWith(`${FLASH_COOKIE}=`));
  if (!entry) {
    return null;
  }
  document.cookie = `${FLASH_COOKIE}=; Max-Age=0; path=/`;
  try {
    return decodeURIComponent(entry.slice(FLASH_COOKIE.length + 1)) || null;
  } catch {
    return null;
  }
}

/**
 * The confirmation after an action that moved to another page (lib/entry/flash.ts): one polite
 * live region, present from the start so screen readers announce what appears in it; the
 * message takes focus so keyboard users start from it, and stays until dismissed or the next page.
 */
export function Toaster() {
  const pathname = usePathname();
  const search = useSearchParams();
  const [message, setMessage] = useState<string | null>(null);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Reading a cookie is a browser-only effect: the message arrives with the page it was left for.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setMessage(takeFlash());
  }, [pathname, search]);
  useEffect(() => {
    if (message) {
      box.current?.focus();
    }
  }, [message]);
  return (
    // A bare polite live region (no role): present from the first render so its content is
    // announced, without adding an empty "status" to every page for locators and tools to trip on.
    <div aria-live="polite" aria-atomic="true" className="pointer-events-none fixed inset-x-0 bottom-4 z-50 flex justify-center px-4">
      {message ? (
        <div ref={box} tabIndex={-1} data-toast className="pointer-events-auto flex max-w-lg items-start gap-3 rounded-md border border-emerald-200 bg-emerald-50 px-4 py-3 text-sm text-emerald-900 shadow-lg outline-none focus:ring-2 focus:ring-emerald-600">
          <p>{message}</p>
          <button type="button" onClick={() => setMessage(null)} className="ml-auto font-medium underline">
            Dismiss
          </button>
        </div>
      ) : null}
    </div>
  );
}
