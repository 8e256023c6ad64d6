import type { Metadata } from "next";
import Link from "next/link";
import { OAuthScopesTable } from "@/components/connect/oauth-scopes";
import { OAuthSetupHelp } from "@/components/connect/oauth-setup-help";
import { OAuthStart } from "@/components/connect/oauth-start";
import { WizardFallback } from "@/components/connect/wizard-fallback";
import { WizardSteps } from "@/components/connect/wizard-steps";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { beginOAuthAction } from "@/lib/actions/connect-oauth";
import { configuredOAuthProviders, listOAuthProviderInfo } from "@/lib/auth/oauth-providers";
import { loadWizardDraft } from "@/lib/connections/wizard";
import { getLinkedIdentity } from "@/lib/data/oauth";
import { getEnv } from "@/lib/env";
import { providerChoice, publicUrlOf, requestedScopes } from "@/lib/oauth/config";

export const metadata: Metadata = { title: "Connect: OAuth2" };

export default async function OAuthPage({ params }: { params: Promise<{ draftId: string }> }) {
  const { draftId } = await params;
  const state = await loadWizardDraft(draftId);
  if (state.kind !== "ok") {
    return <WizardFallback state={state} />;
  }
  const { draft, scope, user } = state;
  const configured = configuredOAuthProviders();
  const info = listOAuthProviderInfo();
  const publicUrl = publicUrlOf(getEnv());
  const linked = draft.oauthAccountId ? await getLinkedIdentity(scope, draft.oauthAccountId) : null;
  const choices = configured.map(providerChoice);
  const entraSelected = configured.includes("microsoft-entra-id");
  return (
    <>
      <PageHeader
        title="Connect with OAuth2"
        description="Azure DevOps Services (cloud)"
        actions={
          <Link href={`/connect/${draft.id}/method`} className="text-sm font-medium text-brand-700 underline">
            Back to sign-in method
          </Link>
        }
      />
      <WizardSteps current="details" />
      {draft.deploymentType === "SERVER" ? (
        <Alert tone="warning" title="OAuth is not available for Azure DevOps Server">
          <p>Azure DevOps OAuth works only with the cloud service. Connect this server with a Personal Access Token.</p>
          <p>
            <Link href={`/connect/${draft.id}/pat`} className={buttonClasses("secondary")}>
              Use a Personal Access Token
            </Link>
          </p>
        </Alert>
      ) : (
        <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[minmax(0,1fr)_24rem]">
          <div className="space-y-6">
            {linked ? (
              <Alert tone="success" title={`Authorized as ${linked.displayName ?? "your Azure DevOps account"}${linked.uniqueName ? ` (${linked.uniqueName})` : ""}`}>
                <p>Keel linked this Azure DevOps identity to you. Pick the organization to connect, or authorize again with another account.</p>
                <p>
                  <Link href={`/connect/${draft.id}/oauth/organizations`} className={buttonClasses("primary")}>
                    Choose the organization
                  </Link>
                </p>
              </Alert>
            ) : null}
            {choices.length === 0 ? (
              <Alert tone="warning" title="No OAuth app is configured for this Keel">
                <p>Use a Personal Access Token now, or configure Microsoft Entra ID (below) and come back.</p>
                <p>
                  <Link href={`/connect/${draft.id}/pat`} className={buttonClasses("secondary")}>
                    Use a Personal Access Token
                  </Link>
                </p>
              </Alert>
            ) : (
              <Card title="Authorize Keel in Azure DevOps">
                <div className="space-y-4 text-sm text-slate-700">
                  <ol className="list-decimal space-y-1 pl-5">
                    <li>You leave Keel for the sign-in page and approve the permissions listed here.</li>
                    <li>
                      Keel links that Azure DevOps identity to you ({user.name}) — it never signs anyone in with it — and stores its tokens encrypted.
                    </li>
                    <li>Back in Keel you pick one of your organizations, name the connection, and Keel checks it before saving.</li>
                  </ol>
                  <OAuthStart action={beginOAuthAction.bind(null, draft.id)} providers={choices} initial={draft.oauthProvider} submitLabel={linked ? "Authorize again" : "Continue to sign in"} variant={linked ? "secondary" : "primary"} />
                </div>
              </Card>
            )}
          </div>
          <div className="space-y-6">
            <Card>
              <OAuthScopesTable
                scopes={requestedScopes()}
                {...(entraSelected
                  ? {
                      extra: [
                        { scope: "openid", purpose: "Microsoft Entra ID only: proves the sign-in came from this request (nonce)" },
                        { scope: "offline_access", purpose: "Microsoft Entra ID only: lets Keel renew access without asking you again" },
                      ],
                    }
                  : {})}
              />
              <p className="mt-3 text-xs text-slate-600">
                Entra ID asks for these as Azure DevOps permissions (<code className="font-mono">499b84ac-1321-427f-aa17-267ca6975798/vso.…</code>). Keel never asks for write access to code.
              </p>
            </Card>
            <OAuthSetupHelp providers={info} publicUrl={publicUrl} />
          </div>
        </div>
      )}
    </>
  );
}
