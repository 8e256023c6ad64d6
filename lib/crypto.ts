/**
 * Sealing secrets at rest (SECURITY.md "Secrets at rest").
 *
 * AES-256-GCM with a fresh 96-bit nonce per seal and additional authenticated data that binds the
 * cipher text to its place — `v1|<keyId>|<table>|<column>|<rowId>` — so a value copied to another
 * row, column or table does not open. Stored as `v1:<keyId>:<nonce b64url>:<ciphertext+tag b64url>`.
 *
 * A keyring, not a key: every key opens, the first ("current") seals. Opening fails closed with a
 * typed SecretUnreadableError; nothing here ever returns the stored text in place of a secret.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { inspect } from "node:util";

export type SealContext = {
  table: string;
  column: string;
  rowId: string;
};

export type KeyringEntry = {
  id: string;
  /** Exactly 32 bytes. */
  key: Uint8Array;
};

export type SecretUnreadableReason = "unknown_key" | "malformed" | "auth_failed";

const VERSION = "v1";
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
// "|" separates the AAD fields; allowing it would let two different places share one AAD.
const CONTEXT_FORBIDDEN = /[|\u0000-\u001f\u007f]/;

/** A secret could not be opened. Never carries the sealed value or any key material. */
export class SecretUnreadableError extends Error {
  override readonly name = "SecretUnreadableError";
  readonly reason: SecretUnreadableReason;
  /** Key id named by the stored value, when it could be read (ids are not secret). */
  readonly keyId?: string;

  constructor(reason: SecretUnreadableReason, keyId?: string) {
    const messages: Record<SecretUnreadableReason, string> = {
      unknown_key: "The stored secret was sealed with a key that is not in the keyring.",
      malformed: "The stored secret is not in the expected sealed format.",
      auth_failed: "The stored secret failed its integrity check (wrong key, wrong place, or tampered).",
    };
    super(messages[reason]);
    this.reason = reason;
    if (keyId !== undefined) {
      this.keyId = keyId;
    }
  }
}

/** The keyring spec or key material is invalid. Messages name positions and ids, never key bytes. */
export class KeyringError extends Error {
  override readonly name = "KeyringError";
}

// Key bytes live here, keyed by the Keyring object, so no property or method of a Keyring can
// hand them out and logging a keyring by mistake leaks nothing.
const keyMaterial = new WeakMap<Keyring, ReadonlyMap<string, Buffer>>();

/** Holds the keys; prints and serialises as `{ currentKeyId, keyIds }` only. */
export class Keyring {
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];

  constructor(entries: readonly KeyringEntry[]) {
    const first = entries[0];
    if (first === undefined) {
      throw new KeyringError("The keyring needs at least one key.");
    }
    const keys = new Map<string, Buffer>();
    entries.forEach((entry, index) => {
      const position = `Key #${index + 1}`;
      if (typeof entry.id !== "string" || !KEY_ID.test(entry.id)) {
        throw new KeyringError(`${position} has an invalid id: use 1-32 characters from A-Z, a-z, 0-9, "_" and "-".`);
      }
      if (keys.has(entry.id)) {
        throw new KeyringError(`${position} repeats the key id "${entry.id}".`);
      }
      if (!(entry.key instanceof Uint8Array) || entry.key.byteLength !== KEY_BYTES) {
        const length = entry.key instanceof Uint8Array ? entry.key.byteLength : 0;
        throw new KeyringError(`${position} (id "${entry.id}") must be exactly ${KEY_BYTES} bytes, got ${length}.`);
      }
      // Copy, so the caller zeroing or reusing its buffer cannot change the keyring.
      keys.set(entry.id, Buffer.from(entry.key));
    });
    this.currentKeyId = first.id;
    this.keyIds = Object.freeze([...keys.keys()]);
    keyMaterial.set(this, keys);
    Object.freeze(this);
  }

  /** Whether the keyring holds a key with this id. */
  has(keyId: string): boolean {
    return keyMaterial.get(this)?.has(keyId) ?? false;
  }

  toJSON(): { currentKeyId: string; keyIds: readonly string[] } {
    return { currentKeyId: this.currentKeyId, keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return `Keyring { currentKeyId: '${this.currentKeyId}', keyIds: [${this.keyIds.map((id) => `'${id}'`).join(", ")}] }`;
  }
}


