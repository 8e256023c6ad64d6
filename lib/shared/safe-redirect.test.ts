import { describe, expect, it } from "vitest";
import { sameOriginPath, safeRedirectPath } from "./safe-redirect";
import { HOSTILE_REDIRECTS } from "./test-kit";

describe("safeRedirectPath", () => {
  it("has a table of at least 25 hostile targets", () => {
    expect(HOSTILE_REDIRECTS.length).toBeGreaterThanOrEqual(25);
  });

  it.each(HOSTILE_REDIRECTS)("refuses $label", ({ target }) => {
    expect(safeRedirectPath(target)).toBeNull();
    expect(sameOriginPath(target, "https://keel.example.com")).toBeNull();
  });

  it.each([
    ["/connections", "/connections"],
    ["/connections/6f1c2d7e-4b7a-4a52-9b1e-0d3c1f2a9b7c/repositories?step=wizard", "/connections/6f1c2d7e-4b7a-4a52-9b1e-0d3c1f2a9b7c/repositories?step=wizard"],
    ["/profiles?q=Caf%C3%A9&platform=IOS#list", "/profiles?q=Caf%C3%A9&platform=IOS#list"],
    ["/", "/"],
    // Dot segments that stay on Keel are normalized, not refused.
    ["/settings/../connections", "/connections"],
  ])("keeps Keel's own path %s", (target, expected) => {
    expect(safeRedirectPath(target)).toBe(expected);
  });

  it("accepts absolute URLs only on Keel's own origin", () => {
    const origin = "https://keel.example.com";
    expect(sameOriginPath(`${origin}/profiles?q=x`, origin)).toBe("/profiles?q=x");
    expect(sameOriginPath(origin, origin)).toBe("/");
    expect(sameOriginPath("https://keel.example.com.evil.example/", origin)).toBeNull();
    expect(sameOriginPath(`${origin}//evil.example`, origin)).toBeNull();
    expect(sameOriginPath("http://keel.example.com/connections", origin)).toBeNull();
  });
});
