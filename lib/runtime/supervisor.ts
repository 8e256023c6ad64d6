// Restarts a crashed child of the launcher (the Next.js server, the worker, the embedded
// PostgreSQL) with capped exponential backoff, and gives up — so that the launcher exits
// non-zero and systemd, Docker or Kubernetes notice — after repeated quick crashes.
//
// A child's end is read from its 'exit' event (code *and* signal): `exitCode === null` is
// also true of a child killed by a signal, which is how a crash by kill -9 or the OOM killer
// looked like "still running" to the launcher before.

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

/** A running child as the supervisor sees it. */
export type Supervisable = { pid: number; exited: Promise<ExitInfo> };

export type RestartPolicy = {
  /** Delay before the first restart; doubles for each further quick crash. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A child that ran shorter than this before crashing crashed "quickly". */
  quickCrashMs: number;
  /** Give up after this many quick crashes in a row. */
  maxQuickCrashes: number;
  /**
   * The exit code with which the child refuses to start because of its configuration (the job
   * worker's: lib/jobs/worker-process.ts, `refuse`): it said why, and a restart would only say it
   * again, so the supervisor gives up at once.
   */
  refusalExitCode?: number;
};

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 500, maxDelayMs: 15_000, quickCrashMs: 30_000, maxQuickCrashes: 5 };

export type SupervisorEvents = {
  /** The child ended unexpectedly; `restartInMs` is null when the supervisor gives up (`refused`: it refused its configuration). */
  onCrash(info: { name: string; exit: ExitInfo | null; error?: unknown; quickCrashes: number; restartInMs: number | null; refused?: true }): void;
  /** A restarted child is running again. */
  onRestart(info: { name: string; pid: number; restarts: number }): void;
  /** Repeated quick crashes: the launcher should stop everything and exit non-zero. */
  onGiveUp(reason: string): void;
};

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code ?? "unknown"}`;
}

/** The delay before restart number `quickCrashes` (1-based). */
export function restartDelay(policy: RestartPolicy, quickCrashes: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, quickCrashes - 1));
}

/**
 * Keeps one child running: `start` launches it (and may throw: a failed start counts as a
 * quick crash). `stop()` ends supervision; the caller then stops the child itself.
 */
export class Supervisor<Child extends Supervisable> {
  private stopped = false;
  private quickCrashes = 0;
  private restarts = 0;
  private timer: NodeJS.Timeout | undefined;
  private current: Child | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly start: () => Promise<Child>,
    private readonly events: SupervisorEvents,
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
    /** Runs after each restart (e.g. to record the new pid). */
    private readonly afterStart: (child: Child) => void | Promise<void> = () => undefined,
  ) {}

  /** The running child, if any. */
  get child(): Child | undefined {
    return this.current;
  }

  /** Watches a child that was started elsewhere (the first PostgreSQL, started before migrations). */
  adopt(child: Child): void {
    this.watch(child, Date.now());
  }

  /** Starts the child for the first time (a failure here is the caller's: nothing started yet). */
  async run(): Promise<Child> {
    const child = await this.start();
    this.watch(child, Date.now());
    await this.afterStart(child);
    return child;
  }

  /**
   * Ends supervision: an exit from now on is expected. Resolves once no restart is in
   * progress, so that `child` is then the one to stop (a restart never leaks a process).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.starting;
  }

  private watch(child: Child, startedAt: number): void {
    this.current = child;
    void child.exited.then((exit) => {
      if (this.current === child) {
        this.current = undefined;
      }
      if (!this.stopped) {
        this.crashed(exit, null, Date.now() - startedAt);
      }
    });
  }

  private crashed(exit: ExitInfo | null, error: unknown, ranMs: number): void {
    // A child that ran a good while before crashing starts a new count.
    this.quickCrashes = ranMs < this.policy.quickCrashMs ? this.quickCrashes + 1 : 1;
    if (this.policy.refusalExitCode !== undefined && exit?.code === this.policy.refusalExitCode) {
      this.events.onCrash({ name: this.name, exit, error, quickCrashes: this.quickCrashes, restartInMs: null, refused: true });
      this.stopped = true;
      this.events.onGiveUp(`${this.name} refused to start (exit code ${exit.code}): what it said is above`);
      return;
    }
    if (this.quickCrashes > this.policy.maxQuickCrashes) {
      this.events.onCrash({ name: this.name, exit, error, quickCrashes: this.quickCrashes, restartInMs: null });
      this.stopped = true;
      this.events.onGiveUp(`${this.name} crashed ${this.quickCrashes} times in a row, each within ${Math.round(this.policy.quickCrashMs / 1000)} s of starting`);
      return;
    }
    const delay = restartDelay(this.policy, this.quickCrashes);
    this.events.onCrash({ name: this.name, exit, error, quickCrashes: this.quickCrashes, restartInMs: delay });
    this.timer = setTimeout(() => {
      this.starting = this.restart().finally(() => {
        this.starting = undefined;
      });
    }, delay);
  }

  private async restart(): Promise<void> {
    if (this.stopped) {
      return;
    }
    const startedAt = Date.now();
    let child: Child;
    try {
      child = await this.start();
    } catch (error) {
      if (!this.stopped) {
        this.crashed(null, error, Date.now() - startedAt);
      }
      return;
    }
    this.restarts += 1;
    this.watch(child, startedAt);
    if (this.stopped) {
      return;
    }
    await this.afterStart(child);
    this.events.onRestart({ name: this.name, pid: child.pid, restarts: this.restarts });
  }
}
