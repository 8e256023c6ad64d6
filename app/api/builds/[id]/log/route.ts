import { z } from "zod";
import { logDownload } from "@/lib/builds/log-download";
import { route } from "@/lib/entry/route";

export const dynamic = "force-dynamic";

/** The whole stored log of a build as a text file, for the build page's Download log (lib/builds/log-download.ts). */
export const GET = route({ name: "api.builds.log", permission: "build.read", target: "build", query: z.strictObject({}) }, async ({ scope, target: build }) => logDownload(scope, build));
