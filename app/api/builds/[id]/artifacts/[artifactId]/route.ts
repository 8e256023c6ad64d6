import { z } from "zod";
import { getArtifact, readArtifactChunk } from "@/lib/data/artifacts";
import { jsonError, route } from "@/lib/entry/route";
import { attachmentDisposition } from "@/lib/shared/names";

export const dynamic = "force-dynamic";

/**
 * One artifact of a build, streamed chunk by chunk from PostgreSQL. Always a download of bytes
 * (never shown by the browser: an artifact may be any file a build wrote, HTML included).
 */
export const GET = route(
  { name: "api.builds.artifact", permission: "build.read", target: "build", params: z.object({ artifactId: z.uuid({ error: "Artifact must be an artifact id" }) }), query: z.strictObject({}) },
  async ({ scope, target: build, params }) => {
    const artifact = await getArtifact(scope, build.id, params.artifactId);
    if (!artifact) {
      return jsonError(404, "NOT_FOUND", "This build has no such artifact: it was deleted after its retention period, or the link is wrong. Open the build to see the artifacts it keeps.");
    }
    let seq = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (seq >= artifact.chunks) {
          controller.close();
          return;
        }
        const chunk = await readArtifactChunk(scope, artifact.id, seq);
        if (!chunk) {
          // Deleted while it was being sent: the download ends short and the browser says it failed.
          controller.error(new Error("the artifact was deleted while it was downloaded"));
          return;
        }
        seq += 1;
        controller.enqueue(chunk);
      },
    });
    return new Response(stream, {
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Length": String(artifact.size),
        "Content-Disposition": attachmentDisposition(artifact.path.split("/").at(-1) ?? "artifact"),
        ETag: `"${artifact.sha256}"`,
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
      },
    });
  },
);
