import { createServer } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { DEFAULT_ORGS, DEFAULT_PATS, DEFAULT_SERVERS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { auditFor, captureResponses, expectSavedIntoRepositoryStep, expectTokenNowhere, fillPatForm, finding, startPatWizard, submitPatForm, type CapturedResponses, type Provider } from "./support/connect-wizard";
import { openFor, removeConnection, uniqueName } from "./support/connections";
import { prisma } from "./support/db";
import { emulator, emulatorDeployment } from "./support/emulator";
import { FIRST_ADMIN } from "./support/settings";

// One journey per finding of the connection doctor. Each runs the wizard up to "Check" in
// Chromium against the emulator, reads the finding the admin sees, and then proves on the
// database that nothing was saved (or, for the journeys that end well, exactly one row) and
// that the token is nowhere in clear.

type Journey = { page: Page; captured: CapturedResponses; draftId: string; name: string; token: string };

/** Signs in, fills the PAT form and runs Check; the check step shows a failing report. */
async function check(page: Page, input: { provider: Provider; serverUrl?: string; collection: string; token: string }): Promise<Journey> {
  const captured = captureResponses(page);
  await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
  const draftId = await startPatWizard(page, input.provider);
  const name = uniqueName("Doctor");
  await fillPatForm(page, { name, collection: input.collection, token: input.token, ...(input.serverUrl === undefined ? {} : { serverUrl: input.serverUrl }) });
  await submitPatForm(page);
  return { page, captured, draftId, name, token: input.token };
}

async function expectRefused(journey: Journey): Promise<void> {
  const { page } = journey;
  await expect(page.getByRole("heading", { name: /^The connection does not work yet/ })).toBeVisible();
  // A failing check cannot be saved.
  await expect(page.getByRole("button", { name: "Save connection" })).toHaveCount(0);
  await expectNoSeriousA11yViolations(page, "/connect/[draft]/check (finding)");
}

/** No connection came out of this draft; its sealed token opens to the token and holds no clear text. */
async function expectNothingSaved(journey: Journey): Promise<void> {
  expect(await prisma().connection.count({ where: { OR: [{ name: journey.name }, { idempotencyKey: journey.draftId }] } })).toBe(0);
  const draft = await prisma().connectDraft.findUniqueOrThrow({ where: { id: journey.draftId } });
  expect(draft.connectionId).toBeNull();
  expect(draft.tokenSealed).not.toContain(journey.token);
  expect(openFor("ConnectDraft", "tokenSealed", journey.draftId, draft.tokenSealed!)).toBe(journey.token);
  // The check itself is audited, with each outbound call, and without the token.
  const checks = (await auditFor(journey.draftId)).filter((event) => event.action === "connection.check_ran");
  expect(checks.length).toBeGreaterThanOrEqual(1);
  expect((checks.at(-1)!.data as { ok: boolean }).ok).toBe(false);
  expect(((checks.at(-1)!.data as { outboundCalls: unknown[] }).outboundCalls ?? []).length).toBeGreaterThanOrEqual(1);
  await expectTokenNowhere(journey.page, journey.captured, journey.token);
}

/** Saves the draft from the check step and returns the new connection row. */
async function save(journey: Journey) {
  await journey.page.getByRole("button", { name: "Save connection" }).click();
  const savedId = await expectSavedIntoRepositoryStep(journey.page);
  const rows = await prisma().connection.findMany({ where: { idempotencyKey: journey.draftId } });
  expect(rows).toHaveLength(1);
  const connection = rows[0]!;
  expect(connection.name).toBe(journey.name);
  expect(connection.tokenSealed).not.toContain(journey.token);
  expect(openFor("Connection", "tokenSealed", connection.id, connection.tokenSealed!)).toBe(journey.token);
  expect(savedId).toBe(connection.id);
  // The journeys go on to assert on the connection's own page.
  await journey.page.goto(`/connections/${connection.id}`);
  return connection;
}

/** A TCP port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") {
    throw new Error("no port");
  }
  return address.port;
}

async function originOf(deployment: string): Promise<string> {
  return new URL((await emulatorDeployment(deployment)).origin).origin;
}

test.describe("the connection doctor, one journey per finding", () => {
  test("expired token: Azure DevOps's own expiry text", async ({ page }) => {
    const journey = await check(page, { provider: "SERVICES", collection: DEFAULT_ORGS.fabrikam.name, token: DEFAULT_PATS.fabrikamExpired });
    await expectRefused(journey);
    const expired = finding(page, "token_expired");
    await expect(expired).toContainText("The token has expired");
    await expect(expired).toContainText('Azure DevOps says: "Access Denied: The Personal Access Token used has expired."');
    // An expired token is not extended: the fix is a new, organization-scoped one.
    await expect(expired).toContainText('under Organization choose "fabrikam" (not "All accessible organizations")');
    await expectNothingSaved(journey);
  });

  test("token for a different organization: contoso's token against fabrikam", async ({ page }) => {
    const journey = await check(page, { provider: "SERVICES", collection: DEFAULT_ORGS.fabrikam.name, token: DEFAULT_PATS.contoso });
    await expectRefused(journey);
    const refused = finding(page, "token_invalid");
    await expect(refused).toContainText('Azure DevOps does not accept this token for the organization "fabrikam"');
    await expect(refused).toContainText("a token created for a different organization is refused exactly like this");
    await expect(refused).toContainText('under Organization choose "fabrikam" (not "All accessible organizations")');
    // The doctor knows 2026: a refused PAT may be a retired global one.
    await expect(refused).toContainText("global personal access tokens on 1 December 2026");
    await expectNothingSaved(journey);
  });

  for (const [deployment, token, product] of [
    [DEFAULT_SERVERS.server2019, DEFAULT_PATS.server2019, "Azure DevOps Server 2019"],
    [DEFAULT_SERVERS.tfs2018, DEFAULT_PATS.tfs2018, "Team Foundation Server 2018"],
  ] as const) {
    test(`${product} is refused with the product named`, async ({ page }) => {
      const origin = await originOf(deployment.name);
      const journey = await check(page, { provider: "SERVER", serverUrl: `${origin}${deployment.pathPrefix}`, collection: deployment.collection, token });
      await expectRefused(journey);
      const old = finding(page, "server_too_old");
      await expect(old.getByRole("heading")).toHaveText(new RegExp(`^this server is ${product}; Keel needs Azure DevOps Server 2020 or later$`, "i"));
      await expect(old).toContainText("Upgrade the server");
      await expectNothingSaved(journey);
    });
  }

  for (const [pat, label, scope, section, option] of [
    ["fabrikamNoCodeStatus", "Code (Status)", "vso.code_status", "Code", "Status"],
    ["fabrikamNoIdentity", "Identity (Read)", "vso.identity", "Identity", "Read"],
    ["fabrikamNoNotification", "Notifications (Read)", "vso.notification", "Notifications", "Read"],
  ] as const) {
    test(`missing scope: a token without ${label} is told exactly which scope to add`, async ({ page }) => {
      const journey = await check(page, { provider: "SERVICES", collection: DEFAULT_ORGS.fabrikam.name, token: DEFAULT_PATS[pat] });
      await expectRefused(journey);
      const missing = finding(page, "missing_scope");
      await expect(missing).toHaveCount(1);
      await expect(missing.getByRole("heading")).toHaveText(`The token lacks the scope ${label} (${scope})`);
      await expect(missing).toContainText(`Under "${section}", tick "${option}"`);
      await expectNothingSaved(journey);
    });
  }

  test("localhost in the server's own URLs: a warning with the fix, and the connection can be saved", async ({ page }) => {
    const server = DEFAULT_SERVERS.serverLocalhost;
    const origin = await originOf(server.name);
    const journey = await check(page, { provider: "SERVER", serverUrl: `${origin}${server.pathPrefix}`, collection: server.collection, token: DEFAULT_PATS.serverLocalhost });
    await expect(page.getByRole("heading", { name: "The connection works, with warnings" })).toBeVisible();
    const warning = finding(page, "public_url_mismatch");
    await expect(warning.getByRole("heading")).toHaveText("The server calls itself localhost:8080 in the URLs it returns");
    await expect(warning).toContainText("Change Public URL");
    await expect(warning).toContainText(`TfsConfig settings /publicURL:${origin}/tfs`);
    await expectNoSeriousA11yViolations(page, "/connect/[draft]/check (warning)");
    let connectionId: string | undefined;
    try {
      const connection = await save(journey);
      connectionId = connection.id;
      // Warnings do not make a working connection unhealthy (lib/connections/status.ts); the page still shows them.
      expect(connection.status).toBe("HEALTHY");
      expect(connection.statusReason).toBeNull();
      await expect(page.getByRole("alert").filter({ hasText: "The server calls itself localhost:8080" }).first()).toBeVisible();
      await expectTokenNowhere(page, journey.captured, journey.token);
    } finally {
      if (connectionId) {
        await removeConnection(connectionId);
      }
    }
  });

  test("unreachable: a closed port names host and port and links to Keel's outgoing addresses", async ({ page }) => {
    const port = await closedPort();
    const journey = await check(page, { provider: "SERVER", serverUrl: `http://127.0.0.1:${port}/tfs`, collection: "DefaultCollection", token: DEFAULT_PATS.server2022 });
    await expectRefused(journey);
    const refused = finding(page, "unreachable_refused");
    await expect(refused.getByRole("heading")).toHaveText(`127.0.0.1:${port} refused the connection`);
    await expect(refused).toContainText(`allow Keel to connect to 127.0.0.1:${port}`);
    await expectNothingSaved(journey);
    await refused.getByRole("link", { name: "Which addresses Keel calls from (for firewall allowlists)" }).click();
    await expect(page).toHaveURL(/\/settings\/network$/);
    const addresses = page.getByRole("region", { name: "Addresses Keel calls from" });
    await expect(addresses).toContainText("203.0.113.10");
    await expect(addresses).toContainText("203.0.113.11");
    await expectNoSeriousA11yViolations(page, "/settings/network");
  });

  test("unreachable: a connection reset by the server (fault on one collection's path)", async ({ page }) => {
    const server = DEFAULT_SERVERS.server2022;
    const origin = await originOf(server.name);
    const faultId = await emulator.addFault({ kind: "reset", deployment: server.name, pathPrefix: "/tfs/ResearchCollection/" });
    try {
      const journey = await check(page, { provider: "SERVER", serverUrl: `${origin}/tfs`, collection: "ResearchCollection", token: DEFAULT_PATS.server2022 });
      await expectRefused(journey);
      const reset = finding(page, "unreachable_reset");
      await expect(reset.getByRole("heading")).toHaveText(`The connection to ${new URL(origin).host} was dropped`);
      await expect(reset.getByRole("link", { name: "Which addresses Keel calls from (for firewall allowlists)" })).toHaveAttribute("href", "/settings/network");
      await expectNothingSaved(journey);
    } finally {
      await emulator.removeFault(faultId);
    }
  });

  test("rate limited: says when to retry", async ({ page }) => {
    const server = DEFAULT_SERVERS.server2020;
    const origin = await originOf(server.name);
    const faultId = await emulator.addFault({ kind: "rateLimit", after: 0, retryAfterSeconds: 120, deployment: server.name, pathPrefix: `/${server.collection}/_apis/connectionData` });
    try {
      const journey = await check(page, { provider: "SERVER", serverUrl: origin, collection: server.collection, token: DEFAULT_PATS.server2020 });
      await expectRefused(journey);
      const limited = finding(page, "rate_limited");
      await expect(limited.getByRole("heading")).toHaveText("Azure DevOps is rate-limiting this user");
      await expect(limited).toContainText("Retry in 120 seconds");
      await expectNothingSaved(journey);
    } finally {
      await emulator.removeFault(faultId);
    }
  });

  test("self-signed certificate (a private CA): upload the server's CA for this connection, then it works and saves", async ({ page }) => {
    const server = DEFAULT_SERVERS.serverTls;
    const origin = await originOf(server.name);
    expect(origin.startsWith("https://")).toBe(true);
    const journey = await check(page, { provider: "SERVER", serverUrl: origin, collection: server.collection, token: DEFAULT_PATS.serverTls });
    await expectRefused(journey);
    // The emulator's certificate is issued by a CA it generated at start-up (a private,
    // self-signed root): not in Keel's trust store, so an unknown CA.
    const tls = finding(page, "tls_unknown_ca");
    await expect(tls.getByRole("heading")).toHaveText(`The certificate of ${new URL(origin).hostname} is issued by a CA Keel does not trust`);
    await expect(tls).toContainText("Upload it for this connection in Keel");
    expect(await prisma().connection.count({ where: { idempotencyKey: journey.draftId } })).toBe(0);

    const upload = page.getByRole("form", { name: "Trust a CA certificate" });
    await expect(upload).toBeVisible();
    const pem = await emulator.caPem();
    await upload.getByLabel("Certificate file").setInputFiles({ name: "emulator-ca.pem", mimeType: "application/x-pem-file", buffer: Buffer.from(pem) });
    await expect(upload.getByLabel("Or paste the certificate (PEM)")).toHaveValue(/-----BEGIN CERTIFICATE-----/);
    await upload.getByRole("button", { name: "Trust certificate and check again" }).click();
    await expect(page.getByRole("heading", { name: "The connection works", exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByText("A CA certificate you uploaded is trusted for this connection.")).toBeVisible();
    const draft = await prisma().connectDraft.findUniqueOrThrow({ where: { id: journey.draftId } });
    expect(draft.caBundlePem).toContain("-----BEGIN CERTIFICATE-----");

    let connectionId: string | undefined;
    try {
      const connection = await save(journey);
      connectionId = connection.id;
      expect(connection.status).toBe("HEALTHY");
      expect(connection.caBundlePem?.replace(/\s+/g, "")).toBe(pem.replace(/\s+/g, ""));
      await expect(page.getByText("Trusts an uploaded CA certificate")).toBeVisible();
      expect((await auditFor(journey.draftId)).filter((event) => event.action === "connection.check_ran").map((event) => (event.data as { ok: boolean }).ok)).toEqual([false, true, true]);
      await expectTokenNowhere(page, journey.captured, journey.token);
    } finally {
      if (connectionId) {
        await removeConnection(connectionId);
      }
    }
  });
});
