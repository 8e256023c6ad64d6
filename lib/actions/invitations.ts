"use server";

import { z } from "zod";
import { hashPassword } from "@/lib/auth/password";
import { acceptInvitation } from "@/lib/data/members";
import { publicAction } from "@/lib/entry/action";
import { acceptInvitationFields, acceptInvitationSchema } from "@/lib/validation/auth";

/** Anonymous (the invitation token, bound to the action, is the credential): sets the invited member's password. */
export const acceptInvitationAction = publicAction(
  {
    name: "invitations.accept",
    args: [z.string().regex(/^[A-Za-z0-9_-]{20,100}$/)],
    invalidArgs: "This invitation link is not valid. Ask an admin for a new one.",
    form: { schema: acceptInvitationSchema, fields: acceptInvitationFields, secret: ["password", "confirm"] },
    unexpected: "Setting your password failed. Try again.",
  },
  async ({ args: [token], input: { password } }) => {
    const { email } = await acceptInvitation(token, await hashPassword(password));
    return { status: "success", message: "Your password is set. Signing you in…", values: { email } };
  },
);
