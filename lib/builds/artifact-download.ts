import "server-only";
import { getArtifact, readArtifactChunk } from "@/lib/data/artifacts";
import { jsonError } from "@/lib/entry/route";
import type { Scope } from "@/lib/scope";
import { attachmentDisposition } from "@/lib/shared/names";

/**
 * One artifact of a build as a download, streamed chunk by chunk from PostgreSQL (the build
 * page's link and the token API's). Always bytes to save, never shown by a browser: an artifact
 * may be any file a build wrote, HTML included. A JSON 404 when the build has no such artifact.
 */
export async function artifactDownload(scope: Scope, buildId: string, artifactId: string): Promise<Response> {
  const artifact = await getArtifact(scope, buildId, artifactId);
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
        // Deleted while it was being sent: the download ends short and the client says it failed.
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
}
