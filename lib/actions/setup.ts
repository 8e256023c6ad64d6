"use server";

import { hashPassword } from "@/lib/auth/password";
import { createFirstAdmin } from "@/lib/data/setup";
import { hasAnyUser } from "@/lib/data/users";
import { publicAction } from "@/lib/entry/action";
import { errorState } from "@/lib/validation/form";
import { setupFields, setupSchema } from "@/lib/validation/auth";

/** First run: creates the organization and its first admin while no user exists. */
export const setupAction = publicAction(
  {
    name: "setup.first-admin",
    form: { schema: setupSchema, fields: setupFields, secret: ["password"] },
    invalidArgs: "Reload the page and try again.",
    unexpected: "Setup failed unexpectedly. Try again.",
  },
  async ({ input: { organizationName, name, email, password } }) => {
    // Anonymous by design — but only until the first user exists (checked again, under a
    // lock, inside createFirstAdmin, whose CONFLICT says the same).
    if (await hasAnyUser()) {
      return { ...errorState("Keel is already set up. Sign in instead."), code: "CONFLICT" };
    }
    await createFirstAdmin({ organizationName, name, email, passwordHash: await hashPassword(password) });
    return { status: "success", message: "Your organization is ready. Signing you in…", values: { email } };
  },
);
