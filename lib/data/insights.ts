import "server-only";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { can, refusalOf } from "@/lib/policy";
import { branchRecovery, TYPICAL_MIN_BUILDS, TYPICAL_OF_BUILDS, type BranchRecovery, type BuildRef, type TypicalDuration } from "@/lib/shared/builds";
import { shortBranchName } from "@/lib/shared/names";
import type { Scope } from "@/lib/scope";
import { failingTests, type FailingTest } from "@/lib/shared/tests";
import { Prisma } from "@/lib/generated/prisma/client";
import { testRuns } from "./builds";

// A profile's insights (lib/builds/README.md, "Insights"): how its builds went over the last
// days — per day, how long they took and waited, and where the time goes, step by step. Three
// aggregate queries over the profile's own builds; nothing is stored for it.

/** `medianMs`: the day's successful builds' median duration (start to end); null without one. */
export type InsightsDay = { day: string; succeeded: number; failed: number; other: number; medianMs: number | null };

export type ProfileInsights = {
  days: number;
  /** Finished builds in the window, by outcome. */
  finished: number;
  succeeded: number;
  /** FAILED and TIMED_OUT: the code's fault. */
  failed: number;
  /** ERROR and CANCELED. */
  other: number;
  /** Successful builds' duration (start to end), median and 90th percentile, in ms; null without one. */
  medianMs: number | null;
  p90Ms: number | null;
  /** How long builds waited for a worker (queued to started), median, in ms. */
  medianWaitMs: number | null;
  /** One entry per UTC day of the window, oldest first (days without builds included). */
  perDay: InsightsDay[];
  /** Successful builds' steps in order: median duration, in how many builds, and in how many of them it passed only on a later try (flaky). */
  steps: Array<{ index: number; name: string; medianMs: number; builds: number; retried: number }>;
  /** Successful builds' median duration over the last 7 days and the 7 before them (null without one): is the build getting slower? */
  week: { thisMs: number | null; beforeMs: number | null };
};

const DAY_MS = 24 * 3_600_000;

/** The start of the last `days` UTC days, today included. */
function windowStart(days: number, now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (days - 1) * DAY_MS);
}

