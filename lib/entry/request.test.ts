import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidRequest, MAX_BODY_BYTES, parseRequest } from "./request";

const ORIGIN = "http://keel.test";

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the request to be refused");
    },
    (error: unknown) => error,
  );
}

describe("parseRequest", () => {
  it("allows no query parameter a route does not declare", async () => {
    await expect(parseRequest(new Request(`${ORIGIN}/api/x`), {}, {}, ORIGIN)).resolves.toMatchObject({ query: {} });
    const refused = await failure(parseRequest(new Request(`${ORIGIN}/api/x?admin=true`), {}, {}, ORIGIN));
    expect(refused).toBeInstanceOf(InvalidRequest);
    expect(refused).toMatchObject({ code: "INVALID_INPUT", fields: { admin: ['"admin" is not a parameter of this endpoint'] } });
  });

  it("parses declared query and path parameters, naming each bad one", async () => {
    const spec = { query: z.strictObject({ limit: z.coerce.number().int().max(50, "must be at most 50") }), params: z.object({ repositoryId: z.guid({ error: "must be a GUID" }) }) };
    const ok = await parseRequest(new Request(`${ORIGIN}/api/x?limit=20`), { repositoryId: "3f2504e0-4f89-11d3-9a0c-0305e82c3301" }, spec, ORIGIN);
    expect(ok).toMatchObject({ query: { limit: 20 }, params: { repositoryId: "3f2504e0-4f89-11d3-9a0c-0305e82c3301" } });
    expect(await failure(parseRequest(new Request(`${ORIGIN}/api/x?limit=99`), { repositoryId: "3f2504e0-4f89-11d3-9a0c-0305e82c3301" }, spec, ORIGIN))).toMatchObject({
      message: "limit must be at most 50",
      fields: { limit: ["limit must be at most 50"] },
    });
    expect(await failure(parseRequest(new Request(`${ORIGIN}/api/x?limit=1`), { repositoryId: "nope" }, spec, ORIGIN))).toMatchObject({ fields: { repositoryId: ["repositoryId must be a GUID"] } });
  });

  it("refuses a state-changing request from another origin or without one", async () => {
    const spec = { body: z.strictObject({ name: z.string() }) };
    const post = (origin: string | null) =>
      new Request(`${ORIGIN}/api/x`, { method: "POST", body: JSON.stringify({ name: "a" }), headers: { "content-type": "application/json", ...(origin ? { origin } : {}) } });
    await expect(parseRequest(post(ORIGIN), {}, spec, ORIGIN)).resolves.toMatchObject({ body: { name: "a" } });
    expect(await failure(parseRequest(post("https://evil.example"), {}, spec, ORIGIN))).toMatchObject({ code: "FORBIDDEN" });
    expect(await failure(parseRequest(post(null), {}, spec, ORIGIN))).toMatchObject({ code: "FORBIDDEN" });
    // The token API: its callers send their token themselves (no cookie to forge), so any origin or none.
    await expect(parseRequest(post(null), {}, spec, null)).resolves.toMatchObject({ body: { name: "a" } });
    await expect(parseRequest(post("https://ci.example"), {}, spec, null)).resolves.toMatchObject({ body: { name: "a" } });
  });

  it("hands an empty body to the schema as nothing, which decides whether one is needed", async () => {
    const post = (body: string) => new Request(`${ORIGIN}/api/x`, { method: "POST", body, headers: { origin: ORIGIN } });
    const optional = { body: z.strictObject({ name: z.string().optional() }).default({}) };
    await expect(parseRequest(post(""), {}, optional, ORIGIN)).resolves.toMatchObject({ body: {} });
    const required = { body: z.strictObject({ name: z.string() }, { error: "The body must be a JSON object" }) };
    expect(await failure(parseRequest(post("  "), {}, required, ORIGIN))).toMatchObject({ fields: { _request: ["The body must be a JSON object"] } });
  });

  it("reads a body only as bounded JSON that matches its schema", async () => {
    const spec = { body: z.strictObject({ name: z.string().min(1, "is required") }) };
    const post = (body: string) => new Request(`${ORIGIN}/api/x`, { method: "POST", body, headers: { origin: ORIGIN } });
    expect(await failure(parseRequest(post("not json"), {}, spec, ORIGIN))).toMatchObject({ fields: { _body: ["The request body must be JSON"] } });
    expect(await failure(parseRequest(post(JSON.stringify({ name: "" })), {}, spec, ORIGIN))).toMatchObject({ fields: { name: ["name is required"] } });
    expect(await failure(parseRequest(post(JSON.stringify({ name: "x".repeat(MAX_BODY_BYTES) })), {}, spec, ORIGIN))).toMatchObject({ fields: { _body: [expect.stringContaining("at most")] } });
  });
});
