"use server";

import { X509Certificate } from "node:crypto";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { requireActionAdmin } from "@/lib/auth/guards";
import { configuredOAuthProviders } from "@/lib/auth/oauth-providers";
import { runConnectionCheck, type CheckTarget } from "@/lib/connections/check";
import { SecretUnreadableError } from "@/lib/crypto";
import { createDraft, deleteDraft, getDraft, openDraftToken, setDraftToken, updateDraft, type Draft } from "@/lib/data/connect-drafts";
import { connectionNameTaken, createPatConnection } from "@/lib/data/connections";
import { checkOAuthDraft, saveOAuthDraft } from "@/lib/connections/oauth-draft";
import { draftExpired, loadActionDraft } from "@/lib/connections/wizard";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { caUploadFields, caUploadSchema, methodFields, methodSchema, patFormFields, patFormSchema, providerFields, providerSchema } from "@/lib/validation/connections";
import { parseForm, type FormState, errorState, type ErrorState } from "@/lib/validation/form";
import { z } from "zod";

const log = logger("actions.connect");

function targetOf(draft: Draft): CheckTarget | null {
  if (!draft.serverUrl || draft.collection === null || !draft.collection) {
    return null;
  }
  return { deploymentType: draft.deploymentType, serverUrl: draft.serverUrl, pathPrefix: draft.pathPrefix ?? "", collection: draft.collection, caBundlePem: draft.caBundlePem };
}

