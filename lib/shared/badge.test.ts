import { describe, expect, it } from "vitest";
import { badgeStateOf, badgeSvg, textWidth } from "./badge";

describe("status badges", () => {
  it("show the latest finished build: passing, failing, or no builds yet", () => {
    expect(badgeStateOf("SUCCEEDED")).toBe("passing");
    expect(badgeStateOf("FAILED")).toBe("failing");
    expect(badgeStateOf("TIMED_OUT")).toBe("failing");
    expect(badgeStateOf("ERROR")).toBe("failing");
    expect(badgeStateOf(null)).toBe("no builds");
  });

  it("draw an accessible SVG as wide as its words, its text escaped", () => {
    const passing = badgeSvg("passing");
    expect(passing).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="20" role="img" aria-label="build: passing">/);
    expect(passing).toContain("<title>build: passing</title>");
    expect(passing).toContain('fill="#2f855a"');
    const width = (svg: string) => Number(/width="(\d+)"/.exec(svg)![1]);
    expect(width(badgeSvg("no builds"))).toBeGreaterThan(width(passing));
    expect(textWidth("mmm")).toBeGreaterThan(textWidth("iii"));
    expect(badgeSvg("failing", `<a href="x">&`)).toContain("&lt;a href=&quot;x&quot;&gt;&amp;");
    expect(badgeSvg("failing", `<a href="x">&`)).not.toContain("<a ");
  });
});
