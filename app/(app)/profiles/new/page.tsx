import type { Metadata } from "next";
import Link from "next/link";
import { ConnectionStatusBadge } from "@/components/connections/status-badge";
import { buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireScope } from "@/lib/auth/guards";
import { can } from "@/lib/policy";
import { buildCollectionUrl } from "@/lib/azure-devops/url";
import { listConnections } from "@/lib/data/connections";

export const metadata: Metadata = { title: "New build profile" };

/** Members and admins start a build profile by choosing one of the organization's connections. */
export default async function NewProfilePage() {
  const { scope } = await requireScope("profile.create");
  const connections = await listConnections(scope);
  const canConnect = can(scope, "connection.create");
  return (
    <>
      <PageHeader breadcrumbs={[{ label: "Build profiles", href: "/profiles" }, { label: "New" }]} title="New build profile" description="Choose the Azure DevOps organization or collection the repository lives in." />
      {connections.length === 0 ? (
        <EmptyState
          title="No connections yet"
          action={
            canConnect ? (
              <Link href="/connect" className={buttonClasses("primary")}>
                Connect Azure DevOps
              </Link>
            ) : null
          }
        >
          {canConnect ? "Connect Azure DevOps first; then pick a repository for the profile." : "An admin of your organization connects Azure DevOps first. Ask one to do it; then pick a repository here."}
        </EmptyState>
      ) : (
        <ul className="grid grid-cols-1 gap-3 sm:grid-cols-2" aria-label="Connections">
          {connections.map((connection) => (
            <li key={connection.id} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
              <Link href={`/connections/${connection.id}/repositories`} className="font-medium text-brand-700 underline">
                {connection.name}
              </Link>
              <p className="mt-1 font-mono text-xs text-slate-600">{buildCollectionUrl(connection)}</p>
              <p className="mt-2">
                <ConnectionStatusBadge status={connection.status} />
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
