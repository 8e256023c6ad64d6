"use server";

import { randomUUID } from "node:crypto";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { configuredOAuthProviders } from "@/lib/auth/oauth-providers";
import { draftServerMove } from "@/lib/shared/address-move";
import { runConnectionCheck, type CheckTarget } from "@/lib/connections/check";
import { checkOAuthDraft, saveOAuthDraft } from "@/lib/connections/oauth-draft";
import { checkServicePrincipalDraft, saveServicePrincipalDraft } from "@/lib/connections/service-principal";
import { rotateSigningKeys } from "@/lib/entra/signing-keys";
import { SecretUnreadableError } from "@/lib/crypto";
import { createDraft, getDraft, openDraftToken, setDraftToken, updateDraft, type Draft } from "@/lib/data/connect-drafts";
import { connectionNameTaken, createPatConnection } from "@/lib/data/connections";
import { action } from "@/lib/entry/action";
import { targetMissing } from "@/lib/entry/targets";
import { isAppError } from "@/lib/errors";
import type { Scope } from "@/lib/scope";
import { caUploadFields, caUploadSchema, collectionField, methodFields, methodSchema, pastedRepositoryField, patField, patFormRawSchema, patFormSchema, patWizardFields, providerFields, providerSchema, serverUrlField } from "@/lib/validation/connections";
import { errorState, fieldErrorsOf, type ErrorState } from "@/lib/validation/form";

// The connect wizard's steps. Each is an entry of lib/entry (session → policy → form → the
// caller's own live draft as target); what is left here is the wizard itself.

const CHECK_FAILED = "The check failed unexpectedly. Try again.";

function targetOf(draft: Draft): CheckTarget | null {
  if (!draft.serverUrl || draft.collection === null || !draft.collection) {
    return null;
  }
  return { deploymentType: draft.deploymentType, serverUrl: draft.serverUrl, pathPrefix: draft.pathPrefix ?? "", collection: draft.collection, caBundlePem: draft.caBundlePem };
}

/** Runs the doctor for a draft with its sealed PAT and stores the result in the draft. */
async function checkDraft(scope: Scope, draft: Draft): Promise<ErrorState | null> {
  const target = targetOf(draft);
  if (!target) {
    return errorState("Fill in the connection details first.");
  }
  if (draft.authMethod === "OAUTH") {
    // The linked identity's token instead of a PAT (lib/connections/oauth-draft.ts).
    await checkOAuthDraft(scope, draft);
    return null;
  }
  if (draft.authMethod === "SERVICE_PRINCIPAL") {
    // The principal's token from Microsoft Entra ID (lib/connections/service-principal.ts).
    await checkServicePrincipalDraft(scope, draft);
    return null;
  }
  let token: string | null;
  try {
    token = await openDraftToken(scope, draft.id);
  } catch (caught) {
    if (caught instanceof SecretUnreadableError) {
      return errorState("Keel can no longer read the token entered earlier (its encryption keys changed). Enter the token again.", { token: ["Enter the token again"] });
    }
    throw caught;
  }
  if (!token) {
    return errorState("Enter a Personal Access Token.", { token: ["Personal Access Token is required"] });
  }
  const { summary } = await runConnectionCheck(scope, target, { kind: "pat", token }, { targetType: "connect_draft", targetId: draft.id, method: "PAT" });
  await updateDraft(scope, draft.id, { lastCheck: summary });
  return null;
}

/** The draft as stored now (after an update), or NOT_FOUND when it expired meanwhile. */
async function reloadDraft(scope: Scope, id: string): Promise<Draft> {
  const fresh = await getDraft(scope, id);
  if (!fresh) {
    throw targetMissing("draft");
  }
  return fresh;
}

/** Step 1: starts a draft for the chosen provider. */
export const startConnectAction = action(
  { name: "connect.start", permission: "connection.create", form: { schema: providerSchema, fields: providerFields } },
  async ({ scope, input }) => {
    const draft = await createDraft(scope, input.provider);
    redirect(`/connect/${draft.id}/method`);
  },
);

/** Step 2: OAuth2, a service principal, or a PAT. */
export const chooseMethodAction = action(
  { name: "connect.method", permission: "connection.create", target: "draft", form: { schema: methodSchema, fields: methodFields } },
  async ({ scope, target: draft, input: { method } }) => {
    if (method === "OAUTH") {
      if (draft.deploymentType === "SERVER") {
        return errorState("Azure DevOps OAuth works only with the cloud service. Use a Personal Access Token for Azure DevOps Server.", { method: ["Choose Personal Access Token"] });
      }
      if (configuredOAuthProviders().length === 0) {
        return errorState("No OAuth app is configured for this Keel. Use a Personal Access Token, or ask whoever runs Keel to configure Microsoft Entra ID.", { method: ["Choose Personal Access Token"] });
      }
    }
    if (method === "SERVICE_PRINCIPAL") {
      if (draft.deploymentType === "SERVER") {
        return errorState("Service principals sign in to Azure DevOps Services only. Use a Personal Access Token for Azure DevOps Server.", { method: ["Choose Personal Access Token"] });
      }
      // The connection's id is reserved now: a federated credential's subject names it, and the
      // admin may create that credential before Keel checks anything. Keel's issuer publishes a
      // key from the start, so the first verifier that reads it finds the key Keel will sign with.
      await updateDraft(scope, draft.id, { authMethod: method, ...(draft.entraConnectionId ? {} : { entraConnectionId: randomUUID() }) });
      await rotateSigningKeys();
      redirect(`/connect/${draft.id}/service-principal`);
    }
    await updateDraft(scope, draft.id, { authMethod: method });
    redirect(`/connect/${draft.id}/${method === "PAT" ? "pat" : "oauth"}`);
  },
);

