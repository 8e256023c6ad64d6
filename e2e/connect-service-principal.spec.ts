// Connecting Azure DevOps with a service principal (Microsoft Entra ID): one journey per
// credential kind, each through the doctor to the repository picker and a build profile, against
// the emulator standing in for Entra and Azure DevOps. Each journey registers an Entra app of its
// own (workers share the emulator). The findings and their fixes in depth, key rotation, the
// single-flight renewal and "no admin left" are Vitest tests (lib/entra/*.test.ts).
import { expect, test, type Page } from "@playwright/test";
import { DEFAULT_MANAGED_IDENTITIES, DEFAULT_SERVICE_PRINCIPALS, DEFAULT_TENANT_ID } from "@/e2e/azure-devops-emulator/fixtures/default";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { captureResponses, expectSavedIntoRepositoryStep, expectTokenNowhere, finding } from "./support/connect-wizard";
import { openFor, removeConnection, uniqueName } from "./support/connections";
import { prisma } from "./support/db";
import { emulator } from "./support/emulator";
import { FIRST_ADMIN, KEEL_URL } from "./support/settings";

type Kind = "Federated credential" | "Client secret" | "Certificate" | "Managed identity";

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Provider → method → the service-principal step; returns the draft id. */
async function startPrincipalWizard(page: Page): Promise<string> {
  await page.goto("/connect");
  await page.getByRole("radio", { name: /^Azure DevOps Services/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/method$/);
  await page.getByRole("radio", { name: /^Service principal \(Microsoft Entra ID\)/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/connect\/[0-9a-f-]{36}\/service-principal$/);
  await expect(page.getByRole("heading", { name: "Connect with a service principal", level: 1 })).toBeVisible();
  return new URL(page.url()).pathname.split("/")[2]!;
}

function principalForm(page: Page) {
  return page.getByRole("form", { name: "Service principal connection" });
}

async function fillPrincipal(page: Page, input: { name: string; kind: Kind; tenantId?: string; clientId?: string; secret?: string; expiry?: string; certificatePem?: string; privateKeyPem?: string }) {
  const form = principalForm(page);
  await form.getByLabel("Connection Name").fill(input.name);
  await form.getByLabel("Organization").fill("fabrikam");
  await form.getByRole("radio", { name: new RegExp(`^${escapeRegex(input.kind)}`) }).check();
  if (input.tenantId !== undefined) {
    await form.getByLabel("Directory (tenant) ID").fill(input.tenantId);
  }
  if (input.clientId !== undefined) {
    await form.getByLabel(/^(Application \(client\) ID|User-assigned identity client ID)/).fill(input.clientId);
  }
  if (input.secret !== undefined) {
    await form.getByRole("textbox", { name: "Client secret" }).fill(input.secret);
    await form.getByLabel("Secret expiry date").fill(input.expiry ?? "");
  }
  if (input.certificatePem !== undefined) {
    await form.getByLabel("Certificate (PEM)").fill(input.certificatePem);
    await form.getByLabel("Private key (PEM)").fill(input.privateKeyPem ?? "");
  }
}

async function submitCheck(page: Page) {
  await principalForm(page).getByRole("button", { name: "Check connection" }).click();
  await expect(page).toHaveURL(/\/connect\/[0-9a-f-]{36}\/check/, { timeout: 45_000 });
}

/** The wizard's repository step: pick a repository and create a profile with a unique name. */
async function pickIntoProfile(page: Page, connectionId: string, repository: string, expectedSummary: string): Promise<string> {
  await expect(page.getByTestId("listing-summary")).toContainText(expectedSummary, { timeout: 45_000 });
  await page.getByRole("list", { name: "Repositories" }).getByRole("button", { name: new RegExp(`^${escapeRegex(repository)} `) }).click();
  const form = page.getByRole("form", { name: `Create a build profile for ${repository}` });
  const name = uniqueName(`${repository} SP`);
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Target platform").selectOption("IOS");
  await form.getByRole("button", { name: "Create build profile" }).click();
  await page.waitForURL(/\/profiles\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  const profile = await prisma().buildProfile.findFirstOrThrow({ where: { name } });
  expect(profile).toMatchObject({ connectionId, repositoryName: repository });
  return profile.id;
}

/** A fresh Entra app of this journey's own, added to fabrikam (all projects unless `projects`). */
async function freshApp(label: string, member = true, projects?: string[]) {
  const app = await emulator.registerEntraApp({ name: uniqueName(`Keel ${label}`), tenantId: DEFAULT_TENANT_ID });
  if (member) {
    await emulator.setServicePrincipalMembership({ clientId: app.clientId, organization: "fabrikam", member: true, ...(projects ? { projects } : {}) });
  }
  return app;
}

/** Token requests Keel made for a client id (Entra's endpoint), bodies masked by the emulator. */
async function tokenRequestsFor(clientId: string) {
  const entries = await emulator.requests({ path: "/oauth2/v2.0/token", method: "POST" });
  return entries.filter((entry) => (entry.body as Record<string, string> | undefined)?.client_id === clientId);
}

test.describe("connect with a service principal", () => {
  test.beforeEach(async ({ page }) => {
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
  });

  test("federated credential: Keel shows what to trust, Entra refuses until the app trusts it, then the picker and a profile — and no secret anywhere", async ({ page }) => {
    const app = await freshApp("federated");
    const name = uniqueName("Fabrikam Federated");
    let connectionId: string | undefined;
    try {
      const draftId = await startPrincipalWizard(page);
      const issuer = await page.getByLabel("Issuer", { exact: true }).inputValue();
      const subject = await page.getByLabel("Subject identifier").inputValue();
      await test.step("the step shows Keel's issuer, this connection's subject and the audience, and the setup commands", async () => {
        expect(issuer).toBe(`${KEEL_URL}/api/oidc`);
        const draft = await prisma().connectDraft.findUniqueOrThrow({ where: { id: draftId } });
        expect(subject).toBe(`keel:connection:${draft.entraConnectionId}`);
        await expect(page.getByLabel("Audience")).toHaveValue("api://AzureADTokenExchange");
        // Entra reads issuers from the internet over https: a localhost issuer gets a warning.
        await expect(page.getByRole("alert").filter({ hasText: "Microsoft Entra ID may not reach Keel's issuer" })).toBeVisible();
        await fillPrincipal(page, { name, kind: "Federated credential", tenantId: DEFAULT_TENANT_ID, clientId: app.clientId });
        const guide = page.getByRole("region", { name: "Set it up in Microsoft Entra ID and Azure DevOps" });
        await expect(guide.getByLabel("Azure CLI: Add a federated credential that trusts Keel")).toContainText(`"subject":"${subject}"`);
        await expect(guide.getByLabel("Azure CLI: Use the app registration")).toContainText(`APP_ID="${app.clientId}"`);
        await expectNoSeriousA11yViolations(page, "/connect/[draft]/service-principal");
        // Keel's discovery document is public, and names the keys Entra will verify.
        const discovery = (await (await page.request.get(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
        expect(discovery).toMatchObject({ issuer, jwks_uri: `${issuer}/jwks` });
      });

      await test.step("before the app trusts Keel: the finding gives the exact issuer, subject and audience", async () => {
        await submitCheck(page);
        const refused = finding(page, "entra_federation_no_match");
        await expect(refused).toContainText(`Issuer: ${issuer}`);
        await expect(refused).toContainText(`Subject identifier: ${subject}`);
        await expect(refused).toContainText("Audience: api://AzureADTokenExchange");
        await expect(page.getByRole("button", { name: "Save connection" })).toHaveCount(0);
        await expectNoSeriousA11yViolations(page, "/connect/[draft]/check (federation refused)");
      });

      await test.step("the admin enters those values in Entra; Check again works; Save goes on to the picker", async () => {
        await emulator.addFederatedCredential(app.clientId, { name: "keel", issuer, subject });
        await page.getByRole("button", { name: "Check again" }).click();
        await expect(page.getByRole("heading", { name: "The connection works", exact: true })).toBeVisible({ timeout: 45_000 });
        await expect(page.locator("dl").first()).toContainText("Keel federated");
        await page.getByRole("button", { name: "Save connection" }).click();
        connectionId = await expectSavedIntoRepositoryStep(page);
      });

      await test.step("the picker lists fabrikam and a repository becomes a profile", async () => {
        await pickIntoProfile(page, connectionId!, "Wallet App", "8 repositories in 4 projects");
      });

      await test.step("no client secret is stored for this connection, and none was ever sent", async () => {
        const connection = await prisma().connection.findUniqueOrThrow({ where: { id: connectionId! }, omit: { tokenSealed: false } });
        expect(connection).toMatchObject({ authMethod: "SERVICE_PRINCIPAL", ownerId: null, tokenSealed: null, tokenLastFour: null, tokenExpiresAt: null, status: "HEALTHY" });
        const principal = await prisma().servicePrincipal.findUniqueOrThrow({ where: { connectionId: connectionId! }, omit: { clientSecretSealed: false, privateKeySealed: false } });
        expect(principal).toMatchObject({ kind: "FEDERATED", clientSecretSealed: null, privateKeySealed: null, certificatePem: null, federatedSubject: subject });
        expect(await prisma().connectDraft.findUniqueOrThrow({ where: { id: draftId }, omit: { tokenSealed: false, entraSecretSealed: false } })).toMatchObject({ tokenSealed: null, entraSecretSealed: null });
        const requests = await tokenRequestsFor(app.clientId);
        expect(requests.length).toBeGreaterThan(0);
        for (const entry of requests) {
          expect(entry.body).toMatchObject({ grant_type: "client_credentials", client_assertion: "***" });
          expect(Object.keys(entry.body as Record<string, string>)).not.toContain("client_secret");
        }
      });

      await test.step("the connection page shows the principal and its federated credential; it has no owner", async () => {
        await page.goto(`/connections/${connectionId}`);
        const card = page.getByRole("region", { name: "Service principal" });
        await expect(card).toContainText("Federated credential (no secret stored)");
        await expect(card).toContainText(subject);
        await expect(page.getByText("None: a service principal belongs to no person")).toBeVisible();
        await expectNoSeriousA11yViolations(page, "/connections/[id] (service principal)");
      });
    } finally {
      if (connectionId) {
        await removeConnection(connectionId);
      }
    }
  });

  test("client secret: not yet added to the organization, added, then the picker and a profile; the secret is replaced later", async ({ page }) => {
    const app = await freshApp("secret", false);
    const added = await emulator.addClientSecret(app.clientId, { expiresAt: `${new Date().getUTCFullYear() + 1}-06-30T00:00:00Z` });
    const name = uniqueName("Fabrikam Secret");
    const captured = captureResponses(page);
    let connectionId: string | undefined;
    try {
      await startPrincipalWizard(page);
      await fillPrincipal(page, { name, kind: "Client secret", tenantId: DEFAULT_TENANT_ID, clientId: app.clientId, secret: added.value, expiry: added.expiresAt.slice(0, 10) });
      await submitCheck(page);
      await test.step("Azure DevOps does not know the principal yet: TF401444, and how to add it", async () => {
        const notAdded = finding(page, "service_principal_not_added");
        await expect(notAdded).toContainText('is not a user of the organization "fabrikam"');
        await expect(notAdded).toContainText("Organization settings for fabrikam → Users → Add users");
        await expect(page.getByRole("region", { name: "Set it up in Microsoft Entra ID and Azure DevOps" })).toContainText("serviceprincipalentitlements");
      });
      await test.step("added with MOBILE_IOS only: Check again works and sees that project", async () => {
        await emulator.setServicePrincipalMembership({ clientId: app.clientId, organization: "fabrikam", member: true, projects: ["MOBILE_IOS"] });
        await page.getByRole("button", { name: "Check again" }).click();
        await expect(page.getByRole("heading", { name: "The connection works", exact: true })).toBeVisible({ timeout: 45_000 });
        await page.getByRole("button", { name: "Save connection" }).click();
        connectionId = await expectSavedIntoRepositoryStep(page);
        await pickIntoProfile(page, connectionId, "ios-sdk", "2 repositories in 1 project");
      });
      await test.step("sealed, reminded like a PAT (its expiry where a PAT's lives), never shown", async () => {
        const connection = await prisma().connection.findUniqueOrThrow({ where: { id: connectionId! } });
        expect(connection.tokenExpiresAt?.toISOString().slice(0, 10)).toBe(added.expiresAt.slice(0, 10));
        expect(connection.tokenLastFour).toBe(added.value.slice(-4));
        const principal = await prisma().servicePrincipal.findUniqueOrThrow({ where: { connectionId: connectionId! }, omit: { clientSecretSealed: false } });
        expect(openFor("ServicePrincipal", "clientSecretSealed", connectionId!, principal.clientSecretSealed!)).toBe(added.value);
        await expectTokenNowhere(page, captured, added.value);
        const rows = await prisma().$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(t)::text AS row FROM "ServicePrincipal" t`);
        expect(rows.some((row) => row.row.includes(added.value))).toBe(false);
      });
      await test.step("the connection page replaces the secret and checks again", async () => {
        const next = await emulator.addClientSecret(app.clientId, { expiresAt: `${new Date().getUTCFullYear() + 2}-01-31T00:00:00Z` });
        await page.goto(`/connections/${connectionId}`);
        const form = page.getByRole("form", { name: "Replace client secret" });
        await form.getByLabel("New client secret").fill(next.value);
        await form.getByLabel("Secret expiry date").fill(next.expiresAt.slice(0, 10));
        await form.getByRole("button", { name: "Replace client secret" }).click();
        await expect(form.getByRole("status")).toContainText("Replaced. The connection was checked again and works.", { timeout: 45_000 });
        expect((await prisma().connection.findUniqueOrThrow({ where: { id: connectionId! } })).tokenExpiresAt?.toISOString().slice(0, 10)).toBe(next.expiresAt.slice(0, 10));
        expect(await prisma().auditEvent.count({ where: { targetId: connectionId!, action: "connection.credential_replaced" } })).toBe(1);
      });
    } finally {
      if (connectionId) {
        await removeConnection(connectionId);
      }
    }
  });

  test("certificate: Keel signs with the private key, the picker and a profile", async ({ page }) => {
    const app = await freshApp("certificate");
    await emulator.addCertificate(app.clientId, DEFAULT_SERVICE_PRINCIPALS.pipeline.certificatePem);
    let connectionId: string | undefined;
    try {
      await startPrincipalWizard(page);
      await fillPrincipal(page, {
        name: uniqueName("Fabrikam Certificate"),
        kind: "Certificate",
        tenantId: DEFAULT_TENANT_ID,
        clientId: app.clientId,
        certificatePem: DEFAULT_SERVICE_PRINCIPALS.pipeline.certificatePem,
        privateKeyPem: DEFAULT_SERVICE_PRINCIPALS.pipeline.privateKeyPem,
      });
      await submitCheck(page);
      await expect(page.getByRole("heading", { name: "The connection works", exact: true })).toBeVisible();
      await page.getByRole("button", { name: "Save connection" }).click();
      connectionId = await expectSavedIntoRepositoryStep(page);
      await pickIntoProfile(page, connectionId, "Wallet App", "8 repositories in 4 projects");
      const principal = await prisma().servicePrincipal.findUniqueOrThrow({ where: { connectionId }, omit: { privateKeySealed: false } });
      expect(principal.privateKeySealed).not.toContain("PRIVATE KEY");
      expect(openFor("ServicePrincipal", "privateKeySealed", connectionId, principal.privateKeySealed!)).toContain("-----BEGIN PRIVATE KEY-----");
      expect((await tokenRequestsFor(app.clientId)).every((entry) => (entry.body as Record<string, string>).client_assertion === "***")).toBe(true);
    } finally {
      if (connectionId) {
        await removeConnection(connectionId);
      }
    }
  });

  test("managed identity: the machine's system-assigned identity, no app and no secret, the picker and a profile", async ({ page }) => {
    let connectionId: string | undefined;
    try {
      await startPrincipalWizard(page);
      await fillPrincipal(page, { name: uniqueName("Fabrikam VM identity"), kind: "Managed identity" });
      await expect(principalForm(page).getByLabel("Directory (tenant) ID")).toHaveCount(0);
      await submitCheck(page);
      await expect(page.getByRole("heading", { name: "The connection works", exact: true })).toBeVisible();
      await expect(page.locator("dl").first()).toContainText(DEFAULT_MANAGED_IDENTITIES.system.name);
      await page.getByRole("button", { name: "Save connection" }).click();
      connectionId = await expectSavedIntoRepositoryStep(page);
      await pickIntoProfile(page, connectionId, "Fabrikam Fiber", "8 repositories in 4 projects");
      expect(await prisma().servicePrincipal.findUniqueOrThrow({ where: { connectionId } })).toMatchObject({ kind: "MANAGED_IDENTITY", tenantId: null, clientId: null, objectId: DEFAULT_MANAGED_IDENTITIES.system.objectId });
    } finally {
      if (connectionId) {
        await removeConnection(connectionId);
      }
    }
  });

  test("guided Entra setup: the sign-in app's redirect URI, permissions and script; the failure page explains an AADSTS code", async ({ page }) => {
    await page.goto("/settings/entra");
    await expect(page.getByRole("heading", { name: "Microsoft Entra ID", level: 1 })).toBeVisible();
    await expect(page.getByLabel("Redirect URI (platform: Web)")).toHaveValue(`${KEEL_URL}/api/auth/callback/microsoft-entra-id`);
    await expect(page.getByRole("list", { name: "Azure DevOps delegated permissions" })).toContainText("vso.code_status");
    await expect(page.getByLabel("Azure CLI script for the sign-in app")).toContainText(`--web-redirect-uris "${KEEL_URL}/api/auth/callback/microsoft-entra-id"`);
    await expect(page.getByRole("list", { name: "AADSTS errors" })).toContainText("AADSTS50011");
    await expect(page.getByLabel("Issuer", { exact: true })).toHaveValue(`${KEEL_URL}/api/oidc`);
    await expectNoSeriousA11yViolations(page, "/settings/entra");
    // Entra's "Need admin approval" sends the browser back with AADSTS90094: the page says what to do.
    await page.goto("/connect/oauth-failed?reason=denied&provider=microsoft-entra-id&code=AADSTS90094");
    await expect(page.getByRole("heading", { name: "An administrator must approve the Keel app first" })).toBeVisible();
    await expect(page.getByText(/Grant admin consent/)).toBeVisible();
    await expectNoSeriousA11yViolations(page, "/connect/oauth-failed (AADSTS90094)");
  });

  test("Copy works where the Clipboard API does not exist (Keel on plain http): it copies through the selection, or selects and says which keys to press", async ({ page, context }) => {
    // A page served over plain http from another host is not a secure context: no navigator.clipboard.
    await page.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined, configurable: true });
      document.addEventListener("copy", () => {
        const active = document.activeElement;
        const selected = active instanceof HTMLInputElement ? active.value.slice(active.selectionStart ?? 0, active.selectionEnd ?? 0) : String(window.getSelection());
        (window as unknown as { copiedText: string }).copiedText = selected;
      });
    });
    await page.goto("/settings/entra");
    const redirect = `${KEEL_URL}/api/auth/callback/microsoft-entra-id`;
    await page.getByRole("button", { name: "Copy Redirect URI (platform: Web)" }).click();
    await expect(page.getByText("Copied.")).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { copiedText?: string }).copiedText)).toBe(redirect);
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    const reader = await context.newPage();
    await reader.goto("/settings/entra");
    expect(await reader.evaluate(() => navigator.clipboard.readText())).toBe(redirect);
    await reader.close();

    // A browser that refuses the copy command too: the script is selected and the page says so.
    await page.evaluate(() => {
      document.execCommand = () => false;
    });
    await page.getByRole("button", { name: "Copy Azure CLI script for the sign-in app" }).click();
    await expect(page.getByText("This browser did not allow copying: the text is selected, press Ctrl+C (⌘C on a Mac).")).toBeVisible();
    const script = await page.getByLabel("Azure CLI script for the sign-in app").textContent();
    expect(script).toContain("az ad app create");
    expect(await page.evaluate(() => String(window.getSelection()))).toBe(script);
  });
});
