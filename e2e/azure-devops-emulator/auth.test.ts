import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_PATS, DEFAULT_REPOS, DEFAULT_SERVERS, DEFAULT_USERS, KEEL_SCOPES } from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { acceptVersion, basic, bearer, body, postJson, request, values } from "./test-support.js";

/** Authentication, authorization, api-version and error behaviour with the real texts (docs/azure-devops-facts.md §2, §3). */

let handle: EmulatorHandle;
let services: string;
let fabrikam: string;

beforeAll(async () => {
  handle = await startEmulator({ fixture: "default" });
  services = handle.servicesUrl ?? "";
  fabrikam = `${services}/fabrikam`;
});

beforeEach(() => {
  handle.reset();
});

afterAll(async () => {
  await handle.stop();
});

const TF400813_ANONYMOUS = "TF400813: Resource not available for anonymous access. Client authentication required.";

describe("PATs", () => {
  it("are accepted in the Basic password with any user name", async () => {
    for (const user of ["", "PAT", "anything at all"]) {
      const response = await request(`${fabrikam}/_apis/projects`, { headers: basic(DEFAULT_PATS.fabrikamFull, user) });
      expect(response.status).toBe(200);
      expect(values(response).length).toBe(4);
    }
  });

  it("bad PAT with X-TFS-FedAuthRedirect: Suppress → 401 with WWW-Authenticate and URL-encoded X-TFS-ServiceError", async () => {
    const response = await request(`${fabrikam}/_apis/projects`, { headers: basic("not-a-real-token") });
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toMatch(/^Bearer authorization_uri=.+, Basic realm=".+", TFS-Federated$/);
    const message = String(body(response).message);
    expect(message).toBe("TF400813: The user '' is not authorized to access this resource.");
    expect(response.headers["x-tfs-serviceerror"]).toBe(encodeURIComponent(message));
  });

  it("bad PAT without Suppress → 203 with an HTML sign-in page", async () => {
    const response = await request(`${fabrikam}/_apis/projects`, {
      headers: { Authorization: `Basic ${Buffer.from(":not-a-real-token").toString("base64")}` },
    });
    expect(response.status).toBe(203);
    expect(response.headers["content-type"]).toContain("text/html");
    expect(response.text).toContain("Sign In");
    expect(response.json).toBeUndefined();
  });

  it("expired PAT → 401 with the exact captured body and header", async () => {
    const response = await request(`${fabrikam}/_apis/projects`, { headers: basic(DEFAULT_PATS.fabrikamExpired) });
    expect(response.status).toBe(401);
    expect(response.text).toBe(
      '{"$id":"1","customProperties":{"Descriptor":null,"IdentityDisplayName":null,"Token":null,"RequestedPermissions":0,"NamespaceId":"00000000-0000-0000-0000-000000000000"},"innerException":null,"message":"Access Denied: The Personal Access Token used has expired.","typeName":"Microsoft.VisualStudio.Services.Security.AccessCheckException, Microsoft.VisualStudio.Services.WebApi","typeKey":"AccessCheckException","errorCode":0,"eventId":3000}',
    );
    expect(response.headers["x-tfs-serviceerror"]).toBe("Access%20Denied%3A%20The%20Personal%20Access%20Token%20used%20has%20expired.");
    expect(response.headers["www-authenticate"]).toBeDefined();
  });

  it("revoked PAT → 401 AccessCheckException", async () => {
    const response = await request(`${fabrikam}/_apis/projects`, { headers: basic(DEFAULT_PATS.fabrikamRevoked) });
    expect(response.status).toBe(401);
    expect(body(response)).toMatchObject({ typeKey: "AccessCheckException", message: "Access Denied: The Personal Access Token used has been revoked." });
  });

  it("a PAT of organization A is refused by organization B", async () => {
    const onContoso = await request(`${services}/contoso/_apis/projects`, { headers: basic(DEFAULT_PATS.contoso) });
    expect(onContoso.status).toBe(200);
    const onFabrikam = await request(`${fabrikam}/_apis/projects`, { headers: basic(DEFAULT_PATS.contoso) });
    expect(onFabrikam.status).toBe(401);
    expect(body(onFabrikam).typeKey).toBe("UnauthorizedRequestException");
  });

  it("a PAT expires when the emulator clock passes its expiry", async () => {
    const created = handle.control.createPat({
      userId: DEFAULT_USERS.alex.id,
      scopes: [...KEEL_SCOPES],
      organizations: ["fabrikam"],
      expiresAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
    });
    expect(created.token).toMatch(/^.{76}AZDO.{4}$/);
    expect((await request(`${fabrikam}/_apis/projects`, { headers: basic(created.token) })).status).toBe(200);
    handle.control.advanceClock({ seconds: 3 * 86_400 });
    const after = await request(`${fabrikam}/_apis/projects`, { headers: basic(created.token) });
    expect(after.status).toBe(401);
    expect(body(after).message).toBe("Access Denied: The Personal Access Token used has expired.");
  });
});

