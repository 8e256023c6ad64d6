import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CaUploadForm } from "@/components/connect/check-actions";
import { CheckReport } from "@/components/connect/check-report";
import { OAuthStart } from "@/components/connect/oauth-start";
import { CheckNowButton } from "@/components/connections/check-now";
import { ProjectList } from "@/components/connections/project-list";
import { ConnectionStatusBadge } from "@/components/connections/status-badge";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { checkConnectionAction, uploadConnectionCaAction } from "@/lib/actions/connections";
import { beginReauthorizeAction } from "@/lib/actions/connect-oauth";
import { getOAuthProviderConfig } from "@/lib/auth/oauth-providers";
import { isOAuthProviderId, providerChoice, providerLabel } from "@/lib/oauth/config";
import { requireScope } from "@/lib/auth/guards";
import { can } from "@/lib/policy";
import { buildCollectionUrl } from "@/lib/azure-devops/url";
import { readCheckSummary } from "@/lib/connections/summary";
import { getConnection } from "@/lib/data/connections";
import { listProfilesForConnection } from "@/lib/data/profiles";
import { shortBranchName } from "@/lib/shared/names";
import { idSchema } from "@/lib/validation/auth";
import { platformLabel } from "@/lib/validation/profiles";

export const metadata: Metadata = { title: "Connection" };

