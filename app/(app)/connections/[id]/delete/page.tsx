import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DeleteConnectionForm } from "@/components/connections/delete-connection-form";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { deleteConnectionAction } from "@/lib/actions/connections";
import { requireScope } from "@/lib/auth/guards";
import { buildCollectionUrl } from "@/lib/azure-devops/url";
import { getConnection } from "@/lib/data/connections";
import { countProfilesForConnection, listProfilesForConnection } from "@/lib/data/profiles";
import { idSchema } from "@/lib/validation/auth";
import { platformLabel } from "@/lib/shared/platforms";

export const metadata: Metadata = { title: "Delete connection" };

/** How many of the profiles that would be disconnected the page names; the rest are a link away. */
const PROFILES_NAMED = 25;

export default async function DeleteConnectionPage({ params }: { params: Promise<{ id: string }> }) {
  const { scope } = await requireScope("connection.delete");
  const { id } = await params;
  const connection = idSchema.safeParse(id).success ? await getConnection(scope, id) : null;
  if (!connection) {
    notFound();
  }
  const [profiles, total] = await Promise.all([listProfilesForConnection(scope, connection.id, PROFILES_NAMED), countProfilesForConnection(scope, connection.id)]);
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Connections", href: "/connections" }, { label: connection.name, href: `/connections/${connection.id}` }, { label: "Delete" }]}
        title={`Delete “${connection.name}”`}
        description={<span className="break-all font-mono">{buildCollectionUrl(connection)}</span>}
        actions={
          <Link href={`/connections/${connection.id}`} className="text-sm font-medium text-brand-700 underline">
            Keep it: back to the connection
          </Link>
        }
      />
      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <Card title={total === 0 ? "No build profile uses it" : `${total} build profile${total === 1 ? " uses" : "s use"} it`}>
          {total === 0 ? (
            <p className="text-sm text-slate-700">Deleting it affects no build profile.</p>
          ) : (
            <>
              <Alert tone="warning" title="These build profiles will be disconnected" className="mb-4">
                <p>
                  They are kept with all their settings, but cannot read branches or build until they are re-bound to another connection that reaches the same repository (on each
                  profile&apos;s page).
                </p>
              </Alert>
              <ul className="divide-y divide-slate-100" aria-label="Build profiles that will be disconnected">
                {profiles.map((profile) => (
                  <li key={profile.id} className="flex flex-wrap items-baseline justify-between gap-2 py-2 text-sm">
                    <span>
                      <Link href={`/profiles/${profile.id}`} className="font-medium text-brand-700 underline">
                        {profile.name}
                      </Link>
                      <span className="ml-2 text-slate-600">
                        {profile.projectName} / {profile.repositoryName}
                      </span>
                    </span>
                    <span className="text-xs text-slate-600">{platformLabel(profile.platform)}</span>
                  </li>
                ))}
              </ul>
              {total > profiles.length ? (
                <p className="mt-3 text-sm text-slate-700">
                  And {total - profiles.length} more.{" "}
                  <Link href={`/profiles?connection=${connection.id}`} className="font-medium text-brand-700 underline">
                    See all {total} on the build profiles list
                  </Link>
                </p>
              ) : null}
            </>
          )}
        </Card>
        <Card title="Confirm">
          <div className="space-y-3 text-sm text-slate-700">
            <p>
              Keel forgets this connection&apos;s {connection.authMethod === "PAT" ? "token" : connection.authMethod === "OAUTH" ? "authorization" : "service principal and its credential"} and its cached repository list, after removing from Azure DevOps the service hooks it created.
              {connection.authMethod === "SERVICE_PRINCIPAL" ? " The app in Microsoft Entra ID and its access in Azure DevOps are not touched: remove them there if nothing else uses them." : ""} The deletion is recorded in the audit log.
            </p>
            <DeleteConnectionForm action={deleteConnectionAction.bind(null, connection.id)} name={connection.name} />
          </div>
        </Card>
      </div>
    </>
  );
}