/** How a profile's builds went over the last `days` days (UTC days, today included). */
export async function profileInsights(scope: Scope, profileId: string, days = 30, now = new Date()): Promise<ProfileInsights> {
  const since = windowStart(days, now);
  const weekAgo = windowStart(7, now);
  const twoWeeksAgo = windowStart(14, now);
  const [byDay, durations, steps, dayDurations, weeks] = await Promise.all([
    db.$queryRaw<{ day: Date; status: string; count: bigint }[]>`
      SELECT date_trunc('day', "finishedAt") AS day, status::text AS status, count(*) AS count
      FROM "Build"
      WHERE "organizationId" = ${scope.organizationId}::uuid AND "profileId" = ${profileId}::uuid AND "finishedAt" >= ${since}
      GROUP BY 1, 2`,
    db.$queryRaw<{ median: number | null; p90: number | null; wait: number | null }[]>`
      SELECT
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ("finishedAt" - "startedAt"))) FILTER (WHERE status = 'SUCCEEDED') * 1000 AS median,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM ("finishedAt" - "startedAt"))) FILTER (WHERE status = 'SUCCEEDED') * 1000 AS p90,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ("startedAt" - "queuedAt"))) * 1000 AS wait
      FROM "Build"
      WHERE "organizationId" = ${scope.organizationId}::uuid AND "profileId" = ${profileId}::uuid AND "finishedAt" >= ${since} AND "startedAt" IS NOT NULL`,
    db.$queryRaw<{ index: number; name: string; median: number; builds: bigint; retried: bigint }[]>`
      SELECT s.index, s.name, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (s."finishedAt" - s."startedAt"))) * 1000 AS median, count(*) AS builds,
        count(*) FILTER (WHERE s.tries > 1) AS retried
      FROM "BuildStep" s JOIN "Build" b ON b.id = s."buildId"
      WHERE b."organizationId" = ${scope.organizationId}::uuid AND b."profileId" = ${profileId}::uuid AND b."finishedAt" >= ${since} AND b.status = 'SUCCEEDED'
        AND s."startedAt" IS NOT NULL AND s."finishedAt" IS NOT NULL
      GROUP BY s.index, s.name
      ORDER BY s.index, count(*) DESC`,
    db.$queryRaw<{ day: Date; median: number }[]>`
      SELECT date_trunc('day', "finishedAt") AS day, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ("finishedAt" - "startedAt"))) * 1000 AS median
      FROM "Build"
      WHERE "organizationId" = ${scope.organizationId}::uuid AND "profileId" = ${profileId}::uuid AND "finishedAt" >= ${since} AND status = 'SUCCEEDED' AND "startedAt" IS NOT NULL
      GROUP BY 1`,
    db.$queryRaw<{ this: number | null; before: number | null }[]>`
      SELECT
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ("finishedAt" - "startedAt"))) FILTER (WHERE "finishedAt" >= ${weekAgo}) * 1000 AS this,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ("finishedAt" - "startedAt"))) FILTER (WHERE "finishedAt" < ${weekAgo}) * 1000 AS before
      FROM "Build"
      WHERE "organizationId" = ${scope.organizationId}::uuid AND "profileId" = ${profileId}::uuid AND "finishedAt" >= ${twoWeeksAgo} AND status = 'SUCCEEDED' AND "startedAt" IS NOT NULL`,
  ]);
  const medians = new Map(dayDurations.map((row) => [row.day.toISOString().slice(0, 10), Math.round(Number(row.median))]));
  const perDay: InsightsDay[] = Array.from({ length: days }, (_, offset) => {
    const day = new Date(since.getTime() + offset * DAY_MS).toISOString().slice(0, 10);
    return { day, succeeded: 0, failed: 0, other: 0, medianMs: medians.get(day) ?? null };
  });
  for (const row of byDay) {
    const entry = perDay.find((day) => day.day === row.day.toISOString().slice(0, 10));
    if (entry) {
      const kind = row.status === "SUCCEEDED" ? "succeeded" : row.status === "FAILED" || row.status === "TIMED_OUT" ? "failed" : "other";
      entry[kind] += Number(row.count);
    }
  }
  const sum = (kind: "succeeded" | "failed" | "other") => perDay.reduce((total, day) => total + day[kind], 0);
  const round = (value: number | null | undefined) => (value === null || value === undefined ? null : Math.round(Number(value)));
  // A step renamed in the window has two names at one index: the one most builds had is shown.
  const seen = new Set<number>();
  return {
    days,
    finished: sum("succeeded") + sum("failed") + sum("other"),
    succeeded: sum("succeeded"),
    failed: sum("failed"),
    other: sum("other"),
    medianMs: round(durations[0]?.median),
    p90Ms: round(durations[0]?.p90),
    medianWaitMs: round(durations[0]?.wait),
    perDay,
    steps: steps.filter((step) => !seen.has(step.index) && seen.add(step.index)).map((step) => ({ index: step.index, name: step.name, medianMs: Math.round(Number(step.median)), builds: Number(step.builds), retried: Number(step.retried) })),
    week: { thisMs: round(weeks[0]?.this), beforeMs: round(weeks[0]?.before) },
  };
}

/** How many of a branch's builds in the window its recovery reads at most (a branch built every minute for 30 days is past it). */
export const RECOVERY_BUILDS = 5_000;

/**
 * How often the profile's `branch` (a full ref name: its default branch) went red over the last
 * `days` days and how long it stayed red (lib/shared/builds.ts, `branchRecovery`): its builds —
 * not pull requests' — that succeeded, failed or timed out, and the last one before the window.
 */
export async function branchRecoveryOf(scope: Scope, profileId: string, branch: string, days = 30, now = new Date()): Promise<BranchRecovery> {
  return branchRecoveryBetween(scope, profileId, branch, windowStart(days, now), now);
}

