"use client";

import { useActionState, useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { CreateProfileForm } from "@/components/profiles/create-profile-form";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { SubmitButton } from "@/components/ui/submit-button";
import type { ProblemViewer } from "@/lib/shared/problems";
import { PICKER_PAGE_SIZE, PICKER_PROJECT_PAGE_SIZE, type ListingStatusDto, type PageDto, type ProjectItemDto, type RepositoryItemDto } from "@/lib/shared/repository-dto";
import { formatSize } from "@/lib/shared/names";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { fetchJson, query } from "./fetch-json";
import { ProblemAlert } from "./problem-alert";
import { usePagedList } from "./use-paged-list";
import { VirtualList } from "./virtual-list";
import { formatTime } from "@/lib/shared/dates";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

type Props = {
  connectionId: string;
  /** "organization" (Services) or "collection" (Server), for texts. */
  collectionKind: "organization" | "collection";
  collection: string;
  isAdmin: boolean;
  /** Who reads its problems: members are sent to a named admin, admins to the fix. */
  viewer?: ProblemViewer;
  refreshAction: Action;
  createAction: Action;
  /**
   * The first page of repositories and of projects, read by the page on the server: the rows
   * are in the HTML, and nothing moves when the script starts (no fetch, no skeleton).
   */
  initial?: { repositories: PageDto<RepositoryItemDto>; projects: PageDto<ProjectItemDto> } | null;
  /**
   * The search and project of the page's address (the picker writes them back as they change, so
   * a reload or the back button returns to the same list). `selectExact`: the wizard opened the
   * picker at the repository of a pasted address — pick it once the one repository of exactly
   * that name is among the results.
   */
  initialFilter?: { q: string; project: ProjectItemDto | null; selectExact: boolean };
};

const PAGE_SIZE = PICKER_PAGE_SIZE;
const REPOSITORY_ROW = 68;
const PROJECT_ROW = 44;
const POLL_MS = 1_000;

/** Asked for or running: the picker follows its progress. */
function inProgress(status: ListingStatusDto["status"]): boolean {
  return status === "QUEUED" || status === "RUNNING";
}

/**
 * The repository picker: projects on the left, the connection's repositories on the right,
 * a search answered by the server across the whole connection, keyset pages loaded as the
 * user scrolls, and only the visible rows in the DOM. Picking a repository opens the
 * create-profile form.
 */
export function RepositoryPicker({ connectionId, collectionKind, collection, isAdmin, viewer, refreshAction, createAction, initial, initialFilter }: Props) {
  const [listing, setListing] = useState<ListingStatusDto | null>(initial?.repositories.listing ?? null);
  const [reloadToken, setReloadToken] = useState(0);
  const [project, setProject] = useState<ProjectItemDto | null>(initialFilter?.project ?? null);
  const [search, setSearch] = useState(initialFilter?.q ?? "");
  const [term, setTerm] = useState(initialFilter?.q.trim() ?? "");
  const [selected, setSelected] = useState<RepositoryItemDto | null>(null);
  // The repository name still to pick by itself (the wizard's pasted address), until the user acts.
  const exact = useRef(initialFilter?.selectExact && initialFilter.q.trim() ? initialFilter.q.trim().toLowerCase() : null);
  const loadedCount = useRef(0);

  const base = `/api/connections/${connectionId}`;
  // The listing's status arrives with every answer (rows, projects, progress polls), in any
  // order. Whichever answer first says a run has finished, the rows loaded while it ran are
  // stale: reload both lists once, whoever noticed.
  const lastStatus = useRef<ListingStatusDto["status"] | null>(initial?.repositories.listing.status ?? null);
  const onListing = useCallback((next: ListingStatusDto) => {
    if (lastStatus.current !== null && inProgress(lastStatus.current) && !inProgress(next.status)) {
      setReloadToken((token) => token + 1);
    }
    lastStatus.current = next.status;
    setListing(next);
  }, []);
  const projectsUrl = `${base}/projects${query({ limit: PICKER_PROJECT_PAGE_SIZE })}`;
  const repositories = usePagedList<RepositoryItemDto>(
    `${base}/repositories${query({ q: term, project: project?.id, limit: PAGE_SIZE })}`,
    reloadToken,
    onListing,
    initial ? { url: `${base}/repositories${query({ q: initialFilter?.q.trim(), project: initialFilter?.project?.id, limit: PAGE_SIZE })}`, page: initial.repositories } : undefined,
  );
  const projects = usePagedList<ProjectItemDto>(projectsUrl, reloadToken, onListing, initial ? { url: projectsUrl, page: initial.projects } : undefined);

  useEffect(() => {
    loadedCount.current = repositories.items.length;
  }, [repositories.items.length]);

  // Search as you type, answered by the server a quarter second after the last key.
  useEffect(() => {
    const timer = setTimeout(() => setTerm(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);

  // The address keeps the search and the project (replaced, not pushed: Back leaves the picker).
  useEffect(() => {
    const url = new URL(window.location.href);
    for (const [key, value] of [["q", term], ["project", project?.id ?? ""]] as const) {
      if (value) {
        url.searchParams.set(key, value);
      } else {
        url.searchParams.delete(key);
      }
    }
    if (url.href !== window.location.href) {
      window.history.replaceState(null, "", url);
    }
  }, [term, project]);

  // The wizard's pasted repository: picked when its results hold exactly one of that name.
  useEffect(() => {
    if (exact.current === null || repositories.loading) {
      return;
    }
    const matches = repositories.items.filter((item) => item.name.toLowerCase() === exact.current);
    if (matches.length === 1 && matches[0]) {
      exact.current = null;
      setSelected(matches[0]);
    }
  }, [repositories.items, repositories.loading]);

  // While Keel lists (or waits for a worker to start), follow the progress; reload the rows
  // when it is done (and, during a first listing, as rows arrive, unless the user already
  // scrolled past the first page).
  const running = listing !== null && inProgress(listing.status);
  useEffect(() => {
    if (!running) {
      return;
    }
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
      fetchJson<{ listing: ListingStatusDto }>(`${base}/listing`).then(
        (result) => {
          if (!result.ok) {
            return;
          }
          onListing(result.data.listing);
          if (result.data.listing.status === "RUNNING" && result.data.listing.partial && ticks % 2 === 0 && loadedCount.current <= PAGE_SIZE) {
            setReloadToken((token) => token + 1);
          }
        },
        () => undefined,
      );
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [running, base, onListing]);

  const refresh = useCallback(
    async (previous: FormState, formData: FormData) => {
      const result = await refreshAction(previous, formData);
      if (result.status === "success") {
        setReloadToken((token) => token + 1);
      }
      return result;
    },
    [refreshAction],
  );
  const [refreshState, refreshFormAction] = useActionState(refresh, idleState as FormState);

  const refreshButton = (label: string) => (
    <form action={refreshFormAction}>
      <SubmitButton variant="secondary" pendingLabel="Starting…">
        {label}
      </SubmitButton>
    </form>
  );

  const selectProject = (next: ProjectItemDto | null) => {
    exact.current = null;
    setProject(next);
    setSelected(null);
  };

  const failedWithoutData = listing !== null && listing.status === "FAILED" && !listing.hasData;
  // A first listing that is queued or still writing its first rows: rows are on their way.
  const waitingForRows = listing !== null && (listing.partial || (listing.status === "QUEUED" && !listing.hasData));
  const firstLoad = listing === null && (repositories.loading || projects.loading) && repositories.error === null;

  return (
    <div className="space-y-6">
      {/* Screen readers hear the milestones, not every progress tick. */}
      <p className="sr-only" aria-live="polite">
        {listing === null ? "" : listing.status === "QUEUED" ? "Keel will list this connection's repositories shortly." : listing.status === "RUNNING" ? "Keel is listing this connection's repositories." : listing.status === "READY" ? `Listing complete: ${plural(listing.repositoriesListed, "repository", "repositories")}.` : "Listing the repositories failed."}
      </p>
      <ListingBar listing={listing} refreshButton={refreshButton} refreshState={refreshState} isAdmin={isAdmin} />

      {repositories.error && !failedWithoutData ? (
        repositories.error.problem ? (
          <ProblemAlert problem={repositories.error.problem} viewer={viewer}>{refreshButton("Try again")}</ProblemAlert>
        ) : (
          <Alert tone="error" title="The repository list could not be loaded">
            <p>{repositories.error.message}</p>
          </Alert>
        )
      ) : null}

      {failedWithoutData && listing.error ? (
        <ProblemAlert problem={listing.error} viewer={viewer}>
          <div className="flex flex-wrap items-center gap-3">
            {refreshButton("Try again")}
            {!isAdmin ? <span>If it keeps failing, ask an admin to check the connection.</span> : null}
          </div>
        </ProblemAlert>
      ) : null}

      {!failedWithoutData ? (
        <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[16rem_minmax(0,1fr)]">
          <section aria-labelledby="projects-heading" className="space-y-2">
            <h2 id="projects-heading" className="sr-only text-sm font-semibold text-slate-900 lg:not-sr-only">
              Projects
            </h2>
            {/* Below lg the rail collapses into a select, so the repositories stay in view on a phone. */}
            <div className="space-y-1.5 lg:hidden">
              <label htmlFor="project-select" className="block text-sm font-medium text-slate-800">
                Project
              </label>
              <select
                id="project-select"
                value={project?.id ?? ""}
                onChange={(event) => selectProject(projects.items.find((item) => item.id === event.target.value) ?? null)}
                className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-600 focus:outline-none focus:ring-1 focus:ring-brand-600"
              >
                <option value="">All projects{projects.total > 0 ? ` (${projects.total.toLocaleString("en")})` : ""}</option>
                {projects.items.map((item) => (
                  <option key={item.id} value={item.id}>
                    {`${item.name}${item.repositoryCount !== null ? ` (${item.repositoryCount.toLocaleString("en")})` : ""}`}
                  </option>
                ))}
              </select>
              {projects.hasMore ? (
                <button type="button" onClick={projects.loadMore} disabled={projects.loadingMore} className="text-sm font-medium text-brand-700 underline">
                  {projects.loadingMore ? "Loading more projects…" : `Load more projects (${projects.items.length.toLocaleString("en")} of ${projects.total.toLocaleString("en")} shown)`}
                </button>
              ) : null}
            </div>
            <div className="hidden space-y-2 lg:block">
            <button
              type="button"
              aria-pressed={project === null}
              onClick={() => selectProject(null)}
              className={cn("flex w-full items-center justify-between rounded-md px-3 py-2 text-left text-sm", project === null ? "bg-brand-50 font-semibold text-brand-800 ring-1 ring-brand-600" : "text-slate-800 hover:bg-slate-100")}
            >
              <span>All projects</span>
              {projects.total > 0 ? <span className="text-xs text-slate-600">{projects.total.toLocaleString("en")}</span> : null}
            </button>
            {projects.loading || firstLoad ? (
              <SkeletonRows count={6} height="h-8" label="Loading projects…" />
            ) : projects.items.length === 0 ? (
              <p className="px-3 text-sm text-slate-600">{listing !== null && inProgress(listing.status) ? "Finding projects…" : `No projects in this ${collectionKind}.`}</p>
            ) : (
              <VirtualList
                label="Projects"
                items={projects.items}
                total={projects.total}
                hasMore={projects.hasMore}
                loadingMore={projects.loadingMore}
                moreError={projects.moreError}
                onLoadMore={projects.loadMore}
                resetKey="projects"
                rowHeight={PROJECT_ROW}
                height="24rem"
                initialHeightPx={24 * 16}
                getKey={(item) => item.id}
                loadMoreLabel="Load more projects"
                renderRow={(item) => (
                  <button
                    type="button"
                    aria-pressed={project?.id === item.id}
                    onClick={() => selectProject(item)}
                    className={cn(
                      "flex h-full w-full items-center justify-between gap-2 px-3 text-left text-sm",
                      project?.id === item.id ? "bg-brand-50 font-semibold text-brand-800" : "text-slate-800 hover:bg-slate-50",
                    )}
                  >
                    <span className="truncate">{item.name}</span>
                    <span className="shrink-0 text-xs text-slate-600">{item.error ? "!" : item.repositoryCount === null ? "…" : item.repositoryCount.toLocaleString("en")}</span>
                  </button>
                )}
              />
            )}
            </div>
          </section>

          <section aria-labelledby="repositories-heading" className="space-y-3">
            <div className="flex flex-wrap items-end justify-between gap-3">
              <h2 id="repositories-heading" className="text-sm font-semibold text-slate-900">
                {project ? `Repositories in ${project.name}` : `Repositories in ${collection}`}
              </h2>
            </div>
            <div>
              <label htmlFor="repository-search" className="block text-sm font-medium text-slate-800">
                Search repositories and projects
              </label>
              <input
                id="repository-search"
                type="search"
                value={search}
                onChange={(event) => {
                  exact.current = null;
                  setSearch(event.target.value);
                }}
                onKeyDown={(event) => {
                  // Down from the search box goes to the first result (then arrow keys move in the list).
                  if (event.key === "ArrowDown") {
                    const first = document.querySelector<HTMLElement>('[data-testid="Repositories-viewport"] li[data-index="0"] button');
                    if (first) {
                      event.preventDefault();
                      first.focus();
                    }
                  }
                }}
                maxLength={200}
                autoComplete="off"
                placeholder={`Search every repository in ${collection}`}
                className="mt-1.5 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm placeholder:text-slate-400 focus:border-brand-600 focus:outline-none focus:ring-1 focus:ring-brand-600"
              />
            </div>
            <p aria-live="polite" className="text-sm text-slate-600" data-testid="repository-count">
              {repositories.loading || firstLoad ? "Loading repositories…" : countText(repositories.total, repositories.totalCapped, term, project)}
            </p>
            {repositories.loading || firstLoad || (repositories.items.length === 0 && waitingForRows) ? (
              <SkeletonRows count={6} height="h-12" label="Loading repositories…" />
            ) : repositories.error ? null : repositories.items.length === 0 ? (
              <RepositoryEmpty term={term} project={project} collectionKind={collectionKind} onClear={() => {
                  exact.current = null;
                  setSearch("");
                }}
              />
            ) : (
              <VirtualList
                label="Repositories"
                items={repositories.items}
                total={repositories.totalCapped ? -1 : repositories.total}
                hasMore={repositories.hasMore}
                loadingMore={repositories.loadingMore}
                moreError={repositories.moreError}
                onLoadMore={repositories.loadMore}
                resetKey={`${term}|${project?.id ?? ""}`}
                rowHeight={REPOSITORY_ROW}
                height="28rem"
                initialHeightPx={28 * 16}
                getKey={(item) => item.id}
                loadMoreLabel="Load more repositories"
                renderRow={(item) => (
                  <RepositoryRow
                    item={item}
                    selected={selected?.id === item.id}
                    onSelect={() => {
                      exact.current = null;
                      setSelected(item);
                    }}
                  />
                )}
              />
            )}
          </section>
        </div>
      ) : null}

      {selected ? <CreateProfileForm key={selected.id} connectionId={connectionId} repository={selected} action={createAction} onCancel={() => setSelected(null)} /> : null}
    </div>
  );
}

function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString("en")} ${count === 1 ? one : many}`;
}

function countText(total: number, capped: boolean, term: string, project: ProjectItemDto | null): string {
  const noun = total === 1 ? "repository" : "repositories";
  const where = project ? ` in ${project.name}` : "";
  if (term && capped) {
    return `More than ${total.toLocaleString("en")} repositories${where} match “${term}”: type more of the name to narrow it down`;
  }
  if (term) {
    return `${total.toLocaleString("en")} ${noun}${where} ${total === 1 ? "matches" : "match"} “${term}”`;
  }
  return `${total.toLocaleString("en")} ${noun}${where}`;
}

function RepositoryRow({ item, selected, onSelect }: { item: RepositoryItemDto; selected: boolean; onSelect: () => void }) {
  return (
    <button
      type="button"
      aria-pressed={selected}
      onClick={onSelect}
      className={cn("flex h-full w-full flex-col justify-center gap-1 border-b border-slate-100 px-3 text-left", selected ? "bg-brand-50 ring-1 ring-inset ring-brand-600" : "hover:bg-slate-50")}
    >
      <span className="flex min-w-0 items-center gap-2">
        <span className="truncate font-medium text-slate-900">{item.name}</span>
        {item.isEmpty ? <Badge tone="neutral">Empty</Badge> : null}
        {item.isDisabled ? <Badge tone="warning">Disabled</Badge> : null}
        {item.isFork ? <Badge tone="info">Fork</Badge> : null}
      </span>
      <span className="flex min-w-0 flex-wrap gap-x-3 text-xs text-slate-600">
        <span className="truncate">
          <span className="sr-only">Project: </span>
          {item.projectName}
        </span>
        <span>
          <span className="sr-only">Default branch: </span>
          {item.defaultBranch ?? "no branches yet"}
        </span>
        <span>
          <span className="sr-only">Size: </span>
          {formatSize(item.size)}
        </span>
      </span>
    </button>
  );
}

function RepositoryEmpty({ term, project, collectionKind, onClear }: { term: string; project: ProjectItemDto | null; collectionKind: string; onClear: () => void }) {
  if (term) {
    return (
      <EmptyState
        title={`No repositories match “${term}”`}
        action={
          <Button type="button" variant="secondary" onClick={onClear}>
            Clear the search
          </Button>
        }
      >
        Keel searched the names of every repository and project{project ? ` in ${project.name}` : ` in this ${collectionKind}`}. Check the spelling, or search for part of the name.
      </EmptyState>
    );
  }
  if (project) {
    return (
      <EmptyState title={project.error ? "Keel could not list this project's repositories" : "This project has no repositories"}>
        {project.error ?? "Create a repository in Azure DevOps, then refresh the list, or pick another project."}
      </EmptyState>
    );
  }
  return (
    <EmptyState title={`No repositories in this ${collectionKind}`}>
      The token can see no Git repositories here. Create one in Azure DevOps (or ask for access to a project), then refresh the list.
    </EmptyState>
  );
}

function SkeletonRows({ count, height, label }: { count: number; height: string; label: string }) {
  return (
    <div role="status" className="space-y-2">
      <span className="sr-only">{label}</span>
      {Array.from({ length: count }, (_, index) => (
        <Skeleton key={index} className={cn("w-full", height)} />
      ))}
    </div>
  );
}

function ListingBar({
  listing,
  refreshButton,
  refreshState,
  isAdmin,
}: {
  listing: ListingStatusDto | null;
  refreshButton: (label: string) => ReactNode;
  refreshState: FormState;
  isAdmin: boolean;
}) {
  if (listing === null) {
    return (
      <div role="status" className="flex items-center gap-3 text-sm text-slate-600">
        <Skeleton className="h-4 w-64" />
        <span className="sr-only">Loading the repository list…</span>
      </div>
    );
  }
  const listedAt = listing.finishedAt ? formatTime(new Date(listing.finishedAt)) : null;
  if (listing.status === "QUEUED") {
    return (
      <div className="space-y-2 rounded-lg border border-sky-200 bg-sky-50 p-4 text-sm text-sky-950" data-testid="listing-queued">
        <p className="font-medium">
          {listing.stale && listedAt ? `Refresh queued — showing the list from ${listedAt} until Keel has listed again. ` : ""}
          Waiting for a Keel worker to start listing the repositories…
        </p>
        {listing.waitingLong ? (
          <p>
            This is taking longer than usual: no worker has picked the listing up yet. If it stays here, ask whoever runs Keel to check that a
            worker is running (<code>/api/health</code> shows the live workers).
          </p>
        ) : null}
        <progress className="h-2 w-full" aria-label="Listing progress" />
      </div>
    );
  }
  if (listing.status === "RUNNING") {
    const total = listing.projectsTotal;
    return (
      <div className="space-y-2 rounded-lg border border-sky-200 bg-sky-50 p-4 text-sm text-sky-950">
        <p className="font-medium">
          {listing.stale && listedAt ? `Refreshing — showing the list from ${listedAt} until Keel has finished. ` : ""}
          {total === null
            ? `Finding projects… ${listing.projectsFound.toLocaleString("en")} so far`
            : `Listing repositories: ${listing.projectsListed.toLocaleString("en")} of ${total.toLocaleString("en")} projects (${listing.repositoriesListed.toLocaleString("en")} repositories so far)`}
        </p>
        <progress
          className="h-2 w-full"
          aria-label="Listing progress"
          {...(total === null ? {} : { max: Math.max(total, 1), value: listing.projectsListed })}
        />
      </div>
    );
  }
  return (
    <div className="space-y-3">
      {listing.status === "FAILED" && listing.hasData && listing.error ? (
        <ProblemAlert problem={listing.error} tone="warning">
          <p>{listedAt ? `Showing the list from ${listedAt}.` : null}</p>
        </ProblemAlert>
      ) : null}
      <div className="flex flex-wrap items-center justify-between gap-3 text-sm text-slate-600">
        <p data-testid="listing-summary">
          {listing.status === "READY"
            ? `${plural(listing.repositoriesListed, "repository", "repositories")} in ${plural(listing.projectsTotal ?? 0, "project", "projects")}${listedAt ? `, listed ${listedAt}` : ""}.`
            : "The last listing failed."}
          {listing.projectsFailed > 0 ? ` ${listing.projectsFailed} project${listing.projectsFailed === 1 ? "" : "s"} could not be listed (marked “!”).` : ""}
        </p>
        <div className="flex items-center gap-3">
          {refreshState.status === "error" ? <span className="text-red-700">{refreshState.message}</span> : null}
          {listing.hasData ? refreshButton("Refresh") : null}
        </div>
      </div>
      {!isAdmin && listing.status === "FAILED" && listing.hasData ? <p className="text-sm text-slate-600">If it keeps failing, ask an admin to check the connection.</p> : null}
    </div>
  );
}
