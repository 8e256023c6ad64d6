/**
 * Whether a request's path can be decoded at all. Next.js decodes every dynamic segment
 * (`/connections/[id]`) with `decodeURIComponent` and, for a malformed percent-sequence such as
 * `%E0%A4%A`, throws from inside its route modules, where it answers 500. A user can type or
 * paste such an address, so Keel's web server answers it first: 400, naming the fix. Pure, so
 * it is tested without a server.
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
