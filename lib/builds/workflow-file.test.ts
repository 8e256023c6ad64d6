import { describe, expect, it } from "vitest";
import { parseWorkflowFile } from "./workflow-file";

describe("a steps file from the repository", () => {
  it("reads each step's name and run command, a block of several lines included", () => {
    const text = ["# How Wallet builds", "steps:", "  - name: Install pods", "    run: pod install", "  - name: Build", "    run: |", "      xcodebuild -scheme Wallet \\", "        build", ""].join("\n");
    expect(parseWorkflowFile(text, "keel.yml")).toEqual({
      ok: true,
      steps: [
        { name: "Install pods", command: "pod install" },
        { name: "Build", command: "xcodebuild -scheme Wallet \\\n  build" },
      ],
    });
  });

  it("names the line of YAML it cannot read", () => {
    const result = parseWorkflowFile("steps:\n  - name: Build\n    run: [./build.sh\n", "ci/keel.yml");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]).toMatch(/^ci\/keel\.yml line \d: .+ \(not valid YAML\)\.$/);
  });

  it("refuses what Keel does not read there, naming the line and saying where it belongs", () => {
    const text = ["steps:", "  - name: Build", "    run: ./build.sh", "    env: { A: b }", "variables:", "  SIGNING_KEY: x", ""].join("\n");
    expect(parseWorkflowFile(text, "keel.yml")).toEqual({
      ok: false,
      problems: [
        "keel.yml line 5: “variables” is not something Keel reads here; the file lists steps only (variables, secrets and the time limit are on the profile's workflow page).",
        "keel.yml line 4: step 1 has “env”; a step has “name:”, “run:” and, if needed, “always: true” (runs even after a failure), “continueOnError: true” (may fail), “retries: 2” (tried again when it fails) and “timeoutMinutes: 10” (its own time limit).",
      ],
    });
  });

  it("applies the editor's rules to each step, at the step's line, once per problem", () => {
    const text = ["steps:", "  - name: Build", "    run: ./build.sh", "  - name: Test", "  - run: [a, b]", `  - name: ${"n".repeat(101)}`, "    run: x", ""].join("\n");
    const result = parseWorkflowFile(text, "keel.yml");
    expect(result).toEqual({
      ok: false,
      problems: [
        "keel.yml line 5: the run of step 3 must be text (a block under “run: |” for several lines).",
        "keel.yml line 4: Step 2 (Test): the run command is required.",
        "keel.yml line 6: Step 4: the name must be at most 100 characters.",
      ],
    });
  });

  it("needs a mapping with a list of at least one step", () => {
    expect(parseWorkflowFile("- name: Build\n  run: x\n", "keel.yml")).toMatchObject({ ok: false, problems: [expect.stringMatching(/^keel\.yml: must be a mapping with a “steps:” list/)] });
    expect(parseWorkflowFile("steps: ./build.sh\n", "keel.yml")).toEqual({ ok: false, problems: ["keel.yml line 1: “steps:” must be a list of steps, each with a name and a run command."] });
    expect(parseWorkflowFile("steps: []\n", "keel.yml")).toEqual({ ok: false, problems: ["keel.yml line 1: Add at least one step."] });
    expect(parseWorkflowFile("", "keel.yml").ok).toBe(false);
  });

  it("refuses steps given as an alias, without expanding it (an alias bomb stays small)", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`), "steps: *i"].join("\n");
    const result = parseWorkflowFile(bomb, "keel.yml");
    expect(result.ok).toBe(false);
  });
});

describe("the editor's steps written as a steps file", () => {
  it("reads back as the same steps: quotes, colons, several lines, indentation and blank lines kept", async () => {
    const { stepsFileText } = await import("@/lib/shared/workflow");
    const steps = [
      { name: "Install: pods", command: 'pod install --repo-update # "quoted" #hash' },
      { name: "Build", command: "set -o pipefail\nxcodebuild -scheme Wallet \\\n    build | xcpretty\n\necho done: ok" },
      { name: "Yes", command: "yes | head -1" },
      { name: "Lint", command: "swiftlint", continueOnError: true },
      { name: "Upload logs", command: "./ci/upload.sh", always: true, continueOnError: true, retries: 2, timeoutMinutes: 10 },
    ];
    expect(parseWorkflowFile(stepsFileText(steps), "keel.yml")).toEqual({ ok: true, steps });
  });
});

describe("a step's conditions in a steps file", () => {
  it("reads always and continueOnError as true or false, and keeps only what is true", () => {
    const text = ["steps:", "  - name: Build", "    run: ./build.sh", "    continueOnError: false", "  - name: Upload logs", "    run: ./upload.sh", "    always: true", ""].join("\n");
    expect(parseWorkflowFile(text, "keel.yml")).toEqual({
      ok: true,
      steps: [
        { name: "Build", command: "./build.sh" },
        { name: "Upload logs", command: "./upload.sh", always: true },
      ],
    });
  });

  it("reads retries as a number from 0 to 3, at its line", () => {
    const text = ["steps:", "  - name: Boot simulator", "    run: ./boot.sh", "    retries: 2", "  - name: Test", "    run: ./test.sh", "    retries: 9", "  - name: Upload", "    run: ./upload.sh", "    retries: twice", ""].join("\n");
    expect(parseWorkflowFile(text, "keel.yml")).toEqual({
      ok: false,
      problems: ["keel.yml line 10: the retries of step 3 must be a number from 0 to 3.", "keel.yml line 5: Step 2 (Test): tries again 0 to 3 times when it fails."],
    });
    expect(parseWorkflowFile(text.split("\n").slice(0, 7).join("\n").replace("retries: 9", "retries: 0"), "keel.yml")).toEqual({
      ok: true,
      steps: [
        { name: "Boot simulator", command: "./boot.sh", retries: 2 },
        { name: "Test", command: "./test.sh" },
      ],
    });
  });

  it("reads a step's own time limit in whole minutes, at its line", () => {
    const text = ["steps:", "  - name: Boot simulator", "    run: ./boot.sh", "    timeoutMinutes: 5", "  - name: Test", "    run: ./test.sh", "    timeoutMinutes: 0.5", "  - name: Upload", "    run: ./upload.sh", "    timeoutMinutes: ten", ""].join("\n");
    expect(parseWorkflowFile(text, "keel.yml")).toEqual({
      ok: false,
      problems: ["keel.yml line 10: the timeoutMinutes of step 3 must be a number of minutes from 1 to 360.", "keel.yml line 5: Step 2 (Test): its time limit must be a whole number of minutes from 1 to 360, or none."],
    });
    expect(parseWorkflowFile(text.split("\n").slice(0, 4).join("\n"), "keel.yml")).toEqual({ ok: true, steps: [{ name: "Boot simulator", command: "./boot.sh", timeoutMinutes: 5 }] });
  });

  it("refuses a condition that is not true or false, at its line", () => {
    const text = ["steps:", "  - name: Upload logs", "    run: ./upload.sh", '    always: "yes"', "    continueOnError: 1", ""].join("\n");
    expect(parseWorkflowFile(text, "keel.yml")).toEqual({
      ok: false,
      problems: ["keel.yml line 4: the always of step 1 must be true or false.", "keel.yml line 5: the continueOnError of step 1 must be true or false."],
    });
  });
});
