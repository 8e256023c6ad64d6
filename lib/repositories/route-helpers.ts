import "server-only";
import type { z } from "zod";
import { getCurrentUser } from "@/lib/auth/session";
import { getConnection, type ConnectionView } from "@/lib/data/connections";
import { getProfile, type ProfileView } from "@/lib/data/profiles";
import type { SessionUser } from "@/lib/data/users";
import { noteUseFailure } from "@/lib/connections/health";
import { logger } from "@/lib/logger";
import { idSchema } from "@/lib/validation/auth";
import { queryErrors, searchParamsObject } from "@/lib/validation/profiles";
import { problemFromError } from "./connection-client";
import { unexpectedProblem, type PickerProblem } from "@/lib/shared/problems";

/**
 * Shared plumbing of the picker's JSON route handlers: each one authenticates, authorizes by
 * organization (a connection or profile of another organization is a 404, like a missing
 * one), validates every query parameter, and answers JSON that no cache keeps.
 */

const log = logger("api.picker");

const NO_STORE = { "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };

/** A JSON answer that no shared or browser cache keeps. */
export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: NO_STORE });
}

/** A JSON error: `{ error: { code, message, fields?, problem? } }`. */
export function jsonError(status: number, code: string, message: string, extra: { fields?: Record<string, string[]>; problem?: PickerProblem } = {}): Response {
  return json({ error: { code, message, ...extra } }, status);
}

/** The signed-in user, or the 401 to return. */
export async function routeUser(): Promise<{ ok: true; user: SessionUser } | { ok: false; response: Response }> {
  const user = await getCurrentUser();
  if (!user) {
    return { ok: false, response: jsonError(401, "UNAUTHENTICATED", "Your session has ended. Sign in again to continue.") };
  }
  return { ok: true, user };
}

/** Parses the query string with a strict schema; the 400 names each bad or unknown parameter. */
export function parseQuery<S extends z.ZodType>(request: Request, schema: S): { ok: true; data: z.infer<S> } | { ok: false; response: Response } {
  const params = new URL(request.url).searchParams;
  const parsed = schema.safeParse(searchParamsObject(params));
  if (!parsed.success) {
    const fields = queryErrors(parsed.error);
    const first = Object.values(fields)[0]?.[0] ?? "A query parameter is not valid.";
    return { ok: false, response: jsonError(400, "INVALID_INPUT", first, { fields }) };
  }
  return { ok: true, data: parsed.data };
}

/** The user and the connection named in the path, if it belongs to their organization. */
export async function routeConnection(rawId: string): Promise<{ ok: true; user: SessionUser; connection: ConnectionView } | { ok: false; response: Response }> {
  const auth = await routeUser();
  if (!auth.ok) {
    return auth;
  }
  const connection = idSchema.safeParse(rawId).success ? await getConnection(auth.user.organizationId, rawId) : null;
  if (!connection) {
    return { ok: false, response: jsonError(404, "NOT_FOUND", "That connection does not exist in your organization.") };
  }
  return { ok: true, user: auth.user, connection };
}

/**
 * Maps a failure of an Azure DevOps call to a 502 with the doctor's explanation (or a logged
 * 500); a refused credential also changes the connection's health (lib/connections/health.ts).
 */
export async function upstreamFailure(error: unknown, connection: Parameters<typeof problemFromError>[1], what: string, organizationId: string): Promise<Response> {
  const problem = problemFromError(error, connection);
  if (problem === null) {
    log.error({ err: error, connectionId: connection.id }, `${what} failed unexpectedly`);
    return jsonError(500, "UNEXPECTED", `${what} failed unexpectedly. Try again.`, { problem: unexpectedProblem(what) });
  }
  await noteUseFailure(organizationId, connection, problem);
  return jsonError(502, "PROVIDER_REJECTED", problem.title, { problem });
}

/** The user and the build profile named in the path, if it belongs to their organization. */
export async function routeProfile(rawId: string): Promise<{ ok: true; user: SessionUser; profile: ProfileView } | { ok: false; response: Response }> {
  const auth = await routeUser();
  if (!auth.ok) {
    return auth;
  }
  const profile = idSchema.safeParse(rawId).success ? await getProfile(auth.user.organizationId, rawId) : null;
  if (!profile) {
    return { ok: false, response: jsonError(404, "NOT_FOUND", "That build profile does not exist in your organization.") };
  }
  return { ok: true, user: auth.user, profile };
}
