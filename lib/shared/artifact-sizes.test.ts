import { describe, expect, it } from "vitest";
import { matchSizes, sizeChange } from "./artifact-sizes";

// A build's files against the last good build's (lib/shared/artifact-sizes.ts).

describe("file sizes against an earlier build", () => {
  it("matches files by path, and an app renamed by its version by its kind when each build has one", () => {
    const current = [
      { id: "1", path: "out/Wallet-2.5.0.ipa" },
      { id: "2", path: "notes.txt" },
      { id: "3", path: "junit.xml" },
      { id: "4", path: "android/app-release.aab" },
      { id: "5", path: "android/app-debug.apk" },
      { id: "6", path: "android/app-release.apk" },
    ];
    const earlier = [
      { path: "out/Wallet-2.4.0.ipa", size: 50_000_000 },
      { path: "notes.txt", size: 10 },
      { path: "android/app-release.aab", size: 30_000_000 },
      { path: "android/app-old.apk", size: 1 },
    ];
    const matches = matchSizes(current, earlier);
    expect([...matches.entries()]).toEqual([
      ["1", { path: "out/Wallet-2.4.0.ipa", size: 50_000_000 }],
      ["2", { path: "notes.txt", size: 10 }],
      ["4", { path: "android/app-release.aab", size: 30_000_000 }],
    ]);
    // Two .apk files now: which one the old one was is not known, so neither is compared.
    expect(matches.has("5") || matches.has("6")).toBe(false);
    expect(matchSizes(current, []).size).toBe(0);
  });

  it("says the change in bytes and per cent, with its sign", () => {
    expect(sizeChange(50 * 1024 * 1024, 51.3 * 1024 * 1024)).toBe("+1.3 MB (+2.6 %)");
    expect(sizeChange(100 * 1024, 80 * 1024)).toBe("−20 KB (−20 %)");
    expect(sizeChange(1024 * 1024 * 1024, 1024 * 1024 * 1024 + 500)).toBe("+500 B (+<0.1 %)");
    expect(sizeChange(4_096, 4_096)).toBe("same size");
    expect(sizeChange(0, 10)).toBe("+10 B");
  });
});
