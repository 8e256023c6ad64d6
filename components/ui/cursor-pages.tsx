import Link from "next/link";
import type { ReactNode } from "react";
import { buttonClasses } from "./button";
import { LinkPending } from "./link-pending";

type PageLink = { href: string; label: string };

/**
 * Paging of a newest-first log read with a time cursor (the audit log, the delivery logs): a way
 * back to the newest entries from an older page (Back is not the only way up), the next older
 * page, or — at the end — what `end` says. Nothing when there is none of the three.
 */
export function CursorPages({ label, newest, older, end }: { label: string; newest: PageLink | null; older: PageLink | null; end?: ReactNode }) {
  if (!newest && !older && !end) {
    return null;
  }
  return (
    <nav aria-label={label} className="mt-4 flex flex-wrap gap-3">
      {newest ? (
        <Link href={newest.href} className={buttonClasses("secondary")}>
          {newest.label}
          <LinkPending />
        </Link>
      ) : null}
      {older ? (
        <Link href={older.href} className={buttonClasses("secondary")}>
          {older.label}
          <LinkPending />
        </Link>
      ) : (
        end
      )}
    </nav>
  );
}
