"use server";

import { recordAudit } from "@/lib/data/audit";
import { bumpSessionVersion } from "@/lib/data/users";
import { action } from "@/lib/entry/action";

/** Ends every session of the current user, on every device. */
export const signOutEverywhereAction = action({ name: "session.sign-out-everywhere", permission: "session.manage" }, async ({ scope }) => {
  await bumpSessionVersion(scope);
  await recordAudit(scope, { action: "auth.signed_out_everywhere" });
  return { status: "success", message: "Signed out everywhere." };
});
