// The token API's entry wrapper (lib/entry/route.ts, tokenRoute) against a real PostgreSQL:
// the bearer token is the only credential, tokens reach only what tokens may, and an address
// that keeps sending wrong tokens is told to wait.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";

let database: TestDatabase;
let organizationId: string;
let token: string;
let userId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  organizationId = (await database.prisma.organization.create({ data: { name: "Fabrikam" } })).id;
  const user = await database.prisma.user.create({ data: { organizationId, email: "script@example.com", name: "Script Owner", memberships: { create: { organizationId, role: "ADMIN" } } } });
  userId = user.id;
  const { createApiToken } = await import("@/lib/data/api-tokens");
  token = (await createApiToken(testScope(organizationId, user.id, "ADMIN"), { name: "Deploy", days: 30 })).token;
});
afterAll(async () => {
  await database.drop();
});

const segment = { params: Promise.resolve({}) };

function call(handler: (request: Request, segment: { params: Promise<Record<string, string>> }) => Promise<Response>, headers: Record<string, string>, init: RequestInit = {}) {
  return handler(new Request("http://keel.test/api/v1/whoami", { ...init, headers }), segment);
}

describe("tokenRoute", () => {
  it("acts as the token's owner, for the permissions tokens may have, whatever the origin", async () => {
    const { json, tokenRoute } = await import("./route");
    const { z } = await import("zod");
    const whoami = tokenRoute({ name: "test.whoami", permission: "build.read" }, async ({ user, scope }) => json({ user: user.email, via: scope.actor.kind === "user" ? scope.actor.apiToken?.name : null }));
    const answer = await call(whoami, { authorization: `Bearer ${token}`, "x-forwarded-for": "203.0.113.1" });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ user: "script@example.com", via: "Deploy" });
    // A state-changing request from anywhere (a CI system is not Keel's own page): no Origin needed.
    const post = tokenRoute({ name: "test.post", permission: "build.start", body: z.strictObject({ branch: z.string() }) }, async ({ body }) => json({ branch: body.branch }));
    const posted = await call(post, { authorization: `Bearer ${token}`, "content-type": "application/json", origin: "https://ci.example" }, { method: "POST", body: JSON.stringify({ branch: "main" }) });
    expect(await posted.json()).toEqual({ branch: "main" });
    // An admin's token still cannot do what tokens may not (settings, members, connections).
    const manage = tokenRoute({ name: "test.members", permission: "member.manage" }, async () => json({ reached: true }));
    const refused = await call(manage, { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
  });

  it("refuses a request without a token, with a session cookie only, or with a wrong token, saying how to send one", async () => {
    const { json, tokenRoute } = await import("./route");
    const whoami = tokenRoute({ name: "test.whoami", permission: "build.read" }, async () => json({ reached: true }));
    for (const headers of [{}, { cookie: "next-auth.session-token=anything" }] as Record<string, string>[]) {
      const answer = await call(whoami, { ...headers, "x-forwarded-for": "203.0.113.2" });
      expect(answer.status).toBe(401);
      expect(answer.headers.get("www-authenticate")).toBe('Bearer realm="Keel"');
      expect((await answer.json()).error.message).toMatch(/^Send a Keel API token: the header Authorization: Bearer keel_/);
    }
    for (const authorization of [`Bearer keel_${"x".repeat(43)}`, "Basic dXNlcjpwYXNz", `Bearer ${token}extra`, `Token ${token}`]) {
      const answer = await call(whoami, { authorization, "x-forwarded-for": "203.0.113.2" });
      expect(answer.status, authorization).toBe(401);
      expect(answer.headers.get("www-authenticate")).toContain('error="invalid_token"');
      expect((await answer.json()).error.message).toMatch(/^This API token is not valid/);
    }
    await database.prisma.apiToken.updateMany({ where: { userId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    try {
      const expired = await call(whoami, { authorization: `Bearer ${token}`, "x-forwarded-for": "203.0.113.2" });
      expect(expired.status).toBe(401);
      expect((await expired.json()).error.message).toMatch(/^This API token has expired/);
    } finally {
      await database.prisma.apiToken.updateMany({ where: { userId }, data: { expiresAt: new Date(Date.now() + 86_400_000) } });
    }
  });

  it("tells an address that keeps sending wrong tokens to wait, and no other address", async () => {
    const { json, tokenRoute, TOKEN_FAILURE_LIMIT } = await import("./route");
    const whoami = tokenRoute({ name: "test.whoami", permission: "build.read" }, async () => json({ reached: true }));
    const wrong = { authorization: `Bearer keel_${"y".repeat(43)}`, "x-forwarded-for": "203.0.113.66" };
    for (let attempt = 0; attempt < TOKEN_FAILURE_LIMIT; attempt += 1) {
      expect((await call(whoami, wrong)).status).toBe(401);
    }
    const throttled = await call(whoami, wrong);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(500);
    expect((await throttled.json()).error.message).toMatch(/^Too many requests with a wrong API token came from your address\. Wait \d+ seconds/);
    // The address waits whatever it sends (a guesser cannot tell a right guess); others are not slowed.
    expect((await call(whoami, { ...wrong, authorization: `Bearer ${token}` })).status).toBe(429);
    expect((await call(whoami, { authorization: `Bearer ${token}`, "x-forwarded-for": "203.0.113.67" })).status).toBe(200);
  });
});
