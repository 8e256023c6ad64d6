// The JSON the picker's and the branch list's route handlers send to the browser: a neutral
// module (types and the page sizes) so client components and lib/repositories share one contract.
import type { PickerProblem } from "./problems";

/** Rows of a repository page and of a project page, as the picker asks for them (and its page renders the first ones). */
export const PICKER_PAGE_SIZE = 50;
export const PICKER_PROJECT_PAGE_SIZE = 200;

/**
 * What the picker's JSON endpoints answer. Rows are small on purpose (no URLs, no
 * descriptions): the browser receives one page at a time, never the organization.
 */

export type ListingStatusDto = {
  /** QUEUED: asked for, waiting for a worker of the job engine to start it. */
  status: "QUEUED" | "RUNNING" | "READY" | "FAILED";
  /** True when rows can be shown (a complete listing, or a first one in progress). */
  hasData: boolean;
  /** True when the rows come from an earlier complete listing while a new run goes (or failed). */
  stale: boolean;
  /** Rows are partial: the first listing of this connection is still running. */
  partial: boolean;
  startedAt: string;
  /** When the current QUEUED request was made. */
  queuedAt: string | null;
  /** QUEUED for longer than a worker normally takes to start it (none may be running). */
  waitingLong: boolean;
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

/**
 * `total` comes with the first page only (null on later pages: the browser keeps the first).
 * `totalCapped`: a search matched more rows than Keel counts; `total` is then a lower bound.
 */
export type PageDto<T> = { listing: ListingStatusDto; items: T[]; nextCursor: string | null; total: number | null; totalCapped: boolean };

/**
 * What the branch and commit endpoints answer: live from Azure DevOps, one page at a time.
 */

export type BranchDto = { name: string; objectId: string };
export type BranchPageDto = { items: BranchDto[]; nextCursor: string | null };
export type CommitDto = { id: string; message: string; author: string | null; date: string | null };
export type CommitPageDto = { branch: string; items: CommitDto[]; hasMore: boolean; limit: number };
/** `fork`: the fork its source branch is in (a pull request from a fork), else null. */
export type PullRequestDto = { id: number; title: string; sourceBranch: string; targetBranch: string; isDraft: boolean; fork: string | null };
export type PullRequestListDto = { items: PullRequestDto[] };
export type TagListDto = { items: { name: string }[] };
