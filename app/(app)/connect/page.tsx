import type { Metadata } from "next";
import { AdminRequired } from "@/components/connect/admin-required";
import { ProviderForm } from "@/components/connect/provider-form";
import { WizardSteps } from "@/components/connect/wizard-steps";
import { PageHeader } from "@/components/ui/page-header";
import { startConnectAction } from "@/lib/actions/connect";
import { requireUser } from "@/lib/auth/guards";
import { listAdmins } from "@/lib/data/members";

export const metadata: Metadata = { title: "Connect Azure DevOps" };

export default async function ConnectProviderPage() {
  const user = await requireUser();
  return (
    <>
      <PageHeader title="Connect Azure DevOps" description="Connect an organization or collection so your team can build from its repositories." />
      {user.role !== "ADMIN" ? (
        <AdminRequired admins={await listAdmins(user.organizationId)} />
      ) : (
        <>
          <WizardSteps current="provider" />
          <ProviderForm action={startConnectAction} />
        </>
      )}
    </>
  );
}
