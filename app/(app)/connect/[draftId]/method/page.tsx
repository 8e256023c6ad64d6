import type { Metadata } from "next";
import { MethodForm, type OAuthAvailability } from "@/components/connect/method-form";
import { WizardFallback } from "@/components/connect/wizard-fallback";
import { WizardSteps } from "@/components/connect/wizard-steps";
import { PageHeader } from "@/components/ui/page-header";
import { chooseMethodAction } from "@/lib/actions/connect";
import { configuredOAuthProviders } from "@/lib/auth/oauth-providers";
import { loadWizardDraft } from "@/lib/connections/wizard";

export const metadata: Metadata = { title: "Connect: sign-in method" };

export default async function MethodPage({ params }: { params: Promise<{ draftId: string }> }) {
  const { draftId } = await params;
  const state = await loadWizardDraft(draftId);
  if (state.kind !== "ok") {
    return <WizardFallback state={state} />;
  }
  const { draft } = state;
  let oauth: OAuthAvailability;
  if (draft.deploymentType === "SERVER") {
    oauth = {
      available: false,
      reason: "Azure DevOps OAuth works only with the cloud service (Azure DevOps Services). Azure DevOps Server accepts Personal Access Tokens.",
    };
  } else if (configuredOAuthProviders().length === 0) {
    oauth = {
      available: false,
      reason: "No OAuth app is configured for this Keel.",
      howTo: "Register an app in Microsoft Entra ID and set ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET and ENTRA_TENANT_ID (or, for an Azure DevOps OAuth app registered before April 2025, AZURE_DEVOPS_OAUTH_CLIENT_ID and AZURE_DEVOPS_OAUTH_CLIENT_SECRET), then restart Keel.",
    };
  } else {
    oauth = { available: true };
  }
  const servicePrincipal: OAuthAvailability =
    draft.deploymentType === "SERVER"
      ? { available: false, reason: "Service principals and managed identities sign in to Azure DevOps Services only. Azure DevOps Server accepts Personal Access Tokens." }
      : { available: true };
  return (
    <>
      <PageHeader title="Connect Azure DevOps" description={draft.deploymentType === "SERVICES" ? "Azure DevOps Services (cloud)" : "Azure DevOps Server (on-premises)"} />
      <WizardSteps current="method" />
      <MethodForm action={chooseMethodAction.bind(null, draft.id)} oauth={oauth} servicePrincipal={servicePrincipal} initial={draft.authMethod} />
    </>
  );
}
