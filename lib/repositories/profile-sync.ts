import type { GitRepository } from "@/lib/azure-devops/types";
import type { ProfileRepositoryChanges, ProfileRepositoryFacts } from "@/lib/shared/profile-repository";

/**
 * What changed in Azure DevOps since the profile copied it: a renamed repository or project,
 * a repository moved to another project (same GUID), new clone URLs. The profile's default
 * branch is the user's choice and is never overwritten — except when the repository was empty
 * at creation (no default yet) and has one now: the first push fills it in, as the create
 * form promised ("branches appear after the first push").
 */
export function repositoryChanges(profile: ProfileRepositoryFacts, repository: GitRepository): ProfileRepositoryChanges {
  const changes: ProfileRepositoryChanges = {};
  const now: Omit<ProfileRepositoryFacts, "defaultBranch"> = {
    projectId: repository.project?.id ?? profile.projectId,
    projectName: repository.project?.name ?? profile.projectName,
    repositoryName: repository.name,
    remoteUrl: repository.remoteUrl ?? null,
    sshUrl: repository.sshUrl ?? null,
    webUrl: repository.webUrl ?? null,
  };
  for (const key of Object.keys(now) as (keyof typeof now)[]) {
    const value = now[key];
    // Ids compare case-insensitively (Azure DevOps answers GUIDs in either case).
    const same = key === "projectId" ? String(value).toLowerCase() === profile.projectId.toLowerCase() : value === profile[key];
    if (!same) {
      Object.assign(changes, { [key]: key === "projectId" ? String(value).toLowerCase() : value });
    }
  }
  if (profile.defaultBranch === null && repository.defaultBranch) {
    changes.defaultBranch = repository.defaultBranch;
  }
  return changes;
}
