// Signing files that end (lib/builds/README.md, "Signing files that expire"): what a file is,
// stored with it when saved and copied with its profile; files saved before Keel read them read by
// housekeeping; the profile's page told of ending ones; admins reminded at 30, 7 and 1 days and once
// ended, once each, in their own organization only.
import { describe, expect, it } from "vitest";
import { inspectSigningFile } from "@/lib/builds/signing-files";
import { testScope } from "@/lib/testing/scopes";
import { provisioningProfile, signingCertificate } from "@/lib/testing/signing";
import { seedOrganization, walletProfileSuite } from "@/lib/repositories/test-support";

const suite = walletProfileSuite();
const DAY = 86_400_000;
/** A moment `days` from now in whole seconds, as a plist's dates are. */
const inDays = (days: number) => new Date(Math.floor((Date.now() + days * DAY) / 1000) * 1000);
const certificate = signingCertificate("Apple Distribution: Fabrikam Ltd (ABCDE12345)", inDays(400));

function profileEnding(name: string, expiresAt: Date): Buffer {
  return provisioningProfile({ name, expiresAt, certificates: [certificate], devices: 4 });
}

describe("signing files", () => {
  it("keep what they are and when they end, from saving to copying the profile, and warn the profile's page of ending ones", async () => {
    const { saveSecretFile, listSecretFiles, listEndingSigningFiles, soonestSigningEnds } = await import("./secret-files");
    const { duplicateProfile } = await import("./profiles");
    const ends = inDays(12);
    const content = profileEnding("Wallet Ad Hoc", ends);
    await saveSecretFile(suite.admin, suite.profileId, { variable: "IOS_PROFILE", fileName: "Wallet.mobileprovision", content, signing: inspectSigningFile(content) });
    await saveSecretFile(suite.admin, suite.profileId, { variable: "GOOGLE_KEY", fileName: "play.json", content: Buffer.from("{}"), signing: inspectSigningFile(Buffer.from("{}")) });
    const listed = await listSecretFiles(suite.admin, suite.profileId);
    expect(listed.map((file) => [file.variable, file.signing?.kind, file.expiresAt?.toISOString() ?? null])).toEqual([
      ["GOOGLE_KEY", "other", null],
      ["IOS_PROFILE", "provisioning-profile", ends.toISOString()],
    ]);
    expect(await suite.database.prisma.auditEvent.findFirst({ where: { action: "workflow.secret_file_saved", targetId: suite.profileId, data: { path: ["variable"], equals: "IOS_PROFILE" } } })).toMatchObject({ data: { expiresAt: ends.toISOString() } });
    expect((await listEndingSigningFiles(suite.admin, suite.profileId)).map((file) => [file.variable, file.expiresAt.toISOString()])).toEqual([["IOS_PROFILE", ends.toISOString()]]);
    // Not yet ending within 30 days: nothing to warn of; another organization sees nothing.
    expect(await listEndingSigningFiles(suite.admin, suite.profileId, new Date(Date.now() - 30 * DAY))).toEqual([]);
    const other = await seedOrganization(suite.database, "Northwind");
    expect(await listEndingSigningFiles(testScope(other.organizationId, other.adminId), suite.profileId)).toEqual([]);
    // The profiles list: the soonest end per profile asked about, only in the caller's organization.
    expect(await soonestSigningEnds(suite.admin, [suite.profileId])).toEqual(new Map([[suite.profileId, ends]]));
    expect(await soonestSigningEnds(suite.admin, [suite.profileId], new Date(Date.now() - 30 * DAY))).toEqual(new Map());
    expect(await soonestSigningEnds(testScope(other.organizationId, other.adminId), [suite.profileId])).toEqual(new Map());
    expect(await soonestSigningEnds(suite.admin, [])).toEqual(new Map());

    // Settings → Signing files: the organization's signing files, soonest first, not the other files; admins only.
    const { listOrganizationSigningFiles } = await import("./secret-files");
    expect((await listOrganizationSigningFiles(suite.admin)).map((file) => [file.profileName, file.variable, file.expiresAt?.toISOString()])).toEqual([["Wallet", "IOS_PROFILE", ends.toISOString()]]);
    expect(await listOrganizationSigningFiles(testScope(other.organizationId, other.adminId))).toEqual([]);
    await expect(listOrganizationSigningFiles(testScope(suite.seeded.organizationId, suite.seeded.memberId, "MEMBER"))).rejects.toMatchObject({ code: "FORBIDDEN" });

    const copy = await duplicateProfile(suite.admin, suite.profileId, { name: "Wallet (release)", idempotencyKey: "copy-signing" });
    expect((await listSecretFiles(suite.admin, copy.id)).map((file) => [file.variable, file.signing?.kind ?? null, file.expiresAt?.toISOString() ?? null])).toEqual([
      ["GOOGLE_KEY", "other", null],
      ["IOS_PROFILE", "provisioning-profile", ends.toISOString()],
    ]);
    await suite.database.prisma.buildProfile.delete({ where: { id: copy.id } });
  });

  it("saved before Keel read them are read by housekeeping, unless replaced meanwhile", async () => {
    const { saveSecretFile, openUnreadSecretFiles, recordSecretFileSigning, listSecretFiles } = await import("./secret-files");
    const { readUnreadSigningFiles } = await import("@/lib/builds/signing-files");
    const ends = inDays(200);
    const content = profileEnding("Wallet Development", ends);
    await saveSecretFile(suite.admin, suite.profileId, { variable: "OLD_PROFILE", fileName: "Dev.mobileprovision", content, signing: { kind: "other" } });
    await saveSecretFile(suite.admin, suite.profileId, { variable: "OLD_KEY", fileName: "key.p8", content: Buffer.from("key"), signing: { kind: "other" } });
    await saveSecretFile(suite.admin, suite.profileId, { variable: "LOST_KEY", fileName: "lost.p8", content: Buffer.from("lost"), signing: { kind: "other" } });
    // As files saved before this column existed; one of them sealed with a key Keel no longer has.
    await suite.database.prisma.$executeRaw`UPDATE "BuildSecretFile" SET signing = NULL, "expiresAt" = NULL WHERE variable IN ('OLD_PROFILE', 'OLD_KEY', 'LOST_KEY')`;
    await suite.database.prisma.$executeRaw`UPDATE "BuildSecretFile" SET "contentSealed" = 'v9:gone' WHERE variable = 'LOST_KEY'`;
    const unread = await openUnreadSecretFiles();
    expect(unread.map((file) => file.content?.toString("latin1") ?? null).sort()).toEqual([content.toString("latin1"), "key", null].sort());
    expect(await readUnreadSigningFiles()).toBe(3);
    expect(await openUnreadSecretFiles()).toEqual([]);
    const listed = new Map((await listSecretFiles(suite.admin, suite.profileId)).map((file) => [file.variable, file]));
    expect(listed.get("OLD_PROFILE")).toMatchObject({ signing: { kind: "provisioning-profile", name: "Wallet Development" }, expiresAt: ends });
    expect(listed.get("OLD_KEY")).toMatchObject({ signing: { kind: "other" }, expiresAt: null });
    expect(listed.get("LOST_KEY")).toMatchObject({ signing: { kind: "other" }, expiresAt: null });
    await suite.database.prisma.buildSecretFile.deleteMany({ where: { variable: "LOST_KEY" } });
    // Read before a new file replaced it: what was read of the old one is not written over the new one's.
    await suite.database.prisma.$executeRaw`UPDATE "BuildSecretFile" SET signing = NULL WHERE variable = 'OLD_PROFILE'`;
    const [stale] = await openUnreadSecretFiles();
    const replacement = profileEnding("Wallet Development 2", inDays(300));
    await saveSecretFile(suite.admin, suite.profileId, { variable: "OLD_PROFILE", fileName: "Dev2.mobileprovision", content: replacement, signing: inspectSigningFile(replacement) });
    expect(await recordSecretFileSigning(stale!.id, stale!.sha256, inspectSigningFile(stale!.content!))).toBe(false);
    expect((await listSecretFiles(suite.admin, suite.profileId)).find((file) => file.variable === "OLD_PROFILE")?.signing).toMatchObject({ name: "Wallet Development 2" });
  });

  it("remind the organization's active admins at 30, 7 and 1 days and once ended, once each", async () => {
    const { saveSecretFile, remindEndingSigningFiles } = await import("./secret-files");
    const prisma = suite.database.prisma;
    await prisma.notification.deleteMany({ where: { kind: "signing_file.expiring" } });
    // A second admin who left hears nothing.
    const gone = await prisma.user.create({ data: { organizationId: suite.seeded.organizationId, email: "gone@example.com", name: "Gone", passwordHash: "x", isActive: false, memberships: { create: { organizationId: suite.seeded.organizationId, role: "ADMIN" } } } });
    const ends = inDays(40);
    const content = profileEnding("Wallet Ad Hoc", ends);
    await saveSecretFile(suite.admin, suite.profileId, { variable: "IOS_PROFILE", fileName: "Wallet.mobileprovision", content, signing: inspectSigningFile(content) });
    const at = (daysLeft: number) => new Date(ends.getTime() - daysLeft * DAY);
    const notices = () => prisma.notification.findMany({ where: { kind: "signing_file.expiring", data: { path: ["variable"], equals: "IOS_PROFILE" } }, orderBy: { createdAt: "asc" } });

    await remindEndingSigningFiles(at(31));
    expect(await notices()).toEqual([]);
    await remindEndingSigningFiles(at(29.5));
    await remindEndingSigningFiles(at(20));
    const [first] = await notices();
    expect(first).toMatchObject({
      organizationId: suite.seeded.organizationId,
      recipientIds: [suite.seeded.adminId],
      data: { profileId: suite.profileId, profile: "Wallet", variable: "IOS_PROFILE", fileName: "Wallet.mobileprovision", what: "Provisioning profile “Wallet Ad Hoc”", fileKind: "provisioning-profile", expiresAt: ends.toISOString(), daysLeft: 30 },
    });
    expect(first!.recipientIds).not.toContain(gone.id);
    await remindEndingSigningFiles(at(6.5));
    await remindEndingSigningFiles(at(0.5));
    // Ended long ago: not news (the pages say so).
    await remindEndingSigningFiles(at(-31));
    expect(await notices()).toHaveLength(3);
    await remindEndingSigningFiles(at(-1));
    await remindEndingSigningFiles(at(-29));
    expect((await notices()).map((notice) => (notice.data as { daysLeft: number }).daysLeft)).toEqual([30, 7, 1, 0]);

    // A new file (another end) is reminded of on its own.
    const renewed = profileEnding("Wallet Ad Hoc", new Date(ends.getTime() + 365 * DAY));
    await saveSecretFile(suite.admin, suite.profileId, { variable: "IOS_PROFILE", fileName: "Wallet.mobileprovision", content: renewed, signing: inspectSigningFile(renewed) });
    await remindEndingSigningFiles(at(-29));
    expect(await notices()).toHaveLength(4);
    await remindEndingSigningFiles(new Date(ends.getTime() + 360 * DAY));
    expect(await notices()).toHaveLength(5);
  });
});
