import { describe, expect, it } from "vitest";
import { signDelivery, verifyDelivery } from "./signature";

// Outgoing webhooks' signature (lib/webhooks/README.md, "Verifying a delivery"); the form's schema is tested in lib/validation/webhooks.test.ts.

describe("a delivery's signature", () => {
  const secret = "whsec_test-secret";
  const body = JSON.stringify({ event: "build.finished", build: { number: 7 } });
  const now = Date.UTC(2026, 11, 6, 12, 0, 0);
  const timestamp = now / 1_000;

  it("is HMAC-SHA256 of the timestamp, a dot and the body, in hex", () => {
    // Computed independently: printf '1796558400.{"event":"build.finished","build":{"number":7}}' | openssl dgst -sha256 -hmac whsec_test-secret
    expect(signDelivery(secret, timestamp, body)).toBe("sha256=d71b5941defa69b904246876966e7d1e9350fcebe3e608246cc5601ac926200c");
  });

  it("verifies what was signed, and nothing changed, late or signed with another secret", () => {
    const signature = signDelivery(secret, timestamp, body);
    expect(verifyDelivery(secret, { timestamp: String(timestamp), signature }, body, now)).toBe(true);
    expect(verifyDelivery(secret, { timestamp: String(timestamp), signature }, body.replace("7", "8"), now)).toBe(false);
    expect(verifyDelivery(secret, { timestamp: String(timestamp + 1), signature }, body, now)).toBe(false);
    expect(verifyDelivery("whsec_other", { timestamp: String(timestamp), signature }, body, now)).toBe(false);
    // A captured delivery replayed six minutes later is refused.
    expect(verifyDelivery(secret, { timestamp: String(timestamp), signature }, body, now + 6 * 60_000)).toBe(false);
    expect(verifyDelivery(secret, { timestamp: null, signature }, body, now)).toBe(false);
    expect(verifyDelivery(secret, { timestamp: String(timestamp), signature: null }, body, now)).toBe(false);
  });
});
