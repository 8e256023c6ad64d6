import type { ServerResponse } from "node:http";

/**
 * A download's length, through Next.js. A route handler's `Content-Length` never reaches the
 * client: Next.js drops it from every route response (it cannot tell whether `fetch` decoded a
 * body it forwards), so a browser or a phone downloading a 200 MB app showed no progress and
 * no size, and a transfer cut short looked complete. A route that knows its body's exact length
 * names it in this header instead, and Keel's web server turns it back into `Content-Length` as
 * the headers go out — unless the body is sent encoded (compressed), whose length differs.
 */
export const DECLARED_LENGTH_HEADER = "x-keel-content-length";

/** The header a route adds to a body of exactly `bytes` bytes. */
export function declaredLength(bytes: number): Record<string, string> {
  return { [DECLARED_LENGTH_HEADER]: String(bytes) };
}

/** What a response's headers become as they go out: the declared length as Content-Length, the internal header gone. */
export function applyDeclaredLength(headers: { get(name: string): unknown; set(name: string, value: string): void; remove(name: string): void }): void {
  const declared = headers.get(DECLARED_LENGTH_HEADER);
  if (declared === undefined) {
    return;
  }
  headers.remove(DECLARED_LENGTH_HEADER);
  if (typeof declared === "string" && /^\d{1,15}$/.test(declared) && headers.get("content-encoding") === undefined && headers.get("transfer-encoding") === undefined) {
    headers.set("content-length", declared);
  }
}

/** Keel's web server, for each `/api/` response: applies the declared length when the headers are written. */
export function restoreDeclaredLength(res: ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse["writeHead"]>) {
    applyDeclaredLength({ get: (name) => this.getHeader(name), set: (name, value) => this.setHeader(name, value), remove: (name) => this.removeHeader(name) });
    return (writeHead as (...rest: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse["writeHead"];
}
