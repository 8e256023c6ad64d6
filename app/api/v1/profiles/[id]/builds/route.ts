import { z } from "zod";
import { buildSummaryJson } from "@/lib/builds/api";
import { apiIdempotencyKey, startedAnswer } from "@/lib/builds/api-start";
import { startBuild } from "@/lib/builds/service";
import { buildFilterOf, listBuilds } from "@/lib/data/builds";
import { json, tokenRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { apiListBuildsQuery, apiStartBuildBody } from "@/lib/validation/api-tokens";

export const dynamic = "force-dynamic";

/**
 * The token API's builds of a profile (README.md, "Starting builds from scripts"). GET: the
 * newest builds, of a branch, of a tag, of a commit (or its start), in a status, kept forever or
 * queued within days if asked. POST: starts a build — of the default branch's tip, a branch's tip, a commit, a tag, or a
 * pull request's merge commit — as the token's owner, and answers 201 with the build (200 with the
 * same build when an Idempotency-Key was used before by this person).
 */
export const GET = tokenRoute(
  { name: "api.v1.builds.list", permission: "build.read", target: "profile", query: apiListBuildsQuery },
  async ({ scope, user, target: profile, query }) => {
    // The builds page's filters, read the same way (`buildFilterOf`), for this profile.
    const { rows } = await listBuilds(scope, {
      ...buildFilterOf(query, user),
      // The token API's own: a release's builds by its tag.
      ...(query.tag ? { tag: query.tag } : {}),
      profileId: profile.id,
      page: 1,
      pageSize: query.limit,
    });
    const origin = publicUrlOf(getEnv());
    return json({ builds: rows.map((row) => buildSummaryJson(row, origin)) });
  },
);

export const POST = tokenRoute(
  { name: "api.v1.builds.start", permission: "build.start", target: "profile", query: z.strictObject({}), body: apiStartBuildBody },
  async ({ scope, user, target: profile, body, request }) => {
    const idempotencyKey = apiIdempotencyKey(request, user.id);
    return startedAnswer(scope, profile.connection ?? null, () =>
      startBuild(scope, {
        profileId: profile.id,
        ...(body.branch ? { branch: body.branch } : {}),
        ...(body.commit ? { commit: body.commit } : {}),
        ...(body.tag ? { tag: body.tag } : {}),
        ...(body.variables ? { parameters: body.variables } : {}),
        ...(body.pullRequest ? { pullRequestNumber: body.pullRequest } : {}),
        ...(body.caches === false ? { skipCaches: true } : {}),
        trigger: "API",
        idempotencyKey,
      }),
    );
  },
);
