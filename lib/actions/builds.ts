"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { cancelBuild, cancelQueued, rebuild, runBuildNext, startBuild } from "@/lib/builds/service";
import { noteUseFailure } from "@/lib/connections/health";
import { problemViewerFor } from "@/lib/connections/service";
import { problemForViewer } from "@/lib/shared/problems";
import { setBuildKept, setNextBuildNumber, setProfilePaused, setSecretRefs, updateWorkflow } from "@/lib/data/builds";
import { secretRefsFields, secretRefsFormSchema } from "@/lib/validation/secret-refs";
import { clearCaches } from "@/lib/data/caches";
import { action } from "@/lib/entry/action";
import { isAppError } from "@/lib/errors";
import { problemFromError } from "@/lib/repositories/connection-client";
import { buildNumberSchema, cancelQueuedSchema, keepBuildSchema, pauseBuildsSchema, rebuildSchema, startBuildFields, startBuildSchema, workflowFormSchema } from "@/lib/validation/builds";
import { errorState } from "@/lib/validation/form";
import { flash } from "@/lib/entry/flash";

/**
 * "Start build" on a profile page (members and admins): a branch of the live list or a pasted
 * commit, checked against Azure DevOps; the build is queued at once and the build page opens
 * (it shows the queue position). A repeated submit of the same form lands on the same build.
 */
export const startBuildAction = action(
  {
    name: "builds.start",
    permission: "build.start",
    target: "profile",
    form: { schema: startBuildSchema, fields: startBuildFields },
    unexpected: "Starting the build failed unexpectedly. Nothing was queued; try again.",
  },
  async ({ scope, target: profile, input, values }) => {
    let buildId: string;
    try {
      const started = await startBuild(scope, {
        profileId: profile.id,
        ...(input.branch ? { branch: input.branch } : {}),
        ...(input.commit ? { commit: input.commit } : {}),
        ...(input.pullRequest ? { pullRequestNumber: input.pullRequest } : {}),
        ...(input.tag ? { tag: input.tag } : {}),
        parameters: input.parameters,
        skipCaches: input.skipCaches,
        trigger: "MANUAL",
        idempotencyKey: input.idempotencyKey,
      });
      buildId = started.build.id;
    } catch (caught) {
      if (isAppError(caught)) {
        const field = typeof caught.details?.field === "string" ? caught.details.field : null;
        if (caught.code === "INVALID_INPUT" && field) {
          return errorState(caught.message, { [field]: [caught.message] }, values);
        }
        throw caught;
      }
      const connection = profile.connection;
      const problem = connection ? problemFromError(caught, connection) : null;
      if (connection) {
        await noteUseFailure(scope, connection, problem);
      }
      if (problem && connection) {
        const shown = problemForViewer(problem, await problemViewerFor(scope, connection));
        return errorState(`${shown.title}. ${shown.detail} ${shown.fix.join(" ")}`.trim(), {}, values);
      }
      throw caught;
    }
    revalidatePath(`/profiles/${profile.id}`);
    revalidatePath("/builds");
    redirect(`/builds/${buildId}`);
  },
);

/** Cancel on a build page (members and admins): a queued build ends at once, a running one within a second. */
export const cancelBuildAction = action(
  { name: "builds.cancel", permission: "build.cancel", target: "build", unexpected: "Canceling the build failed unexpectedly. Try again." },
  async ({ scope, target: build }) => {
    const result = await cancelBuild(scope, build.id);
    revalidatePath(`/builds/${build.id}`);
    if (result.alreadyFinal) {
      return { status: "success", message: "The build had already finished." };
    }
    return { status: "success", message: result.status === "CANCELED" ? "Canceled." : "Canceling: Keel is stopping the build's processes." };
  },
);

/** "Cancel the queued builds" on /builds (admins): a flood of builds after a bad trigger or a mass merge, stopped at once. */
export const cancelQueuedAction = action(
  { name: "builds.cancel-queued", permission: "build.cancel_queued", form: { schema: cancelQueuedSchema, fields: ["profile"] }, unexpected: "Canceling the queued builds failed unexpectedly. Try again." },
  async ({ scope, input }) => {
    const { canceled, more } = await cancelQueued(scope, input.profile ? { profileId: input.profile } : {});
    if (canceled === 0) {
      return { status: "success", message: "No build was waiting: nothing to cancel." };
    }
    revalidatePath("/builds");
    // The button goes with the queue, so the answer is a confirmation on the list of what was canceled.
    await flash(`Canceled ${canceled === 1 ? "1 queued build" : `${canceled} queued builds`}${more ? "; more are waiting: press it again" : ""}. Builds already running go on.`);
    redirect(`/builds?status=CANCELED${input.profile ? `&profile=${input.profile}` : ""}`);
  },
);

/** "Keep forever" on a build page (admins): retention leaves its log and artifacts alone; and the way back. */
export const keepBuildAction = action(
  { name: "builds.keep", permission: "build.keep", target: "build", form: { schema: keepBuildSchema, fields: ["keep"] }, unexpected: "Saving failed unexpectedly. Try again." },
  async ({ scope, target: build, input }) => {
    await setBuildKept(scope, build.id, input.keep);
    revalidatePath(`/builds/${build.id}`);
    return { status: "success", message: input.keep ? "Kept forever: its log and artifacts are never deleted." : `No longer kept: its log and artifacts follow the retention periods again.` };
  },
);

/**
 * Pause a profile's builds, or resume them (admins; lib/builds/README.md, "Paused profiles"):
 * builds still queue while paused, and start once resumed.
 */
