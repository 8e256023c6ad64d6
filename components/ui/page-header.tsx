import type { ReactNode } from "react";
import { Breadcrumbs, type Crumb } from "./breadcrumbs";

/** The title row of a page, with optional breadcrumbs (detail pages), description and actions. */
export function PageHeader({ title, description, actions, breadcrumbs }: { title: string; description?: ReactNode; actions?: ReactNode; breadcrumbs?: readonly Crumb[] }) {
  return (
    <div className="mb-6">
      {breadcrumbs ? <Breadcrumbs items={breadcrumbs} /> : null}
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
          {description ? <div className="mt-1 max-w-3xl text-sm text-slate-600">{description}</div> : null}
        </div>
        {/* items-start: an action that grows (a form with its answer below it) must not stretch its neighbours. */}
        {actions ? <div className="flex flex-wrap items-start gap-2">{actions}</div> : null}
      </div>
    </div>
  );
}
