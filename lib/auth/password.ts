// Password hashing with scrypt (memory-hard, in node:crypto — no native addon).
// Stored as `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>` so parameters can be raised
// later and old hashes still verify (and get rehashed on the next sign-in).
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { z } from "zod";

const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 64;

function scryptAsync(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFKC"), salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes a password with scrypt (N=2^15, r=8: 32 MiB per hash). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, KEY_LENGTH, { ...PARAMS, maxmem: 128 * PARAMS.N * PARAMS.r * 2 });
  return ["scrypt", PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64"), key.toString("base64")].join("$");
}

/** Verifies a password against a stored hash in constant time; false for malformed hashes. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") {
    return false;
  }
  const [N, r, p] = parts.slice(1, 4).map((v) => Number.parseInt(v ?? "", 10));
  const salt = Buffer.from(parts[4] ?? "", "base64");
  const expected = Buffer.from(parts[5] ?? "", "base64");
  if (!N || !r || !p || salt.length === 0 || expected.length === 0) {
    return false;
  }
  const key = await scryptAsync(password, salt, expected.length, { N, r, p, maxmem: 128 * N * r * 2 });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** True when a hash was made with weaker parameters than today's. */
export function needsRehash(stored: string): boolean {
  const [, N, r, p] = stored.split("$");
  return Number(N) < PARAMS.N || Number(r) < PARAMS.r || Number(p) < PARAMS.p;
}

// A verifier for unknown accounts: signing in as a missing user costs the same scrypt
// work as a wrong password, so response times do not reveal which emails exist.
let dummyHash: Promise<string> | undefined;
/** Burns one verification's worth of work (for unknown or disabled accounts). */
export async function verifyAgainstDummy(password: string): Promise<void> {
  dummyHash ??= hashPassword("keel-dummy-password-for-timing");
  await verifyPassword(password, await dummyHash);
}

const COMMON = new Set([
  "password", "password1", "password123", "123456789012", "qwertyuiop", "letmein", "welcome", "iloveyou",
  "admin", "administrator", "changeme", "keel", "azure", "azuredevops", "123456789", "1234567890",
]);

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Strength rules for a new password: 12–128 characters, not common, not the email, not one repeated character. */
export function passwordField(emailKey?: string) {
  return z
    .string({ error: "Password is required" })
    .min(12, "Password must be at least 12 characters")
    .max(128, "Password must be at most 128 characters")
    .refine((value) => !CONTROL.test(value), "Password must not contain control characters")
    .refine((value) => !/^(.)\1+$/.test(value), "Password must not be one repeated character")
    .refine((value) => !COMMON.has(value.toLowerCase().replace(/[^a-z0-9]/g, "")), "This password is too common; choose another")
    .describe(emailKey ?? "");
}
