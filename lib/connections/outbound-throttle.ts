import "server-only";
import { AzureDevOpsError } from "@/lib/azure-devops/errors";
import type { OutboundThrottle } from "@/lib/azure-devops/transport";
import { extendOutboundHold, getOutboundHold, takeRateLimit } from "@/lib/data/rate-limits";
import { AppError } from "@/lib/errors";
import { holdAdvice } from "@/lib/net/retry";
import type { Scope } from "@/lib/scope";

// Outbound pacing per connection (SECURITY.md, "Reliability"). Two separate things:
//
// 1. Azure DevOps' own word. A connection is one Azure DevOps identity, and Azure DevOps budgets
//    per identity. When an answer carries Retry-After (a 429 or a success), or X-RateLimit-Remaining 0
//    with X-RateLimit-Reset, or is a bare 429, no further request of that connection leaves Keel
//    — from this process, the worker, or another instance — until then (an `OutboundHold` row).
//    lib/net/retry.ts still retries one request after a short Retry-After; this is what the
//    *next* requests respect.
// 2. Keel's own budget for what people trigger. Members can press "Refresh" and open branch
//    lists as often as they like, and admins "Check again": each connection gets a budget of
//    such operations per window, shared by everyone in the organization, so nobody can spend
//    the identity's Azure DevOps allowance (and lock the connection for everyone) by clicking.

/** Operations people trigger, per connection: how many per window. */
export const OUTBOUND_BUDGETS = {
  /** Any call a person's request makes through the connection (picker branches, profile branches and commits). */
  calls: { limit: 60, windowSeconds: 60 },
  /** "Check again" on a saved connection: the doctor makes a dozen calls. */
  check: { limit: 6, windowSeconds: 60 },
  /** "Refresh" of the repository list: lists the whole organization again. */
  refresh: { limit: 5, windowSeconds: 10 * 60 },
  /** Checks of one connect-wizard draft (no connection exists yet): its "Check again". */
  draftCheck: { limit: 10, windowSeconds: 60 },
} as const;

export type BudgetKind = keyof typeof OUTBOUND_BUDGETS;

// How long a client trusts "no hold" before asking PostgreSQL again (a listing run makes
// thousands of calls; another process's hold is seen within this).
const RECHECK_MS = 2_000;

/** The hold key of a connection. */
export function holdKey(connectionId: string): string {
  return `connection:${connectionId}`;
}

/** The throttle a connection's clients share: refuses while a hold is in force, records holds Azure DevOps asks for. */
export function connectionThrottle(connectionId: string): OutboundThrottle {
  const key = holdKey(connectionId);
  let holdUntil = 0;
  let holdReason = "";
  let checkedAt = 0;
  return {
    async before() {
      const now = Date.now();
      if (now - checkedAt > RECHECK_MS && holdUntil <= now) {
        const hold = await getOutboundHold(key);
        checkedAt = now;
        if (hold) {
          holdUntil = hold.until.getTime();
          holdReason = hold.reason;
        }
      }
      if (holdUntil > now) {
        const retryAfterSeconds = Math.ceil((holdUntil - now) / 1000);
        throw new AzureDevOpsError(
          { kind: "rate_limited", status: 429, retryAfterSeconds, resetAt: new Date(holdUntil).toISOString() },
          `Azure DevOps asked Keel to wait before calling it again for this connection (${holdReason}); retry in ${retryAfterSeconds} s.`,
        );
      }
    },
    async after(status, headers) {
      const advice = holdAdvice(status, headers);
      if (advice && advice.untilMs > holdUntil) {
        holdUntil = advice.untilMs;
        holdReason = advice.reason;
        await extendOutboundHold(key, new Date(advice.untilMs), advice.reason);
      }
    },
  };
}

/**
 * Spends one unit of a person's budget for a connection (or, for `draftCheck`, a wizard draft);
 * throws RATE_LIMITED with the wait when it is used up. Jobs (the system) do not spend budgets:
 * they are paced by the queue and by Azure DevOps' own holds.
 */
export async function spendOutboundBudget(scope: Scope, kind: BudgetKind, id: string): Promise<void> {
  if (scope.actor.kind !== "user") {
    return;
  }
  const budget = OUTBOUND_BUDGETS[kind];
  const verdict = await takeRateLimit(`outbound:${kind}:${id}`, budget.limit, budget.windowSeconds);
  if (!verdict.allowed) {
    const wait = verdict.retryAfterSeconds >= 90 ? `${Math.ceil(verdict.retryAfterSeconds / 60)} minutes` : `${verdict.retryAfterSeconds} seconds`;
    throw new AppError("RATE_LIMITED", `${BUDGET_TEXT[kind]} Try again in ${wait}.`, { details: { retryAfterSeconds: verdict.retryAfterSeconds } });
  }
}

const BUDGET_TEXT: Record<BudgetKind, string> = {
  calls: "This connection has made many requests to Azure DevOps in the last minute, and Keel paces them so the connection keeps working for everyone.",
  check: "This connection was checked several times in the last minute.",
  refresh: "The repository list of this connection was refreshed several times in the last 10 minutes; the list shown is recent.",
  draftCheck: "This setup was checked many times in the last minute.",
};
