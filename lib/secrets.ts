import "server-only";
import { open, parseKeyring, seal, type Keyring, type SealContext } from "@/lib/crypto";
import { getEnv } from "@/lib/env";

// Where sealed values live. The AAD binds each cipher text to its table, column and
// row, so a value copied elsewhere does not open.
export type SealedColumn =
  | { table: "Connection"; column: "tokenSealed" }
  | { table: "ConnectDraft"; column: "tokenSealed" }
  | { table: "Account"; column: "access_token" | "refresh_token" }
  | { table: "BuildVariable"; column: "valueSealed" }
  | { table: "HookSubscription"; column: "passwordSealed" }
  | { table: "ConnectDraft"; column: "entraSecretSealed" }
  | { table: "ServicePrincipal"; column: "clientSecretSealed" | "privateKeySealed" | "accessTokenSealed" }
  | { table: "FederationSigningKey"; column: "privateKeySealed" }
  | { table: "ProfileChatHook"; column: "urlSealed" }
  | { table: "BuildSecretFile"; column: "contentSealed" }
  | { table: "BuildShare" | "ProfileShare"; column: "keySealed" }
  | { table: "OutgoingWebhook"; column: "urlSealed" | "secretSealed" };

let cached: { spec: string; keyring: Keyring } | undefined;

/** The keyring from KEEL_ENCRYPTION_KEYS (the launcher generates one for the embedded default). */
export function getKeyring(): Keyring {
  const spec = getEnv().KEEL_ENCRYPTION_KEYS;
  if (!spec) {
    throw new Error("KEEL_ENCRYPTION_KEYS is not set: start Keel with `npm start`, which provides it");
  }
  if (!cached || cached.spec !== spec) {
    cached = { spec, keyring: parseKeyring(spec) };
  }
  return cached.keyring;
}

/** Seals a secret for one place. */
export function sealSecret(place: SealedColumn, rowId: string, plaintext: string): string {
  const context: SealContext = { table: place.table, column: place.column, rowId };
  return seal(getKeyring(), plaintext, context);
}

/** Opens a sealed secret; throws SecretUnreadableError (fail closed) when it cannot. */
export function openSecret(place: SealedColumn, rowId: string, sealed: string): string {
  return open(getKeyring(), sealed, { table: place.table, column: place.column, rowId });
}
