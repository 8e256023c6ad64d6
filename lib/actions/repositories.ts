"use server";

import { z } from "zod";
import { requireActionUser } from "@/lib/auth/guards";
import { getConnection } from "@/lib/data/connections";
import { logger } from "@/lib/logger";
import { ensureListing } from "@/lib/repositories/listing";
import { idSchema } from "@/lib/validation/auth";
import { parseForm, type FormState } from "@/lib/validation/form";

const log = logger("actions.repositories");

/**
 * "Refresh" in the repository picker: drops the cached listing of the connection and lists
 * it again in the background (the page polls the progress). Members and admins.
 */
export async function refreshRepositoriesAction(connectionId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const auth = await requireActionUser();
  if (!auth.ok) {
    return auth.state;
  }
  const parsed = parseForm(formData, z.object({}), { fields: [] });
  if (!parsed.ok) {
    return parsed.state;
  }
  const connection = idSchema.safeParse(connectionId).success ? await getConnection(auth.user.organizationId, connectionId) : null;
  if (!connection) {
    return { status: "error", message: "That connection does not exist in your organization.", fieldErrors: {}, values: {} };
  }
  try {
    const { started } = await ensureListing({ organizationId: auth.user.organizationId, userId: auth.user.id }, connection, { force: true });
    return {
      status: "success",
      message: started ? "Listing the repositories again…" : "Keel is already listing this connection's repositories.",
      data: { startedAt: new Date().toISOString() },
    };
  } catch (caught) {
    log.error({ err: caught, connectionId }, "refreshing the repository list failed");
    return { status: "error", message: "Refreshing the repository list failed unexpectedly. Try again.", fieldErrors: {}, values: {} };
  }
}
