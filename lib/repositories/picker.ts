import "server-only";
import {
  countListedProjects,
  countListedRepositories,
  getListedProject,
  listListedProjects,
  listListedRepositories,
  type ListedRepositoryRow,
  type ListingView,
} from "@/lib/data/repository-listing";
import type { Scope } from "@/lib/scope";
import { encodeCursor, type ProjectQuery, type RepositoryQuery } from "@/lib/validation/profiles";
import { ensureListing, type ListingConnection } from "./listing";
import { nameKey, shortBranchName } from "@/lib/shared/names";
import type { ListingStatusDto, PageDto, ProjectItemDto, RepositoryItemDto } from "@/lib/shared/repository-dto";

/** A connection, with its listing when it was read along (getPickerConnection, getConnectionWithListing). */
type ListedConnection = ListingConnection & { listing?: ListingView | null };

/** The listing, asked for when missing or expired; no read of its own when it came with the connection. */
async function listingFor(scope: Scope, connection: ListedConnection): Promise<ListingView> {
  return (await ensureListing(scope, connection, connection.listing === undefined ? {} : { current: connection.listing })).listing;
}

/** A listing queued for longer than this gets a hint that no worker may be running. */
const QUEUED_LONG_MS = 20_000;

/** The listing's state as the browser sees it. */
export function listingDto(listing: ListingView): ListingStatusDto {
  const partial = listing.readyGeneration === null && listing.status === "RUNNING";
  return {
    status: listing.status,
    hasData: listing.visibleGeneration !== null,
    stale: listing.readyGeneration !== null && (listing.status !== "READY" || (listing.expiresAt !== null && listing.expiresAt.getTime() <= Date.now())),
    partial,
    startedAt: listing.startedAt.toISOString(),
    queuedAt: listing.status === "QUEUED" && listing.queuedAt ? listing.queuedAt.toISOString() : null,
    waitingLong: listing.status === "QUEUED" && listing.queuedAt !== null && Date.now() - listing.queuedAt.getTime() > QUEUED_LONG_MS,
    finishedAt: listing.finishedAt?.toISOString() ?? null,
    expiresAt: listing.expiresAt?.toISOString() ?? null,
    projectsFound: listing.projectsFound,
    projectsTotal: listing.projectsTotal,
    projectsListed: listing.projectsListed,
    projectsFailed: listing.projectsFailed,
    repositoriesListed: listing.repositoriesListed,
    error: listing.error,
  };
}

/** A listed repository as one picker row. */
export function repositoryItem(row: ListedRepositoryRow): RepositoryItemDto {
  return {
    id: row.repositoryId,
    name: row.name,
    projectId: row.projectId,
    projectName: row.projectName,
    defaultBranch: row.defaultBranch === null ? null : shortBranchName(row.defaultBranch),
    size: row.size,
    isEmpty: row.isEmpty,
    isDisabled: row.isDisabled,
    isFork: row.isFork,
  };
}

/**
 * The listing (started in the background when missing or expired) and one page of
 * repositories. The first page's total comes from what the listing kept (the whole
 * connection, or the project's repository count); only a search counts, in the same query
 * as its rows and only up to SEARCH_COUNT_CAP.
 */
export async function repositoryPage(scope: Scope, connection: ListedConnection, query: RepositoryQuery, known?: ListingView): Promise<PageDto<RepositoryItemDto>> {
  const listing = known ?? (await listingFor(scope, connection));
  const generation = listing.visibleGeneration;
  if (generation === null) {
    return { listing: listingDto(listing), items: [], nextCursor: null, total: 0, totalCapped: false };
  }
  const filter = { ...(query.q ? { q: query.q } : {}), ...(query.project ? { projectId: query.project } : {}) };
  const first = !query.cursor;
  const [page, total] = await Promise.all([
    listListedRepositories(scope, connection.id, generation, {
      ...filter,
      ...(query.cursor ? { after: query.cursor } : {}),
      limit: query.limit,
      ...(first && query.q ? { count: "capped" as const } : {}),
      // A generation still being written has no lasting statistics yet (searchOf).
      settled: generation === listing.readyGeneration,
    }),
    first && !query.q ? keptTotal(scope, connection.id, listing, generation, query.project) : null,
  ]);
  const last = page.rows.at(-1);
  return {
    listing: listingDto(listing),
    items: page.rows.map(repositoryItem),
    nextCursor: page.hasMore && last ? encodeCursor(last.nameKey, last.repositoryId) : null,
    total: page.matches?.count ?? total,
    totalCapped: page.matches?.capped ?? false,
  };
}

