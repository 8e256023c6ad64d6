import type { Metadata } from "next";
import Link from "next/link";
import { WebhookForm } from "@/components/webhooks/webhook-form";
import { WebhookProfiles } from "@/components/webhooks/webhook-profiles";
import { DeliveryState } from "@/components/webhooks/delivery-state";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { When } from "@/components/ui/when";
import { createWebhookAction } from "@/lib/actions/webhooks";
import { requireScope } from "@/lib/auth/guards";
import { listProfileChoices } from "@/lib/data/profiles";
import { listWebhooks } from "@/lib/data/webhooks";
import { MAX_WEBHOOKS } from "@/lib/shared/webhooks";

export const metadata: Metadata = { title: "Webhooks" };

const COLUMNS = [
  { key: "name", label: "Webhook" },
  { key: "events", label: "Events" },
  { key: "profiles", label: "Builds of" },
  { key: "last", label: "Last delivery" },
  { key: "pending", label: "Waiting" },
] as const;

/**
 * Settings → Webhooks (admins): servers that hear of the organization's builds — a release
 * dashboard, a deploy bot, an issue tracker — with each one's latest delivery, and a new one.
 */
export default async function WebhooksPage() {
  const { scope } = await requireScope("webhook.manage");
  const [webhooks, profiles] = await Promise.all([listWebhooks(scope), listProfileChoices(scope)]);
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Webhooks" }]}
        title="Webhooks"
        description="Keel POSTs your organization's build events to these servers as JSON, signed with each webhook's secret, and keeps every delivery for 30 days."
      />
      <div className="space-y-6">
        {webhooks.length === 0 ? (
          <EmptyState title="No webhooks yet">
            Add one below to tell another system when builds are queued, start and end — each delivery is signed, so the receiver knows it came from Keel (README, “Webhooks”).
          </EmptyState>
        ) : (
          <DataTable caption="Webhooks" columns={COLUMNS}>
            {webhooks.map((webhook) => (
              <tr key={webhook.id} className="border-t border-slate-100">
                <td className="px-4 py-2">
                  <Link href={`/settings/webhooks/${webhook.id}`} className="font-medium text-brand-700 underline">
                    {webhook.name}
                  </Link>
                  <span className="block font-mono text-xs text-slate-500">{webhook.host}</span>
                </td>
                <td className="px-4 py-2 font-mono text-xs" data-label="Events">
                  {webhook.events.join(", ")}
                </td>
                <td className="px-4 py-2" data-label="Builds of">
                  <WebhookProfiles webhook={webhook} />
                </td>
                <td className="px-4 py-2" data-label="Last delivery">
                  {webhook.last ? (
                    <span className="flex flex-wrap items-center gap-2">
                      <DeliveryState state={webhook.last.state} status={webhook.last.responseStatus} attempts={webhook.last.attempts} />
                      <span className="text-xs text-slate-600">
                        {webhook.last.event}, <When date={webhook.last.createdAt} relative />
                      </span>
                    </span>
                  ) : (
                    <span className="text-slate-500">none yet</span>
                  )}
                </td>
                <td className="px-4 py-2" data-label="Waiting">
                  {webhook.pending}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
        <Card title="New webhook" className="max-w-3xl" description={`Up to ${MAX_WEBHOOKS} per organization. Keel calls public https addresses; a server on a private network needs an entry on the outbound allowlist (Settings → Network).`}>
          <WebhookForm action={createWebhookAction} profiles={profiles} />
        </Card>
      </div>
    </>
  );
}
