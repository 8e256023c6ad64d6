import { z } from "zod";
import { badgeStatus } from "@/lib/data/badges";
import { publicRoute } from "@/lib/entry/route";
import { badgeStateOf, badgeSvg, type BadgeState } from "@/lib/shared/badge";
import { isBranchName } from "@/lib/validation/builds";

export const dynamic = "force-dynamic";

const keySchema = z.string().regex(/^[A-Za-z0-9_-]{32}$/);
const querySchema = z.strictObject({ branch: z.string().max(250).refine(isBranchName).optional() });

function svg(state: BadgeState, status: number): Response {
  return new Response(badgeSvg(state), {
    status,
    headers: {
      "Content-Type": "image/svg+xml; charset=utf-8",
      // READMEs fetch it on every view; a proxy may keep it a minute at most.
      "Cache-Control": "public, max-age=60, must-revalidate",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

/**
 * A profile's status badge (lib/builds/README.md, "Status badge"): public by design — a README
 * shows it to anyone — and answering only for a key an admin turned on. `?branch=` shows another
 * branch than the default one. A wrong key or query draws "not found" (a README shows a picture,
 * not an error body); a bad `branch` draws "invalid branch".
 */
export const GET = publicRoute({ name: "api.badges" }, async ({ request, params }) => {
  const key = keySchema.safeParse(params.key);
  const query = querySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!key.success) {
    return svg("not found", 404);
  }
  if (!query.success) {
    // The one query parameter: `branch`, a branch name (main, release/2.0).
    return svg("invalid branch", 400);
  }
  const found = await badgeStatus(key.data, query.data.branch?.replace(/^refs\/heads\//, "") ?? null);
  return found ? svg(badgeStateOf(found.status), 200) : svg("not found", 404);
});
