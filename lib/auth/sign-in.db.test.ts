// Sign-in throttling (issue 11): guessing is slow from anywhere, but failing on purpose from
// many addresses does not lock the real owner out, and an admin can unlock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";

let database: TestDatabase;
let organizationId: string;
const PASSWORD = "owner password here";

beforeAll(async () => {
  database = await createTestDatabase();
  organizationId = (await database.prisma.organization.create({ data: { name: "Throttle" } })).id;
});
afterAll(async () => {
  await database.drop();
});

async function makeUser(email: string) {
  const { hashPassword } = await import("./password");
  return database.prisma.user.create({
    data: { organizationId, email, name: "Owner", passwordHash: await hashPassword(PASSWORD), memberships: { create: { organizationId, role: "MEMBER" } } },
  });
}

describe("sign-in throttling", () => {
  it("many addresses failing on purpose slow the owner down by at most a minute, never lock them out", async () => {
    const { verifySignIn, SIGN_IN_LIMITS } = await import("./sign-in");
    const owner = await makeUser("victim@example.com");
    for (let i = 0; i < 14; i++) {
      // Guessing as fast as the backoff allows: each attempt a minute after the last.
      await database.prisma.rateLimitBucket.updateMany({ where: { key: `signin:account:user:${owner.id}` }, data: { updatedAt: new Date(Date.now() - 61_000) } });
      expect(await verifySignIn({ email: "victim@example.com", password: `guess ${i}` }, `198.51.100.${i + 1}`)).toEqual({ ok: false, code: "INVALID_CREDENTIALS" });
    }
    // Faster than that, the guesser is told to wait.
    expect(await verifySignIn({ email: "victim@example.com", password: "guess again" }, "198.51.100.99")).toMatchObject({ ok: false, code: "RATE_LIMITED" });
    const home = await verifySignIn({ email: "victim@example.com", password: PASSWORD }, "203.0.113.50");
    expect(home).toMatchObject({ ok: false, code: "RATE_LIMITED" });
    expect(home.ok === false && home.code === "RATE_LIMITED" && home.retryAfterSeconds).toBeLessThanOrEqual(SIGN_IN_LIMITS.accountMaxDelaySeconds);
    // A minute later (the last failure moved back in time), the owner is in.
    await database.prisma.rateLimitBucket.update({ where: { key: `signin:account:user:${owner.id}` }, data: { updatedAt: new Date(Date.now() - 61_000) } });
    expect(await verifySignIn({ email: "victim@example.com", password: PASSWORD }, "203.0.113.50")).toMatchObject({ ok: true, userId: owner.id });
  });

  it("blocks an address after 5 failures for that account, and only that address", async () => {
    const { verifySignIn, SIGN_IN_LIMITS } = await import("./sign-in");
    const owner = await makeUser("pair@example.com");
    for (let i = 0; i < SIGN_IN_LIMITS.perPair; i++) {
      await verifySignIn({ email: "pair@example.com", password: `guess ${i}` }, "198.51.100.200");
    }
    const blocked = await verifySignIn({ email: "pair@example.com", password: PASSWORD }, "198.51.100.200");
    expect(blocked).toMatchObject({ ok: false, code: "RATE_LIMITED" });
    expect(blocked.ok === false && blocked.code === "RATE_LIMITED" && blocked.retryAfterSeconds).toBeGreaterThan(60);
    expect(await verifySignIn({ email: "pair@example.com", password: PASSWORD }, "203.0.113.51")).toMatchObject({ ok: true, userId: owner.id });
  });

  it("blocks one address guessing many accounts", async () => {
    const { verifySignIn, SIGN_IN_LIMITS } = await import("./sign-in");
    await makeUser("spray@example.com");
    for (let i = 0; i < SIGN_IN_LIMITS.perAddress; i++) {
      await verifySignIn({ email: `spray-target-${i}@example.com`, password: "Summer2026!" }, "198.51.100.250");
    }
    expect(await verifySignIn({ email: "spray@example.com", password: PASSWORD }, "198.51.100.250")).toMatchObject({ ok: false, code: "RATE_LIMITED" });
  });

  it("answers an unknown email exactly like a known one, throttle included", async () => {
    const { verifySignIn, SIGN_IN_LIMITS } = await import("./sign-in");
    await makeUser("known@example.com");
    const known: unknown[] = [];
    const unknown: unknown[] = [];
    for (let i = 0; i <= SIGN_IN_LIMITS.perPair; i++) {
      known.push(await verifySignIn({ email: "known@example.com", password: `guess ${i}` }, "198.51.100.201"));
      unknown.push(await verifySignIn({ email: "nobody-here@example.com", password: `guess ${i}` }, "198.51.100.202"));
    }
    const shape = (outcome: unknown) => JSON.stringify(outcome).replace(/"retryAfterSeconds":\d+/, '"retryAfterSeconds":n');
    expect(unknown.map(shape)).toEqual(known.map(shape));
    expect(shape(known.at(-1))).toContain("RATE_LIMITED");
  });

  it("an admin's unlock clears the member's counters and nobody else's", async () => {
    const { verifySignIn, throttledUserIds, userThrottlePrefixes, SIGN_IN_LIMITS } = await import("./sign-in");
    const { clearRateLimitsByPrefix } = await import("@/lib/data/rate-limits");
    const locked = await makeUser("locked@example.com");
    const bystander = await makeUser("bystander@example.com");
    for (const user of [locked, bystander]) {
      for (let i = 0; i < SIGN_IN_LIMITS.perPair; i++) {
        await verifySignIn({ email: user.email, password: `guess ${i}` }, "198.51.100.210");
      }
    }
    expect(await throttledUserIds([locked.id, bystander.id])).toEqual(new Set([locked.id, bystander.id]));
    const prefixes = userThrottlePrefixes(locked.id);
    await clearRateLimitsByPrefix(prefixes.pairs);
    await clearRateLimitsByPrefix(prefixes.account);
    expect(await throttledUserIds([locked.id, bystander.id])).toEqual(new Set([bystander.id]));
    expect(await verifySignIn({ email: "locked@example.com", password: PASSWORD }, "198.51.100.210")).toMatchObject({ ok: true });
    expect(await verifySignIn({ email: "bystander@example.com", password: PASSWORD }, "198.51.100.210")).toMatchObject({ ok: false, code: "RATE_LIMITED" });
  });

  it("validates sign-in input with field errors", async () => {
    const { verifySignIn } = await import("./sign-in");
    const result = await verifySignIn({ email: "not-an-email", password: "x".repeat(1_000_000) }, "192.0.2.12");
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.code === "INVALID_INPUT" && Object.keys(result.fieldErrors).sort()).toEqual(["email", "password"]);
  });
});

