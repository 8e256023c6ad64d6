// Testers' devices (lib/builds/README.md, "Registering testers' devices"): registered from a
// link's answer as iOS sends it, again without a second row, at most MAX_TESTER_DEVICES a profile,
// per link no faster than the limit, listed in the organization only, removed by admins, audited.
import { createHash, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { testScope } from "@/lib/testing/scopes";
import { deviceAnswer } from "@/lib/testing/signing";
import { seedOrganization, walletProfileSuite } from "@/lib/repositories/test-support";

const suite = walletProfileSuite();
const PUBLIC = "https://keel.example";

async function share() {
  const { createProfileShare, openShare } = await import("./shares");
  const link = await createProfileShare(suite.admin, suite.profileId, "refs/heads/main", 30);
  return { key: link.key, shared: (await openShare(link.key))! };
}

describe("testers' devices", () => {
  it("are registered from what iOS sends, once per device, and listed, removed and audited in their organization only", async () => {
    const { registerFromAnswer } = await import("@/lib/builds/tester-devices");
    const { listTesterDevices, removeTesterDevice } = await import("./tester-devices");
    const { key, shared } = await share();
    const next = await registerFromAnswer(shared, key, deviceAnswer({ UDID: "00008030-001a2d3e0c38802e", PRODUCT: "iPhone15,2", VERSION: "22B83", DEVICE_NAME: "iPhone" }), "Ana", PUBLIC);
    expect(next).toBe(`${PUBLIC}/share/${key}?device=00008030-001A2D3E0C38802E`);
    // The same device again (another name, a newer iOS): one row, updated.
    await registerFromAnswer(shared, key, deviceAnswer({ UDID: "00008030-001A2D3E0C38802E", PRODUCT: "iPhone15,2", VERSION: "22C150" }), "Ana B.", PUBLIC);
    await registerFromAnswer(shared, key, deviceAnswer({ UDID: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", PRODUCT: "iPad13,1" }), null, PUBLIC);
    const listed = await listTesterDevices(suite.admin, suite.profileId);
    expect(listed.map((device) => [device.udid, device.testerName, device.product, device.osVersion])).toEqual([
      ["a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", null, "iPad13,1", null],
      ["00008030-001A2D3E0C38802E", "Ana B.", "iPhone15,2", "22C150"],
    ]);
    // The admins hear once per new device (the member does not; registering again tells nobody).
    const notices = await suite.database.prisma.notification.findMany({ where: { kind: "tester_device.registered", organizationId: suite.seeded.organizationId }, orderBy: { createdAt: "asc" } });
    expect(notices.map((notice) => [notice.recipientIds, (notice.data as { udid: string; testerName: string | null }).udid, (notice.data as { testerName: string | null }).testerName])).toEqual([
      [[suite.seeded.adminId], "00008030-001A2D3E0C38802E", "Ana"],
      [[suite.seeded.adminId], "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", null],
    ]);
    const audits = await suite.database.prisma.auditEvent.findMany({ where: { targetId: suite.profileId, action: "profile.tester_device_registered" }, orderBy: { createdAt: "asc" } });
    expect(audits.map((event) => [event.actorKind, event.actorJob, (event.data as { again: boolean }).again])).toEqual([
      ["SYSTEM", "share", false],
      ["SYSTEM", "share", true],
      ["SYSTEM", "share", false],
    ]);
    // Not what iOS sends: refused, nothing stored.
    await expect(registerFromAnswer(shared, key, Buffer.from("hello"), null, PUBLIC)).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(registerFromAnswer(shared, key, deviceAnswer({ UDID: "nope" }), null, PUBLIC)).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(await listTesterDevices(suite.admin, suite.profileId)).toHaveLength(2);

    // Another organization sees none and removes none; a member may not remove; an admin does.
    const other = await seedOrganization(suite.database, "Northwind");
    const stranger = testScope(other.organizationId, other.adminId);
    expect(await listTesterDevices(stranger, suite.profileId)).toEqual([]);
    expect(await removeTesterDevice(stranger, suite.profileId, listed[0]!.id)).toBe(false);
    await expect(removeTesterDevice(testScope(suite.seeded.organizationId, suite.seeded.memberId, "MEMBER"), suite.profileId, listed[0]!.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await removeTesterDevice(suite.admin, suite.profileId, listed[0]!.id)).toBe(true);
    expect(await removeTesterDevice(suite.admin, suite.profileId, randomUUID())).toBe(false);
    expect(await suite.database.prisma.auditEvent.findFirst({ where: { targetId: suite.profileId, action: "profile.tester_device_removed" } })).toMatchObject({ data: { udid: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", testerName: null } });
  });

  it("are told apart by whether the newest successful build's provisioning profile lists them (for Apple and release scripts)", async () => {
    const { testerDevicesOf } = await import("@/lib/builds/tester-devices");
    const prisma = suite.database.prisma;
    await prisma.testerDevice.deleteMany({ where: { profileId: suite.profileId } });
    await prisma.testerDevice.createMany({
      data: ["00008030-001A2D3E0C38802E", "00008101-000A1B2C3D4E5F60"].map((udid) => ({ organizationId: suite.seeded.organizationId, profileId: suite.profileId, udid })),
    });
    // No build with a signed iOS app yet: nobody knows.
    expect((await testerDevicesOf(suite.admin, suite.profileId)).map((device) => device.inNewestBuild)).toEqual([null, null]);
    const build = async (number: number, status: "SUCCEEDED" | "FAILED", deviceIds: string[]) =>
      prisma.build.create({
        data: {
          organizationId: suite.seeded.organizationId, profileId: suite.profileId, number, status, trigger: "MANUAL", idempotencyKey: randomUUID(), commitId: "a".repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 600, finishedAt: new Date(),
          artifacts: { create: { organizationId: suite.seeded.organizationId, path: "Wallet.ipa", size: 3n, sha256: "0".repeat(64), complete: true, app: { platform: "ios", bundleId: "com.fabrikam.wallet", version: String(number), shortVersion: null, name: "Wallet", signing: { profile: "Wallet Ad Hoc", distribution: "ad-hoc", devices: deviceIds.length, deviceIds, team: null, expiresAt: new Date(Date.now() + 100 * 86_400_000).toISOString() } }, chunks: { create: { seq: 0, data: Buffer.from("ipa") } } } },
        },
      });
    await build(901, "SUCCEEDED", ["00008030-001A2D3E0C38802E"]);
    // A newer failed build does not count: the newest successful one does.
    await build(902, "FAILED", ["00008030-001A2D3E0C38802E", "00008101-000A1B2C3D4E5F60"]);
    const devices = await testerDevicesOf(suite.admin, suite.profileId);
    expect(Object.fromEntries(devices.map((device) => [device.udid, device.inNewestBuild]))).toEqual({ "00008030-001A2D3E0C38802E": true, "00008101-000A1B2C3D4E5F60": false });
    expect((await testerDevicesOf(suite.admin, suite.profileId, true)).map((device) => device.udid)).toEqual(["00008101-000A1B2C3D4E5F60"]);
  });

  it("keep at most MAX_TESTER_DEVICES a profile, and take a link's registrations no faster than the limit", async () => {
    const { registerFromAnswer, REGISTRATIONS_PER_HOUR } = await import("@/lib/builds/tester-devices");
    const { MAX_TESTER_DEVICES } = await import("@/lib/shared/devices");
    const prisma = suite.database.prisma;
    await prisma.testerDevice.deleteMany({ where: { profileId: suite.profileId } });
    await prisma.testerDevice.createMany({
      data: Array.from({ length: MAX_TESTER_DEVICES }, (_, index) => ({ organizationId: suite.seeded.organizationId, profileId: suite.profileId, udid: `00008030-${index.toString(16).toUpperCase().padStart(16, "0")}` })),
    });
    const { key, shared } = await share();
    await expect(registerFromAnswer(shared, key, deviceAnswer({ UDID: "00008101-000A1B2C3D4E5F60" }), null, PUBLIC)).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining(`${MAX_TESTER_DEVICES} registered devices`) });
    // One already on the list registers again.
    await registerFromAnswer(shared, key, deviceAnswer({ UDID: "00008030-0000000000000000", PRODUCT: "iPhone16,1" }), "Bo", PUBLIC);
    expect(await prisma.testerDevice.findFirst({ where: { profileId: suite.profileId, udid: "00008030-0000000000000000" } })).toMatchObject({ testerName: "Bo", product: "iPhone16,1" });
    // The link's counter is full: refused before anything is written.
    const bucket = `share-devices:${createHash("sha256").update(key).digest("hex").slice(0, 32)}`;
    await prisma.rateLimitBucket.update({ where: { key: bucket }, data: { count: REGISTRATIONS_PER_HOUR } });
    await expect(registerFromAnswer(shared, key, deviceAnswer({ UDID: "00008030-0000000000000001", PRODUCT: "iPhone9,9" }), "Cy", PUBLIC)).rejects.toMatchObject({ code: "RATE_LIMITED" });
    expect(await prisma.testerDevice.findFirst({ where: { profileId: suite.profileId, udid: "00008030-0000000000000001" } })).toMatchObject({ testerName: null, product: null });
  });
});
