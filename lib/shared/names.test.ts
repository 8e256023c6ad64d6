import { describe, expect, it } from "vitest";
import { storableText } from "./names";

describe("storableText", () => {
  it("replaces what PostgreSQL cannot store in text with U+FFFD, and nothing else", () => {
    expect(storableText("plain name")).toBe("plain name");
    // A valid pair (an emoji) stays; each unpaired half, and NUL, is replaced.
    expect(storableText("app-😀")).toBe("app-😀");
    expect(storableText("a\ud800b")).toBe("a\ufffdb");
    expect(storableText("a\udc00b")).toBe("a\ufffdb");
    expect(storableText("\udc00\ud800")).toBe("\ufffd\ufffd");
    expect(storableText("end\ud83d")).toBe("end\ufffd");
    expect(storableText("nul\u0000x")).toBe("nul\ufffdx");
  });
});
