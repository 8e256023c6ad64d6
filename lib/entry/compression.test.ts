import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { acceptsGzip, COMPRESS_FROM_BYTES, compressJson } from "./compression";

const large = { items: Array.from({ length: 200 }, (_, index) => ({ name: `project-${index}-payments`, id: index })) };

function request(acceptEncoding: string | null, method = "GET"): Request {
  return new Request("http://keel.test/api/x", { method, headers: acceptEncoding === null ? {} : { "accept-encoding": acceptEncoding } });
}

describe("compressing JSON answers", () => {
  it("reads Accept-Encoding as browsers and proxies send it", () => {
    expect(acceptsGzip("gzip, deflate, br, zstd")).toBe(true);
    expect(acceptsGzip("br;q=1.0, GZIP;q=0.5")).toBe(true);
    expect(acceptsGzip("*")).toBe(true);
    expect(acceptsGzip("gzip;q=0")).toBe(false);
    expect(acceptsGzip("gzip; q=0.0, identity")).toBe(false);
    expect(acceptsGzip("identity")).toBe(false);
    expect(acceptsGzip("br")).toBe(false);
    expect(acceptsGzip(null)).toBe(false);
    expect(acceptsGzip(`gzip,${"x".repeat(2_000)}`)).toBe(false);
  });

  it("gzips a large JSON answer once, keeping its status and headers", async () => {
    const answer = await compressJson(request("gzip, deflate"), Response.json(large, { status: 201, headers: { "Server-Timing": "picker;dur=1.2" } }));
    expect(answer.status).toBe(201);
    expect(answer.headers.get("content-encoding")).toBe("gzip");
    expect(answer.headers.get("vary")).toContain("Accept-Encoding");
    expect(answer.headers.get("server-timing")).toBe("picker;dur=1.2");
    const body = Buffer.from(await answer.arrayBuffer());
    expect(Number(answer.headers.get("content-length"))).toBe(body.byteLength);
    expect(JSON.parse(gunzipSync(body).toString("utf8"))).toEqual(large);
    expect(body.byteLength).toBeLessThan(JSON.stringify(large).length / 3);
  });

  it("leaves alone what is small, not JSON, already encoded, a HEAD, or not accepted", async () => {
    const small = await compressJson(request("gzip"), Response.json({ ok: true }));
    expect(small.headers.get("content-encoding")).toBeNull();
    expect(JSON.stringify({ ok: true }).length).toBeLessThan(COMPRESS_FROM_BYTES);
    expect(await small.json()).toEqual({ ok: true });

    const text = await compressJson(request("gzip"), new Response("x".repeat(5_000), { headers: { "content-type": "text/event-stream" } }));
    expect(text.headers.get("content-encoding")).toBeNull();

    const encoded = new Response("already", { headers: { "content-type": "application/json", "content-encoding": "br" } });
    expect(await compressJson(request("gzip"), encoded)).toBe(encoded);

    const refused = await compressJson(request("gzip;q=0"), Response.json(large));
    expect(refused.headers.get("content-encoding")).toBeNull();
    expect(await refused.json()).toEqual(large);

    const head = await compressJson(request("gzip", "HEAD"), Response.json(large));
    expect(head.headers.get("content-encoding")).toBeNull();
  });
});
