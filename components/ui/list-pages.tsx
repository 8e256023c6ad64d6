import Link from "next/link";
import { buttonClasses } from "./button";
import { LinkPending } from "./link-pending";

/**
 * Previous / "Page 2 of 7" / Next under a paged list (nothing when it has one page). `hrefOf`
 * builds a page's address with the list's filters kept; the labels say which way the list runs
 * ("Newer builds" on a newest-first list).
 */
export function ListPages({ page, pages, hrefOf, previousLabel = "Previous page", nextLabel = "Next page" }: { page: number; pages: number; hrefOf: (page: number) => string; previousLabel?: string; nextLabel?: string }) {
  if (pages <= 1) {
    return null;
  }
  return (
    <nav aria-label="Pages" className="mt-4 flex items-center justify-between gap-3 text-sm">
      {page > 1 ? (
        <Link href={hrefOf(page - 1)} className={buttonClasses("secondary")}>
          {previousLabel}
          <LinkPending />
        </Link>
      ) : (
        <span />
      )}
      <span className="text-slate-600">
        Page {page} of {pages}
      </span>
      {page < pages ? (
        <Link href={hrefOf(page + 1)} className={buttonClasses("secondary")}>
          {nextLabel}
          <LinkPending />
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}
