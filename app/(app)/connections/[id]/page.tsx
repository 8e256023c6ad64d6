import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CaUploadForm } from "@/components/connect/check-actions";
import { CheckReport } from "@/components/connect/check-report";
import { OAuthStart } from "@/components/connect/oauth-start";
import { ChangeOwnerForm } from "@/components/connections/change-owner-form";
import { CheckNowButton } from "@/components/connections/check-now";
import { ReplaceTokenForm } from "@/components/connections/replace-token-form";
import { ProjectList } from "@/components/connections/project-list";
import { ReplaceCredentialForm } from "@/components/connections/replace-credential-form";
import { ScopeList } from "@/components/connections/scope-list";
import { ServicePrincipalCard } from "@/components/connections/service-principal-card";
import { ConnectionStatusBadge } from "@/components/connections/status-badge";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DangerAction, DangerZone } from "@/components/ui/danger-zone";
import { PageHeader } from "@/components/ui/page-header";
import { changeOwnerAction, checkConnectionAction, replaceTokenAction, uploadConnectionCaAction } from "@/lib/actions/connections";
import { beginReauthorizeAction, beginSwitchToEntraAction } from "@/lib/actions/connect-oauth";
import { replaceServicePrincipalCredentialAction } from "@/lib/actions/connect-service-principal";
import { getServicePrincipal } from "@/lib/data/service-principals";
import { federationIssuer } from "@/lib/entra/federation";
import { getOAuthProviderConfig } from "@/lib/auth/oauth-providers";
import { isOAuthProviderId, providerChoice, providerLabel } from "@/lib/oauth/config";
import { requireScope } from "@/lib/auth/guards";
import { can } from "@/lib/policy";
import { buildCollectionUrl } from "@/lib/azure-devops/url";
import { healthOfConnection, problemViewerFor } from "@/lib/connections/service";
import { readCheckSummary } from "@/lib/connections/summary";
import { getConnection, isUnusedConnection, lastBuildByConnection, listPossibleOwners, UNUSED_CONNECTION_DAYS } from "@/lib/data/connections";
import { listProfilesForConnection, PROFILES_LISTED } from "@/lib/data/profiles";
import { HookHealthTable } from "@/components/hooks/hook-health";
import { listHookSubscriptions } from "@/lib/data/hooks";
import { formatList, shortBranchName } from "@/lib/shared/names";
import { idSchema } from "@/lib/validation/auth";
import { platformLabel } from "@/lib/shared/platforms";
import { formatDay } from "@/lib/shared/dates";
import { When } from "@/components/ui/when";

export const metadata: Metadata = { title: "Connection" };

/**
 * The first profiles by name; the rest are one link away, in the profile list filtered to this
 * connection. A connection that 120 profiles use made this the heaviest page to render (a row
 * each), for a list nobody reads here (issue 17).
 */
const PROFILES_SHOWN = 10;

