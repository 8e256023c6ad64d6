import { describe, expect, it } from "vitest";

import type { GuardedResult } from "./guarded-request";
import { backoffDelay, classifyForRetry, parseRetryAfter, readRateLimit, withRetry } from "./retry";

const NOW = Date.parse("2026-11-23T12:00:00Z");

function response(status: number, headers: Record<string, string> = {}): GuardedResult {
  return {
    ok: true,
    response: { status, headers, bodyText: "", url: "https://dev.azure.com/x", remoteAddress: "13.107.42.20", timings: { dnsMs: 0, connectMs: 0, firstByteMs: 0, totalMs: 0 } },
  };
}

function failure(kind: "refused" | "reset" | "dns" | "blocked" | "tls"): GuardedResult {
  const base = { host: "h", port: 443, message: "m" };
  switch (kind) {
    case "refused":
    case "reset":
      return { ok: false, failure: { ...base, kind } };
    case "dns":
      return { ok: false, failure: { ...base, kind, code: "ENOTFOUND" } };
    case "blocked":
      return { ok: false, failure: { ...base, kind, rule: "forbidden_address" } };
    case "tls":
      return { ok: false, failure: { ...base, kind, tls: "unknown_ca" } };
  }
}

/** A scripted call: returns the given outcomes in order and records how often it ran. */
function script(...outcomes: Array<GuardedResult | Error>): { fn: () => Promise<GuardedResult>; calls: () => number } {
  let index = 0;
  return {
    fn: async () => {
      const outcome = outcomes[Math.min(index, outcomes.length - 1)];
      index += 1;
      if (outcome instanceof Error) {
        throw outcome;
      }
      return outcome as GuardedResult;
    },
    calls: () => index,
  };
}