export default async function ConnectionPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { scope } = await requireScope("connection.read");
  const { id } = await params;
  const query = await searchParams;
  const connection = idSchema.safeParse(id).success ? await getConnection(scope, id) : null;
  if (!connection) {
    notFound();
  }
  const may = { check: can(scope, "connection.check"), update: can(scope, "connection.update"), reauthorize: can(scope, "connection.reauthorize") };
  const summary = readCheckSummary(connection.lastCheckResult);
  const collectionUrl = buildCollectionUrl(connection);
  const tlsFinding = summary?.findings.find((finding) => finding.data?.canUploadCa);
  // OAUTH: the provider to re-authorize with (kept on the connection even if its identity is gone).
  const oauthProvider = connection.authMethod !== "OAUTH" ? null : isOAuthProviderId(connection.oauthProvider) ? connection.oauthProvider : isOAuthProviderId(connection.account?.provider) ? connection.account.provider : null;
  const reauthorize =
    may.reauthorize && oauthProvider && getOAuthProviderConfig(oauthProvider) ? (
      <OAuthStart action={beginReauthorizeAction.bind(null, connection.id)} providers={[providerChoice(oauthProvider)]} initial={oauthProvider} submitLabel="Re-authorize" variant={connection.status === "NEEDS_REAUTH" ? "primary" : "secondary"} chooseProvider={false} />
    ) : null;
  const profiles = await listProfilesForConnection(scope, connection.id);
  return (
    <>
      <PageHeader
        title={connection.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <ConnectionStatusBadge status={connection.status} />
            <span className="font-mono">{collectionUrl}</span>
          </span>
        }
        actions={
          may.check || may.update || may.reauthorize ? (
            <>
              {may.check ? <CheckNowButton action={checkConnectionAction.bind(null, connection.id)} /> : null}
              {connection.authMethod === "PAT" && may.update ? (
                <Link href={`/connections/${connection.id}/edit`} className={buttonClasses("secondary")}>
                  Edit or replace token
                </Link>
              ) : connection.status !== "NEEDS_REAUTH" ? (
                reauthorize
              ) : null}
            </>
          ) : null
        }
      />
      {query.reauthorized === "1" && connection.authMethod === "OAUTH" && connection.status !== "NEEDS_REAUTH" ? (
        <Alert tone="success" title="Re-authorized" className="mb-6">
          <p>Keel stored the new authorization and checked the connection again.</p>
        </Alert>
      ) : null}
      {connection.statusReason && connection.status !== "HEALTHY" ? (
        <Alert tone={connection.status === "WARNING" ? "warning" : "error"} title={connection.statusReason} className="mb-6">
          {connection.status === "CREDENTIALS_MISSING" || connection.status === "CREDENTIALS_UNREADABLE" ? (
            may.update ? (
              <p>
                <Link href={`/connections/${connection.id}/edit`} className="font-medium underline">
                  Enter a token
                </Link>{" "}
                to use this connection again.
              </p>
            ) : (
              <p>Ask an admin to enter a new token for this connection.</p>
            )
          ) : connection.status === "NEEDS_REAUTH" ? (
            may.reauthorize ? (
              <div className="space-y-2">
                <p>Sign in to {providerLabel(oauthProvider)} again and approve Keel&apos;s access. Build profiles that use this connection keep their repository.</p>
                {reauthorize ?? (
                  <p>
                    {providerLabel(oauthProvider)} is no longer configured for this Keel.{" "}
                    <Link href={`/connections/${connection.id}/reauthorize`} className="font-medium underline">
                      What to do
                    </Link>
                  </p>
                )}
              </div>
            ) : (
              <p>Ask an admin to re-authorize this connection. Build profiles that use it keep their repository.</p>
            )
          ) : null}
        </Alert>
      ) : null}
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <div className="space-y-6">
          {summary ? <CheckReport summary={summary} networkLink={can(scope, "network.read")} /> : <Alert tone="info" title="Not checked yet" />}
          {may.update && tlsFinding ? <CaUploadForm action={uploadConnectionCaAction.bind(null, connection.id)} /> : null}
          <ProjectList projects={summary?.projects} checkedAt={summary?.checkedAt ?? null} canCheck={may.check} />
        </div>
        <Card title="Details">
          <dl className="space-y-3 text-sm">
            <div>
              <dt className="text-slate-500">Product</dt>
              <dd className="text-slate-900">{connection.serverProduct ?? (connection.deploymentType === "SERVICES" ? "Azure DevOps Services" : "Azure DevOps Server")}</dd>
            </div>
            <div>
              <dt className="text-slate-500">{connection.deploymentType === "SERVICES" ? "Organization" : "Collection"}</dt>
              <dd className="text-slate-900">{connection.collection}</dd>
            </div>
            <div>
              <dt className="text-slate-500">Signs in with</dt>
              <dd className="text-slate-900">
                {connection.authMethod === "PAT" ? "Personal Access Token" : `OAuth2 (${providerLabel(oauthProvider)})`}
                {connection.authMethod === "OAUTH" ? (
                  <span className="block text-slate-600">
                    {connection.account
                      ? `As ${connection.account.displayName ?? "an Azure DevOps account"}${connection.account.uniqueName ? ` (${connection.account.uniqueName})` : ""}`
                      : "No linked identity: re-authorize"}
                  </span>
                ) : null}
                {connection.authMethod === "PAT" ? (
                  <span className="block text-slate-600">
                    {connection.hasToken ? `Token stored (ends in …${connection.tokenLastFour ?? "****"})` : "No token stored"}
                    {connection.tokenExpiresAt ? `, expires ${connection.tokenExpiresAt.toISOString().slice(0, 10)}` : ""}
                  </span>
                ) : null}
              </dd>
            </div>
            <div>
              <dt className="text-slate-500">Scopes that work</dt>
              <dd className="font-mono text-xs text-slate-900">{connection.scopes.length ? connection.scopes.join(" ") : "—"}</dd>
            </div>
            <div>
              <dt className="text-slate-500">Owner</dt>
              <dd className="text-slate-900">{connection.owner ? connection.owner.name : "—"}</dd>
            </div>
            {connection.caBundlePem ? (
              <div>
                <dt className="text-slate-500">TLS</dt>
                <dd className="text-slate-900">Trusts an uploaded CA certificate</dd>
              </div>
            ) : null}
          </dl>
        </Card>
      </div>
      <Card
        title="Build profiles"
        description="The build profiles that build a repository of this connection."
        className="mt-6"
        actions={
          <Link href={`/connections/${connection.id}/repositories`} className={buttonClasses("secondary")}>
            Pick a repository
          </Link>
        }
      >
        {profiles.length === 0 ? (
          <p className="text-sm text-slate-600">No build profile uses this connection yet. Pick a repository to create one.</p>
        ) : (
          <ul className="divide-y divide-slate-100" aria-label="Build profiles using this connection">
            {profiles.map((profile) => (
              <li key={profile.id} className="flex flex-wrap items-baseline justify-between gap-2 py-2 text-sm">
                <span>
                  <Link href={`/profiles/${profile.id}`} className="font-medium text-brand-700 underline">
                    {profile.name}
                  </Link>
                  <span className="ml-2 text-slate-600">
                    {profile.projectName} / {profile.repositoryName}
                    {profile.defaultBranch ? ` · ${shortBranchName(profile.defaultBranch)}` : ""}
                  </span>
                </span>
                <span className="text-xs text-slate-600">{platformLabel(profile.platform)}</span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
