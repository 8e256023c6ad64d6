import type { Metadata } from "next";
import { ChangePasswordForm } from "@/components/auth/change-password-form";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { changePasswordAction } from "@/lib/actions/session";
import { requireScope } from "@/lib/auth/guards";

export const metadata: Metadata = { title: "Your account" };

/** The signed-in user's own account: change the password (other sessions end). */
export default async function AccountPage() {
  const { user } = await requireScope("account.password");
  return (
    <>
      <PageHeader breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Your account" }]} title="Your account" description={`${user.name} · ${user.email}`} />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Change password" description="Your other sessions, on other browsers and devices, are signed out; this one stays signed in.">
          <ChangePasswordForm email={user.email} action={changePasswordAction} />
        </Card>
      </div>
    </>
  );
}
