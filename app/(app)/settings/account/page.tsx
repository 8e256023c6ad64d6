import type { Metadata } from "next";
import Link from "next/link";
import { BuildEmailsForm } from "@/components/auth/build-emails-form";
import { ChangePasswordForm } from "@/components/auth/change-password-form";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { changePasswordAction, setBuildEmailsAction } from "@/lib/actions/session";
import { requireScope } from "@/lib/auth/guards";
import { getOwnBuildEmails } from "@/lib/data/users";
import { mailConfigured } from "@/lib/notifications/mailer";

export const metadata: Metadata = { title: "Your account" };

/** The signed-in user's own account: change the password (other sessions end), and which e-mails to get. */
export default async function AccountPage() {
  const { user, scope } = await requireScope("account.password");
  const buildEmails = await getOwnBuildEmails(scope);
  return (
    <>
      <PageHeader breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Your account" }]} title="Your account" description={`${user.name} · ${user.email}`} />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Change password" description="Your other sessions, on other browsers and devices, are signed out; this one stays signed in.">
          <ChangePasswordForm email={user.email} action={changePasswordAction} />
        </Card>
        <Card title="E-mails" description={mailConfigured() ? `Sent to ${user.email}.` : `Sent to ${user.email} once whoever runs Keel sets up e-mail (SMTP_URL); until then Keel sends none.`}>
          <BuildEmailsForm buildEmails={buildEmails} action={setBuildEmailsAction} />
          <p className="mt-4 text-sm text-slate-600">
            What Keel tells you also appears under{" "}
            <Link href="/notices" className="font-medium text-brand-700 underline">
              Notices
            </Link>{" "}
            (the bell at the top), with or without e-mail.
          </p>
        </Card>
      </div>
    </>
  );
}
