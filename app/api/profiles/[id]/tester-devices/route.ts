import { z } from "zod";
import { latestSuccessfulArtifacts } from "@/lib/data/artifacts";
import { listTesterDevices } from "@/lib/data/tester-devices";
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
    query: z.strictObject({ missing: z.literal("1", { error: "missing must be 1 (only the devices the newest build's profile lacks), or left out" }).optional() }),
  },
  async ({ scope, target: profile, query }) => {
    const [devices, latest] = await Promise.all([listTesterDevices(scope, profile.id), query.missing ? latestSuccessfulArtifacts(scope, profile.id) : null]);
    const listed = new Set(latest?.artifacts.flatMap((artifact) => artifact.app?.signing?.deviceIds ?? []) ?? []);
    const chosen = query.missing ? devices.filter((device) => !listed.has(device.udid)) : devices;
    const fileName = `${profile.name.replace(/[^A-Za-z0-9 ._-]+/g, "").trim() || "Keel"} ${query.missing ? "new devices" : "devices"}.txt`;
    return new Response(appleDeviceList(chosen), {
      headers: { "Content-Type": "text/plain; charset=utf-8", "Content-Disposition": `attachment; filename="${fileName}"`, "Cache-Control": "no-store" },
    });
  },
);
