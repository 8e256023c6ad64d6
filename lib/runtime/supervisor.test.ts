import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { restartDelay, Supervisor, type ExitInfo, type RestartPolicy, type Supervisable } from "./supervisor";

// The launcher's supervision with real child processes: a crash (an exit code, or a kill
// by a signal, which leaves `exitCode` null) is restarted with backoff; repeated quick
// crashes end in giving up, which makes the launcher exit non-zero.

const FAST: RestartPolicy = { initialDelayMs: 50, maxDelayMs: 400, quickCrashMs: 5_000, maxQuickCrashes: 3 };

function node(script: string): Supervisable & { kill(signal: NodeJS.Signals): void } {
  const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
  const exited = new Promise<ExitInfo>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return { pid: child.pid!, exited, kill: (signal) => child.kill(signal) };
}

function recorder() {
  const crashes: { exit: ExitInfo | null; restartInMs: number | null; refused?: true }[] = [];
  const restarts: number[] = [];
  let gaveUp: ((reason: string) => void) | undefined;
  const givenUp = new Promise<string>((resolve) => {
    gaveUp = resolve;
  });
  return {
    crashes,
    restarts,
    givenUp,
    events: {
      onCrash: (info: { exit: ExitInfo | null; restartInMs: number | null; refused?: true }) => crashes.push({ exit: info.exit, restartInMs: info.restartInMs, ...(info.refused ? { refused: info.refused } : {}) }),
      onRestart: (info: { pid: number }) => restarts.push(info.pid),
      onGiveUp: (reason: string) => gaveUp!(reason),
    },
  };
}

describe("Supervisor", () => {
  it("restarts a child killed by a signal (exitCode stays null) and keeps the new one", async () => {
    const events = recorder();
    const started: ReturnType<typeof node>[] = [];
    const supervisor = new Supervisor("sleeper", async () => {
      const child = node("setTimeout(() => {}, 60_000)");
      started.push(child);
      return child;
    }, events.events, FAST);
    await supervisor.run();
    started[0]!.kill("SIGKILL");
    await expect.poll(() => events.restarts.length, { timeout: 10_000 }).toBe(1);
    expect(events.crashes).toEqual([{ exit: { code: null, signal: "SIGKILL" }, restartInMs: 50 }]);
    expect(supervisor.child?.pid).toBe(started[1]!.pid);
    await supervisor.stop();
    started[1]!.kill("SIGTERM");
    await started[1]!.exited;
    // An exit after stop() is expected: no restart.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events.restarts).toHaveLength(1);
  });

  it("backs off on repeated quick crashes and gives up after the limit", async () => {
    const events = recorder();
    let starts = 0;
    const supervisor = new Supervisor("crasher", async () => {
      starts += 1;
      return node("process.exit(3)");
    }, events.events, FAST);
    await supervisor.run();
    const reason = await events.givenUp;
    expect(reason).toContain("crasher crashed 4 times in a row");
    // The first start plus three restarts, with doubling delays, then no restart.
    expect(starts).toBe(4);
    expect(events.crashes.map((crash) => crash.restartInMs)).toEqual([50, 100, 200, null]);
    expect(events.crashes.every((crash) => crash.exit?.code === 3)).toBe(true);
  });

  it("gives up at once on a child that refuses its configuration (its refusal exit code), restarting other exits", async () => {
    const events = recorder();
    let starts = 0;
    const supervisor = new Supervisor("refuser", async () => {
      starts += 1;
      return node(starts === 1 ? "process.exit(1)" : "process.exit(2)");
    }, events.events, { ...FAST, refusalExitCode: 2 });
    await supervisor.run();
    expect(await events.givenUp).toBe("refuser refused to start (exit code 2): what it said is above");
    // Exit code 1 was restarted; exit code 2 was not.
    expect(starts).toBe(2);
    expect(events.crashes.map((crash) => [crash.exit?.code, crash.restartInMs, crash.refused ?? false])).toEqual([[1, 50, false], [2, null, true]]);
  });

  it("counts a restart that fails to start as a quick crash", async () => {
    const events = recorder();
    let starts = 0;
    const supervisor = new Supervisor("flaky", async () => {
      starts += 1;
      if (starts === 2) {
        throw new Error("port busy");
      }
      return node(starts === 1 ? "process.exit(1)" : "setTimeout(() => {}, 60_000)");
    }, events.events, FAST);
    await supervisor.run();
    await expect.poll(() => events.restarts.length, { timeout: 10_000 }).toBe(1);
    expect(events.crashes.map((crash) => crash.restartInMs)).toEqual([50, 100]);
    await supervisor.stop();
    (supervisor.child as ReturnType<typeof node>).kill("SIGTERM");
  });

  it("caps the delay", () => {
    expect([1, 2, 3, 4, 5, 10].map((count) => restartDelay({ ...FAST, maxDelayMs: 300 }, count))).toEqual([50, 100, 200, 300, 300, 300]);
  });
});
