import { expect, test } from "@playwright/test";
import { DEFAULT_ORGS, DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_SERVERS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { auditFor, captureResponses, expectSavedIntoRepositoryStep, expectTokenNowhere, fillPatForm, startPatWizard, submitPatForm } from "./support/connect-wizard";
import { openFor, removeConnection, uniqueName } from "./support/connections";
import { prisma } from "./support/db";
import { emulatorDeployment } from "./support/emulator";
import { EMULATOR_URL, FIRST_ADMIN } from "./support/settings";

test.describe("connect with a Personal Access Token", () => {
  test("cloud: fabrikam with a full Keel token — check, save, the connection lists its projects", async ({ page }) => {
    const token = DEFAULT_PATS.fabrikamFull;
    const name = uniqueName("Fabrikam Mobile");
    // The expiry date the admin copies from Azure DevOps (shown, never the token).
    const expiry = `${new Date().getUTCFullYear() + 1}-03-31`;
    const captured = captureResponses(page);
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    let connectionId: string | undefined;
    try {
      const draftId = await test.step("provider → method → PAT form", async () => {
        await page.goto("/connect");
        await expect(page.getByRole("heading", { name: "Connect Azure DevOps" })).toBeVisible();
        await expectNoSeriousA11yViolations(page, "/connect");
        await page.getByRole("radio", { name: /^Azure DevOps Services/ }).check();
        await page.getByRole("button", { name: "Continue" }).click();
        await expect(page).toHaveURL(/\/method$/);
        // Both OAuth providers are configured in this run, so OAuth2 is offered next to the PAT
        // (the unconfigured case is unit-tested with the provider configuration).
        await expect(page.getByRole("radio", { name: /Get Repositories from Azure DevOps \(OAuth2\)/ })).toBeEnabled();
        await expectNoSeriousA11yViolations(page, "/connect/[draft]/method (Services)");
        await page.getByRole("radio", { name: /^Personal Access Token \(User\)/ }).check();
        await page.getByRole("button", { name: "Continue" }).click();
        await expect(page).toHaveURL(/\/pat$/);
        return new URL(page.url()).pathname.split("/")[2]!;
      });

      await test.step("the PAT form: prefilled server URL, the scopes Keel needs and how to create the token", async () => {
        const form = page.getByRole("form", { name: "Personal Access Token connection" });
        // Services is prefilled with its address (the emulator stands in for https://dev.azure.com).
        await expect(form.getByLabel("Azure DevOps Server URL")).toHaveValue(EMULATOR_URL);
        await expect(form.getByLabel("Organization")).toBeVisible();
        const instructions = page.getByRole("status").filter({ hasText: "Create a token with these scopes" });
        await expect(instructions).toContainText("Identity: Read");
        await expect(instructions).toContainText("Code: Read and Status");
        await expect(instructions).toContainText("Notifications: Read");
        await expect(instructions).toContainText("Personal access tokens");
        await expectNoSeriousA11yViolations(page, "/connect/[draft]/pat (Services)");
      });

      await test.step("Check: the doctor shows who, which product, and the projects", async () => {
        await fillPatForm(page, { name, collection: DEFAULT_ORGS.fabrikam.name, token, tokenExpiresAt: expiry });
        await submitPatForm(page);
        await expect(page.getByRole("heading", { name: "The connection works", exact: true })).toBeVisible();
        const facts = page.locator("dl").first();
        await expect(facts).toContainText("Alex Morgan");
        await expect(facts).toContainText("Azure DevOps Services");
        await expect(facts).toContainText("Projects visible");
        // Four well-formed projects; the one being deleted is not counted.
        await expect(facts).toContainText(`${DEFAULT_PROJECTS.mobileIos.name}`);
        await expect(facts).toContainText(`${DEFAULT_PROJECTS.fabrikamFiber.name}`);
        await expect(facts).not.toContainText(DEFAULT_PROJECTS.retired.name);
        await expect(page.getByRole("list", { name: "Findings" })).toHaveCount(0);
        await expectNoSeriousA11yViolations(page, "/connect/[draft]/check (success)");
        // Nothing is saved by Check.
        expect(await prisma().connection.count({ where: { name } })).toBe(0);
        const draft = await prisma().connectDraft.findUniqueOrThrow({ where: { id: draftId } });
        expect(draft.tokenSealed).toBeTruthy();
        expect(draft.tokenSealed).not.toContain(token);
        expect(openFor("ConnectDraft", "tokenSealed", draftId, draft.tokenSealed!)).toBe(token);
      });

      await test.step("Save: one connection, sealed token, the connection page lists the projects", async () => {
        await page.getByRole("button", { name: "Save connection" }).click();
        const savedId = await expectSavedIntoRepositoryStep(page);
        const connection = await prisma().connection.findFirstOrThrow({ where: { name } });
        connectionId = connection.id;
        expect(savedId).toBe(connection.id);
        expect(connection).toMatchObject({
          deploymentType: "SERVICES",
          authMethod: "PAT",
          serverUrl: EMULATOR_URL,
          pathPrefix: "",
          collection: "fabrikam",
          nameKey: name.toLowerCase(),
          serverProduct: "Azure DevOps Services",
          apiVersion: "7.1",
          status: "HEALTHY",
          tokenLastFour: token.slice(-4),
          idempotencyKey: draftId,
        });
        expect(connection.tokenExpiresAt?.toISOString().slice(0, 10)).toBe(expiry);
        expect([...connection.scopes].sort()).toEqual(["vso.code", "vso.code_status", "vso.identity", "vso.notification"]);
        expect(connection.lastCheckAt).not.toBeNull();
        expect(connection.ownerId).toBe((await prisma().user.findFirstOrThrow({ where: { email: FIRST_ADMIN.email } })).id);
        expect(connection.tokenSealed).not.toContain(token);
        expect(openFor("Connection", "tokenSealed", connection.id, connection.tokenSealed!)).toBe(token);
        // The draft's sealed copy went with the save.
        expect((await prisma().connectDraft.findUniqueOrThrow({ where: { id: draftId } })).tokenSealed).toBeNull();

        // The wizard goes on to the repository step; the connection's own page lists what it sees.
        await page.goto(`/connections/${connection.id}`);
        await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
        const projects = page.getByRole("region", { name: "Projects" });
        for (const project of [DEFAULT_PROJECTS.mobileIos, DEFAULT_PROJECTS.fabrikamFiber, DEFAULT_PROJECTS.android, DEFAULT_PROJECTS.sandbox]) {
          await expect(projects.getByRole("listitem").filter({ hasText: project.name })).toHaveCount(1);
        }
        await expect(page.getByText(`Token stored (ends in …${token.slice(-4)}), expires ${expiry}`)).toBeVisible();
        await expectNoSeriousA11yViolations(page, "/connections/[id]");
        await page.goto("/connections");
        await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText(`Personal Access Token …${token.slice(-4)}`);
        await expectNoSeriousA11yViolations(page, "/connections");
      });

      await test.step("audit: every outbound call and the save, without secrets", async () => {
        const checks = (await auditFor(draftId)).filter((event) => event.action === "connection.check_ran");
        // Once on Check, once more on Save.
        expect(checks).toHaveLength(2);
        for (const check of checks) {
          const data = check.data as { ok: boolean; outboundCalls: { method: string; url: string; status?: number }[] };
          expect(data.ok).toBe(true);
          expect(data.outboundCalls.length).toBeGreaterThanOrEqual(6);
          for (const call of data.outboundCalls) {
            expect(call.url.startsWith(`${EMULATOR_URL}/fabrikam/`), call.url).toBe(true);
          }
          expect(data.outboundCalls.map((call) => `${call.method} ${new URL(call.url).pathname}`)).toContain("GET /fabrikam/_apis/connectionData");
        }
        const created = (await auditFor(connectionId!)).filter((event) => event.action === "connection.created");
        expect(created).toHaveLength(1);
        expect(created[0]!.actorId).toBe((await prisma().user.findFirstOrThrow({ where: { email: FIRST_ADMIN.email } })).id);
        expect(created[0]!.data).toMatchObject({ name, method: "PAT", collection: "fabrikam" });
      });

      await test.step("the token is nowhere in clear", async () => {
        await expectTokenNowhere(page, captured, token);
      });
    } finally {
      if (connectionId) {
        await removeConnection(connectionId);
      }
    }
  });

  test("Server 2022.1 behind /tfs, filled by pasting a clone URL", async ({ page }) => {
    const token = DEFAULT_PATS.server2022;
    const server = await emulatorDeployment(DEFAULT_SERVERS.server2022.name);
    const origin = new URL(server.origin).origin;
    const cloneUrl = `${origin}/tfs/${DEFAULT_SERVERS.server2022.collection}/${DEFAULT_SERVERS.server2022.project}/_git/${DEFAULT_SERVERS.server2022.repository}`;
    const name = uniqueName("Spacetech Wallet");
    const captured = captureResponses(page);
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    let connectionId: string | undefined;
    try {
      await test.step("Server: OAuth is shown as not available, with the reason", async () => {
        await page.goto("/connect");
        await page.getByRole("radio", { name: /^Azure DevOps Server/ }).check();
        await page.getByRole("button", { name: "Continue" }).click();
        await expect(page).toHaveURL(/\/method$/);
        const oauth = page.getByRole("radio", { name: /Get Repositories from Azure DevOps \(OAuth2\)/ });
        await expect(oauth).toBeDisabled();
        await expect(page.getByText("Azure DevOps OAuth works only with the cloud service")).toBeVisible();
        await expectNoSeriousA11yViolations(page, "/connect/[draft]/method (Server)");
      });
      await startPatWizard(page, "SERVER");
      await test.step("paste the clone URL: server, /tfs prefix and collection fill in", async () => {
        const form = page.getByRole("form", { name: "Personal Access Token connection" });
        await expect(form.getByLabel("Azure DevOps Server URL")).toHaveValue("");
        await form.getByLabel("Paste any URL").fill(cloneUrl);
        await expect(form.getByLabel("Azure DevOps Server URL")).toHaveValue(`${origin}/tfs`);
        await expect(form.getByLabel("Collection Name")).toHaveValue("DefaultCollection");
        await expect(page.locator("#paste-url-result")).toContainText(`${origin}/tfs/DefaultCollection`);
        await expect(page.locator("#paste-url-result")).toContainText("project MOBILE_IOS, repository wallet");
        await expectNoSeriousA11yViolations(page, "/connect/[draft]/pat (Server, pasted)");
      });
      await fillPatForm(page, { name, token });
      await submitPatForm(page);
      await expect(page.getByRole("heading", { name: "The connection works", exact: true })).toBeVisible();
      const facts = page.locator("dl").first();
      await expect(facts).toContainText("Azure DevOps Server 2022.1");
      await expect(facts).toContainText("REST API 7.1");
      await expect(facts).toContainText("MOBILE_IOS");
      await page.getByRole("button", { name: "Save connection" }).click();
      const savedId = await expectSavedIntoRepositoryStep(page, DEFAULT_SERVERS.server2022.repository);
      const connection = await prisma().connection.findFirstOrThrow({ where: { name } });
      connectionId = connection.id;
      expect(savedId).toBe(connection.id);
      expect(connection).toMatchObject({
        deploymentType: "SERVER",
        serverUrl: origin,
        pathPrefix: "tfs",
        collection: "DefaultCollection",
        serverProduct: "Azure DevOps Server 2022.1",
        apiVersion: "7.1",
        status: "HEALTHY",
      });
      expect(openFor("Connection", "tokenSealed", connection.id, connection.tokenSealed!)).toBe(token);
      // The repository step lists the collection's repositories, with the pasted one picked…
      await expect(page.getByRole("list", { name: "Repositories" }).getByRole("button", { name: /^wallet / })).toHaveAttribute("aria-pressed", "true", { timeout: 30_000 });
      await expect(page.getByRole("form", { name: "Create a build profile for wallet" })).toBeVisible();
      // …and the connection's page lists its projects.
      await page.goto(`/connections/${connection.id}`);
      await expect(page.getByRole("region", { name: "Projects" })).toContainText("MOBILE_IOS");
      // No expiry was entered: without it no reminder comes, and the page says where to enter it.
      await expect(page.getByRole("link", { name: "Enter the date Azure DevOps shows for it" })).toHaveAttribute("href", `/connections/${connection.id}/edit#field-tokenExpiresAt`);
      // A Server token has no organization to choose: replacing it is told the server's way.
      await expect(page.getByRole("form", { name: "Replace token" }).getByLabel("New Personal Access Token")).toHaveAccessibleDescription(/^Create it on the server \(User settings → Personal access tokens\)/);
      await expectTokenNowhere(page, captured, token);
    } finally {
      if (connectionId) {
        await removeConnection(connectionId);
      }
    }
  });
});
