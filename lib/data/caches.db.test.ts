import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";
import { seedOrganization, walletProfileDatabase, type Seeded } from "@/lib/repositories/test-support";
import type { Scope } from "@/lib/scope";
import { cacheScopeOf, cacheScopesToRestore } from "@/lib/shared/workflow";

// Which cache a build restores (its branch's with its key, the default branch's with its key, then
// the newest of either; a pull request its own, then its target branch's; never another branch's),
// and which ones housekeeping deletes.

let database: TestDatabase;
let seeded: Seeded;
let admin: Scope;
let profileId: string;

beforeAll(async () => {
  ({ database, seeded, profileId } = await walletProfileDatabase());
  admin = testScope(seeded.organizationId, seeded.adminId);
});

afterAll(async () => {
  await database?.drop();
});

describe("build caches", () => {
  it("restore the branch's fitting cache first, then the default branch's, then the newest of either, never another branch's", async () => {
    const { completeCache, findCache, startCache } = await import("./caches");
    let number = 0;
    const save = async (branch: string, key: string) => {
      number += 1;
      const id = await startCache(admin, { profileId, branch, key, paths: ["Pods"], buildNumber: number });
      await completeCache(admin, id, 10, "f".repeat(64));
      return number;
    };
    const where = (branch: string | null, key: string) => ({ branches: cacheScopesToRestore({ pullRequestId: null, branch, targetRef: null }, "refs/heads/main"), key });
    expect(await findCache(admin, profileId, where("refs/heads/feature", "k1"))).toBeNull();
    const mainOld = await save("refs/heads/main", "k0");
    const mainFit = await save("refs/heads/main", "k1");
    await save("refs/heads/other", "k1");
    // Feature has none: main's fitting one (exact), else main's newest.
    expect(await findCache(admin, profileId, where("refs/heads/feature", "k1"))).toMatchObject({ exact: true, cache: { buildNumber: mainFit } });
    expect(await findCache(admin, profileId, where("refs/heads/feature", "k9"))).toMatchObject({ exact: false, cache: { buildNumber: mainFit } });
    expect(await findCache(admin, profileId, where("refs/heads/main", "k0"))).toMatchObject({ exact: true, cache: { buildNumber: mainOld } });
    // Its own branch first, fitting before newest.
    const featureOld = await save("refs/heads/feature", "k2");
    await save("refs/heads/feature", "k3");
    expect(await findCache(admin, profileId, where("refs/heads/feature", "k2"))).toMatchObject({ exact: true, cache: { buildNumber: featureOld } });
    expect(await findCache(admin, profileId, where("refs/heads/feature", "k1"))).toMatchObject({ exact: true, cache: { buildNumber: mainFit } });
    expect(await findCache(admin, profileId, where("refs/heads/feature", "k9"))).toMatchObject({ exact: false, cache: { branch: "refs/heads/feature", buildNumber: number } });
    // Saving the same branch and key again replaces the older one.
    const replaced = await save("refs/heads/main", "k1");
    expect(await database.prisma.buildCache.count({ where: { profileId, branch: "refs/heads/main", key: "k1" } })).toBe(1);
    expect(await findCache(admin, profileId, where("refs/heads/main", "k1"))).toMatchObject({ cache: { buildNumber: replaced } });
    // A pull request from feature into release: its own caches, then release's, then main's — never its source branch's.
    const pullRequest = { pullRequestId: 7, branch: "refs/heads/feature", targetRef: "refs/heads/release" };
    const forPullRequest = (key: string) => ({ branches: cacheScopesToRestore(pullRequest, "refs/heads/main"), key });
    expect(await findCache(admin, profileId, forPullRequest("k2"))).toMatchObject({ exact: false, cache: { branch: "refs/heads/main", buildNumber: replaced } });
    const release = await save("refs/heads/release", "k2");
    expect(await findCache(admin, profileId, forPullRequest("k2"))).toMatchObject({ exact: true, cache: { buildNumber: release } });
    // What it saves (under refs/pull/7/merge) it restores first; the branches never read it.
    const own = await save(cacheScopeOf(pullRequest)!, "k2");
    expect(await findCache(admin, profileId, forPullRequest("k2"))).toMatchObject({ exact: true, cache: { branch: "refs/pull/7/merge", buildNumber: own } });
    expect(await findCache(admin, profileId, where("refs/heads/feature", "k2"))).toMatchObject({ cache: { buildNumber: featureOld } });
    expect(await findCache(admin, profileId, where("refs/heads/main", "k2"))).toMatchObject({ exact: false, cache: { branch: "refs/heads/main" } });
    // Another organization finds nothing of these.
    const other = await seedOrganization(database, "Contoso");
    expect(await findCache(testScope(other.organizationId, other.adminId), profileId, where("refs/heads/main", "k1"))).toBeNull();
  });

  it("are deleted when no build used them for their days, and unfinished ones after a day", async () => {
    const { pruneCaches, touchCache } = await import("./caches");
    await database.prisma.buildCache.deleteMany({ where: { profileId } });
    const now = new Date("2026-12-20T12:00:00Z");
    const make = async (complete: boolean, createdAt: Date, lastUsedAt: Date) =>
      (await database.prisma.buildCache.create({ data: { organizationId: seeded.organizationId, profileId, branch: "refs/heads/main", key: "k", paths: ["Pods"], buildNumber: 1, complete, createdAt, lastUsedAt } })).id;
    const day = 86_400_000;
    const fresh = await make(true, new Date(now.getTime() - 30 * day), new Date(now.getTime() - 2 * day));
    await make(true, new Date(now.getTime() - 30 * day), new Date(now.getTime() - 8 * day));
    await make(false, new Date(now.getTime() - 2 * day), new Date(now.getTime() - 2 * day));
    const writing = await make(false, new Date(now.getTime() - 60_000), new Date(now.getTime() - 60_000));
    expect(await pruneCaches(7, now)).toBe(2);
    expect((await database.prisma.buildCache.findMany({ where: { profileId }, select: { id: true } })).map((row) => row.id).sort()).toEqual([fresh, writing].sort());
    // A restore marks it used now.
    const touched = Date.now();
    await touchCache(admin, fresh);
    expect((await database.prisma.buildCache.findUniqueOrThrow({ where: { id: fresh } })).lastUsedAt.getTime()).toBeGreaterThanOrEqual(touched - 1_000);
  });
});