export const pauseBuildsAction = action(
  { name: "builds.pause", permission: "profile.pause", target: "profile", form: { schema: pauseBuildsSchema, fields: ["pause", "reason"] }, unexpected: "Saving failed unexpectedly. Nothing was changed; try again." },
  async ({ scope, target: profile, input }) => {
    const { changed, queued } = await setProfilePaused(scope, profile.id, input.pause ? { reason: input.reason } : null);
    revalidatePath(`/profiles/${profile.id}`);
    revalidatePath("/profiles");
    const builds = queued === 1 ? "1 build" : `${queued} builds`;
    if (input.pause) {
      const waiting = queued === 0 ? "" : ` The ${builds} already queued wait too.`;
      return { status: "success", message: `${changed ? "Paused" : "Still paused"}: builds still queue, but none starts until an admin resumes them.${waiting}` };
    }
    return {
      status: "success",
      message: !changed ? "Its builds were not paused." : queued === 0 ? "Resumed: new builds start as usual." : `Resumed: the ${queued === 1 ? "build in its queue starts" : `${builds} in its queue start`} within seconds.`,
    };
  },
);

/**
 * Which builds get the profile's secrets (admins; lib/builds/README.md, "Secrets only for some
 * branches"): every build, or only those of the branches and tags named.
 */
export const secretRefsAction = action(
  {
    name: "builds.secrets_for",
    permission: "workflow.update",
    target: "profile",
    form: { schema: secretRefsFormSchema, fields: [...secretRefsFields] },
    unexpected: "Saving failed unexpectedly. Nothing was changed; try again.",
  },
  async ({ scope, target: profile, input }) => {
    const { changed } = await setSecretRefs(scope, profile.id, input);
    revalidatePath(`/profiles/${profile.id}/workflow`);
    if (!changed) {
      return { status: "success", message: "Nothing changed." };
    }
    return {
      status: "success",
      message: input === null ? "Saved. Every build gets the secrets, as before." : "Saved. From the next build, only builds of these branches and tags get the secrets; the others run without them.",
    };
  },
);

/** "Run next" on a queued build's page (admins): to the front of its pool's queue. */
export const runNextAction = action(
  { name: "builds.run_next", permission: "build.run_next", target: "build", unexpected: "Moving the build failed unexpectedly. Try again." },
  async ({ scope, target: build }) => {
    const { changed } = await runBuildNext(scope, build.id);
    revalidatePath(`/builds/${build.id}`);
    return { status: "success", message: changed ? "Moved to the front of the queue: the next free worker of its pool takes it." : "It is already at the front of the queue." };
  },
);

/** Rebuild on a build page: the same commit again, as a new build (a pull-request build updates its comment). */
export const rebuildAction = action(
  {
    name: "builds.rebuild",
    permission: "build.start",
    target: "build",
    form: { schema: rebuildSchema, fields: ["idempotencyKey"] },
    unexpected: "Starting the build again failed unexpectedly. Try again.",
  },
  async ({ scope, target: build, input }) => {
    let buildId: string;
    try {
      // The page's key: a double click or a replayed post lands on the same new build.
      buildId = (await rebuild(scope, build.id, `rebuild:${build.id}:${input.idempotencyKey}`)).build.id;
    } catch (caught) {
      if (isAppError(caught)) {
        throw caught;
      }
      return errorState("Azure DevOps could not be asked for the commit. Open the profile to see the connection's state, then try again.");
    }
    revalidatePath(`/profiles/${build.profileId}`);
    redirect(`/builds/${buildId}`);
  },
);

/**
 * Saves a profile's workflow (admins): steps, time limit, variables; secret values sealed and
 * never echoed (the field is secret as a whole). Audited with what changed.
 */
/** "Next build number" on the workflow page (admins): continue another CI's numbering; numbers only go up. */
export const setBuildNumberAction = action(
  {
    name: "builds.number.set",
    permission: "workflow.update",
    target: "profile",
    form: { schema: buildNumberSchema, fields: ["nextNumber"] },
    unexpected: "Saving the build number failed unexpectedly. Nothing was changed; try again.",
  },
  async ({ scope, target: profile, input }) => {
    const { changed, next } = await setNextBuildNumber(scope, profile.id, input.nextNumber);
    revalidatePath(`/profiles/${profile.id}/workflow`);
    return { status: "success", message: changed ? `Saved. The next build is #${next}.` : `Nothing changed: the next build is already #${next}.` };
  },
);

/** Deletes a profile's build caches (admins): a cache that breaks builds; the next successful build saves a new one. */
export const clearCachesAction = action(
  { name: "builds.caches.clear", permission: "workflow.update", target: "profile", unexpected: "Clearing the caches failed unexpectedly. Try again." },
  async ({ scope, target: profile }) => {
    const count = await clearCaches(scope, profile.id);
    revalidatePath(`/profiles/${profile.id}/workflow`);
    return { status: "success", message: count === 0 ? "There were no caches to clear." : `Cleared ${count === 1 ? "1 cache" : `${count} caches`}. The next successful build of each branch saves a new one.` };
  },
);

export const updateWorkflowAction = action(
  {
    name: "builds.workflow.update",
    permission: "workflow.update",
    target: "profile",
    form: { schema: workflowFormSchema, fields: ["workflow"], secret: ["workflow"] },
    unexpected: "Saving the workflow failed unexpectedly. Nothing was changed; try again.",
  },
  async ({ scope, target: profile, input }) => {
    const { changed } = await updateWorkflow(scope, profile.id, input.workflow);
    revalidatePath(`/profiles/${profile.id}`);
    // The editor stays open: re-rendered, it continues from the version this save made.
    revalidatePath(`/profiles/${profile.id}/workflow`);
    return { status: "success", message: changed.length === 0 ? "Nothing changed." : "Saved. The next build uses this workflow." };
  },
);
