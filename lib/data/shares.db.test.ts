// Links that share a build's files with testers (lib/builds/README.md, "Sharing with testers"):
// made only for a finished build with files, found by the key's hash, shown again to the
// organization, off when turned off or ended, never reaching another build or organization.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { testScope } from "@/lib/testing/scopes";
import { seedOrganization, walletProfileSuite } from "@/lib/repositories/test-support";

const suite = walletProfileSuite();
let number = 0;

async function build(status: "SUCCEEDED" | "FAILED" | "RUNNING" = "SUCCEEDED", files: string[] = ["out/Wallet.apk"], branch = "refs/heads/main", pullRequestId: number | null = null) {
  number += 1;
  const pullRequest = pullRequestId === null ? {} : { pullRequestId, pullRequestIteration: 1, sourceRef: branch, targetRef: "refs/heads/main" };
  const row = await suite.database.prisma.build.create({
    data: { organizationId: suite.seeded.organizationId, profileId: suite.profileId, number, status, trigger: "MANUAL", idempotencyKey: randomUUID(), commitId: "a".repeat(40), branch, ...pullRequest, steps: [], timeoutSeconds: 600, finishedAt: status === "RUNNING" ? null : new Date() },
  });
  for (const path of files) {
    await suite.database.prisma.buildArtifact.create({ data: { organizationId: suite.seeded.organizationId, buildId: row.id, path, size: 3n, sha256: "0".repeat(64), complete: true, chunks: { create: { seq: 0, data: Buffer.from("apk") } } } });
  }
  return row.id;
}

describe("links to the newest build of a branch", () => {
  it("open the newest successful build of their branch that kept files, whichever it is when opened; end, turn off, stay in their organization", async () => {
    const { createProfileShare, listProfileShares, openShare, pruneShares, revokeProfileShare } = await import("./shares");
    const member = testScope(suite.seeded.organizationId, suite.seeded.memberId, "MEMBER");
    const link = await createProfileShare(member, suite.profileId, "refs/heads/release/2.4", 90);
    expect(link.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await listProfileShares(suite.admin, suite.profileId)).map((item) => [item.key, item.branch])).toEqual([[link.key, "refs/heads/release/2.4"]]);
    expect(await suite.database.prisma.auditEvent.findFirst({ where: { action: "profile.shared", targetId: suite.profileId } })).toMatchObject({ data: { branch: "refs/heads/release/2.4", days: 90 } });
    // Nothing of the branch yet: the link works and says so (no build, no files).
    expect(await openShare(link.key)).toMatchObject({ standing: { branch: "refs/heads/release/2.4" }, build: null, artifacts: [] });
    const first = await build("SUCCEEDED", ["out/Wallet.apk"], "refs/heads/release/2.4");
    expect((await openShare(link.key))?.build?.id).toBe(first);
    // Newer builds that failed, kept nothing, or belong to another branch do not replace it; a newer success does.
    await build("FAILED", ["out/Wallet.apk"], "refs/heads/release/2.4");
    await build("SUCCEEDED", [], "refs/heads/release/2.4");
    await build("SUCCEEDED", ["out/Wallet.apk"], "refs/heads/main");
    // Nor a pull request's build whose source branch has the same name (a fork's release/2.4): it is the pull request's code, merged.
    await build("SUCCEEDED", ["out/Wallet.apk"], "refs/heads/release/2.4", 12);
    expect((await openShare(link.key))?.build?.id).toBe(first);
    const second = await build("SUCCEEDED", ["out/Wallet.apk", "out/mapping.txt"], "refs/heads/release/2.4");
    const opened = await openShare(link.key);
    expect(opened).toMatchObject({ build: { id: second }, scope: { organizationId: suite.seeded.organizationId, actor: { kind: "system", job: "share" } } });
    expect(opened!.artifacts.map((artifact) => artifact.path)).toEqual(["out/Wallet.apk", "out/mapping.txt"]);

    // Another organization neither lists nor turns it off; its owner's organization does.
    const other = await seedOrganization(suite.database, "Northwind");
    const stranger = testScope(other.organizationId, other.adminId);
    expect(await listProfileShares(stranger, suite.profileId)).toEqual([]);
    expect(await revokeProfileShare(stranger, suite.profileId, link.id)).toBe(false);
    await expect(createProfileShare(stranger, suite.profileId, "refs/heads/main", 30)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await revokeProfileShare(suite.admin, suite.profileId, link.id)).toBe(true);
    expect(await openShare(link.key)).toBeNull();

    // At most five live ones per profile; an ended one opens nothing and housekeeping deletes it.
    await Promise.all(Array.from({ length: 5 }, () => createProfileShare(suite.admin, suite.profileId, "refs/heads/main", 30)));
    await expect(createProfileShare(suite.admin, suite.profileId, "refs/heads/main", 30)).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("Turn one off") });
    const [ending] = await listProfileShares(suite.admin, suite.profileId);
    await suite.database.prisma.profileShare.update({ where: { id: ending!.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    expect(await openShare(ending!.key)).toBeNull();
    expect(await pruneShares()).toBeGreaterThanOrEqual(1);
    expect(await suite.database.prisma.profileShare.count({ where: { id: ending!.id } })).toBe(0);
  });

  it("take the branch by its name (a ref too) and a lifetime the form offers, naming what is wrong", async () => {
    const { shareProfileSchema } = await import("@/lib/validation/builds");
    expect(shareProfileSchema.parse({ branch: " release/2.4 ", days: "90" })).toEqual({ branch: "refs/heads/release/2.4", days: 90 });
    expect(shareProfileSchema.parse({ branch: "refs/heads/main", days: "365" })).toEqual({ branch: "refs/heads/main", days: 365 });
    const messages = (input: Record<string, string>) => shareProfileSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    expect(messages({ branch: "", days: "30" })).toEqual(["branch: Name the branch whose builds the link opens, such as main"]);
    expect(messages({ branch: "feature..x", days: "7" })).toEqual(["branch: Branch is not a valid Git branch name", "days: The link works for 30, 90, 365 days: choose one"]);
  });
});

