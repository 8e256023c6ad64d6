import { buildSummaryJson } from "@/lib/builds/api";
import { buildFilterOf, listBuilds } from "@/lib/data/builds";
import { json, tokenRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { apiListAllBuildsQuery } from "@/lib/validation/api-tokens";

export const dynamic = "force-dynamic";

/**
 * The token API's builds of every profile (README.md, "Starting builds from scripts"): the
 * newest first, filtered as a profile's list is, and by what started them — a team's screen of
 * what runs now (`?status=running`), a report of the comment-started builds. Each names its profile.
 */
export const GET = tokenRoute({ name: "api.v1.builds.list_all", permission: "build.read", query: apiListAllBuildsQuery }, async ({ scope, user, query }) => {
  const { rows } = await listBuilds(scope, {
    ...buildFilterOf(query, user),
    ...(query.tag ? { tag: query.tag } : {}),
    page: 1,
    pageSize: query.limit,
  });
  const origin = publicUrlOf(getEnv());
  return json({ builds: rows.map((row) => ({ ...buildSummaryJson(row, origin), profile: { id: row.profile.id, name: row.profile.name } })) });
});
