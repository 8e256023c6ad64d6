import { describe, expect, it } from "vitest";

import type { OutboundCallRecord } from "./client";
import { type DoctorInput, type DoctorOptions, type DoctorResult, type Finding, runDoctor } from "./doctor";
import { OAUTH_SCOPES } from "./scopes";
import {
  DEFAULT_PATS,
  DEFAULT_SERVERS,
  DEFAULT_USERS,
  type EmulatorHandle,
  type Fixture,
  KEEL_SCOPES,
  SHORT_TIMEOUTS,
  TEST_POLICY,
  closedPort,
  startBadTlsServer,
  startEmulator,
  startHtmlServer,
  startRedirectServer,
  startStrippingProxy,
  withDefaultEmulator,
} from "./test-kit";

let emulator: EmulatorHandle;
let services: string;

withDefaultEmulator((handle) => {
  emulator = handle;
  services = handle.servicesUrl ?? "";
});

type Run = { result: DoctorResult; calls: OutboundCallRecord[]; token: string };

/** Runs the doctor against an organization of the Services deployment. */
async function cloud(org: string, token: string, extra: Partial<DoctorInput> = {}, options: Partial<DoctorOptions> = {}): Promise<Run> {
  const origin = new URL(services);
  return run({ deploymentType: "services", serverUrl: origin.origin, pathPrefix: "", collection: org, credential: { kind: "pat", token }, typedHost: origin.host, ...extra }, options);
}

/** Runs the doctor against a collection of a Server deployment of the default fixture. */
async function server(name: keyof typeof DEFAULT_SERVERS, token: string, extra: Partial<DoctorInput> = {}, options: Partial<DoctorOptions> = {}): Promise<Run> {
  const info = DEFAULT_SERVERS[name];
  const deployment = emulator.deployment(info.name);
  return run(
    {
      deploymentType: "server",
      serverUrl: deployment.origin,
      pathPrefix: info.pathPrefix.replace(/^\//, ""),
      collection: info.collection,
      credential: { kind: "pat", token },
      typedHost: new URL(deployment.origin).host,
      ...extra,
    },
    options,
  );
}

async function run(input: DoctorInput, options: Partial<DoctorOptions>): Promise<Run> {
  const calls: OutboundCallRecord[] = [];
  const result = await runDoctor(input, { policy: TEST_POLICY, recorder: (call) => calls.push(call), ...options });
  const token = input.credential.token;
  // Whatever happened, the token is nowhere in what the doctor hands back or records.
  const everything = JSON.stringify({ result, calls });
  expect(everything).not.toContain(token);
  expect(everything).not.toContain(Buffer.from(`:${token}`).toString("base64"));
  expect(result.findings.every((finding) => finding.title !== "" && finding.detail !== "" && finding.fix.length > 0)).toBe(true);
  return { result, calls, token };
}

function only(result: DoctorResult, id: string): Finding {
  const matching = result.findings.filter((finding) => finding.id === id);
  expect(matching, JSON.stringify(result.findings.map((finding) => finding.id))).toHaveLength(1);
  return matching[0] as Finding;
}

function ids(result: DoctorResult): string[] {
  return result.findings.map((finding) => finding.id);
}

describe("happy paths", () => {
  it("cloud: who, which product, which projects; every scope present; nothing written", async () => {
    const { result, calls } = await cloud("fabrikam", DEFAULT_PATS.fabrikamFull);
    expect(result.findings).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.identity).toEqual({ id: DEFAULT_USERS.alex.id, displayName: "Alex Morgan", uniqueName: DEFAULT_USERS.alex.email });
    expect(result.server).toEqual({ deploymentType: "hosted", product: "Azure DevOps Services", apiVersion: "7.1", ceiling: "7.2" });
    expect(result.projects).toEqual({ count: 4, countIsLowerBound: false, first: ["Android", "Fabrikam Fiber", "MOBILE_IOS", "Sandbox"] });
    expect(result.scopes).toEqual({ present: ["vso.identity", "vso.code", "vso.code_status", "vso.notification"], missing: [], unchecked: [] });
    expect(Number.isNaN(Date.parse(result.checkedAt))).toBe(false);
    // The only write-shaped call is the invalid status, refused with 400.
    expect(calls.filter((call) => call.method !== "GET" && call.method !== "OPTIONS")).toEqual([expect.objectContaining({ method: "POST", status: 400 })]);
    expect(emulator.control.statuses()).toEqual([]);
  });

  it("Azure DevOps Server 2022.1 behind /tfs", async () => {
    const { result } = await server("server2022", DEFAULT_PATS.server2022);
    expect(result.findings).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.identity).toMatchObject({ displayName: "Jane Doe", uniqueName: "FABRIKAM\\jdoe" });
    expect(result.server).toEqual({ deploymentType: "onPremises", product: "Azure DevOps Server 2022.1", apiVersion: "7.1", ceiling: "7.1" });
    expect(result.projects).toEqual({ count: 2, countIsLowerBound: false, first: ["MOBILE_IOS", "Shared Services"] });
  });

  it("Azure DevOps Server 2020 is supported and uses api-version 6.0", async () => {
    const { result } = await server("server2020", DEFAULT_PATS.server2020);
    expect(result.ok).toBe(true);
    expect(result.server).toMatchObject({ product: "Azure DevOps Server 2020", apiVersion: "6.0", ceiling: "6.1" });
    expect(result.scopes.missing).toEqual([]);
  });

  it("an OAuth token on an organization that allows OAuth", async () => {
    const issued = await emulator.control.issueOAuthToken({ provider: "legacy", userId: DEFAULT_USERS.alex.id, scopes: OAUTH_SCOPES.map((scope) => scope.id) });
    const { result } = await cloud("fabrikam", issued.accessToken, { credential: { kind: "bearer", token: issued.accessToken }, vsspsUrl: services });
    expect(result.findings).toEqual([]);
    expect(result.scopes).toEqual({ present: ["vso.code", "vso.code_status", "vso.project", "vso.notification", "vso.profile"], missing: [], unchecked: [] });
  });
});

