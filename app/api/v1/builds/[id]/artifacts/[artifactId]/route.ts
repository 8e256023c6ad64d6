import { z } from "zod";
import { artifactDownload } from "@/lib/builds/artifact-download";
import { tokenRoute } from "@/lib/entry/route";

export const dynamic = "force-dynamic";

/** The token API's artifact download (a build's `artifacts[].downloadUrl`): the file's bytes. */
export const GET = tokenRoute(
  { name: "api.v1.builds.artifact", permission: "build.read", target: "build", params: z.object({ artifactId: z.uuid({ error: "must be an artifact id" }) }), query: z.strictObject({}) },
  async ({ scope, target: build, params }) => artifactDownload(scope, build.id, params.artifactId),
);
