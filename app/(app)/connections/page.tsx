import type { Metadata } from "next";
import Link from "next/link";
import { ConnectionStatusBadge } from "@/components/connections/status-badge";
import { buttonClasses } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireScope } from "@/lib/auth/guards";
import { can } from "@/lib/policy";
import { buildCollectionUrl } from "@/lib/azure-devops/url";
import { listConnections } from "@/lib/data/connections";

export const metadata: Metadata = { title: "Connections" };

export default async function ConnectionsPage() {
  const { scope } = await requireScope("connection.read");
  const connections = await listConnections(scope);
  const isAdmin = can(scope, "connection.create");
  const connect = isAdmin ? (
    <Link href="/connect" className={buttonClasses("primary")}>
      Connect Azure DevOps
    </Link>
  ) : null;
  return (
    <>
      <PageHeader title="Connections" description="Azure DevOps organizations and Azure DevOps Server collections Keel can read repositories from." actions={connections.length > 0 ? connect : null} />
      {connections.length === 0 ? (
        <EmptyState title="No connections yet" action={connect}>
          {isAdmin
            ? "Connect an Azure DevOps organization or an Azure DevOps Server collection. Keel checks the server, the token and its scopes before anything is saved."
            : "An admin of your organization connects Azure DevOps. Once a connection exists, you can create build profiles from its repositories."}
        </EmptyState>
      ) : (
        <DataTable
          caption="Connections"
          columns={[
            { key: "name", label: "Name" },
            { key: "where", label: "Where" },
            { key: "sign-in", label: "Sign-in" },
            { key: "health", label: "Health" },
          ]}
        >
          {connections.map((connection) => (
            <tr key={connection.id} className="border-t border-slate-100">
              <td className="px-4 py-3">
                <Link href={`/connections/${connection.id}`} className="font-medium text-brand-700 underline">
                  {connection.name}
                </Link>
              </td>
              <td className="px-4 py-3">
                <span className="font-mono text-xs">{buildCollectionUrl(connection)}</span>
                <span className="block text-xs text-slate-500">{connection.serverProduct ?? (connection.deploymentType === "SERVICES" ? "Azure DevOps Services" : "Azure DevOps Server")}</span>
              </td>
              <td className="px-4 py-3">{connection.authMethod === "PAT" ? `Personal Access Token${connection.tokenLastFour ? ` …${connection.tokenLastFour}` : ""}` : connection.authMethod === "SERVICE_PRINCIPAL" ? "Service principal" : "OAuth2"}</td>
              <td className="px-4 py-3">
                <ConnectionStatusBadge status={connection.status} />
                {connection.status !== "HEALTHY" && connection.statusReason ? <span className="block text-xs text-slate-700">{connection.statusReason}</span> : null}
                {connection.lastCheckAt ? <span className="block text-xs text-slate-500">checked {connection.lastCheckAt.toISOString().slice(0, 16).replace("T", " ")} UTC</span> : null}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}
