"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { requireActionAdmin } from "@/lib/auth/guards";
import { hashPassword } from "@/lib/auth/password";
import { addMember, changeMemberRole, setMemberActive } from "@/lib/data/members";
import { getEnv } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { addMemberFields, addMemberSchema, changeRoleFields, changeRoleSchema, idSchema } from "@/lib/validation/auth";
import { parseForm, type FormState } from "@/lib/validation/form";

const log = logger("actions.members");
const noFields = z.object({});

function failure(error: unknown, values: Record<string, string>, fallback: string): FormState {
  if (isAppError(error)) {
    const field = typeof error.details?.field === "string" ? error.details.field : undefined;
    return { status: "error", message: error.message, fieldErrors: field ? { [field]: [error.message] } : {}, values };
  }
  log.error({ err: error }, fallback);
  return { status: "error", message: `${fallback}. Try again.`, fieldErrors: {}, values };
}

/** Admin: adds a member with an initial password or a one-time invitation link. */
export async function addMemberAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const auth = await requireActionAdmin();
  if (!auth.ok) {
    return auth.state;
  }
  const parsed = parseForm(formData, addMemberSchema, { fields: addMemberFields, secretFields: ["password"] });
  if (!parsed.ok) {
    return parsed.state;
  }
  const { name, email, role, method, password } = parsed.data;
  const values = { name, email, role, method };
  try {
    const result = await addMember({
      organizationId: auth.user.organizationId,
      actorId: auth.user.id,
      name,
      email,
      role,
      passwordHash: method === "password" && password ? await hashPassword(password) : undefined,
    });
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
  } catch (error) {
    return failure(error, values, "Adding the member failed");
  }
}

/** Admin: changes a member's role (takes effect on their open sessions at once). */
export async function changeRoleAction(userId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const auth = await requireActionAdmin();
  if (!auth.ok) {
    return auth.state;
  }
  const id = idSchema.safeParse(userId);
  if (!id.success) {
    return { status: "error", message: "That member does not exist.", fieldErrors: {}, values: {} };
  }
  const parsed = parseForm(formData, changeRoleSchema, { fields: changeRoleFields });
  if (!parsed.ok) {
    return parsed.state;
  }
  try {
    await changeMemberRole({ organizationId: auth.user.organizationId, actorId: auth.user.id, userId: id.data, role: parsed.data.role });
  } catch (error) {
    return failure(error, {}, "Changing the role failed");
  }
  revalidatePath("/settings/members");
  return { status: "success", message: `Role changed to ${parsed.data.role === "ADMIN" ? "Admin" : "Member"}.` };
}

/** Admin: disables or re-enables a member (disabling signs them out everywhere). */
export async function setMemberActiveAction(userId: string, isActive: boolean, _previous: FormState, formData: FormData): Promise<FormState> {
  const auth = await requireActionAdmin();
  if (!auth.ok) {
    return auth.state;
  }
  const id = idSchema.safeParse(userId);
  if (!id.success || typeof isActive !== "boolean") {
    return { status: "error", message: "That member does not exist.", fieldErrors: {}, values: {} };
  }
  const parsed = parseForm(formData, noFields, { fields: [] });
  if (!parsed.ok) {
    return parsed.state;
  }
  try {
    await setMemberActive({ organizationId: auth.user.organizationId, actorId: auth.user.id, userId: id.data, isActive });
  } catch (error) {
    return failure(error, {}, "Updating the member failed");
  }
  revalidatePath("/settings/members");
  return { status: "success", message: isActive ? "Member enabled." : "Member disabled and signed out." };
}
