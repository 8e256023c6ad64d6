import { describe, expect, it } from "vitest";
import { walletProfileSuite } from "@/lib/repositories/test-support";

// The week's summary (lib/notifications/weekly.ts) on a real database: who gets it, what it says,
// and that it is recorded once per organization and week.

const suite = walletProfileSuite();
const MONDAY = new Date("2026-12-07T07:00:00Z");
const at = (iso: string) => new Date(iso);

let number = 0;
async function build(profileId: string, status: "SUCCEEDED" | "FAILED" | "CANCELED", finished: string, tookS: number, branch = "main") {
  const { database, seeded } = suite;
  number += 1;
  const finishedAt = at(finished);
  return database.prisma.build.create({
    data: { organizationId: seeded.organizationId, profileId, number, trigger: "PUSH", idempotencyKey: `weekly-${number}`, commitId: "a".repeat(40), branch: `refs/heads/${branch}`, steps: [], timeoutSeconds: 3_600, status, queuedAt: new Date(finishedAt.getTime() - tookS * 1_000), startedAt: new Date(finishedAt.getTime() - tookS * 1_000), finishedAt },
    select: { id: true, number: true },
  });
}

describe("the week's summary", () => {
  it("goes on Monday to the members who asked for it, once, with the week's builds profile by profile", async () => {
    const { weeklySummaryJob } = await import("./weekly");
    const { database, seeded, profileId } = suite;
    const wallet = await database.prisma.buildProfile.update({ where: { id: profileId }, data: { defaultBranch: "refs/heads/main" } });
    const quiet = await database.prisma.buildProfile.create({
      data: { organizationId: seeded.organizationId, connectionId: wallet.connectionId, name: "Quiet", nameKey: "quiet", platform: "ANDROID", projectId: "p", projectName: "P", repositoryId: "r2", repositoryName: "R2" },
    });
    // Nobody asked for it yet: nothing, whatever the builds.
    await build(profileId, "SUCCEEDED", "2026-12-01T10:00:00Z", 200);
    expect(await weeklySummaryJob(MONDAY)).toBe(0);
    await database.prisma.user.update({ where: { id: seeded.adminId }, data: { weeklySummary: true } });

    // The week before (Nov 23rd–29th): a 100 s success of Wallet, and Quiet's only build.
    await build(profileId, "SUCCEEDED", "2026-11-25T10:00:00Z", 100);
    await build(quiet.id, "SUCCEEDED", "2026-11-26T10:00:00Z", 50);
    // This week: main broke on the 2nd at 10:00 and was fixed at 12:00 (a feature branch's failure
    // is not main's), a success of 400 s, a cancel; then broken again on Sunday at 20:00.
    await build(profileId, "FAILED", "2026-12-02T10:00:00Z", 30);
    await build(profileId, "FAILED", "2026-12-02T11:00:00Z", 30, "feature/x");
    await build(profileId, "SUCCEEDED", "2026-12-02T12:00:00Z", 400);
    await build(profileId, "CANCELED", "2026-12-03T12:00:00Z", 5);
    const broke = await build(profileId, "FAILED", "2026-12-06T20:00:00Z", 30);
    // Monday's builds are next week's.
    await build(profileId, "FAILED", "2026-12-07T01:00:00Z", 30);

    // Before 06:00 on Monday it is not due; then it is, once.
    expect(await weeklySummaryJob(new Date("2026-12-07T05:00:00Z"))).toBe(0);
    expect(await weeklySummaryJob(MONDAY)).toBe(1);
    expect(await weeklySummaryJob(new Date("2026-12-07T08:00:00Z"))).toBe(0);
    const notices = await database.prisma.notification.findMany({ where: { organizationId: seeded.organizationId, kind: "digest.weekly" } });
    expect(notices).toHaveLength(1);
    expect(notices[0]!.recipientIds).toEqual([seeded.adminId]);
    expect(notices[0]!.data).toEqual({
      from: "2026-11-30T00:00:00.000Z",
      to: "2026-12-07T00:00:00.000Z",
      builds: 6,
      succeeded: 2,
      failed: 3,
      profiles: [
        {
          id: profileId,
          name: "Wallet",
          builds: 6,
          succeeded: 2,
          failed: 3,
          // Successes of 200 and 400 s; the week before, 100 s.
          medianMs: 300_000,
          beforeMs: 100_000,
          // Red 10:00–12:00 on the 2nd, and from 20:00 on Sunday to the week's end: 6 h in all.
          branch: { name: "main", breaks: 2, redMs: 6 * 3_600_000, redAtEnd: { id: broke.id, number: broke.number } },
        },
      ],
      moreProfiles: 0,
      // Its connection is healthy and it has no signing file: nothing needs attention.
      attention: { connections: [], connectionsTotal: 0, signingFiles: [], signingTotal: 0, unused: { names: [], total: 0, days: 90 }, lostWorkers: { builds: 0, hosts: [] } },
    });
  });

  it("ends with what needs someone now: connections that are not healthy, signing files that end soon or ended", async () => {
    const { attentionOf } = await import("./weekly");
    const { database, seeded, profileId, admin } = suite;
    expect(await attentionOf(admin, MONDAY)).toEqual({ connections: [], connectionsTotal: 0, signingFiles: [], signingTotal: 0, unused: { names: [], total: 0, days: 90 }, lostWorkers: { builds: 0, hosts: [] } });
    const { connectionId } = await database.prisma.buildProfile.findUniqueOrThrow({ where: { id: profileId } });
    // The token ends in 10 days: expiring. A provisioning profile ends in 5 days, a keystore ended 3 days ago, one more ends in 60 (not yet news).
    await database.prisma.connection.update({ where: { id: connectionId! }, data: { credentialExpiresAt: new Date(MONDAY.getTime() + 10 * 86_400_000), lastCheckAt: MONDAY } });
    const file = (variable: string, days: number, signing: object | null) =>
      database.prisma.buildSecretFile.create({
        data: { organizationId: seeded.organizationId, profileId, variable, fileName: `${variable}.bin`, contentSealed: "x", size: 1, sha256: "0".repeat(64), signing: signing ?? undefined, expiresAt: new Date(MONDAY.getTime() + days * 86_400_000) },
      });
    const ends = new Date(MONDAY.getTime() + 5 * 86_400_000).toISOString();
    await file("PROFILE", 5, { kind: "provisioning-profile", name: "Wallet Ad Hoc", uuid: null, team: null, teamId: null, appId: null, distribution: "ad-hoc", devices: 3, deviceIds: [], profileExpiresAt: ends, certificates: [], expiresAt: ends });
    await file("KEYSTORE", -3, null);
    await file("LATER", 60, null);
    const attention = await attentionOf(admin, MONDAY);
    expect(attention.connections).toEqual([{ name: expect.any(String), status: "EXPIRING", reason: "The personal access token expires in 10 days (on 2026-12-17)." }]);
    expect(attention.connectionsTotal).toBe(1);
    expect(attention.signingFiles).toEqual([
      { profile: "Wallet", what: "The file KEYSTORE.bin", expiresAt: new Date(MONDAY.getTime() - 3 * 86_400_000).toISOString() },
      { profile: "Wallet", what: "Provisioning profile “Wallet Ad Hoc”", expiresAt: ends },
    ]);
    expect(attention.signingTotal).toBe(2);
    // A connection made 100 days ago that nothing has built with since (the Wallet one built this week).
    const { seedConnection } = await import("@/lib/repositories/test-support");
    const old = await seedConnection(database, seeded, { origin: "https://dev.azure.com", collection: "old", token: "o".repeat(52), name: "Old Tailspin" });
    await database.prisma.connection.update({ where: { id: old.id }, data: { createdAt: new Date(MONDAY.getTime() - 100 * 86_400_000) } });
    expect((await attentionOf(admin, MONDAY)).unused).toEqual({ names: ["Old Tailspin"], total: 1, days: 90 });
    // Builds that lost their worker in the week, by machine across pools (most first); one of the week before does not count.
    const lostOn = (host: string | null, pool: string, daysBefore: number) =>
      database.prisma.build.create({
        data: {
          organizationId: seeded.organizationId, profileId, number: 9_000 + Math.round(daysBefore * 10) + (host?.length ?? 0) + pool.length, trigger: "PUSH", idempotencyKey: `lost-${host}-${pool}-${daysBefore}`, commitId: "f".repeat(40), steps: [], timeoutSeconds: 60, pool,
          status: "ERROR", startedAt: new Date(MONDAY.getTime() - daysBefore * 86_400_000), finishedAt: new Date(MONDAY.getTime() - daysBefore * 86_400_000 + 60_000), workerLostAt: new Date(MONDAY.getTime() - daysBefore * 86_400_000 + 60_000), workerHost: host,
        },
      });
    await lostOn("mac-mini-2", "macos", 2);
    await lostOn("mac-mini-2", "default", 3);
    await lostOn(null, "macos", 4);
    await lostOn("mac-mini-4", "macos", 9);
    expect((await attentionOf(admin, MONDAY)).lostWorkers).toEqual({ builds: 3, hosts: [{ host: "mac-mini-2", builds: 2 }, { host: null, builds: 1 }] });
  });

  it("skips an organization with no build in the week", async () => {
    // The first organization's next week has Monday's failure: its summary is the one recorded.
    const { weeklySummaryJob } = await import("./weekly");
    const { database } = suite;
    const organization = await database.prisma.organization.create({ data: { name: "Idle" }, select: { id: true } });
    await database.prisma.user.create({
      data: { organizationId: organization.id, email: "idle@example.com", name: "Ida Idle", passwordHash: "x", weeklySummary: true, memberships: { create: { organizationId: organization.id, role: "MEMBER" } } },
    });
    expect(await weeklySummaryJob(new Date("2026-12-14T07:00:00Z"))).toBe(1);
    expect(await database.prisma.notification.count({ where: { organizationId: organization.id } })).toBe(0);
  });
});