describe("anonymous requests", () => {
  it("Services → 401 TF400813 anonymous text", async () => {
    const response = await request(`${fabrikam}/_apis/git/repositories`);
    expect(response.status).toBe(401);
    expect(body(response)).toMatchObject({ message: TF400813_ANONYMOUS, typeKey: "UnauthorizedRequestException" });
  });

  it("Server → 401 with Negotiate/NTLM challenges and the .NET-encoded X-TFS-ServiceError", async () => {
    const deployment = handle.deployment("server2022");
    const response = await request(`${deployment.url}/DefaultCollection/_apis/projects`);
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toBe(`Bearer, Basic realm="${deployment.publicUrl ?? ""}", Negotiate, NTLM`);
    expect(response.headers["x-tfs-serviceerror"]).toBe("TF400813%3a+Resource+not+available+for+anonymous+access.+Client+authentication+required.");
    expect(response.headers.server).toMatch(/IIS/);
  });
});

describe("api-version", () => {
  it("POST without api-version → 400 VssVersionNotSpecifiedException, exact body", async () => {
    const response = await postJson(`${fabrikam}/_apis/hooks/subscriptions`, {}, basic(DEFAULT_PATS.fabrikamFull));
    expect(response.status).toBe(400);
    expect(response.text).toBe(
      '{"$id":"1","innerException":null,"message":"No api-version was supplied for the \\"POST\\" request. The version must be supplied either as part of the Accept header (e.g. \\"application/json; api-version=1.0\\") or as a query parameter (e.g. \\"?api-version=1.0\\").","typeName":"Microsoft.VisualStudio.Services.WebApi.VssVersionNotSpecifiedException, Microsoft.VisualStudio.Services.WebApi","typeKey":"VssVersionNotSpecifiedException","errorCode":0,"eventId":3000}',
    );
  });

  it("GET without api-version is served", async () => {
    const response = await request(`${fabrikam}/_apis/connectionData`, { headers: basic(DEFAULT_PATS.fabrikamFull) });
    expect(response.status).toBe(200);
    expect(body(response).deploymentType).toBe("hosted");
  });

  it("is read from the query or the Accept header and echoed in Content-Type", async () => {
    const viaQuery = await request(`${fabrikam}/_apis/projects?api-version=7.1`, { headers: basic(DEFAULT_PATS.fabrikamFull) });
    expect(viaQuery.headers["content-type"]).toBe("application/json; charset=utf-8; api-version=7.1");
    const viaAccept = await request(`${fabrikam}/_apis/projects`, { headers: { ...basic(DEFAULT_PATS.fabrikamFull), ...acceptVersion("7.2-preview.4") } });
    expect(viaAccept.headers["content-type"]).toBe("application/json; charset=utf-8; api-version=7.2-preview.4");
  });

  it("above the product's ceiling → 400 naming the ceiling (6.1 for Server 2020)", async () => {
    const cases: Array<[string, string, string, string]> = [
      [`${fabrikam}/_apis/projects`, DEFAULT_PATS.fabrikamFull, "8.0", "7.2"],
      [`${handle.deployment("server2022").url}/DefaultCollection/_apis/projects`, DEFAULT_PATS.server2022, "7.2", "7.1"],
      [`${handle.deployment("server2020").url}/DefaultCollection/_apis/projects`, DEFAULT_PATS.server2020, "7.2", "6.1"],
      [`${handle.deployment("server2019").url}/DefaultCollection/_apis/projects`, DEFAULT_PATS.server2019, "6.0", "5.0"],
      [`${handle.deployment("tfs2018").url}/DefaultCollection/_apis/projects`, DEFAULT_PATS.tfs2018, "5.0", "4.1"],
    ];
    for (const [url, pat, requested, ceiling] of cases) {
      const response = await request(`${url}?api-version=${requested}`, { headers: basic(pat) });
      expect(response.status).toBe(400);
      expect(body(response)).toMatchObject({
        typeKey: "VssVersionOutOfRangeException",
        message: `The requested REST API version of ${requested} is out of range for this server. The latest REST API version this server supports is ${ceiling}.`,
      });
    }
  });

  it("a released version works, an unreleased one needs -preview, a malformed one is refused", async () => {
    const headers = basic(DEFAULT_PATS.fabrikamFull);
    expect((await request(`${fabrikam}/_apis/projects?api-version=7.1`, { headers })).status).toBe(200);
    const preview = await request(`${fabrikam}/_apis/projects?api-version=7.2`, { headers });
    expect(preview.status).toBe(400);
    expect(String(body(preview).message)).toContain('The -preview flag must be supplied in the api-version for such requests. For example: "7.2-preview"');
    expect((await request(`${fabrikam}/_apis/projects?api-version=7.2-preview.4`, { headers })).status).toBe(200);
    const malformed = await request(`${fabrikam}/_apis/projects?api-version=latest`, { headers });
    expect(malformed.status).toBe(400);
    expect(String(body(malformed).message)).toBe(
      'Invalid api version string: "latest". Api version string must be in the format: {Major}.{Minor}[-preview[.{ResourceVersion}]].',
    );
  });
});

