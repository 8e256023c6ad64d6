import { z } from "zod";
import { searchLogLines } from "@/lib/data/builds";
import { json, route } from "@/lib/entry/route";
import { LOG_SEARCH_LIMIT, type LogSearchDto } from "@/lib/shared/builds";
import { logSearchSchema } from "@/lib/validation/builds";

export const dynamic = "force-dynamic";

/**
 * "Find in the log": the lines of the build's whole stored log that contain `q` (any case), the
 * first 100 in order and how many match — the page shows only the last 5,000 lines of a long log.
 */
export const GET = route(
  { name: "api.builds.log-search", permission: "build.read", target: "build", query: z.strictObject({ q: logSearchSchema }) },
  async ({ scope, target: build, query }) => {
    const body: LogSearchDto = await searchLogLines(scope, build.id, query.q, LOG_SEARCH_LIMIT);
    return json(body);
  },
);
