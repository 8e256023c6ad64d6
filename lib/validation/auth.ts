import { z } from "zod";
import { passwordField } from "@/lib/auth/password";
import { emailField, textField } from "./form";
import { listPageField, listSearchField } from "./list-query";

export const setupFields = ["organizationName", "name", "email", "password"] as const;
export const setupSchema = z
  .object({
    organizationName: textField("Organization name", { max: 100 }),
    name: textField("Your name", { max: 100 }),
    email: emailField,
    password: passwordField(),
  })
  // Only meaningful once both are filled in: an empty password is already reported.
  .refine((value) => value.password.length === 0 || value.password.toLowerCase() !== value.email, { path: ["password"], message: "Password must not be your email address" });
export type SetupInput = z.infer<typeof setupSchema>;

export const roleField = z.enum(["ADMIN", "MEMBER"], { error: "Choose a role: Admin or Member" });

/**
 * An admin-chosen password (adding a member, resetting one) checked like any password: its
 * issues go on the `password` field. Returns whether it passed.
 */
function checkChosenPassword(password: string | undefined, ctx: z.RefinementCtx): boolean {
  const result = passwordField().safeParse(password ?? "");
  for (const issue of result.success ? [] : result.error.issues) {
    ctx.addIssue({ code: "custom", path: ["password"], message: issue.message });
  }
  return result.success;
}

export const addMemberFields = ["name", "email", "role", "method", "password"] as const;
export const addMemberSchema = z
  .object({
    name: textField("Name", { max: 100 }),
    email: emailField,
    role: roleField,
    method: z.enum(["password", "invitation"], { error: "Choose how the member signs in" }),
    password: z.string().max(128, "Password must be at most 128 characters").optional(),
  })
  .superRefine((value, ctx) => {
    if (value.method === "password" && checkChosenPassword(value.password, ctx) && value.password?.toLowerCase() === value.email) {
      ctx.addIssue({ code: "custom", path: ["password"], message: "Password must not be the member's email address" });
    }
  });
export type AddMemberInput = z.infer<typeof addMemberSchema>;

export const changeRoleFields = ["role"] as const;
export const changeRoleSchema = z.object({ role: roleField });

export const acceptInvitationFields = ["password", "confirm"] as const;
export const acceptInvitationSchema = z
  .object({ password: passwordField(), confirm: z.string().max(128, "Password must be at most 128 characters") })
  .refine((value) => value.password === value.confirm, { path: ["confirm"], message: "The two passwords do not match" });

/** A UUID path/bound id; anything else is refused before it reaches the database. */
export const idSchema = z.uuid({ error: "Invalid id" });

/** Account → E-mails: a checkbox, sent as "on" when ticked and not at all when not. */
export const buildEmailsFields = ["buildEmails", "weeklySummary"] as const;
export const buildEmailsSchema = z
  .object({
    buildEmails: z.enum(["on"], { error: "Build e-mails must be on or left out" }).optional(),
    weeklySummary: z.enum(["on"], { error: "The week's summary must be on or left out" }).optional(),
  })
  .transform((input) => ({ buildEmails: input.buildEmails === "on", weeklySummary: input.weeklySummary === "on" }));

export const changePasswordFields = ["current", "password", "confirm"] as const;
/** Changing one's own password: the current one (checked by the action), a new strong one, typed twice. */
export const changePasswordSchema = z
  .object({
    current: z.string({ error: "Enter your current password" }).min(1, "Enter your current password").max(128, "Password must be at most 128 characters"),
    password: passwordField(),
    confirm: z.string().max(128, "Password must be at most 128 characters"),
  })
  .refine((value) => value.password === value.confirm, { path: ["confirm"], message: "The two passwords do not match" })
  // Only a typed password can equal the current one: two empty fields are already said to be missing.
  .refine((value) => value.password === "" || value.password !== value.current, { path: ["password"], message: "Choose a password different from the current one" });

export const resetPasswordFields = ["method", "password"] as const;
/** An admin resetting a member's password: a one-time link (the default), or a password the admin sets. */
export const resetPasswordSchema = z
  .object({
    method: z.enum(["link", "password"], { error: "Choose how the member gets a new password" }),
    password: z.string().max(128, "Password must be at most 128 characters").optional(),
  })
  .superRefine((value, ctx) => {
    if (value.method === "password") {
      checkChosenPassword(value.password, ctx);
    }
  });

export const MEMBER_STATUSES = ["ACTIVE", "INVITED", "DISABLED", "IDLE"] as const;

/** `/settings/members?q=&role=&status=&page=`, read with parseListQuery (list-query.ts). */
export const memberListQuerySchema = z.strictObject({
  q: listSearchField,
  role: z.enum(["ADMIN", "MEMBER"], { error: "Role must be ADMIN or MEMBER" }).optional(),
  status: z.enum(MEMBER_STATUSES, { error: "Status must be ACTIVE, INVITED, DISABLED or IDLE" }).optional(),
  page: listPageField,
});
export type MemberListQuery = z.infer<typeof memberListQuerySchema>;
