"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { inspectSigningFile } from "@/lib/builds/signing-files";
import { removeSecretFile, saveSecretFile } from "@/lib/data/secret-files";
import { action } from "@/lib/entry/action";
import { signingExpiry, signingExpiryWords, signingState, signingTitle } from "@/lib/shared/signing-files";
import { secretFileFields, secretFileSchema } from "@/lib/validation/secret-files";

// A profile's secret files (lib/builds/README.md, "Secret files"): admins, like the workflow.

export const saveSecretFileAction = action(
  {
    name: "builds.secret-file.save",
    permission: "workflow.update",
    target: "profile",
    form: { schema: secretFileSchema, fields: secretFileFields, secret: ["content"] },
    unexpected: "Uploading the file failed unexpectedly. Nothing was changed; try again.",
  },
  async ({ scope, target: profile, input }) => {
    // What a signing file is, and when it ends, is read here, where the content is.
    const signing = inspectSigningFile(input.content);
    const { replaced } = await saveSecretFile(scope, profile.id, { ...input, signing });
    revalidatePath(`/profiles/${profile.id}/workflow`);
    const title = signingTitle(signing);
    const expiresAt = signingExpiry(signing);
    const now = new Date();
    const about = title ? ` ${title}${expiresAt ? `, ${signingExpiryWords(expiresAt, now)}` : ""}.` : "";
    const warning = expiresAt && signingState(expiresAt, now) === "expired" ? " Builds that sign with it fail: upload a current one." : "";
    return { status: "success", message: `${replaced ? "Replaced" : "Saved"}. The next build finds ${input.fileName} at the path in $${input.variable}.${about}${warning}` };
  },
);

export const removeSecretFileAction = action(
  {
    name: "builds.secret-file.remove",
    permission: "workflow.update",
    target: "profile",
    args: [z.uuid()],
    unexpected: "Removing the file failed unexpectedly. Try again.",
  },
  async ({ scope, target: profile, args: [fileId] }) => {
    const removed = await removeSecretFile(scope, profile.id, fileId);
    revalidatePath(`/profiles/${profile.id}/workflow`);
    return { status: "success", message: removed ? "Removed. Builds no longer get the file." : "That file was already removed." };
  },
);
