"use server";

import { requestAddress } from "@/lib/auth/request-address";
import { changeOwnPassword } from "@/lib/auth/password-change";
import { recordAudit } from "@/lib/data/audit";
import { revalidatePath } from "next/cache";
import { markNoticesSeen } from "@/lib/data/notifications";
import { endOwnSessions, setOwnEmailPreferences } from "@/lib/data/users";
import { action } from "@/lib/entry/action";
import { buildEmailsFields, buildEmailsSchema, changePasswordFields, changePasswordSchema } from "@/lib/validation/auth";

/** Ends every session of the current user, on every device (this one too). */
export const signOutEverywhereAction = action({ name: "session.sign-out-everywhere", permission: "session.manage" }, async ({ scope }) => {
  const ended = await endOwnSessions(scope);
  await recordAudit(scope, { action: "auth.signed_out_everywhere", data: { endedSessions: ended }, ip: await requestAddress() });
  return { status: "success", message: "Signed out everywhere." };
});

/** Turns the current user's build e-mails (a build of theirs failed, or was fixed) and the week's summary on or off. */
export const setBuildEmailsAction = action(
  { name: "account.build-emails", permission: "account.preferences", form: { schema: buildEmailsSchema, fields: buildEmailsFields }, unexpected: "Saving failed unexpectedly. Try again." },
  async ({ scope, input }) => {
    await setOwnEmailPreferences(scope, input);
    revalidatePath("/settings/account");
    const what = [...(input.buildEmails ? ["when a build of yours fails, and when it is fixed"] : []), ...(input.weeklySummary ? ["a summary of the week's builds every Monday"] : [])];
    return { status: "success", message: what.length === 0 ? "Saved: Keel no longer e-mails you about builds." : `Saved: Keel e-mails you ${what.join("; and ")}.` };
  },
);

/** Records that the current user has seen their notices (the Notices page, once it is shown): the header's count starts again. */
export const markNoticesSeenAction = action({ name: "account.notices-seen", permission: "account.preferences" }, async ({ scope }) => {
  await markNoticesSeen(scope);
  return { status: "success", message: "" };
});

/** Changes the current user's password (proving the current one); their other sessions end. */
export const changePasswordAction = action(
  {
    name: "account.change-password",
    permission: "account.password",
    form: { schema: changePasswordSchema, fields: changePasswordFields, secret: ["current", "password", "confirm"] },
    unexpected: "Changing the password failed unexpectedly. Try again.",
  },
  async ({ user, scope, input }) => changeOwnPassword(user, scope, input, await requestAddress()),
);
