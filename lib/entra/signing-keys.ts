import "server-only";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { exportJWK, type JWK } from "jose";
import { activeFederationKey, listFederationKeys, openFederationPrivateKey, rotateFederationKeys, type FederationKey, type NewFederationKey, type RotationPlan } from "@/lib/data/federation-keys";
import { logger } from "@/lib/logger";

// Keel's signing keys as an OpenID issuer for workload identity federation: which key signs,
// which keys are published, and the rotation the job engine runs on a schedule.
//
// Rotation with overlap, so no token request ever meets a key its verifier has not seen:
//   - a new key is published `publishLeadMs` before it starts signing (verifiers that cache
//     Keel's JWKS fetch it in between; Entra also refetches for an unknown key id);
//   - the key it replaces keeps being published for `retainMs` after it stopped signing
//     (assertions it signed are still in flight for up to ten minutes);
//   - keys are RSA 2048 / RS256, the algorithm every Entra federation issuer supports;
//   - the private keys are sealed with Keel's keyring (lib/secrets.ts), bound to their row.

const log = logger("entra.signing-keys");
const DAY_MS = 24 * 3_600_000;

export type RotationPolicy = {
  /** A key signs for this long before its successor takes over. */
  rotateAfterMs: number;
  /** The successor is published this long before it signs. */
  publishLeadMs: number;
  /** A replaced key stays published this long after it stopped signing. */
  retainMs: number;
};

export const DEFAULT_ROTATION: RotationPolicy = { rotateAfterMs: 30 * DAY_MS, publishLeadMs: 2 * DAY_MS, retainMs: 2 * DAY_MS };

export const SIGNING_ALGORITHM = "RS256";

/**
 * Decides a rotation from the stored keys and the clock (pure):
 *   - no key at all: create one that signs at once (nothing was published before, so nobody
 *     can have cached a key set without it);
 *   - the signing key reached `rotateAfterMs - publishLeadMs` and no successor waits: create one
 *     that signs `publishLeadMs` from now;
 *   - keys older than the signing one are retired (from when their successor started signing);
 *   - retired keys past `retainMs` are removed.
 */
export function planRotation(keys: readonly FederationKey[], now: Date, policy: RotationPolicy = DEFAULT_ROTATION, createFirst = true): RotationPlan {
  const time = now.getTime();
  const byActivation = [...keys].sort((a, b) => a.activatesAt.getTime() - b.activatesAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime());
  const active = byActivation.filter((key) => key.activatesAt.getTime() <= time).at(-1);
  const pending = byActivation.filter((key) => key.activatesAt.getTime() > time);
  const plan: RotationPlan = { create: null, retire: [], remove: [] };
  if (!active && pending.length === 0) {
    plan.create = createFirst ? { activatesAt: now } : null;
    return plan;
  }
  if (active) {
    for (const key of byActivation) {
      if (key === active || key.activatesAt.getTime() > active.activatesAt.getTime()) {
        continue;
      }
      const retiredAt = key.retiredAt ?? active.activatesAt;
      if (retiredAt.getTime() + policy.retainMs <= time) {
        plan.remove.push(key.id);
      } else if (!key.retiredAt) {
        plan.retire.push({ id: key.id, retiredAt });
      }
    }
    if (pending.length === 0 && active.activatesAt.getTime() + policy.rotateAfterMs - policy.publishLeadMs <= time) {
      plan.create = { activatesAt: new Date(time + policy.publishLeadMs) };
    }
  }
  return plan;
}

/** Fresh key material: RSA 2048, its public JWK (kid, alg, use) and the PKCS#8 private key. */
export async function generateSigningKey(now: Date = new Date()): Promise<NewFederationKey> {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  // Ids sort by creation date and are safe in the sealing context (letters, digits, "-").
  const id = `keel-${now.toISOString().slice(0, 10).replace(/-/g, "")}-${randomBytes(6).toString("hex")}`;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: id, alg: SIGNING_ALGORITHM, use: "sig" };
  return { id, algorithm: SIGNING_ALGORITHM, publicJwk: jwk as Record<string, string>, privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

/**
 * Runs one rotation (the scheduled job, and the first use); returns what changed. `createFirst`
 * false (the schedule): an installation that never used federation gets no key.
 */
export async function rotateSigningKeys(options: { now?: Date; policy?: RotationPolicy; createFirst?: boolean } = {}): Promise<{ created: string | null; retired: string[]; removed: string[] }> {
  const now = options.now ?? new Date();
  const result = await rotateFederationKeys((keys) => planRotation(keys, now, options.policy, options.createFirst ?? true), () => generateSigningKey(now));
  if (result.created || result.retired.length > 0 || result.removed.length > 0) {
    log.info(result, "federation signing keys rotated");
  }
  return result;
}

/** The key that signs now, with its private key opened; creates the first key when there is none. */
export async function currentSigningKey(now: Date = new Date()): Promise<{ kid: string; algorithm: string; privateKeyPem: string }> {
  let key = await activeFederationKey(now);
  if (!key) {
    await rotateSigningKeys({ now });
    key = await activeFederationKey(now);
  }
  if (!key) {
    throw new Error("no federation signing key could be created");
  }
  return { kid: key.id, algorithm: key.algorithm, privateKeyPem: await openFederationPrivateKey(key.id) };
}

/** The public keys verifiers may use now: every key not yet past its retention. */
export async function publishedKeys(now: Date = new Date(), policy: RotationPolicy = DEFAULT_ROTATION): Promise<FederationKey[]> {
  const keys = await listFederationKeys();
  const time = now.getTime();
  const active = keys.filter((key) => key.activatesAt.getTime() <= time).at(-1);
  return keys.filter((key) => {
    if (key === active || key.activatesAt.getTime() > time) {
      return true;
    }
    // An older key: published until its retention after it stopped signing.
    const stoppedAt = key.retiredAt ?? active?.activatesAt ?? now;
    return stoppedAt.getTime() + policy.retainMs > time;
  });
}

/** How a key stands now, for Keel's settings page: about to sign, signing, or replaced. */
export function keyStatus(key: Pick<FederationKey, "activatesAt" | "retiredAt">, now: Date = new Date()): string {
  const when = (value: Date) => `${value.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  if (key.activatesAt.getTime() > now.getTime()) {
    return `published, signs from ${when(key.activatesAt)}`;
  }
  return key.retiredAt ? `replaced ${when(key.retiredAt)}, still published` : `signing since ${when(key.activatesAt)}`;
}
