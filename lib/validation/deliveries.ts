// The delivery log's query string: the keyset cursor of older deliveries. A damaged cursor is
// ignored (the log starts from the newest delivery), never an error.
import { z } from "zod";
import { formatTimeCursor, parseTimeCursor } from "./cursor";

export const deliveryPageQuerySchema = z.object({
  before: z
    .string()
    .transform((value) => {
      const cursor = parseTimeCursor(value);
      return cursor ? { receivedAt: cursor.at, id: cursor.id } : undefined;
    })
    .optional()
    .catch(undefined),
});

/** The cursor of the page after `next` (the last delivery shown). */
export function cursorParam(next: { receivedAt: Date; id: string }): string {
  return formatTimeCursor({ at: next.receivedAt, id: next.id });
}
