import { randomUUID } from "node:crypto";
import { z } from "zod";
import { buildJson, buildSummaryJson } from "@/lib/builds/api";
import { startBuild } from "@/lib/builds/service";
import { noteUseFailure } from "@/lib/connections/health";
import { listArtifacts } from "@/lib/data/artifacts";
import { listBuilds } from "@/lib/data/builds";
import { InvalidRequest } from "@/lib/entry/request";
import { json, jsonError, tokenRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { publicUrlOf } from "@/lib/oauth/config";
import { problemFromError } from "@/lib/repositories/connection-client";
import { apiListBuildsQuery, apiStartBuildBody, idempotencyKeyHeader } from "@/lib/validation/api-tokens";

export const dynamic = "force-dynamic";

/**
 * The token API's builds of a profile (README.md, "Starting builds from scripts"). GET: the
 * newest builds, of a branch, of a commit (or its start) or in a status if asked. POST: starts a build — of the default
 * branch's tip, a branch's tip, a commit, a tag, or a pull request's merge commit — as the token's
 * owner, and answers 201 with the build (200 with the same build when an Idempotency-Key was
 * used before by this person).
 */
export const GET = tokenRoute(
  { name: "api.v1.builds.list", permission: "build.read", target: "profile", query: apiListBuildsQuery },
  async ({ scope, target: profile, query }) => {
    const { rows } = await listBuilds(scope, { profileId: profile.id, ...(query.branch ? { branch: query.branch } : {}), ...(query.commit ? { commit: query.commit } : {}), ...(query.status ? { status: query.status } : {}), page: 1, pageSize: query.limit });
    const origin = publicUrlOf(getEnv());
    return json({ builds: rows.map((row) => buildSummaryJson(row, origin)) });
  },
);

export const POST = tokenRoute(
  { name: "api.v1.builds.start", permission: "build.start", target: "profile", query: z.strictObject({}), body: apiStartBuildBody },
  async ({ scope, user, target: profile, body, request }) => {
    const header = request.headers.get("idempotency-key");
    let idempotencyKey = `api:${randomUUID()}`;
    if (header !== null) {
      const key = idempotencyKeyHeader.safeParse(header);
      if (!key.success) {
        throw new InvalidRequest({ "Idempotency-Key": [`Idempotency-Key ${key.error.issues[0]?.message ?? "is not valid"}`] });
      }
      // Per person: two people's scripts that happen to pick the same key do not meet.
      idempotencyKey = `api:${user.id}:${key.data}`;
    }
    let started;
    try {
      started = await startBuild(scope, {
        profileId: profile.id,
        ...(body.branch ? { branch: body.branch } : {}),
        ...(body.commit ? { commit: body.commit } : {}),
        ...(body.tag ? { tag: body.tag } : {}),
        ...(body.variables ? { parameters: body.variables } : {}),
        ...(body.pullRequest ? { pullRequestNumber: body.pullRequest } : {}),
        trigger: "API",
        idempotencyKey,
      });
    } catch (caught) {
      const connection = profile.connection;
      const problem = !isAppError(caught) && connection ? problemFromError(caught, connection) : null;
      if (!problem || !connection) {
        throw caught;
      }
      await noteUseFailure(scope, connection, problem);
      // Azure DevOps refused or could not be reached: what the profile page would say, for the script's log.
      return jsonError(502, "PROVIDER_REJECTED", `${problem.title}. ${problem.detail} ${problem.fix.join(" ")}`.trim(), { problem: problem.id });
    }
    const origin = publicUrlOf(getEnv());
    const { artifacts } = await listArtifacts(scope, started.build.id);
    return json({ build: buildJson(started.build, artifacts, origin) }, started.created ? 201 : 200, { Location: `${origin}/api/v1/builds/${started.build.id}` });
  },
);
