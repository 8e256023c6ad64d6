import { z } from "zod";
import { buildJson } from "@/lib/builds/api";
import { cancelBuild } from "@/lib/builds/service";
import { listArtifacts } from "@/lib/data/artifacts";
import { getBuild } from "@/lib/data/builds";
import { json, tokenRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";

export const dynamic = "force-dynamic";

/**
 * The token API's Cancel: a queued build ends at once, a running one within a second (its
 * status says CANCELED once it has). A finished build is left as it was. Answers the build.
 */
export const POST = tokenRoute({ name: "api.v1.builds.cancel", permission: "build.cancel", target: "build", query: z.strictObject({}) }, async ({ scope, target: build }) => {
  await cancelBuild(scope, build.id);
  const [now, { artifacts }] = await Promise.all([getBuild(scope, build.id), listArtifacts(scope, build.id)]);
  return json({ build: buildJson(now ?? build, artifacts, publicUrlOf(getEnv())) });
});
