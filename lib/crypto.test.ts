import { randomBytes } from "node:crypto";
import { inspect } from "node:util";

import { describe, expect, it } from "vitest";

import { KeyringError, SecretUnreadableError, lastFour, open, parseKeyring, seal, type SealContext } from "./crypto";

const K1 = randomBytes(32).toString("base64");
const K2 = randomBytes(32).toString("base64");
const PLACE: SealContext = { table: "Connection", column: "patCipher", rowId: "cm3x9q2k80000" };
const PAT = "3kq7vpyw2n5x6z4r8t1u9o0i2e3w4q5a6s7d8f9g0h1j2k3l4m5n"; // 52 characters, like a real PAT

function expectUnreadable(action: () => unknown, reason: SecretUnreadableError["reason"]): SecretUnreadableError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretUnreadableError);
    const unreadable = error as SecretUnreadableError;
    expect(unreadable.reason).toBe(reason);
    // Fail closed, and say nothing about the value.
    expect(unreadable.message).not.toContain(PAT);
    return unreadable;
  }
  throw new Error("expected open() to throw");
}

/** Flips one bit of the decoded part `index` (2 = nonce, 3 = ciphertext+tag) and re-encodes it. */
function tamper(sealed: string, index: 2 | 3, byte: number): string {
  const parts = sealed.split(":");
  const bytes = Buffer.from(parts[index] ?? "", "base64url");
  const position = byte < 0 ? bytes.length + byte : byte;
  bytes[position] = (bytes[position] ?? 0) ^ 0x01;
  parts[index] = bytes.toString("base64url");
  return parts.join(":");
}

