import { describe, expect, it } from "vitest";
import { decodeIntent, encodeIntent, type OAuthIntent } from "./intent";

const SECRET = "a-session-secret-of-at-least-thirty-two-characters";
const intent: OAuthIntent = {
  kind: "draft",
  targetId: "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d",
  provider: "microsoft-entra-id",
  userId: "2b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d",
  organizationId: "3b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d",
  expiresAt: 2_000_000_000,
};

describe("the OAuth intent cookie", () => {
  it("round-trips what the admin was doing", () => {
    expect(decodeIntent(encodeIntent(intent, SECRET), SECRET, 1_900_000_000)).toEqual(intent);
  });

  it("is refused when expired, signed with another secret, tampered with or malformed", () => {
    const value = encodeIntent(intent, SECRET);
    expect(decodeIntent(value, SECRET, 2_000_000_000)).toBeNull();
    expect(decodeIntent(value, `${SECRET}x`, 1_900_000_000)).toBeNull();
    const [payload, mac] = value.split(".");
    const forged = Buffer.from(JSON.stringify({ ...intent, userId: "9b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d" })).toString("base64url");
    expect(decodeIntent(`${forged}.${mac}`, SECRET, 1_900_000_000)).toBeNull();
    expect(decodeIntent(`${payload}.`, SECRET, 1_900_000_000)).toBeNull();
    expect(decodeIntent(`${payload}.${mac}.extra`, SECRET, 1_900_000_000)).toBeNull();
    expect(decodeIntent(undefined, SECRET)).toBeNull();
    expect(decodeIntent("x".repeat(3_000), SECRET)).toBeNull();
  });

  it("only carries the two kinds, the two providers and uuids", () => {
    const bad = (patch: Record<string, unknown>) => {
      const payload = Buffer.from(JSON.stringify({ ...intent, ...patch })).toString("base64url");
      // Correctly signed, so only the schema can refuse it.
      const signed = encodeIntent({ ...intent, ...patch } as OAuthIntent, SECRET);
      expect(signed.startsWith(payload)).toBe(true);
      return decodeIntent(signed, SECRET, 1_900_000_000);
    };
    expect(bad({ kind: "signin" })).toBeNull();
    expect(bad({ provider: "github" })).toBeNull();
    expect(bad({ targetId: "../../etc" })).toBeNull();
  });
});
