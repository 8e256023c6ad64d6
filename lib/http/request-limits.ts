/**
 * How large a request body Keel's web server accepts, by path — decided before Next.js reads a
 * byte, for every route: next-auth's `/api/auth/*` (which reads its own bodies), the JSON routes
 * and the pages that take server actions. Pure, so it is tested without a server.
 *
 * A body must declare its length (`Content-Length`): Node's parser then never delivers more than
 * declared, so comparing the declared length with the limit caps what is read. A chunked body
 * (no declared length) is refused with 411 — browsers, next-auth's client, server actions and
 * Azure DevOps' service hooks all send `Content-Length`.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** One row of the table: paths starting with `prefix` accept bodies up to `maxBytes`. */
export type BodyLimit = { prefix: string; maxBytes: number; why: string };

/**
 * The table, most specific prefix first. A new route that needs more (a webhook with large
 * payloads) gets its own row here rather than a higher default.
 */
export const BODY_LIMITS: readonly BodyLimit[] = [
  { prefix: "/api/auth/", maxBytes: 64 * KiB, why: "next-auth: a sign-in form, a CSRF token, a sign-out" },
  { prefix: "/api/", maxBytes: 1 * MiB, why: "JSON routes (lib/entry caps parsed bodies at 256 KiB; service-hook payloads are larger)" },
  // Server actions post to pages; Next.js applies serverActions.bodySizeLimit (2 MB) itself, so
  // this only has to sit above it for Next's own, clearer refusal to be the one users see.
  { prefix: "/", maxBytes: 3 * MiB, why: "pages and their server actions (Next.js enforces 2 MB)" },
];

/** The largest body accepted for a request target (path, with or without a query). */
export function bodyLimitFor(target: string | undefined): number {
  const path = (target ?? "/").split("?")[0] ?? "/";
  return BODY_LIMITS.find((limit) => path.startsWith(limit.prefix))?.maxBytes ?? 64 * KiB;
}

export type BodyVerdict = { ok: true } | { ok: false; status: 400 | 411 | 413; code: string; message: string };

// RFC 2046: a multipart body's boundary is 1–70 characters of this set (quoted when it has spaces).
const MULTIPART_BOUNDARY = /;\s*boundary=(?:"[0-9A-Za-z'()+_,\-./:=? ]{1,70}"|[0-9A-Za-z'()+_,\-./:=?]{1,70})\s*(?:;|$)/i;

/** Whether a request's declared body fits: `headers` as Node's IncomingMessage gives them. */
export function checkRequestBody(target: string | undefined, headers: Readonly<Record<string, string | string[] | undefined>>): BodyVerdict {
  const limit = bodyLimitFor(target);
  const transferEncoding = headers["transfer-encoding"];
  const rawLength = headers["content-length"];
  if (transferEncoding !== undefined && rawLength === undefined) {
    return { ok: false, status: 411, code: "LENGTH_REQUIRED", message: "Keel accepts request bodies only with a Content-Length." };
  }
  // A multipart body without a boundary cannot be read: Next.js, reading a page's form post as a
  // server action, fails on it with a 500. Browsers always send one.
  const contentType = headers["content-type"];
  const type = (Array.isArray(contentType) ? contentType[0] : contentType) ?? "";
  if (/^\s*multipart\/form-data\s*(;|$)/i.test(type) && !MULTIPART_BOUNDARY.test(type)) {
    return { ok: false, status: 400, code: "MULTIPART_BOUNDARY_MISSING", message: "A multipart/form-data body needs a boundary parameter in its Content-Type." };
  }
  if (rawLength === undefined) {
    return { ok: true };
  }
  const text = Array.isArray(rawLength) ? rawLength[0] : rawLength;
  if (!/^\d{1,15}$/.test(text ?? "")) {
    return { ok: false, status: 413, code: "PAYLOAD_TOO_LARGE", message: "The request's Content-Length is not a number." };
  }
  if (Number(text) > limit) {
    return { ok: false, status: 413, code: "PAYLOAD_TOO_LARGE", message: `The request body is larger than the ${formatBytes(limit)} this address accepts.` };
  }
  return { ok: true };
}

function formatBytes(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`;
}
