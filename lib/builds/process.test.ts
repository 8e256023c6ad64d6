import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { childProcessEnv } from "@/lib/env";
import { startProcess, waitWithLimit } from "./process";

// A step's own time limit (lib/builds/README.md, "A step's time limit"), on real processes.

const workspace = mkdtempSync(path.join(tmpdir(), "keel-process-"));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

function run(command: string) {
  const lines: string[] = [];
  const running = startProcess({ file: "bash", args: ["--noprofile", "--norc", "-e", "-c", command], cwd: workspace, env: childProcessEnv(), onLine: (_stream, text) => lines.push(text) });
  return { running, lines };
}

describe("a step's time limit", () => {
  it("ends a step that runs past it, its children too, and says so", async () => {
    // A child that would leave a file a second later: ended with the step, it never does.
    const late = path.join(workspace, "late");
    const { running, lines } = run(`echo started; (sleep 1; touch ${JSON.stringify(late)}) & wait`);
    const { result, timedOut } = await waitWithLimit(running, 300, 1_000);
    expect(timedOut).toBe(true);
    expect(result.signal ?? result.code).toBeTruthy();
    expect(lines).toEqual(["started"]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(existsSync(late)).toBe(false);
  });

  it("kills one that ignores SIGTERM once the grace has passed", async () => {
    const { running } = run("trap '' TERM; echo ignoring; while true; do sleep 0.05; done");
    const { result, timedOut } = await waitWithLimit(running, 200, 300);
    expect([timedOut, result.signal]).toEqual([true, "SIGKILL"]);
  });

  it("leaves a step that ends in time alone, and one without a limit", async () => {
    const quick = run("echo done");
    expect(await waitWithLimit(quick.running, 5_000, 1_000)).toEqual({ result: { code: 0, signal: null }, timedOut: false });
    const failing = run("exit 3");
    expect(await waitWithLimit(failing.running, null, 1_000)).toEqual({ result: { code: 3, signal: null }, timedOut: false });
  });
});
