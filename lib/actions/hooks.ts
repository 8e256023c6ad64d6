"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getConnection } from "@/lib/data/connections";
import { listHookSubscriptions, updateProfileTriggers } from "@/lib/data/hooks";
import { recordAudit } from "@/lib/data/audit";
import { action } from "@/lib/entry/action";
import { AppError, isAppError } from "@/lib/errors";
import { backfillConnection } from "@/lib/hooks/backfill";
import { processDelivery } from "@/lib/hooks/process";
import { requestHookSync, rotateHookPassword } from "@/lib/hooks/subscriptions";
import { problemFromError } from "@/lib/repositories/connection-client";
import { formatSlot, nextSlot } from "@/lib/shared/schedule";
import { afterOf, scheduleIsOn, scheduleOf, triggersAreAutomatic } from "@/lib/shared/triggers";
import { errorState } from "@/lib/validation/form";
import { triggersFields, triggersFormSchema } from "@/lib/validation/triggers";

/**
 * Saves a profile's triggers (its creator or an admin), audited, and asks a worker to bring the
 * repository's service-hook subscriptions in line (create them, or remove them when no profile
 * of the repository builds by itself any more).
 */
export const updateTriggersAction = action(
  {
    name: "hooks.update-triggers",
    permission: "profile.triggers",
    target: "profile",
    form: { schema: triggersFormSchema, fields: triggersFields },
    unexpected: "Saving the triggers failed unexpectedly. Nothing changed; try again.",
  },
  async ({ scope, target: profile, input }) => {
    const saved = await updateProfileTriggers(scope, profile.id, input);
    await requestHookSync(scope, saved);
    revalidatePath(`/profiles/${profile.id}`);
    const next = scheduleIsOn(input) ? nextSlot(scheduleOf(input), new Date()) : null;
    const when = next ? `The next scheduled build is ${formatSlot(next, scheduleOf(input).timeZone)} (${scheduleOf(input).timeZone}).` : "";
    return {
      status: "success",
      message:
        input.mode === "manual"
          ? "Saved. Builds of this profile start only when someone starts one."
          : triggersAreAutomatic(input)
            ? `Saved. Keel sets up the service hooks for this repository in the background (or polls it when Azure DevOps does not allow them).${when ? ` ${when}` : ""}`
            : `Saved. ${when || (afterOf(input).enabled ? "Its builds start after the other profile's successful builds." : "Nothing starts builds of this profile by itself: turn on pushes, pull requests or a schedule.")}`,
    };
  },
);

/**
 * Processes one stored delivery again (admins): the profiles are matched with today's triggers
 * and builds are started with the same keys as the first time, so a build already started for
 * the change is not started twice.
 */
export const replayDeliveryAction = action(
  { name: "hooks.replay", permission: "hooks.manage", target: "delivery", unexpected: "Replaying the delivery failed unexpectedly. Try again." },
  async ({ scope, target: delivery }) => {
    let outcome;
    try {
      outcome = await processDelivery(scope, delivery.id);
    } catch (caught) {
      if (isAppError(caught)) {
        throw caught;
      }
      const connection = await getConnection(scope, delivery.connectionId);
      const problem = connection ? problemFromError(caught, connection) : null;
      if (problem) {
        return errorState(`${problem.title}. ${problem.detail} ${problem.fix.join(" ")}`.trim());
      }
      throw caught;
    }
    await recordAudit(scope, { action: "hooks.delivery_replayed", targetType: "hook_delivery", targetId: delivery.id, data: { eventType: delivery.eventType, notificationId: delivery.notificationId, started: outcome.filter((item) => item.created).length } });
    revalidatePath(`/connections/${delivery.connectionId}/deliveries`);
    const started = outcome.filter((item) => item.created).length;
    const existing = outcome.filter((item) => item.buildId && !item.created).length;
    return {
      status: "success",
      message: started > 0 ? `Replayed: ${started} build${started === 1 ? "" : "s"} started.` : existing > 0 ? `Replayed: the builds of this change had already been started (${existing}); nothing was duplicated.` : "Replayed: no build profile's triggers match this delivery.",
    };
  },
);

/** Asks Azure DevOps for the connection's recent notifications and processes those Keel never received (admins). */
export const backfillDeliveriesAction = action(
  { name: "hooks.backfill", permission: "hooks.manage", target: "connection", unexpected: "Backfill failed unexpectedly. Try again." },
  async ({ scope, target: connection }) => {
    let summary;
    try {
      summary = await backfillConnection(scope, connection.id);
    } catch (caught) {
      if (isAppError(caught)) {
        throw caught;
      }
      const problem = problemFromError(caught, connection);
      if (problem) {
        return errorState(`${problem.title}. ${problem.detail} ${problem.fix.join(" ")}`.trim());
      }
      throw caught;
    }
    revalidatePath(`/connections/${connection.id}/deliveries`);
    if (summary.subscriptions === 0) {
      return { status: "success", message: "This connection has no service-hook subscriptions in Azure DevOps yet: nothing to backfill." };
    }
    return {
      status: "success",
      message: `Backfill done: Azure DevOps listed ${summary.notifications} recent notification${summary.notifications === 1 ? "" : "s"}; ${summary.missing} had never reached Keel and ${summary.builds} build${summary.builds === 1 ? "" : "s"} started.${summary.failed > 0 ? ` ${summary.failed} could not be processed yet; Keel retries them.` : ""}`,
    };
  },
);

/**
 * Issues new Basic credentials for a subscription an Azure DevOps administrator creates by hand
 * (when Keel may not): the password is shown once, in this answer, and only its hash and sealed
 * copy are kept. Admins only; audited.
 */
export const issueHookCredentialsAction = action(
  {
    name: "hooks.issue-credentials",
    permission: "hooks.manage",
    target: "profile",
    args: [z.enum(["git.push", "git.pullrequest.created", "git.pullrequest.updated", "ms.vss-code.git-pullrequest-comment-event"])],
    unexpected: "Creating the credentials failed unexpectedly. Try again.",
  },
  async ({ scope, target: profile, args: [eventType] }) => {
    if (!profile.connectionId) {
      throw new AppError("CONFLICT", "The profile has no connection, so it has no service hooks.");
    }
    const row = (await listHookSubscriptions(scope, { connectionId: profile.connectionId, repositoryId: profile.repositoryId })).find((item) => item.eventType === eventType);
    if (!row) {
      throw new AppError("NOT_FOUND", "Keel has no subscription for this event yet: save the triggers first.");
    }
    if (row.state !== "NO_PERMISSION") {
      // Keel manages this one itself: new credentials would break it until its next repair.
      throw new AppError("CONFLICT", "Keel created this subscription itself; it needs no hand-made copy.");
    }
    const password = await rotateHookPassword(scope, row);
    return { status: "success", message: "New credentials: copy the password now, Keel shows it only once.", data: { password } };
  },
);
