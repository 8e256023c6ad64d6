"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { addressMove } from "@/lib/shared/address-move";
import { runConnectionCheck } from "@/lib/connections/check";
import { queueOrganizationChecks } from "@/lib/connections/scheduled";
import { checkSavedConnection, credentialLabelOf } from "@/lib/connections/service";
import { recordAudit } from "@/lib/data/audit";
import { changeConnectionOwner, deleteConnection, listConnections, renameConnection, setConnectionCa, updatePatConnection, type CheckRecord } from "@/lib/data/connections";
import { flash } from "@/lib/entry/flash";
import { removeConnectionHooks } from "@/lib/hooks/subscriptions";
import { action } from "@/lib/entry/action";
import { targetMissing } from "@/lib/entry/targets";
import { requestNoticeEmails } from "@/lib/notifications/request";
import {
  caUploadFields,
  caUploadSchema,
  changeOwnerFields,
  changeOwnerSchema,
  deleteConnectionFields,
  deleteConnectionSchema,
  patFormFields,
  patFormSchema,
  renameConnectionFields,
  renameConnectionSchema,
  replaceTokenFields,
  replaceTokenSchema,
} from "@/lib/validation/connections";
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
        { expiry: { credentialExpiresAt: tokenExpiresAt, credentialExpirySource: tokenExpiresAt ? "ENTERED" : null, credentialLabel: credentialLabelOf(connection) } },
      );
      if (!summary.ok) {
        const problems = summary.findings.filter((finding) => finding.severity === "error").map((finding) => finding.title);
        return errorState(`The new token does not work yet, so nothing was changed: ${problems.join("; ")}`, { token: problems.slice(0, 3) }, values);
      }
      check = record;
    }
    await updatePatConnection(scope, connection.id, { name, ...address, token, tokenExpiresAt }, check);
    await requestNoticeEmails();
    revalidatePath(`/connections/${connection.id}`);
    revalidatePath("/connections");
    await flash(`Saved the connection “${name}”.`);
    redirect(`/connections/${connection.id}`);
  },
);

/**
 * Admin: replaces a PAT connection's token. The doctor runs on the new token first, against the
 * connection's own address; if it finds an error the old token stays (and keeps working) and
 * the findings are shown. A working token is stored with its expiry date, and the status (an
 * expiry warning cleared) is recorded, audited and told.
 */
export const replaceTokenAction = action(
  {
    name: "connections.replace-token",
    permission: "connection.update",
    target: "connection",
    form: { schema: replaceTokenSchema, fields: replaceTokenFields, secret: ["token"] },
    unexpected: "Replacing the token failed unexpectedly. The old token is still in place; try again.",
  },
  async ({ scope, target: connection, input }) => {
    if (connection.authMethod !== "PAT") {
      throw targetMissing("connection");
    }
    const values = { tokenExpiresAt: input.tokenExpiresAt?.toISOString().slice(0, 10) ?? "" };
    const { summary, record } = await runConnectionCheck(
      scope,
      { deploymentType: connection.deploymentType, serverUrl: connection.serverUrl, pathPrefix: connection.pathPrefix, collection: connection.collection, caBundlePem: connection.caBundlePem },
      { kind: "pat", token: input.token },
      { targetType: "connection", targetId: connection.id, method: "PAT" },
      { expiry: { credentialExpiresAt: input.tokenExpiresAt, credentialExpirySource: input.tokenExpiresAt ? "ENTERED" : null, credentialLabel: credentialLabelOf(connection) } },
    );
    if (!summary.ok) {
      const problems = summary.findings.filter((finding) => finding.severity === "error");
      await recordAudit(scope, { action: "connection.token_replace_refused", targetType: "connection", targetId: connection.id, data: { name: connection.name, findings: problems.map((finding) => finding.id) } });
      return errorState(
        `The new token does not work, so the old one stays in place: ${problems.map((finding) => finding.title).join("; ")}.`,
        { token: problems.slice(0, 3).map((finding) => `${finding.title}. ${finding.fix[0] ?? ""}`.trim()) },
        values,
      );
    }
    await updatePatConnection(
      scope,
      connection.id,
      { name: connection.name, serverUrl: connection.serverUrl, pathPrefix: connection.pathPrefix, collection: connection.collection, token: input.token, tokenExpiresAt: input.tokenExpiresAt },
      record,
    );
    await requestNoticeEmails();
    revalidatePath(`/connections/${connection.id}`);
    revalidatePath("/connections");
    return { status: "success", message: `Token replaced and checked: ${record.statusReason ?? "the connection works"}.` };
  },
);

