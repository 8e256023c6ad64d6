import Link from "next/link";

export default function Forbidden() {
  return (
    <main id="main" tabIndex={-1} className="outline-none mx-auto max-w-xl px-4 py-16">
      <p className="text-sm font-semibold text-red-700">403 — Not allowed</p>
      <h1 className="mt-2 text-2xl font-semibold text-slate-900">Only admins can open this page</h1>
      <p className="mt-3 text-sm text-slate-600">Your role in this organization is Member. Ask an admin if you need them to change something here.</p>
      <Link href="/connections" className="mt-6 inline-block text-sm font-medium text-brand-700 underline">
        Back to connections
      </Link>
    </main>
  );
}