describe("scopes", () => {
  it("commit-status probe: an invalid body gets 400 when the token may create statuses, 401 when it may not; nothing is written", async () => {
    const repo = DEFAULT_REPOS.walletApp;
    const url = `${fabrikam}/${encodeURIComponent(repo.project)}/_apis/git/repositories/${repo.id}/commits/${"0".repeat(40)}/statuses?api-version=7.1`;
    const allowed = await postJson(url, { state: "succeeded" }, basic(DEFAULT_PATS.fabrikamFull));
    expect(allowed.status).toBe(400);
    const refused = await postJson(url, { state: "succeeded" }, basic(DEFAULT_PATS.fabrikamNoCodeStatus));
    expect(refused.status).toBe(401);
    expect(body(refused).message).toBe(`TF400813: The user '${DEFAULT_USERS.alex.id}' is not authorized to access this resource.`);
    expect(handle.control.statuses()).toEqual([]);
  });

  it("a valid status POST without vso.code_status is refused; with it, it is created (201)", async () => {
    const repo = DEFAULT_REPOS.walletApp;
    const refs = values(await request(`${fabrikam}/_apis/git/repositories/${repo.id}/refs?filter=heads/main`, { headers: basic(DEFAULT_PATS.fabrikamFull) }));
    const sha = String(refs[0]?.objectId);
    const url = `${fabrikam}/${encodeURIComponent(repo.project)}/_apis/git/repositories/${repo.id}/commits/${sha}/statuses?api-version=7.1`;
    const status = { state: "pending", context: { name: "keel/build" } };
    expect((await postJson(url, status, basic(DEFAULT_PATS.fabrikamNoCodeStatus))).status).toBe(401);
    const created = await postJson(url, status, basic(DEFAULT_PATS.fabrikamFull));
    expect(created.status).toBe(201);
    expect(body(created)).toMatchObject({ id: 1, state: "pending", context: { name: "keel/build" } });
    expect(handle.control.statuses()).toHaveLength(1);
  });

  it("Notifications (Read) and Identity (Read) probes", async () => {
    const notifications = `${fabrikam}/_apis/notification/subscriptions?api-version=7.1`;
    expect((await request(notifications, { headers: basic(DEFAULT_PATS.fabrikamFull) })).status).toBe(200);
    expect((await request(notifications, { headers: basic(DEFAULT_PATS.fabrikamNoNotification) })).status).toBe(401);
    const identities = `${fabrikam}/_apis/identities?identityIds=${DEFAULT_USERS.alex.id}&api-version=7.1`;
    const found = await request(identities, { headers: basic(DEFAULT_PATS.fabrikamFull) });
    expect(found.status).toBe(200);
    expect(values(found)[0]?.id).toBe(DEFAULT_USERS.alex.id);
    expect((await request(identities, { headers: basic(DEFAULT_PATS.fabrikamNoIdentity) })).status).toBe(401);
  });

  it("listing projects needs vso.profile or vso.project (vso.notification implies vso.profile)", async () => {
    expect((await request(`${fabrikam}/_apis/projects`, { headers: basic(DEFAULT_PATS.fabrikamFull) })).status).toBe(200);
    expect((await request(`${fabrikam}/_apis/projects`, { headers: basic(DEFAULT_PATS.fabrikamNoNotification) })).status).toBe(401);
    expect((await request(`${fabrikam}/_apis/git/repositories`, { headers: basic(DEFAULT_PATS.fabrikamNoNotification) })).status).toBe(200);
  });

  it("OAuth tokens carry their scopes", async () => {
    const { accessToken } = await handle.control.issueOAuthToken({ provider: "entra", userId: DEFAULT_USERS.alex.id, scopes: ["vso.code"] });
    expect((await request(`${fabrikam}/_apis/git/repositories`, { headers: bearer(accessToken) })).status).toBe(200);
    expect((await request(`${fabrikam}/_apis/identities?identityIds=${DEFAULT_USERS.alex.id}`, { headers: bearer(accessToken) })).status).toBe(401);
  });
});

