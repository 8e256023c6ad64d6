/**
 * Whether Next.js can decode what a request names, checked by Keel's web server before any of
 * Next.js' or Keel's code runs. Pure, so it is tested without a server.
 *
 * The path: Next.js decodes every dynamic segment (`/connections/[id]`) with
 * `decodeURIComponent` and, for a malformed percent-sequence such as `%E0%A4%A`, throws from
 * inside its route modules, where it answers 500. A user can type or paste such an address, so
 * the web server answers it first: 400, naming the fix.
 */
export type TargetVerdict = { ok: true } | { ok: false; status: 400; code: "BAD_REQUEST_TARGET"; message: string };

export function checkRequestTarget(target: string | undefined): TargetVerdict {
  const path = (target ?? "/").split("?")[0] ?? "/";
  if (!path.includes("%")) {
    return { ok: true };
  }
  try {
    decodeURIComponent(path);
    return { ok: true };
  } catch {
    return { ok: false, status: 400, code: "BAD_REQUEST_TARGET", message: "The address has a damaged %-escape in its path. Check the link, or go back to Keel's home page." };
  }
}

/**
 * The `Next-Router-State-Tree` header: URI-encoded JSON that Next.js' client router sends with
 * every navigation. Next.js answers a damaged one with 400 on a page but 500 on an address
 * without a page (its not-found rendering parses it unguarded), so a damaged one is refused here
 * for every address. Only the encoding is checked; Next.js checks the shape.
 */
export function checkRouterStateHeader(value: string | string[] | undefined): TargetVerdict {
  if (value === undefined) {
    return { ok: true };
  }
  try {
    JSON.parse(decodeURIComponent(Array.isArray(value) ? (value[0] ?? "") : value));
    return { ok: true };
  } catch {
    return { ok: false, status: 400, code: "BAD_REQUEST_TARGET", message: "The navigation's router state could not be read. Reload the page." };
  }
}
