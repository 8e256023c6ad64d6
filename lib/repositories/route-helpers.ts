import "server-only";
import { noteUseFailure } from "@/lib/connections/health";
import { jsonError } from "@/lib/entry/route";
import { logger } from "@/lib/logger";
import type { Scope } from "@/lib/scope";
import { problemFromError } from "./connection-client";
import { unexpectedProblem } from "@/lib/shared/problems";

// What the picker's JSON routes answer when Azure DevOps fails them. Everything else a route
// needs (session, role, parameters, the organization-scoped target, error mapping) is the
// entry wrapper's (lib/entry/route.ts).

const log = logger("api.picker");

/**
 * Maps a failure of an Azure DevOps call to a 502 with the doctor's explanation (or a logged
 * 500); a refused credential also changes the connection's health (lib/connections/health.ts).
 */
export async function upstreamFailure(scope: Scope, error: unknown, connection: Parameters<typeof problemFromError>[1], what: string): Promise<Response> {
  const problem = problemFromError(error, connection);
  if (problem === null) {
    log.error({ err: error, connectionId: connection.id }, `${what} failed unexpectedly`);
    return jsonError(500, "UNEXPECTED", `${what} failed unexpectedly. Try again.`, { problem: unexpectedProblem(what) });
  }
  await noteUseFailure(scope, connection, problem);
  return jsonError(502, "PROVIDER_REJECTED", problem.title, { problem });
}

/**
 * The answer for a profile whose connection was deleted (issue 12): it cannot reach Azure DevOps
 * until it is re-bound to a connection that reaches the same repository.
 */
export function disconnectedProfile(profile: { disconnectedConnectionName: string | null }): Response {
  return jsonError(
    409,
    "CONFLICT",
    `This build profile is disconnected: its connection${profile.disconnectedConnectionName ? ` "${profile.disconnectedConnectionName}"` : ""} was deleted. Re-bind it to a connection that reaches the repository (on the profile's page).`,
  );
}
