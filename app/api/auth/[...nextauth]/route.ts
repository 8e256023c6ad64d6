import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { getCurrentUser } from "@/lib/auth/session";
import { buildAuthOptions } from "@/lib/auth/options";
import { logger } from "@/lib/logger";
import { isOAuthProviderId, publicUrlOf, type OAuthProviderId } from "@/lib/oauth/config";
import { aadstsIn } from "@/lib/oauth/aadsts";
import { knownProviderError, type OAuthFailureReason } from "@/lib/oauth/failures";
import { recordAudit } from "@/lib/data/audit";
import { runOAuthFlow } from "@/lib/oauth/flow-context";
import { intentPermission, type OAuthIntent } from "@/lib/oauth/intent";
import { can } from "@/lib/policy";
import { userScope } from "@/lib/scope";
import { clearIntentHeader, readIntentCookie } from "@/lib/oauth/intent-cookie";
import { getEnv } from "@/lib/env";

const log = logger("auth.route");

type Context = { params: Promise<{ nextauth: string[] }> };

// Built per request (not at import): the options read configuration, which must not
// be required while `next build` collects route information.
//
// For the two OAuth providers this handler also:
//   - refuses to start a sign-in without a signed-in admin and a matching intent cookie (the
//     wizard's "Continue to …" sets it), so nobody leaves for a consent page Keel cannot use;
//   - turns a provider's error redirect (Deny → error=access_denied) into Keel's page for it;
//   - sends every failed callback, which next-auth would turn into its sign-in page with a
//     bare "OAuthCallback", back to the wizard or the connection with the precise reason;
//   - removes the intent cookie once the round trip is over.
async function handler(request: NextRequest, context: Context) {
  const params = await context.params;
  const [action, providerId] = params.nextauth ?? [];
  const refused = await refuseMalformed(request, action, providerId);
  if (refused) {
    return refused;
  }
  if (isOAuthProviderId(providerId) && (action === "signin" || action === "callback")) {
    return oauthRoute(request, params, action, providerId);
  }
  return NextAuth(request as never, { params } as never, buildAuthOptions());
}

export { handler as GET, handler as POST };

async function oauthRoute(request: NextRequest, params: { nextauth: string[] }, action: "signin" | "callback", provider: OAuthProviderId): Promise<Response> {
  const intent = await readIntentCookie().catch(() => null);
  if (action === "signin") {
    const user = await getCurrentUser();
    // next-auth's own flow, not the entry wrapper (lib/entry): the same questions in its terms.
    const reason: OAuthFailureReason | null = !user
      ? "no_session"
      : !can(userScope(user), intentPermission(intent))
        ? "not_admin"
        : !intent || intent.userId !== user.id || intent.provider !== provider
          ? "no_intent"
          : null;
    if (reason !== null) {
      return refuseSignIn(request, failureUrl(intent, provider, reason));
    }
    return NextAuth(request as never, { params } as never, buildAuthOptions());
  }

  const query = request.nextUrl.searchParams;
  const providerError = query.get("error");
  if (providerError !== null) {
    // The provider sent the admin back without an authorization (Deny, or a request it refused).
    // Entra names the exact cause as an AADSTS code in error_description: the page explains it.
    const code = /^[A-Za-z0-9_.-]{1,64}$/.test(providerError) ? providerError : "error";
    const aadsts = aadstsIn(query.get("error_description"));
    return redirectTo(failureUrl(intent, provider, code === "access_denied" ? "denied" : "provider_error", aadsts ?? code), new Headers());
  }

  const { result, state } = await runOAuthFlow(() => NextAuth(request as never, { params } as never, buildAuthOptions()) as Promise<Response>);
  const location = result.headers.get("location");
  const failed = location === null ? null : nextAuthFailure(location);
  if (failed === null) {
    result.headers.append("Set-Cookie", clearIntentHeader());
    return result;
  }
  const reason = state.failure?.reason ?? failed;
  // next-auth's own error code (OAuthCallback, AccessDenied…) names what failed and carries no
  // secret: it is kept in the log line and in the audit event of the admin whose link failed.
  const nextAuthCode = location ? (new URL(location, request.url).searchParams.get("error")?.slice(0, 64) ?? null) : null;
  log.info({ provider, reason, nextAuthCode }, "OAuth callback refused");
  const user = intent ? await getCurrentUser() : null;
  if (user && intent && intent.userId === user.id) {
    await recordAudit(userScope(user), {
      action: "oauth.link_failed",
      targetType: intent.kind === "draft" ? "connect_draft" : "connection",
      targetId: intent.targetId,
      data: { provider, reason, nextAuthCode, providerError: knownProviderError(state.failure?.providerError) ?? null },
    }).catch((error: unknown) => log.warn({ err: error }, "could not audit the failed OAuth callback"));
  }
  // Keep next-auth's own cookies (it clears the state/PKCE/nonce cookies it used).
  const headers = new Headers();
  for (const cookie of result.headers.getSetCookie()) {
    headers.append("Set-Cookie", cookie);
  }
  return redirectTo(failureUrl(intent, provider, reason, state.failure?.providerError), headers);
}

