import { Suspense, type ReactNode } from "react";
import { AppHeader } from "@/components/shell/app-header";
import { Toaster } from "@/components/ui/toaster";
import { requireUser } from "@/lib/auth/guards";
import { countConnectionsNeedingAttention } from "@/lib/connections/service";
import { getEnv } from "@/lib/env";
import { can } from "@/lib/policy";
import { userScope } from "@/lib/scope";

export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  const scope = userScope(user);
  // Admins see how many connections need them, on every page (lib/connections/status.ts decides).
  const attention = can(scope, "connection.update") ? await countConnectionsNeedingAttention(scope) : null;
  return (
    <>
      <AppHeader organizationName={user.organizationName} userName={user.name} userEmail={user.email} role={user.role} demo={getEnv().KEEL_DEMO} attention={attention} notices={user.unseenNotices} />
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-6 outline-none sm:py-8">
        {children}
      </main>
      <Suspense fallback={null}>
        <Toaster />
      </Suspense>
    </>
  );
}
