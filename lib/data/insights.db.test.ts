import { describe, expect, it } from "vitest";
import { walletProfileSuite } from "@/lib/repositories/test-support";
import { testScope } from "@/lib/testing/scopes";

// A profile's insights (lib/data/insights.ts) from builds written straight into a test database,
// with the expected numbers worked out by hand.

const suite = walletProfileSuite();
const NOW = new Date("2026-12-06T15:00:00Z");
const at = (iso: string) => new Date(iso);

let number = 0;
/** Writes a finished build of the suite's profile: queued at `queued`, started `waitS` later, `tookS` long, its steps one after another. */
async function finishedBuild(status: "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "CANCELED" | "ERROR", queued: string, waitS: number, tookS: number, steps: Array<[string, number, number?]> = []): Promise<void> {
  const { database, seeded, profileId } = suite;
  number += 1;
  const queuedAt = at(queued);
  const startedAt = new Date(queuedAt.getTime() + waitS * 1_000);
  const finishedAt = new Date(startedAt.getTime() + tookS * 1_000);
  const row = await database.prisma.build.create({
    data: { organizationId: seeded.organizationId, profileId, number, trigger: "MANUAL", idempotencyKey: `insights-${number}`, commitId: "d".repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 3_600, status, queuedAt, startedAt, finishedAt },
  });
  let clock = startedAt.getTime();
  await database.prisma.buildStep.createMany({
    data: steps.map(([name, seconds, tries = 1], index) => {
      const step = { buildId: row.id, index, name, command: name, status: "SUCCEEDED" as const, startedAt: new Date(clock), finishedAt: new Date(clock + seconds * 1_000), tries };
      clock += seconds * 1_000;
      return step;
    }),
  });
}

