import { z } from "zod";

// Testers' devices (lib/builds/README.md, "Registering testers' devices"): an ad hoc or development
// build installs only on the iPhones and iPads its provisioning profile lists, by UDID — which iOS
// shows nowhere a tester would look. A testers' page hands out a profile-service configuration
// profile; iOS sends the device's UDID, model and version back to Keel, and admins add the devices
// to the app's provisioning profile in the Apple Developer account. Pure: the pages and the routes
// read the same shapes.

/** At most this many devices per build profile (Apple allows 100 iPhones a year per membership). */
export const MAX_TESTER_DEVICES = 500;

/** 40 hex digits (devices before 2018), or 8-16 hex digits with a hyphen (iPhone XS and later). */
const UDID = /^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{8}-[0-9a-fA-F]{16})$/;

/** A UDID as Keel stores and compares it: the old form in lower case, the new one in upper case (as Apple's pages show them); null when it is not one. */
export function normalizeUdid(value: string): string | null {
  const trimmed = value.trim();
  if (!UDID.test(trimmed)) {
    return null;
  }
  return trimmed.length === 40 ? trimmed.toLowerCase() : trimmed.toUpperCase();
}

const oneLine = (max: number) =>
  z
    .string()
    .transform((text) => text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim().slice(0, max))
    .transform((text) => (text === "" ? null : text));

/** What iOS sends the profile service (the keys the configuration profile asked for). */
export const deviceAttributesSchema = z.object({
  UDID: z.string().transform((value, ctx) => {
    const udid = normalizeUdid(value);
    if (!udid) {
      ctx.addIssue({ code: "custom", message: "UDID is not a device identifier" });
      return z.NEVER;
    }
    return udid;
  }),
  PRODUCT: z
    .string()
    .regex(/^[A-Za-z]{2,20}\d{1,3},\d{1,3}$/)
    .optional()
    .catch(undefined),
  VERSION: z
    .string()
    .regex(/^[0-9A-Za-z.]{1,20}$/)
    .optional()
    .catch(undefined),
  DEVICE_NAME: oneLine(100).optional().catch(undefined),
});

/** The name a tester types on the page (optional): one line, at most 60 characters. */
export const testerNameSchema = z
  .string()
  .max(60, "Your name must be at most 60 characters")
  .refine((text) => !/[\u0000-\u001f\u007f]/.test(text), "Your name must be one line of text")
  .transform((text) => text.trim() || null);

export type TesterDeviceView = {
  id: string;
  udid: string;
  testerName: string | null;
  product: string | null;
  osVersion: string | null;
  deviceName: string | null;
  registeredAt: Date;
};

/** The name Apple's device list gets: the tester's, else the device's, else its model (at most 50 characters, no tabs). */
export function appleDeviceName(device: Pick<TesterDeviceView, "testerName" | "deviceName" | "product" | "udid">): string {
  const name = device.testerName ?? device.deviceName ?? device.product ?? `Device ${device.udid.slice(-6)}`;
  return name.replace(/\s+/g, " ").trim().slice(0, 50).trim();
}

/**
 * The devices as the Apple Developer account's "Register Multiple Devices" takes them: a
 * tab-separated text file with a header line (Device ID, Device Name, Device Platform).
 */
export function appleDeviceList(devices: ReadonlyArray<Pick<TesterDeviceView, "testerName" | "deviceName" | "product" | "udid">>): string {
  return ["Device ID\tDevice Name\tDevice Platform", ...devices.map((device) => `${device.udid}\t${appleDeviceName(device)}\tios`)].join("\n") + "\n";
}
