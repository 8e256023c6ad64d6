import "server-only";
import { isAppError } from "@/lib/errors";
import { findBuildByIdempotencyKey } from "@/lib/data/builds";
import { getProfilePage } from "@/lib/data/profiles";
import { lastScheduledBuild, listScheduledProfiles, recordScheduleOutcome } from "@/lib/data/schedules";
import type { JobContext } from "@/lib/jobs/define";
import { enqueue } from "@/lib/jobs/enqueue";
import { scheduledBuildQueue } from "@/lib/jobs/queues";
import { slotJobId } from "@/lib/jobs/schedules";
import { logger } from "@/lib/logger";
import { clientForConnection } from "@/lib/repositories/connection-client";
import { systemScope, type Scope } from "@/lib/scope";
import { fullBranchRef, shortBranchName } from "@/lib/shared/names";
import { dueSlot, scheduleBuildKey } from "@/lib/shared/schedule";
import { scheduleIsOn, scheduleOf, triggersOf } from "@/lib/shared/triggers";
import { startBuild } from "./service";

// Scheduled builds (lib/builds/README.md, "Scheduled builds"). The builds.schedule tick (every
// minute, once across all workers) finds each profile's due slot and queues one builds.scheduled
// job per profile and slot (the job id is derived from both: every tick and worker names the same
// job). The job starts the slot's build with a key derived from the slot, so a retried or repeated
// job never starts a second one — or records why it started none.

const log = logger("builds.schedule");

/** The builds.schedule tick. */
export async function scheduleBuildsJob(_payload: Record<string, never>, context: JobContext<"global">): Promise<void> {
  const now = new Date();
  for (const profile of await listScheduledProfiles()) {
    const triggers = triggersOf(profile.triggers);
    const slot = scheduleIsOn(triggers) ? dueSlot(scheduleOf(triggers), now) : null;
    if (!slot) {
      continue;
    }
    await enqueue(
      scheduledBuildQueue,
      { profileId: profile.id, slot: slot.toISOString() },
      { scope: systemScope(profile.organizationId, context.queue), id: slotJobId(`builds.scheduled:${profile.id}`, slot) },
    );
  }
}

/** The builds.scheduled job. */
export async function scheduledBuildJob(payload: { profileId: string; slot: string }, context: JobContext<"organization">): Promise<void> {
  const outcome = await runScheduledSlot(context.scope, payload.profileId, new Date(payload.slot));
  if (outcome) {
    log.info({ profileId: payload.profileId, slot: payload.slot, outcome }, "scheduled slot handled");
  }
}

/**
 * Handles one slot of a profile's schedule: starts the build (unless the branch has not changed
 * and the schedule says so) and records what came of it. Null when the profile or its schedule is
 * gone. Throws what Azure DevOps' failures throw, so the engine retries.
 */
export async function runScheduledSlot(scope: Scope, profileId: string, slot: Date): Promise<string | null> {
  const page = await getProfilePage(scope, profileId);
  if (!page || !scheduleIsOn(page.triggers)) {
    return null;
  }
  const { profile, triggers } = page;
  const schedule = scheduleOf(triggers);
  const branch = schedule.branch ? fullBranchRef(schedule.branch) : profile.defaultBranch;
  const record = async (outcome: string) => {
    await recordScheduleOutcome(scope, profileId, slot, outcome);
    return outcome;
  };
  const key = scheduleBuildKey(profileId, slot);
  const earlier = await findBuildByIdempotencyKey(scope, key);
  if (earlier) {
    // Another tick or a retry of this slot: its build is there already.
    return record(`Started build #${earlier.number} (already started for this time).`);
  }
  if (!branch) {
    return record("Not started: the repository has no branch yet.");
  }
  if (!profile.connection) {
    return record("Not started: the profile has no connection to Azure DevOps any more.");
  }
  let commit: string | undefined;
  if (schedule.onlyWhenChanged) {
    const { client } = await clientForConnection(scope, profile.connection);
    const refs = await client.listRefsPage(profile.projectId, profile.repositoryId, { filter: branch.replace(/^refs\//, ""), top: 100 });
    const tip = refs.items.find((ref) => ref.name === branch)?.objectId.toLowerCase();
    if (!tip) {
      return record(`Not started: the repository has no branch ${shortBranchName(branch)} (it may have been deleted). Choose another under Triggers.`);
    }
    const last = await lastScheduledBuild(scope, profileId);
    if (last && last.commitId === tip) {
      return record(`Skipped: ${shortBranchName(branch)} has no new commits since scheduled build #${last.number}.`);
    }
    commit = tip;
  }
  try {
    const { build, created } = await startBuild(scope, { profileId, branch, ...(commit ? { commit } : {}), trigger: "SCHEDULE", idempotencyKey: key });
    return record(created ? `Started build #${build.number}.` : `Started build #${build.number} (already started for this time).`);
  } catch (error) {
    // What the slot cannot change (a branch gone, the connection gone) is its outcome; Azure DevOps
    // being away is thrown, and the engine tries again.
    if (isAppError(error) && (error.code === "INVALID_INPUT" || error.code === "CONFLICT" || error.code === "NOT_FOUND")) {
      return record(`Not started: ${error.message}`);
    }
    throw error;
  }
}
