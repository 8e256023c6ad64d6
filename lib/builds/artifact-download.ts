import "server-only";
import { Readable } from "node:stream";
import { ZipFile } from "yazl";
import { getArtifact, listArtifacts, readArtifactChunk, type ArtifactView } from "@/lib/data/artifacts";
import { jsonError } from "@/lib/entry/route";
import { declaredLength } from "@/lib/http/declared-length";
import type { Scope } from "@/lib/scope";
import { attachmentDisposition } from "@/lib/shared/names";

/** Headers every artifact download carries: bytes to save, never shown by a browser (an artifact may be any file a build wrote, HTML included). */
const SAVE_ONLY = { "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox" };

/** An artifact's content, chunk by chunk from PostgreSQL; throws when it was deleted half-way (the download then ends short). */
async function* artifactChunks(scope: Scope, artifact: Pick<ArtifactView, "id" | "size">): AsyncGenerator<Uint8Array> {
  let sent = 0;
  for (let seq = 0; sent < artifact.size; seq += 1) {
    const chunk = await readArtifactChunk(scope, artifact.id, seq);
    if (!chunk || chunk.length === 0) {
      throw new Error("the artifact was deleted while it was downloaded");
    }
    sent += chunk.length;
    yield chunk;
  }
}

/** A Node stream as the body of a web Response. */
function webStream(stream: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
}

/**
 * One artifact of a build as a download, streamed chunk by chunk from PostgreSQL (the build
 * page's link and the token API's). A JSON 404 when the build has no such artifact.
 */
export async function artifactDownload(scope: Scope, buildId: string, artifactId: string): Promise<Response> {
  const artifact = await getArtifact(scope, buildId, artifactId);
  if (!artifact) {
    return jsonError(404, "NOT_FOUND", "This build has no such artifact: it was deleted after its retention period, or the link is wrong. Open the build to see the artifacts it keeps.");
  }
  return new Response(webStream(Readable.from(artifactChunks(scope, artifact))), {
    headers: {
      "Content-Type": "application/octet-stream",
      ...declaredLength(artifact.size),
      "Content-Disposition": attachmentDisposition(artifact.path.split("/").at(-1) ?? "artifact"),
      ETag: `"${artifact.sha256}"`,
      ...SAVE_ONLY,
    },
  });
}

/**
 * Every artifact of a build as one zip ("Download all"), at their paths, streamed as it is
 * written (yazl): nothing is held in memory or on disk. Stored, not compressed — apps, bundles and
 * archives are compressed already, and a zip of them would only cost the server CPU. A JSON 404
 * when the build kept no file.
 */
export async function artifactsZipDownload(scope: Scope, build: { id: string; number: number; profile: { name: string } }): Promise<Response> {
  const { artifacts } = await listArtifacts(scope, build.id);
  if (artifacts.length === 0) {
    return jsonError(404, "NOT_FOUND", "This build kept no files (or they were deleted after their retention period). Open the build to see what it keeps.");
  }
  const zip = new ZipFile();
  const taken = new Set<string>();
  for (const artifact of artifacts) {
    // Two artifacts at one path (a pattern's file and the same name copied to $KEEL_BUILD_ARTIFACTS): the later gets a suffix.
    let name = artifact.path;
    for (let copy = 2; taken.has(name); copy += 1) {
      name = artifact.path.replace(/(\.[^./]+)?$/, (extension) => ` (${copy})${extension}`);
    }
    taken.add(name);
    zip.addReadStream(Readable.from(artifactChunks(scope, artifact)), name, { compress: false, size: artifact.size, mtime: artifact.createdAt });
  }
  // Every entry's size is known and nothing is compressed, so yazl knows the zip's length before
  // writing a byte (it calls back at once): the browser shows the download's progress.
  // (@types/yazl declares the callback without its argument: yazl's README documents it.)
  let total = -1;
  const end = zip.end.bind(zip) as (options: undefined, calculatedTotalSize: (bytes: number) => void) => void;
  end(undefined, (bytes) => {
    total = bytes;
  });
  return new Response(webStream(zip.outputStream as Readable), {
    headers: {
      "Content-Type": "application/zip",
      ...(total >= 0 ? declaredLength(total) : {}),
      "Content-Disposition": attachmentDisposition(`${build.profile.name} #${build.number} artifacts.zip`),
      ...SAVE_ONLY,
    },
  });
}
