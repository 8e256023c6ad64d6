import type { Metadata } from "next";
import Link from "next/link";
import { SavedDraftNotice } from "@/components/connect/saved-notice";
import { ServicePrincipalForm } from "@/components/connect/service-principal-form";
import { WizardFallback } from "@/components/connect/wizard-fallback";
import { WizardSteps } from "@/components/connect/wizard-steps";
import { Alert } from "@/components/ui/alert";
import { PageHeader } from "@/components/ui/page-header";
import { checkServicePrincipalAction } from "@/lib/actions/connect-service-principal";
import { loadWizardDraft } from "@/lib/connections/wizard";
import { federationIssuer } from "@/lib/entra/federation";
import { issuerReachabilityWarning } from "@/lib/entra/issuer-check";
import { getEnv } from "@/lib/env";
import { federatedSubjectFor } from "@/lib/shared/entra-setup";
import { formatDay } from "@/lib/shared/dates";

export const metadata: Metadata = { title: "Connect: service principal" };

export default async function ServicePrincipalPage({ params }: { params: Promise<{ draftId: string }> }) {
  const { draftId } = await params;
  const state = await loadWizardDraft(draftId);
  if (state.kind !== "ok") {
    return <WizardFallback state={state} />;
  }
  const { draft } = state;
  const back = (
    <Link href={`/connect/${draft.id}/method`} className="text-sm font-medium text-brand-700 underline">
      Back to sign-in method
    </Link>
  );
  if (draft.deploymentType !== "SERVICES" || !draft.entraConnectionId) {
    return (
      <>
        <PageHeader title="Connect with a service principal" actions={back} />
        <WizardSteps current="details" />
        <Alert tone="warning" title="Choose the service principal as the sign-in method first">
          Service principals sign in to Azure DevOps Services only. Go back to the sign-in method and choose it there.
        </Alert>
      </>
    );
  }
  const issuer = federationIssuer();
  return (
    <>
      <PageHeader title="Connect with a service principal" description="Azure DevOps Services (cloud) · Microsoft Entra ID" actions={back} />
      <WizardSteps current="details" />
      {draft.connectionId ? (
        <div className="mb-6">
          <SavedDraftNotice connectionId={draft.connectionId} />
        </div>
      ) : null}
      <ServicePrincipalForm
        action={checkServicePrincipalAction.bind(null, draft.id)}
        initial={{
          name: draft.name ?? "",
          organization: draft.collection ?? "",
          credentialKind: draft.entraCredentialKind ?? "FEDERATED",
          tenantId: draft.entraTenantId ?? "",
          clientId: draft.entraClientId ?? "",
          secretExpiresAt: draft.tokenExpiresAt ? formatDay(draft.tokenExpiresAt) : "",
          certificatePem: draft.entraCertificatePem ?? "",
          hasSecret: draft.hasEntraSecret,
        }}
        federation={{ issuer, subject: federatedSubjectFor(draft.entraConnectionId), warning: issuerReachabilityWarning(issuer) }}
        managedIdentity={{ enabled: getEnv().KEEL_MANAGED_IDENTITY }}
        today={formatDay(new Date())}
      />
    </>
  );
}
