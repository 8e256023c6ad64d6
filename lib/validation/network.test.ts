import { describe, expect, it } from "vitest";
import { allowlistEntryProblem, allowlistSchema, splitAllowlistText } from "./network";

describe("the Network settings allowlist form", () => {
  it("reads one entry per line (commas too), trims, lower-cases and drops blanks and repeats", () => {
    expect(splitAllowlistText(" git.example.com \n\n10.0.0.0/8, 203.0.113.10\r\n")).toEqual(["git.example.com", "10.0.0.0/8", "203.0.113.10"]);
    const parsed = allowlistSchema.safeParse({ entries: "Git.Example.com\ngit.example.com\n[fd00::1]:8443" });
    expect(parsed.success && parsed.data.entries).toEqual(["git.example.com", "[fd00::1]:8443"]);
    expect(allowlistSchema.safeParse({ entries: "" })).toMatchObject({ success: true, data: { entries: [] } });
  });

  it.each([
    ["not a host!", "is not a host, host:port, IP address"],
    ["https://git.example.com", "is not a host, host:port, IP address"],
    ["0.0.0.0/0", "too wide a range"],
    ["10.0.0.0/7", "too wide a range"],
    ["::/0", "too wide a range"],
    ["0.0.0.0", "not an address Keel can call"],
    ["git.example.com:99999", "is not a host, host:port, IP address"],
  ])("refuses %s, naming the entry", (entry, problem) => {
    expect(allowlistEntryProblem(entry)).toContain(problem);
    const parsed = allowlistSchema.safeParse({ entries: `git.example.com\n${entry}` });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["entries"]);
    expect(parsed.error?.issues[0]?.message).toContain(`"${entry.toLowerCase()}"`);
  });

  it("accepts the forms KEEL_OUTBOUND_ALLOWLIST accepts", () => {
    for (const entry of ["git.example.com", "git.example.com:8080", "10.20.0.5", "10.20.0.5:8080", "10.20.0.0/16", "fd00::/16", "[fd00::1]:443"]) {
      expect(allowlistEntryProblem(entry), entry).toBeNull();
    }
  });

  it("caps the number of entries", () => {
    const many = Array.from({ length: 101 }, (_, index) => `host-${index}.example.com`).join("\n");
    expect(allowlistSchema.safeParse({ entries: many }).error?.issues[0]?.message).toContain("At most 100 entries");
  });
});
