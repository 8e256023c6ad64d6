import type { Metadata } from "next";
import Link from "next/link";
import { ListPages } from "@/components/ui/list-pages";
import { BuildStatusBadge } from "@/components/builds/build-status-badge";
import { ConnectionStatusBadge } from "@/components/connections/status-badge";
import { DeleteProfileList } from "@/components/profiles/delete-profile-list";
import { DeleteProfileRowButton } from "@/components/profiles/delete-profile-row-button";
import { SoftLinks } from "@/components/ui/soft-links";
import { Badge } from "@/components/ui/badge";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireScope } from "@/lib/auth/guards";
import { can } from "@/lib/policy";
import { healthOfConnection } from "@/lib/connections/service";
import { getRecentAuditData } from "@/lib/data/audit";
import { listConnectionIds } from "@/lib/data/connections";
import { latestBuilds, type LatestBuild } from "@/lib/data/builds";
import { listProfiles, redAmong, watchedAmong } from "@/lib/data/profiles";
import { soonestSigningEnds } from "@/lib/data/secret-files";
import { signingExpiryWords, signingState } from "@/lib/shared/signing-files";
import { matchCount, shortBranchName } from "@/lib/shared/names";
import { listHref, parseListQuery, searchParamsObject } from "@/lib/validation/list-query";
import { platformLabel } from "@/lib/shared/platforms";
import { PLATFORMS, profileListQuerySchema, type ProfileListQuery } from "@/lib/validation/profiles";
import { When } from "@/components/ui/when";
import { FilterBar, FilterField, FilterSelect, filterControlClasses, IgnoredFilters, NoMatches, OrderSelect } from "@/components/ui/filters";
import { redirect } from "next/navigation";

export const metadata: Metadata = { title: "Build profiles" };

const PAGE_SIZE = 50;

const SORTS = [
  { value: "name", label: "Name" },
  { value: "created", label: "Created" },
  { value: "repository", label: "Repository" },
  { value: "platform", label: "Platform" },
] as const;

function href(query: ProfileListQuery, change: Partial<ProfileListQuery>): string {
  const next = { ...query, ...change };
  return listHref("/profiles", { q: next.q, platform: next.platform, connection: next.connection, show: next.show, sort: next.sort, order: next.order, page: next.page }, { sort: "name", order: "asc" });
}

