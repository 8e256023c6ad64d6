"use server";

import { revalidatePath } from "next/cache";
import { setOrganizationAllowlist } from "@/lib/data/network";
import { action } from "@/lib/entry/action";
import { allowlistFields, allowlistSchema } from "@/lib/validation/network";

/** Admin: replaces the organization's own outbound allowlist entries (audited; KEEL_OUTBOUND_ALLOWLIST is not touched). */
export const updateAllowlistAction = action(
  {
    name: "network.update-allowlist",
    permission: "network.update",
    form: { schema: allowlistSchema, fields: allowlistFields },
    unexpected: "Saving the allowlist failed unexpectedly. Nothing was changed; try again.",
  },
  async ({ scope, input: { entries } }) => {
    const { added, removed } = await setOrganizationAllowlist(scope, entries);
    revalidatePath("/settings/network");
    if (added.length === 0 && removed.length === 0) {
      return { status: "success", message: "Nothing changed: the allowlist already says this." };
    }
    const parts = [added.length > 0 ? `added ${added.join(", ")}` : null, removed.length > 0 ? `removed ${removed.join(", ")}` : null].filter(Boolean);
    return { status: "success", message: `Allowlist saved: ${parts.join("; ")}. Checks and calls from now on use it.` };
  },
);
