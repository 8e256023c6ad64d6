"use server";

import { hashPassword } from "@/lib/auth/password";
import { acceptInvitation } from "@/lib/data/members";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { acceptInvitationFields, acceptInvitationSchema } from "@/lib/validation/auth";
import { parseForm, type FormState } from "@/lib/validation/form";
import { z } from "zod";

const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/);

/** Anonymous (the invitation token is the credential): sets the invited member's password. */
export async function acceptInvitationAction(token: string, _previous: FormState, formData: FormData): Promise<FormState> {
  if (!tokenSchema.safeParse(token).success) {
    return { status: "error", message: "This invitation link is not valid. Ask an admin for a new one.", fieldErrors: {}, values: {} };
  }
  const parsed = parseForm(formData, acceptInvitationSchema, { fields: acceptInvitationFields, secretFields: ["password", "confirm"] });
  if (!parsed.ok) {
    return parsed.state;
  }
  try {
    const { email } = await acceptInvitation(token, await hashPassword(parsed.data.password));
    return { status: "success", message: "Your password is set. Signing you in…", values: { email } };
  } catch (error) {
    if (isAppError(error)) {
      return { status: "error", message: error.message, fieldErrors: {}, values: {} };
    }
    logger("actions.invitations").error({ err: error }, "accepting an invitation failed");
    return { status: "error", message: "Setting your password failed. Try again.", fieldErrors: {}, values: {} };
  }
}
