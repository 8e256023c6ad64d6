"use client";

import { useRouter } from "next/navigation";
import type { MouseEvent, ReactNode } from "react";

/**
 * Client-side navigation for the plain links inside it, by one click handler on the container
 * instead of a `next/link` per link. A 50-row list with a `<Link>` per row costs the server a
 * client component per row (serialized into the page's data and rendered to HTML) — most of a
 * list page's rendering time (issue 17). The links stay ordinary `<a href>` elements: they work
 * before the page hydrates, open in a new tab with a modifier key or the middle button, and
 * screen readers see plain links. Only a plain left click on a same-origin link without a
 * target or download becomes a router push.
 */
export function SoftLinks({ children, className }: { children: ReactNode; className?: string }) {
  const router = useRouter();
  const onClick = (event: MouseEvent<HTMLDivElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    const anchor = (event.target as Element).closest?.("a[href]");
    if (!(anchor instanceof HTMLAnchorElement) || !event.currentTarget.contains(anchor)) {
      return;
    }
    if ((anchor.target && anchor.target !== "_self") || anchor.hasAttribute("download")) {
      return;
    }
    const url = new URL(anchor.href, window.location.href);
    if (url.origin !== window.location.origin) {
      return;
    }
    event.preventDefault();
    router.push(`${url.pathname}${url.search}${url.hash}`);
  };
  return (
    // The handler only upgrades clicks on the links inside (Enter on a focused link clicks it too).
    <div className={className} onClick={onClick}>
      {children}
    </div>
  );
}
