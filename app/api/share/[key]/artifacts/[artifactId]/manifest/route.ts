import { build as buildPlist } from "plist";
import { openSharedFile } from "@/lib/builds/shared-file";
import { jsonError, publicRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { shareArtifactPath } from "@/lib/shared/shares";

export const dynamic = "force-dynamic";

/**
 * The manifest an iPhone installs a shared .ipa from (lib/builds/README.md, "Installing on
 * iPhones"): the page's "Install" link hands iOS this address (itms-services), iOS reads the
 * app's identifier, version and name here and downloads the file from the share link. Public by
 * design, like the file itself: the link's key is the credential.
 */
export const GET = publicRoute({ name: "api.share.manifest" }, async ({ request, params }) => {
  const opened = await openSharedFile(request, params);
  if (opened instanceof Response) {
    return opened;
  }
  const { key, shared, artifactId } = opened;
  const artifact = shared.artifacts.find((candidate) => candidate.id === artifactId);
  if (artifact?.app?.platform !== "ios") {
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
