import { describe, expect, it } from "vitest";

import { detectServerVersion } from "./api-versions";
import { type AzureDevOpsClient, type AzureDevOpsClientOptions, type OutboundCallRecord, createAzureDevOpsClient, createVsspsClient } from "./client";
import { AzureDevOpsError, type AzureDevOpsErrorReason } from "./errors";
import {
  DEFAULT_PATS,
  DEFAULT_PROJECTS,
  DEFAULT_REPOS,
  DEFAULT_SERVERS,
  DEFAULT_USERS,
  type EmulatorHandle,
  KEEL_SCOPES,
  TEST_POLICY,
  closedPort,
  startStrippingProxy,
  withDefaultEmulator,
} from "./test-kit";

let emulator: EmulatorHandle;
let services: string;

withDefaultEmulator((handle) => {
  emulator = handle;
  services = handle.servicesUrl ?? "";
});

type Calls = OutboundCallRecord[];

function client(org: string, token: string, extra: Partial<AzureDevOpsClientOptions> = {}): { api: AzureDevOpsClient; calls: Calls } {
  const calls: Calls = [];
  const api = createAzureDevOpsClient({
    collectionUrl: `${services}/${org}`,
    credential: { kind: "pat", token },
    policy: TEST_POLICY,
    recorder: (entry) => calls.push(entry),
    ...extra,
  });
  return { api, calls };
}

function serverClient(name: keyof typeof DEFAULT_SERVERS, token: string, apiVersion?: string): AzureDevOpsClient {
  const info = DEFAULT_SERVERS[name];
  return createAzureDevOpsClient({
    collectionUrl: `${emulator.urls[info.name]}/${info.collection}`,
    credential: { kind: "pat", token },
    policy: TEST_POLICY,
    ...(apiVersion === undefined ? {} : { apiVersion }),
  });
}

/** Awaits a rejection and returns the AzureDevOpsError's reason. */
async function reasonOf(promise: Promise<unknown>): Promise<AzureDevOpsErrorReason> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AzureDevOpsError);
  return (error as AzureDevOpsError).reason;
}

describe("connection data and request shape", () => {
  it("reads connectionData without api-version and sends Basic, Suppress, JSON accept", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    const data = await api.getConnectionData();
    expect(data.authenticatedUser.id).toBe(DEFAULT_USERS.alex.id);
    expect(data.deploymentType).toBe("hosted");
    const logged = emulator.control.requests({ pathContains: "connectionData" }).at(-1);
    expect(logged?.query["api-version"]).toBeUndefined();
    expect(logged?.headers.authorization).toBe("Basic ***");
    expect(logged?.headers["x-tfs-fedauthredirect"]).toBe("Suppress");
    expect(logged?.headers.accept).toBe("application/json");
  });

  it("sends the api-version as a query parameter on resource calls", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    await api.listRepositories(DEFAULT_PROJECTS.mobileIos.name);
    const logged = emulator.control.requests({ pathContains: "git/repositories" }).at(-1);
    expect(logged?.query["api-version"]).toBe("7.1");
  });

  it("records every outbound call without the token or secret query values", async () => {
    const { api, calls } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    await api.getConnectionData({ includeServices: true });
    await api.listProjectsPage({ top: 2 });
    expect(calls.map((call) => [call.method, call.status])).toEqual([
      ["GET", 200],
      ["GET", 200],
    ]);
    expect(calls[0]?.url).toBe(`${services}/fabrikam/_apis/connectionData?connectOptions=1`);
    expect(calls[1]?.url).toBe(`${services}/fabrikam/_apis/projects?%24top=2&api-version=7.1`);
    const text = JSON.stringify(calls);
    expect(text).not.toContain(DEFAULT_PATS.fabrikamFull);
    expect(text).not.toContain(Buffer.from(`:${DEFAULT_PATS.fabrikamFull}`).toString("base64"));
  });

  it("reads resource locations with OPTIONS, for all areas and for one", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    const all = await api.getResourceLocations();
    const git = await api.getResourceLocations("git");
    expect(all.length).toBeGreaterThan(git.length);
    expect(git.every((location) => location.area.toLowerCase() === "git")).toBe(true);
    expect(git.find((location) => location.resourceName === "repositories")).toMatchObject({ id: "225f7195-f9c7-4d14-ab28-a83f7ff77e1f", maxVersion: "7.2", releasedVersion: "7.1" });
  });
});

