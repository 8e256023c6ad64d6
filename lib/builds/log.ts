import "server-only";
import { appendLogLines, type LogLineInput } from "@/lib/data/builds";
import type { Scope } from "@/lib/scope";

// A build's log on its way to PostgreSQL: numbered, secrets masked, bounded, written in batches
// (one INSERT … unnest per flush), with the run's heartbeat riding on every write.

export const MASK = "***";
/** How often buffered lines are written (the page polls at about the same pace). */
const FLUSH_MS = 250;
/** Lines written per INSERT at most. */
const BATCH = 1_000;

export type LogBounds = { maxLines: number; maxBytes: number };

/** Replaces every occurrence of each secret (longest first, so a secret containing another is masked whole). */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0 && out.includes(secret)) {
      out = out.split(secret).join(MASK);
    }
  }
  return out;
}

/** The strings to mask for a set of secret values: each value, and each line of a multi-line one. */
export function maskList(values: readonly string[], minimum: number): string[] {
  const all = new Set<string>();
  for (const value of values) {
    for (const part of [value, ...value.split(/\r?\n/)]) {
      if (part.trim().length >= minimum) {
        all.add(part);
      }
    }
  }
  return [...all].sort((a, b) => b.length - a.length);
}

export type BuildLogOptions = {
  scope: Scope;
  buildId: string;
  runId: string;
  bounds: LogBounds;
  /** Already masked-ready strings (maskList). */
  secrets: string[];
  /** Called when a write finds the run no longer owns the build (the sweeper gave up on it, the profile was deleted). */
  onLost: () => void;
};

/** The log writer of one run of a build. */
export class BuildLog {
  private seq = 0;
  private bytes = 0;
  private truncated = false;
  private droppedLines = 0;
  private droppedBytes = 0;
  private buffer: LogLineInput[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private lost = false;

  constructor(private readonly options: BuildLogOptions) {}

  /** Starts the periodic flush. */
  start(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
  }

  /** Adds secrets to mask from now on (e.g. the credential, once opened). */
  addSecrets(values: string[]): void {
    this.options.secrets = [...new Set([...this.options.secrets, ...values])].sort((a, b) => b.length - a.length);
  }

  /** A line of a process's output (masked and bounded here). */
  line(step: number, stream: "OUT" | "ERR", text: string): void {
    this.add(step, stream, maskSecrets(text, this.options.secrets));
  }

  /** A line Keel writes itself (also masked: it may quote an error). */
  system(step: number, text: string): void {
    this.add(step, "SYSTEM", maskSecrets(text, this.options.secrets));
  }

  private add(step: number, stream: LogLineInput["stream"], text: string): void {
    const size = Buffer.byteLength(text, "utf8") + 1;
    if (this.truncated) {
      this.droppedLines += 1;
      this.droppedBytes += size;
      return;
    }
    const { maxLines, maxBytes } = this.options.bounds;
    // One line is kept for the marker.
    if (this.seq + 1 >= maxLines || this.bytes + size > maxBytes) {
      this.truncated = true;
      this.droppedLines += 1;
      this.droppedBytes += size;
      this.push(step, "SYSTEM", `Keel stores at most ${maxLines.toLocaleString("en")} lines and ${formatBytes(maxBytes)} of output per build: the rest of the output is not stored (the build goes on).`);
      return;
    }
    this.push(step, stream, text);
  }

  private push(step: number, stream: LogLineInput["stream"], text: string): void {
    this.bytes += Buffer.byteLength(text, "utf8") + 1;
    this.buffer.push({ seq: this.seq, step, stream, text, at: new Date() });
    this.seq += 1;
  }

  /** Writes buffered lines (serialized: one write at a time). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.lost) {
      this.buffer = [];
      return;
    }
    do {
      const batch = this.buffer.slice(0, BATCH);
      const last = batch.at(-1);
      const counters = { logLines: last ? last.seq + 1 : this.seq, logBytes: this.bytes, logTruncated: this.truncated };
      let owned: boolean;
      try {
        owned = await appendLogLines(this.options.scope, this.options.buildId, this.options.runId, batch, counters);
      } catch {
        // PostgreSQL away for a moment: the lines stay buffered and the next flush tries again.
        return;
      }
      if (!owned) {
        this.lost = true;
        this.buffer = [];
        this.options.onLost();
        return;
      }
      this.buffer = this.buffer.slice(batch.length);
    } while (this.buffer.length > 0);
  }

  /** Stops the timer, says what was not stored, and writes everything left. */
  async close(): Promise<void> {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    if (this.droppedLines > 0) {
      // Past the bound on purpose: one last line so the reader knows how much is missing.
      this.push(this.buffer.at(-1)?.step ?? 0, "SYSTEM", `${this.droppedLines.toLocaleString("en")} more lines (${formatBytes(this.droppedBytes)}) of output were not stored.`);
    }
    await this.flush();
    if (this.buffer.length > 0 && !this.lost) {
      // One more try after a failed write (PostgreSQL restarting).
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await this.flush();
    }
  }

  /** Lines stored so far (and the next seq). */
  get lines(): number {
    return this.seq;
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  if (bytes < 1024 * 1024) {
    return `${(bytes / 1024).toFixed(1)} KiB`;
  }
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
