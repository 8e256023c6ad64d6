import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ActionButton } from "@/components/ui/action-button";
import { DeliveryList } from "@/components/hooks/delivery-list";
import { CursorPages } from "@/components/ui/cursor-pages";
import { HookHealthTable } from "@/components/hooks/hook-health";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { backfillDeliveriesAction } from "@/lib/actions/hooks";
import { requireScope } from "@/lib/auth/guards";
import { getConnection } from "@/lib/data/connections";
import { listDeliveries, listHookSubscriptions } from "@/lib/data/hooks";
import { listProfilesForConnection } from "@/lib/data/profiles";
import { idSchema } from "@/lib/validation/auth";
import { cursorParam, deliveryPageQuerySchema } from "@/lib/validation/deliveries";

export const metadata: Metadata = { title: "Service-hook deliveries" };

/** Admins: a connection's service hooks — their health, every delivery, Replay and Backfill. */
export default async function ConnectionDeliveriesPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { scope } = await requireScope("hooks.manage");
  const { id } = await params;
  const connection = idSchema.safeParse(id).success ? await getConnection(scope, id) : null;
  if (!connection) {
    notFound();
  }
  const query = deliveryPageQuerySchema.parse(await searchParams);
  const [subscriptions, page, profiles] = await Promise.all([
    listHookSubscriptions(scope, { connectionId: connection.id }),
    listDeliveries(scope, { connectionId: connection.id }, { before: query.before ?? null, limit: 50 }),
    listProfilesForConnection(scope, connection.id),
  ]);
  const names = new Map(profiles.map((profile) => [profile.repositoryId.toLowerCase(), `${profile.projectName} / ${profile.repositoryName}`]));
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Connections", href: "/connections" }, { label: connection.name, href: `/connections/${connection.id}` }, { label: "Service hooks" }]}
        title={`Service hooks of ${connection.name}`}
        description={
          <Link href={`/connections/${connection.id}`} className="text-brand-700 underline">
            Back to the connection
          </Link>
        }
      />
      <div className="space-y-6">
        <Card title="Hook health" description="Keel checks every subscription with the connection's scheduled check and enables, corrects or re-creates it when Azure DevOps disabled, changed or deleted it.">
          <HookHealthTable rows={subscriptions} repositoryNames={names} />
        </Card>
        <Card
          title="Deliveries"
          description="Newest first. Replay processes a delivery again; Backfill asks Azure DevOps for its recent notifications and processes those that never reached Keel. Neither starts a build twice for the same change."
          actions={<ActionButton action={backfillDeliveriesAction.bind(null, connection.id)} label="Backfill from Azure DevOps" pendingLabel="Asking Azure DevOps…" />}
        >
          <DeliveryList rows={page.rows} canReplay older={Boolean(query.before)} hasHooks={subscriptions.length > 0} />
          <CursorPages
              label="Delivery pages"
              newest={query.before ? { href: `/connections/${connection.id}/deliveries`, label: "Newest deliveries" } : null}
              older={page.next ? { href: `/connections/${connection.id}/deliveries?before=${encodeURIComponent(cursorParam(page.next))}`, label: "Older deliveries" } : null}
            />
        </Card>
      </div>
    </>
  );
}
