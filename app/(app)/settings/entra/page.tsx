import type { Metadata } from "next";
import { CopyBlock } from "@/components/ui/copy-block";
import { CopyField } from "@/components/ui/copy-field";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { OAUTH_SCOPES } from "@/lib/azure-devops/scopes";
import { requireScope } from "@/lib/auth/guards";
import { listFederationKeys } from "@/lib/data/federation-keys";
import { federationIssuer, ISSUER_PATH } from "@/lib/entra/federation";
import { issuerReachabilityWarning } from "@/lib/entra/issuer-check";
import { DEFAULT_ROTATION, keyStatus } from "@/lib/entra/signing-keys";
import { getEnv } from "@/lib/env";
import { USER_SIGN_IN_AADSTS } from "@/lib/oauth/aadsts";
import { AZURE_DEVOPS_RESOURCE_ID, oauthProviderConfig, publicUrlOf } from "@/lib/oauth/config";
import { entraUserOAuthScript } from "@/lib/shared/entra-setup";

export const metadata: Metadata = { title: "Microsoft Entra ID" };

const DAY_MS = 86_400_000;

/**
 * Guided Entra setup: the app registration for signing in with Entra ID (exact redirect URI, the
 * API permissions, a ready script, the errors people meet) and Keel as an OpenID issuer for
 * service principals' federated credentials (its URLs and the keys it publishes).
 */
export default async function EntraSettingsPage() {
  await requireScope("connection.create");
  const env = getEnv();
  const redirectUri = `${publicUrlOf(env)}/api/auth/callback/microsoft-entra-id`;
  const configured = oauthProviderConfig("microsoft-entra-id", env);
  const issuer = federationIssuer();
  const warning = issuerReachabilityWarning(issuer);
  const keys = await listFederationKeys();
  return (
    <>
      <PageHeader breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Microsoft Entra ID" }]} title="Microsoft Entra ID" description="Signing in with Entra ID, and service principals that trust Keel without a secret." />
      <div className="space-y-6">
        <Card title="Sign in with Microsoft Entra ID (OAuth2)" description="The app registration people sign in through when they connect Azure DevOps with OAuth2.">
          <div className="space-y-4 text-sm">
            {configured ? (
              <Alert tone="success" title="Configured">
                <p>
                  Application (client) ID <span className="break-all font-mono">{configured.clientId}</span>, tenant <span className="break-all font-mono">{configured.entra?.tenant}</span>.
                </p>
              </Alert>
            ) : (
              <Alert tone="info" title="Not configured yet">
                <p>Register the app with the values below, then set ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET and ENTRA_TENANT_ID in Keel&apos;s environment and restart it.</p>
              </Alert>
            )}
            <CopyField label="Redirect URI (platform: Web)" value={redirectUri} />
            <div>
              <p className="font-medium text-slate-900">API permissions to add</p>
              <p className="text-slate-700">
                Add a permission → APIs my organization uses → <strong>Azure DevOps</strong> ({AZURE_DEVOPS_RESOURCE_ID}) → Delegated permissions:
              </p>
              <ul className="mt-1 list-disc pl-5 text-slate-700" aria-label="Azure DevOps delegated permissions">
                {OAUTH_SCOPES.map((scope) => (
                  <li key={scope.id}>
                    <span className="font-mono">{scope.id}</span> — {scope.label}
                  </li>
                ))}
              </ul>
              <p className="mt-1 text-slate-600">openid and offline_access come with every sign-in; nothing from Microsoft Graph is needed.</p>
            </div>
            <div>
              <CopyBlock
                heading={<p className="font-medium text-slate-900">The same with the Azure CLI</p>}
                label="Azure CLI script for the sign-in app"
                text={entraUserOAuthScript({ redirectUri, scopes: OAUTH_SCOPES.map((scope) => scope.id), ...(configured?.entra?.tenant ? { tenantId: configured.entra.tenant } : {}) })}
              />
            </div>
          </div>
        </Card>

        <Card title="Errors people meet when signing in" description="Microsoft names each one by an AADSTS code: on its own sign-in page, or on Keel's page after it sends you back.">
          <ul className="space-y-3 text-sm" aria-label="AADSTS errors">
            {USER_SIGN_IN_AADSTS.map((entry) => (
              <li key={entry.code} className="rounded-md border border-slate-200 p-3">
                <p className="font-medium text-slate-900">
                  <span className="font-mono">{entry.code}</span> — {entry.title}
                </p>
                <p className="text-slate-700">{entry.detail}</p>
                <ol className="mt-1 list-decimal pl-5 text-slate-700">
                  {entry.fix.map((step) => (
                    <li key={step}>{step}</li>
                  ))}
                </ol>
              </li>
            ))}
          </ul>
        </Card>

        <Card title="Keel as an issuer for federated credentials" description="Service principals can trust Keel instead of holding a secret: Keel signs a short-lived token per connection, Microsoft Entra ID checks it against the keys Keel publishes here.">
          <div className="space-y-4 text-sm">
            <CopyField label="Issuer" value={issuer} />
            <CopyField label="OpenID configuration" value={`${issuer}/.well-known/openid-configuration`} />
            <CopyField label="Signing keys (JWKS)" value={`${publicUrlOf(env)}${ISSUER_PATH}/jwks`} />
            {warning ? (
              <Alert tone="warning" title="Microsoft Entra ID may not reach this issuer">
                {warning}
              </Alert>
            ) : null}
            <div>
              <p className="font-medium text-slate-900">Published keys</p>
              {keys.length === 0 ? (
                <p className="text-slate-700">None yet: Keel creates its first key when a connection first uses a federated credential.</p>
              ) : (
                <ul className="mt-1 space-y-1 font-mono text-xs text-slate-800" aria-label="Published signing keys">
                  {keys.map((key) => (
                    <li key={key.id}>
                      {key.id} · {key.algorithm} · {keyStatus(key)}
                    </li>
                  ))}
                </ul>
              )}
              <p className="mt-1 text-slate-600">
                Keys rotate every {DEFAULT_ROTATION.rotateAfterMs / DAY_MS} days: the next key is published {DEFAULT_ROTATION.publishLeadMs / DAY_MS} days before it signs, and a replaced key stays published for {DEFAULT_ROTATION.retainMs / DAY_MS} more days. Private keys are sealed with Keel&apos;s keyring.
              </p>
            </div>
            <p className="text-slate-700">
              Managed identity (the identity of the Azure machine Keel runs on) is {env.KEEL_MANAGED_IDENTITY ? "allowed on this Keel." : "turned off on this Keel (KEEL_MANAGED_IDENTITY)."}
            </p>
          </div>
        </Card>
      </div>
    </>
  );
}
