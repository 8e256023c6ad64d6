import { z } from "zod";
import { apiIdempotencyKey, startedAnswer } from "@/lib/builds/api-start";
import { rebuild } from "@/lib/builds/service";
import { getProfile } from "@/lib/data/profiles";
import { tokenRoute } from "@/lib/entry/route";

export const dynamic = "force-dynamic";

/**
 * The token API's Rebuild: the build's commit again, as a new build started by the token's owner
 * (trigger API) — its branch, tag or pull request and its variables kept — for a script that
 * retries a flaky build or builds a release again. 201 with the new build; 200 with the same one
 * when this person's Idempotency-Key was used before.
 */
export const POST = tokenRoute({ name: "api.v1.builds.rebuild", permission: "build.start", target: "build", query: z.strictObject({}) }, async ({ scope, user, target: build, request }) => {
  const idempotencyKey = apiIdempotencyKey(request, user.id);
  const profile = await getProfile(scope, build.profileId);
  return startedAnswer(scope, profile?.connection ?? null, () => rebuild(scope, build.id, idempotencyKey, "API"));
});
