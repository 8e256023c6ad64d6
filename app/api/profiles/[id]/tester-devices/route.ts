import { z } from "zod";
import { testerDevicesOf } from "@/lib/builds/tester-devices";
import { route } from "@/lib/entry/route";
import { appleDeviceList } from "@/lib/shared/devices";

export const dynamic = "force-dynamic";

/**
 * A profile's registered testers' devices as the Apple Developer account's "Register Multiple
 * Devices" takes them (lib/builds/README.md, "Registering testers' devices"): a tab-separated
 * text file to upload there. `?missing=1`: only those the newest successful build's provisioning
 * profile does not list.
 */
export const GET = route(
  {
    name: "api.profiles.tester_devices",
    permission: "profile.read",
    target: "profile",
    query: z.strictObject({ missing: z.literal("1", { error: "must be 1 (only the devices the newest build's profile lacks), or left out" }).optional() }),
  },
  async ({ scope, target: profile, query }) => {
    const devices = await testerDevicesOf(scope, profile.id, query.missing === "1");
    const fileName = `${profile.name.replace(/[^A-Za-z0-9 ._-]+/g, "").trim() || "Keel"} ${query.missing ? "new devices" : "devices"}.txt`;
    return new Response(appleDeviceList(devices), {
      headers: { "Content-Type": "text/plain; charset=utf-8", "Content-Disposition": `attachment; filename="${fileName}"`, "Cache-Control": "no-store" },
    });
  },
);