describe("reachability", () => {
  it("unreachable_refused: a closed port", async () => {
    const port = await closedPort();
    const { result } = await run(
      { deploymentType: "server", serverUrl: `http://127.0.0.1:${port}`, pathPrefix: "tfs", collection: "DefaultCollection", credential: { kind: "pat", token: DEFAULT_PATS.server2022 }, typedHost: `127.0.0.1:${port}` },
      {},
    );
    expect(result.ok).toBe(false);
    const finding = only(result, "unreachable_refused");
    expect(finding.data).toMatchObject({ host: "127.0.0.1", port });
    expect(finding.title).toContain(`127.0.0.1:${port}`);
    expect(finding.fix.join(" ")).toMatch(/firewall/);
    expect(finding.fix.join(" ")).toContain("Network settings page");
  });

  it("unreachable_dns: a .invalid host name", async () => {
    const { result } = await run(
      { deploymentType: "server", serverUrl: "https://devops.keel-doctor.invalid", pathPrefix: "", collection: "DefaultCollection", credential: { kind: "pat", token: DEFAULT_PATS.server2022 }, typedHost: "devops.keel-doctor.invalid" },
      {},
    );
    expect(result.ok).toBe(false);
    expect(only(result, "unreachable_dns").data).toMatchObject({ host: "devops.keel-doctor.invalid", port: 443 });
  });

  it("unreachable_timeout: a server that never answers", async () => {
    emulator.control.addFault({ kind: "hang", deployment: "server2022" });
    const { result, calls } = await server("server2022", DEFAULT_PATS.server2022, {}, { timeouts: SHORT_TIMEOUTS });
    expect(result.ok).toBe(false);
    expect(only(result, "unreachable_timeout").data).toMatchObject({ phase: "headers" });
    expect(calls.every((call) => call.failureKind === "timeout")).toBe(true);
  });

  it("unreachable_reset: the connection is dropped", async () => {
    emulator.control.addFault({ kind: "reset", deployment: "server2022" });
    const { result } = await server("server2022", DEFAULT_PATS.server2022);
    expect(result.ok).toBe(false);
    only(result, "unreachable_reset");
  });

  it("blocked_by_policy: the outbound policy refuses the address", async () => {
    const { result, calls } = await cloud("fabrikam", DEFAULT_PATS.fabrikamFull, {}, { policy: { ...TEST_POLICY, allowLoopback: false } });
    expect(result.ok).toBe(false);
    const finding = only(result, "blocked_by_policy");
    expect(finding.fix.join(" ")).toMatch(/outbound allowlist/);
    expect(calls.every((call) => call.failureKind === "blocked")).toBe(true);
  });

  it("redirected: the server wants https", async () => {
    const redirector = await startRedirectServer("https://127.0.0.1:8443");
    try {
      const { result } = await run(
        { deploymentType: "server", serverUrl: redirector.url, pathPrefix: "", collection: "DefaultCollection", credential: { kind: "pat", token: DEFAULT_PATS.server2022 }, typedHost: `127.0.0.1:${redirector.port}` },
        {},
      );
      expect(result.ok).toBe(false);
      const finding = only(result, "redirected");
      expect(finding.data?.location).toBe("https://127.0.0.1:8443/DefaultCollection/_apis/connectionData");
      expect(finding.title).toContain("https://127.0.0.1:8443");
    } finally {
      await redirector.close();
    }
  });
});

