import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { PatForm } from "@/components/connect/pat-form";
import { Alert } from "@/components/ui/alert";
import { PageHeader } from "@/components/ui/page-header";
import { renameConnectionAction, updateConnectionAction } from "@/lib/actions/connections";
import { RenameConnectionForm } from "@/components/connections/rename-form";
import { requireScope } from "@/lib/auth/guards";
import { getConnection } from "@/lib/data/connections";
import { azureDevOpsUrls } from "@/lib/env";
import { idSchema } from "@/lib/validation/auth";
import { formatDay } from "@/lib/shared/dates";

export const metadata: Metadata = { title: "Edit connection" };

export default async function EditConnectionPage({ params }: { params: Promise<{ id: string }> }) {
  const { scope } = await requireScope("connection.update");
  const { id } = await params;
  const connection = idSchema.safeParse(id).success ? await getConnection(scope, id) : null;
  if (!connection) {
    notFound();
  }
  if (connection.authMethod !== "PAT") {
    // An OAuth connection's address and sign-in come from Azure DevOps (Re-authorize): only its name is Keel's.
    return (
      <>
        <PageHeader
          title={`Rename “${connection.name}”`}
          actions={
            <Link href={`/connections/${connection.id}`} className="text-sm font-medium text-brand-700 underline">
              Back to the connection
            </Link>
          }
        />
        <RenameConnectionForm action={renameConnectionAction.bind(null, connection.id)} name={connection.name} />
      </>
    );
  }
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Connections", href: "/connections" }, { label: connection.name, href: `/connections/${connection.id}` }, { label: "Edit" }]}
        title={`Edit “${connection.name}”`}
        actions={
          <Link href={`/connections/${connection.id}`} className="text-sm font-medium text-brand-700 underline">
            Back to the connection
          </Link>
        }
      />
      <Alert tone="warning" title="Changing the address removes the stored token" className="mb-6">
        If you change the server URL or the {connection.deploymentType === "SERVICES" ? "organization" : "collection"} without entering a new token, Keel deletes the stored token: a token is
        never sent to an address it was not entered for. A new token is checked before it is saved.
      </Alert>
      <PatForm
          action={updateConnectionAction.bind(null, connection.id)}
          deploymentType={connection.deploymentType}
          servicesUrl={azureDevOpsUrls().services}
          submitLabel="Save changes"
          pendingLabel="Checking and saving…"
          initial={{
            name: connection.name,
            serverUrl: connection.pathPrefix ? `${connection.serverUrl}/${connection.pathPrefix}` : connection.serverUrl,
            collection: connection.collection,
            tokenExpiresAt: connection.tokenExpiresAt ? formatDay(connection.tokenExpiresAt) : "",
            hasToken: connection.hasToken,
            tokenLastFour: connection.tokenLastFour,
            tokenAddress: { serverUrl: connection.serverUrl, pathPrefix: connection.pathPrefix, collection: connection.collection },
          }}
          tokenRule="address"
        />
    </>
  );
}
