import { z } from "zod";
import { branchRecoveryOf, failingTestInsights, profileInsights } from "@/lib/data/insights";
import { json, tokenRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { shortBranchName } from "@/lib/shared/names";

export const dynamic = "force-dynamic";

/**
 * The token API's insights of a profile (README.md, "Starting builds from scripts"): what its page
 * shows — outcomes per day, durations, waiting, each step's median, this week against the last,
 * the tests that fail most and how long the default branch was red — for a team's dashboard (a
 * Grafana JSON source, a weekly report script). `?days=` (1–90, default 30).
 */
export const GET = tokenRoute(
  {
    name: "api.v1.profiles.insights",
    permission: "profile.read",
    target: "profile",
    query: z.strictObject({
      days: z.coerce.number({ error: "must be a number from 1 to 90" }).int("must be a whole number").min(1, "must be 1 or more").max(90, "must be at most 90").default(30),
    }),
  },
  async ({ scope, target: profile, query }) => {
    const origin = publicUrlOf(getEnv());
    const [insights, failing, recovery] = await Promise.all([
      profileInsights(scope, profile.id, query.days),
      failingTestInsights(scope, profile.id, query.days),
      profile.defaultBranch ? branchRecoveryOf(scope, profile.id, profile.defaultBranch, query.days) : null,
    ]);
    const buildRef = (build: { id: string; number: number } | null) => (build ? { number: build.number, webUrl: `${origin}/builds/${build.id}`, apiUrl: `${origin}/api/v1/builds/${build.id}` } : null);
    return json({
      insights: {
        profile: { id: profile.id, name: profile.name },
        days: insights.days,
        finished: insights.finished,
        succeeded: insights.succeeded,
        failed: insights.failed,
        other: insights.other,
        successRate: insights.finished > 0 ? insights.succeeded / insights.finished : null,
        medianMs: insights.medianMs,
        p90Ms: insights.p90Ms,
        medianWaitMs: insights.medianWaitMs,
        week: insights.week,
        perDay: insights.perDay,
        // `retried`: in how many of those builds the step passed only on a later try (its retries): a flaky step.
        steps: insights.steps.map(({ name, medianMs, builds, retried }) => ({ name, medianMs, builds, retried })),
        failingTests: {
          builds: failing.builds,
          tests: failing.tests.map((test) => ({
            name: test.name,
            failures: test.failures,
            flaky: test.flaky,
            lastFailed: { number: test.lastFailed.number, webUrl: `${origin}/builds/${test.lastFailed.id}`, apiUrl: `${origin}/api/v1/builds/${test.lastFailed.id}` },
          })),
        },
        defaultBranch:
          recovery && profile.defaultBranch
            ? {
                name: shortBranchName(profile.defaultBranch),
                breaks: recovery.breaks,
                redMs: recovery.redMs,
                medianFixMs: recovery.medianFixMs,
                redNow: recovery.redNow ? { since: recovery.redNow.since.toISOString(), brokenBy: buildRef(recovery.redNow.brokenBy) } : null,
              }
            : null,
        webUrl: `${origin}/profiles/${profile.id}/insights`,
      },
    });
  },
);
