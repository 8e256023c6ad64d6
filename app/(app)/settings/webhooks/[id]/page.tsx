import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DeliveryState } from "@/components/webhooks/delivery-state";
import { RotateSecret } from "@/components/webhooks/rotate-secret";
import { WebhookForm } from "@/components/webhooks/webhook-form";
import { ActionButton } from "@/components/ui/action-button";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { CopyBlock } from "@/components/ui/copy-block";
import { DeleteButton } from "@/components/ui/confirm-dialog";
import { DangerAction, DangerZone } from "@/components/ui/danger-zone";
import { DataTable } from "@/components/ui/data-table";
import { PageHeader } from "@/components/ui/page-header";
import { When } from "@/components/ui/when";
import { deleteWebhookAction, pingWebhookAction, redeliverWebhookAction, rotateWebhookSecretAction, updateWebhookAction } from "@/lib/actions/webhooks";
import { requireScope } from "@/lib/auth/guards";
import { listProfileChoices } from "@/lib/data/profiles";
import { getWebhook, listDeliveries } from "@/lib/data/webhooks";
import { DELIVERY_DAYS, MAX_DELIVERY_ATTEMPTS, SIGNATURE_TOLERANCE_SECONDS } from "@/lib/shared/webhooks";
import { idSchema } from "@/lib/validation/auth";

export const metadata: Metadata = { title: "Webhook" };

const COLUMNS = [
  { key: "when", label: "When" },
  { key: "event", label: "Event" },
  { key: "result", label: "Result" },
  { key: "actions", label: <span className="sr-only">Actions</span> },
] as const;

/** What a receiver runs to check a delivery (Node.js), as the page shows it. */
const VERIFY = `// Node.js: the raw body as received, the headers, your secret
const { createHmac, timingSafeEqual } = require("node:crypto");
function fromKeel(body, headers, secret) {
  const timestamp = headers["x-keel-timestamp"];
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > ${SIGNATURE_TOLERANCE_SECONDS}) return false;
  const expected = "sha256=" + createHmac("sha256", secret).update(timestamp + "." + body).digest("hex");
  const given = String(headers["x-keel-signature-256"] ?? "");
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}`;

/** One webhook (admins): its events, how to check its signatures, a ping, every delivery with Redeliver, and Delete. */
export default async function WebhookPage({ params }: { params: Promise<{ id: string }> }) {
  const { scope } = await requireScope("webhook.manage");
  const { id } = await params;
  const webhook = idSchema.safeParse(id).success ? await getWebhook(scope, id) : null;
  if (!webhook) {
    notFound();
  }
  const [deliveries, profiles] = await Promise.all([listDeliveries(scope, webhook.id), listProfileChoices(scope)]);
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Webhooks", href: "/settings/webhooks" }, { label: webhook.name }]}
        title={webhook.name}
        description={
          <>
            Posts to <span className="font-mono">{webhook.host}</span> · added <When date={webhook.createdAt} day />
            {webhook.createdBy ? ` by ${webhook.createdBy.name}` : ""}
          </>
        }
        actions={<ActionButton action={pingWebhookAction.bind(null, webhook.id)} label="Send a ping" pendingLabel="Queuing…" className="flex flex-col items-end gap-2" />}
      />
      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-2">
        <Card title="Settings">
          {!webhook.allProfiles && webhook.profiles.length === 0 ? (
            <Alert tone="warning" title="This webhook hears of no builds" className="mb-4">
              The build profiles it was for were deleted. Choose profiles under “Builds of”, or all of them, and save.
            </Alert>
          ) : null}
          <WebhookForm
            action={updateWebhookAction.bind(null, webhook.id)}
            existing={{ name: webhook.name, host: webhook.host, events: webhook.events, profileIds: webhook.allProfiles ? null : webhook.profiles.map((profile) => profile.id) }}
            profiles={profiles}
          />
          <p className="mt-4 text-sm text-slate-600">
            Each event is a POST of JSON with <code>event</code>, <code>deliveryId</code>, <code>organization</code> and <code>build</code> (its number, status, profile, branch, commit, pull
            request, pool, times and links). A receiver that does not answer 2xx within 15 seconds, or answers 408, 429 or 5xx, gets it again — up to {MAX_DELIVERY_ATTEMPTS} attempts over a
            quarter of an hour — and later events wait behind it, so they arrive in order.
          </p>
        </Card>
        <Card title="Signature" description="Every delivery carries X-Keel-Timestamp and X-Keel-Signature-256: an HMAC-SHA256 of the timestamp, a dot and the body, with this webhook's secret.">
          <CopyBlock label="Check a delivery" text={VERIFY} />
          <div className="mt-4">
            <RotateSecret action={rotateWebhookSecretAction.bind(null, webhook.id)} />
          </div>
        </Card>
      </div>
      <Card title="Deliveries" className="mt-6" description={`The newest 50, kept ${DELIVERY_DAYS} days. Redeliver sends the same event and body again, as a new delivery.`}>
        {deliveries.length === 0 ? (
          <p className="text-sm text-slate-600">Nothing was sent yet. Send a ping, or start a build of any profile.</p>
        ) : (
          <DataTable caption="Deliveries" columns={COLUMNS}>
            {deliveries.map((delivery) => (
              <tr key={delivery.id} className="border-t border-slate-100 align-top">
                <td className="px-4 py-2 text-xs">
                  <When date={delivery.createdAt} seconds />
                  {delivery.redeliveryOf ? <span className="block text-slate-500">redelivery</span> : null}
                </td>
                <td className="px-4 py-2" data-label="Event">
                  <code className="text-xs">{delivery.event}</code>
                  {delivery.buildId ? (
                    <Link href={`/builds/${delivery.buildId}`} className="block text-xs text-brand-700 underline">
                      {delivery.buildLabel ?? "Open the build"}
                    </Link>
                  ) : null}
                </td>
                <td className="px-4 py-2" data-label="Result">
                  <DeliveryState state={delivery.state} status={delivery.responseStatus} attempts={delivery.attempts} />
                  <span className="block text-xs text-slate-600">
                    {delivery.attempts === 0 ? "not tried yet" : `${delivery.attempts} attempt${delivery.attempts === 1 ? "" : "s"}`}
                    {delivery.durationMs !== null ? `, ${delivery.durationMs} ms` : ""}
                  </span>
                  {delivery.error ? <span className="block text-xs text-red-700">{delivery.error}</span> : null}
                  {delivery.responseBody ? (
                    <details className="text-xs">
                      <summary className="cursor-pointer text-slate-600">The receiver&apos;s answer</summary>
                      <pre className="mt-1 max-h-40 overflow-auto whitespace-pre-wrap rounded bg-slate-50 p-2 [overflow-wrap:anywhere]">{delivery.responseBody}</pre>
                    </details>
                  ) : null}
                </td>
                <td className="px-4 py-2 text-right">
                  {delivery.state === "PENDING" ? null : <ActionButton action={redeliverWebhookAction.bind(null, delivery.id)} label="Redeliver" pendingLabel="Queuing…" className="flex flex-col items-end gap-2" />}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
      <DangerZone className="mt-6">
        <DangerAction
          title="Delete this webhook"
          description="Keel sends it nothing more; its deliveries are deleted with it."
          action={
            <DeleteButton
              action={deleteWebhookAction.bind(null, webhook.id)}
              text={{ title: `Delete the webhook “${webhook.name}”?`, description: <p>{webhook.host} hears of no more builds. This cannot be undone.</p>, confirmLabel: "Delete webhook", pendingLabel: "Deleting…" }}
            />
          }
        />
      </DangerZone>
    </>
  );
}
