import { z } from "zod";
import { profileJson } from "@/lib/builds/api";
import { searchParam } from "@/lib/validation/profiles";
import { listProfiles } from "@/lib/data/profiles";
import { json, tokenRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";

const querySchema = z.strictObject({
  q: searchParam,
  page: z.coerce.number({ error: "must be a page number, from 1" }).int("must be a whole number").min(1, "must be 1 or more").max(10_000, "is too large").default(1),
  red: z.enum(["true", "false"], { error: "must be true or false" }).optional(),
});

const PAGE_SIZE = 100;

/**
 * The token API's build profiles (README.md, "Starting builds from scripts"): by name, 100 a
 * page, searched by `q` (name, repository, project or connection), each with the address that
 * starts its builds — how a script finds the id it builds. `red=true`: only the profiles whose
 * default branch is red (its newest build that passed or failed did not pass), for a team's screen.
 */
export const GET = tokenRoute({ name: "api.v1.profiles.list", permission: "profile.read", query: querySchema }, async ({ scope, query }) => {
  const { rows, total } = await listProfiles(scope, { ...(query.q ? { q: query.q } : {}), ...(query.red === "true" ? { red: true } : {}), sort: "name", order: "asc", page: query.page, pageSize: PAGE_SIZE });
  const origin = publicUrlOf(getEnv());
  return json({
    profiles: rows.map((profile) => profileJson(profile, origin)),
    total,
    page: query.page,
    nextPage: query.page * PAGE_SIZE < total ? query.page + 1 : null,
  });
});
