import type { Metadata } from "next";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/guards";

export const metadata: Metadata = { title: "Connections" };

export default async function ConnectionsPage() {
  const user = await requireUser();
  return (
    <>
      <PageHeader title="Connections" description="Azure DevOps organizations and Azure DevOps Server collections Keel can read repositories from." />
      <EmptyState title="No connections yet">
        {user.role === "ADMIN"
          ? "Connecting Azure DevOps arrives with the connect wizard. Once a connection exists, your team can pick repositories from it."
          : "An admin of your organization connects Azure DevOps. Once a connection exists, you can create build profiles from its repositories."}
      </EmptyState>
    </>
  );
}
