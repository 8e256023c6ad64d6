/**
 * The OAuth intent: what the admin was doing when they left Keel for the consent page (linking
 * an identity for a wizard draft, or re-authorizing a connection), so the callback knows where
 * the identity goes and where to send the admin back — and so a callback nobody started in
 * this browser is refused.
 *
 * It travels in an httpOnly, SameSite=Lax cookie, signed with an HMAC key derived from the
 * session secret. It holds ids only (no token, nothing secret) and lives 15 minutes, as long
 * as next-auth's state and PKCE cookies.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Permission } from "@/lib/policy";
import { isOAuthProviderId, type OAuthProviderId } from "./config";

export const INTENT_COOKIE = "keel.oauth-intent";
export const INTENT_MAX_AGE_SECONDS = 15 * 60;

export type OAuthIntent = {
  kind: "draft" | "reauth";
  /** The draft id (kind draft) or the connection id (kind reauth). */
  targetId: string;
  provider: OAuthProviderId;
  userId: string;
  organizationId: string;
  /** Epoch seconds. */
  expiresAt: number;
};

/**
 * What linking an identity is part of, for the policy: the connect wizard, or re-authorizing a
 * connection. Without an intent it is the wizard's (the stricter question is asked anyway).
 */
export function intentPermission(intent: Pick<OAuthIntent, "kind"> | null): Permission {
  return intent?.kind === "reauth" ? "connection.reauthorize" : "connection.create";
}

const intentSchema = z.object({
  kind: z.enum(["draft", "reauth"]),
  targetId: z.uuid(),
  provider: z.string().refine(isOAuthProviderId),
  userId: z.uuid(),
  organizationId: z.uuid(),
  expiresAt: z.number().int().positive(),
});

function signature(secret: string, payload: string): Buffer {
  // A key of its own, derived from the session secret: an intent can never pass for a session.
  const key = createHmac("sha256", secret).update("keel.oauth-intent.v1").digest();
  return createHmac("sha256", key).update(payload).digest();
}

/** Serialises and signs an intent for the cookie. */
export function encodeIntent(intent: OAuthIntent, secret: string): string {
  const payload = Buffer.from(JSON.stringify(intent), "utf8").toString("base64url");
  return `${payload}.${signature(secret, payload).toString("base64url")}`;
}

/** The intent in a cookie value, or null when it is missing, tampered with or expired. */
export function decodeIntent(raw: string | undefined, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): OAuthIntent | null {
  if (!raw || raw.length > 2_000) {
    return null;
  }
  const [payload, mac, extra] = raw.split(".");
  if (!payload || !mac || extra !== undefined) {
    return null;
  }
  const expected = signature(secret, payload);
  const given = Buffer.from(mac, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const result = intentSchema.safeParse(parsed);
  if (!result.success || result.data.expiresAt <= nowSeconds) {
    return null;
  }
  return result.data as OAuthIntent;
}
