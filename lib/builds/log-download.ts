import "server-only";
import { readLogLines, type BuildView } from "@/lib/data/builds";
import type { Scope } from "@/lib/scope";
import { stripAnsi } from "@/lib/shared/ansi";
import { downloadHeaders } from "@/lib/shared/names";

const PAGE = 2_000;

/**
 * The whole stored log of a build as a text file (colours removed, Keel's own lines marked
 * `[keel]`), read from PostgreSQL page by page as it is sent: the build page's Download log and
 * the token API's log.
 */
export function logDownload(scope: Scope, build: Pick<BuildView, "id" | "number" | "profile">): Response {
  const encoder = new TextEncoder();
  let after = -1;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const lines = await readLogLines(scope, build.id, after, PAGE);
      if (lines.length === 0) {
        controller.close();
        return;
      }
      after = lines.at(-1)!.seq;
      controller.enqueue(encoder.encode(lines.map((line) => `${line.stream === "SYSTEM" ? "[keel] " : ""}${stripAnsi(line.text)}\n`).join("")));
    },
  });
  const name = `${build.profile.name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "build"}-${build.number}.log`;
  return new Response(stream, { headers: downloadHeaders("text/plain; charset=utf-8", name) });
}
