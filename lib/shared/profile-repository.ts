// The repository facts a build profile keeps a copy of: shared by the data layer (which stores
// them) and lib/repositories (which compares them with what Azure DevOps reports now).

/** The Azure DevOps facts a build profile keeps a copy of (ids stay; names and URLs follow). */
export type ProfileRepositoryFacts = {
  projectId: string;
  projectName: string;
  repositoryName: string;
  defaultBranch: string | null;
  remoteUrl: string | null;
  sshUrl: string | null;
  webUrl: string | null;
};

export type ProfileRepositoryChanges = Partial<ProfileRepositoryFacts>;
