import { z } from "zod";
import { logDownload } from "@/lib/builds/log-download";
import { tokenRoute } from "@/lib/entry/route";

export const dynamic = "force-dynamic";

/** The token API's build log (a build's `logUrl`): the whole stored log as text, for a script's own output. */
export const GET = tokenRoute({ name: "api.v1.builds.log", permission: "build.read", target: "build", query: z.strictObject({}) }, async ({ scope, target: build }) => logDownload(scope, build));
