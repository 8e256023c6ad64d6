import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS, DEFAULT_SERVERS, DEFAULT_USERS } from "./fixtures/default.js";
import { MICROSOFT_HOOK_POLICY } from "./hooks.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { SpecSchemas } from "./spec-schemas.js";
import { acceptVersion, basic, body, hookSubscription, postJson, request, startReceiver, values, type HookReceiver } from "./test-support.js";

/**
 * Service hooks as Azure DevOps delivers them: subscriptions API, git.push payloads with the
 * consumer's headers and Basic credentials, asynchronous delivery with retries, probation and
 * disabling (Microsoft's troubleshoot page, at test speed), and the notifications history.
 */

let handle: EmulatorHandle;
let receiver: HookReceiver;
let base: string;
const headers = { ...basic(DEFAULT_PATS.fabrikamFull), ...acceptVersion("7.1") };
const wallet = { organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App" };
// Retries in milliseconds: 3 transient resends, 2 probation retries.
const FAST = { transientRetryDelaysMs: [20, 20, 20], probationRetryDelaysMs: [30, 30], requestTimeoutMs: 2_000 };

beforeAll(async () => {
  handle = await startEmulator({ fixture: "default", hookPolicy: FAST });
  receiver = await startReceiver();
  base = `${handle.servicesUrl ?? ""}/fabrikam`;
});

beforeEach(() => {
  handle.reset();
  receiver.received.length = 0;
});

afterAll(async () => {
  await handle.stop();
  await receiver.close();
});

/** Creates a git.push subscription on Wallet App and returns its id. */
async function subscribe(path: string, overrides: Partial<Parameters<typeof hookSubscription>[0]> = {}): Promise<string> {
  const created = await postJson(
    `${base}/_apis/hooks/subscriptions`,
    hookSubscription({ url: `${receiver.url}${path}`, projectId: DEFAULT_PROJECTS.mobileIos.id, repository: DEFAULT_REPOS.walletApp.id, branch: "main", ...overrides }),
    headers,
  );
  expect(created.status).toBe(200);
  return String(body(created).id);
}

async function subscriptionStatus(id: string): Promise<Record<string, unknown>> {
  return body(await request(`${base}/_apis/hooks/subscriptions/${id}`, { headers }));
}

describe("subscriptions API", () => {
  it("create adds hostId and tfsSubscriptionId; list, get, replace and delete work; secrets come back masked", async () => {
    const url = `${base}/_apis/hooks/subscriptions`;
    const id = await subscribe("/hook");
    const subscription = await subscriptionStatus(id);
    const inputs = subscription.publisherInputs as Record<string, string>;
    expect(inputs.hostId).toBe("f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8");
    expect(inputs.tfsSubscriptionId).toMatch(/^[0-9a-f-]{36}$/);
    expect((subscription.consumerInputs as Record<string, string>).basicAuthPassword).toBe("********");
    expect(subscription.url).toBe(`${url}/${id}`);
    expect(values(await request(url, { headers })).map((item) => item.id)).toEqual([id]);
    const replaced = await request(`${url}/${id}`, {
      method: "PUT",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({ ...hookSubscription({ url: `${receiver.url}/hook`, repository: DEFAULT_REPOS.walletApp.id }), status: "disabledByUser" }),
    });
    expect(body(replaced)).toMatchObject({ id, status: "disabledByUser" });
    expect((body(replaced).publisherInputs as Record<string, string>).tfsSubscriptionId).toBe(inputs.tfsSubscriptionId);
    const push = await handle.control.push({ ...wallet, branch: "main" });
    expect(push.notifications).toEqual([]);
    expect((await request(`${url}/${id}`, { method: "DELETE", headers })).status).toBe(204);
    expect((await request(`${url}/${id}`, { headers })).status).toBe(404);
  });

  it("rejects a subscription without a valid consumer URL (400) and needs a hooks-capable scope", async () => {
    const url = `${base}/_apis/hooks/subscriptions?api-version=7.1`;
    expect((await postJson(url, hookSubscription({ url: "not a url" }), basic(DEFAULT_PATS.fabrikamFull))).status).toBe(400);
    const pat = handle.control.createPat({ userId: DEFAULT_USERS.alex.id, scopes: ["vso.identity"], organizations: ["fabrikam"] });
    expect((await postJson(url, hookSubscription({ url: `${receiver.url}/hook` }), basic(pat.token))).status).toBe(401);
  });
});

describe("git.push delivery", () => {
  it("a push queues the event and POSTs it asynchronously with the consumer's headers and Basic credentials", async () => {
    const id = await subscribe("/hook");
    const before = values(await request(`${base}/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}/refs?filter=heads/main`, { headers }))[0]?.objectId;
    const result = await handle.control.push({ ...wallet, branch: "main", commits: [{ message: "Add Apple Pay" }, { message: "Fix crash on launch" }] });
    expect(result.notifications).toHaveLength(1);
    expect(result.notifications[0]).toMatchObject({ subscriptionId: id, eventType: "git.push" });
    const [delivery] = await handle.control.waitForDeliveries({ subscriptionId: id });
    expect(delivery).toMatchObject({ status: 200, outcome: "succeeded", attempt: 1, subscriptionStatus: "enabled" });
    expect(receiver.received).toHaveLength(1);
    const received = receiver.received[0]!;
    expect(received.path).toBe("/hook");
    expect(received.headers["x-keel-secret"]).toBe("abc123");
    expect(received.headers["x-other"]).toBe("two words");
    expect(received.headers.authorization).toBe(`Basic ${Buffer.from("keel:hook-password").toString("base64")}`);
    expect(received.headers["content-type"]).toBe("application/json; charset=utf-8");
    const payload = received.body;
    expect(payload).toMatchObject({ subscriptionId: id, notificationId: result.notifications[0]?.notificationId, eventType: "git.push", publisherId: "tfs", resourceVersion: "1.0" });
    const resource = payload.resource as Record<string, unknown>;
    expect(resource.refUpdates).toEqual([{ name: "refs/heads/main", oldObjectId: before, newObjectId: result.refUpdates[0]?.newObjectId }]);
    expect((resource.commits as Array<Record<string, string>>).map((commit) => commit.comment)).toEqual(["Fix crash on launch", "Add Apple Pay"]);
    expect(resource.pushId).toBe(result.pushId);
    expect((resource.pushedBy as Record<string, string>).id).toBe(DEFAULT_USERS.alex.id);
    expect(String((payload.message as Record<string, string>).text)).toContain("pushed updates to branch main of repository Wallet App");
    // Payload URLs use the organization's primary (new-form) URL.
    expect(String(resource.url)).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/fabrikam/${DEFAULT_PROJECTS.mobileIos.id}/_apis/git/repositories/`));
    // The ref really moved and the new commits are readable.
    const commits = values(await request(`${base}/MOBILE_IOS/_apis/git/repositories/Wallet%20App/commits?searchCriteria.$top=3`, { headers }));
    expect(commits.map((commit) => commit.comment)).toEqual(["Fix crash on launch", "Add Apple Pay", expect.any(String)]);
    expect(commits[0]?.commitId).toBe(result.refUpdates[0]?.newObjectId);
    expect(new SpecSchemas("hooks", "7.1").errors("Event", payload)).toEqual([]);
    expect(delivery?.requestHeaders.authorization).toBe("Basic ***");
    expect(delivery?.requestHeaders["x-keel-secret"]).toBe("***");
  });

  it("filters by branch, repository and pusher; new and deleted branches carry 40 zeros", async () => {
    const mainOnly = await subscribe("/main-only");
    const anyRepo = await subscribe("/any", { branch: "", repository: "", projectId: "" });
    const samOnly = await subscribe("/sam", { branch: "", extraPublisherInputs: { pushedBy: DEFAULT_USERS.sam.email } });
    const created = await handle.control.push({ ...wallet, branch: "feature/new-thing", commits: 1 });
    expect(created.notifications.map((notification) => notification.subscriptionId)).toEqual([anyRepo]);
    expect(created.refUpdates[0]?.oldObjectId).toBe("0".repeat(40));
    const other = await handle.control.push({ organization: "fabrikam", project: "MOBILE_IOS", repository: "ios-sdk", branch: "master", commits: 1 });
    expect(other.notifications.map((notification) => notification.subscriptionId)).toEqual([anyRepo]);
    const bySam = await handle.control.push({ ...wallet, branch: "main", commits: 1, pusherId: DEFAULT_USERS.sam.id });
    expect(bySam.notifications.map((notification) => notification.subscriptionId).sort()).toEqual([mainOnly, anyRepo, samOnly].sort());
    const deleted = await handle.control.push({ ...wallet, branch: "feature/new-thing", delete: true });
    expect(deleted.refUpdates[0]?.newObjectId).toBe("0".repeat(40));
    await handle.control.waitForDeliveries({ subscriptionId: anyRepo, count: 4 });
    const last = receiver.received.filter((item) => item.path === "/any").at(-1);
    expect(((last?.body.resource as Record<string, unknown>).refUpdates as Array<Record<string, string>>)[0]?.newObjectId).toBe("0".repeat(40));
  });

  it("delivers to a loopback URL named localhost (the Keel under test)", async () => {
    const port = new URL(receiver.url).port;
    const id = await subscribe("/local", { branch: "" });
    await request(`${base}/_apis/hooks/subscriptions/${id}`, {
      method: "PUT",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify(hookSubscription({ url: `http://localhost:${port}/local`, repository: DEFAULT_REPOS.walletApp.id })),
    });
    await handle.control.push({ ...wallet, branch: "develop" });
    const [delivery] = await handle.control.waitForDeliveries({ subscriptionId: id });
    expect(delivery).toMatchObject({ status: 200, url: `http://localhost:${port}/local` });
  });

  it("Server deliveries use the configured public URL (localhost misconfiguration included)", async () => {
    const server = DEFAULT_SERVERS.serverLocalhost;
    const deployment = handle.deployment(server.name);
    const collection = `${deployment.url}/${server.collection}`;
    const auth = basic(DEFAULT_PATS.serverLocalhost);
    const repo = body(await request(`${collection}/${server.project}/_apis/git/repositories/${server.repository}?api-version=7.1`, { headers: auth }));
    const created = await postJson(
      `${collection}/_apis/hooks/subscriptions?api-version=7.1`,
      hookSubscription({ url: `${receiver.url}/onprem`, projectId: String((repo.project as Record<string, string>).id), repository: String(repo.id) }),
      auth,
    );
    expect(created.status).toBe(200);
    await handle.control.push({ deployment: server.name, organization: server.collection, project: server.project, repository: server.repository, branch: "main" });
    await handle.control.waitForDeliveries({ subscriptionId: String(body(created).id) });
    const resource = receiver.received[0]?.body.resource as Record<string, unknown>;
    expect(String((resource.repository as Record<string, string>).remoteUrl)).toBe("http://localhost:8080/tfs/DefaultCollection/MOBILE_IOS/_git/wallet");
    expect(String(resource.url)).toMatch(/^http:\/\/localhost:8080\/tfs\/DefaultCollection\//);
  });
});

