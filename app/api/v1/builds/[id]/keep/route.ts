import { z } from "zod";
import { buildJson } from "@/lib/builds/api";
import { listArtifacts } from "@/lib/data/artifacts";
import { getBuild, setBuildKept } from "@/lib/data/builds";
import { json, tokenRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";

export const dynamic = "force-dynamic";

/**
 * The token API's Keep forever (admins' tokens): the release script that gave a build to a store
 * keeps it, so retention never deletes the log and files of what users run. Audited with the
 * token's name; a build already kept stays as it was. Only the build page lets one go again: a
 * leaked token cannot hand a store's build to retention. Answers the build.
 */
export const POST = tokenRoute({ name: "api.v1.builds.keep", permission: "build.keep", target: "build", query: z.strictObject({}) }, async ({ scope, target: build }) => {
  await setBuildKept(scope, build.id, true);
  const [now, { artifacts }] = await Promise.all([getBuild(scope, build.id), listArtifacts(scope, build.id)]);
  return json({ build: buildJson(now ?? build, artifacts, publicUrlOf(getEnv())) });
});
