import { z } from "zod";
import { testerDevicesOf } from "@/lib/builds/tester-devices";
import { json, tokenRoute } from "@/lib/entry/route";
import { appleDeviceList, appleDeviceName } from "@/lib/shared/devices";

export const dynamic = "force-dynamic";

/**
 * The token API's testers' devices of a profile (README.md, "Starting builds from scripts"), for a
 * release script that registers them with Apple before it signs (fastlane's register_devices):
 * JSON, or with `?format=apple` the tab-separated file Apple's account and fastlane take;
 * `?missing=1` leaves out those the newest successful build's provisioning profile lists.
 */
export const GET = tokenRoute(
  {
    name: "api.v1.profiles.tester_devices",
    permission: "profile.read",
    target: "profile",
    query: z.strictObject({
      format: z.enum(["json", "apple"], { error: "must be json or apple" }).default("json"),
      missing: z.literal("1", { error: "must be 1 (only the devices the newest build's profile lacks), or left out" }).optional(),
    }),
  },
  async ({ scope, target: profile, query }) => {
    const devices = await testerDevicesOf(scope, profile.id, query.missing === "1");
    if (query.format === "apple") {
      return new Response(appleDeviceList(devices), { headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" } });
    }
    return json({
      devices: devices.map((device) => ({
        udid: device.udid,
        name: appleDeviceName(device),
        testerName: device.testerName,
        model: device.product,
        osVersion: device.osVersion,
        registeredAt: device.registeredAt.toISOString(),
        inNewestBuild: device.inNewestBuild,
      })),
    });
  },
);