/** `branchRecoveryOf` over [`since`, `until`): builds that finished then, red until `until` at most. */
export async function branchRecoveryBetween(scope: Scope, profileId: string, branch: string, since: Date, until: Date): Promise<BranchRecovery> {
  const where = { organizationId: scope.organizationId, profileId, branch, pullRequestId: null, status: { in: ["SUCCEEDED" as const, "FAILED" as const, "TIMED_OUT" as const] } };
  const select = { id: true, number: true, status: true, finishedAt: true } as const;
  const [before, builds] = await Promise.all([
    db.build.findFirst({ where: { ...where, finishedAt: { lt: since } }, orderBy: [{ finishedAt: "desc" }, { number: "desc" }], select }),
    db.build.findMany({ where: { ...where, finishedAt: { gte: since, lt: until } }, orderBy: [{ finishedAt: "desc" }, { number: "desc" }], take: RECOVERY_BUILDS, select }),
  ]);
  const outcome = (row: { id: string; number: number; status: string; finishedAt: Date | null }) => ({ id: row.id, number: row.number, status: row.status, finishedAt: row.finishedAt! });
  // Past the bound the oldest builds of the window are not read, so what came before them is not known.
  return branchRecovery(before && builds.length < RECOVERY_BUILDS ? outcome(before) : null, builds.map(outcome), since, until);
}

/** How many of the window's newest builds with test results the failing cases are counted from. */
export const TEST_INSIGHTS_BUILDS = 500;

/**
 * The cases that failed most often in the profile's builds of the last `days` days (lib/shared/tests.ts,
 * `failingTests`), counted over its newest TEST_INSIGHTS_BUILDS builds with test results, and how many builds
 * that was.
 */
export async function failingTestInsights(scope: Scope, profileId: string, days = 30, now = new Date(), limit = 10): Promise<{ builds: number; tests: FailingTest[] }> {
  const rows = await db.build.findMany({
    where: { organizationId: scope.organizationId, profileId, finishedAt: { gte: windowStart(days, now) }, NOT: { testSummary: { equals: Prisma.DbNull } } },
    orderBy: { number: "desc" },
    take: TEST_INSIGHTS_BUILDS,
    select: { id: true, number: true, commitId: true, testSummary: true },
  });
  const runs = testRuns(rows);
  return { builds: runs.length, tests: failingTests(runs, limit) };
}

export { TYPICAL_MIN_BUILDS, TYPICAL_OF_BUILDS };

/**
 * How long a profile's builds usually take (lib/builds/README.md, "How long a build takes"): the
 * median of its newest successful builds, start to end, and of each step by name (a steps file
 * can change the indexes). Null with fewer than TYPICAL_MIN_BUILDS: two builds predict nothing.
 */
export async function typicalDuration(scope: Scope, profileId: string): Promise<TypicalDuration | null> {
  const rows = await db.$queryRaw<{ name: string | null; median: number; builds: bigint }[]>`
    WITH recent AS (
      SELECT id, "startedAt", "finishedAt" FROM "Build"
      WHERE "organizationId" = ${scope.organizationId}::uuid AND "profileId" = ${profileId}::uuid AND status = 'SUCCEEDED'
        AND "startedAt" IS NOT NULL AND "finishedAt" IS NOT NULL
      ORDER BY "queuedAt" DESC
      LIMIT ${TYPICAL_OF_BUILDS})
    SELECT NULL::text AS name, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ("finishedAt" - "startedAt"))) * 1000 AS median, count(*) AS builds
    FROM recent
    UNION ALL
    SELECT s.name, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (s."finishedAt" - s."startedAt"))) * 1000, count(*)
    FROM "BuildStep" s JOIN recent r ON r.id = s."buildId"
    WHERE s."startedAt" IS NOT NULL AND s."finishedAt" IS NOT NULL
    GROUP BY s.name`;
  const total = rows.find((row) => row.name === null);
  if (!total || Number(total.builds) < TYPICAL_MIN_BUILDS) {
    return null;
  }
  return {
    ms: Math.round(Number(total.median)),
    builds: Number(total.builds),
    steps: Object.fromEntries(rows.filter((row) => row.name !== null).map((row) => [row.name!, Math.round(Number(row.median))])),
  };
}

