import type { Metadata } from "next";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/guards";

export const metadata: Metadata = { title: "Build profiles" };

export default async function ProfilesPage() {
  await requireUser();
  return (
    <>
      <PageHeader title="Build profiles" description="Each build profile binds one repository to a target platform." />
      <EmptyState title="No build profiles yet">A build profile needs a repository from a connection. Create a connection first, then pick a repository.</EmptyState>
    </>
  );
}
