"use server";

import { requireActionUser } from "@/lib/auth/guards";
import { recordAudit } from "@/lib/data/audit";
import { bumpSessionVersion } from "@/lib/data/users";
import type { FormState } from "@/lib/validation/form";

/** Ends every session of the current user, on every device. */
export async function signOutEverywhereAction(_previous: FormState): Promise<FormState> {
  const auth = await requireActionUser();
  if (!auth.ok) {
    return auth.state;
  }
  await bumpSessionVersion(auth.user.id);
  await recordAudit({ organizationId: auth.user.organizationId, actorId: auth.user.id, action: "auth.signed_out_everywhere" });
  return { status: "success", message: "Signed out everywhere." };
}
