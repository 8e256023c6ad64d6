import { describe, expect, it } from "vitest";
import type { NextConfig } from "next";
import { BODY_LIMITS, bodyLimitFor, checkRequestBody } from "./request-limits";
import { checkRequestTarget, checkRouterStateHeader } from "./request-target";
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

  it("refuses a multipart body whose Content-Type has no usable boundary, and lets a browser's through", () => {
    for (const type of ["multipart/form-data", "multipart/form-data;", "multipart/form-data; boundary=", `multipart/form-data; boundary=${"x".repeat(71)}`, "MULTIPART/FORM-DATA; charset=utf-8"]) {
      expect(checkRequestBody("/connections", { "content-type": type, "content-length": "5" }), type).toMatchObject({ ok: false, status: 400 });
    }
    for (const type of [
      "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
      "multipart/form-data; boundary=----geckoformboundary1f9c3",
      'multipart/form-data; boundary="a b"',
      "multipart/form-data;boundary=x; charset=utf-8",
      "application/x-www-form-urlencoded",
      "text/plain;charset=UTF-8",
    ]) {
      expect(checkRequestBody("/connections", { "content-type": type, "content-length": "5" }), type).toEqual({ ok: true });
    }
  });
});

describe("request targets", () => {
  it("refuses a path with a damaged %-escape, which Next.js would answer with 500", () => {
    for (const target of ["/connections/%E0%A4%A", "/api/connections/%/repositories", "/profiles/%zz/edit?x=1", "/%"]) {
      expect(checkRequestTarget(target), target).toMatchObject({ ok: false, status: 400 });
    }
  });

  it("refuses a router-state header that is not URI-encoded JSON, and lets the client router's own through", () => {
    expect(checkRouterStateHeader("%E0%A4%A")).toMatchObject({ ok: false, status: 400 });
    expect(checkRouterStateHeader("%7B")).toMatchObject({ ok: false, status: 400 });
    expect(checkRouterStateHeader(encodeURIComponent(JSON.stringify(["", { children: ["connections", { children: ["__PAGE__", {}] }] }, null, null, true])))).toEqual({ ok: true });
    expect(checkRouterStateHeader(undefined)).toEqual({ ok: true });
  });

  it("lets through every well-formed path, encoded or not, and leaves the query to the page's own validation", () => {
    for (const target of ["/", "/connections/21b4f2dc-8e23-4b69-bd8f-d81588efa8c0", "/profiles/caf%C3%A9", "/a%2Fb", "/connections?q=%E0%A4%A", "/api/health?%", undefined]) {
      expect(checkRequestTarget(target), String(target)).toEqual({ ok: true });
    }
  });
});
