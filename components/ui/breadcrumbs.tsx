import Link from "next/link";
import ChevronRightIcon from "lucide-react/icons/chevron-right";

export type Crumb = { label: string; href?: string };

/**
 * Where a detail page sits: links to its parents, then the page itself (aria-current="page",
 * not a link). Long names truncate on one line; the full name is in the page's heading.
 */
export function Breadcrumbs({ items }: { items: readonly Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb" className="mb-3">
      <ol className="flex min-w-0 flex-wrap items-center gap-x-1 gap-y-1 text-sm text-slate-600">
        {items.map((item, index) => {
          const last = index === items.length - 1;
          return (
            <li key={`${index}-${item.label}`} className="flex min-w-0 max-w-full items-center gap-x-1">
              {index > 0 ? <ChevronRightIcon className="h-4 w-4 shrink-0 text-slate-400" aria-hidden="true" /> : null}
              {last || !item.href ? (
                <span aria-current={last ? "page" : undefined} className={last ? "truncate font-medium text-slate-900" : "truncate"}>
                  {item.label}
                </span>
              ) : (
                <Link href={item.href} className="truncate hover:text-slate-900 hover:underline">
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
