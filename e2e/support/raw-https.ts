// Raw HTTPS requests to Keel from a chosen loopback source address, with a small cookie jar.
// The browser and Playwright's request API cannot pick their source address; the security
// specs need one (a client address no other spec signs in from, so their rate-limit counters
// are theirs alone) and full control of headers (a forged X-Forwarded-For, a chunked body).
import { request } from "node:https";
import { KEEL_PORT } from "./settings";

export type RawResponse = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** A client with its own cookies, connecting from `localAddress` (any 127.x address works on Linux). */
export function rawClient(localAddress: string) {
  const cookies = new Map<string, string>();
  const send = (method: string, path: string, options: { headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean } = {}): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = { host: `localhost:${KEEL_PORT}`, ...(options.headers ?? {}) };
      if (cookies.size > 0) {
        headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");
      }
      if (options.body !== undefined && !options.chunked) {
        headers["content-length"] = String(Buffer.byteLength(options.body));
      }
      if (options.chunked) {
        headers["transfer-encoding"] = "chunked";
      }
      const req = request({ host: "127.0.0.1", port: KEEL_PORT, localAddress, method, path, headers, rejectUnauthorized: false, servername: "localhost" }, (res) => {
        for (const line of res.headers["set-cookie"] ?? []) {
          const [pair] = line.split(";");
          const index = pair!.indexOf("=");
          const name = pair!.slice(0, index).trim();
          const value = pair!.slice(index + 1).trim();
          if (/expires=Thu, 01 Jan 1970/i.test(line) || value === "") {
            cookies.delete(name);
          } else {
            cookies.set(name, value);
          }
        }
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      });
      req.on("error", reject);
      if (options.body !== undefined) {
        req.write(options.body);
      }
      req.end();
    });

  /** next-auth's credentials sign-in, as its client does it (json=true): the URL next-auth answers with. */
  const signIn = async (email: string, password: string, extraHeaders: Record<string, string> = {}): Promise<{ url: string; ok: boolean }> => {
    const csrf = await send("GET", "/api/auth/csrf", { headers: extraHeaders });
    const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
    const body = new URLSearchParams({ csrfToken, email, password, json: "true", callbackUrl: "/connections" }).toString();
    const answer = await send("POST", "/api/auth/callback/credentials", {
      headers: { "content-type": "application/x-www-form-urlencoded", ...extraHeaders },
      body,
    });
    const { url } = JSON.parse(answer.body) as { url: string };
    return { url, ok: !new URL(url).searchParams.has("error") };
  };

  return { send, signIn, cookies };
}
