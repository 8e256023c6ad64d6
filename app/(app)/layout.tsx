import type { ReactNode } from "react";
import { AppHeader } from "@/components/shell/app-header";
import { requireUser } from "@/lib/auth/guards";
import { getEnv } from "@/lib/env";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  return (
    <>
      <AppHeader organizationName={user.organizationName} userName={user.name} userEmail={user.email} role={user.role} demo={getEnv().KEEL_DEMO} />
      <main id="main" className="mx-auto max-w-6xl px-4 py-8">
        {children}
      </main>
    </>
  );
}
