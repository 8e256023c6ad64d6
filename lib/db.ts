import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { getEnv } from "@/lib/env";
import { PrismaClient } from "@/lib/generated/prisma/client";

// Secret columns are omitted from every query by default; the few places that need
// one (password check, sealed-token use) opt in explicitly with `omit: { x: false }`.
const globalOmit = {
  user: { passwordHash: true },
  account: { access_token: true, refresh_token: true, id_token: true },
  connection: { tokenSealed: true },
  connectDraft: { tokenSealed: true, entraSecretSealed: true },
  buildVariable: { valueSealed: true },
  hookSubscription: { passwordSealed: true },
  servicePrincipal: { clientSecretSealed: true, privateKeySealed: true, accessTokenSealed: true },
  federationSigningKey: { privateKeySealed: true },
  profileChatHook: { urlSealed: true },
  buildSecretFile: { contentSealed: true },
  buildShare: { keySealed: true },
  profileShare: { keySealed: true },
  outgoingWebhook: { urlSealed: true, secretSealed: true },
} as const;

/** Creates a Prisma client on the given PostgreSQL URL (adapter-pg, no native engine). */
export function createPrismaClient(databaseUrl: string) {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: 10, connectionTimeoutMillis: 10_000 }),
    omit: globalOmit,
  });
}

export type Db = ReturnType<typeof createPrismaClient>;
/** The transaction client handed to `db.$transaction(async (tx) => …)`. */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

const holder = globalThis as unknown as { __keelDb?: { url: string; client: Db } };

/** The process-wide Prisma client (created on first use, reused across hot reloads). */
export function getDb(): Db {
  const url = getEnv().DATABASE_URL;
  if (!url) {
    throw new Error("DATABASE_URL is not set: start Keel with `npm start`, which provides the database");
  }
  if (!holder.__keelDb || holder.__keelDb.url !== url) {
    void holder.__keelDb?.client.$disconnect();
    holder.__keelDb = { url, client: createPrismaClient(url) };
  }
  return holder.__keelDb.client;
}

/** Lazy handle to the Prisma client, so importing this module never connects or reads configuration. */
export const db: Db = new Proxy({} as Db, {
  get(_target, property) {
    const client = getDb() as unknown as Record<PropertyKey, unknown>;
    const value = client[property];
    return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(client) : value;
  },
});
