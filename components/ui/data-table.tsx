import type { ReactNode } from "react";
import { cn } from "./cn";

export type DataTableColumn = { key: string; label: ReactNode };

/**
 * A list page's table in a card: an sr-only caption (screen readers announce what the table
 * is), column headers with `scope="col"`, and the caller's `<tr>` rows as children.
 */
export function DataTable({ caption, columns, children, className }: { caption: string; columns: readonly DataTableColumn[]; children: ReactNode; className?: string }) {
  return (
    <div className={cn("overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm", className)}>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            {columns.map((column) => (
              <th key={column.key} scope="col" className="px-4 py-2 font-medium">
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
