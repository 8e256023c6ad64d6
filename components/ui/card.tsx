import type { ReactNode } from "react";
import { cn } from "./cn";

/** A white panel with an optional heading. */
export function Card({ title, description, actions, children, className, id }: { title?: string; description?: ReactNode; actions?: ReactNode; children?: ReactNode; className?: string; id?: string }) {
  return (
    <section id={id} className={cn("rounded-lg border border-slate-200 bg-white shadow-sm", className)} aria-label={title}>
      {title || actions ? (
        <div className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-200 px-5 py-4">
          <div>
            {title ? <h2 className="text-base font-semibold text-slate-900">{title}</h2> : null}
            {description ? <div className="mt-1 text-sm text-slate-600">{description}</div> : null}
          </div>
          {actions ? <div className="flex gap-2">{actions}</div> : null}
        </div>
      ) : null}
      <div className="px-5 py-4">{children}</div>
    </section>
  );
}