describe("organizations, membership, OAuth policy", () => {
  it("a legacy OAuth token against an organization whose OAuth policy is off → 401 TF400813 naming the user", async () => {
    const { accessToken } = await handle.control.issueOAuthToken({ provider: "legacy", userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES] });
    expect((await request(`${fabrikam}/_apis/projects`, { headers: bearer(accessToken) })).status).toBe(200);
    const refused = await request(`${services}/contoso/_apis/projects`, { headers: bearer(accessToken) });
    expect(refused.status).toBe(401);
    expect(body(refused).message).toBe(`TF400813: The user '${DEFAULT_USERS.alex.id}' is not authorized to access this resource.`);
    // PATs are not affected by the policy.
    expect((await request(`${services}/contoso/_apis/projects`, { headers: basic(DEFAULT_PATS.contoso) })).status).toBe(200);
    handle.control.setOAuthPolicy({ organization: "contoso", enabled: true });
    expect((await request(`${services}/contoso/_apis/projects`, { headers: bearer(accessToken) })).status).toBe(200);
  });

  it("the policy governs Azure DevOps OAuth apps only: Entra tokens still work on contoso", async () => {
    const { accessToken } = await handle.control.issueOAuthToken({ provider: "entra", userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES] });
    expect((await request(`${services}/contoso/_apis/projects`, { headers: bearer(accessToken) })).status).toBe(200);
  });

  it("a user who is not a member of the organization → 401", async () => {
    const { accessToken } = await handle.control.issueOAuthToken({ provider: "entra", userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES] });
    const response = await request(`${services}/northwind/_apis/projects`, { headers: bearer(accessToken) });
    expect(response.status).toBe(401);
    expect(body(response).message).toBe(`TF400813: The user '${DEFAULT_USERS.alex.id}' is not authorized to access this resource.`);
    handle.control.setMembership({ organization: "northwind", userId: DEFAULT_USERS.alex.id, member: true });
    expect((await request(`${services}/northwind/_apis/projects`, { headers: bearer(accessToken) })).status).toBe(200);
  });

  it("an unknown organization → 404", async () => {
    const response = await request(`${services}/no-such-org/_apis/projects`, { headers: basic(DEFAULT_PATS.allOrgs) });
    expect(response.status).toBe(404);
  });
});

describe("profile and accounts (vssps role)", () => {
  it("an organization-scoped PAT → 401; an all-organizations PAT works", async () => {
    const me = `${services}/_apis/profile/profiles/me?details=true&api-version=7.1`;
    expect((await request(me, { headers: basic(DEFAULT_PATS.fabrikamFull) })).status).toBe(401);
    const profile = await request(me, { headers: basic(DEFAULT_PATS.allOrgs) });
    expect(profile.status).toBe(200);
    expect(body(profile)).toMatchObject({ id: DEFAULT_USERS.alex.id, publicAlias: DEFAULT_USERS.alex.id, displayName: "Alex Morgan", emailAddress: DEFAULT_USERS.alex.email });
    const accounts = await request(`${services}/_apis/accounts?memberId=${DEFAULT_USERS.alex.id}&api-version=7.1`, { headers: basic(DEFAULT_PATS.fabrikamFull) });
    expect(accounts.status).toBe(401);
  });

  it("accounts list the organizations the user belongs to", async () => {
    const { accessToken } = await handle.control.issueOAuthToken({ provider: "legacy", userId: DEFAULT_USERS.alex.id, scopes: ["vso.profile"] });
    const response = await request(`${services}/_apis/accounts?memberId=${DEFAULT_USERS.alex.id}&api-version=7.1`, { headers: bearer(accessToken) });
    expect(values(response).map((account) => account.accountName).sort()).toEqual(["bigcorp", "contoso", "fabrikam"]);
  });

  it("a user with a profile but no organizations gets {count: 0, value: []}", async () => {
    const { accessToken } = await handle.control.issueOAuthToken({ provider: "entra", userId: DEFAULT_USERS.nora.id, scopes: ["vso.profile"] });
    const profile = await request(`${services}/_apis/profile/profiles/me?api-version=7.1-preview.3`, { headers: bearer(accessToken) });
    expect(body(profile).id).toBe(DEFAULT_USERS.nora.id);
    const accounts = await request(`${services}/_apis/accounts?memberId=${DEFAULT_USERS.nora.id}&api-version=7.1`, { headers: bearer(accessToken) });
    expect(accounts.status).toBe(200);
    expect(accounts.text).toBe('{"count":0,"value":[]}');
  });

  it("coreAttributes=Avatar returns a base64 PNG", async () => {
    const response = await request(`${services}/_apis/profile/profiles/me?details=true&coreAttributes=Avatar&api-version=7.1-preview.3`, {
      headers: basic(DEFAULT_PATS.allOrgs),
    });
    const avatar = ((body(response).coreAttributes as Record<string, { value: { value: string } }>).Avatar?.value.value) ?? "";
    expect(Buffer.from(avatar, "base64").subarray(1, 4).toString("ascii")).toBe("PNG");
  });
});

