import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS, DEFAULT_SERVERS } from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { acceptVersion, basic, body, request, values } from "./test-support.js";

/** REST surface: paging, refs, commits, URL forms, locations. */

let handle: EmulatorHandle;
let services: string;
let fabrikam: string;
const auth = (): Record<string, string> => basic(DEFAULT_PATS.fabrikamFull);
const get = (url: string, extra: Record<string, string> = {}): ReturnType<typeof request> => request(url, { headers: { ...auth(), ...extra } });

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

describe("projects", () => {
  it("pages by 100 with x-ms-continuationtoken and honours $top/$skip/continuationToken", async () => {
    const bigcorp = `${services}/bigcorp/_apis/projects`;
    const headers = basic(DEFAULT_PATS.bigcorp);
    const first = await request(`${bigcorp}?$top=15`, { headers });
    expect(values(first)).toHaveLength(15);
    expect(first.headers["x-ms-continuationtoken"]).toBe("15");
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await request(`${bigcorp}?$top=15${token === undefined ? "" : `&continuationToken=${token}`}`, { headers });
      names.push(...values(page).map((project) => String(project.name)));
      token = page.headers["x-ms-continuationtoken"] as string | undefined;
    } while (token !== undefined);
    expect(names).toHaveLength(40);
    expect(new Set(names).size).toBe(40);
    expect(names[0]).toBe("Team-0001");
    const skipped = await request(`${bigcorp}?$top=5&$skip=35`, { headers });
    expect(values(skipped).map((project) => project.name)).toEqual(["Team-0036", "Team-0037", "Team-0038", "Team-0039", "Team-0040"]);
    expect(skipped.headers["x-ms-continuationtoken"]).toBeUndefined();
    const all = await request(bigcorp, { headers });
    expect(values(all)).toHaveLength(40);
    expect(all.headers["x-ms-continuationtoken"]).toBeUndefined();
  });

  it("stateFilter: the default hides projects being deleted, all shows them", async () => {
    const wellFormed = values(await get(`${fabrikam}/_apis/projects`)).map((project) => project.name);
    expect(wellFormed).not.toContain(DEFAULT_PROJECTS.retired.name);
    const every = values(await get(`${fabrikam}/_apis/projects?stateFilter=all`)).map((project) => project.name);
    expect(every).toContain(DEFAULT_PROJECTS.retired.name);
    expect(values(await get(`${fabrikam}/_apis/projects?stateFilter=deleting`)).map((project) => project.name)).toEqual([DEFAULT_PROJECTS.retired.name]);
  });

  it("get by id or by name; url uses the project GUID", async () => {
    const byName = body(await get(`${fabrikam}/_apis/projects/MOBILE_IOS`));
    const byId = body(await get(`${fabrikam}/_apis/projects/${DEFAULT_PROJECTS.mobileIos.id}`));
    expect(byName.id).toBe(DEFAULT_PROJECTS.mobileIos.id);
    expect(byId.name).toBe("MOBILE_IOS");
    expect(byId.url).toBe(`${fabrikam}/_apis/projects/${DEFAULT_PROJECTS.mobileIos.id}`);
    expect((byId._links as Record<string, { href: string }>).web?.href).toBe(`${fabrikam}/MOBILE_IOS`);
  });
});

