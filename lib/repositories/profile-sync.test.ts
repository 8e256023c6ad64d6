import { describe, expect, it } from "vitest";
import type { GitRepository } from "@/lib/azure-devops/types";
import type { ProfileRepositoryFacts } from "@/lib/shared/profile-repository";
import { repositoryChanges } from "./profile-sync";

const PROJECT = "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c";

const profile: ProfileRepositoryFacts = {
  projectId: PROJECT,
  projectName: "MOBILE_IOS",
  repositoryName: "Wallet App",
  defaultBranch: "refs/heads/release",
  remoteUrl: "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App",
  sshUrl: "git@ssh.dev.azure.com:v3/fabrikam/MOBILE_IOS/Wallet%20App",
  webUrl: "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App",
};

function repository(overrides: Partial<GitRepository> = {}): GitRepository {
  return {
    id: "5febef5a-833d-4e14-b9c0-14cb638f91e6",
    name: "Wallet App",
    url: "https://dev.azure.com/fabrikam/_apis/git/repositories/5febef5a-833d-4e14-b9c0-14cb638f91e6",
    project: { id: PROJECT.toUpperCase(), name: "MOBILE_IOS", state: "wellFormed" } as GitRepository["project"],
    defaultBranch: "refs/heads/main",
    remoteUrl: profile.remoteUrl!,
    sshUrl: profile.sshUrl!,
    webUrl: profile.webUrl!,
    ...overrides,
  };
}

describe("what a profile copies from Azure DevOps", () => {
  it("reports nothing when nothing changed (GUID case and the repository's own default branch aside)", () => {
    expect(repositoryChanges(profile, repository())).toEqual({});
  });

  it("follows a rename: the name and every URL, never the user's default branch", () => {
    const changes = repositoryChanges(
      profile,
      repository({
        name: "Wallet",
        remoteUrl: "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet",
        sshUrl: "git@ssh.dev.azure.com:v3/fabrikam/MOBILE_IOS/Wallet",
        webUrl: "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet",
        defaultBranch: "refs/heads/trunk",
      }),
    );
    expect(changes).toEqual({
      repositoryName: "Wallet",
      remoteUrl: "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet",
      sshUrl: "git@ssh.dev.azure.com:v3/fabrikam/MOBILE_IOS/Wallet",
      webUrl: "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet",
    });
  });

  it("follows a move to another project by id (lower-cased) and name", () => {
    const other = "A7C1B2D3-0000-4000-8000-000000000001";
    expect(repositoryChanges(profile, repository({ project: { id: other, name: "Mobile" } as GitRepository["project"] }))).toEqual({ projectId: other.toLowerCase(), projectName: "Mobile" });
  });

  it("fills in the default branch once an empty repository got its first push, and only then", () => {
    const empty = { ...profile, defaultBranch: null };
    expect(repositoryChanges(empty, repository())).toEqual({ defaultBranch: "refs/heads/main" });
    expect(repositoryChanges(empty, repository({ defaultBranch: undefined }))).toEqual({});
  });

  it("records URLs Azure DevOps stopped reporting as gone", () => {
    expect(repositoryChanges(profile, repository({ sshUrl: undefined }))).toEqual({ sshUrl: null });
  });
});