describe("a profile's insights", () => {
  it("counts outcomes per UTC day, takes the medians of successful builds and of waiting, and times each step", async () => {
    const { profileInsights } = await import("./insights");
    const { database, seeded, profileId, admin } = suite;
    // Three successes (240, 300, 600 s), each with its steps; two failures; a cancel; one build
    // older than the window, one still running (neither counts).
    await finishedBuild("SUCCEEDED", "2026-12-01T10:00:00Z", 2, 240, [["Fetch commit", 10], ["Build", 200], ["Test", 30]]);
    await finishedBuild("SUCCEEDED", "2026-12-01T23:59:00Z", 4, 300, [["Fetch commit", 20], ["Build", 250], ["Test", 30]]);
    // The third's tests passed only on their second try (a flaky step).
    await finishedBuild("SUCCEEDED", "2026-12-05T08:00:00Z", 6, 600, [["Fetch commit", 30], ["Build", 500], ["Test", 70, 2]]);
    await finishedBuild("FAILED", "2026-12-05T09:00:00Z", 8, 120);
    await finishedBuild("TIMED_OUT", "2026-12-06T09:00:00Z", 10, 1_800);
    await finishedBuild("CANCELED", "2026-12-06T10:00:00Z", 12, 5);
    await finishedBuild("SUCCEEDED", "2026-10-01T10:00:00Z", 1, 60, [["Build", 60]]);
    number += 1;
    await database.prisma.build.create({ data: { organizationId: seeded.organizationId, profileId, number, trigger: "MANUAL", idempotencyKey: "insights-running", commitId: "d".repeat(40), steps: [], timeoutSeconds: 60, status: "RUNNING", startedAt: NOW } });

    const insights = await profileInsights(admin, profileId, 30, NOW);
    expect(insights).toMatchObject({ days: 30, finished: 6, succeeded: 3, failed: 2, other: 1 });
    // Successes took 240, 300, 600 s: median 300 s; the 90th percentile interpolates 300 → 600 at 0.8: 540 s.
    expect(insights.medianMs).toBe(300_000);
    expect(insights.p90Ms).toBe(540_000);
    // Waits of the six in the window: 2, 4, 6, 8, 10, 12 s → median 7 s.
    expect(insights.medianWaitMs).toBe(7_000);
    expect(insights.perDay).toHaveLength(30);
    expect(insights.perDay[0]!.day).toBe("2026-11-07");
    expect(insights.perDay.at(-1)).toEqual({ day: "2026-12-06", succeeded: 0, failed: 1, other: 1, medianMs: null });
    // The second build started on the 1st but finished on the 2nd (UTC): it counts on the day it
    // ended, and so does its duration (the failure's 120 s on the 5th does not count).
    expect(insights.perDay.filter((day) => day.succeeded + day.failed + day.other > 0)).toEqual([
      { day: "2026-12-01", succeeded: 1, failed: 0, other: 0, medianMs: 240_000 },
      { day: "2026-12-02", succeeded: 1, failed: 0, other: 0, medianMs: 300_000 },
      { day: "2026-12-05", succeeded: 1, failed: 1, other: 0, medianMs: 600_000 },
      { day: "2026-12-06", succeeded: 0, failed: 1, other: 1, medianMs: null },
    ]);
    // The last 7 days (from Nov 30th) hold all three successes; the 7 before them none.
    expect(insights.week).toEqual({ thisMs: 300_000, beforeMs: null });
    expect(insights.steps).toEqual([
      { index: 0, name: "Fetch commit", medianMs: 20_000, builds: 3, retried: 0 },
      { index: 1, name: "Build", medianMs: 250_000, builds: 3, retried: 0 },
      { index: 2, name: "Test", medianMs: 30_000, builds: 3, retried: 1 },
    ]);
    // Another organization sees nothing of this profile.
    const other = await database.prisma.organization.create({ data: { name: "Elsewhere" }, select: { id: true } });
    expect(await profileInsights(testScope(other.id, seeded.adminId), profileId, 30, NOW)).toMatchObject({ finished: 0, medianMs: null, steps: [], week: { thisMs: null, beforeMs: null } });
    // A success in the week before (200 s on Nov 25th): the trend has something to compare with.
    await finishedBuild("SUCCEEDED", "2026-11-25T10:00:00Z", 1, 200);
    expect((await profileInsights(admin, profileId, 30, NOW)).week).toEqual({ thisMs: 300_000, beforeMs: 200_000 });
  });

  it("estimates a build from the profile's newest successful builds, each step by name, and only from three of them", async () => {
    const { typicalDuration, TYPICAL_OF_BUILDS } = await import("./insights");
    const { database, seeded, profileId, admin } = suite;
    // The profile's history starts empty (the test above left builds in it).
    await database.prisma.build.deleteMany({ where: { profileId } });
    // Two successes predict nothing yet.
    await finishedBuild("SUCCEEDED", "2026-11-01T10:00:00Z", 1, 100, [["Fetch", 10], ["Build", 90]]);
    await finishedBuild("SUCCEEDED", "2026-11-02T10:00:00Z", 1, 200, [["Fetch", 20], ["Build", 180]]);
    expect(await typicalDuration(admin, profileId)).toBeNull();
    // A failure does not count, however long it took.
    await finishedBuild("FAILED", "2026-11-03T10:00:00Z", 1, 5_000, [["Fetch", 10], ["Build", 4_990]]);
    expect(await typicalDuration(admin, profileId)).toBeNull();
    // The third success: medians of 100, 200, 400 s; a step renamed at the same index counts under its own name.
    await finishedBuild("SUCCEEDED", "2026-11-04T10:00:00Z", 1, 400, [["Fetch", 30], ["Archive", 370]]);
    expect(await typicalDuration(admin, profileId)).toEqual({ ms: 200_000, builds: 3, steps: { Fetch: 20_000, Build: 135_000, Archive: 370_000 } });
    // Only the newest TYPICAL_OF_BUILDS successes count: ten more of 60 s push the old ones out.
    for (let day = 10; day < 10 + TYPICAL_OF_BUILDS; day += 1) {
      await finishedBuild("SUCCEEDED", `2026-11-${day}T10:00:00Z`, 1, 60, [["Fetch", 5], ["Build", 55]]);
    }
    expect(await typicalDuration(admin, profileId)).toEqual({ ms: 60_000, builds: TYPICAL_OF_BUILDS, steps: { Fetch: 5_000, Build: 55_000 } });
    // Another organization gets no estimate of this profile.
    const other = await database.prisma.organization.create({ data: { name: "Elsewhere too" }, select: { id: true } });
    expect(await typicalDuration(testScope(other.id, seeded.adminId), profileId)).toBeNull();
  });
});