/** Parses `k2:<base64 32 bytes>,k1:<base64 32 bytes>` (first = current) into a keyring. */
export function parseKeyring(spec: string): Keyring {
  if (typeof spec !== "string" || spec.trim() === "") {
    throw new KeyringError('The encryption keyring is empty. Expected "keyId:base64key[,keyId:base64key…]".');
  }
  const entries: KeyringEntry[] = spec.split(",").map((part, index) => {
    const position = `Key #${index + 1}`;
    const trimmed = part.trim();
    const colon = trimmed.indexOf(":");
    if (colon === -1) {
      throw new KeyringError(`${position} is not in the form "keyId:base64key".`);
    }
    const id = trimmed.slice(0, colon);
    const encoded = trimmed.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) {
      throw new KeyringError(`${position} has an invalid id: use 1-32 characters from A-Z, a-z, 0-9, "_" and "-".`);
    }
    const key = decodeKey(encoded);
    if (key === null) {
      throw new KeyringError(`${position} (id "${id}") is not valid base64.`);
    }
    if (key.byteLength !== KEY_BYTES) {
      throw new KeyringError(`${position} (id "${id}") must decode to exactly ${KEY_BYTES} bytes, got ${key.byteLength}. Generate one with: openssl rand -base64 32`);
    }
    return { id, key };
  });
  return new Keyring(entries);
}

/** Seals `plaintext` with the current key, bound to table/column/row. */
export function seal(keyring: Keyring, plaintext: string, context: SealContext): string {
  if (typeof plaintext !== "string") {
    throw new TypeError("Only strings can be sealed.");
  }
  const keyId = keyring.currentKeyId;
  const key = keyFor(keyring, keyId);
  if (key === undefined) {
    throw new KeyringError("The keyring has no current key.");
  }
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(keyId, context));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}:${keyId}:${nonce.toString("base64url")}:${body.toString("base64url")}`;
}

/** Opens a sealed value for this table/column/row or throws SecretUnreadableError; never returns the stored text. */
export function open(keyring: Keyring, sealed: string, context: SealContext): string {
  const parsed = parseSealed(sealed);
  const key = keyFor(keyring, parsed.keyId);
  if (key === undefined) {
    throw new SecretUnreadableError("unknown_key", parsed.keyId);
  }
  // Context errors are programmer errors, checked before any crypto.
  const additionalData = aad(parsed.keyId, context);
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, parsed.nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData);
    decipher.setAuthTag(parsed.tag);
    plaintext = Buffer.concat([decipher.update(parsed.cipherText), decipher.final()]);
  } catch {
    throw new SecretUnreadableError("auth_failed", parsed.keyId);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
  } catch {
    throw new SecretUnreadableError("malformed", parsed.keyId);
  }
}




/** The last four characters of a secret for display, or null when the secret is too short to show any of it safely. */
export function lastFour(secret: string | null | undefined): string | null {
  if (typeof secret !== "string") {
    return null;
  }
  const characters = Array.from(secret.trim());
  // Showing 4 characters of a short secret reveals too much of it.
  if (characters.length < 12) {
    return null;
  }
  return characters.slice(-4).join("");
}

// ---------------------------------------------------------------------------------------------

type ParsedSealed = { keyId: string; nonce: Buffer; cipherText: Buffer; tag: Buffer };

function parseSealed(sealed: string): ParsedSealed {
  if (typeof sealed !== "string") {
    throw new SecretUnreadableError("malformed");
  }
  const parts = sealed.split(":");
  if (parts.length !== 4) {
    throw new SecretUnreadableError("malformed");
  }
  const [version, keyId, nonceText, bodyText] = parts as [string, string, string, string];
  if (version !== VERSION || !KEY_ID.test(keyId)) {
    throw new SecretUnreadableError("malformed");
  }
  if (!BASE64URL.test(nonceText) || !BASE64URL.test(bodyText)) {
    throw new SecretUnreadableError("malformed", keyId);
  }
  const nonce = Buffer.from(nonceText, "base64url");
  const body = Buffer.from(bodyText, "base64url");
  // Re-encoding must give back the same text: rejects non-canonical encodings (trailing bits).
  if (nonce.byteLength !== NONCE_BYTES || nonce.toString("base64url") !== nonceText || body.byteLength < TAG_BYTES || body.toString("base64url") !== bodyText) {
    throw new SecretUnreadableError("malformed", keyId);
  }
  return {
    keyId,
    nonce,
    cipherText: body.subarray(0, body.byteLength - TAG_BYTES),
    tag: body.subarray(body.byteLength - TAG_BYTES),
  };
}

function aad(keyId: string, context: SealContext): Buffer {
  for (const name of ["table", "column", "rowId"] as const) {
    const value: unknown = context?.[name];
    if (typeof value !== "string" || value === "" || CONTEXT_FORBIDDEN.test(value)) {
      throw new TypeError(`Seal context "${name}" must be a non-empty string without "|" or control characters.`);
    }
  }
  return Buffer.from(`${VERSION}|${keyId}|${context.table}|${context.column}|${context.rowId}`, "utf8");
}

function keyFor(keyring: Keyring, keyId: string): Buffer | undefined {
  return keyMaterial.get(keyring)?.get(keyId);
}

function decodeKey(encoded: string): Buffer | null {
  if (BASE64.test(encoded)) {
    return Buffer.from(encoded, "base64");
  }
  if (BASE64URL.test(encoded.replace(/=+$/, ""))) {
    return Buffer.from(encoded.replace(/=+$/, ""), "base64url");
  }
  return null;
}
