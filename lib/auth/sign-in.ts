import "server-only";
import { z } from "zod";
import { recordAudit } from "@/lib/data/audit";
import { clearRateLimits, hitRateLimit, listRateLimits, readRateLimits, type RateLimitBucketState } from "@/lib/data/rate-limits";
import { getSignInCandidates, setPasswordHash, type SignInCandidate } from "@/lib/data/users";
import { logger } from "@/lib/logger";
import type { Scope } from "@/lib/scope";
import { emailField } from "@/lib/validation/form";
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from "./password";

const log = logger("auth.sign-in");

/**
 * Sign-in throttling (SECURITY.md, "Sign-in throttling"). Three counters, so that guessing is
 * slow from anywhere but nobody can lock the real owner out by failing on purpose:
 * - per account **and** address: 5 failures in 15 minutes block that pair only — the owner, at
 *   their own address, is not affected by failures elsewhere;
 * - per address: 30 failures in 15 minutes, whatever the accounts (one machine guessing many);
 * - per account, from all addresses: after 10 failures in an hour each further attempt waits a
 *   delay that doubles per failure up to one minute — distributed guessing gets about one try a
 *   minute, and the owner at worst waits that minute.
 * "Account" is the Keel account (its user id), so an admin unlocking a member clears that
 * member's counters and nobody else's, even when the same email has an account in another
 * organization. An email with no account is counted by the email itself, with the same limits,
 * so the answers do not tell which emails exist.
 */
export const SIGN_IN_LIMITS = {
  perPair: 5,
  pairWindowSeconds: 15 * 60,
  perAddress: 30,
  addressWindowSeconds: 15 * 60,
  accountFreeFailures: 10,
  accountWindowSeconds: 60 * 60,
  accountMaxDelaySeconds: 60,
} as const;

/** The counter keys of an account (`user:<id>`, or `email:<address>` when no account has it). */
export function accountThrottleKeys(account: string, address: string) {
  return { pair: `signin:pair:${account}|${address}`, account: `signin:account:${account}` };
}

/** The key prefixes of one Keel account's sign-in counters (what an admin's unlock clears). */
export function userThrottlePrefixes(userId: string) {
  return { pairs: `signin:pair:user:${userId}|`, account: `signin:account:user:${userId}` };
}

export const signInSchema = z.object({
  email: emailField,
  // Length-bounded but not strength-checked: old passwords must keep working.
  password: z.string({ error: "Password is required" }).min(1, "Password is required").max(128, "Password must be at most 128 characters"),
});

export type SignInOutcome =
  | { ok: true; userId: string; scope: Scope }
  | { ok: false; code: "INVALID_INPUT"; fieldErrors: Record<string, string[]> }
  | { ok: false; code: "INVALID_CREDENTIALS" }
  | { ok: false; code: "RATE_LIMITED"; retryAfterSeconds: number };

/** Seconds the account-wide backoff still asks for (0: free to try), from its counter. */
export function accountBackoffSeconds(bucket: RateLimitBucketState | undefined, now: number = Date.now()): number {
  if (!bucket || bucket.windowStart.getTime() < now - SIGN_IN_LIMITS.accountWindowSeconds * 1000) {
    return 0;
  }
  const over = bucket.count - SIGN_IN_LIMITS.accountFreeFailures;
  if (over < 0) {
    return 0;
  }
  const delay = Math.min(SIGN_IN_LIMITS.accountMaxDelaySeconds, 2 ** over);
  return Math.max(0, Math.ceil((bucket.updatedAt.getTime() + delay * 1000 - now) / 1000));
}

function windowRemaining(bucket: RateLimitBucketState | undefined, limit: number, windowSeconds: number, now: number): number {
  if (!bucket || bucket.count < limit) {
    return 0;
  }
  const resetsAt = bucket.windowStart.getTime() + windowSeconds * 1000;
  return resetsAt > now ? Math.ceil((resetsAt - now) / 1000) : 0;
}

/**
 * Checks email + password under the throttles above. The answer for a wrong password, an
 * unknown email and a disabled account is the same, and costs the same time, so it does not
 * reveal which emails exist. One email may have accounts in several organizations (accounts
 * belong to one organization each): the password says which.
 */
