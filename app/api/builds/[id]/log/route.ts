import { z } from "zod";
import { readLogLines } from "@/lib/data/builds";
import { route } from "@/lib/entry/route";
import { stripAnsi } from "@/lib/shared/ansi";

export const dynamic = "force-dynamic";

const PAGE = 2_000;

/** The whole stored log of a build as a text file (colours removed), read page by page. */
export const GET = route({ name: "api.builds.log", permission: "build.read", target: "build", query: z.strictObject({}) }, async ({ scope, target: build }) => {
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
  return new Response(stream, {
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
});
