import type { Metadata } from "next";
import Link from "next/link";
import { AzureDevOpsLogo } from "@/components/icons/provider-logos";
import { CheckAllButton } from "@/components/connections/check-all-button";
import { ConnectionStatusBadge } from "@/components/connections/status-badge";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { checkAllConnectionsAction } from "@/lib/actions/connections";
import { requireScope } from "@/lib/auth/guards";
import { buildCollectionUrl } from "@/lib/azure-devops/url";
import { healthOfConnection } from "@/lib/connections/service";
import { STATUS_ORDER, statusLabel, type ConnectionStatus } from "@/lib/connections/status";
import { getRecentAuditData } from "@/lib/data/audit";
import { lastBuildByConnection, listConnections } from "@/lib/data/connections";
import { providerLabel } from "@/lib/oauth/config";
import { can } from "@/lib/policy";
import { connectionListQuerySchema } from "@/lib/validation/connections";
import { parseListQuery, searchParamsObject } from "@/lib/validation/list-query";
import { formatDay } from "@/lib/shared/dates";
import { When } from "@/components/ui/when";
import { FilterBar, FilterSelect, IgnoredFilters, OrderSelect } from "@/components/ui/filters";

export const metadata: Metadata = { title: "Connections" };

const SORTS = [
  { value: "status", label: "Status (most urgent first)" },
  { value: "name", label: "Name" },
  { value: "expiry", label: "Token expiry" },
  { value: "checked", label: "Last check" },
  { value: "profiles", label: "Build profiles" },
] as const;

const day = (date: Date) => formatDay(date);

