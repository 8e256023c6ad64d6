import { describe, expect, it } from "vitest";
import { auditPageQuerySchema, encodeAuditCursor } from "./audit";
import { formatTimeCursor, parseTimeCursor } from "./cursor";
import { cursorParam, deliveryPageQuerySchema } from "./deliveries";

const ID = "0d6f1d2e-3b7c-4a1e-9f00-5c2b8e4d7a61";
const AT = new Date("2026-12-04T10:11:12.345Z");

describe("the time-and-id cursor of the newest-first logs", () => {
  it("reads back what it writes", () => {
    expect(parseTimeCursor(formatTimeCursor({ at: AT, id: ID }))).toEqual({ at: AT, id: ID });
    expect(parseTimeCursor(`${AT.toISOString()}_${ID.toUpperCase()}`)).toEqual({ at: AT, id: ID });
  });

  it("refuses a damaged time or an id that is not a UUID (PostgreSQL's uuid column would fail the page)", () => {
    for (const value of [
      `${AT.toISOString()}_${"a".repeat(36)}`,
      `${AT.toISOString()}_${"-".repeat(36)}`,
      `${AT.toISOString()}_${ID}x`,
      `2026-99-99T00:00:00.000Z_${ID}`,
      `yesterday_${ID}`,
      `${AT.toISOString()}${ID}`,
      `_${ID}`,
      "",
    ]) {
      expect(parseTimeCursor(value), value).toBeNull();
    }
  });

  it("makes the audit log say its link is damaged, and the delivery logs start from the newest", () => {
    const damaged = `${AT.toISOString()}_${"a".repeat(36)}`;
    const audit = auditPageQuerySchema.safeParse({ cursor: damaged });
    expect(audit.success).toBe(false);
    expect(audit.error?.issues[0]?.message).toMatch(/damaged/);
    expect(auditPageQuerySchema.parse({ cursor: encodeAuditCursor({ createdAt: AT, id: ID }) }).cursor).toEqual({ createdAt: AT, id: ID });
    expect(deliveryPageQuerySchema.parse({ before: damaged })).toEqual({ before: undefined });
    expect(deliveryPageQuerySchema.parse({ before: ["a", "b"] })).toEqual({ before: undefined });
    expect(deliveryPageQuerySchema.parse({ before: cursorParam({ receivedAt: AT, id: ID }) })).toEqual({ before: { receivedAt: AT, id: ID } });
  });
});
