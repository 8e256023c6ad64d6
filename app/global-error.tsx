"use client";

export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", padding: "4rem 1rem", maxWidth: "36rem", margin: "0 auto" }}>
        <main id="main" tabIndex={-1} className="outline-none">
          <h1>Keel could not load</h1>
          <p>Try again. If it keeps happening, give your admin this reference: {error.digest ?? "n/a"}</p>
          <button type="button" onClick={reset}>
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
