"use server";

import { revalidatePath } from "next/cache";
import { createApiToken, revokeApiToken } from "@/lib/data/api-tokens";
import { action } from "@/lib/entry/action";
import { createApiTokenFields, createApiTokenSchema } from "@/lib/validation/api-tokens";

// Settings → API tokens (lib/auth/README.md, "API tokens"): everyone makes tokens of their own
// for scripts; the owner or an admin revokes one.

/** "Create token": the answer carries the token, the one time anyone sees it. */
export const createApiTokenAction = action(
  {
    name: "apiTokens.create",
    permission: "apiToken.manage",
    form: { schema: createApiTokenSchema, fields: createApiTokenFields },
    unexpected: "Creating the token failed unexpectedly. No token was made; try again.",
  },
  async ({ scope, input }) => {
    const created = await createApiToken(scope, input);
    revalidatePath("/settings/api-tokens");
    return {
      status: "success",
      message: `Created “${created.name}”. Copy the token now: Keel keeps only a fingerprint of it and cannot show it again.`,
      data: { token: created.token, name: created.name },
    };
  },
);

/** "Revoke": the token's next request is refused. */
export const revokeApiTokenAction = action(
  { name: "apiTokens.revoke", permission: "apiToken.revoke", target: "apiToken", unexpected: "Revoking the token failed unexpectedly. Try again." },
  async ({ scope, target: token }) => {
    const revoked = await revokeApiToken(scope, token.id);
    revalidatePath("/settings/api-tokens");
    return { status: "success", message: `Revoked “${revoked.name}”: requests with it are refused from now on.` };
  },
);
