import "server-only";
import { db } from "@/lib/db";

/** A counter as stored: events in the window that started at `windowStart`, the last at `updatedAt`. */
export type RateLimitBucketState = { count: number; windowStart: Date; updatedAt: Date };

export type RateLimitVerdict = { allowed: boolean; count: number; retryAfterSeconds: number };

/**
 * Counts one event in a fixed window for `key`; returns the counter after it. One atomic
 * upsert, so concurrent requests on several Keel instances count right.
 */
export async function hitRateLimit(key: string, windowSeconds: number): Promise<RateLimitBucketState> {
  const rows = await db.$queryRaw<RateLimitBucketState[]>`
    INSERT INTO "RateLimitBucket" ("key", "count", "windowStart", "updatedAt")
    VALUES (${key}, 1, now(), now())
    ON CONFLICT ("key") DO UPDATE SET
      "count" = CASE WHEN "RateLimitBucket"."windowStart" < now() - make_interval(secs => ${windowSeconds}::double precision)
                     THEN 1 ELSE "RateLimitBucket"."count" + 1 END,
      "windowStart" = CASE WHEN "RateLimitBucket"."windowStart" < now() - make_interval(secs => ${windowSeconds}::double precision)
                     THEN now() ELSE "RateLimitBucket"."windowStart" END,
      "updatedAt" = now()
    RETURNING "count", "windowStart", "updatedAt"`;
  return rows[0]!;
}

/** Counts one event and says whether it is within `limit` events per window (counted either way). */
export async function takeRateLimit(key: string, limit: number, windowSeconds: number): Promise<RateLimitVerdict> {
  const state = await hitRateLimit(key, windowSeconds);
  const allowed = state.count <= limit;
  const resetsAt = state.windowStart.getTime() + windowSeconds * 1000;
  return { allowed, count: state.count, retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((resetsAt - Date.now()) / 1000)) };
}

/** Reads several counters in one query (missing keys are absent from the map). */
export async function readRateLimits(keys: readonly string[]): Promise<Map<string, RateLimitBucketState>> {
  const rows = await db.rateLimitBucket.findMany({ where: { key: { in: [...keys] } } });
  return new Map(rows.map((row) => [row.key, { count: row.count, windowStart: row.windowStart, updatedAt: row.updatedAt }]));
}

/** Counters whose key starts with `prefix` and changed within `sinceSeconds` (an admin's view of sign-in throttles). */
export async function listRateLimits(prefix: string, sinceSeconds: number): Promise<Map<string, RateLimitBucketState>> {
  const rows = await db.rateLimitBucket.findMany({ where: { key: { startsWith: prefix }, updatedAt: { gte: new Date(Date.now() - sinceSeconds * 1000) } } });
  return new Map(rows.map((row) => [row.key, { count: row.count, windowStart: row.windowStart, updatedAt: row.updatedAt }]));
}

/** Forgets counters (e.g. an account's failures after a successful sign-in). */
export async function clearRateLimits(keys: readonly string[]): Promise<void> {
  await db.rateLimitBucket.deleteMany({ where: { key: { in: [...keys] } } });
}

/** Forgets every counter whose key starts with `prefix` (an admin unlocking an account's sign-in). */
export async function clearRateLimitsByPrefix(prefix: string): Promise<number> {
  const { count } = await db.rateLimitBucket.deleteMany({ where: { key: { startsWith: prefix } } });
  return count;
}

/** The "wait until" Azure DevOps asked for on `key` (e.g. "connection:<id>"), or null when none is in force. */
export async function getOutboundHold(key: string): Promise<{ until: Date; reason: string } | null> {
  const row = await db.outboundHold.findUnique({ where: { key }, select: { until: true, reason: true } });
  return row && row.until.getTime() > Date.now() ? row : null;
}

/** Records that Azure DevOps asked to wait until `until` on `key`; an earlier hold is only ever extended. */
export async function extendOutboundHold(key: string, until: Date, reason: string): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "OutboundHold" ("key", "until", "reason", "updatedAt") VALUES (${key}, ${until}, ${reason}, now())
    ON CONFLICT ("key") DO UPDATE SET
      "reason" = CASE WHEN "OutboundHold"."until" < EXCLUDED."until" THEN EXCLUDED."reason" ELSE "OutboundHold"."reason" END,
      "until" = GREATEST("OutboundHold"."until", EXCLUDED."until"),
      "updatedAt" = now()`;
}

/** Deletes counters untouched for `olderThanMs` and holds that have passed (housekeeping). */
export async function pruneRateLimits(olderThanMs: number): Promise<{ counters: number; holds: number }> {
  const [counters, holds] = await db.$transaction([
    db.rateLimitBucket.deleteMany({ where: { updatedAt: { lt: new Date(Date.now() - olderThanMs) } } }),
    db.outboundHold.deleteMany({ where: { until: { lt: new Date() } } }),
  ]);
  return { counters: counters.count, holds: holds.count };
}
