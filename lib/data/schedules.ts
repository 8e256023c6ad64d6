import "server-only";
import { db } from "@/lib/db";
import type { Scope } from "@/lib/scope";

// Scheduled builds (lib/shared/schedule.ts, lib/builds/schedule.ts): which profiles have a
// schedule, the scheduled build a slot compares with, and what came of a slot.

/**
 * Profiles whose schedule is on (automatic mode, a connection), of every organization: the
 * builds.schedule tick covers them all (each slot then runs in its organization's system scope).
 */
export async function listScheduledProfiles(): Promise<{ id: string; organizationId: string; triggers: unknown }[]> {
  return db.$queryRaw`
    SELECT id, "organizationId", triggers FROM "BuildProfile"
    WHERE "connectionId" IS NOT NULL AND triggers->>'mode' = 'automatic' AND triggers->'schedule'->>'enabled' = 'true'`;
}

/**
 * The profile's latest scheduled build that is waiting, running or said something about its code
 * (succeeded or failed): a slot whose branch is still at its commit has nothing new to build.
 * Canceled, timed-out and errored ones do not count — the next slot tries that commit again.
 */
export async function lastScheduledBuild(scope: Scope, profileId: string): Promise<{ number: number; commitId: string } | null> {
  return db.build.findFirst({
    where: { organizationId: scope.organizationId, profileId, trigger: "SCHEDULE", status: { in: ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED"] } },
    orderBy: { number: "desc" },
    select: { number: true, commitId: true },
  });
}

/** Records what came of a slot (shown on the profile's Triggers card); an older slot never overwrites a newer one. */
export async function recordScheduleOutcome(scope: Scope, profileId: string, slot: Date, outcome: string): Promise<void> {
  await db.buildProfile.updateMany({
    where: { id: profileId, organizationId: scope.organizationId, OR: [{ scheduleLastSlotAt: null }, { scheduleLastSlotAt: { lte: slot } }] },
    data: { scheduleLastSlotAt: slot, scheduleLastOutcome: outcome.slice(0, 500) },
  });
}
