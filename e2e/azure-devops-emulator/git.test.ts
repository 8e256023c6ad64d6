import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_BUILD_BRANCHES, DEFAULT_PATS, DEFAULT_REPOS, DEFAULT_SERVERS, DEFAULT_USERS, KEEL_SCOPES } from "./fixtures/default.js";
import { FIXTURE_BUILD } from "./git-content.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import {
  acceptVersion,
  authEnv,
  basic,
  body,
  hookSubscription,
  patAuth,
  postJson,
  request,
  runCommand,
  startReceiver,
  values,
  uploadLfsObjects,
  type GitRun,
  type HookReceiver,
} from "./test-support.js";

/**
 * Real git: Debian's git client against the emulator's `git http-backend`. Credentials go in
 * `http.extraHeader` through GIT_CONFIG_* environment variables (never on a command line),
 * the way a build worker passes them; the 401 challenge path is covered with a user:PAT URL.
 */

let handle: EmulatorHandle;
let receiver: HookReceiver;
let work: string;
let services: string;

/** Runs a command with a clean git environment in the test's folder. */
function run(command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<GitRun> {
  return runCommand(command, args, { ...options, home: work });
}

function folder(name: string): string {
  return mkdtempSync(join(work, `${name}-`));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "ado-emulator-git-test-"));
  handle = await startEmulator({ fixture: "default", hookPolicy: { transientRetryDelaysMs: [20], probationRetryDelaysMs: [20] } });
  receiver = await startReceiver();
  services = handle.servicesUrl ?? "";
});

beforeEach(() => {
  handle.reset();
  receiver.received.length = 0;
});

afterAll(async () => {
  await handle.stop();
  await receiver.close();
  rmSync(work, { recursive: true, force: true });
});

const walletUrl = (): string => `${services}/fabrikam/MOBILE_IOS/_git/Wallet%20App`;
const walletApi = (): string => `${services}/fabrikam/MOBILE_IOS/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}`;
const rest = (path: string): Promise<ReturnType<typeof values>> =>
  request(`${walletApi()}${path}`, { headers: { ...basic(DEFAULT_PATS.fabrikamFull), ...acceptVersion("7.1") } }).then(values);