/** Runs the doctor for a draft with its sealed PAT and stores the result in the draft. */
async function checkDraft(scope: { organizationId: string; userId: string }, draft: Draft): Promise<ErrorState | null> {
  const target = targetOf(draft);
  if (!target) {
    return errorState("Fill in the connection details first.");
  }
  if (draft.authMethod === "OAUTH") {
    // The linked identity's token instead of a PAT (lib/connections/oauth-draft.ts).
    try {
      await checkOAuthDraft(scope, draft);
    } catch (caught) {
      if (isAppError(caught)) {
        return errorState(caught.message);
      }
      throw caught;
    }
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

/** Step 1: starts a draft for the chosen provider. */
export async function startConnectAction(_previous: FormState, formData: FormData): Promise<FormState> {
  const auth = await requireActionAdmin();
  if (!auth.ok) {
    return auth.state;
  }
  const parsed = parseForm(formData, providerSchema, { fields: providerFields });
  if (!parsed.ok) {
    return parsed.state;
  }
  const draft = await createDraft({ organizationId: auth.user.organizationId, userId: auth.user.id }, parsed.data.provider);
  redirect(`/connect/${draft.id}/method`);
}

/** Step 2: OAuth2 or PAT. */
export async function chooseMethodAction(draftId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const loaded = await loadActionDraft(draftId);
  if (!loaded.ok) {
    return loaded.state;
  }
  const parsed = parseForm(formData, methodSchema, { fields: methodFields });
  if (!parsed.ok) {
    return parsed.state;
  }
  const { method } = parsed.data;
  if (method === "OAUTH") {
    if (loaded.draft.deploymentType === "SERVER") {
      return errorState("Azure DevOps OAuth works only with the cloud service. Use a Personal Access Token for Azure DevOps Server.", { method: ["Choose Personal Access Token"] });
    }
    if (configuredOAuthProviders().length === 0) {
      return errorState("No OAuth app is configured for this Keel. Use a Personal Access Token, or ask whoever runs Keel to configure Microsoft Entra ID.", { method: ["Choose Personal Access Token"] });
    }
  }
  await updateDraft(loaded.scope, loaded.draft.id, { authMethod: method });
  redirect(`/connect/${loaded.draft.id}/${method === "PAT" ? "pat" : "oauth"}`);
}

/** Step 3 (PAT): saves the details into the draft, seals the token, runs the doctor. */
export async function checkPatAction(draftId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const loaded = await loadActionDraft(draftId);
  if (!loaded.ok) {
    return loaded.state;
  }
  const { scope, draft } = loaded;
  if (draft.connectionId) {
    // This setup was saved already (the back button, a resubmitted form): show what was saved.
    redirect(`/connections/${draft.connectionId}`);
  }
  const collectionLabel = draft.deploymentType === "SERVICES" ? "Organization" : "Collection Name";
  const parsed = parseForm(formData, patFormSchema({ collectionLabel, tokenOptional: draft.hasToken }), { fields: patFormFields, secretFields: ["token"] });
  if (!parsed.ok) {
    return parsed.state;
  }
  const { name, serverUrl, collection, token, tokenExpiresAt } = parsed.data;
  const values = { name, serverUrl: serverUrl.pathPrefix ? `${serverUrl.serverUrl}/${serverUrl.pathPrefix}` : serverUrl.serverUrl, collection, tokenExpiresAt: tokenExpiresAt?.toISOString().slice(0, 10) ?? "" };
  if (await connectionNameTaken(scope.organizationId, name)) {
    return errorState("Check the highlighted fields.", { name: [`A connection named "${name}" already exists. Choose another name.`] }, values);
  }
  // The same rule as for saved connections: a token entered for one server is never
  // sent to another address without being entered again.
  const moved =
    draft.hasToken &&
    draft.serverUrl !== null &&
    (draft.serverUrl !== serverUrl.serverUrl || (draft.pathPrefix ?? "") !== serverUrl.pathPrefix || (draft.collection ?? "").toLowerCase() !== collection.toLowerCase());
  if (moved && !token) {
    return errorState("You changed where the connection points, so enter the token again.", { token: ["Enter the token again for the new address"] }, values);
  }
  await updateDraft(scope, draft.id, {
    name,
    serverUrl: serverUrl.serverUrl,
    pathPrefix: serverUrl.pathPrefix,
    collection,
    tokenExpiresAt,
    ...(moved ? { caBundlePem: null } : {}),
  });
  if (token) {
    await setDraftToken(scope, draft.id, token);
  }
  const fresh = await getDraft(scope, draft.id);
  if (!fresh) {
    return draftExpired;
  }
  try {
    const problem = await checkDraft(scope, fresh);
    if (problem) {
      return { ...problem, values };
    }
  } catch (caught) {
    log.error({ err: caught }, "connection check failed unexpectedly");
    return errorState("The check failed unexpectedly. Try again.", {}, values);
  }
  redirect(`/connect/${draft.id}/check`);
}

/** Check step: runs the doctor again. */
export async function recheckDraftAction(draftId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const loaded = await loadActionDraft(draftId);
  if (!loaded.ok) {
    return loaded.state;
  }
  const parsed = parseForm(formData, z.object({}), { fields: [] });
  if (!parsed.ok) {
    return parsed.state;
  }
  if (loaded.draft.connectionId) {
    redirect(`/connections/${loaded.draft.connectionId}`);
  }
  try {
    const problem = await checkDraft(loaded.scope, loaded.draft);
    if (problem) {
      return problem;
    }
  } catch (caught) {
    log.error({ err: caught }, "connection check failed unexpectedly");
    return errorState("The check failed unexpectedly. Try again.");
  }
  redirect(`/connect/${loaded.draft.id}/check?checked=${Date.now()}`);
}

/** Check step: trusts an uploaded CA certificate for this connection only, then checks again. */
export async function uploadCaAction(draftId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const loaded = await loadActionDraft(draftId);
  if (!loaded.ok) {
    return loaded.state;
  }
  const parsed = parseForm(formData, caUploadSchema, { fields: caUploadFields });
  if (!parsed.ok) {
    return parsed.state;
  }
  if (loaded.draft.connectionId) {
    redirect(`/connections/${loaded.draft.connectionId}`);
  }
  const pem = parsed.data.caPem;
  try {
    const certificates = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    for (const block of certificates) {
      const certificate = new X509Certificate(block);
      if (new Date(certificate.validTo).getTime() < Date.now()) {
        return errorState("This certificate has expired. Export the server's current CA certificate.", { caPem: [`Expired on ${certificate.validTo}`] });
      }
    }
  } catch {
    return errorState("This file is not a readable X.509 certificate. Export the CA certificate as Base-64 encoded (PEM).", { caPem: ["Not a readable certificate"] });
  }
  await updateDraft(loaded.scope, loaded.draft.id, { caBundlePem: pem });
  const fresh = await getDraft(loaded.scope, loaded.draft.id);
  if (!fresh) {
    return draftExpired;
  }
  const problem = await checkDraft(loaded.scope, fresh);
  if (problem) {
    return problem;
  }
  redirect(`/connect/${loaded.draft.id}/check?checked=${Date.now()}`);
}

/** Last step: checks once more and saves the connection (idempotent per draft). */
export async function saveConnectionAction(draftId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const loaded = await loadActionDraft(draftId);
  if (!loaded.ok) {
    return loaded.state;
  }
  const { scope, draft } = loaded;
  const parsed = parseForm(formData, z.object({}), { fields: [] });
  if (!parsed.ok) {
    return parsed.state;
  }
  if (draft.connectionId) {
    // Saved already (double click, back button): continue where the first save went.
    redirect(`/connections/${draft.connectionId}/repositories?step=wizard`);
  }
  const target = targetOf(draft);
  if (!target || !draft.name || (draft.authMethod !== "PAT" && draft.authMethod !== "OAUTH")) {
    return errorState("Fill in the connection details first.");
  }
  let id: string;
  try {
    if (draft.authMethod === "OAUTH") {
      id = await saveOAuthDraft(scope, { ...draft, name: draft.name }, target);
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
      return errorState("Keel can no longer read the token entered earlier. Go back and enter it again.");
    }
    if (isAppError(caught)) {
      // A failed save-time check stored new findings in the draft: show them.
      revalidatePath(`/connect/${draft.id}/check`);
      return errorState(caught.message, caught.details?.field === "name" ? { name: [caught.message] } : {});
    }
    log.error({ err: caught }, "saving the connection failed");
    return errorState("Saving the connection failed unexpectedly. Nothing was saved; try again.");
  }
  // The wizard's last step: pick a repository and create the first build profile.
  redirect(`/connections/${id}/repositories?step=wizard`);
}

/** Abandons a draft (its sealed token goes with it). */
export async function cancelDraftAction(draftId: string): Promise<FormState> {
  const loaded = await loadActionDraft(draftId);
  if (!loaded.ok) {
    return loaded.state;
  }
  await deleteDraft(loaded.scope, loaded.draft.id);
  redirect("/connections");
}
