import Link from "next/link";

export default function NotFound() {
  return (
    <main id="main" tabIndex={-1} className="outline-none mx-auto max-w-xl px-4 py-16">
      <p className="text-sm font-semibold text-slate-500">404 — Not found</p>
      <h1 className="mt-2 text-2xl font-semibold text-slate-900">This page does not exist</h1>
      <p className="mt-3 text-sm text-slate-600">The link may be old, or the item was deleted or belongs to another organization.</p>
      <Link href="/connections" className="mt-6 inline-block text-sm font-medium text-brand-700 underline">
        Go to connections
      </Link>
    </main>
  );
}
