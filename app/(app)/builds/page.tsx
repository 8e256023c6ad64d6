import type { Metadata } from "next";
import Link from "next/link";
import { ListPages } from "@/components/ui/list-pages";
import { BuildTable } from "@/components/builds/build-table";
import { buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireScope } from "@/lib/auth/guards";
import { ActionButton } from "@/components/ui/action-button";
import { cancelQueuedAction } from "@/lib/actions/builds";
import { can } from "@/lib/policy";
import { buildFilterOf, buildQueueCounts, hasBuildProfiles, listBuildProfileOptions, listBuilds, withExpectedStarts } from "@/lib/data/builds";
import { filterDay } from "@/lib/shared/dates";
import { summarizeWorkers } from "@/lib/data/jobs";
import { getEnv } from "@/lib/env";
import { QueueStatusLine } from "@/components/builds/queue-status";
import { BUILD_EXPORT_MAX, BUILD_STATUSES, BUILD_TRIGGERS, buildStatusLabel, buildTriggerLabel } from "@/lib/shared/builds";
import { buildListQuerySchema, type BuildListQuery } from "@/lib/validation/builds";
import { matchCount } from "@/lib/shared/names";
import { listHref, parseListQuery, searchParamsObject } from "@/lib/validation/list-query";
import { FilterBar, FilterField, FilterSelect, filterControlClasses, IgnoredFilters, NoMatches } from "@/components/ui/filters";
import { redirect } from "next/navigation";

export const metadata: Metadata = { title: "Builds" };

const PAGE_SIZE = 25;

/** The filters as the address has them (a page link, the CSV export's). */
function filterValues(query: BuildListQuery) {
  return {
    q: query.q,
    who: query.who,
    status: query.status,
    trigger: query.trigger,
    profile: query.profile,
    branch: query.branch,
    commit: query.commit,
    from: query.from ? filterDay(query.from) : undefined,
    to: query.to ? filterDay(query.to, true) : undefined,
    kept: query.kept,
  };
}

function href(query: BuildListQuery, change: Partial<BuildListQuery>): string {
  const next = { ...query, ...change };
  return listHref("/builds", { ...filterValues(next), page: next.page });
}