describe("TLS", () => {
  it("the HTTPS deployment fails without its CA and passes with the emulator's CA PEM", async () => {
    const without = await server("serverTls", DEFAULT_PATS.serverTls);
    expect(without.result.ok).toBe(false);
    expect(only(without.result, "tls_unknown_ca").data).toMatchObject({ canUploadCa: 1, tls: "unknown_ca" });

    const withCa = await server("serverTls", DEFAULT_PATS.serverTls, { caBundlePem: emulator.caCertPem });
    expect(withCa.result.findings).toEqual([]);
    expect(withCa.result.ok).toBe(true);
    expect(withCa.result.server?.product).toBe("Azure DevOps Server 2022.1");
  });

  it("tls_hostname_mismatch: the certificate does not name the host Keel was given", async () => {
    const deployment = emulator.deployment("server-tls");
    const { result } = await run(
      {
        deploymentType: "server",
        serverUrl: `https://devops.keel-test.example:${deployment.port}`,
        pathPrefix: "",
        collection: "DefaultCollection",
        credential: { kind: "pat", token: DEFAULT_PATS.serverTls },
        caBundlePem: emulator.caCertPem,
        typedHost: `devops.keel-test.example:${deployment.port}`,
      },
      { resolve: async () => [{ address: "127.0.0.1", family: 4 }] },
    );
    expect(result.ok).toBe(false);
    only(result, "tls_hostname_mismatch");
  });

  it("tls_self_signed offers to upload the certificate", async () => {
    const tls = await startBadTlsServer("self_signed");
    try {
      const { result } = await run(
        { deploymentType: "server", serverUrl: tls.url, pathPrefix: "", collection: "DefaultCollection", credential: { kind: "pat", token: DEFAULT_PATS.serverTls }, typedHost: `127.0.0.1:${tls.port}` },
        {},
      );
      expect(only(result, "tls_self_signed").data).toMatchObject({ canUploadCa: 1 });
    } finally {
      await tls.close();
    }
  });

  it("tls_expired even with the CA trusted", async () => {
    const tls = await startBadTlsServer("expired");
    try {
      const { result } = await run(
        { deploymentType: "server", serverUrl: tls.url, pathPrefix: "", collection: "DefaultCollection", credential: { kind: "pat", token: DEFAULT_PATS.serverTls }, caBundlePem: tls.caPem, typedHost: `127.0.0.1:${tls.port}` },
        {},
      );
      const finding = only(result, "tls_expired");
      expect(finding.data?.canUploadCa).toBeUndefined();
    } finally {
      await tls.close();
    }
  });
});

describe("is it Azure DevOps, and does the collection exist", () => {
  it("not_azure_devops: a web page, whose content is never shown", async () => {
    const html = await startHtmlServer();
    try {
      const { result } = await run(
        { deploymentType: "server", serverUrl: html.url, pathPrefix: "", collection: "DefaultCollection", credential: { kind: "pat", token: DEFAULT_PATS.server2022 }, typedHost: `127.0.0.1:${html.port}` },
        {},
      );
      const finding = only(result, "not_azure_devops");
      expect(finding.detail).toContain("a web page");
      expect(JSON.stringify(result)).not.toContain("secret-intranet-page");
    } finally {
      await html.close();
    }
  });

  it("not_azure_devops: JSON of another kind", async () => {
    const { result } = await cloud("_emulator", DEFAULT_PATS.fabrikamFull);
    only(result, "not_azure_devops");
    expect(JSON.stringify(result)).not.toContain("Unknown control route");
  });

  it("organization_not_found and collection_not_found", async () => {
    const org = await cloud("no-such-org", DEFAULT_PATS.fabrikamFull);
    expect(only(org.result, "organization_not_found").title).toContain("no-such-org");
    const collection = await server("server2022", DEFAULT_PATS.server2022, { collection: "NoSuchCollection" });
    expect(only(collection.result, "collection_not_found").title).toContain("NoSuchCollection");
    const prefix = await server("server2022", DEFAULT_PATS.server2022, { pathPrefix: "" });
    only(prefix.result, "collection_not_found");
  });
});

