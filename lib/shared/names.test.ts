import { describe, expect, it } from "vitest";
import { attachmentDisposition, codeSpans, formatList, matchCount, storableText } from "./names";

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

describe("formatList", () => {
  it("joins the way a sentence does", () => {
    expect(formatList([])).toBe("");
    expect(formatList(["clone URLs"])).toBe("clone URLs");
    expect(formatList(["clone URLs", "web address"])).toBe("clone URLs and web address");
    expect(formatList(["Ann", "Bo", "Cy"], "or")).toBe("Ann, Bo, or Cy");
  });
});

describe("codeSpans", () => {
  it("cuts backticked commands out of a sentence", () => {
    expect(codeSpans("run `npm ci` and `npm test`.")).toEqual([
      { text: "run ", code: false },
      { text: "npm ci", code: true },
      { text: " and ", code: false },
      { text: "npm test", code: true },
      { text: ".", code: false },
    ]);
    expect(codeSpans("`a`")).toEqual([{ text: "a", code: true }]);
    expect(codeSpans("no code")).toEqual([{ text: "no code", code: false }]);
  });

  it("leaves an unmatched backtick as text", () => {
    expect(codeSpans("a `b` c `d")).toEqual([
      { text: "a ", code: false },
      { text: "b", code: true },
      { text: " c `d", code: false },
    ]);
  });
});

describe("matchCount", () => {
  it("counts a list, and says how many match once filtered", () => {
    expect(matchCount(1, "build", "builds", false)).toBe("1 build");
    expect(matchCount(1204, "build", "builds", false)).toBe("1,204 builds");
    expect(matchCount(0, "member", "members", true)).toBe("0 members match");
    expect(matchCount(1, "member", "members", true)).toBe("1 member matches");
    expect(matchCount(12, "build profile", "build profiles", true)).toBe("12 build profiles match");
  });
});

describe("attachmentDisposition", () => {
  it("downloads under the exact name, with an ASCII fallback no quote or line break can break", () => {
    expect(attachmentDisposition("App.ipa")).toBe("attachment; filename=\"App.ipa\"; filename*=UTF-8''App.ipa");
    expect(attachmentDisposition("Wallet “beta” (1).apk")).toBe("attachment; filename=\"Wallet_beta_1_.apk\"; filename*=UTF-8''Wallet%20%E2%80%9Cbeta%E2%80%9D%20%281%29.apk");
    expect(attachmentDisposition('a"\r\nSet-Cookie: x')).toBe("attachment; filename=\"a_Set-Cookie_x\"; filename*=UTF-8''a%22%0D%0ASet-Cookie%3A%20x");
    expect(attachmentDisposition("••")).toBe("attachment; filename=\"download\"; filename*=UTF-8''%E2%80%A2%E2%80%A2");
  });
});