describe("test results across builds", () => {
  /** Writes a finished build of the suite's profile whose JUnit reports failed `failed` (of 10 cases). */
  async function testedBuild(line: { branch?: string; pullRequestId?: number; targetRef?: string; tag?: string }, commit: string, failed: string[] | null, finished = "2026-12-05T10:00:00Z") {
    const { database, seeded, profileId } = suite;
    number += 1;
    const testSummary =
      failed === null
        ? undefined
        : { total: 10, passed: 10 - failed.length, failed: failed.length, skipped: 0, durationMs: 100, reports: 1, failures: failed.map((name) => ({ suite: "WalletTests", className: "WalletTests", name, kind: "failure", message: "" })) };
    return database.prisma.build.create({
      data: {
        organizationId: seeded.organizationId,
        profileId,
        number,
        trigger: "MANUAL",
        idempotencyKey: `tested-${number}`,
        commitId: commit.repeat(40),
        branch: line.branch ? `refs/heads/${line.branch}` : null,
        pullRequestId: line.pullRequestId ?? null,
        tag: line.tag ?? null,
        targetRef: line.targetRef ?? null,
        steps: [],
        timeoutSeconds: 3_600,
        status: failed && failed.length > 0 ? "FAILED" : "SUCCEEDED",
        queuedAt: at(finished),
        startedAt: at(finished),
        finishedAt: at(finished),
        testSummary,
      },
      select: { id: true, number: true, commitId: true, branch: true, tag: true, pullRequestId: true, targetRef: true, profileId: true },
    });
  }

  it("reads a failed build's history from the earlier builds of its line and the other builds of its commit", async () => {
    const { testHistoryRuns } = await import("./builds");
    const { database, seeded, profileId, admin } = suite;
    await database.prisma.build.deleteMany({ where: { profileId } });
    const passed = await testedBuild({ branch: "main" }, "a", []);
    const before = await testedBuild({ branch: "main" }, "b", ["testLogin"]);
    // Not of main's line: another branch, a pull request into main, the tags; and a main build without reports.
    await testedBuild({ branch: "feature/x" }, "c", ["testBalance"]);
    const pullRequest = await testedBuild({ branch: "feature/x", pullRequestId: 7, targetRef: "refs/heads/main" }, "c", ["testBalance"]);
    await testedBuild({ tag: "v1" }, "b", []);
    await testedBuild({ branch: "main" }, "d", null);
    const current = await testedBuild({ branch: "main" }, "e", ["testLogin", "testBalance"]);
    // A rebuild of the same commit on another branch, after it: it did not fail testBalance.
    const rebuild = await testedBuild({ branch: "release" }, "e", ["testLogin"]);
    await testedBuild({ branch: "main" }, "f", []);

    const runs = await testHistoryRuns(admin, current);
    expect(runs.line.map((run) => run.number)).toEqual([before.number, passed.number]);
    expect(runs.line[0]!.summary.failures.map((failure) => failure.name)).toEqual(["testLogin"]);
    expect(runs.sameCommit.map((run) => run.number)).toEqual([rebuild.number]);
    expect(runs.target).toBeNull();
    // A pull request's build reads the newest earlier build of the branch it merges into.
    const forPullRequest = await testHistoryRuns(admin, pullRequest);
    expect(forPullRequest.target?.number).toBe(before.number);
    expect(forPullRequest.line).toEqual([]);
    // The tag builds are their own line: the v1 build is the only earlier one.
    const tagged = await testedBuild({ tag: "v2" }, "g", ["testSync"]);
    expect((await testHistoryRuns(admin, tagged)).line.map((run) => run.commitId)).toEqual(["b".repeat(40)]);
    // Another organization reads nothing of this profile's builds.
    const other = await database.prisma.organization.create({ data: { name: "Elsewhere, tests" }, select: { id: true } });
    expect(await testHistoryRuns(testScope(other.id, seeded.adminId), current)).toEqual({ line: [], sameCommit: [], target: null });
    expect((await testHistoryRuns(testScope(other.id, seeded.adminId), pullRequest)).target).toBeNull();
  });

  it("counts the cases that failed most in the window's builds with test results, flaky ones flagged", async () => {
    const { failingTestInsights } = await import("./insights");
    const { database, profileId, admin } = suite;
    await database.prisma.build.deleteMany({ where: { profileId } });
    expect(await failingTestInsights(admin, profileId, 30, NOW)).toEqual({ builds: 0, tests: [] });
    // Older than the window: not counted.
    await testedBuild({ branch: "main" }, "a", ["testOld"], "2026-10-01T10:00:00Z");
    await testedBuild({ branch: "main" }, "b", ["testLogin"]);
    const flakyPass = await testedBuild({ branch: "main" }, "b", []);
    const last = await testedBuild({ branch: "main" }, "c", ["testLogin", "testSync"]);
    await testedBuild({ branch: "main" }, "d", null);
    const insights = await failingTestInsights(admin, profileId, 30, NOW);
    expect(flakyPass.number).toBeLessThan(last.number);
    expect(insights).toEqual({
      builds: 3,
      tests: [
        { name: "WalletTests › testLogin", failures: 2, lastFailed: { id: last.id, number: last.number }, flaky: true },
        { name: "WalletTests › testSync", failures: 1, lastFailed: { id: last.id, number: last.number }, flaky: false },
      ],
    });
  });
});

