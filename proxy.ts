// Next.js' proxy (the file convention Next.js 16 renamed from middleware): a Content-Security-
// Policy with a fresh nonce on every page request, set on the request so Next.js stamps its own
// scripts with the nonce while rendering, and on the response for the browser
// (lib/http/security-headers.ts says what the policy allows and why). Pages are rendered per
// request already (app/layout.tsx: force-dynamic), which nonces require.
//
// It only sets headers: who may do what is decided by every page and entry point itself
// (SECURITY.md, "Sessions and OAuth").
import { NextResponse, type NextRequest } from "next/server";
import { getEnv } from "@/lib/env";
import { createNonce, pageContentSecurityPolicy } from "@/lib/http/security-headers";

/** Sets the page's Content-Security-Policy (see the file comment). */
export function proxy(request: NextRequest) {
  const env = getEnv();
  const nonce = createNonce();
  const policy = pageContentSecurityPolicy(nonce, { https: (env.KEEL_PUBLIC_URL ?? "").startsWith("https://"), development: env.NODE_ENV === "development" });
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("Content-Security-Policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  return response;
}

export const config = {
  matcher: [
    {
      // Pages only: API routes get the fixed non-page policy (next.config.mjs), static files none.
      source: "/((?!api/|_next/static|_next/image|favicon.ico|keel.svg).*)",
      // Prefetches render no HTML of their own.
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
