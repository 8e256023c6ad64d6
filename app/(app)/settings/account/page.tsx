import type { Metadata } from "next";
import Link from "next/link";
import { BuildEmailsForm } from "@/components/auth/build-emails-form";
import { ChangePasswordForm } from "@/components/auth/change-password-form";
import { ActionButton } from "@/components/ui/action-button";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { watchProfileAction } from "@/lib/actions/profiles";
import { changePasswordAction, setBuildEmailsAction } from "@/lib/actions/session";
import { requireScope } from "@/lib/auth/guards";
import { listOwnWatches } from "@/lib/data/profiles";
import { getOwnEmailPreferences } from "@/lib/data/users";
import { mailConfigured } from "@/lib/notifications/mailer";

export const metadata: Metadata = { title: "Your account" };

/** The signed-in user's own account: change the password (other sessions end), which e-mails to get, and the profiles they watch. */
export default async function AccountPage() {
  const { user, scope } = await requireScope("account.password");
  const [preferences, watches] = await Promise.all([getOwnEmailPreferences(scope), listOwnWatches(scope)]);
  return (
    <>
      <PageHeader breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Your account" }]} title="Your account" description={`${user.name} · ${user.email}`} />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Change password" description="Your other sessions, on other browsers and devices, are signed out; this one stays signed in.">
          <ChangePasswordForm email={user.email} action={changePasswordAction} />
        </Card>
        <Card title="E-mails" description={mailConfigured() ? `Sent to ${user.email}.` : `Sent to ${user.email} once whoever runs Keel sets up e-mail (SMTP_URL); until then Keel sends none.`}>
          <BuildEmailsForm buildEmails={preferences.buildEmails} weeklySummary={preferences.weeklySummary} action={setBuildEmailsAction} />
          <h3 className="mt-6 text-sm font-semibold text-slate-900">Build profiles you watch</h3>
          {watches.length === 0 ? (
            <p className="mt-1 text-sm text-slate-600">
              None. Choose Watch on a build profile&apos;s page to hear when a build of its default branch or a tag fails, and when it is fixed (or of every such build), even when you did not start it.
            </p>
          ) : (
            <ul aria-label="Build profiles you watch" className="mt-2 divide-y divide-slate-100 text-sm">
              {watches.map((profile) => (
                <li key={profile.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                  <span>
                    <Link href={`/profiles/${profile.id}`} className="font-medium break-words text-brand-700 underline">
                      {profile.name}
                    </Link>
                    <span className="ml-2 text-xs text-slate-600">{profile.everyBuild ? "every build" : "failures and fixes"}</span>
                  </span>
                  <ActionButton
                    action={watchProfileAction.bind(null, profile.id)}
                    fields={{ watch: "no" }}
                    label="Stop watching"
                    pendingLabel="Saving…"
                    variant="ghost"
                    className="flex flex-col items-end gap-1"
                    buttonLabel={`Stop watching ${profile.name}`}
                  />
                </li>
              ))}
            </ul>
          )}
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
