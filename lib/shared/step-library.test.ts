import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { checkWorkflow } from "@/lib/validation/builds";
import { PLATFORMS } from "@/lib/validation/profiles";
import { stepLibrary, withPatterns } from "./step-library";
import { artifactPatternProblem } from "./workflow";

// The common steps the workflow editor offers (lib/shared/step-library.ts).

describe("the common steps", () => {
  it("offers each platform its own builds and the distribution steps, every one a step the workflow accepts", () => {
    expect(stepLibrary("IOS").map((step) => step.name)).toEqual([
      "Install CocoaPods dependencies",
      "Test (xcodebuild)",
      "Archive and export the .ipa",
      "Upload to TestFlight (fastlane)",
      "Send to testers (Firebase App Distribution)",
      "Run a fastlane lane",
    ]);
    expect(stepLibrary("ANDROID").map((step) => step.id)).toEqual(["gradle-test", "gradle-bundle", "gradle-apk", "google-play", "firebase", "fastlane"]);
    for (const { value: platform } of PLATFORMS) {
      const steps = stepLibrary(platform);
      expect(steps.length, platform).toBeGreaterThanOrEqual(3);
      const checked = checkWorkflow({ steps: steps.map(({ name, command }) => ({ name, command })), timeoutMinutes: 30, variables: [] });
      expect(checked, platform).toMatchObject({ ok: true });
      for (const step of steps) {
        for (const pattern of step.keeps) {
          expect(artifactPatternProblem(pattern), `${platform} ${step.id} ${pattern}`).toBeNull();
        }
      }
    }
  });

  it("writes commands bash can parse, naming each platform's own output paths", () => {
    for (const { value: platform } of PLATFORMS) {
      for (const step of stepLibrary(platform)) {
        const parsed = spawnSync("bash", ["-n", "-c", step.command], { encoding: "utf8" });
        expect(parsed.stderr, `${platform} ${step.id}`).toBe("");
        expect(parsed.status, `${platform} ${step.id}`).toBe(0);
      }
    }
    const testflight = (platform: string) => stepLibrary(platform).find((step) => step.id === "testflight")!.command;
    expect(testflight("IOS")).toContain('--ipa "$(ls build/ipa/*.ipa | head -n 1)"');
    expect(testflight("FLUTTER")).toContain('--ipa "$(ls build/ios/ipa/*.ipa | head -n 1)"');
    expect(testflight("IOS")).toContain('--changelog "$(cat "$KEEL_BUILD_CHANGELOG")"');
    const firebase = (platform: string) => stepLibrary(platform).find((step) => step.id === "firebase")!.command;
    expect(firebase("ANDROID")).toContain("app/build/outputs/apk/release/*.apk");
    expect(firebase("DOTNET_MAUI")).toContain("find . -path '*/bin/Release/net8.0-android/publish/*-Signed.apk'");
    expect(stepLibrary("OTHER").some((step) => step.id === "testflight")).toBe(false);
  });
});

describe("adding a step's artifact patterns", () => {
  it("adds only the missing ones, after what the field holds, and says which", () => {
    expect(withPatterns("", ["build/ipa/*.ipa"])).toEqual({ field: "build/ipa/*.ipa", added: ["build/ipa/*.ipa"] });
    expect(withPatterns("out/*.ipa\n\n", ["out/*.ipa", "reports/*.xml"])).toEqual({ field: "out/*.ipa\nreports/*.xml", added: ["reports/*.xml"] });
    expect(withPatterns(" out/*.ipa ", ["out/*.ipa"])).toEqual({ field: " out/*.ipa ", added: [] });
  });
});
