import "server-only";
import { cookies } from "next/headers";
import { getEnv } from "@/lib/env";
import { decodeIntent, encodeIntent, INTENT_COOKIE, INTENT_MAX_AGE_SECONDS, type OAuthIntent } from "./intent";
import { publicUrlOf } from "./config";

function secret(): string {
  const value = getEnv().KEEL_SESSION_SECRET;
  if (!value) {
    throw new Error("KEEL_SESSION_SECRET is not set: start Keel with `npm start`, which provides it");
  }
  return value;
}

/** Stores the intent before the admin leaves for the consent page (server actions only). */
export async function setIntentCookie(intent: Omit<OAuthIntent, "expiresAt">): Promise<void> {
  const store = await cookies();
  store.set(INTENT_COOKIE, encodeIntent({ ...intent, expiresAt: Math.floor(Date.now() / 1000) + INTENT_MAX_AGE_SECONDS }, secret()), {
    httpOnly: true,
    // Lax: the cookie must come back on the provider's top-level redirect to the callback.
    sameSite: "lax",
    secure: publicUrlOf(getEnv()).startsWith("https:"),
    path: "/",
    maxAge: INTENT_MAX_AGE_SECONDS,
  });
}

/** The intent of this browser's OAuth round trip, or null. */
export async function readIntentCookie(): Promise<OAuthIntent | null> {
  const store = await cookies();
  return decodeIntent(store.get(INTENT_COOKIE)?.value, secret());
}

/** A Set-Cookie header value that removes the intent (appended to next-auth's responses). */
export function clearIntentHeader(): string {
  const secure = publicUrlOf(getEnv()).startsWith("https:") ? "; Secure" : "";
  return `${INTENT_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure}`;
}
