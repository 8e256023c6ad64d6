import type { Metadata } from "next";
import { Card } from "@/components/ui/card";
import { AllowlistForm } from "@/components/network/allowlist-form";
import { PageHeader } from "@/components/ui/page-header";
import { updateAllowlistAction } from "@/lib/actions/network";
import { requireScope } from "@/lib/auth/guards";
import { getOrganizationAllowlist } from "@/lib/data/network";
import { getEnv } from "@/lib/env";
import { formatList } from "@/lib/shared/names";

export const metadata: Metadata = { title: "Network" };

/** Where Keel's outgoing calls come from, and which servers it may call: for firewall rules. */
export default async function NetworkSettingsPage() {
  const { scope } = await requireScope("network.read");
  const env = getEnv();
  const stored = await getOrganizationAllowlist(scope);
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
            <li>Servers on private or reserved networks (10.x, 172.16–31.x, 192.168.x, the documentation ranges such as 203.0.113.x, …) only when they are on the outbound allowlist below.</li>
            <li>Cloud metadata and link-local addresses never.</li>
            <li>{Array.isArray(env.KEEL_OUTBOUND_ALLOW_HTTP) && env.KEEL_OUTBOUND_ALLOW_HTTP.length > 0 ? `Plain http only for ${formatList(env.KEEL_OUTBOUND_ALLOW_HTTP)}.` : "Plain http is not allowed; use https."}</li>
          </ul>
        </Card>
        <Card title="Outbound allowlist" className="lg:col-span-2">
          <p className="text-sm text-slate-700">
            Servers on a private or reserved network are reachable only when they are on this list: the private ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16), shared address space
            (100.64.0.0/10), the documentation ranges TEST-NET-1, -2 and -3 (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), benchmarking (198.18.0.0/15) and IPv6 unique
            local addresses (fc00::/7). Cloud metadata and link-local addresses stay blocked whatever the list says.
          </p>
          <h3 className="mt-4 text-sm font-medium text-slate-800">Set in Keel&apos;s environment</h3>
          {env.KEEL_OUTBOUND_ALLOWLIST.length > 0 ? (
            <>
              <p className="mt-1 text-sm text-slate-700">
                <code>KEEL_OUTBOUND_ALLOWLIST</code> is set where Keel runs. Its entries always apply and win over this page: they cannot be removed here, only by whoever runs Keel.
              </p>
              <ul className="mt-1 space-y-1 font-mono text-sm" aria-label="Allowlist entries from the environment">
                {env.KEEL_OUTBOUND_ALLOWLIST.map((entry) => (
                  <li key={entry}>{entry}</li>
                ))}
              </ul>
            </>
          ) : (
            <p className="mt-1 text-sm text-slate-600">None: <code>KEEL_OUTBOUND_ALLOWLIST</code> is not set, so only the entries below apply.</p>
          )}
          <h3 className="mt-4 text-sm font-medium text-slate-800">Added by this organization&apos;s admins</h3>
          <div className="mt-2">
            <AllowlistForm action={updateAllowlistAction} entries={stored} />
          </div>
        </Card>
      </div>
    </>
  );
}