describe("build pools' usage", () => {
  /** Writes a build of `profileId` in `pool`: queued at `queued`, started `waitS` later, `tookS` long (null: still running; no start: never started). */
  async function pooledBuild(profileId: string, pool: string, queued: string, waitS: number | null, tookS: number | null) {
    const { database, seeded } = suite;
    number += 1;
    const queuedAt = at(queued);
    const startedAt = waitS === null ? null : new Date(queuedAt.getTime() + waitS * 1_000);
    const finishedAt = startedAt === null || tookS === null ? null : new Date(startedAt.getTime() + tookS * 1_000);
    const status = startedAt === null ? "CANCELED" : finishedAt === null ? "RUNNING" : "SUCCEEDED";
    return database.prisma.build.create({
      data: { organizationId: seeded.organizationId, profileId, number, pool, trigger: "MANUAL", idempotencyKey: `pooled-${number}`, commitId: "e".repeat(40), steps: [], timeoutSeconds: 3_600, status, queuedAt, startedAt, finishedAt, ...(status === "CANCELED" ? { finishedAt: at(queued) } : {}) },
      select: { id: true, number: true },
    });
  }

  it("sums each pool's time on workers, its waits for a worker (a one-at-a-time profile's from its previous build's end) and the most builds at once", async () => {
    const { poolUsage, LONG_WAIT_MS } = await import("./insights");
    const { database, seeded, profileId, admin } = suite;
    await database.prisma.build.deleteMany({ where: { profileId } });
    const wallet = await database.prisma.buildProfile.findUniqueOrThrow({ where: { id: profileId } });
    const release = await database.prisma.buildProfile.create({
      data: { organizationId: seeded.organizationId, connectionId: wallet.connectionId, name: "Wallet Release", nameKey: "wallet release", platform: "IOS", projectId: "p", projectName: "P", repositoryId: "r", repositoryName: "R" },
    });
    expect(await poolUsage(admin, 30, NOW)).toEqual([]);
    expect(LONG_WAIT_MS).toBe(300_000);

    // The default pool: 10:00:10–10:10:10, 10:11:40–10:16:40 (waited 400 s), 10:20:20–10:22:00, and
    // one that starts the instant the first ends (back to back is not side by side: at most 1 at once).
    await pooledBuild(profileId, "default", "2026-12-01T10:00:00Z", 10, 600);
    const longWait = await pooledBuild(profileId, "default", "2026-12-01T10:05:00Z", 400, 300);
    await pooledBuild(profileId, "default", "2026-12-01T10:20:00Z", 20, 100);
    await pooledBuild(profileId, "default", "2026-12-01T10:10:00Z", 10, 50);
    // Not counted: canceled while queued (it never ran), and one older than the window.
    await pooledBuild(profileId, "default", "2026-12-01T11:00:00Z", null, null);
    await pooledBuild(profileId, "default", "2026-10-01T10:00:00Z", 5_000, 60);
    // The macos pool: the release profile's 08:01–08:21, then its next one from 08:21 (queued at
    // 08:00:30: 1,230 s after), a Wallet build 08:05–08:10 beside the first, and one running
    // for the last 100 s after waiting 100 s.
    await pooledBuild(release.id, "macos", "2026-12-02T08:00:00Z", 60, 1_200);
    const serial = await pooledBuild(release.id, "macos", "2026-12-02T08:00:30Z", 1_230, 600);
    await pooledBuild(profileId, "macos", "2026-12-02T08:05:00Z", 0, 300);
    await pooledBuild(release.id, "macos", "2026-12-06T14:56:40Z", 100, null);

    const [byDefault, macos] = await poolUsage(admin, 30, NOW);
    // Waits 10, 10, 20, 400 s: median 15 s; the 90th percentile interpolates 20 → 400 at 0.7: 286 s.
    expect(byDefault).toEqual({
      pool: "default",
      builds: 4,
      buildMs: 1_050_000,
      medianWaitMs: 15_000,
      p90WaitMs: 286_000,
      waitedLong: 1,
      peakRunning: 1,
      longest: { id: longWait.id, number: longWait.number, profileName: "Wallet", waitMs: 400_000 },
      profiles: [{ id: profileId, name: "Wallet", builds: 4, buildMs: 1_050_000 }],
      lost: 0,
      lostHosts: [],
    });
    // While the release profile builds side by side, its second build waited 1,230 s for a worker.
    expect(macos).toMatchObject({ pool: "macos", builds: 4, buildMs: 2_200_000, waitedLong: 1, peakRunning: 2, longest: { id: serial.id, waitMs: 1_230_000 } });
    expect(macos!.profiles).toEqual([
      { id: release.id, name: "Wallet Release", builds: 3, buildMs: 1_900_000 },
      { id: profileId, name: "Wallet", builds: 1, buildMs: 300_000 },
    ]);
    // Builds whose worker was lost, per machine (most first); one whose worker's host is unknown too.
    // (The sweeper ends the running one now: its time on workers stays what it was.)
    const lostOn = async (id: string, host: string | null) => database.prisma.build.update({ where: { id }, data: { status: "ERROR", workerLostAt: NOW, workerHost: host, finishedAt: (await database.prisma.build.findUniqueOrThrow({ where: { id } })).finishedAt ?? NOW } });
    const macBuilds = await database.prisma.build.findMany({ where: { pool: "macos", organizationId: seeded.organizationId, startedAt: { not: null } }, orderBy: { startedAt: "asc" }, select: { id: true } });
    await lostOn(macBuilds[0]!.id, "mac-mini-4");
    await lostOn(macBuilds[1]!.id, "mac-mini-2");
    await lostOn(macBuilds[2]!.id, "mac-mini-2");
    await lostOn(macBuilds[3]!.id, null);
    expect((await poolUsage(admin, 30, NOW))[1]).toMatchObject({ pool: "macos", lost: 4, lostHosts: [{ host: "mac-mini-2", builds: 2 }, { host: "mac-mini-4", builds: 1 }, { host: null, builds: 1 }] });
    expect((await poolUsage(admin, 30, NOW))[0]).toMatchObject({ pool: "default", lost: 0 });
    // Once it runs one build at a time, that wait was for its own first build, not for a worker:
    // waits 0, 0, 60, 100 s.
    await database.prisma.buildProfile.update({ where: { id: release.id }, data: { oneAtATime: true } });
    const [, serialMacos] = await poolUsage(admin, 30, NOW);
    expect(serialMacos).toMatchObject({ waitedLong: 0, medianWaitMs: 30_000, p90WaitMs: 88_000, longest: { waitMs: 100_000, profileName: "Wallet Release" } });

    // Members do not read it (the Workers page is the admins'); another organization sees no pool of this one's.
    await expect(poolUsage(testScope(seeded.organizationId, seeded.memberId, "MEMBER"), 30, NOW)).rejects.toMatchObject({ code: "FORBIDDEN" });
    const other = await database.prisma.organization.create({ data: { name: "Elsewhere, pools" }, select: { id: true } });
    expect(await poolUsage(testScope(other.id, seeded.adminId), 30, NOW)).toEqual([]);
  });
});

