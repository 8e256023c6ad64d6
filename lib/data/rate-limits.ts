import "server-only";
import { db } from "@/lib/db";

export type RateLimitVerdict = { allowed: boolean; count: number; retryAfterSeconds: number };

/**
 * Counts one event in a fixed window for `key` and says whether it is within `limit`.
 * One atomic upsert, so concurrent requests on several Keel instances count right.
 */
export async function hitRateLimit(key: string, limit: number, windowSeconds: number): Promise<RateLimitVerdict> {
  const rows = await db.$queryRaw<{ count: number; windowStart: Date }[]>`
    INSERT INTO "RateLimitBucket" ("key", "count", "windowStart", "updatedAt")
    VALUES (${key}, 1, now(), now())
    ON CONFLICT ("key") DO UPDATE SET
      "count" = CASE WHEN "RateLimitBucket"."windowStart" < now() - make_interval(secs => ${windowSeconds}::double precision)
                     THEN 1 ELSE "RateLimitBucket"."count" + 1 END,
      "windowStart" = CASE WHEN "RateLimitBucket"."windowStart" < now() - make_interval(secs => ${windowSeconds}::double precision)
                     THEN now() ELSE "RateLimitBucket"."windowStart" END,
      "updatedAt" = now()
    RETURNING "count", "windowStart"`;
  const row = rows[0]!;
  return verdict(row.count, row.windowStart, limit, windowSeconds);
}

/** Reads a bucket without counting. */
export async function peekRateLimit(key: string, limit: number, windowSeconds: number): Promise<RateLimitVerdict> {
  const row = await db.rateLimitBucket.findUnique({ where: { key } });
  if (!row || row.windowStart.getTime() < Date.now() - windowSeconds * 1000) {
    return { allowed: true, count: 0, retryAfterSeconds: 0 };
  }
  return verdict(row.count, row.windowStart, limit - 1, windowSeconds);
}

/** Forgets a bucket (e.g. the account's failures after a successful sign-in). */
export async function clearRateLimit(key: string): Promise<void> {
  await db.rateLimitBucket.deleteMany({ where: { key } });
}

function verdict(count: number, windowStart: Date, limit: number, windowSeconds: number): RateLimitVerdict {
  const resetsAt = windowStart.getTime() + windowSeconds * 1000;
  const allowed = count <= limit;
  return { allowed, count, retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((resetsAt - Date.now()) / 1000)) };
}
