import type { Metadata } from "next";
import Link from "next/link";
import { PatForm } from "@/components/connect/pat-form";
import { SavedDraftNotice } from "@/components/connect/saved-notice";
import { WizardFallback } from "@/components/connect/wizard-fallback";
import { WizardSteps } from "@/components/connect/wizard-steps";
import { PageHeader } from "@/components/ui/page-header";
import { checkPatAction } from "@/lib/actions/connect";
import { loadWizardDraft } from "@/lib/connections/wizard";
import { azureDevOpsUrls } from "@/lib/env";
import { formatDay } from "@/lib/shared/dates";

export const metadata: Metadata = { title: "Connect: Personal Access Token" };

export default async function PatPage({ params }: { params: Promise<{ draftId: string }> }) {
  const { draftId } = await params;
  const state = await loadWizardDraft(draftId);
  if (state.kind !== "ok") {
    return <WizardFallback state={state} />;
  }
  const { draft } = state;
  const servicesUrl = azureDevOpsUrls().services;
  const serverUrl = draft.serverUrl ? (draft.pathPrefix ? `${draft.serverUrl}/${draft.pathPrefix}` : draft.serverUrl) : draft.deploymentType === "SERVICES" ? servicesUrl : "";
  return (
    <>
      <PageHeader
        title="Connect with a Personal Access Token"
        description={draft.deploymentType === "SERVICES" ? "Azure DevOps Services (cloud)" : "Azure DevOps Server (on-premises, 2020 or newer)"}
        actions={
          <Link href={`/connect/${draft.id}/method`} className="text-sm font-medium text-brand-700 underline">
            Back to sign-in method
          </Link>
        }
      />
      <WizardSteps current="details" />
      {draft.connectionId ? (
        <div className="mb-6">
          <SavedDraftNotice connectionId={draft.connectionId} />
        </div>
      ) : null}
      <PatForm
          action={checkPatAction.bind(null, draft.id)}
          deploymentType={draft.deploymentType}
          servicesUrl={servicesUrl}
          submitLabel="Check connection"
          pendingLabel="Checking the server, token, version and scopes…"
          initial={{
            name: draft.name ?? "",
            serverUrl,
            collection: draft.collection ?? "",
            tokenExpiresAt: draft.tokenExpiresAt ? formatDay(draft.tokenExpiresAt) : "",
            hasToken: draft.hasToken,
            tokenLastFour: draft.tokenLastFour,
            tokenAddress: draft.serverUrl ? { serverUrl: draft.serverUrl, pathPrefix: draft.pathPrefix ?? "", collection: draft.collection ?? "" } : null,
          }}
          tokenRule="server"
          pastedRepository={draft.pastedRepository && draft.serverUrl ? { repository: draft.pastedRepository, address: { serverUrl: draft.serverUrl, pathPrefix: draft.pathPrefix ?? "", collection: draft.collection ?? "" } } : null}
        />
    </>
  );
}
