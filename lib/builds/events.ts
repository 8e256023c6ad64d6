import "server-only";
import { getBuildState, readLogLines } from "@/lib/data/builds";
import type { Scope } from "@/lib/scope";
import { isFinal } from "@/lib/shared/builds";

// A build page's live feed as Server-Sent Events, read from PostgreSQL (so any Keel instance
// serves any build, whichever worker runs it): `lines` events carry batches of log lines with
// the last line's seq as the event id (a reconnecting EventSource sends it back as
// Last-Event-ID and continues after it), `state` events the build's status, steps and queue
// position when they change, and `end` once the build finished and every line was sent.

/** How often the feed looks for new lines while a build runs. */
const POLL_MS = 300;
/** How often the state (status, steps, queue position) is read. */
const STATE_EVERY = 3;
const BATCH = 500;
/** A comment line now and then keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/** Encodes one SSE event. */
export function sseEvent(event: string, data: unknown, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The event stream of a build, starting after log line `after` (-1: from the start). */
export function buildEventStream(scope: Scope, buildId: string, after: number, signal: AbortSignal, options: { pollMs?: number } = {}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pollMs = options.pollMs ?? POLL_MS;
  let stopped = false;
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        if (!stopped) {
          controller.enqueue(encoder.encode(text));
        }
      };
      const close = () => {
        if (!stopped) {
          stopped = true;
          controller.close();
        }
      };
      signal.addEventListener("abort", close, { once: true });
      send("retry: 2000\n\n");
      let last = after;
      let lastState = "";
      let tick = 0;
      let lastSent = Date.now();
      try {
        while (!stopped) {
          let state = null;
          if (tick % STATE_EVERY === 0) {
            state = await getBuildState(scope, buildId);
            if (!state) {
              send(sseEvent("gone", { message: "This build no longer exists." }));
              close();
              return;
            }
            const text = JSON.stringify(state);
            if (text !== lastState) {
              lastState = text;
              send(sseEvent("state", state));
              lastSent = Date.now();
            }
          }
          tick += 1;
          let lines = await readLogLines(scope, buildId, last, BATCH);
          while (lines.length > 0 && !stopped) {
            last = lines.at(-1)!.seq;
            send(sseEvent("lines", lines, last));
            lastSent = Date.now();
            lines = lines.length === BATCH ? await readLogLines(scope, buildId, last, BATCH) : [];
          }
          if (state && isFinal(state.status) && last + 1 >= state.logLines) {
            send(sseEvent("end", { status: state.status }));
            close();
            return;
          }
          if (Date.now() - lastSent > KEEPALIVE_MS) {
            send(": keep-alive\n\n");
            lastSent = Date.now();
          }
          await new Promise((resolve) => setTimeout(resolve, pollMs));
        }
      } catch (error) {
        if (!stopped) {
          send(sseEvent("problem", { message: "Keel lost the database for a moment; reconnecting." }));
          stopped = true;
          controller.error(error);
        }
      }
    },
    cancel() {
      stopped = true;
    },
  });
}
