import { z } from "zod";
import { profileJson } from "@/lib/builds/api";
import { setProfilePaused } from "@/lib/data/builds";
import { getProfile } from "@/lib/data/profiles";
import { json, tokenRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { apiPauseBody } from "@/lib/validation/api-tokens";

export const dynamic = "force-dynamic";

/**
 * The token API's Pause builds (admins' tokens; lib/builds/README.md, "Paused profiles"): a
 * maintenance script pauses the profiles whose Macs it is about to upgrade, with the reason the
 * pages show. Builds still queue; none starts until resumed. Pausing a paused profile again only
 * changes the reason. Audited with the token's name. Answers the profile and how many builds wait.
 */
export const POST = tokenRoute(
  { name: "api.v1.profiles.pause", permission: "profile.pause", target: "profile", query: z.strictObject({}), body: apiPauseBody },
  async ({ scope, target: profile, body }) => {
    const { queued } = await setProfilePaused(scope, profile.id, { reason: body.reason });
    const now = await getProfile(scope, profile.id);
    return json({ profile: profileJson(now ?? profile, publicUrlOf(getEnv())), queued });
  },
);
