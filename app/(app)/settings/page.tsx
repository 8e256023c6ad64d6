import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { requireScope } from "@/lib/auth/guards";
import { can } from "@/lib/policy";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  const { user, scope } = await requireScope();
  return (
    <>
      <PageHeader title="Settings" description={`Organization settings for ${user.organizationName}.`} />
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <Card title="Members and roles" description="Add team members, change roles, disable accounts.">
          {can(scope, "member.manage") ? (
            <Link href="/settings/members" className="text-sm font-medium text-brand-700 underline">
              Manage members
            </Link>
          ) : (
            <p className="text-sm text-slate-600">Only admins manage members. Ask an admin if someone needs access.</p>
          )}
        </Card>
        <Card title="Your account" description="Change your password, and choose which e-mails you get about builds.">
          <Link href="/settings/account" className="text-sm font-medium text-brand-700 underline">
            Your account
          </Link>
        </Card>
        <Card title="API tokens" description="Start builds and download their artifacts from scripts and other CI systems, as you.">
          <Link href="/settings/api-tokens" className="text-sm font-medium text-brand-700 underline">
            API tokens
          </Link>
        </Card>
        <Card title="Audit log" description="Who did what: sign-ins, members, connections, build profiles, background checks. Filter it and export it as CSV.">
          {can(scope, "audit.read") ? (
            <Link href="/settings/audit" className="text-sm font-medium text-brand-700 underline">
              Open the audit log
            </Link>
          ) : (
            <p className="text-sm text-slate-600">Only admins read the audit log.</p>
          )}
        </Card>
        {can(scope, "network.read") ? (
          <Card title="Network" description="Addresses Keel calls from, and which servers it may call.">
            <Link href="/settings/network" className="text-sm font-medium text-brand-700 underline">
              Network settings
            </Link>
          </Card>
        ) : null}
        {can(scope, "webhook.manage") ? (
          <Card title="Webhooks" description="Tell other systems — a release dashboard, a deploy bot — when builds are queued, start and end, with signed JSON.">
            <Link href="/settings/webhooks" className="text-sm font-medium text-brand-700 underline">
              Webhooks
            </Link>
          </Card>
        ) : null}
        {can(scope, "worker.read") ? (
          <Card title="Workers" description="The machines that run builds, the build pools they serve (a Mac pool for iOS), and builds waiting for a pool without one.">
            <Link href="/settings/workers" className="text-sm font-medium text-brand-700 underline">
              Workers and build pools
            </Link>
          </Card>
        ) : null}
        {can(scope, "workflow.update") ? (
          <Card title="Signing files" description="Every provisioning profile, certificate and keystore your build profiles use, the soonest to end first.">
            <Link href="/settings/signing" className="text-sm font-medium text-brand-700 underline">
              Signing files
            </Link>
          </Card>
        ) : null}
        {can(scope, "variableGroup.manage") ? (
          <Card title="Variable groups" description="Values several build profiles share, such as signing passwords and store API keys, kept once.">
            <Link href="/settings/variable-groups" className="text-sm font-medium text-brand-700 underline">
              Variable groups
            </Link>
          </Card>
        ) : null}
        <Card title="Microsoft Entra ID" description="The sign-in app's redirect URI, permissions and setup script; Keel's issuer for service principals.">
          {can(scope, "connection.create") ? (
            <Link href="/settings/entra" className="text-sm font-medium text-brand-700 underline">
              Microsoft Entra ID setup
            </Link>
          ) : (
            <p className="text-sm text-slate-600">Only admins set up sign-in and service principals.</p>
          )}
        </Card>
      </div>
    </>
  );
}