/** A build that waited this long for a worker counts as having waited long (the pool was short of workers). */
export const LONG_WAIT_MS = 5 * 60_000;

/** One build pool's use over the window (the Workers page's Usage card). Waits are for a worker: see `poolUsage`. */
export type PoolUsage = {
  pool: string;
  /** Builds of the pool that started in the window. */
  builds: number;
  /** Their time on workers, start to end (a running build counts until now), in ms. */
  buildMs: number;
  /** How long they waited for a worker, median and 90th percentile, in ms. */
  medianWaitMs: number;
  p90WaitMs: number;
  /** How many waited LONG_WAIT_MS or more. */
  waitedLong: number;
  /** The most of its builds that ran at the same moment. */
  peakRunning: number;
  /** The build that waited longest. */
  longest: { id: string; number: number; profileName: string; waitMs: number };
  /** The profiles that used the pool most (by time on workers), at most 5. */
  profiles: Array<{ id: string; name: string; builds: number; buildMs: number }>;
  /** Builds whose worker was lost mid-build (`Build.workerLostAt`), and the machines they ran on, most first (at most 3; host null when unknown). */
  lost: number;
  lostHosts: Array<{ host: string | null; builds: number }>;
};

/**
 * How each build pool was used over the last `days` days (lib/builds/README.md, "Build pools"):
 * so an admin sees whether the Mac pool needs another machine before people complain. A build's
 * wait is for a *worker*: queued to started, except that a build of a profile that runs one
 * build at a time waits for its own previous build first, so its wait counts from when that one
 * ended. Builds canceled while queued never started and are not counted. Admins only
 * (`worker.read`), like the page; pools with no build in the window are left out.
 */
