import { buildJson } from "@/lib/builds/api";
import { listArtifacts } from "@/lib/data/artifacts";
import { expectedStartOf, failureHistoriesOf, failureLines, getBuild } from "@/lib/data/builds";
import { json, tokenRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { isFinal } from "@/lib/shared/builds";
import { apiGetBuildQuery } from "@/lib/validation/api-tokens";

export const dynamic = "force-dynamic";

/** How often a waiting request looks at the build again. */
const WAIT_STEP_MS = 1_000;

/**
 * The token API's build (README.md, "Starting builds from scripts"): its state, what went wrong,
 * tests and artifacts. A script polls it until `finished`; with `?wait=N` (up to 60) the answer
 * comes as soon as the build finishes, or after N seconds with the build as it is then, so a
 * script waits with one request a minute instead of one every few seconds.
 */
export const GET = tokenRoute({ name: "api.v1.builds.get", permission: "build.read", target: "build", query: apiGetBuildQuery }, async ({ scope, target, query, request }) => {
  let build = target;
  const until = Date.now() + query.wait * 1_000;
  while (!isFinal(build.status) && Date.now() < until && !request.signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(WAIT_STEP_MS, until - Date.now())));
    build = (await getBuild(scope, build.id)) ?? build;
  }
  const [{ artifacts }, failure, histories, expectedStartAt] = await Promise.all([
    listArtifacts(scope, build.id),
    build.status === "FAILED" || build.status === "TIMED_OUT" ? failureLines(scope, build.id) : null,
    failureHistoriesOf(scope, build),
    expectedStartOf(build),
  ]);
  return json({ build: buildJson(build, artifacts, publicUrlOf(getEnv()), failure, histories, expectedStartAt) });
});