export default async function BuildsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { scope, user } = await requireScope("build.read");
  // A hand-edited URL never breaks the page: a bad filter is named and ignored, the others still apply.
  const { query, problems } = parseListQuery(buildListQuerySchema, searchParamsObject(await searchParams));
  const [{ rows, total }, profiles, queue, workers] = await Promise.all([
    listBuilds(scope, { ...buildFilterOf(query, user), page: query.page, pageSize: PAGE_SIZE }).then(async (list) => ({ ...list, rows: await withExpectedStarts(list.rows) })),
    listBuildProfileOptions(scope, query.profile),
    buildQueueCounts(scope),
    summarizeWorkers(3 * getEnv().KEEL_WORKER_HEARTBEAT_MS),
  ]);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (rows.length === 0 && total > 0 && query.page > pages) {
    // A page past the end (a bookmark, rows deleted since): the last page, not "nothing matches".
    redirect(href(query, { page: pages }));
  }
  const filtered = Boolean(query.q || query.who || query.status || query.trigger || query.profile || query.branch || query.commit || query.from || query.to || query.kept);
  const empty = total === 0 && !filtered;
  const anyProfile = empty ? await hasBuildProfiles(scope) : true;
  return (
    <>
      <PageHeader title="Builds" description="Every build of your organization's profiles, newest first." />
      {empty ? null : <QueueStatusLine status={{ workers: workers.live, draining: workers.draining, queued: queue.queued, paused: queue.paused, running: queue.running, byPool: queue.byPool, pools: workers.pools }} className="mb-4" />}
      {queue.queued >= 2 && can(scope, "build.cancel_queued") ? (
        // A flood of queued builds (a bad trigger, a mass merge) is stopped in one go, not one page of Cancel at a time.
        <ActionButton
          action={cancelQueuedAction}
          fields={{ profile: query.profile ?? "" }}
          label={query.profile ? "Cancel this profile's queued builds" : `Cancel the ${queue.queued} queued builds`}
          pendingLabel="Canceling…"
          className="mb-4 flex flex-wrap items-center gap-3"
        />
      ) : null}
      <IgnoredFilters problems={problems} />
      {empty ? (
        <EmptyState
          title="No builds yet"
          action={
            <Link href="/profiles" className={buttonClasses("primary")}>
              Open build profiles
            </Link>
          }
        >
          {anyProfile ? "Open a build profile and choose Start build: its builds appear here." : "Builds run for build profiles. Create a build profile from a repository first, then start its first build."}
        </EmptyState>
      ) : (
        <>
          <FilterBar action="/builds" label="Filter builds" clear={filtered ? "/builds" : null}>
            <FilterField id="builds-q" label="Search" className="min-w-56 flex-1">
              <input id="builds-q" name="q" type="search" defaultValue={query.q ?? ""} maxLength={200} placeholder="Commit message or author" className={`${filterControlClasses} w-full`} />
            </FilterField>
            <FilterSelect id="builds-who" label="Whose" name="who" defaultValue={query.who ?? ""} options={[{ value: "", label: "Everyone's" }, { value: "mine", label: "Mine" }]} />
            <FilterSelect id="builds-status" label="Status" name="status" defaultValue={query.status ?? ""} options={[{ value: "", label: "Any status" }, ...BUILD_STATUSES.map((status) => ({ value: status, label: buildStatusLabel(status) }))]} />
            <FilterSelect id="builds-trigger" label="Started by" name="trigger" defaultValue={query.trigger ?? ""} options={[{ value: "", label: "Anything" }, ...BUILD_TRIGGERS.map((trigger) => ({ value: trigger, label: buildTriggerLabel(trigger) }))]} />
            <FilterSelect id="builds-profile" label="Profile" name="profile" defaultValue={query.profile ?? ""} controlClassName="max-w-64" options={[{ value: "", label: "Every profile" }, ...profiles.map((profile) => ({ value: profile.id, label: profile.name }))]} />
            <FilterField id="builds-branch" label="Branch">
              <input id="builds-branch" name="branch" type="search" defaultValue={query.branch ?? ""} maxLength={250} placeholder="main" className={`${filterControlClasses} w-48`} />
            </FilterField>
            <FilterField id="builds-commit" label="Commit">
              <input id="builds-commit" name="commit" type="search" defaultValue={query.commit ?? ""} maxLength={40} placeholder="3cf776d9" autoComplete="off" spellCheck={false} className={`${filterControlClasses} w-36 font-mono`} />
            </FilterField>
            <FilterSelect id="builds-kept" label="Kept" name="kept" defaultValue={query.kept ?? ""} options={[{ value: "", label: "Any build" }, { value: "true", label: "Kept forever" }, { value: "false", label: "Not kept forever" }]} />
            <FilterField id="builds-from" label="Queued from">
              <input id="builds-from" name="from" type="date" defaultValue={query.from ? filterDay(query.from) : ""} className={filterControlClasses} />
            </FilterField>
            <FilterField id="builds-to" label="Queued until">
              <input id="builds-to" name="to" type="date" defaultValue={query.to ? filterDay(query.to, true) : ""} className={filterControlClasses} />
            </FilterField>
          </FilterBar>
          <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
            <p className="text-sm text-slate-600" aria-live="polite">
              {matchCount(total, "build", "builds", filtered)}
            </p>
            {total > 0 ? (
              // Every matching build, not this page's: with a day range, build minutes per month for whoever pays for the machines.
              <a href={listHref("/api/builds/export", filterValues(query))} className="text-sm font-medium text-brand-700 underline" download>
                Download CSV{total > BUILD_EXPORT_MAX ? ` (the newest ${BUILD_EXPORT_MAX.toLocaleString("en")})` : ""}
              </a>
            ) : null}
          </div>
          {rows.length === 0 ? (
            <NoMatches title="No builds match" clear="/builds">
              No build matches {query.q ? "this search" : "these filters"}{query.page > 1 ? " on this page" : ""}.{query.q ? " The search reads the first line of each commit's message and its author's name." : ""}
            </NoMatches>
          ) : (
            <BuildTable rows={rows} caption="Builds" showProfile />
          )}
          <ListPages page={query.page} pages={pages} hrefOf={(page) => href(query, { page })} previousLabel="Newer builds" nextLabel="Older builds" />
        </>
      )}
    </>
  );
}
