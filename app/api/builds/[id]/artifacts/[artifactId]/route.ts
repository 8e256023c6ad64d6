import { z } from "zod";
import { artifactDownload } from "@/lib/builds/artifact-download";
import { route } from "@/lib/entry/route";

export const dynamic = "force-dynamic";

/** One artifact of a build, for the build page's download links (lib/builds/artifact-download.ts). */
export const GET = route(
  { name: "api.builds.artifact", permission: "build.read", target: "build", params: z.object({ artifactId: z.uuid({ error: "Artifact must be an artifact id" }) }), query: z.strictObject({}) },
  async ({ scope, target: build, params }) => artifactDownload(scope, build.id, params.artifactId),
);