export async function poolUsage(scope: Scope, days = 30, now = new Date()): Promise<PoolUsage[]> {
  if (!can(scope, "worker.read")) {
    throw new AppError("FORBIDDEN", refusalOf("worker.read"));
  }
  const since = windowStart(days, now);
  const [pools, profiles, peaks, lostHosts] = await Promise.all([
    db.$queryRaw<{ pool: string; builds: bigint; build_ms: number; median_wait: number; p90_wait: number; waited_long: bigint; longest_id: string; longest_number: number; longest_profile: string; longest_wait: number; lost: bigint }[]>`
      WITH started AS (
        SELECT b.id, b.number, b.pool, p.name AS profile, b."workerLostAt" IS NOT NULL AS lost,
          extract(epoch FROM (coalesce(b."finishedAt", ${now}) - b."startedAt")) * 1000 AS run_ms,
          greatest(0, extract(epoch FROM (b."startedAt" - greatest(b."queuedAt", CASE WHEN p."oneAtATime" THEN (
            SELECT max(o."finishedAt") FROM "Build" o
            WHERE o."profileId" = b."profileId" AND o.id <> b.id AND o."finishedAt" <= b."startedAt" AND o."queuedAt" <= b."queuedAt"
          ) END))) * 1000) AS wait_ms
        FROM "Build" b JOIN "BuildProfile" p ON p.id = b."profileId"
        WHERE b."organizationId" = ${scope.organizationId}::uuid AND b."startedAt" >= ${since} AND b."startedAt" <= ${now}
      )
      SELECT pool, count(*) AS builds, sum(run_ms) AS build_ms,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY wait_ms) AS median_wait,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY wait_ms) AS p90_wait,
        count(*) FILTER (WHERE wait_ms >= ${LONG_WAIT_MS}) AS waited_long,
        (array_agg(id::text ORDER BY wait_ms DESC, number))[1] AS longest_id,
        (array_agg(number ORDER BY wait_ms DESC, number))[1] AS longest_number,
        (array_agg(profile ORDER BY wait_ms DESC, number))[1] AS longest_profile,
        max(wait_ms) AS longest_wait,
        count(*) FILTER (WHERE lost) AS lost
      FROM started GROUP BY pool ORDER BY pool`,
    db.$queryRaw<{ pool: string; id: string; name: string; builds: bigint; build_ms: number }[]>`
      SELECT pool, id, name, builds, build_ms FROM (
        SELECT b.pool, p.id::text AS id, p.name, count(*) AS builds,
          sum(extract(epoch FROM (coalesce(b."finishedAt", ${now}) - b."startedAt")) * 1000) AS build_ms,
          row_number() OVER (PARTITION BY b.pool ORDER BY sum(extract(epoch FROM (coalesce(b."finishedAt", ${now}) - b."startedAt"))) DESC, p.name) AS rank
        FROM "Build" b JOIN "BuildProfile" p ON p.id = b."profileId"
        WHERE b."organizationId" = ${scope.organizationId}::uuid AND b."startedAt" >= ${since} AND b."startedAt" <= ${now}
        GROUP BY b.pool, p.id, p.name
      ) ranked WHERE rank <= 5 ORDER BY pool, rank`,
    // The most builds running at once: +1 at each start, −1 at each end, a running sum per pool
    // (an end sorts before a start at the same instant: back to back is not side by side).
    db.$queryRaw<{ pool: string; peak: number }[]>`
      SELECT pool, max(running)::int AS peak FROM (
        SELECT pool, sum(delta) OVER (PARTITION BY pool ORDER BY at, delta) AS running FROM (
          SELECT pool, "startedAt" AS at, 1 AS delta FROM "Build"
          WHERE "organizationId" = ${scope.organizationId}::uuid AND "startedAt" >= ${since} AND "startedAt" <= ${now}
          UNION ALL
          SELECT pool, "finishedAt" AS at, -1 AS delta FROM "Build"
          WHERE "organizationId" = ${scope.organizationId}::uuid AND "startedAt" >= ${since} AND "startedAt" <= ${now} AND "finishedAt" IS NOT NULL
        ) events
      ) sums GROUP BY pool`,
    lostBuildsByHost(scope, since, now),
  ]);
  return pools.map((row) => ({
    pool: row.pool,
    builds: Number(row.builds),
    buildMs: Math.round(Number(row.build_ms)),
    medianWaitMs: Math.round(Number(row.median_wait)),
    p90WaitMs: Math.round(Number(row.p90_wait)),
    waitedLong: Number(row.waited_long),
    peakRunning: peaks.find((peak) => peak.pool === row.pool)?.peak ?? 1,
    longest: { id: row.longest_id, number: row.longest_number, profileName: row.longest_profile, waitMs: Math.round(Number(row.longest_wait)) },
    profiles: profiles.filter((entry) => entry.pool === row.pool).map((entry) => ({ id: entry.id, name: entry.name, builds: Number(entry.builds), buildMs: Math.round(Number(entry.build_ms)) })),
    lost: Number(row.lost),
    lostHosts: lostHosts.filter((entry) => entry.pool === row.pool).slice(0, 3).map(({ host, builds }) => ({ host, builds })),
  }));
}

/**
 * The organization's builds that started in [`from`, `until`] and lost their worker
 * (`Build.workerLostAt`), per pool and machine, most first: a machine that keeps losing them
 * restarts, sleeps or runs out of memory. For the Workers page's usage and the week's summary.
 */
export async function lostBuildsByHost(scope: Scope, from: Date, until: Date): Promise<Array<{ pool: string; host: string | null; builds: number }>> {
  const rows = await db.$queryRaw<{ pool: string; host: string | null; builds: bigint }[]>`
    SELECT pool, "workerHost" AS host, count(*) AS builds FROM "Build"
    WHERE "organizationId" = ${scope.organizationId}::uuid AND "startedAt" >= ${from} AND "startedAt" <= ${until} AND "workerLostAt" IS NOT NULL
    GROUP BY pool, "workerHost" ORDER BY pool, count(*) DESC, "workerHost"`;
  return rows.map((row) => ({ pool: row.pool, host: row.host, builds: Number(row.builds) }));
}

