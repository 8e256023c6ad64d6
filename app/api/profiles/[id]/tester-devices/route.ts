import { z } from "zod";
import { listTesterDevices } from "@/lib/data/tester-devices";
import { route } from "@/lib/entry/route";
import { appleDeviceList } from "@/lib/shared/devices";

export const dynamic = "force-dynamic";

/**
 * A profile's registered testers' devices as the Apple Developer account's "Register Multiple
 * Devices" takes them (lib/builds/README.md, "Registering testers' devices"): a tab-separated
 * text file to upload there.
 */
export const GET = route({ name: "api.profiles.tester_devices", permission: "profile.read", target: "profile", query: z.strictObject({}) }, async ({ scope, target: profile }) => {
  const devices = await listTesterDevices(scope, profile.id);
  const fileName = `${profile.name.replace(/[^A-Za-z0-9 ._-]+/g, "").trim() || "Keel"} devices.txt`;
  return new Response(appleDeviceList(devices), {
    headers: { "Content-Type": "text/plain; charset=utf-8", "Content-Disposition": `attachment; filename="${fileName}"`, "Cache-Control": "no-store" },
  });
});