describe("retries, probation and disabling (Microsoft's documented schedule, delays shortened)", () => {
  it("the documented schedule is the default", () => {
    expect(MICROSOFT_HOOK_POLICY.transientRetryDelaysMs).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(MICROSOFT_HOOK_POLICY.probationRetryDelaysMs.map((ms) => ms / 60_000)).toEqual([20, 40, 80, 160, 320, 640, 900]);
    expect(handle.control.hookPolicy()).toMatchObject(FAST);
  });

  it("transient failures (503, 502) are resent until one succeeds; the subscription stays enabled", async () => {
    const id = await subscribe("/flaky");
    receiver.script("/flaky", [503, 502]);
    const push = await handle.control.push({ ...wallet, branch: "main" });
    const [notification] = await handle.control.waitForNotifications({ subscriptionId: id, result: "succeeded" });
    expect(notification).toMatchObject({ id: push.notifications[0]?.notificationId, requestAttempts: 3, status: "completed" });
    expect(handle.control.deliveries({ subscriptionId: id }).map((delivery) => [delivery.attempt, delivery.status, delivery.outcome])).toEqual([
      [1, 503, "transient"],
      [2, 502, "transient"],
      [3, 200, "succeeded"],
    ]);
    expect((await subscriptionStatus(id)).status).toBe("enabled");
  });

  it("an enduring failure puts the subscription on probation; a success on a probation retry enables it again", async () => {
    const id = await subscribe("/probation");
    receiver.script("/probation", [500]);
    await handle.control.push({ ...wallet, branch: "main" });
    await handle.control.waitForDeliveries({ subscriptionId: id, count: 2 });
    const [first, second] = handle.control.deliveries({ subscriptionId: id });
    expect(first).toMatchObject({ status: 500, outcome: "enduring", subscriptionStatus: "onProbation" });
    expect(second).toMatchObject({ status: 200, outcome: "succeeded", subscriptionStatus: "enabled" });
    expect(await subscriptionStatus(id)).toMatchObject({ status: "enabled", probationRetries: 0 });
  });

  it("repeated failures: probation, then disabledBySystem; what was queued behind fails and later events are not sent", async () => {
    // Probation retries run when the test says so (retryDeliveries), not on a timer.
    handle.control.setHookPolicy({ probationRetryDelaysMs: [600_000, 600_000] });
    const id = await subscribe("/down");
    receiver.script("/down", [500, 500, 500]);
    await handle.control.push({ ...wallet, branch: "main" });
    await handle.control.waitForDeliveries({ subscriptionId: id });
    expect(await subscriptionStatus(id)).toMatchObject({ status: "onProbation", probationRetries: 0 });
    // A second event queues behind the failing one while the subscription is on probation.
    await handle.control.push({ ...wallet, branch: "main" });
    expect(handle.control.notifications({ subscriptionId: id }).map((notification) => notification.result)).toEqual(["pending", "pending"]);
    expect(handle.control.retryDeliveries()).toBe(1);
    await handle.control.waitForDeliveries({ subscriptionId: id, count: 2 });
    expect(await subscriptionStatus(id)).toMatchObject({ status: "onProbation", probationRetries: 1 });
    expect(handle.control.retryDeliveries()).toBe(1);
    await handle.control.waitForNotifications({ subscriptionId: id, result: "failed", count: 2 });
    const subscription = await subscriptionStatus(id);
    expect(subscription).toMatchObject({ status: "disabledBySystem", probationRetries: 2 });
    expect(typeof subscription.lastProbationRetryDate).toBe("string");
    // 1 first attempt + one per probation retry; the queued event never went out.
    expect(handle.control.deliveries({ subscriptionId: id })).toHaveLength(3);
    expect(receiver.received.filter((item) => item.path === "/down")).toHaveLength(3);
    const later = await handle.control.push({ ...wallet, branch: "main" });
    expect(later.notifications).toEqual([]);
    // Re-enabling (what Keel's self-healing does) delivers new events again.
    const put = await request(`${base}/_apis/hooks/subscriptions/${id}`, {
      method: "PUT",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({ ...hookSubscription({ url: `${receiver.url}/down`, projectId: DEFAULT_PROJECTS.mobileIos.id, repository: DEFAULT_REPOS.walletApp.id, branch: "main" }), status: "enabled" }),
    });
    expect(body(put)).toMatchObject({ status: "enabled", probationRetries: 0 });
    await handle.control.push({ ...wallet, branch: "main" });
    await handle.control.waitForNotifications({ subscriptionId: id, result: "succeeded" });
  });

  it("410 Gone disables the subscription at once; a refused connection is transient", async () => {
    const gone = await subscribe("/gone");
    receiver.script("/gone", [410]);
    await handle.control.push({ ...wallet, branch: "main" });
    await handle.control.waitForNotifications({ subscriptionId: gone, result: "failed" });
    expect((await subscriptionStatus(gone)).status).toBe("disabledBySystem");
    expect(handle.control.deliveries({ subscriptionId: gone })).toHaveLength(1);

    handle.reset();
    const refused = await subscribe("/x", { branch: "" });
    const port = new URL(receiver.url).port;
    await request(`${base}/_apis/hooks/subscriptions/${refused}`, {
      method: "PUT",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify(hookSubscription({ url: `http://127.0.0.1:1/unreachable`, repository: DEFAULT_REPOS.walletApp.id })),
    });
    expect(port).not.toBe("1");
    await handle.control.push({ ...wallet, branch: "main" });
    await handle.control.waitForNotifications({ subscriptionId: refused, result: "failed" });
    const outcomes = handle.control.deliveries({ subscriptionId: refused }).map((delivery) => delivery.outcome);
    expect(outcomes.slice(0, 4)).toEqual(["transient", "transient", "transient", "transient"]);
    expect(handle.control.deliveries({ subscriptionId: refused }).every((delivery) => delivery.status === undefined && typeof delivery.error === "string")).toBe(true);
    expect((await subscriptionStatus(refused)).status).toBe("disabledBySystem");
  });

  it("retryDeliveries() runs scheduled retries at once (Microsoft's delays in force)", async () => {
    handle.control.setHookPolicy(MICROSOFT_HOOK_POLICY);
    const id = await subscribe("/slow-retry");
    receiver.script("/slow-retry", [503]);
    await handle.control.push({ ...wallet, branch: "main" });
    await handle.control.waitForDeliveries({ subscriptionId: id });
    expect(handle.control.notifications({ subscriptionId: id })[0]).toMatchObject({ status: "queued", result: "pending" });
    expect(handle.control.retryDeliveries()).toBe(1);
    const [notification] = await handle.control.waitForNotifications({ subscriptionId: id, result: "succeeded" });
    expect(notification?.requestAttempts).toBe(2);
    handle.reset();
    expect(handle.control.hookPolicy()).toMatchObject(FAST);
  });

  it("waiting too long is a 408 over HTTP carrying what matched so far", async () => {
    const control = `${handle.servicesUrl ?? ""}/_emulator`;
    const response = await postJson(`${control}/deliveries/wait`, { subscriptionId: "00000000-0000-0000-0000-000000000000", timeoutMs: 50 });
    expect(response.status).toBe(408);
    expect(body(response)).toMatchObject({ deliveries: [] });
    expect(String(body(response).error)).toContain("Timed out");
  });
});

