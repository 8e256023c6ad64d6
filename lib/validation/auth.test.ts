import { describe, expect, it } from "vitest";
import { changePasswordSchema } from "./auth";

const messages = (input: Record<string, string>) => (changePasswordSchema.safeParse(input).error?.issues ?? []).map((issue) => `${issue.path.join(".")}: ${issue.message}`);

describe("changePasswordSchema", () => {
  it("says only what is missing when the form is sent empty", () => {
    const said = messages({ current: "", password: "", confirm: "" });
    expect(said).toContain("current: Enter your current password");
    expect(said).not.toContain("password: Choose a password different from the current one");
  });

  it("refuses a new password equal to the current one, and two that differ", () => {
    expect(messages({ current: "correct horse battery", password: "correct horse battery", confirm: "correct horse battery" })).toEqual(["password: Choose a password different from the current one"]);
    expect(messages({ current: "correct horse battery", password: "staple orbit lantern 9", confirm: "staple orbit lantern 8" })).toEqual(["confirm: The two passwords do not match"]);
    expect(messages({ current: "correct horse battery", password: "staple orbit lantern 9", confirm: "staple orbit lantern 9" })).toEqual([]);
  });
});
