"use client";

import { useEffect } from "react";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    // The server logged the details under this digest; the browser only needs the reference.
    document.title = "Something went wrong · Keel";
  }, []);
  return (
    <main id="main" tabIndex={-1} className="outline-none mx-auto max-w-xl px-4 py-16">
      <p className="text-sm font-semibold text-red-700">Something went wrong</p>
      <h1 className="mt-2 text-2xl font-semibold text-slate-900">Keel could not show this page</h1>
      <p className="mt-3 text-sm text-slate-600">
        Try again. If it keeps happening, give your admin this reference: <code className="rounded bg-slate-100 px-1">{error.digest ?? "n/a"}</code>
      </p>
      <button type="button" onClick={reset} className="mt-6 rounded-md bg-brand-600 px-3.5 py-2 text-sm font-semibold text-white hover:bg-brand-700">
        Try again
      </button>
    </main>
  );
}