/** One profile's week in the week's summary (lib/notifications/weekly.ts). */
export type WeekProfile = {
  id: string;
  name: string;
  /** Builds that finished in the week, by outcome (failed: FAILED and TIMED_OUT). */
  builds: number;
  succeeded: number;
  failed: number;
  /** Successful builds' median duration in the week and in the week before, in ms; null without one. */
  medianMs: number | null;
  beforeMs: number | null;
  /** The default branch's time red in the week (null without a default branch): `branchRecovery`. */
  branch: { name: string; breaks: number; redMs: number; redAtEnd: BuildRef | "before" | null } | null;
};

/** An organization's week of builds (lib/notifications/weekly.ts): totals, and the busiest profiles. */
export type WeekSummary = { from: string; to: string; builds: number; succeeded: number; failed: number; profiles: WeekProfile[]; moreProfiles: number };

/** How many profiles the week's summary names, the busiest first. */
export const SUMMARY_PROFILES = 10;

/**
 * The organization's builds that finished in [`from`, `to`): totals, and per profile (the
 * SUMMARY_PROFILES busiest) the outcomes, the successful builds' median against the week before,
 * and how long its default branch was red (`branchRecoveryOf` over the week).
 */
export async function weekSummary(scope: Scope, from: Date, to: Date): Promise<WeekSummary> {
  const weekBefore = new Date(from.getTime() - (to.getTime() - from.getTime()));
  const rows = await db.$queryRaw<{ id: string; name: string; branch: string | null; builds: bigint; succeeded: bigint; failed: bigint; median: number | null; before: number | null }[]>`
    SELECT b."profileId"::text AS id, p.name, p."defaultBranch" AS branch,
      count(*) FILTER (WHERE b."finishedAt" >= ${from}) AS builds,
      count(*) FILTER (WHERE b."finishedAt" >= ${from} AND b.status = 'SUCCEEDED') AS succeeded,
      count(*) FILTER (WHERE b."finishedAt" >= ${from} AND b.status IN ('FAILED', 'TIMED_OUT')) AS failed,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (b."finishedAt" - b."startedAt"))) FILTER (WHERE b."finishedAt" >= ${from} AND b.status = 'SUCCEEDED' AND b."startedAt" IS NOT NULL) * 1000 AS median,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (b."finishedAt" - b."startedAt"))) FILTER (WHERE b."finishedAt" < ${from} AND b.status = 'SUCCEEDED' AND b."startedAt" IS NOT NULL) * 1000 AS before
    FROM "Build" b JOIN "BuildProfile" p ON p.id = b."profileId"
    WHERE b."organizationId" = ${scope.organizationId}::uuid AND b."finishedAt" >= ${weekBefore} AND b."finishedAt" < ${to}
    GROUP BY b."profileId", p.name, p."defaultBranch"`;
  const active = rows.filter((row) => Number(row.builds) > 0).sort((a, b) => Number(b.builds) - Number(a.builds) || a.name.localeCompare(b.name, "en"));
  const named = active.slice(0, SUMMARY_PROFILES);
  const recoveries = await Promise.all(named.map((row) => (row.branch ? branchRecoveryBetween(scope, row.id, row.branch, from, to) : null)));
  const round = (value: number | null) => (value === null ? null : Math.round(Number(value)));
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    builds: active.reduce((sum, row) => sum + Number(row.builds), 0),
    succeeded: active.reduce((sum, row) => sum + Number(row.succeeded), 0),
    failed: active.reduce((sum, row) => sum + Number(row.failed), 0),
    profiles: named.map((row, index) => {
      const recovery = recoveries[index];
      return {
        id: row.id,
        name: row.name,
        builds: Number(row.builds),
        succeeded: Number(row.succeeded),
        failed: Number(row.failed),
        medianMs: round(row.median),
        beforeMs: round(row.before),
        branch:
          recovery && row.branch
            ? { name: shortBranchName(row.branch), breaks: recovery.breaks, redMs: recovery.redMs, redAtEnd: recovery.redNow ? (recovery.redNow.brokenBy ?? "before") : null }
            : null,
      };
    }),
    moreProfiles: Math.max(0, active.length - SUMMARY_PROFILES),
  };
}