describe("the account-wide backoff", () => {
  it("is free for the first failures, then doubles per failure up to one minute", async () => {
    const { accountBackoffSeconds, SIGN_IN_LIMITS } = await import("./sign-in");
    const now = Date.UTC(2026, 11, 4, 12, 0, 0);
    const at = (count: number, secondsAgo = 0) => ({ count, windowStart: new Date(now - 600_000), updatedAt: new Date(now - secondsAgo * 1000) });
    expect(accountBackoffSeconds(at(SIGN_IN_LIMITS.accountFreeFailures - 1), now)).toBe(0);
    expect(accountBackoffSeconds(at(SIGN_IN_LIMITS.accountFreeFailures), now)).toBe(1);
    expect(accountBackoffSeconds(at(SIGN_IN_LIMITS.accountFreeFailures + 3), now)).toBe(8);
    expect(accountBackoffSeconds(at(SIGN_IN_LIMITS.accountFreeFailures + 40), now)).toBe(60);
    expect(accountBackoffSeconds(at(SIGN_IN_LIMITS.accountFreeFailures + 40, 61), now)).toBe(0);
    expect(accountBackoffSeconds({ count: 500, windowStart: new Date(now - 2 * 3600_000), updatedAt: new Date(now) }, now)).toBe(0);
  });
});