/** Step 3 (PAT): saves the details into the draft, seals the token, runs the doctor. */
export const checkPatAction = action(
  {
    name: "connect.check-pat",
    permission: "connection.create",
    target: "draft",
    // Read leniently and parsed below, so that a valid token survives another field's error.
    form: { schema: patFormRawSchema, fields: patWizardFields, secret: ["token"] },
    unexpected: CHECK_FAILED,
  },
  async ({ scope, target: draft, input: raw, values }) => {
    if (draft.connectionId) {
      // This setup was saved already (the back button, a resubmitted form): show what was saved.
      redirect(`/connections/${draft.connectionId}`);
    }
    const collectionLabel = draft.deploymentType === "SERVICES" ? "Organization" : "Collection Name";
    // A draft that holds a token keeps it when the field is left empty.
    const parsed = patFormSchema({ collectionLabel, tokenOptional: draft.hasToken }).safeParse(raw);
    if (!parsed.success) {
      const fieldErrors = fieldErrorsOf(parsed.error);
      const kept = await keepTypedToken(scope, draft, raw, collectionLabel);
      if (kept) {
        delete fieldErrors.token;
        // The page re-renders with the draft's token, so the hint says it is kept.
        revalidatePath(`/connect/${draft.id}/pat`);
      }
      return errorState(kept ? "Check the highlighted fields. The token you pasted is kept: you need not paste it again." : "Check the highlighted fields.", fieldErrors, values);
    }
    const { name, serverUrl, collection, token, tokenExpiresAt } = parsed.data;
    const stored = draft.hasToken && draft.serverUrl !== null ? { serverUrl: draft.serverUrl, pathPrefix: draft.pathPrefix ?? "", collection: draft.collection ?? "" } : null;
    const move = draftServerMove(stored, { serverUrl: serverUrl.serverUrl, pathPrefix: serverUrl.pathPrefix, collection }, Boolean(token));
    if (move.tokenLeftBehind) {
      return errorState(
        `You changed the server to ${serverUrl.serverUrl}, so enter the token again: Keel never sends a token to a server it was not entered for.`,
        { token: [`Enter a token for ${serverUrl.serverUrl}`] },
        values,
      );
    }
    // The repository of a pasted address goes with the address: the picker opens searched for it.
    const address = { serverUrl: serverUrl.serverUrl, pathPrefix: serverUrl.pathPrefix, collection, pastedRepository: pastedRepositoryField.parse(raw.pastedRepository), ...(move.moved ? { caBundlePem: null } : {}) };
    if (await connectionNameTaken(scope, name)) {
      // The name is refused and not stored; a token pasted with it is kept, with its address.
      if (token) {
        await updateDraft(scope, draft.id, address);
        await setDraftToken(scope, draft.id, token);
        revalidatePath(`/connect/${draft.id}/pat`);
      }
      return errorState("Check the highlighted fields.", { name: [`A connection named "${name}" already exists. Choose another name.`] }, values);
    }
    await updateDraft(scope, draft.id, { name, tokenExpiresAt, ...address });
    if (token) {
      await setDraftToken(scope, draft.id, token);
    }
    const problem = await checkDraftOrState(scope, await reloadDraft(scope, draft.id));
    if (problem) {
      revalidatePath(`/connect/${draft.id}/pat`);
      return { ...problem, values };
    }
    redirect(`/connect/${draft.id}/check`);
  },
);

/**
 * A form that failed elsewhere but carries a well-formed token: seal it into the draft with
 * whatever part of the address parsed (the rest is cleared, so the token stays bound to what
 * was typed with it). Returns whether the token was kept.
 */
async function keepTypedToken(scope: Scope, draft: Draft, raw: { serverUrl?: string; collection?: string; token?: string }, collectionLabel: string): Promise<boolean> {
  if (!raw.token?.trim()) {
    return false;
  }
  const token = patField.safeParse(raw.token);
  if (!token.success) {
    return false;
  }
  const server = serverUrlField.safeParse(raw.serverUrl ?? "");
  const collection = collectionField(collectionLabel).safeParse(raw.collection ?? "");
  const moved = !server.success || (draft.serverUrl !== null && draft.serverUrl !== server.data.serverUrl);
  await updateDraft(scope, draft.id, {
    serverUrl: server.success ? server.data.serverUrl : null,
    pathPrefix: server.success ? server.data.pathPrefix : null,
    collection: collection.success ? collection.data : null,
    ...(moved ? { caBundlePem: null } : {}),
  });
  await setDraftToken(scope, draft.id, token.data);
  return true;
}

