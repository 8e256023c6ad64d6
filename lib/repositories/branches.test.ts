import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAzureDevOpsClient, type AzureDevOpsClient } from "@/lib/azure-devops/client";
import { DEFAULT_PATS, DEFAULT_REPOS, DEFAULT_SERVERS, TEST_POLICY, startEmulator, type EmulatorHandle } from "@/lib/azure-devops/test-kit";
import { branchExists, listBranchCommits, listBranchPage, verifyRepository } from "./branches";

// What the create action relies on, against the emulator: a repository id is accepted only
// when Azure DevOps says it belongs to the connection's organization, and the branch exists.

let emulator: EmulatorHandle;
let fabrikam: AzureDevOpsClient;

beforeAll(async () => {
  emulator = await startEmulator({ fixture: "default", basePort: 0 });
  fabrikam = createAzureDevOpsClient({ collectionUrl: `${emulator.servicesUrl}/fabrikam`, credential: { kind: "pat", token: DEFAULT_PATS.fabrikamFull }, policy: TEST_POLICY });
});

afterAll(async () => {
  await emulator.stop();
});

describe("verifyRepository", () => {
  it("accepts a repository of the organization and fills in the default branch from Azure DevOps", async () => {
    const result = await verifyRepository(fabrikam, DEFAULT_REPOS.walletApp.id, undefined, "fabrikam");
    expect(result).toMatchObject({ ok: true, value: { defaultBranch: "refs/heads/main", repository: { name: "Wallet App", project: { name: "MOBILE_IOS" } } } });
  });

  it("accepts another existing branch and refuses one that does not exist (the refs filter is only starts-with)", async () => {
    expect(await verifyRepository(fabrikam, DEFAULT_REPOS.walletApp.id, "feature/login", "fabrikam")).toMatchObject({ ok: true, value: { defaultBranch: "refs/heads/feature/login" } });
    expect(await verifyRepository(fabrikam, DEFAULT_REPOS.walletApp.id, "feature", "fabrikam")).toMatchObject({ ok: false, field: "defaultBranch" });
    expect(await branchExists(fabrikam, DEFAULT_REPOS.walletApp.project, DEFAULT_REPOS.walletApp.id, "mai")).toBe(false);
  });

  it("refuses a made-up id and an id from another deployment", async () => {
    expect(await verifyRepository(fabrikam, "0f0f0f0f-1111-4222-8333-444455556666", undefined, "fabrikam")).toMatchObject({ ok: false, field: "repositoryId" });
    expect(await verifyRepository(fabrikam, DEFAULT_SERVERS.server2022.repositoryId, undefined, "fabrikam")).toMatchObject({ ok: false, field: "repositoryId" });
  });

  it("refuses a repository of another organization the same user can read", async () => {
    const contoso = createAzureDevOpsClient({ collectionUrl: `${emulator.servicesUrl}/contoso`, credential: { kind: "pat", token: DEFAULT_PATS.contoso }, policy: TEST_POLICY });
    expect(await verifyRepository(contoso, DEFAULT_REPOS.walletApp.id, undefined, "contoso")).toMatchObject({ ok: false, field: "repositoryId" });
  });

  it("allows an empty repository without a branch, and says branches come with the first push", async () => {
    expect(await verifyRepository(fabrikam, DEFAULT_REPOS.empty.id, undefined, "fabrikam")).toMatchObject({ ok: true, value: { defaultBranch: null } });
    const withBranch = await verifyRepository(fabrikam, DEFAULT_REPOS.empty.id, "main", "fabrikam");
    expect(withBranch).toMatchObject({ ok: false, field: "defaultBranch" });
    expect(withBranch.ok ? "" : withBranch.message).toContain("branches appear after the first push");
  });

  it("refuses a disabled repository with what to do about it", async () => {
    const result = await verifyRepository(fabrikam, DEFAULT_REPOS.disabled.id, undefined, "fabrikam");
    expect(result).toMatchObject({ ok: false, field: "repositoryId" });
    expect(result.ok ? "" : result.message).toContain("disabled");
  });
});

describe("branches and commits", () => {
  it("pages branches with Azure DevOps' continuation token and searches with filterContains", async () => {
    const first = await listBranchPage(fabrikam, DEFAULT_REPOS.walletApp.project, DEFAULT_REPOS.walletApp.id, { limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const rest = await listBranchPage(fabrikam, DEFAULT_REPOS.walletApp.project, DEFAULT_REPOS.walletApp.id, { limit: 100, cursor: first.nextCursor! });
    const all = [...first.items, ...rest.items].map((branch) => branch.name).sort();
    expect(all).toEqual([...DEFAULT_REPOS.walletApp.branches].sort());
    const search = await listBranchPage(fabrikam, DEFAULT_REPOS.walletApp.project, DEFAULT_REPOS.walletApp.id, { q: "LOG", limit: 100 });
    expect(search.items.map((branch) => branch.name)).toEqual(["feature/login"]);
  });

  it("returns the latest 100 of main's 160 commits and says there are more", async () => {
    const page = await listBranchCommits(fabrikam, DEFAULT_REPOS.walletApp.project, DEFAULT_REPOS.walletApp.id, "main", 100);
    expect(page.items).toHaveLength(100);
    expect(page.hasMore).toBe(true);
    expect(new Set(page.items.map((commit) => commit.id)).size).toBe(100);
    // ios-sdk's develop: 4 commits on top of master's 25, all of them shown.
    const develop = await listBranchCommits(fabrikam, DEFAULT_REPOS.iosSdk.project, DEFAULT_REPOS.iosSdk.id, "develop", 100);
    expect(develop.items).toHaveLength(29);
    expect(develop.hasMore).toBe(false);
  });
});
