import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { WizardSteps } from "@/components/connect/wizard-steps";
import { ConnectionStatusBadge } from "@/components/connections/status-badge";
import { RepositoryPicker } from "@/components/picker/repository-picker";
import { Alert } from "@/components/ui/alert";
import { IgnoredFilters } from "@/components/ui/filters";
import { PageHeader } from "@/components/ui/page-header";
import { createProfileAction } from "@/lib/actions/profiles";
import { refreshRepositoriesAction } from "@/lib/actions/repositories";
import { requireScope } from "@/lib/auth/guards";
import { can } from "@/lib/policy";
import { buildCollectionUrl } from "@/lib/azure-devops/url";
import { getConnectionWithListing } from "@/lib/data/connections";
import { problemViewerFor } from "@/lib/connections/service";
import { listSiblingOrganizations } from "@/lib/data/repository-listing";
import { logger } from "@/lib/logger";
import { pickerFirstPages } from "@/lib/repositories/picker";
import { PICKER_PAGE_SIZE, PICKER_PROJECT_PAGE_SIZE } from "@/lib/shared/repository-dto";
import { idSchema } from "@/lib/validation/auth";
import { parseListQuery, searchParamsObject } from "@/lib/validation/list-query";
import { pickerPageQuerySchema } from "@/lib/validation/profiles";

export const metadata: Metadata = { title: "Pick a repository" };

/**
 * The repository picker (also the connect wizard's last step, `?step=wizard`): organizations
 * reachable through the same identity → projects → repositories, then the build profile.
 */
export default async function RepositoriesPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { scope } = await requireScope("connection.read");
  const { id } = await params;
  // The wizard's step, and the search and project the picker keeps in the address.
  const { query, problems } = parseListQuery(pickerPageQuerySchema, searchParamsObject(await searchParams));
  // The listing comes with the connection (one query), for the first rows rendered below.
  const connection = idSchema.safeParse(id).success ? await getConnectionWithListing(scope, id) : null;
  if (!connection) {
    notFound();
  }
  // Whoever may check the connection is offered to fix it; the others are told to ask them.
  const isAdmin = can(scope, "connection.check");
  const inWizard = query.step === "wizard";
  const collectionKind = connection.deploymentType === "SERVICES" ? "organization" : "collection";
  const unusable = connection.status === "CREDENTIALS_MISSING" || connection.status === "CREDENTIALS_UNREADABLE";
  // The first rows come with the HTML (no layout shift, no round trip after the script loads).
  // Should reading them fail, the picker fetches them itself and shows the error it gets.
  const [organizations, viewer, initial] = await Promise.all([
    listSiblingOrganizations(scope, connection),
    problemViewerFor(scope, connection),
    unusable
      ? null
      : pickerFirstPages(scope, connection, { repositories: PICKER_PAGE_SIZE, projects: PICKER_PROJECT_PAGE_SIZE }, { ...(query.q ? { q: query.q } : {}), ...(query.project ? { project: query.project } : {}) }).catch((error: unknown) => {
          logger("app.picker").warn({ err: error, connectionId: connection.id }, "could not render the picker's first page on the server");
          return null;
        }),
  ]);
  return (
    <>
      <PageHeader
        breadcrumbs={inWizard ? undefined : [{ label: "Connections", href: "/connections" }, { label: connection.name, href: `/connections/${connection.id}` }, { label: "Pick a repository" }]}
        title={inWizard ? `Pick a repository from ${connection.name}` : "Pick a repository"}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <Link href={`/connections/${connection.id}`} className="font-medium text-brand-700 underline">
              {connection.name}
            </Link>
            <ConnectionStatusBadge status={connection.status} />
            <span className="font-mono">{buildCollectionUrl(connection)}</span>
          </span>
        }
      />
      {inWizard ? <WizardSteps current="repository" /> : null}
      {inWizard ? (
        <Alert tone="success" title="Connection saved" className="mb-6">
          <p>
            {query.q ? <>Now pick the repository your first build profile builds (searched for “{query.q}” below). </> : "Now pick the repository your first build profile builds. "}
            You can also do this later from the connection&apos;s page.
          </p>
        </Alert>
      ) : null}
      <IgnoredFilters problems={problems} />
      {organizations.length > 1 ? (
        <nav aria-label="Organizations" className="mb-6">
          <p className="mb-2 text-sm font-semibold text-slate-900">Organizations reachable with this sign-in</p>
          <ul className="flex flex-wrap gap-2">
            {organizations.map((organization) => (
              <li key={organization.connectionId}>
                <Link
                  href={`/connections/${organization.connectionId}/repositories`}
                  aria-current={organization.connectionId === connection.id ? "page" : undefined}
                  className={
                    organization.connectionId === connection.id
                      ? "inline-flex rounded-full bg-brand-600 px-3 py-1 text-sm font-medium text-white"
                      : "inline-flex rounded-full bg-slate-100 px-3 py-1 text-sm text-slate-800 hover:bg-slate-200"
                  }
                >
                  {organization.collection}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      {connection.status === "NEEDS_REAUTH" ? (
        <Alert tone="warning" title="This connection needs to be re-authorized" className="mb-6">
          <p>
            Azure DevOps no longer accepts its sign-in, so listing may fail.{" "}
            {isAdmin ? (
              <Link href={`/connections/${connection.id}`} className="font-medium underline">
                Re-authorize it on the connection&apos;s page.
              </Link>
            ) : (
              "Ask an admin to re-authorize it."
            )}
          </p>
        </Alert>
      ) : null}
      {unusable ? (
        <Alert tone="error" title={connection.statusReason ?? "This connection has no usable credential"}>
          {/* What gives it a credential again depends on how it signs in. */}
          {connection.authMethod === "PAT" ? (
            isAdmin ? (
              <p>
                <Link href={`/connections/${connection.id}/edit`} className="font-medium underline">
                  Enter a new Personal Access Token
                </Link>{" "}
                to list this {collectionKind}&apos;s repositories.
              </p>
            ) : (
              <p>Ask an admin to enter a new token for this connection.</p>
            )
          ) : isAdmin ? (
            <p>
              <Link href={`/connections/${connection.id}`} className="font-medium underline">
                {connection.authMethod === "OAUTH" ? "Re-authorize it on the connection's page" : "Enter the service principal's credential again on the connection's page"}
              </Link>{" "}
              to list this {collectionKind}&apos;s repositories.
            </p>
          ) : (
            <p>Ask an admin to {connection.authMethod === "OAUTH" ? "re-authorize this connection" : "enter the service principal's credential again"}.</p>
          )}
        </Alert>
      ) : (
        <RepositoryPicker
          connectionId={connection.id}
          collectionKind={collectionKind}
          collection={connection.collection}
          isAdmin={isAdmin}
          viewer={viewer}
          refreshAction={refreshRepositoriesAction.bind(null, connection.id)}
          createAction={createProfileAction.bind(null, connection.id)}
          initial={initial}
          initialFilter={{ q: query.q ?? "", project: initial?.project ?? null, selectExact: inWizard }}
        />
      )}
    </>
  );
}
