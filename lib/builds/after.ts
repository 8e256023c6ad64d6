import "server-only";
import { downstreamCandidates, hasDownstreamProfiles } from "@/lib/data/builds";
import { isAppError } from "@/lib/errors";
import type { JobContext } from "@/lib/jobs/define";
import { enqueue } from "@/lib/jobs/enqueue";
import { afterBuildQueue } from "@/lib/jobs/queues";
import { slotJobId } from "@/lib/jobs/schedules";
import { logger } from "@/lib/logger";
import type { Scope } from "@/lib/scope";
import { afterDecision, triggersOf } from "@/lib/shared/triggers";
import { startBuild } from "./service";

// Builds after another profile's builds (lib/shared/triggers.ts, `after`; lib/builds/README.md,
// "After another profile's builds"): a build that succeeds on a branch starts the builds of the
// profiles that build after it, trigger AFTER_BUILD, linked to it — of its repository the same
// commit and branch, of another repository that profile's default branch as it is now. The
// worker asks for the job once the build has ended; the job's id
// and each build's idempotency key derive from the build, so a retry starts nothing twice.

const log = logger("builds.after");

/** Asks a worker to start the builds that follow a successful build; best effort, never throws. */
export async function requestDownstreamBuilds(scope: Scope, build: { id: string; profileId: string }): Promise<void> {
  try {
    if (await hasDownstreamProfiles(scope, build.profileId)) {
      await enqueue(afterBuildQueue, { buildId: build.id }, { scope, id: slotJobId(`builds.after:${build.id}`, new Date(0)) });
    }
  } catch (error) {
    log.warn({ err: error, buildId: build.id }, "could not queue the builds that follow this one");
  }
}

/** The job: each profile whose `after` names the build's profile and branch builds its commit. */
export async function downstreamBuildsJob(payload: { buildId: string }, context: JobContext<"organization">): Promise<void> {
  const found = await downstreamCandidates(context.scope, payload.buildId);
  if (!found) {
    return;
  }
  const { upstream, profiles } = found;
  for (const profile of profiles) {
    if (!afterDecision(triggersOf(profile.triggers), upstream.profileId, upstream.branch!, profile.defaultBranch).start) {
      continue;
    }
    if (!profile.sameRepository && !profile.defaultBranch) {
      log.warn({ upstreamBuildId: upstream.id, profileId: profile.id }, "a profile of another repository builds after this one but has no default branch to build");
      continue;
    }
    try {
      const { build, created } = await startBuild(context.scope, {
        profileId: profile.id,
        // Another repository (an app after its SDK): its default branch's tip, not the upstream's commit.
        ...(profile.sameRepository ? { commit: upstream.commitId, branch: upstream.branch! } : { branch: profile.defaultBranch! }),
        trigger: "AFTER_BUILD",
        upstreamBuildId: upstream.id,
        idempotencyKey: `after:${profile.id}:${upstream.id}`,
      });
      if (created) {
        log.info({ buildId: build.id, upstreamBuildId: upstream.id, profileId: profile.id }, "started a build after another profile's");
      }
    } catch (error) {
      // A refusal about this profile (its connection gone, the commit gone) is its own; the others still start.
      if (isAppError(error) && (error.code === "CONFLICT" || error.code === "INVALID_INPUT" || error.code === "NOT_FOUND")) {
        log.warn({ err: error, upstreamBuildId: upstream.id, profileId: profile.id }, "a build after another profile's was not started");
        continue;
      }
      throw error;
    }
  }
}
