/**
 * The emulator's clock: real time plus a controllable offset, so tests can make tokens
 * expire ("advance one hour") without waiting.
 */
export class Clock {
  private offsetMs = 0;

  /** Milliseconds since the epoch, as the emulator sees it. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** The emulator's current time as an ISO-8601 string. */
  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Moves the clock forward (or backward, with a negative value). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }

  /** Makes `now()` return the given instant from this moment on. */
  set(instantMs: number): void {
    this.offsetMs = instantMs - Date.now();
  }

  /** Back to real time. */
  reset(): void {
    this.offsetMs = 0;
  }

  /** The current offset from real time in milliseconds. */
  offset(): number {
    return this.offsetMs;
  }
}