export default async function ConnectionPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { scope } = await requireScope("connection.read");
  const { id } = await params;
  const query = await searchParams;
  const connection = idSchema.safeParse(id).success ? await getConnection(scope, id) : null;
  if (!connection) {
    notFound();
  }
  const may = {
    check: can(scope, "connection.check"),
    update: can(scope, "connection.update"),
    reauthorize: can(scope, "connection.reauthorize"),
    transfer: can(scope, "connection.transfer"),
    delete: can(scope, "connection.delete"),
  };
  const health = healthOfConnection(connection);
  const canManageHooks = can(scope, "hooks.manage");
  // Everything else the page shows depends only on the connection: asked for together, not one after the other.
  const [viewer, admins, profiles, hookRows, principal, lastBuilds] = await Promise.all([
    problemViewerFor(scope, connection),
    may.transfer ? listPossibleOwners(scope) : [],
    listProfilesForConnection(scope, connection.id),
    canManageHooks ? listHookSubscriptions(scope, { connectionId: connection.id }) : [],
    connection.authMethod === "SERVICE_PRINCIPAL" ? getServicePrincipal(scope, connection.id) : null,
    lastBuildByConnection(scope, connection.id),
  ]);
  const lastBuild = lastBuilds.get(connection.id) ?? null;
  // Nobody has built with it for months (or ever, since it was made): perhaps nobody needs it, while its credential stays valid.
  const unused = isUnusedConnection(connection, lastBuild, new Date());
  // Members are told whom to ask, by name (issue 16).
  const askAdmin = `Ask an admin${viewer.admins.length > 0 ? ` (${formatList(viewer.admins.slice(0, 3), "or")})` : ""}`;
  // The owner has not authorized with their own token or identity yet (after a change of owner).
  const handover = connection.ownerId !== null && connection.credentialUserId !== connection.ownerId;
  // Someone disabled in Keel (who left, say) still owns it or is the one it signs in as.
  const disabledCredential = connection.credentialUser && !connection.credentialUser.isActive ? connection.credentialUser : null;
  const disabledOwner = connection.owner && !connection.owner.isActive ? connection.owner : null;
  const departed = disabledCredential ?? disabledOwner;
  const summary = readCheckSummary(connection.lastCheckResult);
  const collectionUrl = buildCollectionUrl(connection);
  const tlsFinding = summary?.findings.find((finding) => finding.data?.canUploadCa);
  const warnings = summary?.ok ? summary.findings.filter((finding) => finding.severity === "warning") : [];
  const firstWarning = warnings[0];
  // The check report below states the finding behind the status: the banner then says what happened, not the finding again.
  const problemStated = summary !== null && !summary.ok && summary.findings.some((finding) => finding.severity === "error" && finding.title === health.reason);
  const warningCount = warnings.length;
  // OAUTH: the provider to re-authorize with (kept on the connection even if its identity is gone).
  const oauthProvider = connection.authMethod !== "OAUTH" ? null : isOAuthProviderId(connection.oauthProvider) ? connection.oauthProvider : isOAuthProviderId(connection.account?.provider) ? connection.account.provider : null;
  const reauthorize =
    may.reauthorize && oauthProvider && getOAuthProviderConfig(oauthProvider) ? (
      <OAuthStart action={beginReauthorizeAction.bind(null, connection.id)} providers={[providerChoice(oauthProvider)]} initial={oauthProvider} submitLabel="Re-authorize" variant={health.status === "NEEDS_REAUTH" ? "primary" : "secondary"} chooseProvider={false} />
    ) : null;
  // Legacy Azure DevOps OAuth → Microsoft Entra ID, in place (same connection id, profiles keep working).
  const canSwitch = may.reauthorize && oauthProvider === "azure-devops" && getOAuthProviderConfig("microsoft-entra-id") !== null;
  const repositoryNames = new Map(profiles.map((profile) => [profile.repositoryId.toLowerCase(), `${profile.projectName} / ${profile.repositoryName}`]));
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Connections", href: "/connections" }, { label: connection.name }]}
        title={connection.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <ConnectionStatusBadge status={health.status} daysLeft={health.daysLeft} />
            <span className="break-all font-mono">{collectionUrl}</span>
          </span>
        }
        actions={
          may.check || may.update || may.reauthorize ? (
            <>
              {may.check ? <CheckNowButton action={checkConnectionAction.bind(null, connection.id)} /> : null}
              {connection.authMethod === "PAT" && may.update ? (
                <Link href={`/connections/${connection.id}/edit`} className={buttonClasses("secondary")}>
                  Edit
                </Link>
              ) : (
                <>
                  {may.update ? (
                    <Link href={`/connections/${connection.id}/edit`} className={buttonClasses("secondary")}>
                      Rename
                    </Link>
                  ) : null}
                  {health.status !== "NEEDS_REAUTH" ? reauthorize : null}
                </>
              )}
            </>
          ) : null
        }
      />
      {query.reauthorized === "1" && connection.authMethod === "OAUTH" && health.status !== "NEEDS_REAUTH" ? (
        <Alert tone="success" title="Re-authorized" className="mb-6">
          <p>Keel stored the new authorization and checked the connection again.</p>
        </Alert>
      ) : null}
      {query.switched === "1" && connection.authMethod === "OAUTH" ? (
        <Alert tone={oauthProvider === "microsoft-entra-id" ? "success" : "warning"} title={oauthProvider === "microsoft-entra-id" ? "Switched to Microsoft Entra ID" : "Still on Azure DevOps OAuth"} className="mb-6">
          <p>
            {oauthProvider === "microsoft-entra-id"
              ? "The connection now signs in with Microsoft Entra ID. It kept its id, so its build profiles work as before; Keel checked it again."
              : "The switch did not complete, so the connection keeps its Azure DevOps OAuth authorization."}
          </p>
        </Alert>
      ) : null}
      {health.status === "HEALTHY" && firstWarning ? (
        // A working connection with a warning (say, the server's public URL): it stays healthy, the warning stays visible.
        <Alert tone="warning" title={firstWarning.title} className="mb-6">
          <p>The connection works; the last check found {warningCount === 1 ? "a warning" : `${warningCount} warnings`}. The check report below says what to do.</p>
        </Alert>
      ) : null}
      {departed ? (
        <Alert tone="warning" title={`${departed.name} is disabled in Keel`} className="mb-6">
          <p>
            {disabledCredential
              ? `This connection still signs in with ${disabledCredential.name}'s ${connection.authMethod === "PAT" ? "token" : "Azure DevOps identity"}: it works until their Azure DevOps account is removed${connection.authMethod === "PAT" ? " or the token expires" : ""}, and then its build profiles stop building.`
              : `${departed.name} still owns this connection, so its notices reach only the admins.`}{" "}
            {may.transfer ? (
              <>
                <a href="#owner" className="font-medium underline">
                  Hand it to an active admin
                </a>
                {disabledCredential ? `, who then ${connection.authMethod === "PAT" ? "replaces the token" : "re-authorizes"} with their own.` : "."}
              </>
            ) : (
              `${askAdmin} to hand it to an active admin.`
            )}
          </p>
        </Alert>
      ) : null}
      {health.expiryDisputed && health.reason ? (
        <Alert tone="warning" title="The expiry date looks wrong" className="mb-6">
          <p>{health.reason}</p>
        </Alert>
      ) : null}
      {health.reason && health.status !== "HEALTHY" ? (
        <Alert tone={health.tone === "warning" ? "warning" : "error"} title={problemStated ? "This connection stopped working" : health.reason} className="mb-6">
          {problemStated ? <p>The last check found the problem below. It worked when it was saved; build profiles that use it keep their settings.</p> : null}
          {connection.authMethod === "SERVICE_PRINCIPAL" ? (
            <p>The findings below say what to change in Microsoft Entra ID or Azure DevOps{principal?.kind === "CLIENT_SECRET" || principal?.kind === "CERTIFICATE" ? ", or replace the credential under Service principal" : ""}; then run Check now.</p>
          ) : health.status === "EXPIRING" || (health.status === "EXPIRED" && connection.authMethod === "PAT") ? (
            may.update ? (
              <p>
                <a href="#replace-token" className="font-medium underline">
                  Replace the token
                </a>{" "}
                {health.status === "EXPIRING" ? "before it expires. Azure DevOps does not extend an expired token: create a new one." : "to use this connection again. Build profiles that use it keep their settings."}
              </p>
            ) : (
              <p>{askAdmin} to replace the token of this connection.</p>
            )
          ) : connection.authMethod === "PAT" && (connection.status === "CREDENTIALS_MISSING" || connection.status === "CREDENTIALS_UNREADABLE") ? (
            may.update ? (
              <p>
                <Link href={`/connections/${connection.id}/edit`} className="font-medium underline">
                  Enter a token
                </Link>{" "}
                to use this connection again.
              </p>
            ) : (
              <p>{askAdmin} to enter a new token for this connection.</p>
            )
          ) : health.status === "NEEDS_REAUTH" && connection.authMethod === "PAT" ? (
            may.update ? (
              <p>
                <a href="#replace-token" className="font-medium underline">
                  Replace the token
                </a>{" "}
                with one Azure DevOps accepts. Build profiles that use this connection keep their settings.
              </p>
            ) : (
              <p>{askAdmin} to replace the token of this connection.</p>
            )
          ) : health.status === "NEEDS_REAUTH" || connection.status === "CREDENTIALS_MISSING" || connection.status === "CREDENTIALS_UNREADABLE" ? (
            // An OAuth connection whose stored authorization is gone or unreadable: re-authorizing stores a new one.
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
              <p>{askAdmin} to re-authorize this connection. Build profiles that use it keep their repository.</p>
            )
          ) : null}
        </Alert>
      ) : null}
      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className="space-y-6">
          {summary ? (
            <CheckReport summary={summary} saved viewer={viewer} networkLink={can(scope, "network.read")} />
          ) : connection.lastCheckAt ? (
            <Alert tone="info" title="The last check left no report to show">
              {may.check ? "Run Check now for a full report." : "The next scheduled check writes a new one."}
            </Alert>
          ) : (
            <Alert tone="info" title="Not checked yet" />
          )}
          {may.update && tlsFinding ? <CaUploadForm action={uploadConnectionCaAction.bind(null, connection.id)} /> : null}
          {connection.authMethod === "PAT" && may.update ? (
            <Card title="Replace token" description="Keel checks the new token before it replaces the old one; if the check fails, the old token stays." className="scroll-mt-6" id="replace-token">
              <ReplaceTokenForm action={replaceTokenAction.bind(null, connection.id)} minDate={formatDay(new Date())} deploymentType={connection.deploymentType} collection={connection.collection} />
            </Card>
          ) : null}
          {canSwitch ? (
            <Card title="Switch to Microsoft Entra ID" description="Azure DevOps OAuth is being retired by Microsoft. Switch this connection in place: it keeps its id, so its build profiles keep working.">
              <div className="space-y-3 text-sm text-slate-700">
                <p>You sign in with Microsoft Entra ID and approve Keel&apos;s access. Keel tries the new authorization on {connection.collection} first and switches only if it works.</p>
                <OAuthStart action={beginSwitchToEntraAction.bind(null, connection.id)} providers={[providerChoice("microsoft-entra-id")]} initial="microsoft-entra-id" submitLabel="Switch to Microsoft Entra ID" variant="secondary" chooseProvider={false} />
              </div>
            </Card>
          ) : null}
          <ProjectList projects={summary?.projects} checkedAt={summary?.checkedAt ?? null} asOf={summary?.projectsAsOf ?? null} canCheck={may.check} />
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
                {connection.authMethod === "PAT" ? "Personal Access Token" : connection.authMethod === "SERVICE_PRINCIPAL" ? "Service principal (Microsoft Entra ID)" : `OAuth2 (${providerLabel(oauthProvider)})`}
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
                    {connection.tokenExpiresAt ? `, expires ${formatDay(connection.tokenExpiresAt)}` : ""}
                  </span>
                ) : null}
              </dd>
            </div>
            <div>
              <dt className="text-slate-500">{connection.authMethod === "SERVICE_PRINCIPAL" ? "Access that works" : "Scopes that work"}</dt>
              <dd className="mt-1 text-slate-900">
                <ScopeList scopes={connection.scopes} label={connection.authMethod === "SERVICE_PRINCIPAL" ? "Access that works" : "Scopes that work"} />
              </dd>
            </div>
            <div>
              <dt className="text-slate-500">Owner</dt>
              <dd className="text-slate-900">{connection.owner ? `${connection.owner.name}${connection.owner.isActive ? "" : " (disabled)"}` : connection.authMethod === "SERVICE_PRINCIPAL" ? "None: a service principal belongs to no person" : "Nobody: the owner left. Admins are told about it."}</dd>
              {handover ? (
                <dd className="mt-1 text-xs text-amber-900">
                  Still signs in with {connection.credentialUser ? `${connection.credentialUser.name}'s` : "a previous"} {connection.authMethod === "PAT" ? "token" : "identity"}. {connection.owner?.name ?? "The owner"} should{" "}
                  {connection.authMethod === "PAT" ? "replace the token with their own" : "re-authorize with their own identity"}.
                </dd>
              ) : null}
            </div>
            {health.expiresAt ? (
              <div>
                <dt className="text-slate-500">{connection.authMethod === "SERVICE_PRINCIPAL" ? "Credential expiry" : "Token expiry"}</dt>
                <dd className="text-slate-900">
                  {formatDay(health.expiresAt)}
                  {health.daysLeft !== null && health.daysLeft > 0 ? ` (in ${health.daysLeft} day${health.daysLeft === 1 ? "" : "s"})` : ""}
                  <span className="block text-xs text-slate-600">{connection.credentialExpirySource === "AZURE_DEVOPS" ? "Azure DevOps reported it expired" : "As entered by an admin"}</span>
                </dd>
              </div>
            ) : connection.authMethod === "PAT" ? (
              // Azure DevOps does not tell a token its own expiry: without the date, no reminder comes before it stops.
              <div>
                <dt className="text-slate-500">Token expiry</dt>
                <dd className="text-slate-900">
                  Not entered
                  <span className="block text-xs text-slate-600">
                    Keel reminds the owner and the admins before a token expires only when it knows the date.{" "}
                    {may.update ? (
                      <Link href={`/connections/${connection.id}/edit#field-tokenExpiresAt`} className="font-medium text-brand-700 underline">
                        Enter the date Azure DevOps shows for it
                      </Link>
                    ) : (
                      `${askAdmin} to enter the date Azure DevOps shows for it.`
                    )}
                  </span>
                </dd>
              </div>
            ) : null}
            <div>
              <dt className="text-slate-500">Last build</dt>
              <dd className="text-slate-900">
                {lastBuild ? (
                  <>
                    <Link href={`/builds/${lastBuild.id}`} className="text-brand-700 underline">
                      {lastBuild.profileName} #{lastBuild.number}
                    </Link>{" "}
                    <When date={lastBuild.queuedAt} relative />
                  </>
                ) : (
                  "None yet"
                )}
                {unused ? (
                  <span className="block text-xs text-amber-900">
                    No build for {UNUSED_CONNECTION_DAYS} days or more: if nobody needs this connection any more, {may.delete ? "delete it" : "ask an admin to delete it"} — its credential stays valid in Azure DevOps
                    until it expires or is revoked there.
                  </span>
                ) : null}
              </dd>
            </div>
            <div>
              <dt className="text-slate-500">Last check</dt>
              <dd className="text-slate-900">{connection.lastCheckAt ? <When date={connection.lastCheckAt} relative /> : "Not yet"}</dd>
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
      {may.transfer && connection.authMethod !== "SERVICE_PRINCIPAL" ? (
        <Card id="owner" className="mt-6 scroll-mt-6" title="Owner" description="Hand this connection to another admin. The new owner then replaces the token or re-authorizes with their own identity; until then it keeps working as it is.">
          <ChangeOwnerForm action={changeOwnerAction.bind(null, connection.id)} admins={admins} ownerId={connection.ownerId} />
        </Card>
      ) : null}
      {principal ? (
        <ServicePrincipalCard
          details={{
            kind: principal.kind,
            tenantId: principal.tenantId,
            clientId: principal.clientId,
            objectId: principal.objectId,
            certificateThumbprint: principal.certificateThumbprint,
            federatedSubject: principal.federatedSubject,
            expiresAt: connection.credentialExpiresAt,
            secretLastFour: connection.tokenLastFour,
            hasClientSecret: principal.hasClientSecret,
          }}
          organization={connection.collection}
          connectionName={connection.name}
          issuer={federationIssuer()}
          replace={
            may.update && (principal.kind === "CLIENT_SECRET" || principal.kind === "CERTIFICATE") ? (
              <ReplaceCredentialForm action={replaceServicePrincipalCredentialAction.bind(null, connection.id)} kind={principal.kind} />
            ) : undefined
          }
        />
      ) : null}
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
            {profiles.slice(0, PROFILES_SHOWN).map((profile) => (
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
        {profiles.length > PROFILES_SHOWN ? (
          <p className="mt-3 text-sm">
            <Link href={`/profiles?connection=${connection.id}`} className="font-medium text-brand-700 underline">
              Show all {profiles.length >= PROFILES_LISTED ? `${PROFILES_LISTED}+` : profiles.length} build profiles of this connection
            </Link>
          </p>
        ) : null}
      </Card>
      {canManageHooks ? (
        <Card
          title="Service hooks"
          description="How Azure DevOps tells Keel about pushes and pull requests. The scheduled check finds subscriptions Azure DevOps disabled, put on probation, changed or deleted, and repairs them."
          className="mt-6"
          actions={
            <Link href={`/connections/${connection.id}/deliveries`} className={buttonClasses("secondary")}>
              Delivery log
            </Link>
          }
        >
          <HookHealthTable rows={hookRows} repositoryNames={repositoryNames} />
        </Card>
      ) : null}
      {may.delete ? (
        <DangerZone className="mt-6">
          <DangerAction
            title="Delete connection"
            description="Its build profiles are kept, marked disconnected, and can be re-bound to another connection that reaches the same repository."
            action={
              <Link href={`/connections/${connection.id}/delete`} className={buttonClasses("secondary", "text-red-700")}>
                Delete connection…
              </Link>
            }
          />
        </DangerZone>
      ) : null}
    </>
  );
}