describe("clone and fetch over smart HTTP", () => {
  it("clones with a PAT (Basic, any user name): files, history and ids are exactly what the REST API reports", async () => {
    const dir = folder("clone");
    const clone = await run("git", ["clone", "--quiet", "--no-single-branch", walletUrl(), dir], { env: authEnv(patAuth(DEFAULT_PATS.fabrikamFull)) });
    expect(clone.stderr).toBe("");
    expect(clone.code).toBe(0);
    expect(readFileSync(join(dir, "README.md"), "utf8")).toContain("# Wallet App");
    expect(statSync(join(dir, FIXTURE_BUILD.script)).mode & 0o111).not.toBe(0);
    expect((await run("git", ["rev-list", "--count", "HEAD"], { cwd: dir })).stdout.trim()).toBe(String(DEFAULT_REPOS.walletApp.mainCommits));
    // Every branch: the remote-tracking refs equal the refs API.
    const remote = (await run("git", ["for-each-ref", "--format=%(refname:lstrip=3) %(objectname)", "refs/remotes/origin"], { cwd: dir })).stdout
      .trim()
      .split("\n")
      .filter((line) => !line.startsWith("HEAD "))
      .sort();
    const refs = await rest("/refs?filter=heads/");
    expect(remote).toEqual(refs.map((ref) => `${String(ref.name).replace("refs/heads/", "")} ${String(ref.objectId)}`).sort());
    expect(remote.map((line) => line.split(" ")[0])).toEqual(DEFAULT_REPOS.walletApp.branches);
    // History: the commits API lists git's history, and one commit's fields are git's.
    const log = (await run("git", ["rev-list", "--max-count=100", "HEAD"], { cwd: dir })).stdout.trim().split("\n");
    expect((await rest("/commits?searchCriteria.$top=100")).map((commit) => commit.commitId)).toEqual(log);
    const head = body(await request(`${walletApi()}/commits/${log[0] ?? ""}`, { headers: basic(DEFAULT_PATS.fabrikamFull) }));
    const shown = (await run("git", ["show", "-s", "--format=%T%n%P%n%an%n%ae%n%aI%n%B", "HEAD"], { cwd: dir })).stdout.split("\n");
    expect(head.treeId).toBe(shown[0]);
    expect(head.parents).toEqual([shown[1]]);
    expect(head.author).toEqual({ name: shown[2], email: shown[3], date: new Date(shown[4] ?? "").toISOString().replace(".000Z", "Z") });
    expect(head.comment).toBe(shown[5]);
  });

  it("answers the 401 challenge (user:PAT in the URL) and is refused without credentials, with the deployment's WWW-Authenticate", async () => {
    const anonymous = await request(`${walletUrl()}/info/refs?service=git-upload-pack`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toContain(`Basic realm="${services}/"`);
    expect(anonymous.headers["www-authenticate"]).toContain("Bearer authorization_uri=");
    const denied = await run("git", ["ls-remote", walletUrl()]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/terminal prompts disabled|Authentication failed/);
    const wrong = await run("git", ["ls-remote", walletUrl()], { env: authEnv(patAuth("not-a-pat")) });
    expect(wrong.code).not.toBe(0);
    const withUser = walletUrl().replace("http://", `http://fabrikam:${DEFAULT_PATS.fabrikamFull}@`);
    const listed = await run("git", ["ls-remote", withUser, "refs/heads/main"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("refs/heads/main");
  });

  it("clones with an OAuth bearer token on Services", async () => {
    const { accessToken } = await handle.control.issueOAuthToken({ provider: "entra", userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES] });
    const dir = folder("bearer");
    const clone = await run("git", ["clone", "--quiet", walletUrl(), dir], { env: authEnv(`Bearer ${accessToken}`) });
    expect(clone.code).toBe(0);
    expect(readFileSync(join(dir, "CHANGELOG.md"), "utf8").split("\n").filter((line) => line.startsWith("- "))).toHaveLength(DEFAULT_REPOS.walletApp.mainCommits);
    handle.control.revokeToken(accessToken);
    expect((await run("git", ["ls-remote", walletUrl()], { env: authEnv(`Bearer ${accessToken}`) })).code).not.toBe(0);
  });

  it("fetches exactly one commit by id into an empty repository (protocol v2 and v0)", async () => {
    const [failing] = await rest(`/refs?filter=heads/${DEFAULT_BUILD_BRANCHES.failing}`);
    const sha = String(failing?.objectId);
    for (const version of ["2", "0"]) {
      const dir = folder(`fetch-v${version}`);
      await run("git", ["init", "--quiet", dir]);
      const env = authEnv(patAuth(DEFAULT_PATS.fabrikamFull), { "protocol.version": version });
      const fetched = await run("git", ["fetch", "--quiet", "--depth", "1", walletUrl(), sha], { cwd: dir, env });
      expect(fetched.stderr).toBe("");
      expect((await run("git", ["checkout", "--quiet", "FETCH_HEAD"], { cwd: dir })).code).toBe(0);
      expect((await run("git", ["rev-parse", "HEAD"], { cwd: dir })).stdout.trim()).toBe(sha);
      expect(readFileSync(join(dir, "ci", "build.conf"), "utf8")).toContain("FAIL_STEP=test");
    }
  });

  it("Server: clone behind /tfs with a PAT; bearer tokens are refused; TLS needs the emulator's CA", async () => {
    const server = DEFAULT_SERVERS.server2022;
    const url = `${handle.deployment(server.name).url}/${server.collection}/${server.project}/_git/${server.repository}`;
    const dir = folder("server");
    expect((await run("git", ["clone", "--quiet", url, dir], { env: authEnv(patAuth(DEFAULT_PATS.server2022)) })).code).toBe(0);
    const branches = (await run("git", ["ls-remote", "--heads", url], { env: authEnv(patAuth(DEFAULT_PATS.server2022)) })).stdout;
    expect(branches).toContain(`refs/heads/${DEFAULT_BUILD_BRANCHES.slow}`);
    const anonymous = await request(`${url}/info/refs?service=git-upload-pack`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toBe(`Bearer, Basic realm="${handle.deployment(server.name).publicUrl ?? ""}", Negotiate, NTLM`);
    const { accessToken } = await handle.control.issueOAuthToken({ provider: "legacy", userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES] });
    expect((await run("git", ["ls-remote", url], { env: authEnv(`Bearer ${accessToken}`) })).code).not.toBe(0);

    const tls = DEFAULT_SERVERS.serverTls;
    const tlsUrl = `${handle.deployment(tls.name).url}/${tls.collection}/${tls.project}/_git/${tls.repository}`;
    const caFile = join(work, "ca.pem");
    writeFileSync(caFile, handle.caCertPem);
    const untrusted = await run("git", ["ls-remote", tlsUrl], { env: authEnv(patAuth(DEFAULT_PATS.serverTls)) });
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/certificate|SSL/i);
    const tlsDir = folder("tls");
    const trusted = await run("git", ["clone", "--quiet", tlsUrl, tlsDir], { env: authEnv(patAuth(DEFAULT_PATS.serverTls), { "http.sslCAInfo": caFile }) });
    expect(trusted.code).toBe(0);
    expect(readFileSync(join(tlsDir, "README.md"), "utf8")).toContain("# wallet");
  });

  it("the build script passes on main, fails on the failing branch, and runs long on the slow branch", async () => {
    const dir = folder("build");
    await run("git", ["clone", "--quiet", walletUrl(), dir], { env: authEnv(patAuth(DEFAULT_PATS.fabrikamFull)) });
    const all = await run("bash", ["-e", "-c", FIXTURE_BUILD.command], { cwd: dir });
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split("\n").at(-1)).toBe(FIXTURE_BUILD.successLine);
    expect(all.stdout).toContain("\u001b[32m✔");
    for (const step of FIXTURE_BUILD.steps) {
      expect((await run("bash", ["-e", "-c", step.command], { cwd: dir })).code).toBe(0);
    }
    await run("git", ["checkout", "--quiet", DEFAULT_BUILD_BRANCHES.failing], { cwd: dir });
    expect((await run("bash", ["-e", "-c", "./build.sh build"], { cwd: dir })).code).toBe(0);
    const failed = await run("bash", ["-e", "-c", "./build.sh test"], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(FIXTURE_BUILD.failureLine);
    await run("git", ["checkout", "--quiet", DEFAULT_BUILD_BRANCHES.slow], { cwd: dir });
    const slow = await run("bash", ["-e", "-c", "./build.sh build"], { cwd: dir, env: { [FIXTURE_BUILD.slowSecondsVariable]: "2" } });
    expect(slow.code).toBe(0);
    expect(slow.stdout).toContain("compiling module 2 of 2");
    expect(readFileSync(join(dir, "ci", "build.conf"), "utf8")).toContain(`BUILD_SECONDS=${FIXTURE_BUILD.slowSeconds}`);
  });
});

describe("push through git", () => {
  it("moves the refs the REST API reports, records the push (creator on a new branch) and fires git.push with the Basic credentials", async () => {
    const subscription = await postJson(
      `${services}/fabrikam/_apis/hooks/subscriptions`,
      hookSubscription({ url: `${receiver.url}/from-git`, repository: DEFAULT_REPOS.walletApp.id, username: "keel-hooks", password: "s3cret-pass" }),
      { ...basic(DEFAULT_PATS.fabrikamFull), ...acceptVersion("7.1") },
    );
    const subscriptionId = String(body(subscription).id);
    const dir = folder("push");
    const env = authEnv(patAuth(DEFAULT_PATS.fabrikamFullAccess));
    await run("git", ["clone", "--quiet", walletUrl(), dir], { env });
    writeFileSync(join(dir, "NOTES.md"), "pushed through git\n");
    await run("git", ["add", "NOTES.md"], { cwd: dir });
    await run("git", ["commit", "--quiet", "-m", "Push through git"], { cwd: dir });
    const sha = (await run("git", ["rev-parse", "HEAD"], { cwd: dir })).stdout.trim();
    const pushed = await run("git", ["push", "--quiet", "origin", "HEAD:refs/heads/main", "HEAD:refs/heads/feature/from-git"], { cwd: dir, env });
    expect(pushed.stderr).toBe("");
    expect(pushed.code).toBe(0);
    // The REST API sees the new tips at once; the new branch belongs to its pusher.
    const refs = await rest("/refs?filter=heads/");
    expect(refs.find((ref) => ref.name === "refs/heads/main")?.objectId).toBe(sha);
    const created = refs.find((ref) => ref.name === "refs/heads/feature/from-git");
    expect(created?.objectId).toBe(sha);
    expect((created?.creator as Record<string, string>).id).toBe(DEFAULT_USERS.alex.id);
    expect((await rest("/commits?searchCriteria.$top=1"))[0]).toMatchObject({ commitId: sha, comment: "Push through git" });
    // Recorded as one push with both ref updates.
    const pushes = await rest("/pushes?searchCriteria.includeRefUpdates=true");
    expect(pushes).toHaveLength(1);
    expect((pushes[0]?.pushedBy as Record<string, string>).id).toBe(DEFAULT_USERS.alex.id);
    expect((pushes[0]?.refUpdates as Array<Record<string, string>>).map((update) => update.name).sort()).toEqual(["refs/heads/feature/from-git", "refs/heads/main"]);
    const one = body(await request(`${walletApi()}/pushes/${String(pushes[0]?.pushId)}`, { headers: basic(DEFAULT_PATS.fabrikamFull) }));
    expect((one.commits as Array<Record<string, string>>).map((commit) => commit.commitId)).toEqual([sha]);
    // …and delivered as git.push with the subscription's Basic credentials.
    const [delivery] = await handle.control.waitForDeliveries({ subscriptionId });
    expect(delivery?.status).toBe(200);
    const hook = receiver.received[0];
    expect(hook?.headers.authorization).toBe(`Basic ${Buffer.from("keel-hooks:s3cret-pass").toString("base64")}`);
    const resource = hook?.body.resource as Record<string, unknown>;
    expect((resource.commits as Array<Record<string, string>>).map((commit) => commit.commitId)).toEqual([sha]);
    expect((resource.refUpdates as unknown[]).length).toBe(2);
    expect(resource.pushId).toBe(pushes[0]?.pushId);
  });

  it("a token without Code (Read & write) cannot push: 403 and nothing moves", async () => {
    const dir = folder("readonly");
    const env = authEnv(patAuth(DEFAULT_PATS.fabrikamFull));
    await run("git", ["clone", "--quiet", walletUrl(), dir], { env });
    await run("git", ["commit", "--quiet", "--allow-empty", "-m", "Should not land"], { cwd: dir });
    const before = (await rest("/refs?filter=heads/main"))[0]?.objectId;
    const pushed = await run("git", ["push", "origin", "HEAD:refs/heads/main"], { cwd: dir, env });
    expect(pushed.code).not.toBe(0);
    expect(pushed.stderr).toContain("403");
    expect((await rest("/refs?filter=heads/main"))[0]?.objectId).toBe(before);
    expect(await rest("/pushes")).toEqual([]);
  });

  it("the first push into the empty repository makes its branch the default", async () => {
    const repo = DEFAULT_REPOS.empty;
    const url = `${services}/fabrikam/${encodeURIComponent(repo.project)}/_git/${encodeURIComponent(repo.name)}`;
    const dir = folder("empty");
    const env = authEnv(patAuth(DEFAULT_PATS.fabrikamFullAccess));
    const clone = await run("git", ["clone", "--quiet", url, dir], { env });
    expect(clone.code).toBe(0);
    writeFileSync(join(dir, "README.md"), "# first\n");
    await run("git", ["add", "README.md"], { cwd: dir });
    await run("git", ["commit", "--quiet", "-m", "First commit"], { cwd: dir });
    expect((await run("git", ["push", "--quiet", "origin", "HEAD:refs/heads/trunk"], { cwd: dir, env })).code).toBe(0);
    const json = body(await request(`${services}/fabrikam/_apis/git/repositories/${repo.id}?api-version=7.1`, { headers: basic(DEFAULT_PATS.fabrikamFull) }));
    expect(json.defaultBranch).toBe("refs/heads/trunk");
    const again = folder("empty-again");
    await run("git", ["clone", "--quiet", url, again], { env });
    expect((await run("git", ["symbolic-ref", "HEAD"], { cwd: again })).stdout.trim()).toBe("refs/heads/trunk");
  });
});

describe("diffs between commits", () => {
  it("lists the files changed from the merge base to the target, a page at a time, as Azure DevOps does", async () => {
    const dir = folder("diffs");
    const env = authEnv(patAuth(DEFAULT_PATS.fabrikamFullAccess));
    await run("git", ["clone", "--quiet", walletUrl(), dir], { env });
    const base = (await run("git", ["rev-parse", "HEAD"], { cwd: dir })).stdout.trim();
    writeFileSync(join(dir, "README.md"), "changed\n");
    writeFileSync(join(dir, "ios-notes.txt"), "added\n");
    await run("git", ["add", "README.md", "ios-notes.txt"], { cwd: dir });
    await run("git", ["commit", "--quiet", "-m", "Two files"], { cwd: dir });
    const target = (await run("git", ["rev-parse", "HEAD"], { cwd: dir })).stdout.trim();
    expect((await run("git", ["push", "--quiet", "origin", "HEAD:refs/heads/diffs/two"], { cwd: dir, env })).code).toBe(0);
    const diff = (top: number) => request(`${walletApi()}/diffs/commits?baseVersion=${base}&baseVersionType=commit&targetVersion=${target}&targetVersionType=commit&$top=${top}&api-version=7.1`, { headers: basic(DEFAULT_PATS.fabrikamFull) }).then(body);
    const all = await diff(100);
    expect(all).toMatchObject({ allChangesIncluded: true, commonCommit: base, targetCommit: target, changeCounts: { Add: 1, Edit: 1 } });
    expect((all.changes as Array<{ item: { path: string }; changeType: string }>).map((change) => [change.item.path, change.changeType])).toEqual([
      ["/README.md", "edit"],
      ["/ios-notes.txt", "add"],
    ]);
    expect(await diff(1)).toMatchObject({ allChangesIncluded: false, changes: [{ item: { path: "/README.md" } }] });
  });
});

describe("Git LFS", () => {
  const lfs = (url: string, authorization: string, payload: unknown) =>
    request(`${url}.git/info/lfs/objects/batch`, {
      method: "POST",
      headers: { Authorization: authorization, Accept: "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json" },
      body: JSON.stringify(payload),
    });

  it("uploads through the batch API, then answers downloads on the clone URL with the client's own credential, and names missing objects", async () => {
    const content = Buffer.from(`design kit ${Date.now()}\n`);
    const [pointer] = await uploadLfsObjects(walletUrl(), patAuth(DEFAULT_PATS.fabrikamFullAccess), [content]);
    const oid = /oid sha256:([0-9a-f]{64})/.exec(pointer!)![1]!;
    const missing = "0".repeat(64);
    const answer = await lfs(walletUrl(), patAuth(DEFAULT_PATS.fabrikamFull), { operation: "download", transfers: ["basic"], objects: [{ oid, size: content.length }, { oid: missing, size: 5 }] });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/^application\/vnd\.git-lfs\+json/);
    const [found, absent] = (answer.json as { objects: Array<Record<string, unknown>> }).objects;
    expect(found).toEqual({ oid, size: content.length, actions: { download: { href: `${walletUrl()}/info/lfs/objects/${oid}`, header: { Accept: "application/vnd.git-lfs" } } } });
    expect(absent).toMatchObject({ oid: missing, error: { code: 404 } });
    const href = (found as { actions: { download: { href: string } } }).actions.download.href;
    const download = await request(href, { headers: { Authorization: patAuth(DEFAULT_PATS.fabrikamFull) } });
    expect(download.status).toBe(200);
    expect(download.text).toBe(content.toString());
    // The object URL is git's, behind the same authentication.
    expect((await request(href)).status).toBe(401);
  });

  it("refuses uploads from a read-only token and content that is not its oid, and a malformed batch", async () => {
    const oid = "a".repeat(64);
    expect((await lfs(walletUrl(), patAuth(DEFAULT_PATS.fabrikamFull), { operation: "upload", objects: [{ oid, size: 3 }] })).status).toBe(403);
    const put = await request(`${walletUrl()}/info/lfs/objects/${oid}`, { method: "PUT", headers: { Authorization: patAuth(DEFAULT_PATS.fabrikamFullAccess) }, body: "abc" });
    expect(put.status).toBe(422);
    expect((await lfs(walletUrl(), patAuth(DEFAULT_PATS.fabrikamFull), { operation: "download", objects: [{ oid: "short", size: 1 }] })).status).toBe(422);
  });

  it("a server writes its configured public URL into the hrefs, localhost included", async () => {
    const url = `${handle.urls["server-localhost"] ?? ""}/DefaultCollection/MOBILE_IOS/_git/wallet`;
    const content = Buffer.from("icon bytes\n");
    const oid = /oid sha256:([0-9a-f]{64})/.exec(handle.control.putLfsObject({ deployment: "server-localhost", organization: "DefaultCollection", project: "MOBILE_IOS", repository: "wallet", content }))![1]!;
    const answer = await lfs(url, patAuth(DEFAULT_PATS.serverLocalhost), { operation: "download", objects: [{ oid, size: content.length }] });
    expect((answer.json as { objects: Array<{ actions: { download: { href: string } } }> }).objects[0]!.actions.download.href).toBe(`http://localhost:8080/tfs/DefaultCollection/MOBILE_IOS/_git/wallet/info/lfs/objects/${oid}`);
  });
});

describe("built lazily, deterministically", () => {
  it("listing repositories builds no git; the first use builds one; another emulator has the same ids", async () => {
    await request(`${services}/bigcorp/_apis/git/repositories?api-version=7.1`, { headers: basic(DEFAULT_PATS.bigcorp) });
    expect(handle.control.state().gitRepositories).toBe(0);
    const refs = await handle.control.refs({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App" });
    expect(handle.control.state().gitRepositories).toBe(1);
    const other = await startEmulator({ fixture: "default" });
    try {
      expect(await other.control.refs({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App" })).toEqual(refs);
    } finally {
      await other.stop();
    }
    expect(refs.find((ref) => ref.name === "refs/tags/v1.0.0")?.objectId).toBe(refs.find((ref) => ref.name === "refs/heads/main")?.objectId);
  });
});
