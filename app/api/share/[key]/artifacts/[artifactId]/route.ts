import { artifactDownload } from "@/lib/builds/artifact-download";
import { openShare } from "@/lib/data/shares";
import { jsonError, publicRoute } from "@/lib/entry/route";
import { SHARE_KEY_SHAPE } from "@/lib/shared/shares";
import { idSchema } from "@/lib/validation/auth";

export const dynamic = "force-dynamic";

const GONE = "This link no longer works: it ended or was turned off. Ask whoever sent it for a new one.";

/**
 * An artifact of a shared build (lib/builds/README.md, "Sharing with testers"): public by design —
 * the link's key is the credential — and only for the build the link names, while it lasts.
 */
export const GET = publicRoute({ name: "api.share.artifact" }, async ({ request, params }) => {
  const key = typeof params.key === "string" && SHARE_KEY_SHAPE.test(params.key) ? params.key : null;
  const artifactId = idSchema.safeParse(params.artifactId);
  if (new URL(request.url).search !== "") {
    return jsonError(400, "INVALID_INPUT", "This address takes no query parameters.");
  }
  const shared = key ? await openShare(key) : null;
  if (!shared) {
    return jsonError(404, "NOT_FOUND", GONE);
  }
  if (!artifactId.success) {
    return jsonError(404, "NOT_FOUND", "The shared build has no such file. Open the link again to see its files.");
  }
  return artifactDownload(shared.scope, shared.build.id, artifactId.data);
});