/** Admin: queues a check of every connection of the organization on the job engine now (what the schedule does every interval). */
export const checkAllConnectionsAction = action(
  { name: "connections.check-all", permission: "connection.check", unexpected: "Queueing the checks failed unexpectedly. Try again." },
  async ({ scope }) => {
    // Checks that finish from now on count for the page's progress (it compares each connection's lastCheckAt).
    const since = new Date().toISOString();
    const connections = await listConnections(scope);
    const queued = await queueOrganizationChecks(
      scope,
      connections.map((connection) => connection.id),
    );
    await recordAudit(scope, { action: "connection.checks_requested", data: { connections: connections.length, queued } });
    return {
      status: "success",
      message:
        connections.length === 0
          ? "There are no connections to check."
          : `Checking ${connections.length} connection${connections.length === 1 ? "" : "s"} in the background${queued < connections.length ? ` (${connections.length - queued} already queued)` : ""}. The list updates as they finish.`,
      data: { since, total: String(connections.length) },
    };
  },
);

/** Admin: hands the connection to another admin (audited, and told to both and the admins). */
export const changeOwnerAction = action(
  {
    name: "connections.change-owner",
    permission: "connection.transfer",
    target: "connection",
    form: { schema: changeOwnerSchema, fields: changeOwnerFields },
    unexpected: "Changing the owner failed unexpectedly. Try again.",
  },
  async ({ scope, target: connection, input }) => {
    const { changed } = await changeConnectionOwner(scope, connection.id, input.ownerId);
    await requestNoticeEmails();
    revalidatePath(`/connections/${connection.id}`);
    revalidatePath("/connections");
    return { status: "success", message: changed ? "Owner changed. The new owner is asked to authorize with their own token or identity." : "That admin already owns this connection." };
  },
);

/**
 * Admin: deletes a connection after its name was typed. Its build profiles are kept, marked
 * disconnected, and can be re-bound to another connection that reaches the same repository.
 */
export const deleteConnectionAction = action(
  {
    name: "connections.delete",
    permission: "connection.delete",
    target: "connection",
    form: { schema: deleteConnectionSchema, fields: deleteConnectionFields },
    unexpected: "Deleting the connection failed unexpectedly. Nothing was deleted; try again.",
  },
  async ({ scope, target: connection, input }) => {
    if (input.confirmName.trim() === connection.name) {
      // Its service hooks go first, while its credential still exists (best effort, audited per subscription).
      await removeConnectionHooks(scope, connection);
    }
    await deleteConnection(scope, connection.id, input.confirmName);
    revalidatePath("/connections");
    revalidatePath("/profiles");
    // The id, not the name: the page reads the name and the count from the audit event, so
    // nobody can make it say "Deleted …" with words of their own.
    redirect(`/connections?deleted=${connection.id}`);
  },
);

/** Admin: renames a connection (OAuth connections have only their name to edit), audited. */
export const renameConnectionAction = action(
  {
    name: "connections.rename",
    permission: "connection.update",
    target: "connection",
    form: { schema: renameConnectionSchema, fields: renameConnectionFields },
    unexpected: "Renaming the connection failed unexpectedly. Try again.",
  },
  async ({ scope, target: connection, input: { name } }) => {
    const { changed } = await renameConnection(scope, connection.id, name);
    revalidatePath(`/connections/${connection.id}`);
    revalidatePath("/connections");
    await flash(changed ? `Renamed the connection to “${name}”.` : "Nothing changed.");
    redirect(`/connections/${connection.id}`);
  },
);
