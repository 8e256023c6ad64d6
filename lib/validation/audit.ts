import { z } from "zod";
import { formatTimeCursor, parseTimeCursor } from "./cursor";
import { dayFilterField } from "./form";

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The audit log's filters (page and CSV export alike); strict: an unknown parameter is refused. */
export const auditFilterShape = {
  actor: z.union([z.literal("system"), z.uuid({ error: "Actor must be a member or Keel" })]).optional(),
  action: z
    .string()
    .max(100, "Action is too long")
    .regex(/^[a-z_]+(\.[a-z_]*)*$/, "Action must look like connection.deleted (or connection. for all of them)")
    .optional(),
  target: z
    .string()
    .max(200, "Target must be at most 200 characters")
    .refine((value) => !CONTROL.test(value), "Target must not contain control characters")
    .transform((value) => value.trim())
    .optional(),
  from: dayFilterField("From", false).optional(),
  to: dayFilterField("To", true).optional(),
};

/** `/settings/audit?…&cursor=`: the cursor is the keyset of the next page (createdAt and id). */
export const auditPageQuerySchema = z.strictObject({
  ...auditFilterShape,
  cursor: z
    .string()
    .transform((value, context) => {
      const cursor = parseTimeCursor(value);
      if (!cursor) {
        context.addIssue({ code: "custom", message: "The page link is damaged: start from the newest events" });
        return z.NEVER;
      }
      return { createdAt: cursor.at, id: cursor.id };
    })
    .optional(),
});
export type AuditPageQuery = z.infer<typeof auditPageQuerySchema>;

/** `GET /api/audit/export?…`: the same filters. */
export const auditExportQuerySchema = z.strictObject(auditFilterShape);

/** A cursor for links. */
export function encodeAuditCursor(cursor: { createdAt: Date; id: string }): string {
  return formatTimeCursor({ at: cursor.createdAt, id: cursor.id });
}