describe("projects", () => {
  it("lists every project exactly once across pages via x-ms-continuationtoken", async () => {
    const { api, calls } = client("bigcorp", DEFAULT_PATS.bigcorp);
    const first = await api.listProjectsPage({ top: 7 });
    expect(first.items).toHaveLength(7);
    expect(first.continuationToken).toBeDefined();

    calls.length = 0;
    const all = await api.listAllProjects({ pageSize: 7 });
    expect(all.truncated).toBe(false);
    const ids = all.items.map((project) => project.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(40);
    // The same set as one big page, so paging neither lost nor invented anything.
    const single = await api.listProjectsPage({ top: 100 });
    expect(single.continuationToken).toBeUndefined();
    expect(new Set(ids)).toEqual(new Set(single.items.map((project) => project.id)));
    // ceil(40 / 7) pages.
    expect(calls.filter((call) => call.url.includes("/_apis/projects")).length).toBe(6 + 1);
  });

  it("stops at max and says the list is truncated", async () => {
    const { api } = client("bigcorp", DEFAULT_PATS.bigcorp);
    const capped = await api.listAllProjects({ pageSize: 10, max: 15 });
    expect(capped.items).toHaveLength(15);
    expect(capped.truncated).toBe(true);
  });

  it("gets one project by name, and a missing one is a typed not_found (TF200016)", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    const project = await api.getProject(DEFAULT_PROJECTS.fabrikamFiber.name);
    expect(project.id).toBe(DEFAULT_PROJECTS.fabrikamFiber.id);
    const reason = await reasonOf(api.getProject("No Such Project"));
    expect(reason).toMatchObject({ kind: "not_found", status: 404, code: "TF200016" });
  });
});

describe("repositories, refs, commits", () => {
  it("lists repositories organization-wide and per project", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    const orgWide = await api.listRepositories();
    const names = orgWide.map((repository) => repository.name);
    expect(names).toEqual(expect.arrayContaining(["Wallet App", "ios-sdk", "Fabrikam Fiber", "wallet-android", "wallet-app-fork"]));
    expect(new Set(orgWide.map((repository) => repository.project.name))).toEqual(new Set(["MOBILE_IOS", "Fabrikam Fiber", "Android", "Sandbox"]));
    expect(names).not.toContain(DEFAULT_REPOS.wiki.name);

    const mobile = await api.listRepositories(DEFAULT_PROJECTS.mobileIos.name);
    expect(mobile.map((repository) => repository.name).sort()).toEqual(["Wallet App", "ios-sdk"]);
    const withHidden = await api.listRepositories(DEFAULT_PROJECTS.mobileIos.name, { includeHidden: true });
    expect(withHidden.map((repository) => repository.name)).toContain(DEFAULT_REPOS.wiki.name);
  });

  it("gets a repository by name with a space, and a missing one is not_found (TF401019)", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    const repository = await api.getRepository("MOBILE_IOS", "Wallet App");
    expect(repository).toMatchObject({ id: DEFAULT_REPOS.walletApp.id, defaultBranch: "refs/heads/main" });
    expect(repository.remoteUrl).toContain("/MOBILE_IOS/_git/Wallet%20App");
    const reason = await reasonOf(api.getRepository("MOBILE_IOS", "no-such-repo"));
    expect(reason).toMatchObject({ kind: "not_found", code: "TF401019" });
  });

  it("pages refs with the continuation header and filters branches", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    const repo = DEFAULT_REPOS.walletApp;
    const first = await api.listRefsPage(repo.project, repo.id, { top: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.continuationToken).toBeDefined();
    const all = await api.listAllRefs(repo.project, repo.id, { pageSize: 2 });
    const refNames = all.items.map((ref) => ref.name);
    expect(refNames.sort()).toEqual([...repo.branches.map((branch) => `refs/heads/${branch}`), "refs/tags/v1.0.0"].sort());
    const heads = await api.listAllRefs(repo.project, repo.id, { filter: "heads/" });
    expect(heads.items.every((ref) => ref.name.startsWith("refs/heads/"))).toBe(true);
    expect(heads.items).toHaveLength(repo.branches.length);
  });

  it("lists commits with $top and $skip, and reads one commit", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    const repo = DEFAULT_REPOS.walletApp;
    const page1 = await api.listCommits(repo.project, repo.id, { branch: "refs/heads/main", top: 5 });
    const page2 = await api.listCommits(repo.project, repo.id, { branch: "main", top: 5, skip: 5 });
    expect(page1).toHaveLength(5);
    expect(page2).toHaveLength(5);
    expect(page1.map((commit) => commit.commitId).filter((id) => page2.some((other) => other.commitId === id))).toEqual([]);
    const tip = await api.getCommit(repo.project, repo.id, page1[0]?.commitId ?? "");
    expect(tip.parents).toEqual([page1[1]?.commitId]);
    const develop = await api.listCommits(repo.project, repo.id, { branch: "develop", top: 1 });
    expect(develop[0]?.commitId).not.toBe(page1[0]?.commitId);
  });

  it("lists the commits since an earlier commit, saying whether there were more than asked for", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    const repo = DEFAULT_REPOS.walletApp;
    const main = await api.listCommits(repo.project, repo.id, { branch: "main", top: 6 });
    const ids = main.map((commit) => commit.commitId);
    const five = await api.commitsSince(repo.project, repo.id, ids[0]!, ids[5]!, 5);
    expect(five.commits.map((commit) => commit.commitId)).toEqual(ids.slice(0, 5));
    expect(five.complete).toBe(true);
    const three = await api.commitsSince(repo.project, repo.id, ids[0]!, ids[5]!, 3);
    expect(three.commits.map((commit) => commit.commitId)).toEqual(ids.slice(0, 3));
    expect(three.complete).toBe(false);
    expect(await api.commitsSince(repo.project, repo.id, ids[5]!, ids[0]!, 5)).toEqual({ commits: [], complete: true });
  });
});

