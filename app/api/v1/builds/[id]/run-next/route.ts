import { z } from "zod";
import { buildJson } from "@/lib/builds/api";
import { runBuildNext } from "@/lib/builds/service";
import { listArtifacts } from "@/lib/data/artifacts";
import { expectedStartOf, getBuild } from "@/lib/data/builds";
import { json, tokenRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";

export const dynamic = "force-dynamic";

/**
 * The token API's Run next (admins' tokens; lib/builds/README.md, "Run next"): a hotfix script
 * moves its queued build to the front of its pool's queue. Again changes nothing; `409` once the
 * build has started or ended. Audited with the token's name. Answers the build (`runNext` true,
 * `expectedStartAt` as it now stands).
 */
export const POST = tokenRoute({ name: "api.v1.builds.run_next", permission: "build.run_next", target: "build", query: z.strictObject({}) }, async ({ scope, target: build }) => {
  await runBuildNext(scope, build.id);
  const [now, { artifacts }, expectedStartAt] = await Promise.all([getBuild(scope, build.id), listArtifacts(scope, build.id), expectedStartOf({ id: build.id, status: "QUEUED" })]);
  return json({ build: buildJson(now ?? build, artifacts, publicUrlOf(getEnv()), null, [], expectedStartAt) });
});
