import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DeliveryList } from "@/components/hooks/delivery-list";
import { CursorPages } from "@/components/ui/cursor-pages";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireScope } from "@/lib/auth/guards";
import { listDeliveries } from "@/lib/data/hooks";
import { getProfile } from "@/lib/data/profiles";
import { idSchema } from "@/lib/validation/auth";
import { cursorParam, deliveryPageQuerySchema } from "@/lib/validation/deliveries";

export const metadata: Metadata = { title: "Deliveries of a build profile" };

/** Admins: the deliveries about a profile's repository (through its connection), with what each did for the profile. */
export default async function ProfileDeliveriesPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { scope } = await requireScope("hooks.manage");
  const { id } = await params;
  const profile = idSchema.safeParse(id).success ? await getProfile(scope, id) : null;
  if (!profile) {
    notFound();
  }
  const query = deliveryPageQuerySchema.parse(await searchParams);
  const page = profile.connectionId ? await listDeliveries(scope, { connectionId: profile.connectionId, repositoryId: profile.repositoryId }, { before: query.before ?? null, limit: 50 }) : { rows: [], next: null };
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Build profiles", href: "/profiles" }, { label: profile.name, href: `/profiles/${profile.id}` }, { label: "Deliveries" }]}
        title={`Deliveries for ${profile.name}`}
        description={
          <Link href={`/profiles/${profile.id}`} className="text-brand-700 underline">
            Back to the profile
          </Link>
        }
      />
      <Card title="Deliveries" description={`Service-hook events about ${profile.repositoryName}, newest first, with what each started for the profiles of the repository.`}>
        {profile.connectionId ? (
          <>
            <DeliveryList rows={page.rows} canReplay older={Boolean(query.before)} />
            <CursorPages
              label="Delivery pages"
              newest={query.before ? { href: `/profiles/${profile.id}/deliveries`, label: "Newest deliveries" } : null}
              older={page.next ? { href: `/profiles/${profile.id}/deliveries?before=${encodeURIComponent(cursorParam(page.next))}`, label: "Older deliveries" } : null}
            />
          </>
        ) : (
          <EmptyState title="This profile is disconnected">Re-bind it to a connection first; deliveries arrive through a connection.</EmptyState>
        )}
      </Card>
    </>
  );
}
