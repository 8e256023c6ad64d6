"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { createVariableGroup, deleteVariableGroup, updateVariableGroup } from "@/lib/data/variable-groups";
import { action } from "@/lib/entry/action";
import { flash } from "@/lib/entry/flash";
import { createVariableGroupFields, createVariableGroupSchema, updateVariableGroupFields, updateVariableGroupSchema } from "@/lib/validation/variable-groups";

// Settings → Variable groups (admins): values several build profiles share, kept once
// (lib/builds/README.md, "Variable groups").

/** Creates a group (a double submit makes one) and opens its page to add variables. */
export const createVariableGroupAction = action(
  {
    name: "variableGroups.create",
    permission: "variableGroup.manage",
    form: { schema: createVariableGroupSchema, fields: createVariableGroupFields },
    unexpected: "Creating the variable group failed unexpectedly. Nothing was created; try again.",
  },
  async ({ scope, input }) => {
    const group = await createVariableGroup(scope, input);
    revalidatePath("/settings/variable-groups");
    await flash(`Created the variable group “${input.name}”. Add its variables, then use it in a profile's workflow.`);
    redirect(`/settings/variable-groups/${group.id}`);
  },
);

/** Saves a group's name, description and variables; the page stays open on the new version. */
export const updateVariableGroupAction = action(
  {
    name: "variableGroups.update",
    permission: "variableGroup.manage",
    target: "variableGroup",
    form: { schema: updateVariableGroupSchema, fields: updateVariableGroupFields, secret: ["variables"] },
    unexpected: "Saving the variable group failed unexpectedly. Nothing was changed; try again.",
  },
  async ({ scope, target: group, input }) => {
    const { changed } = await updateVariableGroup(scope, group.id, input);
    revalidatePath("/settings/variable-groups");
    revalidatePath(`/settings/variable-groups/${group.id}`);
    for (const profile of group.profiles) {
      revalidatePath(`/profiles/${profile.id}`);
    }
    return {
      status: "success",
      message: changed.length === 0 ? "Nothing changed." : group.profiles.length === 0 ? "Saved. No profile uses this group yet." : `Saved. The next builds of ${group.profiles.length === 1 ? "its profile" : `its ${group.profiles.length} profiles`} get these values.`,
    };
  },
);

/** Deletes a group: the profiles that used it lose its variables. */
export const deleteVariableGroupAction = action(
  {
    name: "variableGroups.delete",
    permission: "variableGroup.manage",
    target: "variableGroup",
    unexpected: "Deleting the variable group failed unexpectedly. Try again.",
  },
  async ({ scope, target: group }) => {
    const deleted = await deleteVariableGroup(scope, group.id);
    revalidatePath("/settings/variable-groups");
    for (const profile of group.profiles) {
      revalidatePath(`/profiles/${profile.id}`);
    }
    await flash(`Deleted the variable group “${deleted.name}”.${deleted.profiles.length > 0 ? ` ${deleted.profiles.join(", ")} no longer get${deleted.profiles.length === 1 ? "s" : ""} its variables.` : ""}`);
    redirect("/settings/variable-groups");
  },
);
