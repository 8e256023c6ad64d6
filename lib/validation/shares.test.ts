import { describe, expect, it } from "vitest";
import { shareBuildSchema } from "./builds";

describe("a link's What's new", () => {
  it("keeps what was written, with its lines, trimmed; empty means none", () => {
    expect(shareBuildSchema.parse({ days: "7", notes: "  - Rank beside your name\r\n- Try the leaderboard on an iPad\n\n" })).toEqual({ days: 7, notes: "- Rank beside your name\n- Try the leaderboard on an iPad" });
    expect(shareBuildSchema.parse({ days: "1" })).toEqual({ days: 1, notes: "" });
  });

  it("counts a line break once, as the field does, though a form posts it as CR LF", () => {
    const lines = Array.from({ length: 1_000 }, () => "x").join("\r\n");
    // 1,000 characters and 999 breaks: 1,999 as typed, 2,998 as posted.
    expect(shareBuildSchema.safeParse({ days: "7", notes: lines }).success).toBe(true);
    expect(shareBuildSchema.safeParse({ days: "7", notes: `${lines}\r\nxx` }).error?.issues[0]?.message).toBe("What's new must be at most 2,000 characters");
  });

  it("refuses control characters by name", () => {
    expect(shareBuildSchema.safeParse({ days: "7", notes: "ok\u0007" }).error?.issues[0]).toMatchObject({ path: ["notes"], message: "What's new must not contain control characters" });
  });
});
