import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { DEFAULT_POOL, lostWorkerAdvice, parsePoolList, poolNameProblem, poolOfQueue, poolQueueName, poolUsageAdvice, poolWorkerCommand } from "./build-pools";

// Build pools (lib/shared/build-pools.ts): names, their queues, and KEEL_BUILD_POOLS.

describe("build pool names", () => {
  it("takes lowercase letters, digits and inner dashes, up to 30 characters", () => {
    for (const name of ["default", "macos", "xcode-16", "m1", "a".repeat(30)]) {
      expect(poolNameProblem(name)).toBeNull();
    }
  });

  it("refuses others, saying what a pool name is", () => {
    expect(poolNameProblem("")).toMatch(/name a pool/);
    expect(poolNameProblem("MacOS")).toMatch(/lowercase letters, digits and dashes/);
    for (const name of ["-mac", "mac-", "mac os", "mac.os", "a".repeat(31), "macos\n"]) {
      expect(poolNameProblem(name)).not.toBeNull();
    }
    // The default pool's queue is builds.run, whose dead letters are builds.run.dead.
    expect(poolNameProblem("dead")).toMatch(/reserved/);
  });
});

describe("a pool's queue", () => {
  it("is builds.run for the default pool (jobs queued before pools existed still run) and builds.run.<pool> for another", () => {
    expect(poolQueueName(DEFAULT_POOL)).toBe("builds.run");
    expect(poolQueueName("macos")).toBe("builds.run.macos");
  });

  it("is read back from a worker's queue names; other queues and dead letters are no pool", () => {
    expect(poolOfQueue("builds.run")).toBe("default");
    expect(poolOfQueue("builds.run.macos")).toBe("macos");
    expect(poolOfQueue("builds.run.dead")).toBeNull();
    expect(poolOfQueue("builds.run.macos.dead")).toBeNull();
    expect(poolOfQueue("builds.report")).toBeNull();
    expect(poolOfQueue("repositories.list")).toBeNull();
  });

  it("is started by the command the pages show", () => {
    expect(poolWorkerCommand("macos")).toBe("KEEL_BUILD_POOLS=macos npm run worker");
    expect(poolWorkerCommand(DEFAULT_POOL)).toBe("npm run worker");
  });
});

describe("KEEL_BUILD_POOLS", () => {
  it("lists pools separated by commas or spaces, each once; empty or unset is the default pool", () => {
    expect(parsePoolList("macos, default macos")).toEqual(["macos", "default"]);
    expect(parsePoolList("  ")).toEqual(["default"]);
    expect(parseEnv({ KEEL_BUILD_POOLS: "macos,xcode-16" }).KEEL_BUILD_POOLS).toEqual(["macos", "xcode-16"]);
    expect(parseEnv({}).KEEL_BUILD_POOLS).toEqual(["default"]);
  });

  it("refuses a bad name at start, naming it", () => {
    expect(() => parseEnv({ KEEL_BUILD_POOLS: "macos,Mac OS" })).toThrow(/KEEL_BUILD_POOLS[\s\S]*“Mac”/);
  });
});

describe("a pool's usage advice", () => {
  it("says nothing while fewer than one build in ten waited long", () => {
    expect(poolUsageAdvice({ pool: "macos", builds: 0, waitedLong: 0 }, 5)).toBeNull();
    expect(poolUsageAdvice({ pool: "macos", builds: 40, waitedLong: 3 }, 5)).toBeNull();
  });

  it("calls a pool short of workers from one build in ten, with the command that adds one", () => {
    expect(poolUsageAdvice({ pool: "macos", builds: 40, waitedLong: 4 }, 5)).toBe(
      "4 of 40 builds (10 %) waited 5 minutes or more for a worker: add a worker to the pool (KEEL_BUILD_POOLS=macos npm run worker on another machine), or let a machine with room run more builds at once (KEEL_BUILD_CONCURRENCY).",
    );
    expect(poolUsageAdvice({ pool: DEFAULT_POOL, builds: 3, waitedLong: 2 }, 5)).toMatch(/^2 of 3 builds \(67 %\) .*\(npm run worker on another machine\)/);
  });
});

describe("a pool's lost builds", () => {
  it("says nothing when no build lost its worker", () => {
    expect(lostWorkerAdvice({ pool: "macos", lost: 0, lostHosts: [] })).toBeNull();
  });

  it("names the machines, what to check, and the profile setting that starts such builds again", () => {
    expect(lostWorkerAdvice({ pool: "macos", lost: 1, lostHosts: [{ host: "mac-mini-2", builds: 1 }] })).toBe(
      "1 build lost its worker mid-build — on mac-mini-2 (1). A machine that restarts for updates, sleeps or runs out of memory kills the builds it runs: check it, and drain it (npm run drain) before a planned restart so its builds finish. A profile can have such builds started again by itself: Edit workflow → Start again when its worker is lost.",
    );
    expect(lostWorkerAdvice({ pool: "macos", lost: 4, lostHosts: [{ host: "mac-mini-2", builds: 2 }, { host: null, builds: 1 }, { host: "mac-mini-4", builds: 1 }] })).toMatch(
      /^4 builds lost their worker mid-build — on mac-mini-2 \(2\), an unknown machine \(1\) and mac-mini-4 \(1\)\. /,
    );
  });
});
