// Links that share a build's files with testers (lib/builds/README.md, "Sharing with testers"):
// made only for a finished build with files, found by the key's hash, shown again to the
// organization, off when turned off or ended, never reaching another build or organization.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { testScope } from "@/lib/testing/scopes";
import { seedOrganization, walletProfileSuite } from "@/lib/repositories/test-support";

const suite = walletProfileSuite();
let number = 0;

async function build(status: "SUCCEEDED" | "RUNNING" = "SUCCEEDED", files: string[] = ["out/Wallet.apk"]) {
  number += 1;
  const row = await suite.database.prisma.build.create({
    data: { organizationId: suite.seeded.organizationId, profileId: suite.profileId, number, status, trigger: "MANUAL", idempotencyKey: randomUUID(), commitId: "a".repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 600, finishedAt: status === "SUCCEEDED" ? new Date() : null },
  });
  for (const path of files) {
    await suite.database.prisma.buildArtifact.create({ data: { organizationId: suite.seeded.organizationId, buildId: row.id, path, size: 3n, sha256: "0".repeat(64), complete: true, chunks: { create: { seq: 0, data: Buffer.from("apk") } } } });
  }
  return row.id;
}

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
    expect(opened).toMatchObject({ build: { id: buildId, profileName: expect.any(String), branch: "refs/heads/main" }, scope: { organizationId: suite.seeded.organizationId, actor: { kind: "system", job: "share" } } });
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