describe("repositories", () => {
  it("the organization-wide list spans projects; hidden ones need includeHidden; _links only with includeLinks", async () => {
    const all = values(await get(`${fabrikam}/_apis/git/repositories`));
    expect(all.map((repo) => repo.name)).toEqual(["empty-repo", "Fabrikam Fiber", "ios-sdk", "legacy-disabled", "Wallet App", "wallet-android", "wallet-app-fork", "Ünïcödé-Café"]);
    expect(all.every((repo) => repo._links === undefined)).toBe(true);
    const hidden = values(await get(`${fabrikam}/_apis/git/repositories?includeHidden=true&includeLinks=true`));
    expect(hidden.map((repo) => repo.name)).toContain(DEFAULT_REPOS.wiki.name);
    expect(hidden.every((repo) => repo._links !== undefined)).toBe(true);
  });

  it("URL forms: project GUID in url, {org}@ in remoteUrl, percent-encoded names, sshUrl without _git", async () => {
    const repo = body(await get(`${fabrikam}/MOBILE_IOS/_apis/git/repositories/Wallet%20App`));
    const authority = new URL(services).host;
    expect(repo.url).toBe(`${fabrikam}/${DEFAULT_PROJECTS.mobileIos.id}/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}`);
    expect(repo.remoteUrl).toBe(`http://fabrikam@${authority}/fabrikam/MOBILE_IOS/_git/Wallet%20App`);
    expect(repo.webUrl).toBe(`${fabrikam}/MOBILE_IOS/_git/Wallet%20App`);
    expect(repo.sshUrl).toBe("git@127.0.0.1:v3/fabrikam/MOBILE_IOS/Wallet%20App");
    expect(repo.defaultBranch).toBe("refs/heads/main");
    const links = repo._links as Record<string, { href: string }>;
    expect(links.project?.href).toBe(`vstfs:///Classification/TeamProject/${DEFAULT_PROJECTS.mobileIos.id}`);
    const unicode = body(await get(`${fabrikam}/_apis/git/repositories/${DEFAULT_REPOS.unicode.id}`));
    expect(unicode.webUrl).toBe(`${fabrikam}/Fabrikam%20Fiber/_git/%C3%9Cn%C3%AFc%C3%B6d%C3%A9-Caf%C3%A9`);
  });

  it("empty repository: no defaultBranch, no refs; fork: isFork and parentRepository", async () => {
    const empty = body(await get(`${fabrikam}/_apis/git/repositories/${DEFAULT_REPOS.empty.id}`));
    expect(empty.defaultBranch).toBeUndefined();
    expect(empty.size).toBe(0);
    const refs = await get(`${fabrikam}/_apis/git/repositories/${DEFAULT_REPOS.empty.id}/refs`);
    expect(refs.text).toBe('{"count":0,"value":[]}');
    const fork = body(await get(`${fabrikam}/Sandbox/_apis/git/repositories/wallet-app-fork`));
    expect(fork.isFork).toBe(true);
    expect(fork.parentRepository).toMatchObject({ id: DEFAULT_REPOS.walletApp.id, name: "Wallet App", project: { name: "MOBILE_IOS" } });
  });

  it("a repository name needs its project; an id works without", async () => {
    expect((await get(`${fabrikam}/_apis/git/repositories/Wallet%20App`)).status).toBe(404);
    expect((await get(`${fabrikam}/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}`)).status).toBe(200);
  });
});

describe("refs", () => {
  const refsUrl = (): string => `${fabrikam}/MOBILE_IOS/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}/refs`;

  it("filter is starts-with, filterContains is a substring; the url of a ref carries its filter", async () => {
    const heads = values(await get(`${refsUrl()}?filter=heads%2F`));
    expect(heads.map((ref) => ref.name)).toEqual(DEFAULT_REPOS.walletApp.branches.map((branch) => `refs/heads/${branch}`));
    const login = heads.find((ref) => ref.name === "refs/heads/feature/login");
    expect(login?.url).toBe(`${fabrikam}/${DEFAULT_PROJECTS.mobileIos.id}/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}/refs?filter=heads%2Ffeature%2Flogin`);
    expect(values(await get(`${refsUrl()}?filter=tags/`)).map((ref) => ref.name)).toEqual(["refs/tags/v1.0.0"]);
    expect(values(await get(`${refsUrl()}?filterContains=LOG`)).map((ref) => ref.name)).toEqual(["refs/heads/feature/login"]);
    expect(values(await get(`${refsUrl()}/heads/release`)).map((ref) => ref.name)).toEqual(["refs/heads/release/1.0"]);
    expect((heads[0]?.creator as Record<string, unknown>).displayName).toBe("Alex Morgan");
  });

  it("$top with continuationToken walks every ref once", async () => {
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await get(`${refsUrl()}?$top=2${token === undefined ? "" : `&continuationToken=${encodeURIComponent(token)}`}`);
      names.push(...values(page).map((ref) => String(ref.name)));
      token = page.headers["x-ms-continuationtoken"] as string | undefined;
      pages += 1;
    } while (token !== undefined && pages < 10);
    const all = [...DEFAULT_REPOS.walletApp.branches.map((branch) => `refs/heads/${branch}`), "refs/tags/v1.0.0"];
    expect(pages).toBe(Math.ceil(all.length / 2));
    expect(names).toEqual(all);
  });
});

