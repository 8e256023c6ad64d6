// The filter bar above a list (connections, build profiles, builds, members, the audit log): a GET form
// (filter-form.tsx) whose fields become the page's query string, read back with parseListQuery
// (lib/validation/list-query.ts). An empty field is no filter, so every field may be left blank.
import Link from "next/link";
import type { ReactNode } from "react";
import { Alert } from "./alert";
import { buttonClasses } from "./button";
import { cn } from "./cn";
import { EmptyState } from "./empty-state";
import { FilterForm } from "./filter-form";

/** The classes of a select or input in a filter bar (add a width where it needs one). */
export const filterControlClasses = "mt-1 block rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-brand-600 focus:outline-none focus:ring-1 focus:ring-brand-600";

/** Says which parameters of the address were ignored (parseListQuery's problems); nothing when there are none. */
export function IgnoredFilters({ problems }: { problems: readonly string[] }) {
  if (problems.length === 0) {
    return null;
  }
  return (
    <Alert tone="warning" title="Some filters in the address were not valid and were ignored" className="mb-6">
      <ul className="ml-5 list-disc">
        {problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </Alert>
  );
}

/**
 * The form: `action` is the list's own path; `layout` replaces the default row of fields (the
 * audit log lays its six out on a grid). Ends with Apply (pending while the list loads) and, when
 * `clear` is set, a link that shows the list without filters.
 */
export function FilterBar({ action, label, layout = "flex flex-wrap items-end gap-3", applyLabel = "Apply", clear, actionsClassName, children }: { action: string; label: string; layout?: string; applyLabel?: string; clear?: string | null; actionsClassName?: string; children: ReactNode }) {
  return (
    <FilterForm
      action={action}
      label={label}
      className={cn("mb-4 rounded-lg border border-slate-200 bg-white p-4 shadow-sm", layout)}
      applyLabel={applyLabel}
      actionsClassName={actionsClassName}
      actions={
        clear ? (
          <Link href={clear} className="py-2 text-sm font-medium text-brand-700 underline">
            Clear filters
          </Link>
        ) : null
      }
    >
      {children}
    </FilterForm>
  );
}

/** A labelled field of a filter bar; `children` is its control, with `id`. */
export function FilterField({ id, label, className, children }: { id: string; label: string; className?: string; children: ReactNode }) {
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {children}
    </div>
  );
}

type Option = { value: string; label: string };

function Options({ options }: { options: readonly Option[] }) {
  return options.map((option) => (
    <option key={option.value} value={option.value}>
      {option.label}
    </option>
  ));
}

/** A select of a filter bar: `options` first, then `groups` (each an optgroup). */
export function FilterSelect({
  id,
  label,
  name,
  defaultValue,
  options = [],
  groups = [],
  className,
  controlClassName,
}: {
  id: string;
  label: string;
  name: string;
  defaultValue: string;
  options?: readonly Option[];
  groups?: readonly { label: string; options: readonly Option[] }[];
  className?: string;
  controlClassName?: string;
}) {
  return (
    <FilterField id={id} label={label} className={className}>
      {/* React applies a select's defaultValue only when it mounts: a new default (a new address) mounts it anew. */}
      <select key={defaultValue} id={id} name={name} defaultValue={defaultValue} className={cn(filterControlClasses, controlClassName)}>
        <Options options={options} />
        {groups.map((group) => (
          <optgroup key={group.label} label={group.label}>
            <Options options={group.options} />
          </optgroup>
        ))}
      </select>
    </FilterField>
  );
}

const ORDERS = [
  { value: "asc", label: "Ascending" },
  { value: "desc", label: "Descending" },
] as const;

/** The sort direction of a list. */
export function OrderSelect({ id, defaultValue }: { id: string; defaultValue: "asc" | "desc" }) {
  return <FilterSelect id={id} label="Order" name="order" defaultValue={defaultValue} options={ORDERS} />;
}

/** The empty state of a filtered list: what to try, and a way back to the whole list. */
export function NoMatches({ title, clear, children }: { title: string; clear: string; children: ReactNode }) {
  return (
    <EmptyState
      title={title}
      action={
        <Link href={clear} className={buttonClasses("secondary")}>
          Clear filters
        </Link>
      }
    >
      {children}
    </EmptyState>
  );
}
