import type { Clock } from "./clock.js";
import { injectedServerError, rateLimitedError } from "./errors.js";
import { randomGuid } from "./ids.js";
import { sendWrapped, type RequestContext } from "./http.js";
import type { FaultSpec } from "./model.js";

/**
 * Faults on demand. Everything is counted, never random, so a test that says "every 3rd
 * request fails" fails on exactly the 3rd, 6th, … matching request.
 */
export type FaultRecord = FaultSpec & {
  id: string;
  /** Matching requests seen so far. */
  seen: number;
  /** Times the fault fired. */
  fired: number;
  /** rateLimit: start of the current window (emulator clock, ms). */
  windowStart?: number;
  /** rateLimit: requests counted in the current window. */
  windowCount?: number;
};

type Held = { faultId: string; destroy: () => void };

/** True when the fault applies to this request. */
function matches(fault: FaultSpec, ctx: RequestContext): boolean {
  if (fault.deployment !== undefined && fault.deployment !== ctx.deployment.name) {
    return false;
  }
  if (fault.method !== undefined && fault.method.toUpperCase() !== ctx.method) {
    return false;
  }
  if (fault.pathPrefix !== undefined && !ctx.url.pathname.toLowerCase().startsWith(fault.pathPrefix.toLowerCase())) {
    return false;
  }
  return true;
}

/** Counts a matching request and says whether an `every`/`times` fault fires on it. */
function fires(fault: FaultRecord, every: number | undefined, times: number | undefined): boolean {
  fault.seen += 1;
  const period = Math.max(1, every ?? 1);
  if (fault.seen % period !== 0) {
    return false;
  }
  if (times !== undefined && fault.fired >= times) {
    return false;
  }
  fault.fired += 1;
  return true;
}

/** Applies configured faults to requests. */
export class FaultEngine {
  private faults: FaultRecord[] = [];
  private held = new Set<Held>();
  private readonly clock: () => Clock;

  constructor(clock: () => Clock) {
    this.clock = clock;
  }

  /** Adds a fault and returns it with its id. */
  add(spec: FaultSpec): FaultRecord {
    const record: FaultRecord = { ...spec, id: randomGuid(), seen: 0, fired: 0 };
    this.faults.push(record);
    return record;
  }

  /** Removes one fault; requests it holds are dropped (socket destroyed). */
  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((fault) => fault.id !== id);
    this.releaseHeld((held) => held.faultId === id);
    return this.faults.length !== before;
  }

  /** Removes every fault and drops every held request. */
  clear(): void {
    this.faults = [];
    this.releaseHeld(() => true);
  }

  /** Current faults with their counters. */
  list(): FaultRecord[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  /** Number of requests currently held by `hang` faults. */
  heldCount(): number {
    return this.held.size;
  }

  private releaseHeld(predicate: (held: Held) => boolean): void {
    for (const held of [...this.held]) {
      if (predicate(held)) {
        this.held.delete(held);
        held.destroy();
      }
    }
  }

  /**
   * Applies matching faults in order. Returns true when a fault answered (or swallowed) the
   * request, false when the request should be handled normally.
   */
  async apply(ctx: RequestContext): Promise<boolean> {
    for (const fault of this.faults) {
      if (!matches(fault, ctx)) {
        continue;
      }
      switch (fault.kind) {
        case "latency": {
          fault.seen += 1;
          fault.fired += 1;
          ctx.log.faults.push("latency");
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, fault.ms)));
          break;
        }
        case "error": {
          if (!fires(fault, fault.every, fault.times)) {
            break;
          }
          const status = fault.status ?? 503;
          ctx.log.faults.push(`error:${status}`);
          sendWrapped(ctx, status, injectedServerError(status), status === 503 ? { "Retry-After": "1" } : {});
          return true;
        }
        case "rateLimit": {
          if (this.applyRateLimit(fault, ctx)) {
            return true;
          }
          break;
        }
        case "reset": {
          if (!fires(fault, fault.every, fault.times)) {
            break;
          }
          ctx.log.faults.push("reset");
          ctx.log.status = 0;
          ctx.req.socket.destroy();
          return true;
        }
        case "hang": {
          if (!fires(fault, fault.every, fault.times)) {
            break;
          }
          ctx.log.faults.push("hang");
          ctx.log.status = 0;
          this.held.add({
            faultId: fault.id,
            destroy: () => {
              ctx.req.socket.destroy();
            },
          });
          return true;
        }
        default:
          break;
      }
    }
    return false;
  }

  /** 429 after N requests per window; X-RateLimit-* headers once the remainder is small (docs/azure-devops-facts.md §2.5). */
  private applyRateLimit(fault: FaultRecord & { kind: "rateLimit" }, ctx: RequestContext): boolean {
    const now = this.clock().now();
    const windowMs = (fault.windowSeconds ?? 300) * 1000;
    if (fault.windowStart === undefined || now >= fault.windowStart + windowMs) {
      fault.windowStart = now;
      fault.windowCount = 0;
    }
    fault.seen += 1;
    fault.windowCount = (fault.windowCount ?? 0) + 1;
    const limit = Math.max(0, fault.after);
    const remaining = Math.max(0, limit - fault.windowCount);
    const reset = String(Math.ceil((fault.windowStart + windowMs) / 1000));
    const retryAfter = fault.retryAfterSeconds ?? 30;
    const base = {
      "X-RateLimit-Resource": "Core",
      "X-RateLimit-Limit": String(limit),
      "X-RateLimit-Remaining": String(remaining),
      "X-RateLimit-Reset": reset,
    };
    if (fault.windowCount > limit) {
      fault.fired += 1;
      ctx.log.faults.push("rateLimit");
      sendWrapped(ctx, 429, rateLimitedError("Core", "00000000-0000-0000-0000-000000000000"), {
        ...base,
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Delay": retryAfter.toFixed(3),
        "Retry-After": String(retryAfter),
      });
      return true;
    }
    const warnWithin = fault.warnWithin ?? Math.max(1, Math.ceil(limit * 0.2));
    if (remaining <= warnWithin) {
      // "All these headers are sent before requests start getting delayed" (docs/azure-devops-facts.md §2.5).
      Object.assign(ctx.extraHeaders, base);
    }
    return false;
  }
}
