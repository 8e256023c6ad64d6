import "server-only";
import { decode } from "next-auth/jwt";
import { cookies } from "next/headers";
import { cache } from "react";
import { getSessionUser, type SessionUser } from "@/lib/data/users";
import { getEnv } from "@/lib/env";

/** next-auth's session cookie names (the secure one when Keel is served over https). */
export const SESSION_COOKIES = ["__Secure-next-auth.session-token", "next-auth.session-token"] as const;

/** Decodes a session cookie value into the user id and session version it carries, or null. */
export async function readSessionToken(raw: string | undefined): Promise<{ userId: string; sessionVersion: number } | null> {
  if (!raw) {
    return null;
  }
  // decode() decrypts the JWE and checks its expiry (jose's jwtDecrypt).
  const token = await decode({ token: raw, secret: getEnv().KEEL_SESSION_SECRET ?? "" }).catch(() => null);
  if (!token?.sub || typeof token.sv !== "number") {
    return null;
  }
  return { userId: token.sub, sessionVersion: token.sv };
}

/**
 * The signed-in user for this request, or null. The one session choke point: it
 * checks the JWT, then that the user is still active and the session version still
 * matches (so disabling a user or changing their role applies at once).
 */
export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const store = await cookies();
  const raw = SESSION_COOKIES.map((name) => store.get(name)?.value).find(Boolean);
  const session = await readSessionToken(raw);
  if (!session) {
    return null;
  }
  return getSessionUser(session.userId, session.sessionVersion);
});
