"use client";

import { useLinkStatus } from "next/link";
import { Spinner } from "./spinner";

/**
 * Inside a `<Link>`: a spinner (and "(opening)" for screen readers) while the page it opens is
 * on its way, nothing otherwise. Pages have no loading boundaries, so a slow answer would
 * otherwise leave the click without a sign. `fallback` is shown when not pending (an icon).
 */
export function LinkPending({ fallback = null }: { fallback?: React.ReactNode }) {
  const { pending } = useLinkStatus();
  return pending ? (
    <>
      <Spinner />
      <span className="sr-only">(opening)</span>
    </>
  ) : (
    fallback
  );
}
