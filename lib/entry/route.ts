import "server-only";
import type { z } from "zod";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { clientAddress } from "@/lib/auth/options";
import { authenticateApiToken, type TokenCaller } from "@/lib/data/api-tokens";
import { readRateLimits, takeRateLimit } from "@/lib/data/rate-limits";
import { AppError } from "@/lib/errors";
import { API_TOKEN_READ_PERMISSIONS, canForSome, refusalOf, type Permission } from "@/lib/policy";
import type { Scope } from "@/lib/scope";
import { bearerTokenOf } from "@/lib/validation/api-tokens";
import { authorizeCaller, authorizeTarget, type Caller } from "./caller";
import { safeFailure, statusOf } from "./failures";
import { InvalidRequest, parseRequest, type RequestSpec } from "./request";
import { loadTarget, type TargetKind, type TargetOf } from "./targets";

// Every route handler under app/api (but next-auth's) is built here, in the same order as the
// server actions (lib/entry/action.ts): the session → the role → zod parse of path, query and
// body → the organization-scoped load of the target named by the `id` path parameter → the
// handler → one mapping of whatever failed to `{ error: { code, message, fields? } }` with the
// status of its code. Answers are JSON that no cache keeps.

const NO_STORE = { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };

/** A JSON answer that no shared or browser cache keeps (with any extra headers, e.g. Server-Timing). */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...NO_STORE, ...headers } });
}

/** A Server-Timing header for the time since `started` (performance.now()): what a handler's own work cost, apart from the framework's. */
export function serverTiming(name: string, started: number): Record<string, string> {
  return { "Server-Timing": `${name};dur=${(performance.now() - started).toFixed(1)}` };
}

/** A JSON error: `{ error: { code, message, …extra } }` (extra: `fields`, a picker `problem`). */
export function jsonError(status: number, code: string, message: string, extra: Record<string, unknown> = {}): Response {
  return json({ error: { code, message, ...extra } }, status);
}

/** The second argument Next.js passes a route handler. */
export type RouteSegment = { params: Promise<Record<string, string | string[]>> };

export type RouteConfig<K extends TargetKind | undefined, P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = RequestSpec<P, Q, B> & {
  /** Log label: `api.area.verb`, e.g. `api.connections.projects`. */
  name: string;
  /** Who may: a permission of lib/policy.ts. */
  permission: Permission;
  /** The thing the route is about, named by the `id` path parameter and loaded in the caller's organization. */
  target?: K;
};

export type RouteContext<K extends TargetKind | undefined, P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = Caller & {
  request: Request;
  target: K extends TargetKind ? TargetOf<K> : undefined;
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
};

function failureResponse(label: string, error: unknown): Response {
  const failure = safeFailure(label, error);
  const fields = error instanceof InvalidRequest ? error.fields : failure.field ? { [failure.field]: [failure.message] } : null;
  return jsonError(statusOf(failure.code), failure.code, failure.message, fields ? { fields } : {});
}

/**
 * The steps after the caller, shared by `route()` and `tokenRoute()`: zod parse of path, query and
 * body (state-changing requests from `origin`, unless null), then the target named by the `id`
 * path parameter, loaded in the caller's organization and asked of the policy.
 */
async function inputAndTarget<K extends TargetKind | undefined, P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  request: Request,
  segment: RouteSegment | undefined,
  config: RouteConfig<K, P, Q, B>,
  scope: Scope,
  origin: string | null,
): Promise<{ params: z.output<P>; query: z.output<Q>; body: z.output<B>; target: unknown }> {
  // A route without dynamic segments gets no params from Next.js.
  const pathParams: Record<string, string | string[]> = (await segment?.params) ?? {};
  const { id: rawId, ...rest } = pathParams;
  const input = await parseRequest(request, rest, config, origin);
  let target: unknown;
  if (config.target) {
    target = await loadTarget(config.target, scope, rawId);
    authorizeTarget(scope, config.permission, target);
  }
  return { ...input, target };
}

/** A route handler for signed-in users the policy allows `permission` (see the file comment). */
export function route<K extends TargetKind | undefined = undefined, P extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUndefined>(
  config: RouteConfig<K, P, Q, B>,
  handler: (context: RouteContext<K, P, Q, B>) => Promise<Response>,
): (request: Request, segment: RouteSegment) => Promise<Response> {
  const label = config.name;
  return async (request, segment) => {
    try {
      const caller = await authorizeCaller(config.permission);
      const input = await inputAndTarget(request, segment, config, caller.scope, publicUrlOf(getEnv()));
      return await handler({ ...caller, request, ...input, target: input.target as RouteContext<K, P, Q, B>["target"] });
    } catch (error) {
      return failureResponse(label, error);
    }
  };
}

/** Wrong tokens one client address may send in TOKEN_FAILURE_WINDOW_SECONDS before it is told to wait. */
export const TOKEN_FAILURE_LIMIT = 30;
export const TOKEN_FAILURE_WINDOW_SECONDS = 10 * 60;

