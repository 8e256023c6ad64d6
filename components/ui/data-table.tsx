import type { ReactNode } from "react";
import { cn } from "./cn";

export type DataTableColumn = { key: string; label: ReactNode };

/**
 * A list page's table in a card: an sr-only caption (screen readers announce what the table
 * is), column headers with `scope="col"`, and the caller's `<tr>` rows as children.
 *
 * Where it has less than 40rem of width (a phone, a narrow pane) the table becomes a list of
 * cards (globals.css, `.table-cards`, a container query):
 * the header row hides and each row stacks its cells; a cell with `data-label="Platform"`
 * shows that label before its value, so give every cell whose value does not name itself one.
 */
export function DataTable({ caption, columns, children, className }: { caption: string; columns: readonly DataTableColumn[]; children: ReactNode; className?: string }) {
  return (
    <div className={cn("table-cards overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm", className)}>
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
