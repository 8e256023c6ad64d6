import "server-only";
import type { AzureDevOpsClient } from "@/lib/azure-devops/client";
import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import type { GitCommitRef, GitRepository } from "@/lib/azure-devops/types";
import { fullBranchRef, shortBranchName } from "@/lib/shared/names";
import type { BranchPageDto, CommitDto, CommitPageDto } from "@/lib/shared/repository-dto";

/**
 * Branches and commits of one repository, live from Azure DevOps (they change with every
 * push, so they are not cached). Refs are paged with Azure DevOps' own continuation token,
 * which the browser hands back as an opaque cursor.
 */

/** One page of a repository's branches (`refs/heads/…`), optionally those containing `q`. */
export async function listBranchPage(
  client: AzureDevOpsClient,
  projectId: string,
  repositoryId: string,
  options: { q?: string; cursor?: string; limit: number },
): Promise<BranchPageDto> {
  const page = await client.listRefsPage(projectId, repositoryId, {
    filter: "heads/",
    ...(options.q ? { filterContains: options.q } : {}),
    top: options.limit,
    ...(options.cursor ? { continuationToken: options.cursor } : {}),
  });
  return {
    items: page.items.filter((ref) => ref.name.startsWith("refs/heads/")).map((ref) => ({ name: shortBranchName(ref.name), objectId: ref.objectId })),
    nextCursor: page.continuationToken ?? null,
  };
}

/** True when the repository has a branch of exactly this name (the refs filter is starts-with). */
export async function branchExists(client: AzureDevOpsClient, projectId: string, repositoryId: string, branch: string): Promise<boolean> {
  const wanted = fullBranchRef(branch);
  let token: string | undefined;
  // A handful of pages covers any real prefix collision (main, main-old, main/x …).
  for (let pageNumber = 0; pageNumber < 10; pageNumber += 1) {
    const page = await client.listRefsPage(projectId, repositoryId, { filter: wanted.slice("refs/".length), top: 1_000, ...(token ? { continuationToken: token } : {}) });
    if (page.items.some((ref) => ref.name === wanted)) {
      return true;
    }
    if (!page.continuationToken || page.continuationToken === token) {
      return false;
    }
    token = page.continuationToken;
  }
  return false;
}

/** The latest `limit` commits of a branch (first-parent history, newest first), and whether there are more. */
export async function listBranchCommits(client: AzureDevOpsClient, projectId: string, repositoryId: string, branch: string, limit: number): Promise<CommitPageDto> {
  // One more than shown tells "there are older commits" without a count query.
  const commits = await client.listCommits(projectId, repositoryId, { branch, top: limit + 1 });
  return { branch, items: commits.slice(0, limit).map(commitDto), hasMore: commits.length > limit, limit };
}

function commitDto(commit: GitCommitRef): CommitDto {
  const message = (commit.comment ?? "").split(/\r?\n/)[0] ?? "";
  return { id: commit.commitId, message: message.slice(0, 300), author: commit.author?.name ?? null, date: commit.author?.date ?? commit.committer?.date ?? null };
}

export type VerifiedRepository = { repository: GitRepository; defaultBranch: string | null };

export type VerifyResult = { ok: true; value: VerifiedRepository } | { ok: false; field: "repositoryId" | "defaultBranch"; message: string };

/**
 * Asks Azure DevOps whether the repository really belongs to this connection's organization
 * or collection (by GUID: a tampered or foreign id gets 404), is usable, and has the branch.
 * Returns the repository as Azure DevOps describes it — names and URLs come from there, never
 * from the form.
 */
export async function verifyRepository(client: AzureDevOpsClient, repositoryId: string, branch: string | undefined, where: string): Promise<VerifyResult> {
  let repository: GitRepository;
  try {
    repository = await client.getRepositoryById(repositoryId);
  } catch (error) {
    if (isAzureDevOpsError(error, "not_found")) {
      return { ok: false, field: "repositoryId", message: `That repository is not part of ${where}. Pick a repository from the list.` };
    }
    throw error;
  }
  if (repository.id.toLowerCase() !== repositoryId.toLowerCase()) {
    return { ok: false, field: "repositoryId", message: `That repository is not part of ${where}. Pick a repository from the list.` };
  }
  if (repository.isDisabled === true) {
    return { ok: false, field: "repositoryId", message: `"${repository.name}" is disabled in Azure DevOps, so Keel cannot read it. A project administrator can enable it under Project settings → Repositories.` };
  }
  const empty = repository.defaultBranch === undefined || repository.defaultBranch === "";
  if (empty) {
    if (branch !== undefined) {
      return { ok: false, field: "defaultBranch", message: `"${repository.name}" is empty, so it has no branches yet. Leave Default branch empty: branches appear after the first push.` };
    }
    return { ok: true, value: { repository, defaultBranch: null } };
  }
  const chosen = branch ?? shortBranchName(repository.defaultBranch ?? "");
  const projectId = repository.project?.id;
  if (!projectId) {
    return { ok: false, field: "repositoryId", message: "Azure DevOps did not say which project this repository belongs to. Refresh the list and pick it again." };
  }
  if (!(await branchExists(client, projectId, repository.id, chosen))) {
    return { ok: false, field: "defaultBranch", message: `"${repository.name}" has no branch named "${chosen}". Pick one from the list.` };
  }
  return { ok: true, value: { repository, defaultBranch: fullBranchRef(chosen) } };
}
