/**
 * The response headers that tell browsers what Keel's pages may do (SECURITY.md, "Headers").
 * Pure, so the proxy (proxy.ts), the web server and the tests share one definition.
 *
 * Content-Security-Policy, per page request, with a fresh nonce (Next.js' documented approach:
 * proxy.ts sets it on the request, Next.js reads the nonce from it and stamps its own scripts):
 * - scripts: only those carrying this response's nonce, and what they load ('strict-dynamic');
 *   no 'unsafe-inline', no 'unsafe-eval' (outside `next dev`);
 * - styles: style sheets from Keel and <style> elements with the nonce; style *attributes* are
 *   allowed ('unsafe-inline' in style-src-attr only) because React renders `style={…}` props as
 *   attributes (the picker's virtual list positions rows that way), and an attribute cannot
 *   carry a nonce — a style attribute cannot run script;
 * - connect-src 'self': fetch and EventSource (server-sent events, build logs) to Keel only;
 * - frame-ancestors 'none': no page of Keel inside anyone's frame (clickjacking);
 * - form-action 'self', base-uri 'none', object-src 'none';
 * - upgrade-insecure-requests when Keel is served over https.
 */

/** A fresh CSP nonce: 128 random bits, base64. */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/** The Content-Security-Policy of a page response carrying `nonce`. */
export function pageContentSecurityPolicy(nonce: string, options: { https: boolean; development: boolean }): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

/**
 * The Content-Security-Policy of every response that is not a page (JSON routes, the health
 * check, OpenID discovery and keys): nothing may load or run, nobody may frame it. It does not
 * restrict who may fetch the JSON (that is CORS, and server-to-server callers ignore CSP).
 */
export const NON_PAGE_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Strict-Transport-Security when Keel's public URL is https (a year; subdomains are the operator's to decide). */
export function strictTransportSecurity(publicUrl: string): string | null {
  return publicUrl.startsWith("https://") ? "max-age=31536000" : null;
}
