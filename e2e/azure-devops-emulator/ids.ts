import { createHash, randomBytes } from "node:crypto";

/** SHA-1 hex of a seed: deterministic, git-object-id-looking (40 hex chars). */
export function shaFrom(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}

/** A deterministic GUID derived from a seed (formatted like a name-based v5 UUID). */
export function guidFrom(seed: string): string {
  const hex = createHash("sha1").update(`guid:${seed}`).digest("hex");
  // Set the version (5) and RFC 4122 variant bits so strict uuid validators accept it.
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A random GUID for things that are created at run time (subscriptions, events). */
export function randomGuid(): string {
  return crypto.randomUUID();
}

/** A random URL-safe opaque string of `bytes` bytes of entropy. */
export function randomOpaque(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

const PAT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A deterministic 84-character PAT in the current format: 76 characters, the `AZDO`
 * signature, 4 more characters (docs/azure-devops-facts.md §3.5; the Node client's `/^.{76}AZDO.{4}$/`).
 */
export function patFrom(seed: string): string {
  let material = Buffer.alloc(0);
  let counter = 0;
  while (material.length < 80) {
    material = Buffer.concat([material, createHash("sha256").update(`pat:${seed}:${counter}`).digest()]);
    counter += 1;
  }
  let chars = "";
  for (let i = 0; i < 80; i += 1) {
    chars += PAT_ALPHABET.charAt((material[i] ?? 0) % PAT_ALPHABET.length);
  }
  return `${chars.slice(0, 76)}AZDO${chars.slice(76, 80)}`;
}

/** A random PAT in the 84-character format, for PATs created through the control API. */
export function randomPat(): string {
  return patFrom(randomOpaque(24));
}

/** The 40-zero object id git uses for "no object" (branch creation/deletion). */
export const ZERO_SHA = "0000000000000000000000000000000000000000";
