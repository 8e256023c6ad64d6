import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS, DEFAULT_SERVERS } from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { SpecSchemas } from "./spec-schemas.js";
import { acceptVersion, basic, body, postJson, request, values } from "./test-support.js";

/** Service-hook subscriptions and git.push delivery to a local receiver. */

type Received = { headers: IncomingHttpHeaders; body: Record<string, unknown>; path: string };

let handle: EmulatorHandle;
let receiver: Server;
let receiverUrl: string;
let received: Received[] = [];

beforeAll(async () => {
  handle = await startEmulator({ fixture: "default" });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>, path: req.url ?? "" });
      res.writeHead(req.url === "/fail" ? 500 : 200).end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

beforeEach(() => {
  handle.reset();
  received = [];
});

afterAll(async () => {
  await handle.stop();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

function subscriptionBody(overrides: { url: string; branch?: string; repository?: string; projectId?: string }): Record<string, unknown> {
  return {
    publisherId: "tfs",
    eventType: "git.push",
    resourceVersion: "1.0",
    consumerId: "webHooks",
    consumerActionId: "httpRequest",
    publisherInputs: {
      projectId: overrides.projectId ?? DEFAULT_PROJECTS.mobileIos.id,
      repository: overrides.repository ?? DEFAULT_REPOS.walletApp.id,
      branch: overrides.branch ?? "main",
      pushedBy: "",
    },
    consumerInputs: {
      url: overrides.url,
      httpHeaders: "X-Keel-Secret:abc123\nX-Other: two words",
      basicAuthUsername: "keel",
      basicAuthPassword: "hook-password",
      resourceDetailsToSend: "all",
      messagesToSend: "all",
      detailedMessagesToSend: "all",
    },
  };
}

describe("subscriptions API", () => {
  it("create adds hostId and tfsSubscriptionId; list, get and delete work; secrets come back masked", async () => {
    const base = `${handle.servicesUrl ?? ""}/fabrikam/_apis/hooks/subscriptions`;
    const headers = { ...basic(DEFAULT_PATS.fabrikamFull), ...acceptVersion("7.1") };
    const created = await postJson(base, subscriptionBody({ url: `${receiverUrl}/hook` }), headers);
    expect(created.status).toBe(200);
    const subscription = body(created);
    const inputs = subscription.publisherInputs as Record<string, string>;
    expect(inputs.hostId).toBe("f1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8");
    expect(inputs.tfsSubscriptionId).toMatch(/^[0-9a-f-]{36}$/);
    expect((subscription.consumerInputs as Record<string, string>).basicAuthPassword).toBe("********");
    expect(subscription.url).toBe(`${base}/${String(subscription.id)}`);
    expect(values(await request(base, { headers })).map((item) => item.id)).toEqual([subscription.id]);
    expect((await request(`${base}/${String(subscription.id)}`, { headers })).status).toBe(200);
    const replaced = await request(`${base}/${String(subscription.id)}`, {
      method: "PUT",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({ ...subscriptionBody({ url: `${receiverUrl}/hook` }), status: "disabledByUser" }),
    });
    expect(body(replaced)).toMatchObject({ id: subscription.id, status: "disabledByUser" });
    expect((body(replaced).publisherInputs as Record<string, string>).tfsSubscriptionId).toBe(inputs.tfsSubscriptionId);
    const push = await handle.control.push({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", branch: "main" });
    expect(push.deliveries).toEqual([]);
    expect((await request(`${base}/${String(subscription.id)}`, { method: "DELETE", headers })).status).toBe(204);
    expect((await request(`${base}/${String(subscription.id)}`, { headers })).status).toBe(404);
  });

  it("rejects a subscription without a valid consumer URL (400) and needs a hooks-capable scope", async () => {
    const base = `${handle.servicesUrl ?? ""}/fabrikam/_apis/hooks/subscriptions?api-version=7.1`;
    expect((await postJson(base, subscriptionBody({ url: "not a url" }), basic(DEFAULT_PATS.fabrikamFull))).status).toBe(400);
    const pat = handle.control.createPat({ userId: "4a7c9e21-3b5d-4f68-8a1b-0c2d3e4f5a61", scopes: ["vso.identity"], organizations: ["fabrikam"] });
    expect((await postJson(base, subscriptionBody({ url: `${receiverUrl}/hook` }), basic(pat.token))).status).toBe(401);
  });
});

describe("git.push delivery", () => {
  it("a simulated push creates commits, moves the ref and POSTs the event with headers and basic auth", async () => {
    const base = `${handle.servicesUrl ?? ""}/fabrikam`;
    const headers = { ...basic(DEFAULT_PATS.fabrikamFull), ...acceptVersion("7.1") };
    const subscription = body(await postJson(`${base}/_apis/hooks/subscriptions`, subscriptionBody({ url: `${receiverUrl}/hook` }), headers));
    const before = values(await request(`${base}/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}/refs?filter=heads/main`, { headers }))[0]?.objectId;
    const result = await handle.control.push({
      organization: "fabrikam",
      project: "MOBILE_IOS",
      repository: "Wallet App",
      branch: "main",
      commits: [{ message: "Add Apple Pay" }, { message: "Fix crash on launch" }],
    });
    expect(result.deliveries).toHaveLength(1);
    expect(result.deliveries[0]?.status).toBe(200);
    expect(received).toHaveLength(1);
    const delivery = received[0] as Received;
    expect(delivery.path).toBe("/hook");
    expect(delivery.headers["x-keel-secret"]).toBe("abc123");
    expect(delivery.headers["x-other"]).toBe("two words");
    expect(delivery.headers.authorization).toBe(`Basic ${Buffer.from("keel:hook-password").toString("base64")}`);
    expect(delivery.headers["content-type"]).toBe("application/json; charset=utf-8");
    const payload = delivery.body;
    expect(payload).toMatchObject({ subscriptionId: subscription.id, eventType: "git.push", publisherId: "tfs", resourceVersion: "1.0" });
    expect(typeof payload.notificationId).toBe("number");
    const resource = payload.resource as Record<string, unknown>;
    const refUpdates = resource.refUpdates as Array<Record<string, string>>;
    expect(refUpdates).toEqual([{ name: "refs/heads/main", oldObjectId: before, newObjectId: result.refUpdates[0]?.newObjectId }]);
    expect((resource.commits as Array<Record<string, string>>).map((commit) => commit.comment)).toEqual(["Fix crash on launch", "Add Apple Pay"]);
    expect((resource.repository as Record<string, unknown>).name).toBe("Wallet App");
    expect(String((payload.message as Record<string, string>).text)).toContain("pushed updates to branch main of repository Wallet App");
    // Payload URLs use the organization's primary (new-form) URL.
    expect(String(resource.url)).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/fabrikam/${DEFAULT_PROJECTS.mobileIos.id}/_apis/git/repositories/`));
    // The ref really moved and the new commits are readable.
    const after = values(await request(`${base}/_apis/git/repositories/${DEFAULT_REPOS.walletApp.id}/refs?filter=heads/main`, { headers }))[0]?.objectId;
    expect(after).toBe(result.refUpdates[0]?.newObjectId);
    const commits = values(await request(`${base}/MOBILE_IOS/_apis/git/repositories/Wallet%20App/commits?searchCriteria.$top=3`, { headers }));
    expect(commits.map((commit) => commit.comment)).toEqual(["Fix crash on launch", "Add Apple Pay", expect.any(String)]);
    // The delivered event matches the hooks spec's Event definition.
    expect(new SpecSchemas("hooks", "7.1").errors("Event", payload)).toEqual([]);
    expect(handle.control.deliveries()[0]?.requestHeaders.authorization).toBe("Basic ***");
    expect(handle.control.deliveries()[0]?.requestHeaders["x-keel-secret"]).toBe("***");
  });

  it("filters by branch and repository; new branches have a zero oldObjectId; failures are recorded", async () => {
    const base = `${handle.servicesUrl ?? ""}/fabrikam/_apis/hooks/subscriptions?api-version=7.1`;
    const headers = basic(DEFAULT_PATS.fabrikamFull);
    await postJson(base, subscriptionBody({ url: `${receiverUrl}/main-only` }), headers);
    await postJson(base, subscriptionBody({ url: `${receiverUrl}/fail`, branch: "", repository: "" }), headers);
    const other = await handle.control.push({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", branch: "feature/new-thing", commits: 1 });
    expect(received.map((item) => item.path)).toEqual(["/fail"]);
    expect(other.refUpdates[0]?.oldObjectId).toBe("0".repeat(40));
    expect(other.deliveries[0]?.status).toBe(500);
    received = [];
    // The repository filter: only the any-repository subscription hears about ios-sdk.
    await handle.control.push({ organization: "fabrikam", project: "MOBILE_IOS", repository: "ios-sdk", branch: "main", commits: 1 });
    expect(received.map((item) => item.path)).toEqual(["/fail"]);
    received = [];
    await handle.control.push({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", branch: "main", commits: 1 });
    expect(received.map((item) => item.path).sort()).toEqual(["/fail", "/main-only"]);
    received = [];
    const deleted = await handle.control.push({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", branch: "feature/new-thing", delete: true });
    expect(deleted.refUpdates[0]?.newObjectId).toBe("0".repeat(40));
    expect(((received[0]?.body.resource as Record<string, unknown>).refUpdates as Array<Record<string, string>>)[0]?.newObjectId).toBe("0".repeat(40));
  });

  it("Server deliveries use the configured public URL (localhost misconfiguration included)", async () => {
    const server = DEFAULT_SERVERS.serverLocalhost;
    const deployment = handle.deployment(server.name);
    const collection = `${deployment.url}/${server.collection}`;
    const headers = basic(DEFAULT_PATS.serverLocalhost);
    const repo = body(await request(`${collection}/${server.project}/_apis/git/repositories/${server.repository}?api-version=7.1`, { headers }));
    const created = await postJson(
      `${collection}/_apis/hooks/subscriptions?api-version=7.1`,
      subscriptionBody({ url: `${receiverUrl}/onprem`, projectId: String((repo.project as Record<string, string>).id), repository: String(repo.id) }),
      headers,
    );
    expect(created.status).toBe(200);
    await handle.control.push({ deployment: server.name, organization: server.collection, project: server.project, repository: server.repository, branch: "main" });
    expect(received).toHaveLength(1);
    const resource = received[0]?.body.resource as Record<string, unknown>;
    expect(String((resource.repository as Record<string, string>).remoteUrl)).toBe("http://localhost:8080/tfs/DefaultCollection/MOBILE_IOS/_git/wallet");
    expect(String(resource.url)).toMatch(/^http:\/\/localhost:8080\/tfs\/DefaultCollection\//);
  });
});