describe("commit statuses", () => {
  it("creates a status (201) and lists it", async () => {
    const { api, calls } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    const repo = DEFAULT_REPOS.walletApp;
    const [tip] = await api.listCommits(repo.project, repo.id, { top: 1 });
    const commitId = tip?.commitId ?? "";
    const created = await api.createCommitStatus(repo.project, repo.id, commitId, {
      state: "succeeded",
      description: "Build 42 passed",
      targetUrl: "https://keel.example.com/builds/42",
      context: { name: "keel/build", genre: "continuous-integration" },
    });
    expect(created).toMatchObject({ state: "succeeded", context: { name: "keel/build", genre: "continuous-integration" } });
    expect(calls.at(-1)).toMatchObject({ method: "POST", status: 201 });
    const listed = await api.listCommitStatuses(repo.project, repo.id, commitId);
    expect(listed.map((status) => status.context.name)).toContain("keel/build");
    expect(emulator.control.statuses()).toHaveLength(1);
  });

  it("a status without context is a bad_request, and the write-free permission check reads it as allowed", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    const repo = DEFAULT_REPOS.walletApp;
    const [tip] = await api.listCommits(repo.project, repo.id, { top: 1 });
    const reason = await reasonOf(api.createCommitStatus(repo.project, repo.id, tip?.commitId ?? "", { state: "pending" } as never));
    expect(reason).toMatchObject({ kind: "bad_request", status: 400 });
    expect(await api.checkCommitStatusPermission(repo.project, repo.id, tip?.commitId ?? "")).toEqual({ allowed: true, wrote: false });
    expect(emulator.control.statuses()).toHaveLength(0);
  });

  it("the permission check says no for a token without Code (Status)", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamNoCodeStatus);
    await api.getConnectionData();
    const repo = DEFAULT_REPOS.walletApp;
    const [tip] = await api.listCommits(repo.project, repo.id, { top: 1 });
    expect(await api.checkCommitStatusPermission(repo.project, repo.id, tip?.commitId ?? "")).toEqual({ allowed: false, wrote: false });
    expect(emulator.control.statuses()).toHaveLength(0);
  });
});

