import { describe, expect, it } from "vitest";
import { secretFileSchema } from "./secret-files";

const issues = (input: Record<string, string>) =>
  secretFileSchema.safeParse({ variable: "ANDROID_KEYSTORE", fileName: "release.jks", content: Buffer.from("keystore").toString("base64"), ...input }).error?.issues.map((issue) => [issue.path.join("."), issue.message]);

describe("the secret file form", () => {
  it("takes a variable, a plain file name and base64 content up to 256 KB", () => {
    const parsed = secretFileSchema.parse({ variable: " ANDROID_KEYSTORE ", fileName: " release.jks ", content: Buffer.from([0, 1, 2, 255]).toString("base64") });
    expect(parsed).toEqual({ variable: "ANDROID_KEYSTORE", fileName: "release.jks", content: Buffer.from([0, 1, 2, 255]) });
    expect(issues({ content: Buffer.alloc(256 * 1024, 7).toString("base64") })).toBeUndefined();
  });

  it("names each mistake on its field and says what to do", () => {
    expect(issues({ variable: "" })).toEqual([["variable", "Variable is required: the name the steps read the file's path from, e.g. ANDROID_KEYSTORE"]]);
    expect(issues({ variable: "1KEY" })).toEqual([["variable", "Variable must use letters, digits and underscores, not starting with a digit"]]);
    expect(issues({ variable: "KEEL_KEY" })).toEqual([["variable", "Variable: names starting with KEEL_ are set by Keel for every build; choose another name"]]);
    expect(issues({ fileName: "" })).toEqual([["fileName", "File is required: choose the file to upload"]]);
    expect(issues({ fileName: "../keys.jks" })).toEqual([["fileName", "File name must be a plain file name (no folders or control characters): rename the file and choose it again"]]);
    expect(issues({ content: "" })).toEqual([["content", "File is required: choose the file to upload (an empty file cannot be used)"]]);
    expect(issues({ content: "not base64!" })).toEqual([["content", "The file could not be read: choose it again"]]);
    expect(issues({ content: Buffer.alloc(256 * 1024 + 1, 7).toString("base64") })).toEqual([["content", "File must be at most 256 KB (signing keys and provisioning profiles are a few KB)"]]);
  });
});
