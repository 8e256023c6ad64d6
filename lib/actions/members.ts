"use server";

import { revalidatePath } from "next/cache";
import { countLiveApiTokens } from "@/lib/data/api-tokens";
import { z } from "zod";
import { hashPassword } from "@/lib/auth/password";
import { userThrottlePrefixes } from "@/lib/auth/sign-in";
import { recordAudit } from "@/lib/data/audit";
import { connectionsHeldBy } from "@/lib/data/connections";
import { addMember, changeMemberRole, regenerateInvitation, resetMemberPassword, setMemberActive } from "@/lib/data/members";
import { clearRateLimitsByPrefix } from "@/lib/data/rate-limits";
import { AppError } from "@/lib/errors";
import { action } from "@/lib/entry/action";
import { getEnv } from "@/lib/env";
import { formatList } from "@/lib/shared/names";
import { errorState } from "@/lib/validation/form";
import { addMemberFields, addMemberSchema, changeRoleFields, changeRoleSchema, resetPasswordFields, resetPasswordSchema } from "@/lib/validation/auth";

function invitationUrl(token: string): string {
  const base = getEnv().KEEL_PUBLIC_URL ?? `http://localhost:${getEnv().PORT}`;
  return `${base}/invite/${token}`;
}

/** Admin: adds a member with an initial password or a one-time invitation link. */
export const addMemberAction = action(
  {
    name: "members.add",
    permission: "member.manage",
    form: { schema: addMemberSchema, fields: addMemberFields, secret: ["password"] },
    unexpected: "Adding the member failed unexpectedly. Try again.",
  },
  async ({ scope, input: { name, email, role, method, password } }) => {
    const result = await addMember(scope, { name, email, role, passwordHash: method === "password" && password ? await hashPassword(password) : undefined });
    revalidatePath("/settings/members");
    if (result.invitationToken) {
      return {
        status: "success",
        message: `${name} was added. Send them this invitation link — it is shown only once and expires in 7 days.`,
        data: { invitationUrl: invitationUrl(result.invitationToken) },
      };
    }
    return { status: "success", message: `${name} was added. They can sign in with the password you set.` };
  },
);

/** Admin: changes a member's role (their open sessions end; they sign in again with it). */
export const changeRoleAction = action(
  {
    name: "members.change-role",
    permission: "member.manage",
    target: "member",
    form: { schema: changeRoleSchema, fields: changeRoleFields },
    unexpected: "Changing the role failed unexpectedly. Try again.",
  },
  async ({ scope, target: member, input: { role } }) => {
    const label = role === "ADMIN" ? "Admin" : "Member";
    const { changed } = await changeMemberRole(scope, { userId: member.userId, role });
    if (!changed) {
      return { status: "success", message: `Nothing changed: ${member.name} is already ${role === "ADMIN" ? "an" : "a"} ${label}.` };
    }
    revalidatePath("/settings/members");
    return { status: "success", message: `Role changed to ${label}. ${member.name} was signed out and signs in again with it.` };
  },
);

/** Admin: disables or re-enables a member (disabling signs them out everywhere). */
export const setMemberActiveAction = action(
  { name: "members.set-active", permission: "member.manage", target: "member", args: [z.boolean()], unexpected: "Updating the member failed unexpectedly. Try again." },
  async ({ scope, target: member, args: [isActive] }) => {
    await setMemberActive(scope, { userId: member.userId, isActive });
    revalidatePath("/settings/members");
    // Their API tokens act as them: they stop with the account and work again with it (lib/auth/README.md, "API tokens").
    const tokens = await countLiveApiTokens(scope, member.userId);
    const tokenWords = tokens === 1 ? "Their API token" : `Their ${tokens} API tokens`;
    if (isActive) {
      return { status: "success", message: `Member enabled.${tokens > 0 ? ` ${tokenWords} ${tokens === 1 ? "works" : "work"} again.` : ""}` };
    }
    // Disabling someone does not stop the connections that are theirs: say which, while it is fresh.
    const held = (await connectionsHeldBy(scope, [member.userId])).get(member.userId) ?? [];
    const scripts = tokens > 0 ? ` ${tokenWords} ${tokens === 1 ? "stops" : "stop"} working: scripts that use ${tokens === 1 ? "it" : "them"} need a token of an active member.` : "";
    return {
      status: "success",
      message:
        held.length === 0
          ? `Member disabled and signed out.${scripts}`
          : `Member disabled and signed out.${scripts} ${formatList(held.map((connection) => connection.name))} ${held.length === 1 ? "is" : "are"} still theirs: hand ${held.length === 1 ? "it" : "each"} to an active admin on ${held.length === 1 ? "its" : "their"} page.`,
    };
  },
);

/** Admin: resets a member's password — a one-time link (shown once) or a password the admin sets; their sessions end. */
export const resetPasswordAction = action(
  {
    name: "members.reset-password",
    permission: "member.manage",
    target: "member",
    form: { schema: resetPasswordSchema, fields: resetPasswordFields, secret: ["password"] },
    unexpected: "Resetting the password failed unexpectedly. Try again.",
  },
  async ({ user, scope, target: member, input: { method, password } }) => {
    if (member.userId === user.id) {
      throw new AppError("CONFLICT", "To change your own password, use Settings → Your account.");
    }
    const result = await resetMemberPassword(scope, { userId: member.userId, ...(method === "password" && password ? { passwordHash: await hashPassword(password) } : {}) });
    revalidatePath("/settings/members");
    if (result.resetToken) {
      const base = getEnv().KEEL_PUBLIC_URL ?? `http://localhost:${getEnv().PORT}`;
      return {
        status: "success",
        message: `${member.name}'s password no longer works and they were signed out. Send them this link to choose a new one — it is shown only once and expires in 24 hours.`,
        data: { resetUrl: `${base}/invite/${result.resetToken}` },
      };
    }
    return { status: "success", message: `${member.name}'s password is reset and they were signed out. They sign in with the password you set.` };
  },
);

/** Admin: clears a member's sign-in throttle (after failed attempts by them, or by someone guessing). */
export const unlockSignInAction = action(
  { name: "members.unlock-sign-in", permission: "member.manage", target: "member", unexpected: "Unlocking sign-in failed unexpectedly. Try again." },
  async ({ scope, target: member }) => {
    // This member's counters only (keyed by their account id): nobody else's, in no other organization.
    const prefixes = userThrottlePrefixes(member.userId);
    const cleared = (await clearRateLimitsByPrefix(prefixes.pairs)) + (await clearRateLimitsByPrefix(prefixes.account));
    await recordAudit(scope, { action: "member.sign_in_unlocked", targetType: "user", targetId: member.userId, data: { clearedCounters: cleared } });
    revalidatePath("/settings/members");
    return { status: "success", message: `${member.name} can sign in again right away.` };
  },
);

/** Admin: a new invitation link for a member who has not joined yet; their earlier links stop working. */
export const regenerateInvitationAction = action(
  { name: "members.regenerate-invitation", permission: "member.manage", target: "member", unexpected: "Making a new invitation link failed unexpectedly. Try again." },
  async ({ scope, target: member }) => {
    const result = await regenerateInvitation(scope, member.userId);
    revalidatePath("/settings/members");
    if (!result) {
      return errorState(`${member.name} has already set a password: they sign in with it. No link is needed.`);
    }
    return {
      status: "success",
      message: `New invitation link for ${member.name}. Earlier links no longer work; this one is shown only once and expires in 7 days.`,
      data: { invitationUrl: invitationUrl(result.token) },
    };
  },
);
