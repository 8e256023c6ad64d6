import type { Metadata } from "next";
import { CaUploadForm, CheckActions } from "@/components/connect/check-actions";
import { CheckReport } from "@/components/connect/check-report";
import { EntraSetupGuide } from "@/components/connect/entra-setup-guide";
import { SavedDraftNotice } from "@/components/connect/saved-notice";
import { WizardFallback } from "@/components/connect/wizard-fallback";
import { WizardSteps } from "@/components/connect/wizard-steps";
import { Alert } from "@/components/ui/alert";
import { PageHeader } from "@/components/ui/page-header";
import { recheckDraftAction, saveConnectionAction, uploadCaAction } from "@/lib/actions/connect";
import { buildCollectionUrl } from "@/lib/azure-devops/url";
import { readCheckSummary } from "@/lib/connections/summary";
import { loadWizardDraft } from "@/lib/connections/wizard";
import { federationIssuer } from "@/lib/entra/federation";
import { federatedSubjectFor } from "@/lib/shared/entra-setup";

export const metadata: Metadata = { title: "Connect: check and save" };

export default async function CheckPage({ params }: { params: Promise<{ draftId: string }> }) {
  const { draftId } = await params;
  const state = await loadWizardDraft(draftId);
  if (state.kind !== "ok") {
    return <WizardFallback state={state} />;
  }
  const { draft } = state;
  const summary = readCheckSummary(draft.lastCheck);
  const where = draft.serverUrl && draft.collection ? buildCollectionUrl({ serverUrl: draft.serverUrl, pathPrefix: draft.pathPrefix ?? "", collection: draft.collection }) : null;
  const editHref = `/connect/${draft.id}/${draft.authMethod === "OAUTH" ? "oauth/organizations" : draft.authMethod === "SERVICE_PRINCIPAL" ? "service-principal" : "pat"}`;
  const tlsFinding = summary?.findings.find((finding) => finding.data?.canUploadCa);
  return (
    <>
      <PageHeader title={draft.name ? `Check “${draft.name}”` : "Check the connection"} description={where ? <span className="font-mono">{where}</span> : undefined} />
      <WizardSteps current="check" />
      <div className="space-y-6">
        {summary ? (
          <CheckReport summary={summary} />
        ) : (
          <Alert tone="info" title="Not checked yet">
            Run the check: Keel calls the server with your {draft.authMethod === "SERVICE_PRINCIPAL" ? "service principal" : "token"} and reports what works before anything is saved.
          </Alert>
        )}
        {draft.connectionId ? <SavedDraftNotice connectionId={draft.connectionId} /> : null}
        {tlsFinding && !draft.connectionId ? <CaUploadForm action={uploadCaAction.bind(null, draft.id)} /> : null}
        {draft.caBundlePem && !tlsFinding ? <p className="text-sm text-slate-600">A CA certificate you uploaded is trusted for this connection.</p> : null}
        {draft.authMethod === "SERVICE_PRINCIPAL" && draft.entraCredentialKind && draft.entraConnectionId && summary && !summary.ok && !draft.connectionId ? (
          <EntraSetupGuide
            input={{
              kind: draft.entraCredentialKind,
              connectionName: draft.name ?? "",
              organization: draft.collection ?? "",
              tenantId: draft.entraTenantId ?? undefined,
              clientId: draft.entraClientId ?? undefined,
              issuer: federationIssuer(),
              subject: federatedSubjectFor(draft.entraConnectionId),
            }}
          />
        ) : null}
        {draft.connectionId ? null : (
          <CheckActions
            recheck={recheckDraftAction.bind(null, draft.id)}
            save={saveConnectionAction.bind(null, draft.id)}
            canSave={Boolean(summary?.ok)}
            editHref={editHref}
            saveLabel="Save connection"
          />
        )}
      </div>
    </>
  );
}
