import { z } from "zod";
import { profileJson } from "@/lib/builds/api";
import { setProfilePaused } from "@/lib/data/builds";
import { getProfile } from "@/lib/data/profiles";
import { json, tokenRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";

export const dynamic = "force-dynamic";

/**
 * The token API's Resume builds (admins' tokens): the builds that queued while paused start
 * within seconds (`queued` says how many). Resuming a profile that is not paused changes nothing.
 * Audited with the token's name.
 */
export const POST = tokenRoute({ name: "api.v1.profiles.resume", permission: "profile.pause", target: "profile", query: z.strictObject({}) }, async ({ scope, target: profile }) => {
  const { queued } = await setProfilePaused(scope, profile.id, null);
  const now = await getProfile(scope, profile.id);
  return json({ profile: profileJson(now ?? profile, publicUrlOf(getEnv())), queued });
});