describe("tokens", () => {
  it("token_invalid: unknown, revoked (fixture and control API), or of another organization", async () => {
    expect(only((await cloud("fabrikam", "x".repeat(52))).result, "token_invalid").detail).toContain("TF400813");
    expect(only((await cloud("fabrikam", DEFAULT_PATS.fabrikamRevoked)).result, "token_invalid").detail).toContain("has been revoked");
    expect(ids((await cloud("fabrikam", DEFAULT_PATS.contoso)).result)).toEqual(["token_invalid"]);

    const created = emulator.control.createPat({ userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES], organizations: ["fabrikam"] });
    expect((await cloud("fabrikam", created.token)).result.ok).toBe(true);
    emulator.control.revokeToken(created.token);
    expect(ids((await cloud("fabrikam", created.token)).result)).toEqual(["token_invalid"]);
  });

  it("a refused PAT names the global-PAT retirement as a cause and how to create an organization-scoped token", async () => {
    const after = only((await cloud("fabrikam", "x".repeat(52), {}, { now: new Date("2026-12-04T10:00:00Z") })).result, "token_invalid");
    expect(after.detail).toContain("stopped accepting global personal access tokens on 1 December 2026");
    expect(after.fix.join(" ")).toContain('under Organization choose "fabrikam" (not "All accessible organizations")');
    const before = only((await cloud("fabrikam", "x".repeat(52), {}, { now: new Date("2026-06-01T10:00:00Z") })).result, "token_invalid");
    expect(before.detail).toContain("stops accepting global personal access tokens on 1 December 2026");
    // Azure DevOps Server has no global tokens: nothing about them there.
    const onPrem = only((await server("server2022", "y".repeat(52), {}, { now: new Date("2026-12-04T10:00:00Z") })).result, "token_invalid");
    expect(onPrem.detail).not.toContain("global");
  });

  it("token_expired quotes Azure DevOps' own text; also when the clock passes the expiry", async () => {
    const fixture = only((await cloud("fabrikam", DEFAULT_PATS.fabrikamExpired)).result, "token_expired");
    expect(fixture.detail).toContain("Access Denied: The Personal Access Token used has expired.");
    // An expired token is not extended: the fix is a new, organization-scoped one, replaced in Keel.
    expect(fixture.fix.join(" ")).toContain("Replace token");

    const created = emulator.control.createPat({ userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES], organizations: ["fabrikam"], expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await cloud("fabrikam", created.token)).result.ok).toBe(true);
    emulator.control.advanceClock({ seconds: 7_200 });
    expect(ids((await cloud("fabrikam", created.token)).result)).toEqual(["token_expired"]);
    expect(ids((await server("server2022", DEFAULT_PATS.server2022Expired)).result)).toEqual(["token_expired"]);
  });

  it("token_wrong_organization: the token's user is not a member", async () => {
    const pat = await cloud("northwind", DEFAULT_PATS.allOrgs);
    const finding = only(pat.result, "token_wrong_organization");
    expect(finding.data).toEqual({ userId: DEFAULT_USERS.alex.id });
    expect(pat.result.ok).toBe(false);

    emulator.control.setMembership({ organization: "fabrikam", userId: DEFAULT_USERS.alex.id, member: false });
    only((await cloud("fabrikam", DEFAULT_PATS.fabrikamFull)).result, "token_wrong_organization");
  });

  it("token_wrong_organization for an OAuth token, told apart from the OAuth policy by the accounts list", async () => {
    const issued = await emulator.control.issueOAuthToken({ provider: "legacy", userId: DEFAULT_USERS.alex.id, scopes: OAUTH_SCOPES.map((scope) => scope.id) });
    const { result } = await cloud("northwind", issued.accessToken, { credential: { kind: "bearer", token: issued.accessToken }, vsspsUrl: services });
    expect(ids(result)).toEqual(["token_wrong_organization"]);
  });

  it("sign_in_page: a 203 sign-in page is a failure", async () => {
    const proxy = await startStrippingProxy(services);
    try {
      const origin = new URL(proxy.url);
      const { result } = await run(
        { deploymentType: "services", serverUrl: origin.origin, pathPrefix: "", collection: "fabrikam", credential: { kind: "pat", token: DEFAULT_PATS.fabrikamExpired }, typedHost: origin.host },
        {},
      );
      expect(result.ok).toBe(false);
      expect(ids(result)).toEqual(["sign_in_page"]);
    } finally {
      await proxy.close();
    }
  });

  it("oauth_policy_disabled: an OAuth token of a member, refused with TF400813", async () => {
    const issued = await emulator.control.issueOAuthToken({ provider: "legacy", userId: DEFAULT_USERS.alex.id, scopes: OAUTH_SCOPES.map((scope) => scope.id) });
    const credential = { kind: "bearer", token: issued.accessToken } as const;
    const refused = await cloud("contoso", issued.accessToken, { credential, vsspsUrl: services });
    const finding = only(refused.result, "oauth_policy_disabled");
    expect(refused.result.ok).toBe(false);
    expect(finding.fix.join(" ")).toContain("Organization settings");
    expect(finding.fix.join(" ")).toContain("Third-party application access via OAuth");
    expect(finding.fix.at(-1)).toMatch(/Check again/);

    emulator.control.setOAuthPolicy({ organization: "contoso", enabled: true });
    const allowed = await cloud("contoso", issued.accessToken, { credential, vsspsUrl: services });
    expect(allowed.result.findings).toEqual([]);
  });
});

