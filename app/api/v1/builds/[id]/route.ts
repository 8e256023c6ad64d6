import { z } from "zod";
import { buildJson } from "@/lib/builds/api";
import { listArtifacts } from "@/lib/data/artifacts";
import { failureLines } from "@/lib/data/builds";
import { json, tokenRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";

export const dynamic = "force-dynamic";

/** The token API's build (README.md, "Starting builds from scripts"): its state, what went wrong, tests and artifacts; a script polls it until `finished`. */
export const GET = tokenRoute({ name: "api.v1.builds.get", permission: "build.read", target: "build", query: z.strictObject({}) }, async ({ scope, target: build }) => {
  const [{ artifacts }, failure] = await Promise.all([listArtifacts(scope, build.id), build.status === "FAILED" || build.status === "TIMED_OUT" ? failureLines(scope, build.id) : null]);
  return json({ build: buildJson(build, artifacts, publicUrlOf(getEnv()), failure) });
});