/** An unfiltered first page's total: the listing's, or the project's repository count. */
async function keptTotal(scope: Scope, connectionId: string, listing: ListingView, generation: number, projectId: string | undefined): Promise<number> {
  if (projectId !== undefined) {
    const project = await getListedProject(scope, connectionId, generation, projectId);
    return project?.repositoryCount ?? (project ? await countListedRepositories(scope, connectionId, generation, { projectId }) : 0);
  }
  // A listing finished before totals were kept has none: count once, as before.
  return listing.visibleRepositories ?? countListedRepositories(scope, connectionId, generation, {});
}

/** The listing and one page of projects (with their repository counts). */
export async function projectPage(scope: Scope, connection: ListedConnection, query: ProjectQuery, known?: ListingView): Promise<PageDto<ProjectItemDto>> {
  const listing = known ?? (await listingFor(scope, connection));
  const generation = listing.visibleGeneration;
  if (generation === null) {
    return { listing: listingDto(listing), items: [], nextCursor: null, total: 0, totalCapped: false };
  }
  const first = !query.cursor;
  const page = await listListedProjects(scope, connection.id, generation, {
    ...(query.q ? { q: query.q } : {}),
    ...(query.cursor ? { after: query.cursor } : {}),
    limit: query.limit,
    ...(first && query.q ? { count: "capped" as const } : {}),
  });
  const total = !first ? null : query.q ? (page.matches?.count ?? 0) : (listing.visibleProjects ?? (await countListedProjects(scope, connection.id, generation)));
  const last = page.rows.at(-1);
  return {
    listing: listingDto(listing),
    items: page.rows.map((row) => ({ id: row.projectId, name: row.name, repositoryCount: row.repositoryCount, error: row.error })),
    nextCursor: page.hasMore && last ? encodeCursor(last.nameKey, last.projectId) : null,
    total,
    totalCapped: page.matches?.capped ?? false,
  };
}

/**
 * What the picker page renders on the server: the first page of repositories (searched and
 * within a project when its address says so) and of projects, as the browser would fetch them,
 * on one look at the listing (asked for when missing or expired, like the JSON endpoints do).
 * A project the listing does not have is no filter (`project` comes back null).
 */
export async function pickerFirstPages(
  scope: Scope,
  connection: ListedConnection,
  sizes: { repositories: number; projects: number },
  filter: { q?: string; project?: string } = {},
): Promise<{ repositories: PageDto<RepositoryItemDto>; projects: PageDto<ProjectItemDto>; project: ProjectItemDto | null }> {
  const listing = await listingFor(scope, connection);
  const generation = listing.visibleGeneration;
  const row = filter.project !== undefined && generation !== null ? await getListedProject(scope, connection.id, generation, filter.project) : null;
  const q = filter.q ? nameKey(filter.q) : "";
  const [repositories, projects] = await Promise.all([
    repositoryPage(scope, connection, { limit: sizes.repositories, ...(q ? { q } : {}), ...(row ? { project: row.projectId } : {}) }, listing),
    projectPage(scope, connection, { limit: sizes.projects }, listing),
  ]);
  return { repositories, projects, project: row ? { id: row.projectId, name: row.name, repositoryCount: row.repositoryCount, error: row.error } : null };
}
