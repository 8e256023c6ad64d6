"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { addressMove } from "@/lib/shared/address-move";
import { runConnectionCheck } from "@/lib/connections/check";
import { checkSavedConnection } from "@/lib/connections/service";
import { setConnectionCa, updatePatConnection, type CheckRecord } from "@/lib/data/connections";
import { action } from "@/lib/entry/action";
import { targetMissing } from "@/lib/entry/targets";
import { caUploadFields, caUploadSchema, patFormFields, patFormSchema } from "@/lib/validation/connections";
import { errorState } from "@/lib/validation/form";

/** Admin: runs the doctor on a saved connection now. */
export const checkConnectionAction = action(
  { name: "connections.check", permission: "connection.check", target: "connection", unexpected: "The check failed unexpectedly. Try again." },
  async ({ scope, target: connection }) => {
    await checkSavedConnection(scope, connection.id);
    revalidatePath(`/connections/${connection.id}`);
    return { status: "success", message: "Checked." };
  },
);

/** Admin: trusts a CA certificate (checked by caUploadSchema) for one saved connection, then checks it again. */
export const uploadConnectionCaAction = action(
  {
    name: "connections.upload-ca",
    permission: "connection.update",
    target: "connection",
    form: { schema: caUploadSchema, fields: caUploadFields },
    unexpected: "Uploading the certificate failed unexpectedly. Try again.",
  },
  async ({ scope, target: connection, input }) => {
    await setConnectionCa(scope, connection.id, input.caPem);
    await checkSavedConnection(scope, connection.id);
    revalidatePath(`/connections/${connection.id}`);
    return { status: "success", message: "Certificate trusted; the connection was checked again." };
  },
);

/**
 * Admin: edits a PAT connection. A new token is checked against the (possibly new) address
 * before anything is saved; a changed address without a new token wipes the stored token
 * (lib/shared/address-move.ts `addressMove`, enforced by updatePatConnection).
 */
export const updateConnectionAction = action(
  {
    name: "connections.update",
    permission: "connection.update",
    target: "connection",
    form: {
      schema: (connection) => patFormSchema({ collectionLabel: connection.deploymentType === "SERVICES" ? "Organization" : "Collection Name", tokenOptional: true }),
      fields: patFormFields,
      secret: ["token"],
    },
    unexpected: "Saving the connection failed unexpectedly. Try again.",
  },
  async ({ scope, target: connection, input }) => {
    if (connection.authMethod !== "PAT") {
      throw targetMissing("connection");
    }
    const { name, serverUrl, collection, token, tokenExpiresAt } = input;
    const values = { name, serverUrl: serverUrl.pathPrefix ? `${serverUrl.serverUrl}/${serverUrl.pathPrefix}` : serverUrl.serverUrl, collection, tokenExpiresAt: tokenExpiresAt?.toISOString().slice(0, 10) ?? "" };
    const address = { serverUrl: serverUrl.serverUrl, pathPrefix: serverUrl.pathPrefix, collection };
    const move = addressMove(connection, address, Boolean(token));
    let check: CheckRecord | null = null;
    if (token) {
      // A new token is checked against the (possibly new) address before it is stored, without
      // the CA trusted for the old server.
      const { summary, record } = await runConnectionCheck(
        scope,
        { deploymentType: connection.deploymentType, ...address, caBundlePem: move.moved ? null : connection.caBundlePem },
        { kind: "pat", token },
        { targetType: "connection", targetId: connection.id, method: "PAT" },
      );
      if (!summary.ok) {
        const problems = summary.findings.filter((finding) => finding.severity === "error").map((finding) => finding.title);
        return errorState(`The new token does not work yet, so nothing was changed: ${problems.join("; ")}`, { token: problems.slice(0, 3) }, values);
      }
      check = record;
    }
    await updatePatConnection(scope, connection.id, { name, ...address, token, tokenExpiresAt }, check);
    revalidatePath(`/connections/${connection.id}`);
    revalidatePath("/connections");
    redirect(`/connections/${connection.id}`);
  },
);
