import * as azdev from "azure-devops-node-api";
import { GitStatusState } from "azure-devops-node-api/interfaces/GitInterfaces.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_ORGS, DEFAULT_PATS, DEFAULT_REPOS, DEFAULT_SERVICE_PRINCIPALS, DEFAULT_TENANT_ID, DEFAULT_USERS, KEEL_SCOPES } from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { bearer, body, consentForm, postJson, request, values } from "./test-support.js";

/**
 * Service principals as Azure DevOps identities: what their tokens see through the REST API
 * (projects, repositories, refs, commits, statuses, git over HTTP), how connectionData, profile
 * and accounts describe them, and Azure DevOps' answers when one was not added to the
 * organization or was added without access to a project.
 */

const SP = DEFAULT_SERVICE_PRINCIPALS;
let handle: EmulatorHandle;
let services: string;

beforeAll(async () => {
  handle = await startEmulator({ fixture: "default" });
  services = handle.servicesUrl ?? "";
});

beforeEach(() => {
  handle.reset();
});

afterAll(async () => {
  await handle.stop();
});

/** An app-only token for the principal, as the client-credentials grant issues it. */
async function tokenOf(clientId: string): Promise<string> {
  return (await handle.control.issueServicePrincipalToken({ clientId })).accessToken;
}

async function get(path: string, token: string): Promise<Awaited<ReturnType<typeof request>>> {
  return request(`${services}${path}`, { headers: bearer(token) });
}

const names = (response: Awaited<ReturnType<typeof request>>): string[] => values(response).map((item) => String(item.name));

describe("a service principal added with access to every project", () => {
  it("reads projects, repositories, refs and commits, and posts statuses as itself (Microsoft's Node client)", async () => {
    const token = await tokenOf(SP.pipeline.clientId);
    const connection = new azdev.WebApi(`${services}/fabrikam`, azdev.getBearerHandler(token));
    const data = await connection.connect();
    expect(data.authenticatedUser).toMatchObject({ id: SP.pipeline.identityId, providerDisplayName: SP.pipeline.name });
    expect(data.authenticatedUser?.descriptor).toBe(`Microsoft.VisualStudio.Services.Claims.AadServicePrincipal;${DEFAULT_TENANT_ID}\\${SP.pipeline.objectId}`);
    expect(data.authenticatedUser?.properties?.Account?.$value).toBe(SP.pipeline.clientId);
    expect(data.authenticatedUser?.properties?.Mail).toBeUndefined();
    const projects = await (await connection.getCoreApi()).getProjects();
    expect(projects.map((project) => project.name)).toEqual(["Android", "Fabrikam Fiber", "MOBILE_IOS", "Sandbox"]);
    const git = await connection.getGitApi();
    const refs = await git.getRefs(DEFAULT_REPOS.walletApp.id, DEFAULT_REPOS.walletApp.project, "heads/main");
    const commits = await git.getCommits(DEFAULT_REPOS.walletApp.id, { itemVersion: { version: "main" }, $top: 3 }, DEFAULT_REPOS.walletApp.project);
    expect(commits[0]?.commitId).toBe(refs[0]?.objectId);
    const status = await git.createCommitStatus(
      { state: GitStatusState.Pending, description: "Keel build queued", context: { name: "keel/Wallet", genre: "keel" } },
      refs[0]?.objectId ?? "",
      DEFAULT_REPOS.walletApp.id,
      DEFAULT_REPOS.walletApp.project,
    );
    expect(status.createdBy?.id).toBe(SP.pipeline.identityId);
    expect(handle.control.statuses().at(-1)).toMatchObject({ createdById: SP.pipeline.identityId, contextName: "keel/Wallet" });
  });

  it("git over HTTP accepts its bearer token (ref advertisement)", async () => {
    const token = await tokenOf(SP.pipeline.clientId);
    const refs = await request(`${services}/fabrikam/MOBILE_IOS/_git/Wallet%20App/info/refs?service=git-upload-pack`, { headers: { Authorization: `Bearer ${token}` } });
    expect(refs.status).toBe(200);
    expect(refs.text).toContain("refs/heads/main");
  });

  it("profile/me answers with the principal's identity and no email address; accounts list its organizations", async () => {
    const token = await tokenOf(SP.pipeline.clientId);
    const profile = body(await get("/_apis/profile/profiles/me?details=true", token));
    expect(profile).toMatchObject({ id: SP.pipeline.identityId, displayName: SP.pipeline.name, publicAlias: SP.pipeline.identityId });
    expect(profile).not.toHaveProperty("emailAddress");
    const accounts = values(await get(`/_apis/accounts?memberId=${SP.pipeline.identityId}&api-version=7.1`, token)).map((account) => account.accountName);
    expect(accounts).toEqual([DEFAULT_ORGS.fabrikam.name, DEFAULT_ORGS.contoso.name]);
  });

  it("its tokens do not work on Azure DevOps Server, and revoking its grants stops them", async () => {
    const token = await tokenOf(SP.pipeline.clientId);
    const server = await request(`${handle.urls.server2022 ?? ""}/DefaultCollection/_apis/projects`, { headers: bearer(token) });
    expect(server.status).toBe(401);
    expect(handle.control.revokeGrants({ userId: SP.pipeline.identityId })).toBeGreaterThan(0);
    expect((await get("/fabrikam/_apis/projects", token)).status).toBe(401);
    // Client credentials have no consent to withdraw: the next token works.
    expect((await get("/fabrikam/_apis/projects", await tokenOf(SP.pipeline.clientId))).status).toBe(200);
  });
});