describe("commits", () => {
  const commitsUrl = (): string => `${fabrikam}/MOBILE_IOS/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}/commits`;

  it("a branch with ≥150 commits pages with searchCriteria.$top/$skip (and plain $top/$skip)", async () => {
    const ids: string[] = [];
    for (let skip = 0; skip < 200; skip += 50) {
      const page = values(await get(`${commitsUrl()}?searchCriteria.itemVersion.version=main&searchCriteria.$top=50&searchCriteria.$skip=${skip}`));
      ids.push(...page.map((commit) => String(commit.commitId)));
    }
    expect(ids).toHaveLength(DEFAULT_REPOS.walletApp.mainCommits);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^[0-9a-f]{40}$/.test(id))).toBe(true);
    const plain = values(await get(`${commitsUrl()}?searchCriteria.itemVersion.version=main&$top=3&$skip=1`)).map((commit) => commit.commitId);
    expect(plain).toEqual(ids.slice(1, 4));
    const defaults = values(await get(commitsUrl()));
    expect(defaults).toHaveLength(100);
    expect(defaults[0]?.commitId).toBe(ids[0]);
  });

  it("feature branches include their fork point's history; dates descend; ids are deterministic", async () => {
    const login = values(await get(`${commitsUrl()}?searchCriteria.itemVersion.version=feature/login&searchCriteria.$top=20`));
    const develop = values(await get(`${commitsUrl()}?searchCriteria.itemVersion.version=develop&searchCriteria.$top=20`));
    expect(login.slice(3).map((commit) => commit.commitId)).toEqual(develop.slice(0, 17).map((commit) => commit.commitId));
    const dates = login.map((commit) => Date.parse(String((commit.author as Record<string, string>).date)));
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
    const again = await startEmulator({ fixture: "default" });
    try {
      const sameUrl = `${again.servicesUrl ?? ""}/fabrikam/MOBILE_IOS/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}/commits?searchCriteria.itemVersion.version=feature/login&searchCriteria.$top=20`;
      expect(values(await request(sameUrl, { headers: auth() })).map((commit) => commit.commitId)).toEqual(login.map((commit) => commit.commitId));
    } finally {
      await again.stop();
    }
  });

  it("compareVersion leaves out the compare version's history: the commits of a branch that another lacks", async () => {
    const login = values(await get(`${commitsUrl()}?searchCriteria.itemVersion.version=feature/login&searchCriteria.$top=20`)).map((commit) => String(commit.commitId));
    const develop = values(await get(`${commitsUrl()}?searchCriteria.itemVersion.version=develop&searchCriteria.$top=1`)).map((commit) => String(commit.commitId));
    const ahead = values(await get(`${commitsUrl()}?searchCriteria.itemVersion.version=feature/login&searchCriteria.compareVersion.version=develop`));
    expect(ahead.map((commit) => commit.commitId)).toEqual(login.slice(0, 3));
    // By commit ids, as Keel asks for a build's changes since an earlier build.
    const byCommit = values(
      await get(
        `${commitsUrl()}?searchCriteria.itemVersion.version=${login[0]}&searchCriteria.itemVersion.versionType=commit&searchCriteria.compareVersion.version=${develop[0]}&searchCriteria.compareVersion.versionType=commit&searchCriteria.$top=2`,
      ),
    );
    expect(byCommit.map((commit) => commit.commitId)).toEqual(login.slice(0, 2));
    const behind = values(await get(`${commitsUrl()}?searchCriteria.itemVersion.version=develop&searchCriteria.compareVersion.version=feature/login`));
    expect(behind).toEqual([]);
    expect((await get(`${commitsUrl()}?searchCriteria.itemVersion.version=develop&searchCriteria.compareVersion.version=${"b".repeat(40)}&searchCriteria.compareVersion.versionType=commit`)).status).toBe(404);
  });

  it("get one commit; unknown branch or commit → 404", async () => {
    const head = values(await get(`${commitsUrl()}?searchCriteria.$top=1`))[0];
    const commit = body(await get(`${commitsUrl()}/${String(head?.commitId)}`));
    expect(commit.commitId).toBe(head?.commitId);
    expect((commit.parents as string[]).length).toBe(1);
    expect((await get(`${commitsUrl()}?searchCriteria.itemVersion.version=nope`)).status).toBe(404);
    expect((await get(`${commitsUrl()}/${"a".repeat(40)}`)).status).toBe(404);
  });
});

