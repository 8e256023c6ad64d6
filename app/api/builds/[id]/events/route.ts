import { z } from "zod";
import { buildEventStream } from "@/lib/builds/events";
import { route } from "@/lib/entry/route";

export const dynamic = "force-dynamic";

const querySchema = z.strictObject({
  after: z.coerce.number({ error: "after must be a log line number" }).int().min(-1).max(100_000_000).optional(),
});

/**
 * The build page's live feed (Server-Sent Events): log lines, state changes, the end. A
 * reconnect continues after the Last-Event-ID the browser sends (the last line it received).
 */
export const GET = route({ name: "api.builds.events", permission: "build.read", target: "build", query: querySchema }, async ({ scope, target: build, request, query }) => {
  const header = request.headers.get("last-event-id");
  const resumed = header !== null && /^\d{1,9}$/.test(header.trim()) ? Number(header.trim()) : null;
  const stream = buildEventStream(scope, build.id, resumed ?? query.after ?? -1, request.signal);
  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      // no-transform: a compressing proxy (or Next's own compression) must not buffer the stream.
      "Cache-Control": "no-cache, no-store, no-transform",
      "X-Accel-Buffering": "no",
      "X-Content-Type-Options": "nosniff",
    },
  });
});