describe("project access", () => {
  it("added with MOBILE_IOS only: sees that project and its repositories, nothing else", async () => {
    const token = await tokenOf(SP.mobileOnly.clientId);
    expect(names(await get("/fabrikam/_apis/projects", token))).toEqual(["MOBILE_IOS"]);
    expect(names(await get("/fabrikam/_apis/git/repositories", token))).toEqual(["ios-sdk", "Wallet App"]);
    const elsewhere = await get(`/fabrikam/_apis/git/repositories/${DEFAULT_REPOS.fabrikamFiber.id}`, token);
    expect(elsewhere.status).toBe(404);
    expect(body(elsewhere).message).toBe(`TF401019: The Git repository with name or identifier ${DEFAULT_REPOS.fabrikamFiber.id} does not exist or you do not have permissions for the operation you are attempting.`);
    const hiddenProject = await get("/fabrikam/Fabrikam%20Fiber/_apis/git/repositories", token);
    expect(hiddenProject.status).toBe(404);
    expect(String(body(hiddenProject).message)).toMatch(/^TF200016: The following project does not exist: Fabrikam Fiber\./);
  });

  it("git over HTTP hides the other projects' repositories too", async () => {
    const token = await tokenOf(SP.mobileOnly.clientId);
    const refs = (path: string) => request(`${services}/fabrikam/${path}/info/refs?service=git-upload-pack`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await refs("MOBILE_IOS/_git/Wallet%20App")).status).toBe(200);
    const hidden = await refs("Fabrikam%20Fiber/_git/Fabrikam%20Fiber");
    expect(hidden.status).toBe(404);
    expect(hidden.text).toContain("TF401019");
    // The whole-access principal still reaches it.
    expect((await request(`${services}/fabrikam/Fabrikam%20Fiber/_git/Fabrikam%20Fiber/info/refs?service=git-upload-pack`, { headers: { Authorization: `Bearer ${await tokenOf(SP.pipeline.clientId)}` } })).status).toBe(200);
  });

  it("in the Readers group: reads everything it sees, but may not post a commit status or push", async () => {
    handle.control.setServicePrincipalMembership({ clientId: SP.mobileOnly.clientId, organization: "fabrikam", member: true, projects: ["MOBILE_IOS"], access: "readers" });
    const token = await tokenOf(SP.mobileOnly.clientId);
    expect(names(await get("/fabrikam/_apis/git/repositories", token))).toEqual(["ios-sdk", "Wallet App"]);
    const refs = values(await get(`/fabrikam/MOBILE_IOS/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}/refs?filter=heads/main&api-version=7.1`, token));
    const status = await postJson(`${services}/fabrikam/MOBILE_IOS/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}/commits/${String(refs[0]?.objectId)}/statuses?api-version=7.1`, { state: "pending", context: { name: "keel" } }, bearer(token));
    expect(status.status).toBe(401);
    expect(body(status).message).toBe(`TF400813: The user '${SP.mobileOnly.identityId}' is not authorized to access this resource.`);
    const push = await request(`${services}/fabrikam/MOBILE_IOS/_git/Wallet%20App/info/refs?service=git-receive-pack`, { headers: { Authorization: `Bearer ${token}` } });
    expect(push.status).toBe(403);
    // Back among the Contributors, it may write again.
    handle.control.setServicePrincipalMembership({ clientId: SP.mobileOnly.clientId, organization: "fabrikam", member: true, projects: ["MOBILE_IOS"] });
    const again = await postJson(`${services}/fabrikam/MOBILE_IOS/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}/commits/${String(refs[0]?.objectId)}/statuses?api-version=7.1`, { state: "pending", context: { name: "keel" } }, bearer(token));
    expect(again.status).toBe(201);
  });

  it("added without access to any project: no projects, no repositories", async () => {
    const token = await tokenOf(SP.noProjects.clientId);
    expect(values(await get("/fabrikam/_apis/projects", token))).toEqual([]);
    expect(values(await get("/fabrikam/_apis/git/repositories", token))).toEqual([]);
    const connection = body(await get("/fabrikam/_apis/connectionData", token));
    expect(connection.authenticatedUser).toMatchObject({ id: SP.noProjects.identityId });
  });

  it("the control API grants and withdraws project access", async () => {
    const token = await tokenOf(SP.noProjects.clientId);
    const summary = handle.control.setServicePrincipalMembership({ clientId: SP.noProjects.clientId, organization: "fabrikam", member: true, projects: ["Android"] });
    expect(summary.organizations).toEqual([{ name: "fabrikam", projects: ["Android"] }]);
    expect(names(await get("/fabrikam/_apis/git/repositories", token))).toEqual(["wallet-android"]);
    handle.control.setServicePrincipalMembership({ clientId: SP.noProjects.clientId, organization: "fabrikam", member: true });
    expect(names(await get("/fabrikam/_apis/projects", token))).toHaveLength(4);
  });
});

