import "server-only";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { can, refusalOf } from "@/lib/policy";
import type { Scope } from "@/lib/scope";
import { MAX_TESTER_DEVICES, type TesterDeviceView } from "@/lib/shared/devices";
import { recordAudit } from "./audit";
import { lockProfile } from "./locks";

// Testers' devices of a build profile (lib/builds/README.md, "Registering testers' devices"):
// registered from a testers' page (the share's system scope), listed for the organization, removed
// by admins. Each registration and removal is audited.

export type NewTesterDevice = { udid: string; testerName: string | null; product: string | null; osVersion: string | null; deviceName: string | null };

/**
 * Records a device iOS sent from a testers' page of the profile (again: its details and time are
 * updated). Refused (CONFLICT) when the profile has MAX_TESTER_DEVICES others. `scope` is the
 * share's system scope.
 */
export async function registerTesterDevice(scope: Scope, profileId: string, device: NewTesterDevice): Promise<{ created: boolean }> {
  return db.$transaction(async (tx) => {
    await lockProfile(tx, scope, profileId);
    const existing = await tx.testerDevice.findUnique({ where: { profileId_udid: { profileId, udid: device.udid } }, select: { id: true } });
    if (!existing && (await tx.testerDevice.count({ where: { profileId } })) >= MAX_TESTER_DEVICES) {
      throw new AppError("CONFLICT", `This build profile has ${MAX_TESTER_DEVICES} registered devices, the most it keeps: ask whoever shared the build to remove some.`);
    }
    const details = { testerName: device.testerName, product: device.product, osVersion: device.osVersion, deviceName: device.deviceName };
    if (existing) {
      await tx.testerDevice.update({ where: { id: existing.id }, data: { ...details, updatedAt: new Date() } });
    } else {
      await tx.testerDevice.create({ data: { organizationId: scope.organizationId, profileId, udid: device.udid, ...details } });
    }
    await recordAudit(scope, { action: "profile.tester_device_registered", targetType: "build_profile", targetId: profileId, data: { udid: device.udid, testerName: device.testerName, product: device.product, again: Boolean(existing) } }, tx);
    if (!existing) {
      // The admins add it in Apple's account: they hear of it (once per device), on the Notices page and by e-mail.
      const [profile, admins] = await Promise.all([
        tx.buildProfile.findUniqueOrThrow({ where: { id: profileId }, select: { name: true } }),
        tx.membership.findMany({ where: { organizationId: scope.organizationId, role: "ADMIN", user: { isActive: true } }, orderBy: { createdAt: "asc" }, select: { userId: true } }),
      ]);
      if (admins.length > 0) {
        await tx.notification.createMany({
          data: [
            {
              organizationId: scope.organizationId,
              connectionId: null,
              kind: "tester_device.registered",
              dedupeKey: `tester_device.registered:${profileId}:${device.udid}`,
              data: { profileId, profile: profile.name, udid: device.udid, testerName: device.testerName, product: device.product },
              recipientIds: admins.map((admin) => admin.userId),
            },
          ],
          skipDuplicates: true,
        });
      }
    }
    return { created: !existing };
  });
}

/** A profile's registered devices, the most recently registered first. */
export async function listTesterDevices(scope: Scope, profileId: string): Promise<TesterDeviceView[]> {
  const rows = await db.testerDevice.findMany({
    where: { profileId, organizationId: scope.organizationId },
    orderBy: [{ updatedAt: "desc" }, { udid: "asc" }],
    select: { id: true, udid: true, testerName: true, product: true, osVersion: true, deviceName: true, updatedAt: true },
  });
  return rows.map(({ updatedAt, ...row }) => ({ ...row, registeredAt: updatedAt }));
}

/** Removes a registered device (admins, like the workflow: the list is theirs to keep), audited; false when there was none. */
export async function removeTesterDevice(scope: Scope, profileId: string, deviceId: string): Promise<boolean> {
  if (!can(scope, "workflow.update")) {
    throw new AppError("FORBIDDEN", refusalOf("workflow.update"));
  }
  return db.$transaction(async (tx) => {
    const row = await tx.testerDevice.findFirst({ where: { id: deviceId, profileId, organizationId: scope.organizationId }, select: { udid: true, testerName: true } });
    if (!row) {
      return false;
    }
    await tx.testerDevice.delete({ where: { id: deviceId } });
    await recordAudit(scope, { action: "profile.tester_device_removed", targetType: "build_profile", targetId: profileId, data: row }, tx);
    return true;
  });
}
