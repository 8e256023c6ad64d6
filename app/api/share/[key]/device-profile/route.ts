import { deviceRegistrationProfile, openRegistration } from "@/lib/builds/tester-devices";
import { publicRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";

export const dynamic = "force-dynamic";

/**
 * The configuration profile that registers a tester's iPhone or iPad (lib/builds/README.md,
 * "Registering testers' devices"), for the link's build profile: `?name=` is the tester's name
 * (optional). Public by design, like the link's files: the key is the credential.
 */
export const GET = publicRoute({ name: "api.share.device_profile" }, async ({ request, params }) => {
  const opened = await openRegistration(request, params);
  if (opened instanceof Response) {
    return opened;
  }
  const profile = deviceRegistrationProfile(publicUrlOf(getEnv()), opened.key, opened.shared.profile.name, opened.testerName);
  return new Response(profile, {
    headers: {
      "Content-Type": "application/x-apple-aspen-config",
      "Content-Disposition": 'attachment; filename="Register with Keel.mobileconfig"',
      "Cache-Control": "no-store",
    },
  });
});