describe("not found", () => {
  it("project → 404 TF200016; repository → 404 TF401019; disabled repository content → 404 TF401019", async () => {
    const headers = basic(DEFAULT_PATS.fabrikamFull);
    const project = await request(`${fabrikam}/Nope/_apis/git/repositories`, { headers });
    expect(project.status).toBe(404);
    expect(body(project)).toMatchObject({
      message: "TF200016: The following project does not exist: Nope. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.",
      typeKey: "ProjectDoesNotExistWithNameException",
    });
    const repo = await request(`${fabrikam}/MOBILE_IOS/_apis/git/repositories/nope`, { headers });
    expect(repo.status).toBe(404);
    expect(body(repo)).toMatchObject({
      message: "TF401019: The Git repository with name or identifier nope does not exist or you do not have permissions for the operation you are attempting.",
      typeKey: "GitRepositoryNotFoundException",
    });
    const disabled = await request(`${fabrikam}/_apis/git/repositories/${DEFAULT_REPOS.disabled.id}/refs`, { headers });
    expect(disabled.status).toBe(404);
    expect(String(body(disabled).message)).toContain(DEFAULT_REPOS.disabled.id.toUpperCase());
    const listed = await request(`${fabrikam}/_apis/git/repositories/${DEFAULT_REPOS.disabled.id}`, { headers });
    expect(body(listed).isDisabled).toBe(true);
  });
});

describe("OAuth tokens: expiry and revocation", () => {
  it("access tokens expire after their lifetime on the emulator clock", async () => {
    handle.control.setAccessTokenLifetime(600);
    const { accessToken, expiresIn } = await handle.control.issueOAuthToken({ provider: "legacy", userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES] });
    expect(expiresIn).toBe(600);
    expect((await request(`${fabrikam}/_apis/projects`, { headers: bearer(accessToken) })).status).toBe(200);
    handle.control.advanceClock({ seconds: 601 });
    expect((await request(`${fabrikam}/_apis/projects`, { headers: bearer(accessToken) })).status).toBe(401);
  });

  it("revoking a token or the user's grant stops it", async () => {
    const first = await handle.control.issueOAuthToken({ provider: "entra", userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES] });
    const second = await handle.control.issueOAuthToken({ provider: "entra", userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES] });
    expect(handle.control.revokeToken(first.accessToken)).toBe(true);
    expect((await request(`${fabrikam}/_apis/projects`, { headers: bearer(first.accessToken) })).status).toBe(401);
    expect((await request(`${fabrikam}/_apis/projects`, { headers: bearer(second.accessToken) })).status).toBe(200);
    expect(handle.control.revokeGrants({ userId: DEFAULT_USERS.alex.id })).toBeGreaterThanOrEqual(1);
    expect((await request(`${fabrikam}/_apis/projects`, { headers: bearer(second.accessToken) })).status).toBe(401);
  });

  it("Server refuses OAuth bearer tokens", async () => {
    const { accessToken } = await handle.control.issueOAuthToken({ provider: "legacy", userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES] });
    const deployment = handle.deployment(DEFAULT_SERVERS.server2022.name);
    const response = await request(`${deployment.url}/DefaultCollection/_apis/projects`, { headers: bearer(accessToken) });
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toContain("NTLM");
  });
});
