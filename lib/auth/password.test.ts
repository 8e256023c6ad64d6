import { describe, expect, it } from "vitest";
import { hashPassword, needsRehash, passwordField, verifyPassword } from "./password";

describe("password hashing", () => {
  it("verifies the right password and rejects a wrong one", async () => {
    const hash = await hashPassword("correct horse battery staple");
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword("correct horse battery staple", hash)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("salts every hash", async () => {
    const [a, b] = await Promise.all([hashPassword("same password twice"), hashPassword("same password twice")]);
    expect(a).not.toBe(b);
  });

  it("rejects malformed stored hashes instead of throwing", async () => {
    expect(await verifyPassword("x", "plaintext")).toBe(false);
    expect(await verifyPassword("x", "scrypt$0$0$0$$")).toBe(false);
  });

  it("asks for a rehash of weaker parameters", async () => {
    expect(needsRehash("scrypt$16384$8$1$c2FsdA==$aGFzaA==")).toBe(true);
    expect(needsRehash(await hashPassword("a strong enough password"))).toBe(false);
  });

  it("normalises Unicode so the same visible password verifies", async () => {
    const hash = await hashPassword("pässwörd-ëxample-1");
    expect(await verifyPassword("pa\u0308sswo\u0308rd-e\u0308xample-1", hash)).toBe(true);
  });
});

describe("password strength rules", () => {
  const check = (value: string) => passwordField().safeParse(value);
  it.each([
    ["short1", "at least 12 characters"],
    ["a".repeat(129), "at most 128 characters"],
    ["aaaaaaaaaaaaaaa", "one repeated character"],
    ["Password123", "at least 12"],
    ["password123!", "too common"],
    ["line\nbreak-password", "control characters"],
  ])("refuses %j", (value, message) => {
    const result = check(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join(" ")).toContain(message);
  });

  it("accepts a passphrase", () => {
    expect(check("tangerine orbit kettle").success).toBe(true);
  });
});
