"use client";

import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { fetchJson, query, type ApiError } from "@/components/picker/fetch-json";
import { ProblemAlert } from "@/components/picker/problem-alert";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { Spinner } from "@/components/ui/spinner";
import { formatList } from "@/lib/shared/names";
import { isCredentialProblem, type ProblemViewer } from "@/lib/shared/problems";
import type { BranchDto, BranchPageDto, CommitPageDto } from "@/lib/shared/repository-dto";

const BRANCH_PAGE = 100;
const COMMIT_LIMIT = 100;

/** The first page also says which copied facts Keel just updated from Azure DevOps (a rename, a move). */
type FirstBranchPage = BranchPageDto & { updated?: string[] };

const UPDATED_LABELS: Record<string, string> = {
  repositoryName: "repository name",
  projectName: "project name",
  projectId: "project",
  remoteUrl: "clone URLs",
  sshUrl: "clone URLs",
  webUrl: "web address",
  defaultBranch: "default branch",
};

type BranchState = { key: string; items: BranchDto[]; nextCursor: string | null; error: ApiError | null; loadingMore: boolean };
type CommitState = { status: "loading" } | { status: "ready"; page: CommitPageDto } | { status: "error"; error: ApiError };

/**
 * A profile's branches, live from Azure DevOps: searched by the server (Azure DevOps'
 * `filterContains`), paged with its continuation token, each with its latest commits (the
 * last 100) loaded when the branch is opened.
 */
