"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createProfileShare, createShare, revokeProfileShare, revokeShare } from "@/lib/data/shares";
import { removeTesterDevice } from "@/lib/data/tester-devices";
import { action } from "@/lib/entry/action";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { shortBranchName } from "@/lib/shared/names";
import { sharePath } from "@/lib/shared/shares";
import { shareBuildSchema, shareProfileSchema } from "@/lib/validation/builds";

// "Share with testers" on a build page (lib/builds/README.md, "Sharing with testers"): members
// and admins make a link to a finished build's files that anyone may open, and turn links off;
// on a profile page, a link that always opens the newest successful build of a branch.

/** Which link to turn off. */
const shareIdSchema = z.object({ shareId: z.uuid({ error: "Reload the page and try again" }) });

/** Makes a link; the answer carries its address, which the page also lists while it lasts. */
export const shareBuildAction = action(
  {
    name: "builds.share",
    permission: "build.share",
    target: "build",
    form: { schema: shareBuildSchema, fields: ["notes", "days"] },
    unexpected: "Making the link failed unexpectedly. No link was made; try again.",
  },
  async ({ scope, target: build, input }) => {
    const share = await createShare(scope, build.id, input.days, input.notes);
    revalidatePath(`/builds/${build.id}`);
    return { status: "success", message: `Made a link that works for ${input.days === 1 ? "a day" : `${input.days} days`}. Send it to your testers.`, data: { url: `${publicUrlOf(getEnv())}${sharePath(share.key)}` } };
  },
);

/** Turns a link off: whoever opens it next is told it no longer works. */
export const unshareBuildAction = action(
  {
    name: "builds.unshare",
    permission: "build.share",
    target: "build",
    form: { schema: shareIdSchema, fields: ["shareId"] },
    unexpected: "Turning the link off failed unexpectedly. Try again.",
  },
  async ({ scope, target: build, input }) => {
    const removed = await revokeShare(scope, build.id, input.shareId);
    revalidatePath(`/builds/${build.id}`);
    return { status: "success", message: removed ? "The link is off: it no longer opens the build." : "The link was already off." };
  },
);


/** A profile's link to the newest successful build of a branch: one address (and QR code) for every build to come. */
export const shareProfileAction = action(
  {
    name: "profiles.share",
    permission: "build.share",
    target: "profile",
    form: { schema: shareProfileSchema, fields: ["branch", "days"] },
    unexpected: "Making the link failed unexpectedly. No link was made; try again.",
  },
  async ({ scope, target: profile, input }) => {
    const share = await createProfileShare(scope, profile.id, input.branch, input.days);
    revalidatePath(`/profiles/${profile.id}`);
    return { status: "success", message: `Made a link to the newest build of ${shortBranchName(input.branch)} that works for ${input.days} days. Send it to your testers.`, data: { url: `${publicUrlOf(getEnv())}${sharePath(share.key)}` } };
  },
);

/** Turns a profile's link to the newest build off. */
export const unshareProfileAction = action(
  {
    name: "profiles.unshare",
    permission: "build.share",
    target: "profile",
    form: { schema: shareIdSchema, fields: ["shareId"] },
    unexpected: "Turning the link off failed unexpectedly. Try again.",
  },
  async ({ scope, target: profile, input }) => {
    const removed = await revokeProfileShare(scope, profile.id, input.shareId);
    revalidatePath(`/profiles/${profile.id}`);
    return { status: "success", message: removed ? "The link is off: it no longer opens any build." : "The link was already off." };
  },
);

/** Removes a device testers registered (admins: the list is what they add to Apple's profiles). */
export const removeTesterDeviceAction = action(
  {
    name: "profiles.tester-device.remove",
    permission: "workflow.update",
    target: "profile",
    args: [z.uuid()],
    unexpected: "Removing the device failed unexpectedly. Try again.",
  },
  async ({ scope, target: profile, args: [deviceId] }) => {
    const removed = await removeTesterDevice(scope, profile.id, deviceId);
    revalidatePath(`/profiles/${profile.id}`);
    return { status: "success", message: removed ? "Removed from the list (Apple's account keeps what was added there)." : "That device was already removed." };
  },
);
