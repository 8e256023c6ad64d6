// The keyset cursor of the pages that list events newest first (the audit log, the service-hook
// delivery logs): `<ISO time>_<id>`, the last row shown. It comes back in a link a user can
// edit, so both halves are checked before a query sees them — an id that is not a UUID would
// otherwise reach PostgreSQL's uuid column and fail the whole page.
import { z } from "zod";
import { idSchema } from "./auth";

export type TimeCursor = { at: Date; id: string };

const timeSchema = z.iso.datetime();

/** Reads `<ISO time>_<uuid>`; null when either half is damaged. */
export function parseTimeCursor(value: string): TimeCursor | null {
  const separator = value.indexOf("_");
  if (separator < 0 || value.length > 100) {
    return null;
  }
  const time = value.slice(0, separator);
  const id = value.slice(separator + 1);
  if (!timeSchema.safeParse(time).success || !idSchema.safeParse(id).success) {
    return null;
  }
  const at = new Date(time);
  return Number.isNaN(at.getTime()) ? null : { at, id: id.toLowerCase() };
}

/** The cursor of the page after `last` (the last row shown). */
export function formatTimeCursor(last: { at: Date; id: string }): string {
  return `${last.at.toISOString()}_${last.id}`;
}
