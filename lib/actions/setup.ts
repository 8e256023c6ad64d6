"use server";

import { hashPassword } from "@/lib/auth/password";
import { createFirstAdmin } from "@/lib/data/setup";
import { hasAnyUser } from "@/lib/data/users";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { setupFields, setupSchema } from "@/lib/validation/auth";
import { parseForm, type FormState } from "@/lib/validation/form";

/** First run: creates the organization and its first admin while no user exists. */
export async function setupAction(_previous: FormState, formData: FormData): Promise<FormState> {
  // Anonymous by design — but only until the first user exists (checked again,
  // under a lock, inside createFirstAdmin).
  if (await hasAnyUser()) {
    return { status: "error", message: "Keel is already set up. Sign in instead.", fieldErrors: {}, values: {} };
  }
  const parsed = parseForm(formData, setupSchema, { fields: setupFields, secretFields: ["password"] });
  if (!parsed.ok) {
    return parsed.state;
  }
  const { organizationName, name, email, password } = parsed.data;
  try {
    await createFirstAdmin({ organizationName, name, email, passwordHash: await hashPassword(password) });
  } catch (error) {
    if (isAppError(error)) {
      return { status: "error", message: error.message, fieldErrors: {}, values: { organizationName, name, email } };
    }
    logger("actions.setup").error({ err: error }, "first-run setup failed");
    return { status: "error", message: "Setup failed unexpectedly. Try again.", fieldErrors: {}, values: { organizationName, name, email } };
  }
  return { status: "success", message: "Your organization is ready. Signing you in…", values: { email } };
}
