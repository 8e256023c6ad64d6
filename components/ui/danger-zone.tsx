import type { ReactNode } from "react";
import TriangleAlertIcon from "lucide-react/icons/triangle-alert";

/**
 * The bottom-of-page section for actions that destroy something (delete a connection, a build
 * profile…): a red-bordered card with one row per action, so a destructive button is never the
 * page's main button.
 */
export function DangerZone({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <section aria-labelledby="danger-zone-heading" className={`rounded-lg border border-red-200 bg-white shadow-sm ${className ?? ""}`}>
      <h2 id="danger-zone-heading" className="flex items-center gap-2 border-b border-red-200 px-5 py-3 text-base font-semibold text-red-800">
        <TriangleAlertIcon className="h-4 w-4" aria-hidden="true" />
        Danger zone
      </h2>
      <div className="divide-y divide-red-100">{children}</div>
    </section>
  );
}

/** One destructive action in the danger zone: what it does, and its button. */
export function DangerAction({ title, description, action }: { title: string; description: ReactNode; action: ReactNode }) {
  return (
    <div className="flex flex-col gap-3 px-5 py-4 sm:flex-row sm:items-center sm:justify-between">
      <div className="min-w-0">
        <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
        <div className="mt-1 text-sm text-slate-600">{description}</div>
      </div>
      <div className="shrink-0">{action}</div>
    </div>
  );
}