describe("seal / open", () => {
  const keyring = parseKeyring(`k1:${K1}`);

  it("round-trips ASCII, Unicode and empty secrets", () => {
    for (const secret of [PAT, "pässwörd-🔑-ключ", ""]) {
      expect(open(keyring, seal(keyring, secret, PLACE), PLACE)).toBe(secret);
    }
  });

  it("stores v1:<keyId>:<nonce>:<ciphertext+tag> with a 96-bit nonce and 128-bit tag", () => {
    const sealed = seal(keyring, PAT, PLACE);
    const [version, keyId, nonce, body] = sealed.split(":");
    expect(version).toBe("v1");
    expect(keyId).toBe("k1");
    expect(Buffer.from(nonce ?? "", "base64url")).toHaveLength(12);
    expect(Buffer.from(body ?? "", "base64url")).toHaveLength(Buffer.byteLength(PAT) + 16);
    expect(sealed).not.toContain(PAT);
    expect(sealed).toMatch(/^v1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
  });

  it("uses a fresh nonce every time", () => {
    const sealedValues = Array.from({ length: 50 }, () => seal(keyring, PAT, PLACE));
    const nonces = new Set(sealedValues.map((value) => value.split(":")[2]));
    expect(nonces.size).toBe(50);
    expect(new Set(sealedValues).size).toBe(50);
  });

  it("fails closed with the wrong key under the same id", () => {
    const sealed = seal(keyring, PAT, PLACE);
    const impostor = parseKeyring(`k1:${K2}`);
    expectUnreadable(() => open(impostor, sealed, PLACE), "auth_failed");
  });

  it("fails closed with an unknown key id", () => {
    const sealed = seal(parseKeyring(`k9:${K1}`), PAT, PLACE);
    const error = expectUnreadable(() => open(keyring, sealed, PLACE), "unknown_key");
    expect(error.keyId).toBe("k9");
  });

  it.each([
    ["row", { ...PLACE, rowId: "cm3x9q2k80001" }],
    ["column", { ...PLACE, column: "oauthRefreshCipher" }],
    ["table", { ...PLACE, table: "Account" }],
  ])("fails closed when moved to another %s", (_label, elsewhere) => {
    const sealed = seal(keyring, PAT, PLACE);
    expectUnreadable(() => open(keyring, sealed, elsewhere), "auth_failed");
  });

  it("fails closed when the key id in the stored text is swapped to another known key", () => {
    const both = parseKeyring(`k2:${K2},k1:${K1}`);
    const sealed = seal(both, PAT, PLACE).replace(/^v1:k2:/, "v1:k1:");
    expectUnreadable(() => open(both, sealed, PLACE), "auth_failed");
  });

  it.each([
    ["ciphertext", 3, 0],
    ["tag", 3, -1],
    ["nonce", 2, 5],
  ] as const)("fails closed when the %s is tampered with", (_label, index, byte) => {
    const sealed = seal(keyring, PAT, PLACE);
    expectUnreadable(() => open(keyring, tamper(sealed, index, byte), PLACE), "auth_failed");
  });

  it.each([
    ["version prefix", (s: string) => s.replace(/^v1:/, "v2:")],
    ["missing version", (s: string) => s.replace(/^v1:/, "")],
    ["extra field", (s: string) => `${s}:x`],
    ["truncated tag", (s: string) => s.slice(0, s.lastIndexOf(":") + 8)],
    ["short nonce", (s: string) => s.replace(/^(v1:k1:)[^:]{4}/, "$1")],
    ["non-base64url", (s: string) => s.replace(/:([^:]+)$/, ":$1+/=")],
    ["bad key id", (s: string) => s.replace(/^v1:k1:/, "v1:k 1:")],
    ["plain text", () => PAT],
    ["empty", () => ""],
  ])("reports a malformed value (%s)", (_label, mutate) => {
    const sealed = seal(keyring, PAT, PLACE);
    expectUnreadable(() => open(keyring, mutate(sealed), PLACE), "malformed");
  });

  it("refuses contexts that could make two places share one AAD", () => {
    expect(() => seal(keyring, PAT, { ...PLACE, table: "Connection|patCipher" })).toThrow(TypeError);
    expect(() => seal(keyring, PAT, { ...PLACE, rowId: "" })).toThrow(TypeError);
    expect(() => seal(keyring, PAT, { table: "Connection", column: "patCipher" } as SealContext)).toThrow(TypeError);
  });
});

describe("rotation", () => {
  it("a keyring k2,k1 opens values sealed with k1 and seals new ones with k2", () => {
    const old = parseKeyring(`k1:${K1}`);
    const sealedWithK1 = seal(old, PAT, PLACE);
    const rotated = parseKeyring(`k2:${K2},k1:${K1}`);
    expect(rotated.currentKeyId).toBe("k2");
    expect(open(rotated, sealedWithK1, PLACE)).toBe(PAT);

    // Written again (a new token, a new consent), the value moves to the current key.
    const moved = seal(rotated, open(rotated, sealedWithK1, PLACE), PLACE);
    expect(moved.startsWith("v1:k2:")).toBe(true);
    expect(open(rotated, moved, PLACE)).toBe(PAT);
    // Once k1 is retired, the moved value still opens and the old one does not.
    const retired = parseKeyring(`k2:${K2}`);
    expect(open(retired, moved, PLACE)).toBe(PAT);
    expectUnreadable(() => open(retired, sealedWithK1, PLACE), "unknown_key");
  });
});

describe("parseKeyring", () => {
  it("accepts standard and URL-safe base64 and trims spaces", () => {
    const raw = randomBytes(32);
    const a = parseKeyring(` main:${raw.toString("base64")} , old_1:${raw.toString("base64url")}`);
    expect(a.keyIds).toEqual(["main", "old_1"]);
    expect(a.currentKeyId).toBe("main");
    // Same bytes under both ids: a value sealed as "main" opens under the second keyring's "main".
    const sealed = seal(a, PAT, PLACE);
    expect(open(parseKeyring(`main:${raw.toString("base64url")}`), sealed, PLACE)).toBe(PAT);
  });

  it.each([
    ["", /empty/],
    ["   ", /empty/],
    [`k1${K1}`, /Key #1 is not in the form/],
    [`k1:${K1},`, /Key #2 is not in the form/],
    [`bad id:${K1}`, /Key #1 has an invalid id/],
    [`${"x".repeat(33)}:${K1}`, /Key #1 has an invalid id/],
    [`k1:${K1},k1:${K2}`, /Key #2 repeats the key id "k1"/],
    [`k1:${randomBytes(16).toString("base64")}`, /Key #1 \(id "k1"\) must decode to exactly 32 bytes, got 16/],
    [`k1:${randomBytes(33).toString("base64")}`, /exactly 32 bytes, got 33/],
    ["k1:not*base64!", /Key #1 \(id "k1"\) is not valid base64/],
  ])("%j is refused with a clear message", (spec, message) => {
    expect(() => parseKeyring(spec)).toThrow(KeyringError);
    expect(() => parseKeyring(spec)).toThrow(message);
  });

  it("never prints key material in errors", () => {
    const short = randomBytes(31).toString("base64");
    try {
      parseKeyring(`k1:${K1},k2:${short}`);
      throw new Error("expected a KeyringError");
    } catch (error) {
      expect(error).toBeInstanceOf(KeyringError);
      expect(String(error)).not.toContain(short);
      expect(String(error)).not.toContain(K1);
    }
  });

  it("a keyring never reveals its keys when logged or serialised", () => {
    const keyring = parseKeyring(`k2:${K2},k1:${K1}`);
    const printed = [JSON.stringify(keyring), inspect(keyring, { showHidden: true, depth: 10 }), String(Object.values(keyring)), JSON.stringify(Object.entries(keyring))];
    for (const text of printed) {
      for (const key of [K1, K2]) {
        expect(text).not.toContain(key);
        expect(text).not.toContain(Buffer.from(key, "base64").toString("hex"));
      }
    }
    expect(JSON.parse(JSON.stringify(keyring))).toEqual({ currentKeyId: "k2", keyIds: ["k2", "k1"] });
  });
});



describe("lastFour", () => {
  it.each([
    [PAT, "4m5n"],
    ["abcdefghijkl", "ijkl"],
    ["  abcdefghijklmnop \n", "mnop"],
    ["short-token", null],
    ["", null],
    [null, null],
    [undefined, null],
  ])("%j → %j", (secret, expected) => {
    expect(lastFour(secret)).toBe(expected);
  });
});