export function BranchList({ profileId, defaultBranch, webUrl, viewer, healthy }: { profileId: string; defaultBranch: string | null; webUrl: string | null; viewer?: ProblemViewer | null; healthy?: boolean }) {
  const [search, setSearch] = useState("");
  const [term, setTerm] = useState("");
  const [token, setToken] = useState(0);
  const [branches, setBranches] = useState<BranchState>({ key: "", items: [], nextCursor: null, error: null, loadingMore: false });
  const [open, setOpen] = useState<Record<string, CommitState>>({});
  const [updated, setUpdated] = useState<string[]>([]);
  const router = useRouter();
  // Read inside the effect without re-running it: the refresh below changes it.
  const healthyRef = useRef(healthy);
  useEffect(() => {
    healthyRef.current = healthy;
  }, [healthy]);
  const url = `/api/profiles/${profileId}/branches${query({ q: term, limit: BRANCH_PAGE })}`;
  const key = `${url}#${token}`;

  useEffect(() => {
    const timer = setTimeout(() => setTerm(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);

  useEffect(() => {
    const controller = new AbortController();
    fetchJson<FirstBranchPage>(url, controller.signal).then(
      (result) => {
        setBranches(result.ok ? { key, items: result.data.items, nextCursor: result.data.nextCursor, error: null, loadingMore: false } : { key, items: [], nextCursor: null, error: result.error, loadingMore: false });
        if (!result.ok && healthyRef.current && result.error.problem && isCredentialProblem(result.error.problem.id)) {
          // The server has just recorded the refusal as the connection's status (lib/connections/health.ts):
          // re-render the page so its badge says the same as this list, never "Healthy" beside "revoked".
          router.refresh();
        }
        if (result.ok && result.data.updated && result.data.updated.length > 0) {
          // The server copied a rename or move onto the profile: re-render the page around us.
          setUpdated([...new Set(result.data.updated.map((field) => UPDATED_LABELS[field] ?? field))]);
          router.refresh();
        }
      },
      () => undefined,
    );
    return () => controller.abort();
  }, [url, key, router]);

  const loadCommits = useCallback(
    (branch: string) => {
      setOpen((previous) => ({ ...previous, [branch]: { status: "loading" } }));
      fetchJson<CommitPageDto>(`/api/profiles/${profileId}/commits${query({ branch, top: COMMIT_LIMIT })}`).then(
        (result) => setOpen((previous) => (branch in previous ? { ...previous, [branch]: result.ok ? { status: "ready", page: result.data } : { status: "error", error: result.error } } : previous)),
        () => undefined,
      );
    },
    [profileId],
  );

  const toggle = (branch: string) => {
    if (open[branch]) {
      setOpen((previous) => {
        const next = { ...previous };
        delete next[branch];
        return next;
      });
      return;
    }
    loadCommits(branch);
  };

  const loadMore = () => {
    const cursor = branches.nextCursor;
    if (!cursor || branches.loadingMore) {
      return;
    }
    setBranches((previous) => ({ ...previous, loadingMore: true }));
    fetchJson<BranchPageDto>(`${url}&cursor=${encodeURIComponent(cursor)}`).then(
      (result) =>
        setBranches((previous) =>
          previous.key !== key
            ? previous
            : result.ok
              ? { ...previous, items: [...previous.items, ...result.data.items], nextCursor: result.data.nextCursor, loadingMore: false }
              : { ...previous, loadingMore: false, error: result.error },
        ),
      () => undefined,
    );
  };

  const refresh = () => {
    setOpen({});
    setToken((value) => value + 1);
  };

  const loading = branches.key !== key;
  const defaultShort = defaultBranch?.replace(/^refs\/heads\//, "") ?? null;

  return (
    <section aria-labelledby="branches-heading" className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <div className="flex flex-wrap items-end justify-between gap-3 border-b border-slate-200 px-5 py-4">
        <div>
          <h2 id="branches-heading" className="text-base font-semibold text-slate-900">
            Branches
          </h2>
          <p className="mt-1 text-sm text-slate-600">Live from Azure DevOps. Open a branch to see its latest {COMMIT_LIMIT} commits.</p>
        </div>
        <div className="flex flex-wrap items-end gap-2">
          <div>
            <label htmlFor="branch-search" className="block text-sm font-medium text-slate-800">
              Search branches
            </label>
            <input
              id="branch-search"
              type="search"
              value={search}
              maxLength={200}
              onChange={(event) => setSearch(event.target.value)}
              className="mt-1 block w-56 rounded-md border border-slate-300 px-3 py-1.5 text-sm shadow-sm focus:border-brand-600 focus:outline-none focus:ring-1 focus:ring-brand-600"
            />
          </div>
          <Button type="button" variant="secondary" onClick={refresh} pending={loading && branches.key !== ""} pendingLabel="Refreshing…">
            Refresh
          </Button>
        </div>
      </div>
      <div className="px-5 py-4">
        {updated.length > 0 ? (
          <Alert tone="info" title="Updated from Azure DevOps" className="mb-4">
            <p>Azure DevOps changed this repository&apos;s {formatList(updated)} since the profile last looked. Keel updated the profile; its builds keep using the same repository.</p>
          </Alert>
        ) : null}
        <p aria-live="polite" className="sr-only">
          {loading ? "Loading branches…" : `${branches.items.length}${branches.nextCursor ? "+" : ""} ${branches.items.length === 1 && !branches.nextCursor ? "branch" : "branches"}${term ? ` containing “${term}”` : ""}`}
        </p>
        {loading ? (
          <div role="status" className="space-y-2">
            <span className="sr-only">Loading branches…</span>
            <Skeleton className="h-10 w-full" />
            <Skeleton className="h-10 w-full" />
            <Skeleton className="h-10 w-full" />
          </div>
        ) : branches.error ? (
          branches.error.problem ? (
            <ProblemAlert problem={branches.error.problem} viewer={viewer} />
          ) : (
            <Alert tone="error" title="The branches could not be loaded">
              <p>{branches.error.message}</p>
            </Alert>
          )
        ) : branches.items.length === 0 ? (
          <p className="text-sm text-slate-600">
            {term ? `No branch contains “${term}”.` : defaultShort === null ? "This repository is empty. Branches appear after the first push." : "This repository has no branches."}
          </p>
        ) : (
          <ul aria-label="Branches" className="divide-y divide-slate-100">
            {branches.items.map((branch) => {
              const commits = open[branch.name];
              const panelId = `commits-${branch.name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
              return (
                <li key={branch.name} className="py-2">
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <span className="flex min-w-0 items-center gap-2">
                      <span className="truncate font-mono text-sm text-slate-900">{branch.name}</span>
                      {branch.name === defaultShort ? <Badge tone="success">Default</Badge> : null}
                      <span className="font-mono text-xs text-slate-500" title={branch.objectId}>
                        <span className="sr-only">Latest commit </span>
                        {branch.objectId.slice(0, 8)}
                      </span>
                    </span>
                    <Button type="button" variant="ghost" aria-expanded={Boolean(commits)} aria-controls={panelId} onClick={() => toggle(branch.name)}>
                      {/* The branch name is beside the button: said to screen readers, not printed twice. */}
                      {commits ? "Hide commits" : "Show latest commits"}
                      <span className="sr-only"> of {branch.name}</span>
                    </Button>
                  </div>
                  {commits ? (
                    <div id={panelId} className="mt-2 rounded-md bg-slate-50 p-3">
                      {commits.status === "loading" ? (
                        <p role="status" className="flex items-center gap-2 text-sm text-slate-600">
                          <Spinner /> Loading the latest commits…
                        </p>
                      ) : commits.status === "error" ? (
                        commits.error.problem ? (
                          <ProblemAlert problem={commits.error.problem} viewer={viewer} />
                        ) : (
                          <Alert tone="error" title="The commits could not be loaded">
                            <p>{commits.error.message}</p>
                          </Alert>
                        )
                      ) : (
                        <CommitList page={commits.page} webUrl={webUrl} />
                      )}
                    </div>
                  ) : null}
                </li>
              );
            })}
          </ul>
        )}
        {!loading && branches.nextCursor ? (
          <div className="mt-3">
            <Button type="button" variant="secondary" onClick={loadMore} pending={branches.loadingMore} pendingLabel="Loading…">
              Load more branches
            </Button>
          </div>
        ) : null}
      </div>
    </section>
  );
}

function CommitList({ page, webUrl }: { page: CommitPageDto; webUrl: string | null }) {
  if (page.items.length === 0) {
    return <p className="text-sm text-slate-600">No commits on this branch.</p>;
  }
  return (
    <>
      <p className="mb-2 text-xs text-slate-600" data-testid="commit-summary">
        {page.hasMore ? `Showing the latest ${page.items.length} commits of ${page.branch}; older ones are in Azure DevOps.` : `All ${page.items.length} commits of ${page.branch}.`}
        {page.hasMore && webUrl ? (
          <>
            {" "}
            <a href={webUrl} className="font-medium text-brand-700 underline" target="_blank" rel="noreferrer">
              Open the repository in Azure DevOps
            </a>
          </>
        ) : null}
      </p>
      <ol aria-label={`Latest commits of ${page.branch}`} className="space-y-1">
        {page.items.map((commit) => (
          <li key={commit.id} className="flex flex-wrap items-baseline gap-x-3 text-sm">
            <span className="font-mono text-xs text-slate-500">{commit.id.slice(0, 8)}</span>
            <span className="min-w-0 flex-1 truncate text-slate-900">{commit.message || "(no message)"}</span>
            <span className="text-xs text-slate-600">
              {commit.author ?? "unknown"}
              {commit.date ? `, ${commit.date.slice(0, 10)}` : ""}
            </span>
          </li>
        ))}
      </ol>
    </>
  );
}
