"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import BlocksIcon from "lucide-react/icons/blocks";
import HammerIcon from "lucide-react/icons/hammer";
import MenuIcon from "lucide-react/icons/menu";
import PlugIcon from "lucide-react/icons/plug";
import SettingsIcon from "lucide-react/icons/settings";
import XIcon from "lucide-react/icons/x";
import { buttonClasses } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { LinkPending } from "@/components/ui/link-pending";

const links = [
  { href: "/connections", label: "Connections", Icon: PlugIcon },
  { href: "/profiles", label: "Build profiles", Icon: BlocksIcon },
  { href: "/builds", label: "Builds", Icon: HammerIcon },
  { href: "/settings", label: "Settings", Icon: SettingsIcon },
];

/**
 * Primary navigation; marks the current section for screen readers. From `md` up the links sit
 * in the top bar; below it they collapse behind a "Menu" disclosure button (aria-expanded):
 * opening moves focus to the first link, Escape or a click outside closes it and gives focus
 * back to the button, and a new page closes it.
 */
export function NavLinks() {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  const [openedOn, setOpenedOn] = useState(pathname);
  const nav = useRef<HTMLElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const listId = useId();

  // Navigating closes the menu (derived from the path it was opened on, not an effect's setState).
  const shown = open && openedOn === pathname;

  useEffect(() => {
    if (!shown) {
      return;
    }
    nav.current?.querySelector<HTMLAnchorElement>("ul a")?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        setOpen(false);
        button.current?.focus();
      }
    };
    const onPointer = (event: MouseEvent) => {
      if (!nav.current?.contains(event.target as Node)) {
        setOpen(false);
      }
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("mousedown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("mousedown", onPointer);
    };
  }, [shown]);

  return (
    <nav aria-label="Main" ref={nav}>
      <button
        ref={button}
        type="button"
        aria-expanded={shown}
        aria-controls={listId}
        onClick={() => {
          setOpenedOn(pathname);
          setOpen(!shown);
        }}
        className={buttonClasses("secondary", "md:hidden", "sm")}
      >
        {shown ? <XIcon className="h-4 w-4" aria-hidden="true" /> : <MenuIcon className="h-4 w-4" aria-hidden="true" />}
        Menu
      </button>
      <ul
        id={listId}
        className={cn(
          "gap-1 md:static md:flex md:flex-row md:border-0 md:bg-transparent md:p-0 md:shadow-none",
          shown ? "absolute inset-x-0 top-full z-30 flex flex-col border-b border-slate-200 bg-white p-2 shadow-lg" : "hidden",
        )}
      >
        {links.map(({ href, label, Icon }) => {
          const current = pathname === href || pathname.startsWith(`${href}/`) || (href === "/connections" && pathname.startsWith("/connect"));
          return (
            <li key={href}>
              <Link
                href={href}
                aria-current={current ? "page" : undefined}
                onClick={() => setOpen(false)}
                className={cn(
                  "flex items-center gap-2 rounded-md px-3 py-2 text-sm font-medium",
                  current ? "bg-slate-100 text-slate-900" : "text-slate-600 hover:bg-slate-50 hover:text-slate-900",
                )}
              >
                <LinkPending fallback={<Icon className="h-4 w-4 shrink-0" aria-hidden="true" />} />
                {label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
