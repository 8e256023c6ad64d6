import type { Metadata } from "next";
import { AdminRequired } from "@/components/connect/admin-required";
import { ProviderForm } from "@/components/connect/provider-form";
import { WizardSteps } from "@/components/connect/wizard-steps";
import { PageHeader } from "@/components/ui/page-header";
import { startConnectAction } from "@/lib/actions/connect";
import { requireScope } from "@/lib/auth/guards";
import { can } from "@/lib/policy";
import { listAdmins } from "@/lib/data/members";

export const metadata: Metadata = { title: "Connect Azure DevOps" };

export default async function ConnectProviderPage() {
  const { scope } = await requireScope();
  return (
    <>
      <PageHeader title="Connect Azure DevOps" description="Connect an organization or collection so your team can build from its repositories." />
      {!can(scope, "connection.create") ? (
        <AdminRequired admins={await listAdmins(scope)} />
      ) : (
        <>
          <WizardSteps current="provider" />
          <ProviderForm action={startConnectAction} />
        </>
      )}
    </>
  );
}
