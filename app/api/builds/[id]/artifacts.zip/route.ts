import { z } from "zod";
import { artifactsZipDownload } from "@/lib/builds/artifact-download";
import { route } from "@/lib/entry/route";

export const dynamic = "force-dynamic";

/** Every artifact of a build as one zip: the build page's "Download all". */
export const GET = route(
  { name: "api.builds.artifacts-zip", permission: "build.read", target: "build", query: z.strictObject({}) },
  async ({ scope, target: build }) => artifactsZipDownload(scope, build),
);
