import Link from "next/link";
import ChevronRightIcon from "lucide-react/icons/chevron-right";

export type Crumb = { label: string; href?: string };

/**
 * Where a detail page sits: links to its parents, then the page itself (aria-current="page",
 * not a link). One line: long names truncate (the full name is in the page's heading).
 */
export function Breadcrumbs({ items }: { items: readonly Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb" className="mb-3">
      {/* One line: parents truncate at a fixed width, the current page takes what is left. */}
      <ol className="flex min-w-0 items-center gap-x-1 text-sm text-slate-600">
        {items.map((item, index) => {
          const last = index === items.length - 1;
          return (
            <li key={`${index}-${item.label}`} className={last ? "flex min-w-0 items-center gap-x-1" : "flex shrink-0 items-center gap-x-1"}>
              {index > 0 ? <ChevronRightIcon className="h-4 w-4 shrink-0 text-slate-400" aria-hidden="true" /> : null}
              {last || !item.href ? (
                <span aria-current={last ? "page" : undefined} className={last ? "truncate font-medium text-slate-900" : "block max-w-[9rem] truncate sm:max-w-[16rem]"}>
                  {item.label}
                </span>
              ) : (
                <Link href={item.href} className="block max-w-[9rem] truncate hover:text-slate-900 hover:underline sm:max-w-[16rem]">
                  {item.label}
                </Link>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
