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
import { shortBranchName } from "./names";
import type { PickerProblem } from "./problems";

/**
 * What the picker's JSON endpoints answer. Rows are small on purpose (no URLs, no
 * descriptions): the browser receives one page at a time, never the organization.
 */

export type ListingStatusDto = {
  status: "RUNNING" | "READY" | "FAILED";
  /** True when rows can be shown (a complete listing, or a first one in progress). */
  hasData: boolean;
  /** True when the rows come from an earlier complete listing while a new run goes (or failed). */
  stale: boolean;
  /** Rows are partial: the first listing of this connection is still running. */
  partial: boolean;
  startedAt: string;
  finishedAt: string | null;
  expiresAt: string | null;
  projectsFound: number;
  projectsTotal: number | null;
  projectsListed: number;
  projectsFailed: number;
  repositoriesListed: number;
  error: PickerProblem | null;
};

export type RepositoryItemDto = {
  id: string;
  name: string;
  projectId: string;
  projectName: string;
  /** Short name (`main`), null for an empty repository. */
  defaultBranch: string | null;
  size: number | null;
  isEmpty: boolean;
  isDisabled: boolean;
  isFork: boolean;
};

export type ProjectItemDto = { id: string; name: string; repositoryCount: number | null; error: string | null };

/** `total` is counted for the first page only (null on later pages: the browser keeps the first count). */
export type PageDto<T> = { listing: ListingStatusDto; items: T[]; nextCursor: string | null; total: number | null };

/** The listing's state as the browser sees it. */
export function listingDto(listing: ListingView): ListingStatusDto {
  const partial = listing.readyGeneration === null && listing.status === "RUNNING";
  return {
    status: listing.status,
    hasData: listing.visibleGeneration !== null,
    stale: listing.readyGeneration !== null && (listing.status !== "READY" || (listing.expiresAt !== null && listing.expiresAt.getTime() <= Date.now())),
    partial,
    startedAt: listing.startedAt.toISOString(),
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
