import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { build as buildPlist } from "plist";
import { latestSuccessfulArtifacts, type ArtifactView } from "@/lib/data/artifacts";
import { listTesterDevices, registerTesterDevice } from "@/lib/data/tester-devices";
import { takeRateLimit } from "@/lib/data/rate-limits";
import { openShare, type SharedBuild } from "@/lib/data/shares";
import { jsonError } from "@/lib/entry/route";
import { AppError } from "@/lib/errors";
import { requestNoticeEmails } from "@/lib/notifications/request";
import { deviceAttributesSchema, testerNameSchema, type TesterDeviceView } from "@/lib/shared/devices";
import type { Scope } from "@/lib/scope";
import { SHARE_KEY_SHAPE, sharePath } from "@/lib/shared/shares";
import { plistInEnvelope } from "./signing-files";

// Registering a tester's iPhone from a testers' page (lib/builds/README.md, "Registering testers'
// devices"): Keel hands out a configuration profile of type "Profile Service" that asks iOS for the
// device's UDID, model and version; iOS sends them, in a CMS envelope signed with the device's own
// certificate, to the address in it, and opens the address Keel answers with.

/** What iOS may send back: a few hundred bytes of plist in a signature of a few KiB. */
export const DEVICE_ANSWER_MAX_BYTES = 64 * 1024;
/** Registrations one link takes per hour (a tester registers once; this only stops floods). */
export const REGISTRATIONS_PER_HOUR = 30;

/**
 * The link and the tester's name a registration address names (`/api/share/<key>/…?name=`), or
 * the answer that refuses it: 400 for another query parameter or a name that is not one line of
 * at most 60 characters, 404 for a link that ended, was turned off or never was.
 */
export async function openRegistration(request: Request, params: Record<string, string | string[]>): Promise<{ key: string; shared: SharedBuild; testerName: string | null } | Response> {
  const search = new URL(request.url).searchParams;
  if ([...search.keys()].some((name) => name !== "name")) {
    return jsonError(400, "INVALID_INPUT", "This address takes only name (the tester's name).");
  }
  const name = testerNameSchema.safeParse(search.get("name") ?? "");
  if (!name.success) {
    return jsonError(400, "INVALID_INPUT", name.error.issues[0]!.message, { fields: { name: name.error.issues.map((issue) => issue.message) } });
  }
  const key = typeof params.key === "string" && SHARE_KEY_SHAPE.test(params.key) ? params.key : null;
  const shared = key ? await openShare(key) : null;
  if (!shared || !key) {
    return jsonError(404, "NOT_FOUND", "This link no longer works: it ended or was turned off. Ask whoever sent it for a new one.");
  }
  return { key, shared, testerName: name.data };
}

/** The address iOS sends the device's attributes to: the link's, with the tester's name. */
export function deviceAnswerUrl(publicUrl: string, key: string, testerName: string | null): string {
  return `${publicUrl}/api/share/${key}/devices${testerName ? `?name=${encodeURIComponent(testerName)}` : ""}`;
}

/** The configuration profile (XML plist) a tester opens on the device: it installs nothing; it sends the device's identity to Keel. */
export function deviceRegistrationProfile(publicUrl: string, key: string, profileName: string, testerName: string | null): string {
  return buildPlist({
    PayloadContent: {
      URL: deviceAnswerUrl(publicUrl, key, testerName),
      DeviceAttributes: ["UDID", "PRODUCT", "VERSION", "DEVICE_NAME"],
      Challenge: randomUUID(),
    },
    PayloadOrganization: "Keel",
    PayloadDisplayName: `Register this device for ${profileName}`.slice(0, 120),
    PayloadDescription: `Sends this device's identifier (UDID), model and iOS version to Keel, so that it can be added to the provisioning profile of ${profileName}. It installs nothing and stays on the device only until it has sent them.`,
    PayloadIdentifier: `keel.device-registration.${createHash("sha256").update(key).digest("hex").slice(0, 16)}`,
    PayloadUUID: randomUUID().toUpperCase(),
    PayloadType: "Profile Service",
    PayloadVersion: 1,
  });
}

/**
 * Records the device whose answer `body` is (iOS's signed plist) for the link's profile, and the
 * page iOS is sent to afterwards. INVALID_INPUT when the body is not such an answer; RATE_LIMITED
 * past REGISTRATIONS_PER_HOUR for the link. The device's signature is not checked: Keel has no
 * trust anchor for device certificates, so admins look at the list before adding devices to Apple.
 */
export async function registerFromAnswer(shared: SharedBuild, key: string, body: Buffer, testerName: string | null, publicUrl: string): Promise<string> {
  const attributes = deviceAttributesSchema.safeParse(plistInEnvelope(body) ?? {});
  if (!attributes.success) {
    throw new AppError("INVALID_INPUT", "This is not what iOS sends when a device is registered: open the testers' page on the iPhone or iPad and choose Register this device.");
  }
  const limit = await takeRateLimit(`share-devices:${createHash("sha256").update(key).digest("hex").slice(0, 32)}`, REGISTRATIONS_PER_HOUR, 3_600);
  if (!limit.allowed) {
    throw new AppError("RATE_LIMITED", `This link registered ${REGISTRATIONS_PER_HOUR} devices in the last hour. Try again in ${Math.ceil(limit.retryAfterSeconds / 60)} minutes.`);
  }
  const { UDID: udid, PRODUCT: product, VERSION: osVersion, DEVICE_NAME: deviceName } = attributes.data;
  const { created } = await registerTesterDevice(shared.scope, shared.profile.id, { udid, testerName, product: product ?? null, osVersion: osVersion ?? null, deviceName: deviceName ?? null });
  if (created) {
    // The admins' notice of a new device, by e-mail now rather than at the next sweep.
    await requestNoticeEmails();
  }
  // The page names the device, so it can say whether this build's profile lists it already.
  return `${publicUrl}${sharePath(key)}?device=${encodeURIComponent(udid)}`;
}

export type TesterDeviceWithListing = TesterDeviceView & { inNewestBuild: boolean | null };

/**
 * A profile's registered devices, each with whether the newest successful build's provisioning
 * profile lists it (null: that build has no iOS app whose profile Keel read); `missingOnly`: only
 * those it does not list — what the Apple Developer account still needs.
 */
export async function testerDevicesOf(scope: Scope, profileId: string, missingOnly = false): Promise<TesterDeviceWithListing[]> {
  const [devices, latest] = await Promise.all([listTesterDevices(scope, profileId), latestSuccessfulArtifacts(scope, profileId)]);
  return againstNewestBuild(devices, latest?.artifacts ?? []).filter((device) => !missingOnly || device.inNewestBuild !== true);
}

/** The devices, each with whether these artifacts' (the newest successful build's) provisioning profiles list it; null for all when none was read. */
export function againstNewestBuild(devices: TesterDeviceView[], artifacts: ArtifactView[]): TesterDeviceWithListing[] {
  const signed = artifacts.filter((artifact) => artifact.app?.signing?.devices != null);
  const listed = new Set(signed.flatMap((artifact) => artifact.app!.signing!.deviceIds));
  return devices.map((device) => ({ ...device, inNewestBuild: signed.length > 0 ? listed.has(device.udid) : null }));
}