export default async function ProfilesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { scope, user } = await requireScope("profile.read");
  const raw = searchParamsObject(await searchParams);
  // A hand-edited URL never breaks the page: a bad parameter falls back to its default and says so; the others are kept.
  // Only the schema's own messages: nothing from the address is repeated on the page.
  const { query, problems } = parseListQuery(profileListQuerySchema, raw);
  // Two connection ids say all the page needs: none, exactly one (link to its picker), or more.
  const [{ rows, total }, connections, deletedEvent] = await Promise.all([
    listProfiles(scope, { ...query, pageSize: PAGE_SIZE, ...(query.show === "watched" ? { watchedBy: user.id } : {}), ...(query.show === "red" ? { red: true } : {}), ...(query.show === "paused" ? { paused: true } : {}) }),
    listConnectionIds(scope, 2),
    query.deleted ? getRecentAuditData(scope, "profile.deleted", query.deleted, 10 * 60 * 1000) : null,
  ]);
  // The newest build of each profile on this page, and signing files that end soon (a statement each, after the page's rows).
  const ids = rows.map((row) => row.id);
  const [latest, signingEnds, watched, red] = await Promise.all([latestBuilds(scope, ids), soonestSigningEnds(scope, ids), watchedAmong(scope, ids), redAmong(scope, ids)]);
  const now = new Date();
  const deletedName = deletedEvent && typeof deletedEvent === "object" && !Array.isArray(deletedEvent) && typeof deletedEvent.name === "string" ? deletedEvent.name : null;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (rows.length === 0 && total > 0 && query.page > pages) {
    // A page past the end (a bookmark, rows deleted since): the last page, not "nothing matches".
    redirect(href(query, { page: pages }));
  }
  const filtered = Boolean(query.q || query.platform || query.connection || query.show);
  // The connection filter comes from a connection's page; its name, from the rows it finds.
  const connectionName = query.connection ? (rows.find((row) => row.connection)?.connection?.name ?? "this connection") : null;
  const isAdmin = can(scope, "connection.create");
  const create =
    connections.length > 0 ? (
      <Link href={connections.length === 1 && connections[0] ? `/connections/${connections[0]}/repositories` : "/profiles/new"} className={buttonClasses("primary")}>
        New build profile
      </Link>
    ) : null;

  return (
    <>
      <PageHeader title="Build profiles" description="Each build profile binds one repository to a target platform." actions={create} />
      {deletedName ? (
        <Alert tone="success" className="mb-6">
          Deleted the build profile “{deletedName}”.
        </Alert>
      ) : null}
      <IgnoredFilters problems={problems} />
      {total === 0 && !filtered ? (
        <EmptyState
          title="No build profiles yet"
          action={
            create ??
            (isAdmin ? (
              <Link href="/connect" className={buttonClasses("primary")}>
                Connect Azure DevOps
              </Link>
            ) : null)
          }
        >
          {connections.length > 0
            ? "A build profile binds a repository to a target platform. Pick a repository from one of your organization's connections to create the first one."
            : isAdmin
              ? "A build profile needs a repository from a connection. Connect Azure DevOps first, then pick a repository."
              : "A build profile needs a repository from a connection. Ask an admin to connect Azure DevOps; then you can pick a repository."}
        </EmptyState>
      ) : (
        <>
          <FilterBar action="/profiles" label="Filter build profiles" clear={filtered ? "/profiles" : null}>
            {query.connection ? (
              <p className="w-full text-sm text-slate-700">
                <input type="hidden" name="connection" value={query.connection} />
                Only the build profiles of the connection “{connectionName}”.{" "}
                <Link href={href(query, { connection: undefined, page: 1 })} className="font-medium text-brand-700 underline">
                  Show every connection&apos;s
                </Link>
              </p>
            ) : null}
            <FilterField id="profiles-q" label="Search" className="min-w-56 flex-1">
              <input id="profiles-q" name="q" type="search" defaultValue={query.q ?? ""} maxLength={200} placeholder="Name, repository, project or connection" className={`${filterControlClasses} w-full`} />
            </FilterField>
            <FilterSelect id="profiles-platform" label="Platform" name="platform" defaultValue={query.platform ?? ""} options={[{ value: "", label: "All platforms" }, ...PLATFORMS]} />
            <FilterSelect id="profiles-show" label="Show" name="show" defaultValue={query.show ?? ""} options={[
                { value: "", label: "Every profile" },
                { value: "watched", label: "Profiles I watch" },
                { value: "red", label: "Red on the default branch" },
                { value: "paused", label: "Builds paused" },
              ]} />
            <FilterSelect id="profiles-sort" label="Sort by" name="sort" defaultValue={query.sort} options={SORTS} />
            <OrderSelect id="profiles-order" defaultValue={query.order} />
          </FilterBar>
          <p className="mb-2 text-sm text-slate-600" aria-live="polite">
            {matchCount(total, "build profile", "build profiles", filtered)}
          </p>
          {rows.length === 0 ? (
            <NoMatches title="No build profiles match" clear="/profiles">
              {query.show === "watched" && !query.q && !query.platform && !query.connection ? (
                <>You watch no build profile yet. Open one and choose Watch to hear when a build of its default branch or a tag fails or is fixed.</>
              ) : query.show === "red" && !query.q && !query.platform && !query.connection ? (
                <>No default branch is red: the newest build of each profile&apos;s default branch succeeded (or it has none yet).</>
              ) : query.show === "paused" && !query.q && !query.platform && !query.connection ? (
                <>No profile&apos;s builds are paused: every profile&apos;s builds start as they are queued.</>
              ) : (
                <>
                  Nothing matches {query.q ? "this search" : "this filter"}
                  {query.platform ? ` for ${platformLabel(query.platform)}` : ""}
                  {query.show === "watched" ? " among the profiles you watch" : query.show === "red" ? " among the profiles red on their default branch" : query.show === "paused" ? " among the profiles whose builds are paused" : ""}.
                </>
              )}
            </NoMatches>
          ) : (
            <DeleteProfileList>
              <SoftLinks>
                <DataTable
                  caption="Build profiles"
                  columns={[
                    { key: "name", label: "Name" },
                    { key: "platform", label: "Platform" },
                    { key: "repository", label: "Repository" },
                    { key: "connection", label: "Connection" },
                    { key: "last-build", label: "Last build" },
                    { key: "created", label: "Created" },
                    { key: "actions", label: <span className="sr-only">Actions</span> },
                  ]}
                >
                  {rows.map((profile) => (
                    <tr key={profile.id} className="border-t border-slate-100">
                      <td className="px-4 py-3">
                        {/* A plain link, made a client-side navigation by SoftLinks: no prefetch (up to
                            50 dynamic pages most visits never open) and no client component per row. */}
                        <a href={`/profiles/${profile.id}`} className="font-medium text-brand-700 underline">
                          {profile.name}
                        </a>
                        {red.has(profile.id) && profile.defaultBranch ? (
                          <Badge tone="error" className="ml-2">
                            {shortBranchName(profile.defaultBranch)} is red
                          </Badge>
                        ) : null}
                        {profile.pausedAt ? (
                          <Badge tone="warning" className="ml-2">
                            Builds paused
                          </Badge>
                        ) : null}
                        {watched.has(profile.id) ? (
                          <Badge tone="info" className="ml-2">
                            {watched.get(profile.id)!.everyBuild ? "Watching every build" : "Watching"}
                          </Badge>
                        ) : null}
                      </td>
                      <td className="px-4 py-3" data-label="Platform">{platformLabel(profile.platform)}</td>
                      <td className="px-4 py-3" data-label="Repository">
                        <span className="text-slate-900 md:block">{profile.repositoryName}</span>
                        <span className="block text-xs text-slate-600">
                          {profile.projectName}
                          {profile.defaultBranch ? ` · ${shortBranchName(profile.defaultBranch)}` : " · empty"}
                        </span>
                      </td>
                      <td className="px-4 py-3" data-label="Connection">
                        {profile.connection ? (
                          <span className="inline-flex flex-wrap items-center gap-2">
                            {profile.connection.name}
                            <ConnectionStatusBadge status={healthOfConnection(profile.connection).status} />
                          </span>
                        ) : (
                          <span className="inline-flex flex-wrap items-center gap-2">
                            <Badge tone="error">Disconnected</Badge>
                            <span className="text-xs text-slate-600">re-bind on its page</span>
                          </span>
                        )}
                      </td>
                      <td className="px-4 py-3" data-label="Last build">
                        <LastBuild build={latest.get(profile.id)} profileName={profile.name} />
                        {signingEnds.has(profile.id) ? <SigningEnd expiresAt={signingEnds.get(profile.id)!} now={now} /> : null}
                      </td>
                      <td className="px-4 py-3 text-slate-600" data-label="Created">
                        <When date={profile.createdAt} relative />
                        {profile.createdBy ? <span className="text-xs md:block"> {profile.createdBy.name}</span> : null}
                      </td>
                      <td className="px-4 py-3 text-right">
                        {can(scope, "profile.delete", profile) ? <DeleteProfileRowButton id={profile.id} name={profile.name} /> : null}
                      </td>
                    </tr>
                  ))}
                </DataTable>
              </SoftLinks>
            </DeleteProfileList>
          )}
          <ListPages page={query.page} pages={pages} hrefOf={(page) => href(query, { page })} />
        </>
      )}
    </>
  );
}