describe("hooks, notifications, identities, profile", () => {
  it("creates, lists and deletes a service-hook subscription", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    const created = await api.createHookSubscription({
      publisherId: "tfs",
      eventType: "git.push",
      resourceVersion: "1.0",
      consumerId: "webHooks",
      consumerActionId: "httpRequest",
      publisherInputs: { projectId: DEFAULT_PROJECTS.mobileIos.id, repository: DEFAULT_REPOS.walletApp.id, branch: "main" },
      consumerInputs: { url: "https://keel.example.com/api/hooks/azure-devops" },
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.publisherInputs.tfsSubscriptionId).toBeDefined();
    expect((await api.listHookSubscriptions()).map((subscription) => subscription.id)).toEqual([created.id]);
    await api.deleteHookSubscription(created.id);
    expect(await api.listHookSubscriptions()).toEqual([]);
  });

  it("lists notification subscriptions and reads identities", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    expect((await api.listNotificationSubscriptions()).length).toBeGreaterThan(0);
    const [me] = await api.getIdentities({ identityIds: [DEFAULT_USERS.alex.id] });
    expect(me?.providerDisplayName).toBe(DEFAULT_USERS.alex.displayName);
    expect((await api.getIdentity(DEFAULT_USERS.sam.id)).id).toBe(DEFAULT_USERS.sam.id);
    expect(await api.getIdentities({ filterValue: "okafor" })).toHaveLength(1);
  });

  it("reads the profile and organizations from the profile host with an all-organizations PAT", async () => {
    const vssps = createVsspsClient({ baseUrl: services, credential: { kind: "pat", token: DEFAULT_PATS.allOrgs }, policy: TEST_POLICY });
    const profile = await vssps.getMyProfile();
    expect(profile).toMatchObject({ id: DEFAULT_USERS.alex.id, displayName: DEFAULT_USERS.alex.displayName, emailAddress: DEFAULT_USERS.alex.email });
    const accounts = await vssps.listAccounts(profile.id);
    expect(accounts.map((account) => account.accountName).sort()).toEqual(["bigcorp", "contoso", "fabrikam"]);
  });

  it("an organization-scoped PAT is refused by the profile host", async () => {
    const vssps = createVsspsClient({ baseUrl: services, credential: { kind: "pat", token: DEFAULT_PATS.fabrikamFull }, policy: TEST_POLICY });
    expect(await reasonOf(vssps.getMyProfile())).toMatchObject({ kind: "unauthorized", unauthorized: "invalid", status: 401 });
  });
});

describe("version detection", () => {
  it.each([
    ["services", "Azure DevOps Services", "7.2", "7.1"],
    ["server2022", "Azure DevOps Server 2022.1", "7.1", "7.1"],
    ["server2020", "Azure DevOps Server 2020", "6.1", "6.0"],
    ["server2019", "Azure DevOps Server 2019", "5.0", "5.0"],
    ["tfs2018", "Team Foundation Server 2018", "4.1", "4.1"],
  ] as const)("%s → %s (ceiling %s, api-version %s)", async (deployment, product, ceiling, apiVersion) => {
    let api: AzureDevOpsClient;
    if (deployment === "services") {
      api = client("fabrikam", DEFAULT_PATS.fabrikamFull).api;
    } else {
      api = serverClient(deployment, DEFAULT_PATS[deployment]);
    }
    const connection = await api.getConnectionData();
    const info = await detectServerVersion(api, connection.deploymentType === "hosted" ? "hosted" : "onPremises");
    expect(info).toMatchObject({ product, ceiling, apiVersion, source: "both" });
    // The chosen version really works on that server.
    const repositories = await api.withApiVersion(info.apiVersion).listRepositories();
    expect(repositories.length).toBeGreaterThan(0);
  });

  it("the ceiling probe parses the out-of-range text", async () => {
    const api = serverClient("server2020", DEFAULT_PATS.server2020);
    expect(await api.probeApiVersionCeiling()).toBe("6.1");
  });
});

