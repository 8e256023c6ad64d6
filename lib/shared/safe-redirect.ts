/**
 * Where Keel may send a browser after sign-in (or any other step that takes a target from the
 * request): only a path on Keel's own origin. Pure, so the sign-in page, next-auth's redirect
 * callback and client components apply the very same rule.
 *
 * Why refuse rather than repair: every trick below is a way to make a string that looks like a
 * path parse as another host in some browser or proxy — `//evil`, `/\evil` (browsers read a
 * backslash as a slash), TAB/CR/LF inside `//` (browsers drop them), `%2F%2F` / `%5C` (decoded by
 * a proxy or by a second redirect), `%25` (double encoding), a leading space (trimmed by the
 * browser), a scheme (`javascript:`, `https:evil`). A target that needs any of them is not one
 * of Keel's own links, so it gets the default instead.
 */

/** Where Keel sends a signed-in user when the requested target is missing or refused. */
export const DEFAULT_AFTER_SIGN_IN = "/connections";

const MAX_LENGTH = 500;
// Anything outside printable ASCII: controls (TAB, CR, LF, NUL…), DEL, space, and every
// non-ASCII character (look-alike slashes, bidi and zero-width controls, ideographic dots).
const NOT_PRINTABLE_ASCII = /[^\x21-\x7e]/;
// Percent-encoded slash, backslash, dot, percent (double encoding) and control characters.
const ENCODED_TRICK = /%(?:2f|5c|2e|25|[01][0-9a-f]|7f)/i;
const BASE = "http://keel.invalid";

/**
 * The same-origin path (`/path?query#fragment`, normalized) a redirect may go to, or null when
 * `raw` is anything else. Absolute URLs are refused even when they name Keel's own origin:
 * `sameOriginPath` below handles those.
 */
export function safeRedirectPath(raw: unknown): string | null {
  if (typeof raw !== "string" || raw === "" || raw.length > MAX_LENGTH) {
    return null;
  }
  if (NOT_PRINTABLE_ASCII.test(raw) || raw.includes("\\") || ENCODED_TRICK.test(raw)) {
    return null;
  }
  // One leading slash, then something that is not a second slash.
  if (!raw.startsWith("/") || raw.startsWith("//")) {
    return null;
  }
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) {
    return null;
  }
  const normalized = `${url.pathname}${url.search}${url.hash}`;
  // Dot segments can collapse into `//host` ("/..//evil.com" → "//evil.com").
  if (!normalized.startsWith("/") || normalized.startsWith("//")) {
    return null;
  }
  return normalized;
}

/**
 * For a URL that may be absolute (next-auth hands its callback URLs over absolute): the safe path
 * when it is on `origin` or a relative path, else null.
 */
export function sameOriginPath(raw: unknown, origin: string): string | null {
  if (typeof raw !== "string") {
    return null;
  }
  if (raw.startsWith(`${origin}/`) || raw === origin) {
    return safeRedirectPath(raw.slice(origin.length) || "/");
  }
  return safeRedirectPath(raw);
}
