import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { requireScope } from "@/lib/auth/guards";
import { can, type Permission } from "@/lib/policy";

export const metadata: Metadata = { title: "Settings" };

/**
 * The settings pages, in the order shown. One with a `permission` the reader lacks shows
 * `refused` in place of its link, or is left out when it has none (nothing there for them).
 */
const SECTIONS: ReadonlyArray<{ title: string; description: string; href: string; link: string; permission?: Permission; refused?: string }> = [
  { title: "Members and roles", description: "Add team members, change roles, disable the accounts of people who left (each member's last sign-in shows it).", href: "/settings/members", link: "Manage members", permission: "member.manage", refused: "Only admins manage members. Ask an admin if someone needs access." },
  { title: "Your account", description: "Change your password, choose which e-mails you get about builds, and see the build profiles you watch.", href: "/settings/account", link: "Your account" },
  { title: "API tokens", description: "Start builds and download their artifacts from scripts and other CI systems, as you.", href: "/settings/api-tokens", link: "API tokens" },
  {
    title: "Audit log",
    description: "Who did what: sign-ins, members, connections, build profiles, background checks. Filter it and export it as CSV.",
    href: "/settings/audit",
    link: "Open the audit log",
    permission: "audit.read",
    refused: "Only admins read the audit log.",
  },
  { title: "Network", description: "Addresses Keel calls from, and which servers it may call.", href: "/settings/network", link: "Network settings", permission: "network.read" },
  { title: "Webhooks", description: "Tell other systems — a release dashboard, a deploy bot — when builds are queued, start and end, with signed JSON.", href: "/settings/webhooks", link: "Webhooks", permission: "webhook.manage" },
  { title: "Workers", description: "The machines that run builds, the build pools they serve (a Mac pool for iOS), and builds waiting for a pool without one.", href: "/settings/workers", link: "Workers and build pools", permission: "worker.read" },
  { title: "Signing files", description: "Every provisioning profile, certificate and keystore your build profiles use, the soonest to end first.", href: "/settings/signing", link: "Signing files", permission: "workflow.update" },
  { title: "Variable groups", description: "Values several build profiles share, such as signing passwords and store API keys, kept once.", href: "/settings/variable-groups", link: "Variable groups", permission: "variableGroup.manage" },
  {
    title: "Microsoft Entra ID",
    description: "The sign-in app's redirect URI, permissions and setup script; Keel's issuer for service principals.",
    href: "/settings/entra",
    link: "Microsoft Entra ID setup",
    permission: "connection.create",
    refused: "Only admins set up sign-in and service principals.",
  },
];

export default async function SettingsPage() {
  const { user, scope } = await requireScope();
  return (
    <>
      <PageHeader title="Settings" description={`Organization settings for ${user.organizationName}.`} />
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        {SECTIONS.map((section) => {
          const allowed = !section.permission || can(scope, section.permission);
          if (!allowed && !section.refused) {
            return null;
          }
          return (
            <Card key={section.href} title={section.title} description={section.description}>
              {allowed ? (
                <Link href={section.href} className="text-sm font-medium text-brand-700 underline">
                  {section.link}
                </Link>
              ) : (
                <p className="text-sm text-slate-600">{section.refused}</p>
              )}
            </Card>
          );
        })}
      </div>
    </>
  );
}
