"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { setBadge } from "@/lib/data/badges";
import { action } from "@/lib/entry/action";

// A profile's public status badge (lib/builds/README.md, "Status badge"): whoever may edit the
// profile turns it on, gives it a new address, or turns it off.

const MESSAGES = {
  on: "The badge is on: paste the Markdown into your README.",
  rotate: "The badge has a new address: every old link now shows “not found”. Update your README.",
  off: "The badge is off: its address now shows “not found”.",
} as const;

export const setBadgeAction = action(
  {
    name: "profiles.badge",
    permission: "profile.update",
    target: "profile",
    form: { schema: z.object({ what: z.enum(["on", "rotate", "off"], { error: "Reload the page and try again" }) }), fields: ["what"] },
    unexpected: "Changing the badge failed unexpectedly. Nothing changed; try again.",
  },
  async ({ scope, target: profile, input }) => {
    await setBadge(scope, profile.id, input.what);
    revalidatePath(`/profiles/${profile.id}`);
    return { status: "success", message: MESSAGES[input.what] };
  },
);
