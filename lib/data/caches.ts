import "server-only";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { can, refusalOf } from "@/lib/policy";
import type { Scope } from "@/lib/scope";
import { recordAudit } from "./audit";

// A profile's build caches (lib/builds/README.md, "Caches"): the worker writes a cache row, its
// archive in chunks, then marks it complete (which retires the older ones of the same branch and
// key); builds restore complete ones only, of their own branch or pull request, a pull request's
// target branch, or the default branch. `branch` holds the scope: a branch, or `refs/pull/{id}/merge`.

export type CacheView = { id: string; branch: string; key: string; paths: string[]; size: number; sha256: string; buildNumber: number; createdAt: Date; lastUsedAt: Date; chunks: number };

const cacheSelect = { id: true, branch: true, key: true, paths: true, size: true, sha256: true, buildNumber: true, createdAt: true, lastUsedAt: true, _count: { select: { chunks: true } } } as const;

function viewOf(row: { id: string; branch: string; key: string; paths: string[]; size: bigint; sha256: string | null; buildNumber: number; createdAt: Date; lastUsedAt: Date; _count: { chunks: number } }): CacheView {
  return { id: row.id, branch: row.branch, key: row.key, paths: row.paths, size: Number(row.size), sha256: row.sha256 ?? "", buildNumber: row.buildNumber, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt, chunks: row._count.chunks };
}

/**
 * The cache a build restores, and whether its key is the build's (an exact fit), from `branches`
 * — its cache scopes best first (lib/shared/workflow.ts, cacheScopesToRestore: its branch or pull
 * request, a pull request's target branch, the default branch): the first of them with a cache of
 * the key, else the newest cache of the first that has any. No other scope is read (a branch cannot poison another's builds; the
 * default branch is the shared base). Null when there is none.
 */
export async function findCache(scope: Scope, profileId: string, input: { branches: readonly string[]; key: string }): Promise<{ cache: CacheView; exact: boolean } | null> {
  const { branches } = input;
  if (branches.length === 0) {
    return null;
  }
  const rows = await db.buildCache.findMany({
    where: { organizationId: scope.organizationId, profileId, complete: true, branch: { in: [...branches] } },
    orderBy: { createdAt: "desc" },
    select: cacheSelect,
    take: 50,
  });
  for (const exact of [true, false]) {
    for (const branch of branches) {
      const found = rows.find((row) => row.branch === branch && (!exact || row.key === input.key));
      if (found) {
        return { cache: viewOf(found), exact: found.key === input.key };
      }
    }
  }
  return null;
}

/** One chunk of a cache's archive (of the scope's organization), or null. */
export async function readCacheChunk(scope: Scope, cacheId: string, seq: number): Promise<Uint8Array | null> {
  const rows = await db.$queryRaw<{ data: Uint8Array }[]>`
    SELECT c.data FROM "BuildCacheChunk" c JOIN "BuildCache" k ON k.id = c."cacheId"
    WHERE c."cacheId" = ${cacheId}::uuid AND c.seq = ${seq} AND k."organizationId" = ${scope.organizationId}::uuid`;
  return rows[0]?.data ?? null;
}

/** Marks a cache used now (restored): it outlives the retention period while builds use it. */
export async function touchCache(scope: Scope, cacheId: string): Promise<void> {
  await db.buildCache.updateMany({ where: { id: cacheId, organizationId: scope.organizationId }, data: { lastUsedAt: new Date() } });
}

/** Starts a cache of a profile's branch (incomplete until `completeCache`). */
export async function startCache(scope: Scope, input: { profileId: string; branch: string; key: string; paths: string[]; buildNumber: number }): Promise<string> {
  const row = await db.buildCache.create({ data: { organizationId: scope.organizationId, ...input }, select: { id: true } });
  return row.id;
}

/** Appends a chunk to a cache still being written. */
export async function addCacheChunk(scope: Scope, cacheId: string, seq: number, data: Uint8Array): Promise<boolean> {
  const written = await db.$executeRaw`
    INSERT INTO "BuildCacheChunk" ("cacheId", seq, data)
    SELECT k.id, ${seq}, ${Buffer.from(data.buffer, data.byteOffset, data.byteLength)}
    FROM "BuildCache" k
    WHERE k.id = ${cacheId}::uuid AND k."organizationId" = ${scope.organizationId}::uuid AND k.complete = false`;
  return written === 1;
}

/** Completes a cache and deletes the older ones of its profile, branch and key (the new one replaces them). */
export async function completeCache(scope: Scope, cacheId: string, size: number, sha256: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const done = await tx.buildCache.update({ where: { id: cacheId, organizationId: scope.organizationId }, data: { complete: true, size: BigInt(size), sha256, lastUsedAt: new Date() }, select: { profileId: true, branch: true, key: true } });
    await tx.buildCache.deleteMany({ where: { organizationId: scope.organizationId, profileId: done.profileId, branch: done.branch, key: done.key, id: { not: cacheId } } });
  });
}

/** Drops a cache the worker could not finish. */
export async function dropCache(scope: Scope, cacheId: string): Promise<void> {
  await db.buildCache.deleteMany({ where: { id: cacheId, organizationId: scope.organizationId, complete: false } });
}

/** A profile's complete caches, newest first (the workflow page). */
export async function listCaches(scope: Scope, profileId: string): Promise<CacheView[]> {
  const rows = await db.buildCache.findMany({ where: { organizationId: scope.organizationId, profileId, complete: true }, orderBy: { createdAt: "desc" }, select: cacheSelect });
  return rows.map(viewOf);
}

/** Deletes every cache of a profile (admins: a cache that breaks builds); audited. The next successful build saves a new one. */
export async function clearCaches(scope: Scope, profileId: string): Promise<number> {
  if (!can(scope, "workflow.update")) {
    throw new AppError("FORBIDDEN", refusalOf("workflow.update"));
  }
  return db.$transaction(async (tx) => {
    const { count } = await tx.buildCache.deleteMany({ where: { organizationId: scope.organizationId, profileId } });
    await recordAudit(scope, { action: "profile.caches_cleared", targetType: "build_profile", targetId: profileId, data: { caches: count } }, tx);
    return count;
  });
}

/**
 * Housekeeping across organizations (lib/data/README.md): caches no build restored or saved for
 * `retentionDays`, and unfinished ones older than a day (a worker that died while writing).
 */
export async function pruneCaches(retentionDays: number, now = new Date()): Promise<number> {
  const unused = new Date(now.getTime() - retentionDays * 86_400_000);
  const stale = new Date(now.getTime() - 86_400_000);
  const { count } = await db.buildCache.deleteMany({ where: { OR: [{ lastUsedAt: { lt: unused } }, { complete: false, createdAt: { lt: stale } }] } });
  return count;
}
