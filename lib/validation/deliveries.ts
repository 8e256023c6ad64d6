// The delivery log's query string: the keyset cursor of older deliveries. A bad value is ignored.
import { z } from "zod";

export const deliveryPageQuerySchema = z.object({
  before: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z_[0-9a-f-]{36}$/)
    .optional()
    .catch(undefined),
});

/** The cursor of the page after `next` (the last delivery shown). */
export function cursorParam(next: { receivedAt: Date; id: string }): string {
  return `${next.receivedAt.toISOString()}_${next.id}`;
}

/** Reads a cursor parameter back. */
export function cursorOf(value: string | undefined): { receivedAt: Date; id: string } | null {
  if (!value) {
    return null;
  }
  const [at, id] = value.split("_");
  const date = new Date(at ?? "");
  return Number.isNaN(date.getTime()) || !id ? null : { receivedAt: date, id };
}
