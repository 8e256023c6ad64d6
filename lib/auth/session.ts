import "server-only";
import { decode } from "next-auth/jwt";
import { cookies } from "next/headers";
import { cache } from "react";
import { getSessionUser, type SessionUser } from "@/lib/data/users";
import { getEnv } from "@/lib/env";

/** next-auth's session cookie names (the secure one when Keel is served over https). */
export const SESSION_COOKIES = ["__Secure-next-auth.session-token", "next-auth.session-token"] as const;

/** What a session cookie carries: the user, the `Session` row, and the end of the sign-in it came from. */
export type SessionClaims = { userId: string; sessionId: string; endsAt: number | undefined };

/** Decodes a session cookie value into its claims, or null (no cookie, forged, expired, or from before server-side sessions). */
export async function readSessionToken(raw: string | undefined): Promise<SessionClaims | null> {
  if (!raw) {
    return null;
  }
  // decode() decrypts the JWE and checks its expiry (jose's jwtDecrypt).
  const token = await decode({ token: raw, secret: getEnv().KEEL_SESSION_SECRET ?? "" }).catch(() => null);
  if (!token?.sub || typeof token.sid !== "string") {
    return null;
  }
  const endsAt = typeof token.abs === "number" ? token.abs : typeof token.exp === "number" ? token.exp : undefined;
  return { userId: token.sub, sessionId: token.sid, endsAt };
}

/** The claims of this request's session cookie (not yet checked against the database). */
export async function currentSessionClaims(): Promise<SessionClaims | null> {
  const store = await cookies();
  const raw = SESSION_COOKIES.map((name) => store.get(name)?.value).find(Boolean);
  return readSessionToken(raw);
}

/**
 * The signed-in user for this request, or null. The one session choke point: the JWT names a
 * `Session` row, and one query (lib/data/users.ts getSessionUser) checks that the row still
 * exists and has not run out, that the user is active and still a member — so signing out, a
 * password change or reset, a role change, disabling and "sign out everywhere" apply to the very
 * next request, and a copied cookie replayed after sign-out is refused.
 */
export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const claims = await currentSessionClaims();
  if (!claims) {
    return null;
  }
  return getSessionUser(claims.sessionId, claims.userId);
});
