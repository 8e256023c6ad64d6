import { build as buildPlist } from "plist";
import { openShare } from "@/lib/data/shares";
import { jsonError, publicRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { SHARE_KEY_SHAPE, shareArtifactPath } from "@/lib/shared/shares";
import { idSchema } from "@/lib/validation/auth";

export const dynamic = "force-dynamic";

const GONE = "This link no longer works: it ended or was turned off. Ask whoever sent it for a new one.";

/**
 * The manifest an iPhone installs a shared .ipa from (lib/builds/README.md, "Installing on
 * iPhones"): the page's "Install" link hands iOS this address (itms-services), iOS reads the
 * app's identifier, version and name here and downloads the file from the share link. Public by
 * design, like the file itself: the link's key is the credential.
 */
export const GET = publicRoute({ name: "api.share.manifest" }, async ({ request, params }) => {
  const key = typeof params.key === "string" && SHARE_KEY_SHAPE.test(params.key) ? params.key : null;
  const artifactId = idSchema.safeParse(params.artifactId);
  if (new URL(request.url).search !== "") {
    return jsonError(400, "INVALID_INPUT", "This address takes no query parameters.");
  }
  const shared = key ? await openShare(key) : null;
  if (!shared || !key) {
    return jsonError(404, "NOT_FOUND", GONE);
  }
  const artifact = artifactId.success ? shared.artifacts.find((candidate) => candidate.id === artifactId.data) : undefined;
  if (!artifact?.app) {
    return jsonError(404, "NOT_FOUND", "The shared build has no iOS app with this address. Open the link again to see its files.");
  }
  const { app } = artifact;
  const manifest = buildPlist({
    items: [
      {
        assets: [{ kind: "software-package", url: `${publicUrlOf(getEnv())}${shareArtifactPath(key, artifact.id)}` }],
        metadata: { "bundle-identifier": app.bundleId, "bundle-version": app.shortVersion ?? app.version, kind: "software", title: app.name ?? app.bundleId },
      },
    ],
  });
  return new Response(manifest, { headers: { "Content-Type": "application/xml; charset=utf-8", "Cache-Control": "no-store" } });
});
