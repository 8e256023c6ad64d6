// Outbound pacing per connection (issue 11): Azure DevOps' Retry-After / X-RateLimit-* are
// honoured by the connection's *next* requests, from any process, and people's clicks spend a
// budget per connection. Real HTTP against the emulator's rateLimit fault.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PATS, pickerTestDatabase, seedConnection, seedOrganization, startEmulator, type EmulatorHandle, type Seeded } from "@/lib/repositories/test-support";
import { systemScope } from "@/lib/scope";
import type { TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";

let emulator: EmulatorHandle;
let database: TestDatabase;
let seeded: Seeded;

beforeAll(async () => {
  emulator = await startEmulator({ fixture: "default", basePort: 0 });
  database = await pickerTestDatabase();
  seeded = await seedOrganization(database);
});
afterAll(async () => {
  await database?.drop();
  await emulator?.stop();
});

async function client(connectionId: string, scope = systemScope(seeded.organizationId, "test")) {
  const { getConnectionOrThrow } = await import("@/lib/data/connections");
  const { clientForConnection } = await import("@/lib/repositories/connection-client");
  return (await clientForConnection(scope, await getConnectionOrThrow(scope, connectionId))).client;
}

function requestsTo(pathPart: string): number {
  return emulator.control.requests().filter((request) => request.path.includes(pathPart)).length;
}

describe("Azure DevOps' rate limit headers", () => {
  it("hold every later request of the connection, in any client, until Retry-After; other connections go on", async () => {
    const limited = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    const other = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "contoso", token: DEFAULT_PATS.contoso });
    // Every request is over the limit: a 429 with Retry-After 120 s, longer than Keel waits in a request.
    const fault = emulator.control.addFault({ kind: "rateLimit", after: 0, retryAfterSeconds: 120, pathPrefix: "/fabrikam/" });
    try {
      const first = await client(limited.id);
      await expect(first.listProjectsPage({ top: 1 })).rejects.toMatchObject({ reason: { kind: "rate_limited" } });
      const hold = await database.prisma.outboundHold.findUniqueOrThrow({ where: { key: `connection:${limited.id}` } });
      expect(hold.until.getTime()).toBeGreaterThan(Date.now() + 100_000);

      // A fresh client (another request, the worker, another instance) does not even ask.
      const sent = requestsTo("/fabrikam/");
      const second = await client(limited.id);
      await expect(second.listProjectsPage({ top: 1 })).rejects.toMatchObject({ reason: { kind: "rate_limited", retryAfterSeconds: expect.any(Number) } });
      expect(requestsTo("/fabrikam/")).toBe(sent);

      // The other connection (another identity) is not held.
      expect((await (await client(other.id)).listProjectsPage({ top: 1 })).items.length).toBeGreaterThan(0);

      // Once the time has passed, calls go out again.
      await database.prisma.outboundHold.update({ where: { key: `connection:${limited.id}` }, data: { until: new Date(Date.now() - 1000) } });
      emulator.control.removeFault(fault.id);
      expect((await (await client(limited.id)).listProjectsPage({ top: 1 })).items.length).toBeGreaterThan(0);
    } finally {
      emulator.control.clearFaults();
    }
  });

  it("holds after a 200 that says the remaining budget is 0, until X-RateLimit-Reset", async () => {
    const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    emulator.control.addFault({ kind: "rateLimit", after: 1, windowSeconds: 600, pathPrefix: "/fabrikam/" });
    try {
      const api = await client(connection.id);
      expect((await api.listProjectsPage({ top: 1 })).items.length).toBeGreaterThan(0);
      const sent = requestsTo("/fabrikam/");
      await expect(api.listProjectsPage({ top: 1 })).rejects.toMatchObject({ reason: { kind: "rate_limited" } });
      expect(requestsTo("/fabrikam/")).toBe(sent);
      const hold = await database.prisma.outboundHold.findUniqueOrThrow({ where: { key: `connection:${connection.id}` } });
      expect(hold.reason).toContain("X-RateLimit-Remaining 0");
    } finally {
      emulator.control.clearFaults();
    }
  });

  it("reads a hold from a 200 that says Retry-After, or that the remaining budget is 0", async () => {
    const { holdAdvice, DEFAULT_429_HOLD_MS } = await import("@/lib/net/retry");
    const now = Date.UTC(2026, 11, 4, 12);
    expect(holdAdvice(200, { "Retry-After": "7", "X-RateLimit-Resource": "Core" }, now)).toEqual({ untilMs: now + 7000, reason: "HTTP 200 with Retry-After (Core)" });
    expect(holdAdvice(200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 60) }, now)?.untilMs).toBe(now + 60_000);
    expect(holdAdvice(200, { "x-ratelimit-remaining": "3", "x-ratelimit-reset": String(now / 1000 + 60) }, now)).toBeNull();
    expect(holdAdvice(429, {}, now)?.untilMs).toBe(now + DEFAULT_429_HOLD_MS);
    expect(holdAdvice(200, {}, now)).toBeNull();
    // A 503's Retry-After is about the server, not the identity's budget.
    expect(holdAdvice(503, { "Retry-After": "1" }, now)).toBeNull();
  });
});

describe("people's budget per connection", () => {
  it("refuses a member's calls beyond the budget with the wait, and never a job's", async () => {
    const { OUTBOUND_BUDGETS, spendOutboundBudget } = await import("./outbound-throttle");
    const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    const member = testScope(seeded.organizationId, seeded.memberId, "MEMBER");
    const admin = testScope(seeded.organizationId, seeded.adminId, "ADMIN");
    for (let i = 0; i < OUTBOUND_BUDGETS.refresh.limit; i++) {
      await spendOutboundBudget(i % 2 === 0 ? member : admin, "refresh", connection.id);
    }
    // Shared by everyone in the organization: the admin is paced too.
    await expect(spendOutboundBudget(admin, "refresh", connection.id)).rejects.toMatchObject({ code: "RATE_LIMITED", message: expect.stringMatching(/Try again in \d+ (minutes|seconds)/) });
    await expect(spendOutboundBudget(systemScope(seeded.organizationId, "repositories.list"), "refresh", connection.id)).resolves.toBeUndefined();
  });
});