describe("a branch's recovery", () => {
  it("reads the branch's own builds in the window and the last one before it, not pull requests' or other branches'", async () => {
    const { branchRecoveryOf } = await import("./insights");
    const { database, seeded, profileId, admin } = suite;
    await database.prisma.build.deleteMany({ where: { profileId } });
    const write = async (status: "SUCCEEDED" | "FAILED" | "CANCELED", finished: string, line: { branch?: string; pullRequestId?: number } = {}) => {
      number += 1;
      return database.prisma.build.create({
        data: { organizationId: seeded.organizationId, profileId, number, trigger: "PUSH", idempotencyKey: `recovery-${number}`, commitId: "f".repeat(40), branch: `refs/heads/${line.branch ?? "main"}`, pullRequestId: line.pullRequestId ?? null, steps: [], timeoutSeconds: 600, status, queuedAt: at(finished), startedAt: at(finished), finishedAt: at(finished) },
        select: { id: true, number: true },
      });
    };
    expect(await branchRecoveryOf(admin, profileId, "refs/heads/main", 30, NOW)).toMatchObject({ breaks: 0, redMs: 0, redNow: null });
    // main was red before the window (Nov 1st) until Nov 7th 06:00 (the window starts Nov 7th).
    await write("FAILED", "2026-11-01T10:00:00Z");
    const fixedEarly = await write("SUCCEEDED", "2026-11-07T06:00:00Z");
    // Broken Dec 1st 10:00, fixed 12:00; a pull request's failure and another branch's in between are not main's.
    const broke = await write("FAILED", "2026-12-01T10:00:00Z");
    await write("FAILED", "2026-12-01T11:00:00Z", { branch: "main", pullRequestId: 12 });
    await write("FAILED", "2026-12-01T11:30:00Z", { branch: "feature/x" });
    const fixed = await write("SUCCEEDED", "2026-12-01T12:00:00Z");
    // Red again since 14:00 today (NOW is 15:00); a canceled build does not fix it.
    const redAgain = await write("FAILED", "2026-12-06T14:00:00Z");
    await write("CANCELED", "2026-12-06T14:30:00Z");
    const recovery = await branchRecoveryOf(admin, profileId, "refs/heads/main", 30, NOW);
    expect(recovery).toEqual({
      breaks: 2,
      redMs: (6 + 2 + 1) * 3_600_000,
      medianFixMs: 2 * 3_600_000,
      fixed: 1,
      longest: { ms: 6 * 3_600_000, brokenBy: null, fixedBy: { id: fixedEarly.id, number: fixedEarly.number } },
      redNow: { since: at("2026-12-06T14:00:00Z"), brokenBy: { id: redAgain.id, number: redAgain.number } },
    });
    expect(broke.number).toBeLessThan(fixed.number);
    // feature/x broke once and is red still; another organization reads nothing.
    expect(await branchRecoveryOf(admin, profileId, "refs/heads/feature/x", 30, NOW)).toMatchObject({ breaks: 1, redNow: { brokenBy: { number: broke.number + 2 } } });
    const other = await database.prisma.organization.create({ data: { name: "Elsewhere, recovery" }, select: { id: true } });
    expect(await branchRecoveryOf(testScope(other.id, seeded.adminId), profileId, "refs/heads/main", 30, NOW)).toMatchObject({ breaks: 0, redMs: 0 });
  });
});