describe("a service principal not added to the organization", () => {
  const notAdded = `TF401444: Please sign-in at least once as ${DEFAULT_TENANT_ID}\\${DEFAULT_TENANT_ID}\\${SP.notAdded.objectId} in a web browser to enable access to the service.`;

  it("gets 401 TF401444 on the organization and on its profile", async () => {
    const token = await tokenOf(SP.notAdded.clientId);
    const projects = await get("/fabrikam/_apis/projects", token);
    expect(projects.status).toBe(401);
    expect(body(projects)).toMatchObject({ message: notAdded, typeKey: "UnauthorizedRequestException" });
    expect(decodeURIComponent(String(projects.headers["x-tfs-serviceerror"]))).toBe(notAdded);
    const profile = await get("/_apis/profile/profiles/me", token);
    expect(profile.status).toBe(401);
    expect(body(profile).message).toBe(notAdded);
  });

  it("added through the control API it works; removed, it is refused again; another organization stays closed", async () => {
    const token = await tokenOf(SP.notAdded.clientId);
    const control = `${services}/_emulator/entra/service-principals/memberships`;
    expect((await postJson(control, { clientId: SP.notAdded.clientId, organization: "contoso", member: true })).status).toBe(200);
    expect(names(await get("/contoso/_apis/projects", token))).toEqual(["Contoso Web"]);
    expect((await get("/fabrikam/_apis/projects", token)).status).toBe(401);
    expect((await postJson(control, { clientId: SP.notAdded.clientId, organization: "contoso", member: false })).status).toBe(200);
    expect(body(await get("/contoso/_apis/projects", token)).message).toBe(notAdded);
    expect((await postJson(control, { clientId: SP.notAdded.clientId, organization: "nowhere", member: true })).status).toBe(400);
    expect((await postJson(control, { clientId: "nobody", organization: "contoso", member: true })).status).toBe(404);
  });
});

describe("what service principals cannot do", () => {
  it("they are never offered on the legacy OAuth consent page and cannot own PATs", async () => {
    const page = await request(
      `${services}/oauth2/authorize?${new URLSearchParams({ client_id: "1b4f7e2d-9c3a-4d58-b6e1-2f8a0c9d7e43", response_type: "Assertion", state: "s", scope: KEEL_SCOPES.join(" "), redirect_uri: "https://localhost:3000/api/auth/callback/azure-devops" })}`,
    );
    expect(page.status).toBe(200);
    const offered = consentForm(page.text).userIds;
    expect(offered).toContain(DEFAULT_USERS.alex.id);
    expect(offered).not.toContain(SP.pipeline.identityId);
    const pat = await postJson(`${services}/_emulator/pats`, { userId: SP.pipeline.identityId, scopes: [...KEEL_SCOPES], organizations: ["fabrikam"] });
    expect(pat.status).toBe(400);
    expect(body(pat).error).toBe("Service principals cannot create personal access tokens.");
  });

  it("a user's PAT still reads the service principal in the identities API", async () => {
    const identities = await request(`${services}/fabrikam/_apis/identities?identityIds=${SP.pipeline.identityId}`, {
      headers: { Authorization: `Basic ${Buffer.from(`:${DEFAULT_PATS.fabrikamFull}`).toString("base64")}` },
    });
    expect(values(identities)[0]).toMatchObject({ id: SP.pipeline.identityId, subjectDescriptor: expect.stringMatching(/^aadsp\./) });
  });
});
