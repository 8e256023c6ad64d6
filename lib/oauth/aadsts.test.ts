import { describe, expect, it } from "vitest";
import { aadstsIn, explainUserAadsts, USER_SIGN_IN_AADSTS } from "./aadsts";
import { failureText } from "./failures";

describe("AADSTS codes a person meets when signing in", () => {
  it("reads the code out of Entra's error_description, as the emulator and Entra send it", () => {
    expect(aadstsIn("AADSTS90094: The grant requires admin permission.\r\nTrace ID: x")).toBe("AADSTS90094");
    expect(aadstsIn("The user denied the authorization request.")).toBeNull();
    expect(aadstsIn(null)).toBeNull();
  });

  it("explains every listed code with a fix, by code with or without its prefix", () => {
    expect(new Set(USER_SIGN_IN_AADSTS.map((entry) => entry.code)).size).toBe(USER_SIGN_IN_AADSTS.length);
    for (const entry of USER_SIGN_IN_AADSTS) {
      expect(entry.fix.length).toBeGreaterThan(0);
      expect(explainUserAadsts(entry.code)).toBe(entry);
      expect(explainUserAadsts(entry.code.replace("AADSTS", ""))).toBe(entry);
    }
    expect(explainUserAadsts("AADSTS1")).toBeNull();
  });

  it.each([
    ["denied", "AADSTS90094", "An administrator must approve the Keel app first"],
    ["provider_error", "AADSTS65001", "The Keel app has not been granted consent in your tenant"],
    ["client_rejected", "AADSTS7000222", "Keel's client secret has expired"],
    ["client_rejected", "AADSTS7000215", "Keel's client secret is not valid"],
  ] as const)("the failure page for %s with %s says what to do", (reason, code, title) => {
    const text = failureText(reason, "Microsoft Entra ID", code);
    expect(text.title).toBe(title);
    expect(text.detail).toContain(code);
    expect(text.detail).toContain("Nothing was linked");
    expect(text.fix).toEqual(explainUserAadsts(code)?.fix);
  });

  it("keeps the generic texts where the code adds nothing (a plain Deny) or is unknown", () => {
    expect(failureText("denied", "Microsoft Entra ID", "AADSTS65004").title).toBe("You did not give Keel access");
    expect(failureText("provider_error", "Microsoft Entra ID", "AADSTS99999").title).toBe("Microsoft Entra ID refused the sign-in request");
    // Keel's own refusals are never replaced by a provider's explanation.
    expect(failureText("state_mismatch", "Microsoft Entra ID", "AADSTS65001").title).toBe("Keel refused the answer from the sign-in page");
  });
});
