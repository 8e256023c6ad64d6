import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_LEGACY_APP, DEFAULT_PATS } from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { basic, body, postForm, request } from "./test-support.js";

/** Faults on demand: deterministic sequences, no timing assertions. */

let handle: EmulatorHandle;
let projectsUrl: string;
const auth = (): Record<string, string> => basic(DEFAULT_PATS.fabrikamFull);

beforeAll(async () => {
  handle = await startEmulator({ fixture: "default" });
  projectsUrl = `${handle.servicesUrl ?? ""}/fabrikam/_apis/projects`;
});

beforeEach(() => {
  handle.reset();
});

afterAll(async () => {
  await handle.stop();
});

async function statuses(count: number, url = projectsUrl): Promise<number[]> {
  const result: number[] = [];
  for (let index = 0; index < count; index += 1) {
    result.push((await request(url, { headers: auth() })).status);
  }
  return result;
}

describe("faults", () => {
  it("5xx on every Nth matching request, exactly", async () => {
    handle.control.addFault({ kind: "error", status: 503, every: 3, deployment: "services" });
    expect(await statuses(7)).toEqual([200, 200, 503, 200, 200, 503, 200]);
    const failed = await (async () => {
      handle.control.clearFaults();
      handle.control.addFault({ kind: "error", status: 500, every: 1, times: 2 });
      return statuses(3);
    })();
    expect(failed).toEqual([500, 500, 200]);
  });

  it("faults scoped to another deployment or path do not apply", async () => {
    handle.control.addFault({ kind: "error", every: 1, deployment: "server2022" });
    handle.control.addFault({ kind: "error", every: 1, pathPrefix: "/contoso/" });
    expect(await statuses(2)).toEqual([200, 200]);
    expect((await request(`${handle.servicesUrl ?? ""}/contoso/_apis/projects`, { headers: basic(DEFAULT_PATS.contoso) })).status).toBe(503);
  });

  it("429 TF400733 after N requests, with Retry-After and X-RateLimit-*; warning headers on 200s near the limit", async () => {
    handle.control.addFault({ kind: "rateLimit", after: 5, retryAfterSeconds: 17, warnWithin: 2 });
    const responses = [];
    for (let index = 0; index < 7; index += 1) {
      responses.push(await request(projectsUrl, { headers: auth() }));
    }
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(responses[0]?.headers["x-ratelimit-remaining"]).toBeUndefined();
    expect(responses[3]?.headers["x-ratelimit-remaining"]).toBe("1");
    expect(responses[4]?.headers["x-ratelimit-remaining"]).toBe("0");
    expect(responses[4]?.headers["x-ratelimit-limit"]).toBe("5");
    expect(responses[4]?.headers["x-ratelimit-resource"]).toBe("Core");
    const blocked = responses[5];
    expect(blocked?.headers["retry-after"]).toBe("17");
    expect(blocked?.headers["x-ratelimit-delay"]).toBe("17.000");
    expect(blocked?.headers["x-ratelimit-remaining"]).toBe("0");
    expect(Number(blocked?.headers["x-ratelimit-reset"])).toBeGreaterThan(Date.now() / 1000);
    expect(String(body(blocked ?? responses[0]!).message)).toMatch(/^TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource/);
    // The window resets on the emulator clock.
    handle.control.advanceClock({ seconds: 301 });
    expect((await request(projectsUrl, { headers: auth() })).status).toBe(200);
  });

  it("connection reset destroys the socket", async () => {
    handle.control.addFault({ kind: "reset", every: 2 });
    expect((await request(projectsUrl, { headers: auth() })).status).toBe(200);
    await expect(request(projectsUrl, { headers: auth() })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(handle.control.requests().at(-1)?.faults).toEqual(["reset"]);
  });

  it("a never-answering request is held until the fault is cleared", async () => {
    const fault = handle.control.addFault({ kind: "hang", times: 1 });
    const pending = request(projectsUrl, { headers: auth() }).then(
      () => "answered",
      () => "dropped",
    );
    // Wait until the emulator has the request (observed through the log, not a timer).
    for (let attempt = 0; attempt < 2000 && handle.control.state().heldRequests === 0; attempt += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(handle.control.state().heldRequests).toBe(1);
    expect(handle.control.removeFault(fault.id)).toBe(true);
    expect(await pending).toBe("dropped");
    expect(handle.control.state().heldRequests).toBe(0);
    expect((await request(projectsUrl, { headers: auth() })).status).toBe(200);
  });

  it("latency is applied and recorded", async () => {
    handle.control.addFault({ kind: "latency", ms: 20 });
    expect((await request(projectsUrl, { headers: auth() })).status).toBe(200);
    expect(handle.control.requests().at(-1)?.faults).toEqual(["latency"]);
    expect(handle.control.listFaults()[0]?.fired).toBe(1);
  });

  it("the control API itself is never faulted", async () => {
    handle.control.addFault({ kind: "error", every: 1 });
    const state = await request(`${handle.servicesUrl ?? ""}/_emulator/state`);
    expect(state.status).toBe(200);
  });

  it("faults can be defined in the fixture and survive reset", async () => {
    const custom = await startEmulator({
      fixture: { ...handle.fixture, name: "faulty", faults: [{ kind: "error", status: 502, every: 2, deployment: "services" }] },
    });
    try {
      const url = `${custom.servicesUrl ?? ""}/fabrikam/_apis/projects`;
      expect(await statuses(2, url)).toEqual([200, 502]);
      custom.reset();
      expect(await statuses(2, url)).toEqual([200, 502]);
    } finally {
      await custom.stop();
    }
  });
});

describe("request log", () => {
  it("records method, path, query and headers with secrets masked", async () => {
    await request(`${projectsUrl}?$top=2&api-version=7.1`, { headers: { ...auth(), Cookie: "session=abc" } });
    await postForm(`${handle.servicesUrl ?? ""}/oauth2/token`, {
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: DEFAULT_LEGACY_APP.clientSecret,
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      assertion: "some-code",
      redirect_uri: "https://x.example/cb",
    });
    await request(`${handle.servicesUrl ?? ""}/oauth2/authorize?client_id=x&code=secret-code&state=s`);
    const log = handle.control.requests();
    const [projects, token, authorize] = log;
    expect(projects).toMatchObject({ method: "GET", path: "/fabrikam/_apis/projects", query: { $top: "2", "api-version": "7.1" }, apiVersion: "7.1", status: 200 });
    expect(projects?.headers.authorization).toBe("Basic ***");
    expect(projects?.headers.cookie).toBe("***");
    expect(token?.body).toMatchObject({ client_assertion: "***", assertion: "***", grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer" });
    expect(authorize?.query).toMatchObject({ code: "***", state: "s" });
    const serialized = JSON.stringify(log);
    expect(serialized).not.toContain(DEFAULT_PATS.fabrikamFull);
    expect(serialized).not.toContain(DEFAULT_LEGACY_APP.clientSecret);
    expect(serialized).not.toContain("secret-code");
    const overHttp = await request(`${handle.servicesUrl ?? ""}/_emulator/requests?path=projects`);
    expect((overHttp.json as unknown[]).length).toBe(1);
  });
});