describe("legacy host form ({org}.visualstudio.com)", () => {
  it("serves the organization at / and writes legacy-form URLs that follow the Host header", async () => {
    const port = new URL(services).port;
    const host = `fabrikam.visualstudio.com:${port}`;
    const repos = await request(`${services}/MOBILE_IOS/_apis/git/repositories?api-version=7.1`, { headers: auth(), host });
    expect(repos.status).toBe(200);
    const wallet = values(repos).find((repo) => repo.name === "Wallet App") ?? {};
    expect(wallet.url).toBe(`http://${host}/${DEFAULT_PROJECTS.mobileIos.id}/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}`);
    expect(wallet.remoteUrl).toBe(`http://${host}/MOBILE_IOS/_git/Wallet%20App`);
    expect(wallet.sshUrl).toBe("fabrikam@vs-ssh.visualstudio.com:v3/fabrikam/MOBILE_IOS/Wallet%20App");
    const projects = values(await request(`${services}/DefaultCollection/_apis/projects`, { headers: auth(), host: `fabrikam.visualstudio.test:${port}` }));
    expect(String(projects[0]?.url)).toMatch(new RegExp(`^http://fabrikam\\.visualstudio\\.test:${port}/_apis/projects/`));
  });

  it("new-form URLs follow whatever Host the client used", async () => {
    const port = new URL(services).port;
    const project = body(await request(`${fabrikam}/_apis/projects/MOBILE_IOS`, { headers: auth(), host: `dev.azure.test:${port}` }));
    expect(project.url).toBe(`http://dev.azure.test:${port}/fabrikam/_apis/projects/${DEFAULT_PROJECTS.mobileIos.id}`);
  });
});

