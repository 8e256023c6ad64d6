/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Type checking is its own step (`npm run typecheck`, run by CI over the whole
  // repository, tests and emulator included); repeating it inside every build would
  // only slow down the first `npm start` on a fresh machine.
  typescript: { ignoreBuildErrors: true },
  // Keep the server-only runtime pieces out of the bundle: they load native-ish
  // assets (Prisma's WASM query compiler, pino's worker) from node_modules at run time.
  serverExternalPackages: ["pino", "pg", "@prisma/adapter-pg", "@prisma/client"],
  experimental: {
    // forbidden() renders app/forbidden.tsx with a 403.
    authInterrupts: true,
    serverActions: {
      // Above the 1 MB a hostile form may send, so oversized fields reach zod and get
      // a field-level message instead of a bare transport error.
      bodySizeLimit: "2mb",
    },
  },
  async headers() {
    // Pages get their Content-Security-Policy, with a nonce per request, from proxy.ts; HSTS
    // comes from Keel's web server, which knows the public URL at run time (these headers are
    // fixed at build time). lib/http/security-headers.ts explains each choice.
    const security = [
      { key: "X-Frame-Options", value: "DENY" },
      { key: "X-Content-Type-Options", value: "nosniff" },
      { key: "Referrer-Policy", value: "same-origin" },
      { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
      { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
    ];
    return [
      { source: "/:path*", headers: security },
      // Everything under /api answers JSON, next-auth's redirects, downloads (logs, artifacts) or the
      // status badge's SVG (presentation attributes only): nothing in it may load or run.
      // Must equal NON_PAGE_CONTENT_SECURITY_POLICY (lib/http/security-headers.ts; a test compares them).
      { source: "/api/:path*", headers: [{ key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" }] },
      // Pages that show connection details never live in a shared cache.
      { source: "/connections/:path*", headers: [{ key: "Cache-Control", value: "no-store" }] },
      { source: "/connect/:path*", headers: [{ key: "Cache-Control", value: "no-store" }] },
      { source: "/settings/:path*", headers: [{ key: "Cache-Control", value: "no-store" }] },
    ];
  },
};

export default nextConfig;
