import "server-only";
import type { NextAuthOptions } from "next-auth";
import { encode } from "next-auth/jwt";
import CredentialsProvider from "next-auth/providers/credentials";
import { keelAuthAdapter } from "@/lib/data/oauth";
import { createSession, getSessionUser, SESSION_LIFETIME_SECONDS } from "@/lib/data/users";
import { getEnv } from "@/lib/env";
import { DEFAULT_AFTER_SIGN_IN, sameOriginPath } from "@/lib/shared/safe-redirect";
import { logger } from "@/lib/logger";
import { configuredNextAuthProviders } from "./azure-devops-providers";
import { authorizeOAuthLink, completeOAuthLink } from "./oauth-link";
import { currentSessionClaims } from "./session";
import { endSignedOutSession } from "./sign-out";
import { verifySignIn } from "./sign-in";

const log = logger("auth.next-auth");

/** Session lifetime: 12 hours, absolute (the session row's end; the cookie is not slid forward either). */
export const SESSION_MAX_AGE_SECONDS = SESSION_LIFETIME_SECONDS;

/**
 * The client address of a request: Keel's web server (lib/runtime/web-server.ts) has already
 * replaced X-Forwarded-For with the one address it decided on — the socket's, or what a trusted
 * proxy reported — so a value a client forged never gets here.
 */
export function clientAddress(headers: Record<string, string | string[] | undefined> | Headers | undefined): string {
  const raw = headers instanceof Headers ? headers.get("x-forwarded-for") : headers?.["x-forwarded-for"];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return (value ?? "unknown").split(",")[0]!.trim().slice(0, 64) || "unknown";
}

/**
 * next-auth's own log lines. The metadata may carry provider responses, so only next-auth's
 * error code is kept — under `nextAuthCode`, because the logger redacts any key named `code`
 * (an OAuth authorization code) and next-auth's codes (OAUTH_CALLBACK_ERROR, JWT_SESSION_ERROR…)
 * carry no secret and are what an operator needs to read.
 */
export const nextAuthLogger = {
  error(code: string, metadata: unknown) {
    log.warn({ nextAuthCode: code, kind: typeof metadata }, "next-auth error");
  },
  warn(code: string) {
    log.warn({ nextAuthCode: code }, "next-auth warning");
  },
  debug() {},
};

/** Error carried from `authorize` to the sign-in form (next-auth passes the message through). */
export type SignInErrorPayload =
  | { code: "INVALID_INPUT"; fieldErrors: Record<string, string[]> }
  | { code: "INVALID_CREDENTIALS" }
  | { code: "RATE_LIMITED"; retryAfterSeconds: number };

/**
 * next-auth configuration. Credentials sign-in requires JWT sessions in next-auth 4;
 * the JWT carries only the user id and session version, and every request checks
 * both against the database (lib/auth/session.ts).
 *
 * The OAuth providers (Azure DevOps OAuth, Microsoft Entra ID) never sign anyone in: they
 * link an Azure DevOps identity to the admin already signed in (lib/auth/oauth-link.ts), and
 * the wrapped adapter stores their tokens sealed (lib/data/oauth.ts).
 */
export function buildAuthOptions(): NextAuthOptions {
  const env = getEnv();
  return {
    secret: env.KEEL_SESSION_SECRET,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS, updateAge: SESSION_MAX_AGE_SECONDS },
    jwt: {
      maxAge: SESSION_MAX_AGE_SECONDS,
      // A session re-issued by an OAuth link keeps the end of the sign-in it came from (`abs`).
      async encode(params) {
        const abs = typeof params.token?.abs === "number" ? params.token.abs : undefined;
        const maxAge = abs === undefined ? params.maxAge : Math.max(0, Math.min(abs - Math.floor(Date.now() / 1000), SESSION_MAX_AGE_SECONDS));
        return encode({ ...params, ...(maxAge === undefined ? {} : { maxAge }) });
      },
    },
    adapter: keelAuthAdapter(),
    pages: { signIn: "/signin", error: "/signin" },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          const input = { email: credentials?.email, password: credentials?.password };
          const outcome = await verifySignIn(input, clientAddress(req?.headers));
          if (!outcome.ok) {
            const payload: SignInErrorPayload =
              outcome.code === "INVALID_INPUT"
                ? { code: outcome.code, fieldErrors: outcome.fieldErrors }
                : outcome.code === "RATE_LIMITED"
                  ? { code: outcome.code, retryAfterSeconds: outcome.retryAfterSeconds }
                  : { code: outcome.code };
            throw new Error(JSON.stringify(payload));
          }
          // The server-side session starts here; the cookie next-auth writes carries its id.
          const session = await createSession(outcome.userId, clientAddress(req?.headers));
          return { id: outcome.userId, sessionId: session.id };
        },
      }),
      ...configuredNextAuthProviders(),
    ],
    callbacks: {
      // Every redirect next-auth makes (callbackUrl of sign-in and sign-out, its callback-url
      // cookie) goes through the one rule of lib/shared/safe-redirect.ts.
      async redirect({ url, baseUrl }) {
        return `${baseUrl}${sameOriginPath(url, baseUrl) ?? DEFAULT_AFTER_SIGN_IN}`;
      },
      async signIn({ account }) {
        if (!account || account.provider === "credentials") {
          return true;
        }
        return authorizeOAuthLink(account);
      },
      async jwt({ token, user, account }) {
        if (user && account?.type === "oauth") {
          // An OAuth link re-issues the cookie of the admin who is signed in: the same user, the
          // same session row, and the same absolute end — a link never starts or extends a session.
          const current = await currentSessionClaims();
          if (!current || current.userId !== user.id) {
            throw new Error("OAuth link without the signed-in user's session");
          }
          return { sub: user.id, sid: current.sessionId, ...(current.endsAt === undefined ? {} : { abs: current.endsAt }) };
        }
        if (user) {
          // Only the user id and the session id: no name, email or picture in the cookie.
          const sessionId = (user as { sessionId?: string }).sessionId;
          if (typeof sessionId !== "string") {
            throw new Error("Sign-in without a server-side session");
          }
          return { sub: user.id, sid: sessionId };
        }
        // next-auth re-reads the cookie (/api/auth/session) and would re-issue it: only while its
        // session row is live. Throwing makes next-auth answer an empty session and clear the cookie.
        if (typeof token.sid !== "string" || typeof token.sub !== "string" || !(await getSessionUser(token.sid, token.sub))) {
          throw new Error("SESSION_ENDED");
        }
        return { sub: token.sub, sid: token.sid, iat: token.iat, exp: token.exp, jti: token.jti, ...(typeof token.abs === "number" ? { abs: token.abs } : {}) };
      },
      async session({ session, token }) {
        // Served to the browser by /api/auth/session: nothing but the expiry and the id.
        return { expires: session.expires, user: { id: token.sub } } as typeof session;
      },
    },
    events: {
      async signOut({ token }) {
        // The server-side half of signing out: the session row goes, so the same cookie replayed
        // later (copied, stolen, cached) is refused at once.
        await endSignedOutSession(token?.sub, token?.sid);
      },
      async signIn({ account, profile, user }) {
        if (account && account.type === "oauth") {
          await completeOAuthLink(account, profile ?? user);
        }
      },
    },
    logger: nextAuthLogger,
  };
}