describe("Server URLs", () => {
  it("/tfs prefix: the fixture's clone URL is real and the API answers under it", async () => {
    const server = DEFAULT_SERVERS.server2022;
    const deployment = handle.deployment(server.name);
    const headers = basic(DEFAULT_PATS.server2022);
    const repo = body(await request(`${deployment.url}/DefaultCollection/MOBILE_IOS/_apis/git/repositories/wallet?api-version=7.1`, { headers }));
    const cloneUrl = `${deployment.url}/DefaultCollection/MOBILE_IOS/_git/wallet`;
    expect(repo.remoteUrl).toBe(cloneUrl);
    expect(repo.sshUrl).toBe(`ssh://127.0.0.1:22/tfs/DefaultCollection/MOBILE_IOS/_git/wallet`);
    expect((await request(cloneUrl, { headers })).status).toBe(200);
    const advertisement = await request(`${cloneUrl}/info/refs?service=git-upload-pack`, { headers });
    expect(advertisement.headers["content-type"]).toBe("application/x-git-upload-pack-advertisement");
    expect(advertisement.text.startsWith("001e# service=git-upload-pack\n0000")).toBe(true);
    expect(advertisement.text).toContain("refs/heads/main");
    expect(advertisement.text).toContain("symref=HEAD:refs/heads/main");
    const anonymous = await request(`${cloneUrl}/info/refs?service=git-upload-pack`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toContain("NTLM");
    expect((await request(`${deployment.origin}/DefaultCollection/_apis/projects`, { headers })).status).toBe(404);
  });

  it("the localhost public URL ends up in every returned URL, whatever Host was used", async () => {
    const server = DEFAULT_SERVERS.serverLocalhost;
    const deployment = handle.deployment(server.name);
    const headers = { ...basic(DEFAULT_PATS.serverLocalhost), ...acceptVersion("7.1") };
    const collection = `${deployment.url}/DefaultCollection`;
    const texts: string[] = [];
    const repo = body(await request(`${collection}/MOBILE_IOS/_apis/git/repositories/wallet`, { headers, host: "tfs.fabrikam.test" }));
    texts.push(JSON.stringify(repo));
    expect(repo.remoteUrl).toBe("http://localhost:8080/tfs/DefaultCollection/MOBILE_IOS/_git/wallet");
    expect(repo.webUrl).toBe("http://localhost:8080/tfs/DefaultCollection/MOBILE_IOS/_git/wallet");
    expect(repo.sshUrl).toBe("ssh://localhost:22/tfs/DefaultCollection/MOBILE_IOS/_git/wallet");
    expect(String(repo.url)).toMatch(/^http:\/\/localhost:8080\/tfs\/DefaultCollection\//);
    expect(Object.values(repo._links as Record<string, { href: string }>).filter((link) => link.href.startsWith("http")).every((link) => link.href.startsWith("http://localhost:8080/tfs/"))).toBe(true);
    texts.push((await request(`${collection}/_apis/projects`, { headers })).text);
    texts.push((await request(`${collection}/MOBILE_IOS/_apis/git/repositories/wallet/refs`, { headers })).text);
    // connectionData is preview-only: a released api-version would be refused, so send none.
    const cd = body(await request(`${collection}/_apis/connectionData?connectOptions=1`, { headers: basic(DEFAULT_PATS.serverLocalhost) }));
    const mappings = (cd.locationServiceData as Record<string, unknown>).accessMappings as Array<Record<string, string>>;
    expect(mappings[0]).toMatchObject({ accessPoint: "http://localhost:8080/tfs", virtualDirectory: "DefaultCollection", moniker: "PublicAccessMapping" });
    expect(cd.deploymentType).toBe("onPremises");
    const urls = texts.join("\n").match(/https?:\/\/[^"\s]+/g) ?? [];
    expect(urls.length).toBeGreaterThan(5);
    expect(urls.filter((url) => !url.startsWith("http://localhost:8080/tfs/"))).toEqual([]);
  });
});

describe("locations", () => {
  it("OPTIONS /_apis and /_apis/{area} (case-insensitive) with the product's versions", async () => {
    const all = values(await request(`${fabrikam}/_apis`, { method: "OPTIONS", headers: auth() }));
    expect(all.map((location) => location.id)).toEqual(
      expect.arrayContaining([
        "00d9565f-ed9c-4a06-9a50-00e7896ccab4",
        "e81700f7-3be2-46de-8624-2eb35882fcaa",
        "603fe2ac-9723-48b9-88ad-09305aa6c6e1",
        "225f7195-f9c7-4d14-ab28-a83f7ff77e1f",
        "2d874a60-a811-4f62-9c9f-963a6ea0a55b",
        "428dd4fb-fda5-4722-af02-9313b80305da",
        "c2570c3b-5b3f-41b8-98bf-5407bfde8d58",
        "fc50d02a-849f-41fb-8af1-0a5216103269",
      ]),
    );
    const git = values(await request(`${fabrikam}/_apis/GIT`, { method: "OPTIONS", headers: auth() }));
    expect(new Set(git.map((location) => location.area))).toEqual(new Set(["git"]));
    expect(git.find((location) => location.resourceName === "repositories")).toMatchObject({
      routeTemplate: "{project}/_apis/{area}/{resource}/{repositoryId}",
      maxVersion: "7.2",
      releasedVersion: "7.1",
    });
    const onPrem = values(
      await request(`${handle.deployment("server2019").url}/DefaultCollection/_apis/core`, { method: "OPTIONS", headers: basic(DEFAULT_PATS.server2019) }),
    );
    expect(onPrem[0]).toMatchObject({ resourceName: "projects", maxVersion: "5.0", releasedVersion: "5.0" });
    expect(values(await request(`${fabrikam}/_apis/nosucharea`, { method: "OPTIONS", headers: auth() }))).toEqual([]);
  });

  it("identities: by id list, single id, and search", async () => {
    const single = body(await get(`${fabrikam}/_apis/identities/${"4a7c9e21-3b5d-4f68-8a1b-0c2d3e4f5a61"}`));
    expect(single).toMatchObject({ id: "4a7c9e21-3b5d-4f68-8a1b-0c2d3e4f5a61", providerDisplayName: "Alex Morgan" });
    expect(values(await get(`${fabrikam}/_apis/identities?searchFilter=General&filterValue=okafor`)).map((identity) => identity.providerDisplayName)).toEqual(["Sam Okafor"]);
    // Priya is not a member of fabrikam, so her identity is not visible there.
    expect(values(await get(`${fabrikam}/_apis/identities?identityIds=6c9e1a43-5d7f-418a-8c3d-2e4f5a6b7c83`))).toEqual([]);
    expect((await get(`${fabrikam}/_apis/identities`)).status).toBe(400);
  });

  it("ResourceAreas point at the emulator on Services (profile/account at the vssps root)", async () => {
    const areas = values(await request(`${fabrikam}/_apis/ResourceAreas`, { headers: { ...auth(), ...acceptVersion("7.2-preview.1") } }));
    expect(areas.find((area) => area.name === "git")?.locationUrl).toBe(`${fabrikam}/`);
    expect(areas.find((area) => area.name === "Profile")?.locationUrl).toBe(`${services}/`);
  });

  it("connectionData: hosted identity and access mappings following the request", async () => {
    const cd = body(await request(`${fabrikam}/_apis/connectionData?connectOptions=1`, { headers: auth() }));
    expect(cd.deploymentType).toBe("hosted");
    expect((cd.authenticatedUser as Record<string, unknown>).providerDisplayName).toBe("Alex Morgan");
    const mapping = ((cd.locationServiceData as Record<string, unknown>).accessMappings as Array<Record<string, string>>)[0];
    expect(`${mapping?.accessPoint ?? ""}/${mapping?.virtualDirectory ?? ""}`).toBe(fabrikam);
    const plain = body(await request(`${fabrikam}/_apis/connectionData`, { headers: auth() }));
    expect((plain.locationServiceData as Record<string, unknown>).accessMappings).toBeUndefined();
  });
});

describe("fidelity: unknown routes, Content-Type, commit statuses", () => {
  it("an unknown route answers ASP.NET's HTML 404 page; a known route with an unknown resource keeps the JSON error", async () => {
    const unknown = await get(`${fabrikam}/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}/nonsense`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(unknown.text).toContain(`<title>The controller for path &#39;/fabrikam/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}/nonsense&#39; was not found or does not implement IController.</title>`);
    expect(unknown.text).toContain("404 - Page not found");
    const server = handle.deployment(DEFAULT_SERVERS.server2022.name);
    const onPrem = await request(`${server.url}/DefaultCollection/_apis/nowhere`, { headers: basic(DEFAULT_PATS.server2022) });
    expect([onPrem.status, onPrem.headers["content-type"]]).toEqual([404, "text/html; charset=utf-8"]);
    const project = await get(`${fabrikam}/NoSuchProject/_apis/git/repositories`);
    expect([project.status, body(project).typeKey]).toEqual([404, "ProjectDoesNotExistWithNameException"]);
    // Anonymous callers still get the 401 first: authentication comes before routing.
    expect((await request(`${fabrikam}/_apis/nowhere`)).status).toBe(401);
  });

  it("a body whose Content-Type is not JSON is refused with 400 VssRequestContentTypeNotSupportedException", async () => {
    const url = `${fabrikam}/MOBILE_IOS/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}/commits/${"a".repeat(40)}/statuses?api-version=7.1`;
    const form = await request(url, { method: "POST", headers: { ...auth(), "Content-Type": "application/x-www-form-urlencoded" }, body: "state=succeeded" });
    expect(form.status).toBe(400);
    expect(body(form)).toMatchObject({
      message:
        'The request indicated a Content-Type of "application/x-www-form-urlencoded" for method type "POST" which is not supported. Valid content types for this method are: application/json, application/json-patch+json.',
      typeKey: "VssRequestContentTypeNotSupportedException",
      typeName: "Microsoft.VisualStudio.Services.WebApi.VssRequestContentTypeNotSupportedException, Microsoft.VisualStudio.Services.WebApi",
    });
    const none = await request(url, { method: "POST", headers: auth(), body: '{"state":"succeeded"}' });
    expect(none.status).toBe(400);
    expect(String(body(none).message)).toContain('Content-Type of ""');
    const plain = await request(url, { method: "POST", headers: { ...auth(), "Content-Type": "text/plain" }, body: "{}" });
    expect(body(plain).typeKey).toBe("VssRequestContentTypeNotSupportedException");
    // JSON (any charset) and JSON patch pass on to the action: here 404, the commit does not exist.
    const json = await request(url, { method: "POST", headers: { ...auth(), "Content-Type": "application/json; charset=utf-8" }, body: '{"state":"succeeded","context":{"name":"x"}}' });
    expect(json.status).toBe(404);
    const patch = await request(url, { method: "POST", headers: { ...auth(), "Content-Type": "application/json-patch+json" }, body: '{"state":"succeeded","context":{"name":"x"}}' });
    expect(patch.status).toBe(404);
    // A DELETE without a body needs no Content-Type.
    const hooks = `${fabrikam}/_apis/hooks/subscriptions/00000000-0000-0000-0000-000000000000?api-version=7.1`;
    expect((await request(hooks, { method: "DELETE", headers: basic(DEFAULT_PATS.fabrikamFullAccess) })).status).toBe(404);
  });

  it("commit statuses round-trip genre, name, state (name or number), description and targetUrl", async () => {
    const repo = `${fabrikam}/MOBILE_IOS/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}`;
    const tip = String(values(await get(`${repo}/refs?filter=heads/main`))[0]?.objectId);
    const post = (status: unknown): ReturnType<typeof request> =>
      request(`${repo}/commits/${tip}/statuses?api-version=7.1`, { method: "POST", headers: { ...auth(), "Content-Type": "application/json" }, body: JSON.stringify(status) });
    const sent = [
      { state: "pending", description: "Build #12 queued — ünïcödé", targetUrl: "https://keel.example.test/builds/12?tab=log#L1", context: { name: "Wallet App (iOS)", genre: "keel" } },
      { state: 2, description: "Build #12 succeeded", targetUrl: "https://keel.example.test/builds/12", context: { name: "Wallet App (iOS)", genre: "keel" } },
      { state: "ERROR", context: { name: "no-genre" } },
    ];
    const created = [];
    for (const status of sent) {
      const response = await post(status);
      expect(response.status).toBe(201);
      created.push(body(response));
    }
    expect(created.map((status) => status.state)).toEqual(["pending", "succeeded", "error"]);
    expect(created[0]).toMatchObject({ description: sent[0]?.description, targetUrl: sent[0]?.targetUrl, context: { name: "Wallet App (iOS)", genre: "keel" } });
    expect(created[2]?.context).toEqual({ name: "no-genre" });
    expect(created[2]).not.toHaveProperty("description");
    expect(created[2]).not.toHaveProperty("targetUrl");
    const listed = values(await get(`${repo}/commits/${tip}/statuses?api-version=7.1`));
    expect(listed.map((status) => [status.id, status.state, (status.context as Record<string, string>).name])).toEqual([
      [3, "error", "no-genre"],
      [2, "succeeded", "Wallet App (iOS)"],
      [1, "pending", "Wallet App (iOS)"],
    ]);
    const latest = values(await get(`${repo}/commits/${tip}/statuses?latestOnly=true&api-version=7.1`));
    expect(latest.map((status) => status.id)).toEqual([3, 2]);
    const onRef = values(await get(`${repo}/refs?filter=heads/main&includeStatuses=true&latestStatusesOnly=true`))[0]?.statuses as Array<Record<string, unknown>>;
    expect(onRef.map((status) => status.state)).toEqual(["error", "succeeded"]);
    expect(handle.control.statuses().map((status) => [status.contextGenre, status.contextName, status.state])).toEqual([
      ["keel", "Wallet App (iOS)", "pending"],
      ["keel", "Wallet App (iOS)", "succeeded"],
      [undefined, "no-genre", "error"],
    ]);
    expect((await post({ state: "green", context: { name: "x" } })).status).toBe(400);
    expect((await post({ state: "pending", context: { name: "x" }, targetUrl: "javascript:alert(1)" })).status).toBe(400);
  });
});
