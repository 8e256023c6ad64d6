import type { ReactNode } from "react";
import type { FailureText } from "@/lib/oauth/failures";

/** A failed OAuth round trip: what happened, that nothing was linked, and what to do. */
export function OAuthFailure({ text, children }: { text: FailureText; children?: ReactNode }) {
  return (
    <section aria-labelledby="oauth-failure-heading" className="space-y-4">
      <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-4">
        <h2 id="oauth-failure-heading" className="text-base font-semibold text-slate-900">
          {text.title}
        </h2>
        <p className="mt-1 text-sm text-slate-800">{text.detail}</p>
      </div>
      <div className="rounded-md border border-slate-200 bg-white p-4 text-sm text-slate-800">
        <p className="font-medium">What to do</p>
        <ol className="mt-1 list-decimal space-y-1 pl-5">
          {text.fix.map((step) => (
            <li key={step}>{step}</li>
          ))}
        </ol>
      </div>
      {children ? <div className="flex flex-wrap items-start gap-3">{children}</div> : null}
    </section>
  );
}