const BEARER_CHALLENGE = { "WWW-Authenticate": 'Bearer realm="Keel"' };

/** What a read-only token is told when it asks for more than reading. */
export const READ_ONLY_REFUSAL = "This API token is read-only: it reads profiles, builds and their files, and changes nothing. A script that starts, cancels or keeps builds needs a token made without “Read only” (Settings → API tokens).";

export type TokenRouteContext<K extends TargetKind | undefined, P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> = TokenCaller & {
  request: Request;
  target: K extends TargetKind ? TargetOf<K> : undefined;
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
};

/** Why a request without a usable token is refused, and how to send one. */
function tokenRefusal(reason: "missing" | "unknown" | "expired"): Response {
  const message = {
    missing: "Send a Keel API token: the header Authorization: Bearer keel_… (create one under Settings → API tokens). Keel's API does not use the browser's session.",
    unknown: "This API token is not valid: it was revoked, its owner was disabled, or it was mistyped. Create a new one under Settings → API tokens.",
    expired: "This API token has expired. Create a new one under Settings → API tokens and replace it where your script keeps it.",
  }[reason];
  return json({ error: { code: "UNAUTHENTICATED", message } }, 401, { ...BEARER_CHALLENGE, ...(reason === "missing" ? {} : { "WWW-Authenticate": `Bearer realm="Keel", error="invalid_token"` }) });
}

/**
 * A route handler of Keel's token API (app/api/v1; lib/auth/README.md, "API tokens"): the same
 * steps as `route()`, but the caller is the member whose API token the Authorization header
 * carries (never a session cookie), the permission must be one tokens may have
 * (API_TOKEN_PERMISSIONS), and no Origin is asked for. Wrong tokens are counted per client
 * address: past TOKEN_FAILURE_LIMIT in the window, the address is told to wait (429, Retry-After).
 */
export function tokenRoute<K extends TargetKind | undefined = undefined, P extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUndefined>(
  config: RouteConfig<K, P, Q, B>,
  handler: (context: TokenRouteContext<K, P, Q, B>) => Promise<Response>,
): (request: Request, segment: RouteSegment) => Promise<Response> {
  const label = config.name;
  return async (request, segment) => {
    try {
      const address = clientAddress(request.headers);
      const failuresKey = `api-token:failures:${address}`;
      const failures = (await readRateLimits([failuresKey])).get(failuresKey);
      const windowLeft = failures ? failures.windowStart.getTime() + TOKEN_FAILURE_WINDOW_SECONDS * 1000 - Date.now() : 0;
      if (failures && windowLeft > 0 && failures.count >= TOKEN_FAILURE_LIMIT) {
        const wait = Math.max(1, Math.ceil(windowLeft / 1000));
        return json({ error: { code: "RATE_LIMITED", message: `Too many requests with a wrong API token came from your address. Wait ${wait} seconds, and check the token your script sends.` } }, 429, { "Retry-After": String(wait) });
      }
      const header = request.headers.get("authorization");
      const token = bearerTokenOf(header);
      if (token === null) {
        if (header !== null) {
          await takeRateLimit(failuresKey, TOKEN_FAILURE_LIMIT, TOKEN_FAILURE_WINDOW_SECONDS);
        }
        return tokenRefusal(header === null ? "missing" : "unknown");
      }
      const caller = await authenticateApiToken(token, address);
      if (typeof caller === "string") {
        await takeRateLimit(failuresKey, TOKEN_FAILURE_LIMIT, TOKEN_FAILURE_WINDOW_SECONDS);
        return tokenRefusal(caller);
      }
      if (!canForSome(caller.scope, config.permission)) {
        const readOnly = caller.scope.actor.kind === "user" && caller.scope.actor.apiToken?.readOnly === true && !API_TOKEN_READ_PERMISSIONS.includes(config.permission);
        throw new AppError("FORBIDDEN", readOnly ? READ_ONLY_REFUSAL : refusalOf(config.permission));
      }
      const input = await inputAndTarget(request, segment, config, caller.scope, null);
      return await handler({ ...caller, request, ...input, target: input.target as TokenRouteContext<K, P, Q, B>["target"] });
    } catch (error) {
      return failureResponse(label, error);
    }
  };
}

/**
 * A route handler anyone may call (the health check; the service-hook receiver, which checks
 * its own credentials): only the failure mapping applies. `params` are the path segments.
 */
export function publicRoute(
  config: { name: string },
  handler: (context: { request: Request; params: Record<string, string | string[]> }) => Promise<Response>,
): (request: Request, segment?: RouteSegment) => Promise<Response> {
  return async (request, segment) => {
    try {
      return await handler({ request, params: (await segment?.params) ?? {} });
    } catch (error) {
      return failureResponse(config.name, error);
    }
  };
}
