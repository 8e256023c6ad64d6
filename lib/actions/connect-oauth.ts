"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { requireActionAdmin } from "@/lib/auth/guards";
import { getOAuthProviderConfig } from "@/lib/auth/oauth-providers";
import { checkOAuthDraft, draftIdentity, refreshDraftOrganizations } from "@/lib/connections/oauth-draft";
import { getDraft, updateDraft } from "@/lib/data/connect-drafts";
import { connectionNameTaken, getConnection } from "@/lib/data/connections";
import { readOrganizations, setDraftOAuthProvider } from "@/lib/data/oauth";
import { azureDevOpsUrls } from "@/lib/env";
import { draftExpired, loadActionDraft } from "@/lib/connections/wizard";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { isOAuthProviderId } from "@/lib/oauth/config";
import { setIntentCookie } from "@/lib/oauth/intent-cookie";
import { idSchema } from "@/lib/validation/auth";
import { parseForm, type FormState, errorState } from "@/lib/validation/form";
import { oauthProviderFields, oauthProviderSchema, organizationChoiceFields, organizationChoiceSchema } from "@/lib/validation/oauth";

const log = logger("actions.connect-oauth");

/**
 * Before leaving Keel for the consent page: records the provider on the draft and sets the
 * intent cookie the callback requires. The client then starts next-auth's sign-in with the
 * returned provider and callback URL (a POST with next-auth's CSRF token).
 */
export async function beginOAuthAction(draftId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const loaded = await loadActionDraft(draftId);
  if (!loaded.ok) {
    return loaded.state;
  }
  const parsed = parseForm(formData, oauthProviderSchema, { fields: oauthProviderFields });
  if (!parsed.ok) {
    return parsed.state;
  }
  const { provider } = parsed.data;
  if (loaded.draft.deploymentType !== "SERVICES") {
    return errorState("Azure DevOps OAuth works only with the cloud service. Use a Personal Access Token for Azure DevOps Server.");
  }
  if (!getOAuthProviderConfig(provider)) {
    return errorState("This sign-in method is not configured for this Keel. Choose another, or ask whoever runs Keel to configure it.", { provider: ["Not configured"] });
  }
  await setDraftOAuthProvider(loaded.scope, loaded.draft.id, provider);
  await setIntentCookie({ kind: "draft", targetId: loaded.draft.id, provider, userId: loaded.scope.userId, organizationId: loaded.scope.organizationId });
  return { status: "success", message: "Opening the sign-in page…", data: { provider, callbackUrl: `/connect/${loaded.draft.id}/oauth/organizations` } };
}

/** Re-authorize a saved OAuth connection: the same round trip, for the connection. */
export async function beginReauthorizeAction(connectionId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const auth = await requireActionAdmin();
  if (!auth.ok) {
    return auth.state;
  }
  const parsed = parseForm(formData, z.object({}), { fields: [] });
  if (!parsed.ok) {
    return parsed.state;
  }
  const connection = idSchema.safeParse(connectionId).success ? await getConnection(auth.user.organizationId, connectionId) : null;
  if (!connection || connection.authMethod !== "OAUTH") {
    return errorState("That connection does not exist in your organization.");
  }
  const provider = connection.oauthProvider ?? connection.account?.provider;
  if (!isOAuthProviderId(provider) || !getOAuthProviderConfig(provider)) {
    return errorState("The sign-in method this connection was created with is no longer configured for this Keel. Ask whoever runs Keel to configure it again, or connect the organization with a Personal Access Token.");
  }
  await setIntentCookie({ kind: "reauth", targetId: connection.id, provider, userId: auth.user.id, organizationId: auth.user.organizationId });
  return { status: "success", message: "Opening the sign-in page…", data: { provider, callbackUrl: `/connections/${connection.id}?reauthorized=1` } };
}

/** After consent: the admin picks one organization of the identity and names the connection; the doctor runs. */
export async function chooseOrganizationAction(draftId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const loaded = await loadActionDraft(draftId);
  if (!loaded.ok) {
    return loaded.state;
  }
  const { scope, draft } = loaded;
  const parsed = parseForm(formData, organizationChoiceSchema, { fields: organizationChoiceFields });
  if (!parsed.ok) {
    return parsed.state;
  }
  const { name, organization } = parsed.data;
  const values = { name, organization };
  const listed = readOrganizations(draft.oauthOrganizations).items.find((item) => item.name.toLowerCase() === organization.toLowerCase());
  if (!listed) {
    return errorState("Check the highlighted fields.", { organization: ["Choose one of the organizations listed (use Refresh list if it is new)."] }, values);
  }
  if (await connectionNameTaken(scope.organizationId, name)) {
    return errorState("Check the highlighted fields.", { name: [`A connection named "${name}" already exists. Choose another name.`] }, values);
  }
  try {
    await draftIdentity(scope, draft);
    await updateDraft(scope, draft.id, { name, serverUrl: new URL(azureDevOpsUrls().services).origin, pathPrefix: "", collection: listed.name, caBundlePem: null });
    const fresh = await getDraft(scope, draft.id);
    if (!fresh) {
      return draftExpired;
    }
    await checkOAuthDraft(scope, fresh);
  } catch (caught) {
    if (isAppError(caught)) {
      return errorState(caught.message, {}, values);
    }
    log.error({ err: caught }, "the OAuth connection check failed unexpectedly");
    return errorState("The check failed unexpectedly. Try again.", {}, values);
  }
  redirect(`/connect/${draft.id}/check`);
}

/** Lists the identity's organizations again (without a new consent). */
export async function refreshOrganizationsAction(draftId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const loaded = await loadActionDraft(draftId);
  if (!loaded.ok) {
    return loaded.state;
  }
  const parsed = parseForm(formData, z.object({}), { fields: [] });
  if (!parsed.ok) {
    return parsed.state;
  }
  try {
    const list = await refreshDraftOrganizations(loaded.scope, loaded.draft);
    revalidatePath(`/connect/${loaded.draft.id}/oauth/organizations`);
    return { status: "success", message: list.error ? list.error : `Found ${list.items.length} organization${list.items.length === 1 ? "" : "s"}.` };
  } catch (caught) {
    if (isAppError(caught)) {
      return errorState(caught.message);
    }
    log.error({ err: caught }, "listing organizations failed unexpectedly");
    return errorState("Listing the organizations failed unexpectedly. Try again.");
  }
}
