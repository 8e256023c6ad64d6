"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { hashPassword } from "@/lib/auth/password";
import { addMember, changeMemberRole, setMemberActive } from "@/lib/data/members";
import { action } from "@/lib/entry/action";
import { getEnv } from "@/lib/env";
import { addMemberFields, addMemberSchema, changeRoleFields, changeRoleSchema } from "@/lib/validation/auth";

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
      const base = getEnv().KEEL_PUBLIC_URL ?? `http://localhost:${getEnv().PORT}`;
      return {
        status: "success",
        message: `${name} was added. Send them this invitation link — it is shown only once and expires in 7 days.`,
        data: { invitationUrl: `${base}/invite/${result.invitationToken}` },
      };
    }
    return { status: "success", message: `${name} was added. They can sign in with the password you set.` };
  },
);

/** Admin: changes a member's role (takes effect on their open sessions at once). */
export const changeRoleAction = action(
  {
    name: "members.change-role",
    permission: "member.manage",
    target: "member",
    form: { schema: changeRoleSchema, fields: changeRoleFields },
    unexpected: "Changing the role failed unexpectedly. Try again.",
  },
  async ({ scope, target: member, input: { role } }) => {
    await changeMemberRole(scope, { userId: member.userId, role });
    revalidatePath("/settings/members");
    return { status: "success", message: `Role changed to ${role === "ADMIN" ? "Admin" : "Member"}.` };
  },
);

/** Admin: disables or re-enables a member (disabling signs them out everywhere). */
export const setMemberActiveAction = action(
  { name: "members.set-active", permission: "member.manage", target: "member", args: [z.boolean()], unexpected: "Updating the member failed unexpectedly. Try again." },
  async ({ scope, target: member, args: [isActive] }) => {
    await setMemberActive(scope, { userId: member.userId, isActive });
    revalidatePath("/settings/members");
    return { status: "success", message: isActive ? "Member enabled." : "Member disabled and signed out." };
  },
);