describe("share links", () => {
  it("open a finished build's files by the key alone, are listed again for the organization, and stop when turned off", async () => {
    const { createShare, listShares, openShare, revokeShare } = await import("./shares");
    const buildId = await build();
    const share = await createShare(suite.admin, buildId, 7);
    expect(share.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await suite.database.prisma.buildShare.findUniqueOrThrow({ where: { id: share.id }, omit: { keySealed: false } });
    expect(JSON.stringify(stored)).not.toContain(share.key);
    expect(stored.expiresAt.getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect((await listShares(suite.admin, buildId)).map((item) => item.key)).toEqual([share.key]);

    const opened = await openShare(share.key);
    expect(opened).toMatchObject({ build: { id: buildId, branch: "refs/heads/main" }, profile: { name: expect.any(String) }, standing: null, scope: { organizationId: suite.seeded.organizationId, actor: { kind: "system", job: "share" } } });
    expect(opened!.artifacts.map((artifact) => artifact.path)).toEqual(["out/Wallet.apk"]);
    expect(await openShare(share.key.replace(/.$/, (last) => (last === "A" ? "B" : "A")))).toBeNull();
    expect(await suite.database.prisma.auditEvent.findFirst({ where: { action: "build.shared", targetId: buildId } })).toMatchObject({ data: { days: 7 } });

    expect(await revokeShare(suite.admin, buildId, share.id)).toBe(true);
    expect(await openShare(share.key)).toBeNull();
    expect(await revokeShare(suite.admin, buildId, share.id)).toBe(false);
  });

  it("refuse a build that has not finished or kept no files, and past ten live links", async () => {
    const { createShare } = await import("./shares");
    await expect(createShare(suite.admin, await build("RUNNING"), 7)).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("has not finished") });
    await expect(createShare(suite.admin, await build("SUCCEEDED", []), 7)).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("kept no files") });
    const busy = await build();
    await Promise.all(Array.from({ length: 10 }, () => createShare(suite.admin, busy, 1)));
    await expect(createShare(suite.admin, busy, 1)).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining("Turn one off") });
    expect(await suite.database.prisma.buildShare.count({ where: { buildId: busy } })).toBe(10);
  });

  it("end on their day, are deleted by housekeeping then, and never reach another organization", async () => {
    const { createShare, listShares, openShare, pruneShares, revokeShare } = await import("./shares");
    const buildId = await build();
    const share = await createShare(suite.admin, buildId, 1);
    const other = await seedOrganization(suite.database, "Contoso");
    const stranger = testScope(other.organizationId, other.adminId);
    await expect(createShare(stranger, buildId, 1)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await listShares(stranger, buildId)).toEqual([]);
    expect(await revokeShare(stranger, buildId, share.id)).toBe(false);
    await suite.database.prisma.buildShare.update({ where: { id: share.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await openShare(share.key)).toBeNull();
    expect(await listShares(suite.admin, buildId)).toEqual([]);
    expect(await pruneShares()).toBeGreaterThanOrEqual(1);
    expect(await suite.database.prisma.buildShare.findUnique({ where: { id: share.id } })).toBeNull();
  });
});