describe("server version", () => {
  it("the yearless Azure DevOps Server is recognised by the version it reports and accepted as 2020 or newer", async () => {
    const { result } = await server("serverYearless", DEFAULT_PATS.serverYearless);
    expect(result.findings).toEqual([]);
    expect(result.ok).toBe(true);
    // connectionData says "onPremises" and names no version; the api-version ceiling (7.2) does.
    expect(result.server).toEqual({ deploymentType: "onPremises", product: "Azure DevOps Server", apiVersion: "7.1", ceiling: "7.2" });
  });

  it.each([
    ["server2019", DEFAULT_PATS.server2019, "Azure DevOps Server 2019"],
    ["tfs2018", DEFAULT_PATS.tfs2018, "Team Foundation Server 2018"],
  ] as const)("server_too_old: %s is refused with the product named", async (name, token, product) => {
    const { result } = await server(name, token);
    expect(result.ok).toBe(false);
    expect(only(result, "server_too_old").title).toBe(`This server is ${product}; Keel needs Azure DevOps Server 2020 or later`);
    expect(result.server?.product).toBe(product);
    expect(result.identity?.displayName).toBe("Jane Doe");
  });
});

describe("scopes", () => {
  it.each([
    ["fabrikamNoCodeStatus", "vso.code_status", "Code (Status)"],
    ["fabrikamNoIdentity", "vso.identity", "Identity (Read)"],
    ["fabrikamNoNotification", "vso.notification", "Notifications (Read)"],
  ] as const)("missing_scope: %s lacks %s", async (pat, scope, label) => {
    const { result } = await cloud("fabrikam", DEFAULT_PATS[pat]);
    expect(result.ok).toBe(false);
    const finding = only(result, "missing_scope");
    expect(finding.data).toEqual({ scope, scopeLabel: label });
    expect(finding.title).toContain(label);
    expect(finding.title).toContain(scope);
    expect(result.scopes.missing).toEqual([scope]);
    expect(result.scopes.present).toHaveLength(3);
    expect(emulator.control.statuses()).toEqual([]);
  });

  it("without Notifications (Read) the projects cannot be listed, and the finding says so", async () => {
    const { result } = await cloud("fabrikam", DEFAULT_PATS.fabrikamNoNotification);
    expect(result.projects).toBeUndefined();
    expect(only(result, "missing_scope").detail).toContain("list projects");
  });

  it("a token with only Code (Read) misses three scopes: one finding with one recipe that names every box", async () => {
    const created = emulator.control.createPat({ userId: DEFAULT_USERS.alex.id, scopes: ["vso.code"], organizations: ["fabrikam"] });
    const { result } = await cloud("fabrikam", created.token);
    const finding = only(result, "missing_scope");
    expect(finding.data).toEqual({ scope: "vso.identity vso.code_status vso.notification", scopeLabel: "Identity (Read), Code (Status), Notifications (Read)" });
    expect(finding.title).toBe("The token lacks 3 scopes: Identity (Read), Code (Status) and Notifications (Read)");
    expect(finding.fix.join(" ")).toContain('Tick "Read" under "Identity", "Status" under "Code" and "Read" under "Notifications"');
    expect(result.scopes).toEqual({ present: ["vso.code"], missing: ["vso.identity", "vso.code_status", "vso.notification"], unchecked: [] });
  });

  it("commit_status_check_skipped when no repository has a commit", async () => {
    const fixture: Fixture = {
      name: "doctor-empty-repositories",
      users: [DEFAULT_USERS.jane],
      servers: [
        {
          name: "fresh-server",
          product: "server2022.1",
          pathPrefix: "",
          collections: [
            {
              name: "DefaultCollection",
              id: "3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b",
              members: [DEFAULT_USERS.jane.id],
              projects: [{ id: "4a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", name: "Greenfield", repositories: [{ id: "5b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", name: "app", branches: [] }] }],
            },
          ],
        },
      ],
      pats: [],
      oauth: { legacy: [], entra: [] },
    };
    const fresh = await startEmulator({ fixture, basePort: 0 });
    try {
      const { token } = fresh.control.createPat({ userId: DEFAULT_USERS.jane.id, scopes: [...KEEL_SCOPES], deployment: "fresh-server", organizations: "all" });
      const origin = fresh.deployment("fresh-server").origin;
      const { result } = await run(
        { deploymentType: "server", serverUrl: origin, pathPrefix: "", collection: "DefaultCollection", credential: { kind: "pat", token }, typedHost: new URL(origin).host },
        {},
      );
      expect(result.ok).toBe(true);
      const finding = only(result, "commit_status_check_skipped");
      expect(finding.severity).toBe("warning");
      expect(result.scopes).toEqual({ present: ["vso.identity", "vso.code", "vso.notification"], missing: [], unchecked: ["vso.code_status"] });
    } finally {
      await fresh.stop();
    }
  });
});

