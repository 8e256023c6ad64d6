import "server-only";
import { z } from "zod";
import { recordAudit } from "@/lib/data/audit";
import { clearRateLimit, hitRateLimit, peekRateLimit } from "@/lib/data/rate-limits";
import { getUserForSignIn, setPasswordHash } from "@/lib/data/users";
import { logger } from "@/lib/logger";
import { emailField } from "@/lib/validation/form";
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from "./password";

const log = logger("auth.sign-in");

// Failures per account and per client address within a 15-minute window.
export const SIGN_IN_LIMITS = { perAccount: 5, perAddress: 30, windowSeconds: 15 * 60 } as const;

export const signInSchema = z.object({
  email: emailField,
  // Length-bounded but not strength-checked: old passwords must keep working.
  password: z.string({ error: "Password is required" }).min(1, "Password is required").max(128, "Password must be at most 128 characters"),
});

export type SignInOutcome =
  | { ok: true; userId: string; sessionVersion: number }
  | { ok: false; code: "INVALID_INPUT"; fieldErrors: Record<string, string[]> }
  | { ok: false; code: "INVALID_CREDENTIALS" }
  | { ok: false; code: "RATE_LIMITED"; retryAfterSeconds: number };

/**
 * Checks email + password with rate limits per account and per address. The answer
 * for a wrong password, an unknown email and a disabled account is the same, and
 * costs the same time, so it does not reveal which emails exist.
 */
export async function verifySignIn(raw: unknown, address: string): Promise<SignInOutcome> {
  const parsed = signInSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, code: "INVALID_INPUT", fieldErrors: z.flattenError(parsed.error).fieldErrors as Record<string, string[]> };
  }
  const { email, password } = parsed.data;
  const accountKey = `signin:account:${email}`;
  const addressKey = `signin:address:${address}`;
  const [byAccount, byAddress] = await Promise.all([
    peekRateLimit(accountKey, SIGN_IN_LIMITS.perAccount, SIGN_IN_LIMITS.windowSeconds),
    peekRateLimit(addressKey, SIGN_IN_LIMITS.perAddress, SIGN_IN_LIMITS.windowSeconds),
  ]);
  if (!byAccount.allowed || !byAddress.allowed) {
    return { ok: false, code: "RATE_LIMITED", retryAfterSeconds: Math.max(byAccount.retryAfterSeconds, byAddress.retryAfterSeconds) };
  }

  const user = await getUserForSignIn(email);
  const valid = user?.passwordHash && user.isActive ? await verifyPassword(password, user.passwordHash) : (await verifyAgainstDummy(password), false);
  if (!valid || !user) {
    await Promise.all([
      hitRateLimit(accountKey, SIGN_IN_LIMITS.perAccount, SIGN_IN_LIMITS.windowSeconds),
      hitRateLimit(addressKey, SIGN_IN_LIMITS.perAddress, SIGN_IN_LIMITS.windowSeconds),
    ]);
    log.info({ address, known: Boolean(user) }, "sign-in refused");
    if (user?.membership) {
      // The organization's audit log shows failed sign-ins of its members. Not awaited: the
      // answer must take the same time whether the email exists or not.
      const scope = { organizationId: user.membership.organizationId, actor: { kind: "user" as const, userId: user.id, role: user.membership.role } };
      void recordAudit(scope, { action: "auth.sign_in_failed", targetType: "user", targetId: user.id, ip: address, data: { reason: user.isActive ? "wrong password" : "account disabled" } }).catch((error: unknown) =>
        log.warn({ err: error }, "could not audit a failed sign-in"),
      );
    }
    return { ok: false, code: "INVALID_CREDENTIALS" };
  }
  await clearRateLimit(accountKey);
  if (user.passwordHash && needsRehash(user.passwordHash)) {
    await setPasswordHash(user.id, await hashPassword(password));
  }
  // A user without a membership cannot get a session (lib/data/users.ts); nothing to record.
  if (user.membership) {
    const scope = { organizationId: user.membership.organizationId, actor: { kind: "user" as const, userId: user.id, role: user.membership.role } };
    await recordAudit(scope, { action: "auth.signed_in", targetType: "user", targetId: user.id, ip: address });
  }
  return { ok: true, userId: user.id, sessionVersion: user.sessionVersion };
}
