import { describe, expect, it } from "vitest";
import type { NextConfig } from "next";
import { BODY_LIMITS, bodyLimitFor, checkRequestBody } from "./request-limits";
import { createNonce, NON_PAGE_CONTENT_SECURITY_POLICY, pageContentSecurityPolicy, strictTransportSecurity } from "./security-headers";

describe("the page Content-Security-Policy", () => {
  it("allows only scripts with this response's nonce, and no inline or eval", () => {
    const nonce = createNonce();
    const policy = pageContentSecurityPolicy(nonce, { https: true, development: false });
    const scripts = policy.split("; ").find((directive) => directive.startsWith("script-src "))!;
    expect(scripts).toBe(`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`);
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("upgrade-insecure-requests");
    expect(pageContentSecurityPolicy(nonce, { https: false, development: false })).not.toContain("upgrade-insecure-requests");
  });

  it("makes a new unguessable nonce every time", () => {
    const nonces = new Set(Array.from({ length: 100 }, () => createNonce()));
    expect(nonces.size).toBe(100);
    expect([...nonces][0]).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });

  it("sends HSTS only when the public URL is https", () => {
    expect(strictTransportSecurity("https://keel.example.com")).toBe("max-age=31536000");
    expect(strictTransportSecurity("http://localhost:3000")).toBeNull();
  });

  it("gives API responses the fixed non-page policy (next.config.mjs is fixed at build time)", async () => {
    // @ts-expect-error -- next.config.mjs is plain JavaScript without type declarations.
    const nextConfig = (await import("@/next.config.mjs")).default as NextConfig;
    const rules = await nextConfig.headers!();
    const api = rules.find((rule) => rule.source === "/api/:path*");
    expect(api?.headers).toContainEqual({ key: "Content-Security-Policy", value: NON_PAGE_CONTENT_SECURITY_POLICY });
    const all = rules.find((rule) => rule.source === "/:path*");
    expect(all?.headers).toContainEqual({ key: "Referrer-Policy", value: "same-origin" });
  });
});

describe("request body limits", () => {
  it("caps next-auth's routes lower than the JSON routes and the pages", () => {
    expect(bodyLimitFor("/api/auth/callback/credentials")).toBe(64 * 1024);
    expect(bodyLimitFor("/api/connections/x/repositories?limit=5")).toBe(1024 * 1024);
    expect(bodyLimitFor("/connections/x")).toBe(3 * 1024 * 1024);
    expect(BODY_LIMITS.at(-1)?.prefix).toBe("/");
  });

  it("refuses a declared length over the limit, a chunked body, and a malformed length", () => {
    expect(checkRequestBody("/api/auth/callback/credentials", { "content-length": String(64 * 1024 + 1) })).toMatchObject({ ok: false, status: 413 });
    expect(checkRequestBody("/api/auth/callback/credentials", { "content-length": "200" })).toEqual({ ok: true });
    expect(checkRequestBody("/api/auth/signout", { "transfer-encoding": "chunked" })).toMatchObject({ ok: false, status: 411 });
    expect(checkRequestBody("/", { "content-length": "1e9" })).toMatchObject({ ok: false, status: 413 });
    expect(checkRequestBody("/", {})).toEqual({ ok: true });
  });
});
