import type { Metadata } from "next";
import Link from "next/link";
import { CursorPages } from "@/components/ui/cursor-pages";
import { buttonClasses } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { AUDIT_ACTIONS, auditLabel, describeAudit, targetTypeLabel } from "@/lib/audit/labels";
import { requireScope } from "@/lib/auth/guards";
import { listAuditActors, listAuditEvents } from "@/lib/data/audit";
import { auditPageQuerySchema, encodeAuditCursor, type AuditPageQuery } from "@/lib/validation/audit";
import { parseListQuery, searchParamsObject } from "@/lib/validation/list-query";
import { filterDay, formatTime } from "@/lib/shared/dates";
import { FilterBar, FilterField, FilterSelect, filterControlClasses, IgnoredFilters } from "@/components/ui/filters";

export const metadata: Metadata = { title: "Audit log" };

const PAGE_SIZE = 50;
const FAMILIES = [
  { value: "auth.", label: "Sign-ins (all)" },
  { value: "member.", label: "Members and roles (all)" },
  { value: "connection.", label: "Connections (all)" },
  { value: "profile.", label: "Build profiles (all)" },
  { value: "outbound.", label: "Outbound refusals (all)" },
];

const when = (date: Date) => formatTime(date, { seconds: true });
/** The filters of a query as URL parameters (for "Older", "Export" and "Clear"). */
function filterParams(query: AuditPageQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.actor) {
    params.set("actor", query.actor);
  }
  if (query.action) {
    params.set("action", query.action);
  }
  if (query.target) {
    params.set("target", query.target);
  }
  if (query.from) {
    params.set("from", filterDay(query.from));
  }
  if (query.to) {
    params.set("to", filterDay(query.to, true));
  }
  return params;
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { scope } = await requireScope("audit.read");
  // A bad filter is named and ignored, the others still apply; an empty field is no filter.
  const { query, problems } = parseListQuery(auditPageQuerySchema, searchParamsObject(await searchParams));
  const filter = {
    ...(query.actor ? { actor: query.actor } : {}),
    ...(query.action ? { action: query.action } : {}),
    ...(query.target ? { target: query.target } : {}),
    ...(query.from ? { from: query.from } : {}),
    ...(query.to ? { to: query.to } : {}),
  };
  const [{ rows, next }, actors] = await Promise.all([listAuditEvents(scope, filter, { cursor: query.cursor ?? null, limit: PAGE_SIZE }), listAuditActors(scope)]);
  const params = filterParams(query);
  const filtered = params.size > 0;
  const exportHref = `/api/audit/export${params.size > 0 ? `?${params}` : ""}`;
  const olderHref = next ? `/settings/audit?${new URLSearchParams([...params.entries(), ["cursor", encodeAuditCursor(next)]])}` : null;
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Audit log" }]}
        title="Audit log"
        description="Who did what in your organization, newest first: sign-ins, members, connections and their checks, build profiles, refused outbound calls and what Keel's background jobs did. Secrets never appear here."
        actions={
          <a href={exportHref} className={buttonClasses("secondary")} download>
            Export CSV
          </a>
        }
      />
      <IgnoredFilters problems={problems} />
      <FilterBar action="/settings/audit" label="Filter the audit log" layout="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-6 lg:items-end" applyLabel="Apply filters" clear={filtered || query.cursor ? "/settings/audit" : null} actionsClassName="lg:col-span-6">
        <FilterSelect id="audit-actor" label="Actor" name="actor" defaultValue={query.actor ?? ""} controlClassName="w-full" options={[{ value: "", label: "Anyone" }, { value: "system", label: "Keel (background jobs)" }, ...actors.map((actor) => ({ value: actor.id, label: actor.name }))]} />
        <FilterSelect
          id="audit-action"
          label="Action"
          name="action"
          defaultValue={query.action ?? ""}
          className="lg:col-span-2"
          controlClassName="w-full"
          options={[{ value: "", label: "Any action" }]}
          groups={[
            { label: "Groups", options: FAMILIES },
            { label: "Actions", options: AUDIT_ACTIONS },
          ]}
        />
        <FilterField id="audit-target" label="Target">
          <input id="audit-target" name="target" type="search" maxLength={200} defaultValue={query.target ?? ""} placeholder="Name or id" className={`${filterControlClasses} w-full`} />
        </FilterField>
        <FilterField id="audit-from" label="From">
          <input id="audit-from" name="from" type="date" defaultValue={query.from ? filterDay(query.from) : ""} className={`${filterControlClasses} w-full`} />
        </FilterField>
        <FilterField id="audit-to" label="To">
          <input id="audit-to" name="to" type="date" defaultValue={query.to ? filterDay(query.to, true) : ""} className={`${filterControlClasses} w-full`} />
        </FilterField>
      </FilterBar>
      {rows.length === 0 ? (
        <EmptyState title={filtered ? "No event matches these filters" : "Nothing recorded yet"} action={filtered ? <Link href="/settings/audit" className={buttonClasses("secondary")}>Clear the filters</Link> : null}>
          {filtered ? "Widen the time range or choose another actor or action." : "Events appear here as soon as anyone signs in, connects Azure DevOps or changes something."}
        </EmptyState>
      ) : (
        <DataTable
          caption="Audit events, newest first"
          className="[&_thead]:hidden md:[&_thead]:table-header-group"
          columns={[
            { key: "time", label: "Time" },
            { key: "actor", label: "Who" },
            { key: "what", label: "What" },
            { key: "target", label: "Target" },
            { key: "details", label: "Details" },
          ]}
        >
          {rows.map((row) => (
            <tr key={row.id} className="block border-t border-slate-100 px-4 py-3 align-top md:table-row md:p-0">
              <td className="block whitespace-nowrap text-xs text-slate-700 md:table-cell md:px-4 md:py-2">
                <time dateTime={row.createdAt.toISOString()}>{when(row.createdAt)}</time>
              </td>
              <td className="block md:table-cell md:px-4 md:py-2">
                {row.actorKind === "SYSTEM" ? (
                  <span>
                    Keel <span className="text-xs text-slate-600">({row.actorJob ?? "job"}{row.actor ? `, for ${row.actor.name}` : ""})</span>
                  </span>
                ) : (
                  (row.actor?.name ?? <span className="text-slate-600">A deleted user</span>)
                )}
              </td>
              <td className="block font-medium text-slate-900 md:table-cell md:px-4 md:py-2">{auditLabel(row.action)}</td>
              <td className="block text-xs md:table-cell md:px-4 md:py-2">
                {targetTypeLabel(row.targetType)}
                {row.targetId ? <span className="block break-all font-mono text-slate-600">{row.targetId}</span> : null}
              </td>
              <td className="block break-words text-xs text-slate-700 md:table-cell md:max-w-md md:px-4 md:py-2">{describeAudit(row.action, row.data)}</td>
            </tr>
          ))}
        </DataTable>
      )}
      <CursorPages
        label="Audit log pages"
        newest={query.cursor ? { href: `/settings/audit${params.size > 0 ? `?${params}` : ""}`, label: "Newest events" } : null}
        older={olderHref ? { href: olderHref, label: "Older events" } : null}
        end={rows.length > 0 ? <p className="py-2 text-sm text-slate-600">That is the oldest event{filtered ? " matching these filters" : ""}.</p> : null}
      />
    </>
  );
}
