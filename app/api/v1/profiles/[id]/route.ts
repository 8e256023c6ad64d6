import { z } from "zod";
import { profileJson } from "@/lib/builds/api";
import { json, tokenRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";

export const dynamic = "force-dynamic";

/**
 * The token API's one profile (README.md, "Starting builds from scripts"): as the list shows it —
 * a script asks whether its builds are paused before it waits for one.
 */
export const GET = tokenRoute({ name: "api.v1.profiles.get", permission: "profile.read", target: "profile", query: z.strictObject({}) }, async ({ target: profile }) => {
  return json({ profile: profileJson(profile, publicUrlOf(getEnv())) });
});
