import type { Metadata } from "next";
import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { AUDIT_ACTIONS, auditLabel, describeAudit, targetTypeLabel } from "@/lib/audit/labels";
import { requireScope } from "@/lib/auth/guards";
import { listAuditActors, listAuditEvents } from "@/lib/data/audit";
import { auditPageQuerySchema, encodeAuditCursor, type AuditPageQuery } from "@/lib/validation/audit";
import { searchParamsObject } from "@/lib/validation/profiles";
import { formatDay, formatTime } from "@/lib/shared/dates";
import Form from "next/form";
import { SubmitButton } from "@/components/ui/submit-button";

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
const day = (date: Date, endOfDay = false) => formatDay(new Date(date.getTime() - (endOfDay ? 86_400_000 : 0)));

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
    params.set("from", day(query.from));
  }
  if (query.to) {
    params.set("to", day(query.to, true));
  }
  return params;
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { scope } = await requireScope("audit.read");
  const parsed = auditPageQuerySchema.safeParse(searchParamsObject(await searchParams));
  const query: AuditPageQuery = parsed.success ? parsed.data : {};
  // The schema's own messages only: nothing from the address is repeated on the page as a message.
  const problems = parsed.success
    ? []
    : [...new Set(parsed.error.issues.map((issue) => (issue.code === "unrecognized_keys" ? `The address had ${issue.keys.length === 1 ? "a parameter" : "parameters"} this page does not know` : issue.message)))];
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
      {problems.length > 0 ? (
        <Alert tone="warning" title="Some filters in the address were not valid and were ignored" className="mb-6">
          <ul className="ml-5 list-disc">
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </Alert>
      ) : null}
      <Form action="/settings/audit" role="search" aria-label="Filter the audit log" className="mb-4 grid grid-cols-1 gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-6 lg:items-end">
        <div>
          <label htmlFor="audit-actor" className="block text-sm font-medium text-slate-800">
            Actor
          </label>
          <select id="audit-actor" name="actor" defaultValue={query.actor ?? ""} className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm">
            <option value="">Anyone</option>
            <option value="system">Keel (background jobs)</option>
            {actors.map((actor) => (
              <option key={actor.id} value={actor.id}>
                {actor.name}
              </option>
            ))}
          </select>
        </div>
        <div className="lg:col-span-2">
          <label htmlFor="audit-action" className="block text-sm font-medium text-slate-800">
            Action
          </label>
          <select id="audit-action" name="action" defaultValue={query.action ?? ""} className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm">
            <option value="">Any action</option>
            <optgroup label="Groups">
              {FAMILIES.map((family) => (
                <option key={family.value} value={family.value}>
                  {family.label}
                </option>
              ))}
            </optgroup>
            <optgroup label="Actions">
              {AUDIT_ACTIONS.map((action) => (
                <option key={action.value} value={action.value}>
                  {action.label}
                </option>
              ))}
            </optgroup>
          </select>
        </div>
        <div>
          <label htmlFor="audit-target" className="block text-sm font-medium text-slate-800">
            Target
          </label>
          <input
            id="audit-target"
            name="target"
            type="search"
            maxLength={200}
            defaultValue={query.target ?? ""}
            placeholder="Name or id"
            className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm"
          />
        </div>
        <div>
          <label htmlFor="audit-from" className="block text-sm font-medium text-slate-800">
            From
          </label>
          <input id="audit-from" name="from" type="date" defaultValue={query.from ? day(query.from) : ""} className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm" />
        </div>
        <div>
          <label htmlFor="audit-to" className="block text-sm font-medium text-slate-800">
            To
          </label>
          <input id="audit-to" name="to" type="date" defaultValue={query.to ? day(query.to, true) : ""} className="mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm" />
        </div>
        <div className="flex gap-3 lg:col-span-6">
          <SubmitButton variant="secondary" pendingLabel="Applying…">Apply filters</SubmitButton>
          {filtered || query.cursor ? (
            <Link href="/settings/audit" className="py-2 text-sm font-medium text-brand-700 underline">
              Clear
            </Link>
          ) : null}
        </div>
      </Form>
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
      <nav aria-label="Audit log pages" className="mt-4 flex flex-wrap gap-3">
        {query.cursor ? (
          <Link href={`/settings/audit${params.size > 0 ? `?${params}` : ""}`} className={buttonClasses("secondary")}>
            Newest events
          </Link>
        ) : null}
        {olderHref ? (
          <Link href={olderHref} className={buttonClasses("secondary")}>
            Older events
          </Link>
        ) : rows.length > 0 ? (
          <p className="py-2 text-sm text-slate-600">That is the oldest event{filtered ? " matching these filters" : ""}.</p>
        ) : null}
      </nav>
    </>
  );
}