describe("errors", () => {
  it("expired PAT → unauthorized/expired with Azure DevOps' text", async () => {
    const error = await client("fabrikam", DEFAULT_PATS.fabrikamExpired)
      .api.getConnectionData()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AzureDevOpsError);
    const typed = error as AzureDevOpsError;
    expect(typed.reason).toMatchObject({ kind: "unauthorized", unauthorized: "expired", status: 401 });
    expect(typed.serviceError?.message).toBe("Access Denied: The Personal Access Token used has expired.");
    expect(typed.serviceError?.typeKey).toBe("AccessCheckException");
    expect(typed.message).not.toContain(DEFAULT_PATS.fabrikamExpired);
  });

  it("a PAT expires when the emulator clock passes its expiry", async () => {
    const created = emulator.control.createPat({ userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES], organizations: ["fabrikam"], expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    const { api } = client("fabrikam", created.token);
    await api.getConnectionData();
    emulator.control.advanceClock({ seconds: 2 * 86_400 });
    expect(await reasonOf(api.getConnectionData())).toMatchObject({ kind: "unauthorized", unauthorized: "expired" });
  });

  it("revoked PAT → unauthorized/revoked (fixture and through the control API)", async () => {
    expect(await reasonOf(client("fabrikam", DEFAULT_PATS.fabrikamRevoked).api.getConnectionData())).toMatchObject({ kind: "unauthorized", unauthorized: "revoked" });
    const created = emulator.control.createPat({ userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES], organizations: ["fabrikam"] });
    const { api } = client("fabrikam", created.token);
    await api.getConnectionData();
    emulator.control.revokeToken(created.token);
    expect(await reasonOf(api.listProjectsPage())).toMatchObject({ kind: "unauthorized", unauthorized: "revoked" });
  });

  it("a PAT of another organization is unauthorized/invalid (the server does not name a user)", async () => {
    expect(await reasonOf(client("fabrikam", DEFAULT_PATS.contoso).api.getConnectionData())).toMatchObject({ kind: "unauthorized", unauthorized: "invalid", status: 401 });
  });

  it("a user without access to the organization → unauthorized/not_member naming the user", async () => {
    expect(await reasonOf(client("northwind", DEFAULT_PATS.allOrgs).api.getConnectionData())).toMatchObject({
      kind: "unauthorized",
      unauthorized: "not_member",
      userId: DEFAULT_USERS.alex.id,
    });
  });

  it("a legacy OAuth token on an organization with the OAuth policy off → unauthorized/oauth_policy", async () => {
    const issued = await emulator.control.issueOAuthToken({ provider: "legacy", userId: DEFAULT_USERS.alex.id, scopes: ["vso.code", "vso.profile"] });
    const api = createAzureDevOpsClient({ collectionUrl: `${services}/contoso`, credential: { kind: "bearer", token: issued.accessToken }, policy: TEST_POLICY });
    expect(await reasonOf(api.getConnectionData())).toMatchObject({ kind: "unauthorized", unauthorized: "oauth_policy", userId: DEFAULT_USERS.alex.id });
    const fabrikam = createAzureDevOpsClient({ collectionUrl: `${services}/fabrikam`, credential: { kind: "bearer", token: issued.accessToken }, policy: TEST_POLICY });
    expect((await fabrikam.getConnectionData()).authenticatedUser.id).toBe(DEFAULT_USERS.alex.id);
    expect(emulator.control.requests({ pathContains: "connectionData" }).at(-1)?.headers.authorization).toBe("Bearer ***");
  });

  it("after connectionData, a TF400813 for the same user is a missing scope", async () => {
    const { api } = client("fabrikam", DEFAULT_PATS.fabrikamNoIdentity);
    await api.getConnectionData();
    expect(await reasonOf(api.getIdentities({ identityIds: [DEFAULT_USERS.alex.id] }))).toMatchObject({ kind: "missing_scope", status: 401, userId: DEFAULT_USERS.alex.id });
  });

  it("203 with a sign-in page (Suppress stripped by a proxy) is a failure, never success", async () => {
    const proxy = await startStrippingProxy(services);
    try {
      const api = createAzureDevOpsClient({ collectionUrl: `${proxy.url}/fabrikam`, credential: { kind: "pat", token: DEFAULT_PATS.fabrikamRevoked }, policy: TEST_POLICY });
      expect(await reasonOf(api.getConnectionData())).toMatchObject({ kind: "unauthorized", unauthorized: "sign_in_page", status: 203 });
      expect(await reasonOf(api.listProjectsPage())).toMatchObject({ kind: "unauthorized", unauthorized: "sign_in_page" });
      // The same proxy passes good tokens through, so it is only the header that changed.
      const good = createAzureDevOpsClient({ collectionUrl: `${proxy.url}/fabrikam`, credential: { kind: "pat", token: DEFAULT_PATS.fabrikamFull }, policy: TEST_POLICY });
      expect((await good.listProjectsPage()).items.length).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });

  it("429 with a long Retry-After fails at once as rate_limited with the delay", async () => {
    emulator.control.addFault({ kind: "rateLimit", after: 0, retryAfterSeconds: 120, deployment: "services" });
    const { api, calls } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    const reason = await reasonOf(api.listProjectsPage());
    expect(reason).toMatchObject({ kind: "rate_limited", status: 429, retryAfterSeconds: 120 });
    expect(reason.kind === "rate_limited" ? reason.resetAt : undefined).toMatch(/^\d{4}-\d\d-\d\dT/);
    // Not waited for, not retried.
    expect(calls).toHaveLength(1);
  });

  it("503 with a short Retry-After is retried and then succeeds", async () => {
    emulator.control.addFault({ kind: "error", status: 503, times: 1, deployment: "services", pathPrefix: "/fabrikam/_apis/projects" });
    const { api, calls } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    const page = await api.listProjectsPage();
    expect(page.items.length).toBeGreaterThan(0);
    expect(calls.map((call) => call.status)).toEqual([503, 200]);
  });

  it("500 is a server_error and is not retried; POSTs are never retried", async () => {
    emulator.control.addFault({ kind: "error", status: 500, deployment: "services", pathPrefix: "/fabrikam/_apis/projects" });
    const { api, calls } = client("fabrikam", DEFAULT_PATS.fabrikamFull);
    expect(await reasonOf(api.listProjectsPage())).toMatchObject({ kind: "server_error", status: 500 });
    expect(calls).toHaveLength(1);

    emulator.control.addFault({ kind: "error", status: 503, deployment: "services", pathPrefix: "/fabrikam/_apis/hooks", method: "POST" });
    calls.length = 0;
    const reason = await reasonOf(
      api.createHookSubscription({
        publisherId: "tfs",
        eventType: "git.push",
        resourceVersion: "1.0",
        consumerId: "webHooks",
        consumerActionId: "httpRequest",
        publisherInputs: {},
        consumerInputs: { url: "https://keel.example.com/hook" },
      }),
    );
    expect(reason).toMatchObject({ kind: "server_error", status: 503 });
    expect(calls).toHaveLength(1);
  });

  it("an api-version above the ceiling → version_out_of_range with the ceiling", async () => {
    const api = serverClient("server2022", DEFAULT_PATS.server2022, "7.2");
    expect(await reasonOf(api.listRepositories())).toMatchObject({ kind: "version_out_of_range", status: 400, requested: "7.2", ceiling: "7.1" });
  });

  it("network failures are typed: refused, dns, blocked by policy", async () => {
    const port = await closedPort();
    const refused = createAzureDevOpsClient({ collectionUrl: `http://127.0.0.1:${port}/fabrikam`, credential: { kind: "pat", token: "x" }, policy: TEST_POLICY, retry: { maxAttempts: 1 } });
    expect(await reasonOf(refused.getConnectionData())).toMatchObject({ kind: "network", failure: "refused", host: "127.0.0.1", port });
    const dns = createAzureDevOpsClient({ collectionUrl: "https://keel-doctor-test.invalid/fabrikam", credential: { kind: "pat", token: "x" }, policy: TEST_POLICY });
    expect(await reasonOf(dns.getConnectionData())).toMatchObject({ kind: "network", failure: "dns", host: "keel-doctor-test.invalid" });
    const blocked = createAzureDevOpsClient({ collectionUrl: `${services}/fabrikam`, credential: { kind: "pat", token: DEFAULT_PATS.fabrikamFull }, policy: { ...TEST_POLICY, allowLoopback: false } });
    expect(await reasonOf(blocked.getConnectionData())).toMatchObject({ kind: "network", failure: "blocked" });
  });

  it("JSON that is not Azure DevOps is not_azure_devops, and its body is never quoted", async () => {
    // The emulator's control API lives at /_emulator: JSON, but not Azure DevOps.
    const api = createAzureDevOpsClient({ collectionUrl: `${services}/_emulator`, credential: { kind: "pat", token: DEFAULT_PATS.fabrikamFull }, policy: TEST_POLICY });
    const error = await api.getConnectionData().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AzureDevOpsError);
    expect((error as AzureDevOpsError).reason).toMatchObject({ kind: "not_azure_devops", status: 404 });
    expect((error as AzureDevOpsError).message).not.toContain("Unknown control route");
  });
});
