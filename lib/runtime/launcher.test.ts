import os from "node:os";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { webConcurrency } from "./launcher";

// How many web processes `npm start` forks (cluster mode). The processes themselves, sharing the
// port and restarted one by one, are exercised by e2e/supervision.spec.ts.
describe("webConcurrency", () => {
  it("runs one web process per core by default", () => {
    expect(webConcurrency({ NODE_ENV: "production", KEEL_WEB_CONCURRENCY: undefined })).toBe(os.availableParallelism());
  });

  it("runs one in test mode unless told otherwise", () => {
    expect(webConcurrency({ NODE_ENV: "test", KEEL_WEB_CONCURRENCY: undefined })).toBe(1);
    expect(webConcurrency({ NODE_ENV: "test", KEEL_WEB_CONCURRENCY: 3 })).toBe(3);
  });

  it("takes KEEL_WEB_CONCURRENCY as configured, and refuses what is not a count of processes", () => {
    expect(webConcurrency({ NODE_ENV: "production", KEEL_WEB_CONCURRENCY: 2 })).toBe(2);
    expect(() => parseEnv({ NODE_ENV: "production", KEEL_WEB_CONCURRENCY: "0" })).toThrow(/KEEL_WEB_CONCURRENCY/);
    expect(() => parseEnv({ NODE_ENV: "production", KEEL_WEB_CONCURRENCY: "many" })).toThrow(/KEEL_WEB_CONCURRENCY/);
  });
});
