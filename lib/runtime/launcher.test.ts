import os from "node:os";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { WEB_HEAP_MIB, webConcurrency, webServerArguments } from "./launcher";

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

describe("webServerArguments", () => {
  it("sizes V8's heap for serving pages: a large young generation, a bounded old one", () => {
    const args = webServerArguments();
    expect(args).toContain("--max-semi-space-size=64");
    expect(args).toContain(`--max-old-space-size=${WEB_HEAP_MIB}`);
    // Node's flags come before the script, which comes last (forkWeb splits them there).
    expect(args.at(-1)).toMatch(/lib[\\/]runtime[\\/]web-server\.ts$/);
    expect(args.indexOf(`--max-old-space-size=${WEB_HEAP_MIB}`)).toBeLessThan(args.length - 1);
  });

  it("takes KEEL_WEB_HEAP_MIB as configured, and refuses a limit a web process cannot run in", () => {
    const env = parseEnv({ NODE_ENV: "production", KEEL_WEB_HEAP_MIB: "1024" });
    expect(webServerArguments(env)).toContain("--max-old-space-size=1024");
    expect(() => parseEnv({ NODE_ENV: "production", KEEL_WEB_HEAP_MIB: "128" })).toThrow(/KEEL_WEB_HEAP_MIB/);
    expect(() => parseEnv({ NODE_ENV: "production", KEEL_WEB_HEAP_MIB: "lots" })).toThrow(/KEEL_WEB_HEAP_MIB/);
  });
});
