import { describe, expect, it } from "vitest";
import { failureText, knownProviderError, OAUTH_FAILURE_REASONS } from "./failures";

describe("OAuth failure pages never repeat words from the address", () => {
  it("shows a provider error code only when the OAuth and OpenID specifications define it", () => {
    expect(failureText("provider_error", "Microsoft Entra ID", "invalid_scope").detail).toContain("(invalid_scope)");
    const crafted = "Keel_is_moving_sign_in_at_evil.example";
    for (const reason of OAUTH_FAILURE_REASONS) {
      const text = failureText(reason, "Microsoft Entra ID", crafted);
      expect(JSON.stringify(text)).not.toContain(crafted);
    }
    expect(knownProviderError("access_denied")).toBe("access_denied");
    expect(knownProviderError("ACCESS_DENIED")).toBeUndefined();
    expect(knownProviderError(null)).toBeUndefined();
  });
});
