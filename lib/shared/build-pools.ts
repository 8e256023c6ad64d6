// Build pools (lib/builds/README.md, "Build pools"): which workers may run a profile's builds.
// iOS builds need a Mac with Xcode, Android builds a machine with the SDK: a profile says where
// its builds run ("Runs on" in its workflow), a worker says which pools it builds for
// (KEEL_BUILD_POOLS), and each pool is its own queue of the job engine, so a build waits for a
// worker of its pool and no other worker ever takes it. Pure: the workflow editor, the env
// check, the queues and the pages share it.

/** The pool of every profile until an admin picks another, and of every worker unless told otherwise. */
export const DEFAULT_POOL = "default";

/** Lowercase letters, digits and inner dashes, 1–30 characters: part of a queue name, typed into an env var. */
export const POOL_NAME = /^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$/;

/** The queue of the default pool keeps the name builds always had, so jobs queued before pools existed still run. */
const BASE_QUEUE = "builds.run";

/** What is wrong with a pool name, in words; null when it is fine. */
export function poolNameProblem(name: string): string | null {
  if (name === "") {
    return "name a pool (default, or the one your Mac workers build for, such as macos)";
  }
  if (!POOL_NAME.test(name)) {
    return `“${name.slice(0, 40)}” is not a pool name: lowercase letters, digits and dashes, not starting or ending with a dash, at most 30 characters (such as macos or xcode-16)`;
  }
  if (name === "dead") {
    // builds.run.dead is the default pool's dead-letter queue.
    return "“dead” is reserved by Keel's job engine: choose another pool name";
  }
  return null;
}

/** The job-engine queue of a pool's builds. */
export function poolQueueName(pool: string): string {
  return pool === DEFAULT_POOL ? BASE_QUEUE : `${BASE_QUEUE}.${pool}`;
}

/** The pool whose builds a queue holds; null for any other queue. */
export function poolOfQueue(queue: string): string | null {
  if (queue === BASE_QUEUE) {
    return DEFAULT_POOL;
  }
  if (queue.startsWith(`${BASE_QUEUE}.`)) {
    const pool = queue.slice(BASE_QUEUE.length + 1);
    return poolNameProblem(pool) === null ? pool : null;
  }
  return null;
}

/**
 * Parses KEEL_BUILD_POOLS: pool names separated by commas or spaces, each once; empty means the
 * default pool. Throws an Error naming the bad name.
 */
export function parsePoolList(value: string): string[] {
  const names = [...new Set(value.split(/[\s,]+/).filter((name) => name !== ""))];
  for (const name of names) {
    const problem = poolNameProblem(name);
    if (problem) {
      throw new Error(problem);
    }
  }
  return names.length > 0 ? names : [DEFAULT_POOL];
}

/** The command that starts a worker for a pool, as pages show it. */
export function poolWorkerCommand(pool: string): string {
  return pool === DEFAULT_POOL ? "npm run worker" : `KEEL_BUILD_POOLS=${pool} npm run worker`;
}

/** A pool's builds over a window as its advice needs them (lib/data/insights.ts, `PoolUsage`). */
export type PoolUsageFigures = { pool: string; builds: number; waitedLong: number };

/** The share of builds that may wait long for a worker before a pool is called short of workers. */
export const SHORT_OF_WORKERS_SHARE = 0.1;

/**
 * Whether a pool was short of workers over the window, in words with the fix: one build in ten
 * or more waited `longWaitMinutes` or more for a worker. Null when it kept up (a few long waits
 * are a burst — a mass merge — not a missing machine).
 */
export function poolUsageAdvice(usage: PoolUsageFigures, longWaitMinutes: number): string | null {
  if (usage.builds === 0 || usage.waitedLong / usage.builds < SHORT_OF_WORKERS_SHARE) {
    return null;
  }
  const percent = Math.round((100 * usage.waitedLong) / usage.builds);
  return (
    `${usage.waitedLong} of ${usage.builds} builds (${percent} %) waited ${longWaitMinutes} minutes or more for a worker: ` +
    `add a worker to the pool (${poolWorkerCommand(usage.pool)} on another machine), or let a machine with room run more builds at once (KEEL_BUILD_CONCURRENCY).`
  );
}

/** The machines that lost builds, with how many each: "mac-mini-2 (2), an unknown machine (1) and mac-mini-4 (1)". */
export function lostHostsWords(hosts: ReadonlyArray<{ host: string | null; builds: number }>): string {
  const words = hosts.map((entry) => `${entry.host ?? "an unknown machine"} (${entry.builds})`);
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/**
 * What to do about builds of a pool that lost their worker over the window (lib/builds/README.md,
 * "A lost worker"), naming the machines they ran on; null when none did.
 */
export function lostWorkerAdvice(usage: { pool: string; lost: number; lostHosts: ReadonlyArray<{ host: string | null; builds: number }> }): string | null {
  if (usage.lost === 0) {
    return null;
  }
  const where = usage.lostHosts.length === 0 ? "" : ` — on ${lostHostsWords(usage.lostHosts)}`;
  return (
    `${usage.lost} ${usage.lost === 1 ? "build" : "builds"} lost ${usage.lost === 1 ? "its" : "their"} worker mid-build${where}. ` +
    "A machine that restarts for updates, sleeps or runs out of memory kills the builds it runs: check it, and drain it (npm run drain) before a planned restart so its builds finish. " +
    "A profile can have such builds started again by itself: Edit workflow → Start again when its worker is lost."
  );
}
