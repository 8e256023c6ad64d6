import type { Metadata } from "next";
import Link from "next/link";
import { OAuthOrganizationPicker, RefreshOrganizations } from "@/components/connect/oauth-organizations";
import { OAuthStart } from "@/components/connect/oauth-start";
import { WizardFallback } from "@/components/connect/wizard-fallback";
import { WizardSteps } from "@/components/connect/wizard-steps";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { beginOAuthAction, chooseOrganizationAction, refreshOrganizationsAction } from "@/lib/actions/connect-oauth";
import { getOAuthProviderConfig } from "@/lib/auth/oauth-providers";
import { loadWizardDraft } from "@/lib/connections/wizard";
import { getLinkedIdentity, readOrganizations } from "@/lib/data/oauth";
import { isOAuthProviderId, providerChoice, providerLabel } from "@/lib/oauth/config";
import { listConnections } from "@/lib/data/connections";
import { azureDevOpsUrls } from "@/lib/env";
import { sameCollection } from "@/lib/shared/address-move";

export const metadata: Metadata = { title: "Connect: choose the organization" };

export default async function OrganizationsPage({ params }: { params: Promise<{ draftId: string }> }) {
  const { draftId } = await params;
  const state = await loadWizardDraft(draftId);
  if (state.kind !== "ok") {
    return <WizardFallback state={state} />;
  }
  const { draft, scope } = state;
  const identity = draft.oauthAccountId ? await getLinkedIdentity(scope, draft.oauthAccountId) : null;
  const provider = isOAuthProviderId(identity?.provider) ? identity.provider : isOAuthProviderId(draft.oauthProvider) ? draft.oauthProvider : null;
  const config = provider ? getOAuthProviderConfig(provider) : null;
  const reauthorize =
    provider && config ? <OAuthStart action={beginOAuthAction.bind(null, draft.id)} providers={[providerChoice(provider)]} initial={provider} submitLabel="Authorize more organizations" variant="secondary" /> : null;
  const header = (
    <>
      <PageHeader
        title="Choose the organization"
        description={identity ? `Signed in to Azure DevOps as ${identity.displayName ?? "your account"}${identity.uniqueName ? ` (${identity.uniqueName})` : ""} with ${providerLabel(identity.provider)}.` : "Azure DevOps Services (cloud)"}
        actions={
          <Link href={`/connect/${draft.id}/oauth`} className="text-sm font-medium text-brand-700 underline">
            Back to sign-in
          </Link>
        }
      />
      <WizardSteps current="details" />
    </>
  );
  if (!identity) {
    return (
      <>
        {header}
        <Alert tone="warning" title="Authorize Keel in Azure DevOps first">
          <p>This setup has no linked Azure DevOps identity yet (or it was removed).</p>
          <p>
            <Link href={`/connect/${draft.id}/oauth`} className={buttonClasses("primary")}>
              Authorize Keel
            </Link>
          </p>
        </Alert>
      </>
    );
  }
  const list = readOrganizations(draft.oauthOrganizations);
  // Organizations Keel is connected to already are marked (and not chosen first).
  const services = new URL(azureDevOpsUrls().services).origin;
  const connections = await listConnections(scope);
  const organizations = list.items.map((option) => {
    const connected = sameCollection(connections, { serverUrl: services, pathPrefix: "", collection: option.name }).map((connection) => ({ id: connection.id, name: connection.name }));
    return connected.length > 0 ? { ...option, connected } : option;
  });
  const tenant = config?.entra && !config.entra.multiTenant ? config.entra.tenant : null;
  return (
    <>
      {header}
      {list.error ? (
        <Alert tone="error" title="Keel could not list your organizations" className="mb-6">
          <p>{list.error}</p>
          <p>Try Refresh list; if it keeps failing, authorize again.</p>
        </Alert>
      ) : null}
      {list.items.length === 0 && !list.error ? (
        <div className="space-y-6">
          <EmptyState title="No organizations found">
            <p>Azure DevOps says the account you signed in with is not a member of any organization Keel can reach.</p>
          </EmptyState>
          <Card title="Likely causes, and what to do">
            <ul className="list-disc space-y-3 pl-5 text-sm text-slate-800">
              <li>
                <strong>A personal Microsoft account instead of a work account.</strong> Accounts like @outlook.com or @hotmail.com are personal Microsoft accounts; organizations
                backed by Microsoft Entra ID belong to your work or school account. Choose <em>Authorize more organizations</em> and pick your work account on the sign-in page.
              </li>
              <li>
                <strong>Not a member of any organization.</strong> Ask an administrator of your organization to add you (Organization settings → Users → Add users), or check at
                dev.azure.com which organizations your account sees. Then choose <em>Refresh list</em>.
              </li>
              <li>
                <strong>Another tenant.</strong> Your organizations may be connected to a different Microsoft Entra tenant
                {tenant ? (
                  <>
                    {" "}
                    than the one Keel signs in with (<code className="font-mono text-xs">{tenant}</code>)
                  </>
                ) : null}
                . Sign in with an account of that tenant, or ask whoever runs Keel to configure that tenant (ENTRA_TENANT_ID).
              </li>
            </ul>
          </Card>
          <div className="flex flex-wrap items-start gap-3">
            {reauthorize}
            <RefreshOrganizations action={refreshOrganizationsAction.bind(null, draft.id)} />
            <Link href={`/connect/${draft.id}/pat`} className={buttonClasses("ghost")}>
              Use a Personal Access Token instead
            </Link>
          </div>
        </div>
      ) : list.items.length > 0 ? (
        <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
          <OAuthOrganizationPicker action={chooseOrganizationAction.bind(null, draft.id)} organizations={organizations} initialName={draft.name ?? ""} initialOrganization={draft.collection} />
          <div className="space-y-4">
            <Card title="Missing an organization?">
              <p className="text-sm text-slate-700">
                Keel lists the organizations this account is a member of. Sign in again with another account, or refresh the list after you were added somewhere.
              </p>
              <div className="mt-3 flex flex-col items-start gap-2">
                {reauthorize}
                <RefreshOrganizations action={refreshOrganizationsAction.bind(null, draft.id)} />
              </div>
            </Card>
          </div>
        </div>
      ) : (
        <div className="flex flex-wrap items-start gap-3">
          {reauthorize}
          <RefreshOrganizations action={refreshOrganizationsAction.bind(null, draft.id)} />
        </div>
      )}
    </>
  );
}