export async function verifySignIn(raw: unknown, address: string): Promise<SignInOutcome> {
  const parsed = signInSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, code: "INVALID_INPUT", fieldErrors: z.flattenError(parsed.error).fieldErrors as Record<string, string[]> };
  }
  const { email, password } = parsed.data;
  const now = Date.now();
  const everyAccount = await getSignInCandidates(email);
  const candidates = everyAccount.filter((candidate) => candidate.isActive && candidate.passwordHash && candidate.membership);
  const accounts = candidates.length > 0 ? candidates.map((candidate) => ({ candidate, keys: accountThrottleKeys(`user:${candidate.id}`, address) })) : [{ candidate: null, keys: accountThrottleKeys(`email:${email}`, address) }];
  const addressKey = `signin:address:${address}`;
  const buckets = await readRateLimits([addressKey, ...accounts.flatMap(({ keys }) => [keys.pair, keys.account])]);
  const addressWait = windowRemaining(buckets.get(addressKey), SIGN_IN_LIMITS.perAddress, SIGN_IN_LIMITS.addressWindowSeconds, now);
  const waits = accounts.map(({ keys }) =>
    Math.max(windowRemaining(buckets.get(keys.pair), SIGN_IN_LIMITS.perPair, SIGN_IN_LIMITS.pairWindowSeconds, now), accountBackoffSeconds(buckets.get(keys.account), now)),
  );
  // Accounts still open to this address; a throttled one is not even tried.
  const open = accounts.filter((_, index) => waits[index] === 0);
  if (addressWait > 0 || open.length === 0) {
    return { ok: false, code: "RATE_LIMITED", retryAfterSeconds: Math.max(addressWait, open.length === 0 ? Math.min(...waits) : 0) };
  }

  let user: SignInCandidate | undefined;
  for (const { candidate } of open) {
    if (candidate === null) {
      await verifyAgainstDummy(password);
    } else if (await verifyPassword(password, candidate.passwordHash!)) {
      user = candidate;
      break;
    }
  }
  if (!user) {
    await Promise.all([
      hitRateLimit(addressKey, SIGN_IN_LIMITS.addressWindowSeconds),
      ...open.flatMap(({ keys }) => [hitRateLimit(keys.pair, SIGN_IN_LIMITS.pairWindowSeconds), hitRateLimit(keys.account, SIGN_IN_LIMITS.accountWindowSeconds)]),
    ]);
    log.info({ address, known: candidates.length > 0 }, "sign-in refused");
    // Each organization's audit log shows failed sign-ins of its members: the accounts whose
    // password was tried, and disabled ones. Not awaited: the answer must take the same time
    // whether the email exists or not.
    const failed = [
      ...open.flatMap(({ candidate }) => (candidate?.membership ? [{ account: candidate, membership: candidate.membership, reason: "wrong password" }] : [])),
      ...everyAccount.flatMap((account) => (!account.isActive && account.membership ? [{ account, membership: account.membership, reason: "account disabled" }] : [])),
    ];
    for (const { account, membership, reason } of failed) {
      const scope: Scope = { organizationId: membership.organizationId, actor: { kind: "user", userId: account.id, role: membership.role } };
      void recordAudit(scope, { action: "auth.sign_in_failed", targetType: "user", targetId: account.id, ip: address, data: { reason } }).catch((error: unknown) =>
        log.warn({ err: error }, "could not audit a failed sign-in"),
      );
    }
    return { ok: false, code: "INVALID_CREDENTIALS" };
  }
  const own = accountThrottleKeys(`user:${user.id}`, address);
  // The owner proved the password: their counters start over (the per-address one does not).
  await clearRateLimits([own.pair, own.account]);
  if (needsRehash(user.passwordHash!)) {
    await setPasswordHash(user.id, await hashPassword(password));
  }
  const scope: Scope = { organizationId: user.membership!.organizationId, actor: { kind: "user", userId: user.id, role: user.membership!.role } };
  await recordAudit(scope, { action: "auth.signed_in", targetType: "user", targetId: user.id, ip: address });
  return { ok: true, userId: user.id, scope };
}

/**
 * Which of these accounts are throttled right now (from some address, or account-wide), for the
 * members page's "Sign-in throttled" badge and its Unlock button.
 */
export async function throttledUserIds(userIds: readonly string[]): Promise<Set<string>> {
  const wanted = new Set(userIds);
  const now = Date.now();
  const [pairs, accounts] = await Promise.all([
    listRateLimits("signin:pair:user:", SIGN_IN_LIMITS.pairWindowSeconds),
    listRateLimits("signin:account:user:", SIGN_IN_LIMITS.accountWindowSeconds),
  ]);
  const throttled = new Set<string>();
  for (const [key, bucket] of pairs) {
    const userId = key.slice("signin:pair:user:".length).split("|")[0] ?? "";
    if (wanted.has(userId) && windowRemaining(bucket, SIGN_IN_LIMITS.perPair, SIGN_IN_LIMITS.pairWindowSeconds, now) > 0) {
      throttled.add(userId);
    }
  }
  for (const [key, bucket] of accounts) {
    const userId = key.slice("signin:account:user:".length);
    if (wanted.has(userId) && bucket.count >= SIGN_IN_LIMITS.accountFreeFailures && bucket.windowStart.getTime() > now - SIGN_IN_LIMITS.accountWindowSeconds * 1000) {
      throttled.add(userId);
    }
  }
  return throttled;
}
