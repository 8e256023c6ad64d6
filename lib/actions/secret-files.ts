"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { removeSecretFile, saveSecretFile } from "@/lib/data/secret-files";
import { action } from "@/lib/entry/action";
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
    const { replaced } = await saveSecretFile(scope, profile.id, input);
    revalidatePath(`/profiles/${profile.id}/workflow`);
    return { status: "success", message: `${replaced ? "Replaced" : "Saved"}. The next build finds ${input.fileName} at the path in $${input.variable}.` };
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
