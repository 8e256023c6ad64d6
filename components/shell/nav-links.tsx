"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";

const links = [
  { href: "/connections", label: "Connections" },
  { href: "/profiles", label: "Build profiles" },
  { href: "/builds", label: "Builds" },
  { href: "/settings", label: "Settings" },
];

/** Primary navigation; marks the current section for screen readers. */
export function NavLinks() {
  const pathname = usePathname();
  return (
    <nav aria-label="Main">
      <ul className="flex gap-1">
        {links.map((link) => {
          const current = pathname === link.href || pathname.startsWith(`${link.href}/`) || (link.href === "/connections" && pathname.startsWith("/connect"));
          return (
            <li key={link.href}>
              <Link
                href={link.href}
                aria-current={current ? "page" : undefined}
                className={cn("rounded-md px-3 py-2 text-sm font-medium", current ? "bg-slate-100 text-slate-900" : "text-slate-600 hover:bg-slate-50 hover:text-slate-900")}
              >
                {link.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
