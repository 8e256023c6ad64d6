"use server";

import { X509Certificate } from "node:crypto";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { requireActionAdmin } from "@/lib/auth/guards";
import { runConnectionCheck } from "@/lib/connections/check";
import { checkSavedConnection } from "@/lib/connections/service";
import { getConnection, setConnectionCa, updatePatConnection, type CheckRecord } from "@/lib/data/connections";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { idSchema } from "@/lib/validation/auth";
import { caUploadFields, caUploadSchema, patFormFields, patFormSchema } from "@/lib/validation/connections";
import { parseForm, type FormState, errorState, type ErrorState } from "@/lib/validation/form";

const log = logger("actions.connections");
const notFound = errorState("That connection does not exist in your organization.");

function failure(caught: unknown, fallback: string): ErrorState {
  if (isAppError(caught)) {
    return errorState(caught.message, caught.details?.field === "name" ? { name: [caught.message] } : {});
  }
  log.error({ err: caught }, fallback);
  return errorState(`${fallback}. Try again.`);
}

/** Admin: runs the doctor on a saved connection now. */
export async function checkConnectionAction(id: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const auth = await requireActionAdmin();
  if (!auth.ok) {
    return auth.state;
  }
  if (!idSchema.safeParse(id).success) {
    return notFound;
  }
  const parsed = parseForm(formData, z.object({}), { fields: [] });
  if (!parsed.ok) {
    return parsed.state;
  }
  try {
    await checkSavedConnection({ organizationId: auth.user.organizationId, userId: auth.user.id }, id);
  } catch (caught) {
    return failure(caught, "The check failed unexpectedly");
  }
  revalidatePath(`/connections/${id}`);
  return { status: "success", message: "Checked." };
}

/** Admin: trusts a CA certificate for one saved connection, then checks it again. */
export async function uploadConnectionCaAction(id: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const auth = await requireActionAdmin();
  if (!auth.ok) {
    return auth.state;
  }
  if (!idSchema.safeParse(id).success) {
    return notFound;
  }
  const parsed = parseForm(formData, caUploadSchema, { fields: caUploadFields });
  if (!parsed.ok) {
    return parsed.state;
  }
  try {
    new X509Certificate(parsed.data.caPem);
  } catch {
    return errorState("This file is not a readable X.509 certificate. Export the CA certificate as Base-64 encoded (PEM).", { caPem: ["Not a readable certificate"] });
  }
  const scope = { organizationId: auth.user.organizationId, userId: auth.user.id };
  try {
    await setConnectionCa(scope, id, parsed.data.caPem);
    await checkSavedConnection(scope, id);
  } catch (caught) {
    return failure(caught, "Uploading the certificate failed");
  }
  revalidatePath(`/connections/${id}`);
  return { status: "success", message: "Certificate trusted; the connection was checked again." };
}

/**
 * Admin: edits a PAT connection. A new token, or an unchanged address, is checked
 * before saving; a changed address without a new token wipes the stored token.
 */
export async function updateConnectionAction(id: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const auth = await requireActionAdmin();
  if (!auth.ok) {
    return auth.state;
  }
  if (!idSchema.safeParse(id).success) {
    return notFound;
  }
  const scope = { organizationId: auth.user.organizationId, userId: auth.user.id };
  const connection = await getConnection(scope.organizationId, id);
  if (!connection || connection.authMethod !== "PAT") {
    return notFound;
  }
  const collectionLabel = connection.deploymentType === "SERVICES" ? "Organization" : "Collection Name";
  const parsed = parseForm(formData, patFormSchema({ collectionLabel, tokenOptional: true }), { fields: patFormFields, secretFields: ["token"] });
  if (!parsed.ok) {
    return parsed.state;
  }
  const { name, serverUrl, collection, token, tokenExpiresAt } = parsed.data;
  const values = { name, serverUrl: serverUrl.pathPrefix ? `${serverUrl.serverUrl}/${serverUrl.pathPrefix}` : serverUrl.serverUrl, collection, tokenExpiresAt: tokenExpiresAt?.toISOString().slice(0, 10) ?? "" };
  const moved = connection.serverUrl !== serverUrl.serverUrl || connection.pathPrefix !== serverUrl.pathPrefix || connection.collection.toLowerCase() !== collection.toLowerCase();
  let check: CheckRecord | null = null;
  try {
    if (token) {
      // A new token is checked against the (possibly new) address before it is stored.
      const { summary, record } = await runConnectionCheck(
        scope,
        { deploymentType: connection.deploymentType, serverUrl: serverUrl.serverUrl, pathPrefix: serverUrl.pathPrefix, collection, caBundlePem: moved ? null : connection.caBundlePem },
        { kind: "pat", token },
        { targetType: "connection", targetId: connection.id, method: "PAT" },
      );
      if (!summary.ok) {
        const problems = summary.findings.filter((finding) => finding.severity === "error").map((finding) => finding.title);
        return errorState(`The new token does not work yet, so nothing was changed: ${problems.join("; ")}`, { token: problems.slice(0, 3) }, values);
      }
      check = record;
    }
    const { tokenWiped } = await updatePatConnection(scope, id, { name, serverUrl: serverUrl.serverUrl, pathPrefix: serverUrl.pathPrefix, collection, token, tokenExpiresAt }, check);
    if (moved && !tokenWiped && connection.caBundlePem) {
      await setConnectionCa(scope, id, null);
    }
    revalidatePath(`/connections/${id}`);
    revalidatePath("/connections");
  } catch (caught) {
    const state = failure(caught, "Saving the connection failed");
    return { ...state, values };
  }
  redirect(`/connections/${id}`);
}