function recorder(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

describe("parseRetryAfter", () => {
  it.each([
    ["120", 120_000],
    ["0", 0],
    [" 3 ", 3_000],
    ["1.5", 1_500],
    ["Mon, 23 Nov 2026 12:00:30 GMT", 30_000],
    ["Monday, 23-Nov-26 12:01:00 GMT", 60_000],
    ["Mon Nov 23 12:00:10 2026", 10_000],
    // A date in the past means "retry now".
    ["Mon, 23 Nov 2026 11:00:00 GMT", 0],
  ])("%j → %d ms", (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  it.each([[null], [undefined], [""], ["-5"], ["soon"], ["2026-11-23T12:00:30Z"], ["1e3"], ["Mon, 99 Foo 2026 12:00:30 GMT"]])("%j → null", (value) => {
    expect(parseRetryAfter(value, NOW)).toBeNull();
  });

  it("accepts a Date for now", () => {
    expect(parseRetryAfter("Mon, 23 Nov 2026 12:00:05 GMT", new Date(NOW))).toBe(5_000);
  });
});

describe("readRateLimit", () => {
  it("reads every Azure DevOps rate-limit header, case-insensitively", () => {
    expect(
      readRateLimit(
        {
          "X-RateLimit-Resource": "Core",
          "x-ratelimit-delay": "0.512",
          "x-ratelimit-limit": "200",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": "1795000000",
          "retry-after": "12",
        },
        NOW,
      ),
    ).toStrictEqual({ resource: "Core", delaySeconds: 0.512, limit: 200, remaining: 0, resetAt: new Date(1_795_000_000_000), retryAfterMs: 12_000 });
  });

  it("works with a Fetch Headers object and array values", () => {
    expect(readRateLimit(new Headers({ "x-ratelimit-remaining": "150" }))).toStrictEqual({ remaining: 150 });
    expect(readRateLimit({ "x-ratelimit-limit": ["200", "300"] })).toStrictEqual({ limit: 200 });
  });

  it("returns null without rate-limit headers and ignores garbage values", () => {
    expect(readRateLimit({ "content-type": "application/json" })).toBeNull();
    expect(readRateLimit({ "x-ratelimit-remaining": "lots", "x-ratelimit-limit": "-1" })).toBeNull();
  });
});

describe("classifyForRetry", () => {
  it.each([
    [response(429, { "retry-after": "3" }), true],
    [response(502), true],
    [response(503), true],
    [response(504), true],
    [response(500), false],
    [response(400), false],
    [response(401), false],
    [response(404), false],
    [response(200), false],
    [failure("refused"), true],
    [failure("reset"), true],
    [failure("dns"), false],
    [failure("blocked"), false],
    [failure("tls"), false],
  ])("%# %j", (value, retry) => {
    expect(classifyForRetry({ ok: true, value }).retry).toBe(retry);
  });

  it("passes Retry-After along", () => {
    expect(classifyForRetry({ ok: true, value: response(429, { "Retry-After": "3" }) })).toEqual({ retry: true, reason: "HTTP 429", retryAfter: "3" });
  });

  it("retries a timeout and a 503 HTML page, but not other not_json failures", () => {
    expect(classifyForRetry({ ok: true, value: { ok: false, failure: { kind: "timeout", phase: "headers", host: "h", port: 1, message: "m" } } }).retry).toBe(true);
    expect(classifyForRetry({ ok: true, value: { ok: false, failure: { kind: "not_json", status: 503, contentType: "html", retryAfter: "2", host: "h", port: 1, message: "m" } } })).toEqual({
      retry: true,
      reason: "HTTP 503",
      retryAfter: "2",
    });
    expect(classifyForRetry({ ok: true, value: { ok: false, failure: { kind: "not_json", status: 200, contentType: "html", host: "h", port: 1, message: "m" } } }).retry).toBe(false);
  });

  it("understands thrown errors by code, kind or status", () => {
    expect(classifyForRetry({ ok: false, error: Object.assign(new Error("x"), { code: "ECONNRESET" }) }).retry).toBe(true);
    expect(classifyForRetry({ ok: false, error: Object.assign(new Error("x"), { code: "ENOTFOUND" }) }).retry).toBe(false);
    expect(classifyForRetry({ ok: false, error: Object.assign(new Error("x"), { statusCode: 503 }) }).retry).toBe(true);
    expect(classifyForRetry({ ok: false, error: Object.assign(new Error("x"), { status: 409 }) }).retry).toBe(false);
    expect(classifyForRetry({ ok: false, error: new TypeError("bug") }).retry).toBe(false);
    expect(classifyForRetry({ ok: false, error: "string" }).retry).toBe(false);
  });
});

describe("backoffDelay (full jitter, capped)", () => {
  it("grows exponentially and is scaled by the random factor", () => {
    expect(backoffDelay(1, 500, 30_000, () => 0.999999)).toBe(499);
    expect(backoffDelay(2, 500, 30_000, () => 0.5)).toBe(500);
    expect(backoffDelay(3, 500, 30_000, () => 0.5)).toBe(1_000);
    expect(backoffDelay(4, 500, 30_000, () => 0)).toBe(0);
  });

  it("never exceeds the cap", () => {
    expect(backoffDelay(20, 500, 30_000, () => 0.999999)).toBe(29_999);
  });
});

describe("withRetry", () => {
  it("retries an idempotent call on 503 and returns the eventual success", async () => {
    const call = script(response(503), response(502), response(200));
    const { sleep, delays } = recorder();
    const retries: number[] = [];
    const result = await withRetry(call.fn, { idempotent: true, maxAttempts: 3, baseDelayMs: 100, random: () => 0.5, sleep, onRetry: (info) => retries.push(info.attempt) });
    expect(result.ok && result.response.status).toBe(200);
    expect(call.calls()).toBe(3);
    expect(delays).toEqual([50, 100]);
    expect(retries).toEqual([1, 2]);
  });

  it("never retries a non-idempotent call", async () => {
    const call = script(response(503), response(200));
    const { sleep, delays } = recorder();
    const result = await withRetry(call.fn, { idempotent: false, maxAttempts: 5, sleep });
    expect(result.ok && result.response.status).toBe(503);
    expect(call.calls()).toBe(1);
    expect(delays).toEqual([]);
  });

  it("does not retry 4xx, 500 or DNS failures", async () => {
    for (const outcome of [response(400), response(401), response(500), failure("dns")]) {
      const call = script(outcome, response(200));
      await withRetry(call.fn, { idempotent: true, sleep: recorder().sleep });
      expect(call.calls()).toBe(1);
    }
  });

  it("retries connection refused / reset", async () => {
    const call = script(failure("refused"), failure("reset"), response(200));
    const result = await withRetry(call.fn, { idempotent: true, maxAttempts: 3, sleep: recorder().sleep, random: () => 0 });
    expect(result.ok && result.response.status).toBe(200);
    expect(call.calls()).toBe(3);
  });

  it("stops after maxAttempts and returns the last outcome", async () => {
    const call = script(response(503));
    const result = await withRetry(call.fn, { idempotent: true, maxAttempts: 4, sleep: recorder().sleep, random: () => 0 });
    expect(result.ok && result.response.status).toBe(503);
    expect(call.calls()).toBe(4);
  });

  it("honours Retry-After in seconds and as an HTTP date instead of the backoff", async () => {
    const call = script(response(429, { "retry-after": "2" }), response(503, { "retry-after": "Mon, 23 Nov 2026 12:00:05 GMT" }), response(200));
    const { sleep, delays } = recorder();
    await withRetry(call.fn, { idempotent: true, maxAttempts: 3, sleep, now: () => NOW, random: () => 0 });
    expect(delays).toEqual([2_000, 5_000]);
  });

  it("gives up rather than wait longer than maxDelayMs for Retry-After", async () => {
    const call = script(response(429, { "retry-after": "3600" }), response(200));
    const { sleep, delays } = recorder();
    const result = await withRetry(call.fn, { idempotent: true, maxDelayMs: 30_000, sleep });
    expect(result.ok && result.response.status).toBe(429);
    expect(delays).toEqual([]);
  });

  it("rethrows the last error when retries are exhausted, and retries thrown network errors", async () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const call = script(reset, reset);
    await expect(withRetry(call.fn, { idempotent: true, maxAttempts: 2, sleep: recorder().sleep })).rejects.toBe(reset);
    expect(call.calls()).toBe(2);
  });

  it("does not retry programmer errors", async () => {
    const bug = new TypeError("bug");
    const call = script(bug, response(200));
    await expect(withRetry(call.fn, { idempotent: true, sleep: recorder().sleep })).rejects.toBe(bug);
    expect(call.calls()).toBe(1);
  });

  it("stops retrying once the signal is aborted", async () => {
    const controller = new AbortController();
    const call = script(response(503));
    const result = await withRetry(call.fn, {
      idempotent: true,
      maxAttempts: 5,
      signal: controller.signal,
      sleep: async () => controller.abort(),
    });
    expect(result.ok && result.response.status).toBe(503);
    expect(call.calls()).toBe(1);
  });

  it("accepts a custom classifier", async () => {
    const call = script(response(500), response(200));
    const result = await withRetry(call.fn, { idempotent: true, sleep: recorder().sleep, classify: (outcome) => (outcome.ok && outcome.value.ok && outcome.value.response.status === 500 ? { retry: true, reason: "500" } : { retry: false }) });
    expect(result.ok && result.response.status).toBe(200);
  });
});
