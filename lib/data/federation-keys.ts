import "server-only";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { openSecret, sealSecret } from "@/lib/secrets";

// Keel's signing keys for workload identity federation (lib/entra/README.md). Global by nature:
// one issuer per Keel installation, whatever the organization (lib/data/README.md lists why).

const PRIVATE_KEY = { table: "FederationSigningKey", column: "privateKeySealed" } as const;

/** A signing key as pages and the JWKS see it (never the private key). */
export type FederationKey = {
  id: string;
  algorithm: string;
  publicJwk: Prisma.JsonValue;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
};

/** What a rotation does, decided by lib/entra/signing-keys.ts from the keys and the clock. */
export type RotationPlan = {
  /** A new key, signing from `activatesAt` (published at once). */
  create: { activatesAt: Date } | null;
  /** Keys a newer key has taken over from. */
  retire: { id: string; retiredAt: Date }[];
  /** Keys no longer published. */
  remove: string[];
};

/** New key material (a private key never leaves this call unsealed). */
export type NewFederationKey = { id: string; algorithm: string; publicJwk: Prisma.InputJsonValue; privateKeyPem: string };

const publicColumns = { id: true, algorithm: true, publicJwk: true, createdAt: true, activatesAt: true, retiredAt: true } satisfies Prisma.FederationSigningKeySelect;

/** Every stored key, oldest activation first. */
export async function listFederationKeys(): Promise<FederationKey[]> {
  return db.federationSigningKey.findMany({ select: publicColumns, orderBy: [{ activatesAt: "asc" }, { createdAt: "asc" }] });
}

/** The newest key that signs at `now`, or null when none does yet. */
export async function activeFederationKey(now: Date): Promise<FederationKey | null> {
  return db.federationSigningKey.findFirst({ where: { activatesAt: { lte: now } }, select: publicColumns, orderBy: [{ activatesAt: "desc" }, { createdAt: "desc" }] });
}

/** Opens a key's private key (PKCS#8 PEM) right before signing. Throws SecretUnreadableError (fail closed). */
export async function openFederationPrivateKey(id: string): Promise<string> {
  const row = await db.federationSigningKey.findUniqueOrThrow({ where: { id }, select: { id: true, privateKeySealed: true } });
  return openSecret(PRIVATE_KEY, row.id, row.privateKeySealed);
}

/**
 * Applies a rotation under a transaction-scoped advisory lock, so two workers (or a worker and a
 * request that needs the first key) never both create a key: `plan` decides from the keys as they
 * are inside the lock, `generate` makes the material of a key to create.
 */
export async function rotateFederationKeys(plan: (keys: FederationKey[]) => RotationPlan, generate: () => Promise<NewFederationKey>): Promise<{ created: string | null; retired: string[]; removed: string[] }> {
  // Key generation (RSA) happens before the transaction when the plan already asks for a key, so
  // the lock is not held while it runs; in the rare race where it only turns out inside, then.
  let material = plan(await listFederationKeys()).create ? await generate() : null;
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('keel.federation-signing-keys'))`;
    const keys = await tx.federationSigningKey.findMany({ select: publicColumns, orderBy: [{ activatesAt: "asc" }, { createdAt: "asc" }] });
    const decided = plan(keys);
    for (const retire of decided.retire) {
      await tx.federationSigningKey.update({ where: { id: retire.id }, data: { retiredAt: retire.retiredAt } });
    }
    if (decided.remove.length > 0) {
      await tx.federationSigningKey.deleteMany({ where: { id: { in: decided.remove } } });
    }
    let created: string | null = null;
    if (decided.create) {
      material ??= await generate();
      await tx.federationSigningKey.create({
        data: {
          id: material.id,
          algorithm: material.algorithm,
          publicJwk: material.publicJwk,
          privateKeySealed: sealSecret(PRIVATE_KEY, material.id, material.privateKeyPem),
          activatesAt: decided.create.activatesAt,
        },
      });
      created = material.id;
    }
    return { created, retired: decided.retire.map((entry) => entry.id), removed: decided.remove };
  });
}