describe("a connection's newest build", () => {
  it("is the newest build of any of its profiles; a connection whose profiles never built has none", async () => {
    const { lastBuildByConnection } = await import("./connections");
    const { seedConnection } = await import("@/lib/repositories/test-support");
    const { database, seeded, profileId, admin } = suite;
    // The tests above left builds of other profiles of the connection.
    await database.prisma.build.deleteMany({ where: { organizationId: seeded.organizationId } });
    const wallet = await database.prisma.buildProfile.findUniqueOrThrow({ where: { id: profileId } });
    const sibling = await database.prisma.buildProfile.create({
      data: { organizationId: seeded.organizationId, connectionId: wallet.connectionId, name: "Wallet Sibling", nameKey: "wallet sibling", platform: "IOS", projectId: "p", projectName: "P", repositoryId: "r3", repositoryName: "R3" },
    });
    const idle = await seedConnection(database, seeded, { origin: "https://dev.azure.com", collection: "idle", token: "y".repeat(52), name: "Idle" });
    await database.prisma.buildProfile.create({
      data: { organizationId: seeded.organizationId, connectionId: idle.id, name: "Never built", nameKey: "never built", platform: "IOS", projectId: "p", projectName: "P", repositoryId: "r4", repositoryName: "R4" },
    });
    const write = async (profile: string, queued: string) => {
      number += 1;
      return database.prisma.build.create({
        data: { organizationId: seeded.organizationId, profileId: profile, number, trigger: "MANUAL", idempotencyKey: `last-${number}`, commitId: "b".repeat(40), steps: [], timeoutSeconds: 60, queuedAt: at(queued) },
        select: { id: true, number: true },
      });
    };
    await write(profileId, "2026-12-01T10:00:00Z");
    const newest = await write(sibling.id, "2026-12-03T10:00:00Z");
    await write(profileId, "2026-12-02T10:00:00Z");
    const all = await lastBuildByConnection(admin);
    expect(all.get(wallet.connectionId!)).toEqual({ id: newest.id, number: newest.number, profileName: "Wallet Sibling", queuedAt: at("2026-12-03T10:00:00Z") });
    expect(all.has(idle.id)).toBe(false);
    // One connection's, and never another organization's.
    expect([...(await lastBuildByConnection(admin, idle.id)).keys()]).toEqual([]);
    expect((await lastBuildByConnection(admin, wallet.connectionId!)).get(wallet.connectionId!)?.id).toBe(newest.id);
    const other = await database.prisma.organization.create({ data: { name: "Elsewhere, last builds" }, select: { id: true } });
    expect((await lastBuildByConnection(testScope(other.id, seeded.adminId))).size).toBe(0);
  });
});