/**
 * Requests next-auth 4 would answer with a 500: a JSON body that does not parse (it calls
 * `request.json()` unguarded) and the credentials callback asked with GET (it throws "not
 * supported"; the sign-in form posts to it). Nothing else is decided here.
 */
async function refuseMalformed(request: NextRequest, action: string | undefined, providerId: string | undefined): Promise<Response | null> {
  if (action === "callback" && providerId === "credentials" && request.method !== "POST") {
    return redirectTo("/signin", new Headers());
  }
  if (request.method === "POST" && (request.headers.get("content-type") ?? "").includes("application/json")) {
    const readable = await request
      .clone()
      .json()
      .then(
        () => true,
        () => false,
      );
    if (!readable) {
      return Response.json({ error: { code: "INVALID_INPUT", message: "The request body must be JSON" } }, { status: 400, headers: { "Cache-Control": "no-store" } });
    }
  }
  return null;
}

/** The Keel reason for a next-auth failure redirect, or null when the callback succeeded. */
function nextAuthFailure(location: string): OAuthFailureReason | null {
  const url = new URL(location, "http://keel.invalid");
  if (url.pathname.endsWith("/api/auth/error")) {
    const code = url.searchParams.get("error");
    if (code === "OAuthAccountNotLinked") {
      return "other_user";
    }
    if (code === "AccessDenied") {
      return "no_intent";
    }
    // A callback without usable state/PKCE cookies (replayed, expired, another browser).
    return code === "OAuthCallback" ? "state_mismatch" : "failed";
  }
  // next-auth sends a callback whose profile could not be read to its sign-in page.
  if (url.pathname.endsWith("/api/auth/signin") || url.pathname === "/signin") {
    return "profile_failed";
  }
  return null;
}

/** Where a failed round trip sends the admin: the wizard step or the connection it was for. */
function failureUrl(intent: OAuthIntent | null, provider: OAuthProviderId, reason: OAuthFailureReason, providerError?: string): string {
  const query = new URLSearchParams({ reason, provider });
  if (providerError) {
    query.set("code", providerError);
  }
  if (intent?.kind === "draft") {
    return `/connect/${intent.targetId}/oauth/failed?${query}`;
  }
  if (intent?.kind === "reauth") {
    return `/connections/${intent.targetId}/reauthorize?${query}`;
  }
  return `/connect/oauth-failed?${query}`;
}

function absolute(path: string): string {
  return `${publicUrlOf(getEnv())}${path}`;
}

function redirectTo(path: string, headers: Headers): Response {
  headers.set("Location", absolute(path));
  headers.set("Cache-Control", "no-store");
  headers.append("Set-Cookie", clearIntentHeader());
  return new Response(null, { status: 302, headers });
}

/** A refused sign-in start: next-auth's client expects JSON `{url}` when it posted `json=true`. */
async function refuseSignIn(request: NextRequest, path: string): Promise<Response> {
  const form = await request.clone().formData().catch(() => null);
  if (form?.get("json") === "true") {
    return Response.json({ url: absolute(path) }, { headers: { "Cache-Control": "no-store" } });
  }
  return redirectTo(path, new Headers());
}
