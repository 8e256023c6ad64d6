import "server-only";
import type { z } from "zod";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import type { Permission } from "@/lib/policy";
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
  return jsonError(statusOf(failure.code), failure.code, failure.message, error instanceof InvalidRequest ? { fields: error.fields } : {});
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
      // A route without dynamic segments gets no params from Next.js.
      const pathParams: Record<string, string | string[]> = (await segment?.params) ?? {};
      const { id: rawId, ...rest } = pathParams;
      const input = await parseRequest(request, rest, config, publicUrlOf(getEnv()));
      let target: unknown;
      if (config.target) {
        target = await loadTarget(config.target, caller.scope, rawId);
        authorizeTarget(caller.scope, config.permission, target);
      }
      return await handler({ ...caller, request, target: target as RouteContext<K, P, Q, B>["target"], ...input });
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
