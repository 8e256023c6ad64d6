import { deviceRegistrationProfile } from "@/lib/builds/tester-devices";
import { openShare } from "@/lib/data/shares";
import { jsonError, publicRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { testerNameSchema } from "@/lib/shared/devices";
import { SHARE_KEY_SHAPE } from "@/lib/shared/shares";

export const dynamic = "force-dynamic";

/**
 * The configuration profile that registers a tester's iPhone or iPad (lib/builds/README.md,
 * "Registering testers' devices"), for the link's build profile: `?name=` is the tester's name
 * (optional). Public by design, like the link's files: the key is the credential.
 */
export const GET = publicRoute({ name: "api.share.device_profile" }, async ({ request, params }) => {
  const key = typeof params.key === "string" && SHARE_KEY_SHAPE.test(params.key) ? params.key : null;
  const search = new URL(request.url).searchParams;
  if ([...search.keys()].some((name) => name !== "name")) {
    return jsonError(400, "INVALID_INPUT", "This address takes only name (the tester's name).");
  }
  const name = testerNameSchema.safeParse(search.get("name") ?? "");
  if (!name.success) {
    return jsonError(400, "INVALID_INPUT", name.error.issues[0]!.message, { fields: { name: name.error.issues.map((issue) => issue.message) } });
  }
  const shared = key ? await openShare(key) : null;
  if (!shared || !key) {
    return jsonError(404, "NOT_FOUND", "This link no longer works: it ended or was turned off. Ask whoever sent it for a new one.");
  }
  const profile = deviceRegistrationProfile(publicUrlOf(getEnv()), key, shared.profile.name, name.data);
  return new Response(profile, {
    headers: {
      "Content-Type": "application/x-apple-aspen-config",
      "Content-Disposition": 'attachment; filename="Register with Keel.mobileconfig"',
      "Cache-Control": "no-store",
    },
  });
});
