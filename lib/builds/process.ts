import "server-only";
import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import type { ChildProcessEnv } from "@/lib/env";
import type { BuildUser } from "./build-user";
import { storableText } from "@/lib/shared/names";

// Processes of a build: each step (and git) runs as the leader of its own process group, so
// Cancel and the time limit can signal the whole tree at once; anything that left the group
// (setsid, a daemon) is still found by the marker variable every process of the build inherits.

/** Longest line stored; a longer one is cut with a marker (a minified bundle, a progress bar). */
export const MAX_LINE_CHARS = 4_096;
/** Bytes buffered without a line break before they are stored as a (cut) line anyway. */
const MAX_PENDING_BYTES = 64 * 1024;
/** After the step's main process exits, output its children still write is read this long. */
const DRAIN_MS = 250;

export type Stream = "OUT" | "ERR";

/** Splits a byte stream into lines: UTF-8 safe, `\r` progress rewrites collapsed to their last state. */
export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";

  constructor(private readonly emit: (text: string) => void) {}

  push(chunk: Buffer): void {
    this.pending += this.decoder.write(chunk);
    let newline = this.pending.indexOf("\n");
    while (newline !== -1) {
      this.emitLine(this.pending.slice(0, newline));
      this.pending = this.pending.slice(newline + 1);
      newline = this.pending.indexOf("\n");
    }
    if (this.pending.length > MAX_PENDING_BYTES) {
      this.emitLine(this.pending);
      this.pending = "";
    }
  }

  end(): void {
    this.pending += this.decoder.end();
    if (this.pending.length > 0) {
      this.emitLine(this.pending);
    }
    this.pending = "";
  }

  private emitLine(raw: string): void {
    let line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.includes("\r")) {
      // A terminal would show what the last carriage return left: keep that.
      const parts = line.split("\r").filter((part) => part.length > 0);
      line = parts.at(-1) ?? "";
    }
    if (line.length > MAX_LINE_CHARS) {
      line = `${line.slice(0, MAX_LINE_CHARS)} … [line cut at ${MAX_LINE_CHARS.toLocaleString("en")} characters]`;
    }
    // A NUL (binary output, `find -print0`) cannot be stored in PostgreSQL text: one such line
    // would fail every later write of the log. It is shown as U+FFFD, as broken UTF-8 already is
    // (and the cut above may have split a surrogate pair).
    this.emit(storableText(line));
  }
}

export type ProcessResult = { code: number | null; signal: NodeJS.Signals | null; error?: string };

export type RunningProcess = {
  /** The process group id (= the leader's pid). */
  pgid: number;
  done: Promise<ProcessResult>;
};

/**
 * Starts a command as the leader of a new process group (`detached`), its output delivered as
 * lines — as the build user when one is given (lib/builds/build-user.ts). Resolves when the
 * leader exited and its output was drained.
 */
export function startProcess(options: { file: string; args: string[]; cwd: string; env: ChildProcessEnv; user?: BuildUser | null; onLine: (stream: Stream, text: string) => void }): RunningProcess {
  const user = options.user ? { uid: options.user.uid, gid: options.user.gid } : {};
  const child = spawn(options.file, options.args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"], ...user });
  const out = new LineSplitter((text) => options.onLine("OUT", text));
  const err = new LineSplitter((text) => options.onLine("ERR", text));
  child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
  const done = new Promise<ProcessResult>((resolve) => {
    let settled = false;
    const finish = (result: ProcessResult) => {
      if (settled) {
        return;
      }
      settled = true;
      // Background children may hold the pipes open: read what they write for a moment, then
      // stop listening (the build's end kills them with the rest of the tree).
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        out.end();
        err.end();
        resolve(result);
      }, DRAIN_MS);
    };
    child.once("error", (error) => finish({ code: null, signal: null, error: error.message }));
    child.once("exit", (code, signal) => finish({ code, signal }));
  });
  return { pgid: child.pid ?? -1, done };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is gone already.
  }
}

/**
 * Waits for a step's process, ending its group when it runs past `limitMs` (a step's own time
 * limit; null: none): SIGTERM, then SIGKILL after `graceMs`. `timedOut` says the limit ended it.
 * Processes that left the group (setsid) are left to the build's end, which kills them all.
 */
export async function waitWithLimit(running: RunningProcess, limitMs: number | null, graceMs: number): Promise<{ result: ProcessResult; timedOut: boolean }> {
  if (limitMs === null || running.pgid <= 1) {
    return { result: await running.done, timedOut: false };
  }
  let timedOut = false;
  let kill: NodeJS.Timeout | undefined;
  const limit = setTimeout(() => {
    timedOut = true;
    signalGroup(running.pgid, "SIGTERM");
    kill = setTimeout(() => signalGroup(running.pgid, "SIGKILL"), graceMs);
  }, limitMs);
  try {
    return { result: await running.done, timedOut };
  } finally {
    clearTimeout(limit);
    clearTimeout(kill);
  }
}

/**
 * Pids of processes whose environment carries `marker` (`NAME=value`): the build's processes
 * that left their group. Linux only (/proc); elsewhere nothing is found.
 */
export async function processesWithMarker(marker: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const needle = `${marker}\u0000`;
  const found: number[] = [];
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
      .map(async (entry) => {
        try {
          const environ = await readFile(`/proc/${entry}/environ`, "latin1");
          if (environ.startsWith(needle) || environ.includes(`\u0000${needle}`)) {
            found.push(Number(entry));
          }
        } catch {
          // Gone, or not ours to read.
        }
      }),
  );
  return found;
}

/**
 * Ends every process of a build: SIGTERM to each process group, SIGKILL to what is left after
 * `graceMs`, then SIGKILL to any process still carrying the build's marker (it escaped its
 * group with setsid). Returns how many escaped processes were killed.
 */
export async function killBuildProcesses(pgids: Iterable<number>, marker: string, graceMs: number): Promise<number> {
  const groups = [...new Set(pgids)].filter((pgid) => pgid > 1);
  for (const pgid of groups) {
    signalGroup(pgid, "SIGTERM");
  }
  const deadline = Date.now() + graceMs;
  while (groups.some(groupAlive) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const pgid of groups) {
    signalGroup(pgid, "SIGKILL");
  }
  let escaped = 0;
  for (let round = 0; round < 3; round += 1) {
    const left = await processesWithMarker(marker);
    if (left.length === 0) {
      break;
    }
    for (const pid of left) {
      try {
        process.kill(pid, "SIGKILL");
        escaped += 1;
      } catch {
        // Gone meanwhile.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return escaped;
}
