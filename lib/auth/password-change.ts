import "server-only";
import { hitRateLimit, readRateLimits } from "@/lib/data/rate-limits";
import { changeOwnPassword as storeOwnPassword, getOwnPasswordHash, type SessionUser } from "@/lib/data/users";
import type { Scope } from "@/lib/scope";
import { errorState, type FormState } from "@/lib/validation/form";
import { hashPassword, verifyPassword } from "./password";

/** Wrong "current password" answers allowed per user in 15 minutes (a stolen session must not become a password oracle). */
export const CURRENT_PASSWORD_LIMIT = { failures: 5, windowSeconds: 15 * 60 } as const;

/**
 * "Change password": checks the current password (throttled per user), stores the new one and
 * ends the user's other sessions; the browser that changed it stays signed in. Audited by the
 * data layer.
 */
export async function changeOwnPassword(user: SessionUser, scope: Scope, input: { current: string; password: string }, ip: string): Promise<FormState> {
  const key = `password:current:user:${user.id}`;
  const bucket = (await readRateLimits([key])).get(key);
  if (bucket && bucket.count >= CURRENT_PASSWORD_LIMIT.failures && bucket.windowStart.getTime() > Date.now() - CURRENT_PASSWORD_LIMIT.windowSeconds * 1000) {
    const minutes = Math.max(1, Math.ceil((bucket.windowStart.getTime() + CURRENT_PASSWORD_LIMIT.windowSeconds * 1000 - Date.now()) / 60_000));
    return { ...errorState(`Too many wrong current passwords. Wait ${minutes} minute${minutes === 1 ? "" : "s"} and try again.`), code: "RATE_LIMITED" };
  }
  const hash = await getOwnPasswordHash(scope);
  if (!hash || !(await verifyPassword(input.current, hash))) {
    await hitRateLimit(key, CURRENT_PASSWORD_LIMIT.windowSeconds);
    return errorState("Check the highlighted field.", { current: ["This is not your current password"] });
  }
  const { endedSessions } = await storeOwnPassword(scope, { passwordHash: await hashPassword(input.password), keepSessionId: user.sessionId, ip });
  return {
    status: "success",
    message:
      endedSessions > 0
        ? `Your password is changed. ${endedSessions === 1 ? "One other session was" : `${endedSessions} other sessions were`} signed out.`
        : "Your password is changed.",
  };
}