export default async function ConnectionsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { scope } = await requireScope("connection.read");
  // A hand-edited URL never breaks the page: a bad parameter falls back to its default and says so; the others are kept.
  const { query, problems } = parseListQuery(connectionListQuerySchema, searchParamsObject(await searchParams));
  const now = new Date();
  const [connections, deletedEvent, lastBuilds] = await Promise.all([
    listConnections(scope),
    query.deleted ? getRecentAuditData(scope, "connection.deleted", query.deleted, 10 * 60 * 1000) : null,
    lastBuildByConnection(scope),
  ]);
  const all = connections.map((connection) => ({ connection, health: healthOfConnection(connection, now) }));
  const deleted =
    deletedEvent && typeof deletedEvent === "object" && !Array.isArray(deletedEvent) && typeof deletedEvent.name === "string"
      ? { name: deletedEvent.name, disconnected: typeof deletedEvent.profilesDisconnected === "number" ? deletedEvent.profilesDisconnected : 0 }
      : null;
  const isAdmin = can(scope, "connection.create");
  const mayCheck = can(scope, "connection.check");
  const rows = all
    .filter(({ health }) => !query.status || (query.status === "attention" ? health.needsAttention : health.status === query.status))
    .sort((a, b) => {
      const byName = a.connection.name.localeCompare(b.connection.name, "en", { sensitivity: "base" });
      const far = Number.MAX_SAFE_INTEGER;
      const compare =
        query.sort === "name"
          ? byName
          : query.sort === "expiry"
            ? (a.health.expiresAt?.getTime() ?? far) - (b.health.expiresAt?.getTime() ?? far)
            : query.sort === "checked"
              ? (b.connection.lastCheckAt?.getTime() ?? 0) - (a.connection.lastCheckAt?.getTime() ?? 0)
              : query.sort === "profiles"
                ? b.connection._count.profiles - a.connection._count.profiles
                : STATUS_ORDER.indexOf(a.health.status) - STATUS_ORDER.indexOf(b.health.status) || (a.health.daysLeft ?? far) - (b.health.daysLeft ?? far);
      return (query.order === "desc" ? -compare : compare) || byName;
    });
  const counts = new Map<ConnectionStatus, number>();
  for (const { health } of all) {
    counts.set(health.status, (counts.get(health.status) ?? 0) + 1);
  }
  const attention = all.filter(({ health }) => health.needsAttention).length;
  const connect = isAdmin ? (
    <Link href="/connect" className={buttonClasses("primary")}>
      Connect Azure DevOps
    </Link>
  ) : null;
  return (
    <>
      <PageHeader
        title="Connections"
        description="Azure DevOps organizations and Azure DevOps Server collections Keel can read repositories from. Keel checks each one in the background and tells the owner and the admins when something changes."
        actions={
          all.length > 0 ? (
            <>
              {mayCheck ? <CheckAllButton action={checkAllConnectionsAction} checkedAt={connections.map((connection) => connection.lastCheckAt?.toISOString() ?? null)} /> : null}
              {connect}
            </>
          ) : null
        }
      />
      {deleted ? (
        <Alert tone="success" className="mb-6" title={`Deleted the connection “${deleted.name}”`}>
          {deleted.disconnected ? (
            <p>
              {deleted.disconnected} build profile{deleted.disconnected === 1 ? " was" : "s were"} kept and marked disconnected. Open{" "}
              <Link href="/profiles" className="font-medium underline">
                Build profiles
              </Link>{" "}
              to re-bind {deleted.disconnected === 1 ? "it" : "them"} to another connection that reaches the same repository.
            </p>
          ) : (
            <p>No build profile used it.</p>
          )}
        </Alert>
      ) : null}
      <IgnoredFilters problems={problems} />
      {all.length === 0 ? (
        <EmptyState title="No connections yet" action={connect}>
          {isAdmin
            ? "Connect an Azure DevOps organization or an Azure DevOps Server collection. Keel checks the server, the token and its scopes before anything is saved."
            : "An admin of your organization connects Azure DevOps. Once a connection exists, you can create build profiles from its repositories."}
        </EmptyState>
      ) : (
        <>
          <p className="mb-3 text-sm text-slate-700" aria-live="polite">
            {attention === 0 ? "Every connection is healthy." : `${attention} of ${all.length} connection${all.length === 1 ? " needs" : "s need"} attention.`}
          </p>
          <FilterBar action="/connections" label="Filter and sort connections" clear={query.status || query.sort !== "status" || query.order !== "asc" ? "/connections" : null}>
            <FilterSelect id="connections-status" label="Status" name="status" defaultValue={query.status ?? ""} options={[{ value: "", label: `All (${all.length})` }, { value: "attention", label: `Needs attention (${attention})` }, ...STATUS_ORDER.map((status) => ({ value: status, label: `${statusLabel(status)} (${counts.get(status) ?? 0})` }))]} />
            <FilterSelect id="connections-sort" label="Sort by" name="sort" defaultValue={query.sort} options={SORTS} />
            <OrderSelect id="connections-order" defaultValue={query.order} />
          </FilterBar>
          {rows.length === 0 ? (
            <EmptyState title="No connection has this status" action={<Link href="/connections" className={buttonClasses("secondary")}>Show all connections</Link>}>
              Choose another status, or show all connections.
            </EmptyState>
          ) : (
            <DataTable
              caption="Connections"
              className="[&_thead]:hidden md:[&_thead]:table-header-group"
              columns={[
                { key: "name", label: "Connection" },
                { key: "provider", label: "Provider" },
                { key: "method", label: "Method" },
                { key: "owner", label: "Owner" },
                { key: "status", label: "Status" },
                { key: "checked", label: "Last check" },
                { key: "expiry", label: "Credential expiry" },
                { key: "profiles", label: "Profiles" },
              ]}
            >
              {rows.map(({ connection, health }) => (
                // On a phone each row is a stacked card (the header row is hidden; each cell names itself).
                <tr key={connection.id} className="block border-t border-slate-100 px-4 py-3 md:table-row md:p-0">
                  <td className="block md:table-cell md:px-4 md:py-3">
                    <Link href={`/connections/${connection.id}`} className="font-medium text-brand-700 underline">
                      {connection.name}
                    </Link>
                    <span className="block break-all font-mono text-xs text-slate-600">{buildCollectionUrl(connection)}</span>
                  </td>
                  <td className="block md:table-cell md:px-4 md:py-3">
                    <span className="text-xs text-slate-500 md:hidden">Provider: </span>
                    <span className="inline-flex items-center gap-1.5">
                      <AzureDevOpsLogo className="h-4 w-4" />
                      {connection.deploymentType === "SERVICES" ? "Services" : "Server"}
                    </span>
                    <span className="block text-xs text-slate-600">{connection.serverProduct ?? (connection.deploymentType === "SERVICES" ? "Azure DevOps Services" : "Azure DevOps Server")}</span>
                  </td>
                  <td className="block md:table-cell md:px-4 md:py-3">
                    <span className="text-xs text-slate-500 md:hidden">Method: </span>
                    {connection.authMethod === "PAT" ? `Personal Access Token${connection.tokenLastFour ? ` …${connection.tokenLastFour}` : ""}` : connection.authMethod === "SERVICE_PRINCIPAL" ? "Service principal" : `OAuth2 (${providerLabel(connection.oauthProvider ?? connection.account?.provider)})`}
                  </td>
                  <td className="block md:table-cell md:px-4 md:py-3">
                    <span className="text-xs text-slate-500 md:hidden">Owner: </span>
                    {connection.owner?.name ?? <span className="text-slate-600">{connection.authMethod === "SERVICE_PRINCIPAL" ? "No person (service principal)" : "Nobody (left)"}</span>}
                    {connection.owner && !connection.owner.isActive ? <span className="block text-xs text-amber-800">disabled: hand it over</span> : null}
                    {connection.credentialUser && !connection.credentialUser.isActive && connection.credentialUserId !== connection.ownerId ? (
                      <span className="block text-xs text-amber-800">signs in as {connection.credentialUser.name}, who is disabled</span>
                    ) : null}
                  </td>
                  <td className="block py-1 md:table-cell md:px-4 md:py-3">
                    <ConnectionStatusBadge status={health.status} daysLeft={health.daysLeft} />
                    {health.reason && health.status !== "HEALTHY" ? <span className="mt-1 block max-w-xs text-xs text-slate-700">{health.reason}</span> : null}
                  </td>
                  <td className="block text-xs md:table-cell md:px-4 md:py-3">
                    <span className="text-slate-500 md:hidden">Last check: </span>
                    {connection.lastCheckAt ? <When date={connection.lastCheckAt} relative /> : "Not yet"}
                  </td>
                  <td className="block text-xs md:table-cell md:px-4 md:py-3">
                    <span className="text-slate-500 md:hidden">Credential expiry: </span>
                    {health.expiresAt ? day(health.expiresAt) : connection.authMethod === "PAT" ? "Not entered" : "—"}
                  </td>
                  <td className="block text-xs md:table-cell md:px-4 md:py-3">
                    <span className="text-slate-500 md:hidden">Build profiles: </span>
                    {connection._count.profiles}
                    {lastBuilds.has(connection.id) ? (
                      <span className="block text-slate-600">
                        last build <When date={lastBuilds.get(connection.id)!.queuedAt} relative />
                      </span>
                    ) : connection._count.profiles > 0 ? (
                      <span className="block text-slate-600">no build yet</span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </>
      )}
    </>
  );
}
