import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BUILD_BRANCHES, DEFAULT_PATS, DEFAULT_REPOS, DEFAULT_USERS, KEEL_SCOPES } from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { basic, bearer, body, hookSubscription, postJson, request, startReceiver } from "./test-support.js";

/** The HTTP control API that Playwright workers in other processes use. */

let handle: EmulatorHandle;
let control: string;
let server2022Control: string;

beforeAll(async () => {
  handle = await startEmulator({ fixture: "default" });
  control = `${handle.servicesUrl ?? ""}/_emulator`;
  server2022Control = `${handle.deployment("server2022").origin}/_emulator`;
});

afterAll(async () => {
  await handle.stop();
});

describe("control API over HTTP", () => {
  it("state summarises deployments, hosts and counters; every listener answers", async () => {
    const state = body(await request(`${control}/state`));
    expect(state.fixture).toBe("default");
    const deployments = state.deployments as Array<Record<string, unknown>>;
    expect(deployments.map((deployment) => deployment.name)).toEqual(["services", "server2022", "server2020", "server2019", "tfs2018", "server-localhost", "server-tls", "server-yearless"]);
    const services = deployments[0] as { hostsState: Array<Record<string, unknown>> };
    expect(services.hostsState.find((host) => host.name === "bigcorp")).toMatchObject({ projects: 40, repositories: 1000, oauthPolicy: true });
    expect(services.hostsState.find((host) => host.name === "contoso")?.oauthPolicy).toBe(false);
    expect((await request(`${server2022Control}/health`)).status).toBe(200);
  });

  it("creates PATs, issues OAuth tokens, toggles policy, expires and revokes tokens, and resets", async () => {
    const created = body(await postJson(`${control}/pats`, { userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES], organizations: ["northwind", "fabrikam"] }));
    const pat = String(created.token);
    expect(pat).toMatch(/^.{76}AZDO.{4}$/);
    expect((await request(`${handle.servicesUrl ?? ""}/fabrikam/_apis/projects`, { headers: basic(pat) })).status).toBe(200);
    expect((await postJson(`${control}/tokens/revoke`, { token: pat })).status).toBe(200);
    expect((await request(`${handle.servicesUrl ?? ""}/fabrikam/_apis/projects`, { headers: basic(pat) })).status).toBe(401);

    const issued = body(await postJson(`${control}/oauth/tokens`, { provider: "legacy", userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES] }));
    const token = String(issued.accessToken);
    const contoso = `${handle.servicesUrl ?? ""}/contoso/_apis/projects`;
    expect((await request(contoso, { headers: bearer(token) })).status).toBe(401);
    expect((await postJson(`${control}/policies/oauth`, { organization: "contoso", enabled: true })).status).toBe(200);
    expect((await request(contoso, { headers: bearer(token) })).status).toBe(200);
    expect((await postJson(`${control}/tokens/expire`, { token })).status).toBe(200);
    expect((await request(contoso, { headers: bearer(token) })).status).toBe(401);

    expect((await postJson(`${control}/tokens/expire`, { token: DEFAULT_PATS.fabrikamFull })).status).toBe(200);
    expect((await request(`${handle.servicesUrl ?? ""}/fabrikam/_apis/projects`, { headers: basic(DEFAULT_PATS.fabrikamFull) })).status).toBe(401);

    expect((await postJson(`${control}/reset`, {})).status).toBe(200);
    expect((await request(`${handle.servicesUrl ?? ""}/fabrikam/_apis/projects`, { headers: basic(DEFAULT_PATS.fabrikamFull) })).status).toBe(200);
    expect((await request(contoso, { headers: bearer(token) })).status).toBe(401);
    const state = body(await request(`${control}/state`));
    expect(state.tokens).toMatchObject({ accessTokens: 0, grants: 0 });
    // The log restarted at the reset: two API calls and this state request.
    expect(state.requests).toBe(3);
  });

  it("clock: advance, set and reset", async () => {
    const before = body(await request(`${control}/clock`));
    const advanced = body(await postJson(`${control}/clock/advance`, { seconds: 7200 }));
    expect(advanced.offsetMs).toBe(Number(before.offsetMs) + 7_200_000);
    const set = body(await postJson(`${control}/clock/set`, { now: "2030-01-01T00:00:00Z" }));
    expect(String(set.now).startsWith("2030-01-01T00:00:0")).toBe(true);
    expect(body(await postJson(`${control}/clock/reset`, {})).offsetMs).toBe(0);
    expect((await postJson(`${control}/clock/set`, { now: "not a date" })).status).toBe(400);
  });

  it("faults: add, list, delete; bad input is a 400 with the reason", async () => {
    const added = body(await postJson(`${control}/faults`, { kind: "error", status: 502, every: 1, deployment: "server2022" }));
    const listed = (await request(`${control}/faults`)).json as Array<Record<string, unknown>>;
    expect(listed.map((fault) => fault.id)).toEqual([added.id]);
    const collection = `${handle.deployment("server2022").url}/DefaultCollection/_apis/projects`;
    expect((await request(collection, { headers: basic(DEFAULT_PATS.server2022) })).status).toBe(502);
    expect((await request(`${control}/faults/${String(added.id)}`, { method: "DELETE" })).status).toBe(200);
    expect((await request(collection, { headers: basic(DEFAULT_PATS.server2022) })).status).toBe(200);
    const bad = await postJson(`${control}/faults`, { kind: "error", status: 200 });
    expect(bad.status).toBe(400);
    expect(String(body(bad).error)).toContain("status");
  });

  it("renames a repository in place: same id, new name and URLs; a taken name is a 409; reset restores it", async () => {
    const byId = `${handle.servicesUrl ?? ""}/fabrikam/_apis/git/repositories/${DEFAULT_REPOS.iosSdk.id}?api-version=7.1`;
    const renamed = await postJson(`${control}/repositories/rename`, { organization: "fabrikam", project: "MOBILE_IOS", repository: "ios-sdk", name: "iOS SDK (legacy)" });
    expect(renamed.status).toBe(200);
    expect(body(renamed)).toEqual({ id: DEFAULT_REPOS.iosSdk.id, name: "iOS SDK (legacy)" });
    const after = body(await request(byId, { headers: basic(DEFAULT_PATS.fabrikamFull) }));
    expect(after.name).toBe("iOS SDK (legacy)");
    expect(String(after.remoteUrl).endsWith("/_git/iOS%20SDK%20(legacy)")).toBe(true);
    expect((await postJson(`${control}/repositories/rename`, { organization: "fabrikam", project: "MOBILE_IOS", repository: "iOS SDK (legacy)", name: "wallet app" })).status).toBe(409);
    expect((await postJson(`${control}/repositories/rename`, { organization: "fabrikam", project: "MOBILE_IOS", repository: "nope", name: "x" })).status).toBe(404);
    expect((await postJson(`${control}/repositories/rename`, { organization: "fabrikam", project: "MOBILE_IOS", repository: "ios-sdk" })).status).toBe(400);
    expect((await postJson(`${control}/reset`, {})).status).toBe(200);
    expect(body(await request(byId, { headers: basic(DEFAULT_PATS.fabrikamFull) })).name).toBe("ios-sdk");
  });

  it("pushes, deliveries, statuses and requests are readable", async () => {
    const push = await postJson(`${control}/pushes`, { organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", branch: "develop", commits: 2 });
    expect(push.status).toBe(201);
    const result = body(push);
    expect((result.commits as unknown[]).length).toBe(2);
    expect((await postJson(`${control}/pushes`, { organization: "fabrikam", project: "MOBILE_IOS", repository: "nope", branch: "main" })).status).toBe(404);
    expect((await request(`${control}/deliveries`)).json).toEqual([]);
    expect((await request(`${control}/statuses`)).json).toEqual([]);
    expect((await request(`${control}/requests?method=POST&path=pushes`)).json).toHaveLength(2);
    expect((await request(`${control}/requests`, { method: "DELETE" })).status).toBe(200);
    expect((await request(`${control}/nope`)).status).toBe(404);
  });

  it("git and pull requests over HTTP: refs, pushes, open and update a pull request, wait for its deliveries", async () => {
    await postJson(`${control}/reset`, {});
    const receiver = await startReceiver();
    try {
      const where = "organization=fabrikam&project=MOBILE_IOS&repository=Wallet%20App";
      const refs = (await request(`${control}/refs?${where}`)).json as Array<{ name: string; objectId: string }>;
      expect(refs.map((ref) => ref.name)).toContain(`refs/heads/${DEFAULT_BUILD_BRANCHES.failing}`);
      expect((await request(`${control}/refs?organization=fabrikam`)).status).toBe(400);
      const subscription = body(
        await postJson(
          `${handle.servicesUrl ?? ""}/fabrikam/_apis/hooks/subscriptions?api-version=7.1`,
          hookSubscription({ url: `${receiver.url}/pr`, eventType: "git.pullrequest.updated", repository: DEFAULT_REPOS.walletApp.id }),
          basic(DEFAULT_PATS.fabrikamFull),
        ),
      );
      const opened = await postJson(`${control}/pullrequests`, { organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "feature/control", title: "Via control" });
      expect(opened.status).toBe(201);
      const pr = body(opened);
      expect(pr).toMatchObject({ pullRequestId: 1, sourceRefName: "refs/heads/feature/control", status: "active" });
      const updated = await request(`${control}/pullrequests/1`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ organization: "fabrikam", commits: [{ message: "Second iteration" }] }),
      });
      expect(body(updated).iterations).toHaveLength(2);
      const waited = await postJson(`${control}/deliveries/wait`, { subscriptionId: String(subscription.id), count: 1, timeoutMs: 5_000 });
      expect(waited.status).toBe(200);
      expect((waited.json as Array<Record<string, unknown>>)[0]).toMatchObject({ eventType: "git.pullrequest.updated", status: 200 });
      expect(((await request(`${control}/deliveries?subscriptionId=${String(subscription.id)}`)).json as unknown[]).length).toBe(1);
      const notifications = (await request(`${control}/notifications?subscriptionId=${String(subscription.id)}&result=succeeded`)).json as unknown[];
      expect(notifications).toHaveLength(1);
      expect(body(await request(`${control}/pullrequests/1?organization=fabrikam`)).title).toBe("Via control");
      expect((await request(`${control}/pullrequests?organization=fabrikam`)).json).toHaveLength(1);
      expect((await request(`${control}/pullrequests/9?organization=fabrikam`)).status).toBe(404);
      const duplicate = await postJson(`${control}/pullrequests`, { organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "feature/control" });
      expect(duplicate.status).toBe(409);
      const pushes = (await request(`${control}/pushes?${where}`)).json as Array<Record<string, unknown>>;
      expect(pushes.map((push) => push.pushedById)).toEqual([DEFAULT_USERS.alex.id, DEFAULT_USERS.alex.id]);
      expect(body(await postJson(`${control}/hooks/policy`, { transientRetryDelaysMs: [5] })).transientRetryDelaysMs).toEqual([5]);
      expect(body(await request(`${control}/hooks/policy`)).transientRetryDelaysMs).toEqual([5]);
      expect((await postJson(`${control}/hooks/policy`, { requestTimeoutMs: 0 })).status).toBe(400);
      expect((await postJson(`${control}/subscriptions/status`, { organization: "fabrikam", subscriptionId: String(subscription.id), status: "disabledBySystem" })).status).toBe(200);
      const after = body(await request(`${handle.servicesUrl ?? ""}/fabrikam/_apis/hooks/subscriptions/${String(subscription.id)}`, { headers: basic(DEFAULT_PATS.fabrikamFull) }));
      expect(after.status).toBe("disabledBySystem");
      expect(body(await postJson(`${control}/deliveries/retry`, {}))).toEqual({ retried: 0 });
    } finally {
      await receiver.close();
      await postJson(`${control}/reset`, {});
    }
  });

  it("credentials list the fixture's test credentials", async () => {
    const credentials = body(await request(`${control}/credentials`));
    const pats = credentials.pats as Array<Record<string, unknown>>;
    expect(pats.find((pat) => pat.token === DEFAULT_PATS.allOrgs)).toMatchObject({ organizations: "all", deployment: "services" });
  });
});