describe("public URL and rate limits", () => {
  it("public_url_mismatch: the server's own URLs say localhost", async () => {
    const { result } = await server("serverLocalhost", DEFAULT_PATS.serverLocalhost);
    expect(result.ok).toBe(true);
    const finding = only(result, "public_url_mismatch");
    expect(finding.severity).toBe("warning");
    expect(finding.data).toMatchObject({ returnedHost: "localhost:8080" });
    expect(finding.fix.join(" ")).toContain("Change Public URL");
    expect(finding.fix.join(" ")).toContain(`TfsConfig settings /publicURL:${emulator.deployment("server-localhost").origin}/tfs`);
    expect(finding.fix.join(" ")).toMatch(/Keel rewrites clone URLs/);
  });

  it("public_url_mismatch: the server's URLs name another host than the one typed", async () => {
    const deployment = emulator.deployment("server2022");
    const { result } = await server("server2022", DEFAULT_PATS.server2022, { serverUrl: `http://localhost:${deployment.port}`, typedHost: `localhost:${deployment.port}` });
    const finding = only(result, "public_url_mismatch");
    expect(finding.data?.returnedHost).toBe(`127.0.0.1:${deployment.port}`);
  });

  it("rate_limited says when to retry", async () => {
    emulator.control.addFault({ kind: "rateLimit", after: 0, retryAfterSeconds: 90, deployment: "services" });
    const { result } = await cloud("fabrikam", DEFAULT_PATS.fabrikamFull);
    expect(result.ok).toBe(false);
    const finding = only(result, "rate_limited");
    expect(finding.data?.retryAfterSeconds).toBe(90);
    expect(finding.detail).toContain("90 seconds");
  });

  it("rate_limited in the middle of the checks still reports who the token is", async () => {
    emulator.control.addFault({ kind: "rateLimit", after: 3, retryAfterSeconds: 60, deployment: "services" });
    const { result } = await cloud("fabrikam", DEFAULT_PATS.fabrikamFull);
    expect(ids(result)).toEqual(["rate_limited"]);
    expect(result.identity?.id).toBe(DEFAULT_USERS.alex.id);
  });

  it("server_error after retries", async () => {
    emulator.control.addFault({ kind: "error", status: 500, deployment: "server2022" });
    const { result } = await server("server2022", DEFAULT_PATS.server2022);
    expect(ids(result)).toEqual(["server_error"]);
  });
});