describe("notifications history (for backfill)", () => {
  it("lists and gets a subscription's notifications with the event, result and attempts; shapes match the hooks spec", async () => {
    const id = await subscribe("/history");
    receiver.script("/history", [500]);
    const first = await handle.control.push({ ...wallet, branch: "main", commits: [{ message: "First" }] });
    await handle.control.waitForNotifications({ subscriptionId: id, result: "succeeded" });
    const second = await handle.control.push({ ...wallet, branch: "main", commits: [{ message: "Second" }] });
    await handle.control.waitForNotifications({ subscriptionId: id, result: "succeeded", count: 2 });
    const url = `${base}/_apis/hooks/subscriptions/${id}/notifications`;
    const list = await request(url, { headers });
    expect(list.status).toBe(200);
    const schemas = new SpecSchemas("hooks", "7.1");
    expect(schemas.errors("Notification", list.json, true)).toEqual([]);
    const notifications = values(list);
    expect(notifications.map((notification) => notification.id)).toEqual([second.notifications[0]?.notificationId, first.notifications[0]?.notificationId]);
    const older = notifications[1] as Record<string, unknown>;
    expect(older).toMatchObject({ subscriptionId: id, status: "completed", result: "succeeded" });
    const details = older.details as Record<string, unknown>;
    expect(details.requestAttempts).toBe(2);
    expect((details.event as Record<string, unknown>).notificationId).toBe(older.id);
    expect(((details.event as Record<string, unknown>).resource as Record<string, unknown>).pushId).toBe(first.pushId);
    expect(String(details.request)).toContain("Authorization: Basic ********");
    expect(String(details.request)).not.toContain("hook-password");
    expect((details.consumerInputs as Record<string, string>).basicAuthPassword).toBe("********");
    const one = await request(`${url}/${String(older.id)}`, { headers });
    expect(schemas.errors("Notification", one.json)).toEqual([]);
    expect(body(one).id).toBe(older.id);
    expect(values(await request(`${url}?maxResults=1`, { headers }))).toHaveLength(1);
    expect(values(await request(`${url}?result=failed`, { headers }))).toEqual([]);
    expect((await request(`${url}/999999`, { headers })).status).toBe(404);
    expect((await request(`${url}?result=bogus`, { headers })).status).toBe(400);
    // notificationsquery: the same through the query API, by subscription and date.
    const query = await postJson(`${base}/_apis/hooks/notificationsquery`, { subscriptionIds: [id], minCreatedDate: "2000-01-01T00:00:00Z", includeDetails: true }, headers);
    expect(query.status).toBe(200);
    expect(schemas.errors("NotificationsQuery", query.json)).toEqual([]);
    expect((body(query).results as unknown[]).length).toBe(2);
  });

  it("events Keel never received stay in the history (receiver down), ready for backfill", async () => {
    // Retries run when the test says so: the three events queue behind the first one.
    handle.control.setHookPolicy({ transientRetryDelaysMs: [600_000], probationRetryDelaysMs: [600_000] });
    const id = await subscribe("/offline");
    receiver.script("/offline", [503, 503, 500]);
    const pushes = [];
    for (const message of ["One", "Two", "Three"]) {
      pushes.push(await handle.control.push({ ...wallet, branch: "main", commits: [{ message }] }));
    }
    await handle.control.waitForDeliveries({ subscriptionId: id });
    expect(handle.control.retryDeliveries()).toBe(1);
    await handle.control.waitForDeliveries({ subscriptionId: id, count: 2 });
    expect(handle.control.retryDeliveries()).toBe(1);
    await handle.control.waitForNotifications({ subscriptionId: id, result: "failed", count: 3 });
    expect(handle.control.deliveries({ subscriptionId: id }).map((delivery) => delivery.outcome)).toEqual(["transient", "transient", "enduring"]);
    const history = values(await request(`${base}/_apis/hooks/subscriptions/${id}/notifications?result=failed`, { headers }));
    const events = history.map((notification) => (notification.details as Record<string, unknown>).event as Record<string, unknown>);
    expect(events.map((event) => (event.resource as Record<string, unknown>).pushId).sort()).toEqual(pushes.map((push) => push.pushId).sort());
  });
});
