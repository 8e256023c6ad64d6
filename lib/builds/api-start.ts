import "server-only";
import { randomUUID } from "node:crypto";
import { noteUseFailure } from "@/lib/connections/health";
import { listArtifacts } from "@/lib/data/artifacts";
import { expectedStartOf } from "@/lib/data/builds";
import { InvalidRequest } from "@/lib/entry/request";
import { json, jsonError } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { publicUrlOf } from "@/lib/oauth/config";
import { problemFromError } from "@/lib/repositories/connection-client";
import type { Scope } from "@/lib/scope";
import { idempotencyKeyHeader } from "@/lib/validation/api-tokens";
import { buildJson } from "./api";
import type { StartedBuild } from "./service";

// What the token API's two ways of starting a build (a profile's POST …/builds, a build's POST
// …/rebuild) share: the Idempotency-Key, Azure DevOps' refusal in the profile page's words, and
// the answer (README.md, "Starting builds from scripts").

/**
 * The start's idempotency key: the request's Idempotency-Key, per person (two people's scripts
 * that happen to pick the same key do not meet), or a fresh one. INVALID_INPUT on a bad header.
 */
export function apiIdempotencyKey(request: Request, userId: string): string {
  const header = request.headers.get("idempotency-key");
  if (header === null) {
    return `api:${randomUUID()}`;
  }
  const key = idempotencyKeyHeader.safeParse(header);
  if (!key.success) {
    throw new InvalidRequest({ "Idempotency-Key": [`Idempotency-Key ${key.error.issues[0]?.message ?? "is not valid"}`] });
  }
  return `api:${userId}:${key.data}`;
}

type ProfileConnection = Parameters<typeof problemFromError>[1];

/**
 * Starts a build through `start` and answers as the token API does: 201 with the build and its
 * Location, 200 with the same build for a key used before; 502 in the profile page's words when
 * Azure DevOps refused or could not be reached (noted on the connection's health). Anything else
 * is thrown for the route to map.
 */
export async function startedAnswer(scope: Scope, connection: ProfileConnection | null, start: () => Promise<StartedBuild>): Promise<Response> {
  let started: StartedBuild;
  try {
    started = await start();
  } catch (caught) {
    const problem = !isAppError(caught) && connection ? problemFromError(caught, connection) : null;
    if (!problem || !connection) {
      throw caught;
    }
    await noteUseFailure(scope, connection, problem);
    return jsonError(502, "PROVIDER_REJECTED", `${problem.title}. ${problem.detail} ${problem.fix.join(" ")}`.trim(), { problem: problem.id });
  }
  const origin = publicUrlOf(getEnv());
  const [{ artifacts }, expectedStartAt] = await Promise.all([listArtifacts(scope, started.build.id), expectedStartOf(started.build)]);
  return json({ build: buildJson(started.build, artifacts, origin, null, [], expectedStartAt) }, started.created ? 201 : 200, { Location: `${origin}/api/v1/builds/${started.build.id}` });
}