/** checkDraft, with an expected failure (an AppError) as the state to show. */
async function checkDraftOrState(scope: Scope, draft: Draft): Promise<ErrorState | null> {
  try {
    return await checkDraft(scope, draft);
  } catch (caught) {
    if (isAppError(caught) && caught.expected) {
      return errorState(caught.message);
    }
    throw caught;
  }
}

/** Check step: runs the doctor again. */
export const recheckDraftAction = action(
  { name: "connect.recheck", permission: "connection.create", target: "draft", unexpected: CHECK_FAILED },
  async ({ scope, target: draft }) => {
    if (draft.connectionId) {
      redirect(`/connections/${draft.connectionId}`);
    }
    const problem = await checkDraftOrState(scope, draft);
    if (problem) {
      return problem;
    }
    redirect(`/connect/${draft.id}/check?checked=${Date.now()}`);
  },
);

/** Check step: trusts an uploaded CA certificate (checked by caUploadSchema) for this connection only, then checks again. */
export const uploadCaAction = action(
  { name: "connect.upload-ca", permission: "connection.create", target: "draft", form: { schema: caUploadSchema, fields: caUploadFields }, unexpected: CHECK_FAILED },
  async ({ scope, target: draft, input }) => {
    if (draft.connectionId) {
      redirect(`/connections/${draft.connectionId}`);
    }
    await updateDraft(scope, draft.id, { caBundlePem: input.caPem });
    const problem = await checkDraftOrState(scope, await reloadDraft(scope, draft.id));
    if (problem) {
      return problem;
    }
    redirect(`/connect/${draft.id}/check?checked=${Date.now()}`);
  },
);

/** The wizard's last step, the picker: searched for the repository of a pasted address, if any. */
function wizardPicker(connectionId: string, pastedRepository: string | null): string {
  const search = new URLSearchParams({ step: "wizard", ...(pastedRepository ? { q: pastedRepository } : {}) });
  return `/connections/${connectionId}/repositories?${search.toString()}`;
}

/** Last step: checks once more and saves the connection (idempotent per draft). */
export const saveConnectionAction = action(
  { name: "connect.save", permission: "connection.create", target: "draft", unexpected: "Saving the connection failed unexpectedly. Nothing was saved; try again." },
  async ({ scope, target: draft }) => {
    if (draft.connectionId) {
      // Saved already (double click, back button): continue where the first save went.
      redirect(wizardPicker(draft.connectionId, draft.pastedRepository));
    }
    const target = targetOf(draft);
    if (!target || !draft.name || draft.authMethod === null) {
      return errorState("Fill in the connection details first.");
    }
    let id: string;
    try {
      if (draft.authMethod === "OAUTH") {
        id = await saveOAuthDraft(scope, { ...draft, name: draft.name }, target);
      } else if (draft.authMethod === "SERVICE_PRINCIPAL") {
        id = await saveServicePrincipalDraft(scope, { ...draft, name: draft.name });
      } else {
        const token = await openDraftToken(scope, draft.id);
        if (!token) {
          return errorState("Enter a Personal Access Token first.");
        }
        // The doctor runs again on save: the server or token may have changed since "Check".
        const { summary, record } = await runConnectionCheck(scope, target, { kind: "pat", token }, { targetType: "connect_draft", targetId: draft.id, method: "PAT" });
        if (!summary.ok) {
          await updateDraft(scope, draft.id, { lastCheck: summary });
          // The page must show the new findings the message points to, not the earlier success.
          revalidatePath(`/connect/${draft.id}/check`);
          return errorState("The connection check failed when saving, so nothing was saved. See the findings below.");
        }
        const saved = await createPatConnection(scope, {
          draftId: draft.id,
          name: draft.name,
          deploymentType: draft.deploymentType,
          serverUrl: target.serverUrl,
          pathPrefix: target.pathPrefix,
          collection: target.collection,
          token,
          tokenExpiresAt: draft.tokenExpiresAt,
          caBundlePem: draft.caBundlePem,
          check: record,
        });
        id = saved.id;
      }
    } catch (caught) {
      if (caught instanceof SecretUnreadableError) {
        return errorState(draft.authMethod === "SERVICE_PRINCIPAL" ? "Keel can no longer read the secret or key entered earlier. Go back and enter it again." : "Keel can no longer read the token entered earlier. Go back and enter it again.");
      }
      if (isAppError(caught) && caught.expected) {
        // A failed save-time check stored new findings in the draft: show them.
        revalidatePath(`/connect/${draft.id}/check`);
      }
      throw caught;
    }
    // The wizard's last step: pick a repository and create the first build profile.
    redirect(wizardPicker(id, draft.pastedRepository));
  },
);
