import "server-only";
import { openShare, type SharedBuild } from "@/lib/data/shares";
import { jsonError } from "@/lib/entry/route";
import { SHARE_KEY_SHAPE } from "@/lib/shared/shares";
import { idSchema } from "@/lib/validation/auth";

// A request for a file of a shared build (lib/builds/README.md, "Sharing with testers"): the
// download, and an iOS app's install manifest. Public by design — the link's key is the
// credential — and only for the build the link names, while it lasts.

const GONE = "This link no longer works: it ended or was turned off. Ask whoever sent it for a new one.";

/** The share and the file's id the address names, or the answer that refuses it (400, 404). */
export async function openSharedFile(request: Request, params: Record<string, string | string[]>): Promise<{ key: string; shared: SharedBuild & { build: NonNullable<SharedBuild["build"]> }; artifactId: string } | Response> {
  const key = typeof params.key === "string" && SHARE_KEY_SHAPE.test(params.key) ? params.key : null;
  const artifactId = idSchema.safeParse(params.artifactId);
  if (new URL(request.url).search !== "") {
    return jsonError(400, "INVALID_INPUT", "This address takes no query parameters.");
  }
  const shared = key ? await openShare(key) : null;
  if (!shared || !key) {
    return jsonError(404, "NOT_FOUND", GONE);
  }
  if (!artifactId.success || !shared.build) {
    return jsonError(404, "NOT_FOUND", "The shared build has no such file. Open the link again to see its files.");
  }
  return { key, shared: { ...shared, build: shared.build }, artifactId: artifactId.data };
}
