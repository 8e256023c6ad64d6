import type { Metadata } from "next";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { requireScope } from "@/lib/auth/guards";
import { getEnv } from "@/lib/env";

export const metadata: Metadata = { title: "Network" };

/** Where Keel's outgoing calls come from, and which servers it may call: for firewall rules. */
export default async function NetworkSettingsPage() {
  await requireScope("network.read");
  const env = getEnv();
  return (
    <>
      <PageHeader breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Network" }]} title="Network" description="What your firewall needs to know about Keel's calls to Azure DevOps Server, and which servers Keel is allowed to call." />
      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-2">
        <Card title="Addresses Keel calls from">
          {env.KEEL_EGRESS_ADDRESSES.length > 0 ? (
            <>
              <p className="text-sm text-slate-700">Allow inbound HTTPS (usually port 443, or your server&apos;s port) from these addresses to your Azure DevOps Server:</p>
              <ul className="mt-3 space-y-1 font-mono text-sm">
                {env.KEEL_EGRESS_ADDRESSES.map((address) => (
                  <li key={address}>{address}</li>
                ))}
              </ul>
            </>
          ) : (
            <p className="text-sm text-slate-700">
              Whoever runs Keel has not listed its outgoing addresses. Keel calls from the public address of the machine it runs on; ask them, and have them set <code>KEEL_EGRESS_ADDRESSES</code> so it shows here.
            </p>
          )}
        </Card>
        <Card title="Servers Keel may call">
          <ul className="list-disc space-y-2 pl-5 text-sm text-slate-700">
            <li>{env.KEEL_OUTBOUND_DENY_ALL_EXCEPT_ALLOWLIST ? "Only the servers on the allowlist below." : "Any public address, over https."}</li>
            <li>Servers on private networks (10.x, 172.16–31.x, 192.168.x, …) only when they are on the allowlist.</li>
            <li>Cloud metadata and link-local addresses never.</li>
            <li>{Array.isArray(env.KEEL_OUTBOUND_ALLOW_HTTP) && env.KEEL_OUTBOUND_ALLOW_HTTP.length > 0 ? `Plain http only for: ${env.KEEL_OUTBOUND_ALLOW_HTTP.join(", ")}.` : "Plain http is not allowed; use https."}</li>
          </ul>
          <p className="mt-4 text-sm font-medium text-slate-800">Allowlist</p>
          {env.KEEL_OUTBOUND_ALLOWLIST.length > 0 ? (
            <ul className="mt-1 space-y-1 font-mono text-sm">
              {env.KEEL_OUTBOUND_ALLOWLIST.map((entry) => (
                <li key={entry}>{entry}</li>
              ))}
            </ul>
          ) : (
            <p className="mt-1 text-sm text-slate-600">Empty. To reach a server on a private network, set KEEL_OUTBOUND_ALLOWLIST (host, host:port, IP or CIDR) and restart Keel.</p>
          )}
        </Card>
      </div>
    </>
  );
}
