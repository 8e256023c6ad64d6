import { artifactDownload } from "@/lib/builds/artifact-download";
import { openSharedFile } from "@/lib/builds/shared-file";
import { publicRoute } from "@/lib/entry/route";

export const dynamic = "force-dynamic";

/**
 * An artifact of a shared build (lib/builds/README.md, "Sharing with testers"): public by design —
 * the link's key is the credential — and only for the build the link names, while it lasts.
 */
export const GET = publicRoute({ name: "api.share.artifact" }, async ({ request, params }) => {
  const opened = await openSharedFile(request, params);
  return opened instanceof Response ? opened : artifactDownload(opened.shared.scope, opened.shared.build.id, opened.artifactId);
});
