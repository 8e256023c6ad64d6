import { z } from "zod";
import { artifactsZipDownload } from "@/lib/builds/artifact-download";
import { tokenRoute } from "@/lib/entry/route";

export const dynamic = "force-dynamic";

/** The token API's "every artifact of a build as one zip" (a build's `artifactsZipUrl`). */
export const GET = tokenRoute(
  { name: "api.v1.builds.artifacts-zip", permission: "build.read", target: "build", query: z.strictObject({}) },
  async ({ scope, target: build }) => artifactsZipDownload(scope, build),
);
