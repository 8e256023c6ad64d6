"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { getOAuthProviderConfig } from "@/lib/auth/oauth-providers";
import { checkOAuthDraft, draftIdentity, refreshDraftOrganizations } from "@/lib/connections/oauth-draft";
import { getDraft, updateDraft } from "@/lib/data/connect-drafts";
import { connectionNameTaken } from "@/lib/data/connections";
import { readOrganizations, setDraftOAuthProvider } from "@/lib/data/oauth";
import { action } from "@/lib/entry/action";
import { targetMissing } from "@/lib/entry/targets";
import { azureDevOpsUrls } from "@/lib/env";
import { isOAuthProviderId } from "@/lib/oauth/config";
import { setIntentCookie } from "@/lib/oauth/intent-cookie";
import { errorState } from "@/lib/validation/form";
import { oauthProviderFields, oauthProviderSchema, organizationChoiceFields, organizationChoiceSchema } from "@/lib/validation/oauth";

/**
 * Before leaving Keel for the consent page: records the provider on the draft and sets the
 * intent cookie the callback requires. The client then starts next-auth's sign-in with the
 * returned provider and callback URL (a POST with next-auth's CSRF token).
 */
export const beginOAuthAction = action(
  { name: "connect.oauth-begin", permission: "connection.create", target: "draft", form: { schema: oauthProviderSchema, fields: oauthProviderFields } },
  async ({ user, scope, target: draft, input: { provider } }) => {
    if (draft.deploymentType !== "SERVICES") {
      return errorState("Azure DevOps OAuth works only with the cloud service. Use a Personal Access Token for Azure DevOps Server.");
    }
    if (!getOAuthProviderConfig(provider)) {
      return errorState("This sign-in method is not configured for this Keel. Choose another, or ask whoever runs Keel to configure it.", { provider: ["Not configured"] });
    }
    await setDraftOAuthProvider(scope, draft.id, provider);
    await setIntentCookie({ kind: "draft", targetId: draft.id, provider, userId: user.id, organizationId: scope.organizationId });
    return { status: "success", message: "Opening the sign-in page…", data: { provider, callbackUrl: `/connect/${draft.id}/oauth/organizations` } };
  },
);

/** Re-authorize a saved OAuth connection: the same round trip, for the connection. */
export const beginReauthorizeAction = action(
  { name: "connections.reauthorize-begin", permission: "connection.reauthorize", target: "connection" },
  async ({ user, scope, target: connection }) => {
    if (connection.authMethod !== "OAUTH") {
      throw targetMissing("connection");
    }
    const provider = connection.oauthProvider ?? connection.account?.provider;
    if (!isOAuthProviderId(provider) || !getOAuthProviderConfig(provider)) {
      return errorState(
        "The sign-in method this connection was created with is no longer configured for this Keel. Ask whoever runs Keel to configure it again, or connect the organization with a Personal Access Token.",
      );
    }
    await setIntentCookie({ kind: "reauth", targetId: connection.id, provider, userId: user.id, organizationId: scope.organizationId });
    return { status: "success", message: "Opening the sign-in page…", data: { provider, callbackUrl: `/connections/${connection.id}?reauthorized=1` } };
  },
);

/**
 * Switch a legacy Azure DevOps OAuth connection to Microsoft Entra ID in place: the same round
 * trip as re-authorizing, with Entra ID. The connection keeps its id (its build profiles keep
 * working); the Entra identity is tried on the organization before it replaces the legacy one.
 */
export const beginSwitchToEntraAction = action(
  { name: "connections.switch-to-entra-begin", permission: "connection.reauthorize", target: "connection" },
  async ({ user, scope, target: connection }) => {
    if (connection.authMethod !== "OAUTH") {
      throw targetMissing("connection");
    }
    if ((connection.oauthProvider ?? connection.account?.provider) !== "azure-devops") {
      return errorState("This connection already uses Microsoft Entra ID.");
    }
    if (!getOAuthProviderConfig("microsoft-entra-id")) {
      return errorState("Microsoft Entra ID is not configured for this Keel. Whoever runs Keel sets ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET and ENTRA_TENANT_ID first.");
    }
    await setIntentCookie({ kind: "reauth", targetId: connection.id, provider: "microsoft-entra-id", userId: user.id, organizationId: scope.organizationId });
    return { status: "success", message: "Opening the Microsoft sign-in page…", data: { provider: "microsoft-entra-id", callbackUrl: `/connections/${connection.id}?switched=1` } };
  },
);

/** After consent: the admin picks one organization of the identity and names the connection; the doctor runs. */
export const chooseOrganizationAction = action(
  {
    name: "connect.oauth-organization",
    permission: "connection.create",
    target: "draft",
    form: { schema: organizationChoiceSchema, fields: organizationChoiceFields },
    unexpected: "The check failed unexpectedly. Try again.",
  },
  async ({ scope, target: draft, input: { name, organization } }) => {
    const values = { name, organization };
    const listed = readOrganizations(draft.oauthOrganizations).items.find((item) => item.name.toLowerCase() === organization.toLowerCase());
    if (!listed) {
      return errorState("Check the highlighted fields.", { organization: ["Choose one of the organizations listed (use Refresh list if it is new)."] }, values);
    }
    if (await connectionNameTaken(scope, name)) {
      return errorState("Check the highlighted fields.", { name: [`A connection named "${name}" already exists. Choose another name.`] }, values);
    }
    await draftIdentity(scope, draft);
    await updateDraft(scope, draft.id, { name, serverUrl: new URL(azureDevOpsUrls().services).origin, pathPrefix: "", collection: listed.name, caBundlePem: null });
    const fresh = await getDraft(scope, draft.id);
    if (!fresh) {
      throw targetMissing("draft");
    }
    await checkOAuthDraft(scope, fresh);
    redirect(`/connect/${draft.id}/check`);
  },
);

/** Lists the identity's organizations again (without a new consent). */
export const refreshOrganizationsAction = action(
  { name: "connect.oauth-refresh-organizations", permission: "connection.create", target: "draft", unexpected: "Listing the organizations failed unexpectedly. Try again." },
  async ({ scope, target: draft }) => {
    const list = await refreshDraftOrganizations(scope, draft);
    revalidatePath(`/connect/${draft.id}/oauth/organizations`);
    return { status: "success", message: list.error ? list.error : `Found ${list.items.length} organization${list.items.length === 1 ? "" : "s"}.` };
  },
);
