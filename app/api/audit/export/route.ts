import { auditLabel, describeAudit, targetTypeLabel } from "@/lib/audit/labels";
import { csvDownload } from "@/lib/audit/csv";
import { listAuditEvents, type AuditCursor } from "@/lib/data/audit";
import { recordAudit } from "@/lib/data/audit";
import { route } from "@/lib/entry/route";
import { auditExportQuerySchema } from "@/lib/validation/audit";
import { formatDay } from "@/lib/shared/dates";

/** At most this many events per export (a narrower filter gets the rest). */
const MAX_ROWS = 100_000;
const BATCH = 1_000;

/**
 * The audit log as CSV (admins), with the page's filters. Streamed in keyset batches so a large
 * log never sits in memory; cells are neutralised against formula injection (lib/audit/csv.ts).
 */
export const GET = route({ name: "api.audit.export", permission: "audit.read", query: auditExportQuerySchema }, async ({ scope, query }) => {
  const filter = {
    ...(query.actor ? { actor: query.actor } : {}),
    ...(query.action ? { action: query.action } : {}),
    ...(query.target ? { target: query.target } : {}),
    ...(query.from ? { from: query.from } : {}),
    ...(query.to ? { to: query.to } : {}),
  };
  await recordAudit(scope, { action: "audit.exported", data: { filter: { ...filter, from: query.from?.toISOString() ?? null, to: query.to?.toISOString() ?? null } } });
  return csvDownload(`keel-audit-${formatDay(new Date())}.csv`, ["Time (UTC)", "Actor", "Actor email", "Job", "Action", "Event", "Target type", "Target id", "Details", "IP address", "Data"], async function* () {
    let cursor: AuditCursor | null = null;
    let written = 0;
    do {
      const page: Awaited<ReturnType<typeof listAuditEvents>> = await listAuditEvents(scope, filter, { cursor, limit: BATCH });
      for (const row of page.rows) {
        const actor = row.actorKind === "SYSTEM" ? `Keel (${row.actorJob ?? "job"})${row.actor ? ` for ${row.actor.name}` : ""}` : (row.actor?.name ?? "(deleted user)");
        yield [row.createdAt, actor, row.actor?.email ?? "", row.actorJob ?? "", row.action, auditLabel(row.action), targetTypeLabel(row.targetType), row.targetId ?? "", describeAudit(row.action, row.data), row.ip ?? "", row.data ?? ""];
      }
      written += page.rows.length;
      cursor = page.next;
    } while (cursor && written < MAX_ROWS);
  });
});
