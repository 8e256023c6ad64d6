import type { Metadata } from "next";
import Link from "next/link";
import { ConnectionStatusBadge } from "@/components/connections/status-badge";
import { buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/guards";
import { buildCollectionUrl } from "@/lib/azure-devops/url";
import { listConnections } from "@/lib/data/connections";

export const metadata: Metadata = { title: "Connections" };

export default async function ConnectionsPage() {
  const user = await requireUser();
  const connections = await listConnections(user.organizationId);
  const isAdmin = user.role === "ADMIN";
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
        <div className="overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Connections</caption>
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">
                  Name
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Where
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Sign-in
                </th>
                <th scope="col" className="px-4 py-2 font-medium">
                  Health
                </th>
              </tr>
            </thead>
            <tbody>
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
                  <td className="px-4 py-3">{connection.authMethod === "PAT" ? `Personal Access Token${connection.tokenLastFour ? ` …${connection.tokenLastFour}` : ""}` : "OAuth2"}</td>
                  <td className="px-4 py-3">
                    <ConnectionStatusBadge status={connection.status} />
                    {connection.lastCheckAt ? <span className="block text-xs text-slate-500">checked {connection.lastCheckAt.toISOString().slice(0, 16).replace("T", " ")} UTC</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