/** A profile's newest build: its status, a link to it, its branch and when it finished (or was queued). */
/** A profile whose signing file has ended or ends soon: a badge under its last build. */
function SigningEnd({ expiresAt, now }: { expiresAt: Date; now: Date }) {
  const ended = signingState(expiresAt, now) === "expired";
  return (
    <span className="mt-1 block">
      <Badge tone={ended ? "error" : "warning"}>{ended ? "Signing file expired" : `Signing file ${signingExpiryWords(expiresAt, now).replace(/ \(.*\)$/, "")}`}</Badge>
    </span>
  );
}

function LastBuild({ build, profileName }: { build: LatestBuild | undefined; profileName: string }) {
  if (!build) {
    return <span className="text-sm text-slate-600">No builds yet</span>;
  }
  return (
    <>
      <span className="inline-flex flex-wrap items-center gap-2">
        <BuildStatusBadge status={build.status} />
        <a href={`/builds/${build.id}`} className="font-medium text-brand-700 underline">
          <span className="sr-only">{profileName} build </span>#{build.number}
        </a>
      </span>
      <span className="block text-xs text-slate-600">
        {build.branch ? `${shortBranchName(build.branch)} · ` : ""}
        <When date={build.finishedAt ?? build.queuedAt} relative />
      </span>
    </>
  );
}
