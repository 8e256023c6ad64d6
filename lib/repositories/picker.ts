import "server-only";
import type { ConnectionView } from "@/lib/data/connections";
import {
  countListedProjects,
  countListedRepositories,
  listListedProjects,
  listListedRepositories,
  type ListedRepositoryRow,
  type ListingView,
} from "@/lib/data/repository-listing";
import type { Scope } from "@/lib/scope";
import { encodeCursor, type ProjectQuery, type RepositoryQuery } from "@/lib/validation/profiles";
import { ensureListing } from "./listing";
import { shortBranchName } from "@/lib/shared/names";
import type { ListingStatusDto, PageDto, ProjectItemDto, RepositoryItemDto } from "@/lib/shared/repository-dto";

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

/** The listing (started in the background when missing or expired) and one page of repositories. */
export async function repositoryPage(scope: Scope, connection: ConnectionView, query: RepositoryQuery): Promise<PageDto<RepositoryItemDto>> {
  const { listing } = await ensureListing(scope, connection);
  const generation = listing.visibleGeneration;
  if (generation === null) {
    return { listing: listingDto(listing), items: [], nextCursor: null, total: 0 };
  }
  const filter = { ...(query.q ? { q: query.q } : {}), ...(query.project ? { projectId: query.project } : {}) };
  const [page, total] = await Promise.all([
    listListedRepositories(scope, connection.id, generation, { ...filter, ...(query.cursor ? { after: query.cursor } : {}), limit: query.limit }),
    query.cursor ? null : countListedRepositories(scope, connection.id, generation, filter),
  ]);
  const last = page.rows.at(-1);
  return {
    listing: listingDto(listing),
    items: page.rows.map(repositoryItem),
    nextCursor: page.hasMore && last ? encodeCursor(last.nameKey, last.repositoryId) : null,
    total,
  };
}

/** The listing and one page of projects (with their repository counts). */
export async function projectPage(scope: Scope, connection: ConnectionView, query: ProjectQuery): Promise<PageDto<ProjectItemDto>> {
  const { listing } = await ensureListing(scope, connection);
  const generation = listing.visibleGeneration;
  if (generation === null) {
    return { listing: listingDto(listing), items: [], nextCursor: null, total: 0 };
  }
  const filter = query.q ? { q: query.q } : {};
  const [page, total] = await Promise.all([
    listListedProjects(scope, connection.id, generation, { ...filter, ...(query.cursor ? { after: query.cursor } : {}), limit: query.limit }),
    query.cursor ? null : countListedProjects(scope, connection.id, generation, filter),
  ]);
  const last = page.rows.at(-1);
  return {
    listing: listingDto(listing),
    items: page.rows.map((row) => ({ id: row.projectId, name: row.name, repositoryCount: row.repositoryCount, error: row.error })),
    nextCursor: page.hasMore && last ? encodeCursor(last.nameKey, last.projectId) : null,
    total,
  };
}
