import { expect, test, type Page, type Request } from "@playwright/test";
import { DEFAULT_ORGS, DEFAULT_PATS, DEFAULT_SERVERS, DEFAULT_USERS, KEEL_SCOPES } from "@/e2e/azure-devops-emulator/fixtures/default";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { auditFor, captureResponses, expectSavedIntoRepositoryStep, expectTokenNowhere, fillPatForm, nextActionRequest, replayAction, startPatWizard, submitPatForm } from "./support/connect-wizard";
import { openFor, removeConnection, seedPatConnection, uniqueName } from "./support/connections";
import { createUser, e2eOrganization, prisma, removeUser } from "./support/db";
import { emulator, emulatorDeployment } from "./support/emulator";
import { EMULATOR_URL, FIRST_ADMIN } from "./support/settings";

// Saving a PAT connection: one row per setup whatever the browser does, unique names,
// the URL-change rule, admins only, and server-side validation of every field.

/** Runs the wizard for fabrikam up to a successful check. */
async function checkedDraft(page: Page, name: string): Promise<string> {
  const draftId = await startPatWizard(page, "SERVICES");
  await fillPatForm(page, { name, collection: DEFAULT_ORGS.fabrikam.name, token: DEFAULT_PATS.fabrikamFull });
  await submitPatForm(page);
  await expect(page.getByRole("heading", { name: "The connection works", exact: true })).toBeVisible();
  return draftId;
}

/** Captures the next server action request of a page and aborts it, so it never runs as that user. */
async function interceptAction(page: Page, trigger: () => Promise<void>): Promise<Request> {
  let captured: Request | undefined;
  await page.route("**/*", async (route) => {
    const request = route.request();
    if (request.method() === "POST" && request.headers()["next-action"] && captured === undefined) {
      captured = request;
      await route.abort();
      return;
    }
    await route.fallback();
  });
  await trigger();
  await expect.poll(() => captured !== undefined).toBe(true);
  await page.unrouteAll({ behavior: "ignoreErrors" });
  return captured!;
}

test.describe("saving a PAT connection", () => {
  test("names are unique per organization, case-insensitively, with a clear message — also when another admin wins the race", async ({ page }) => {
    const taken = uniqueName("Taken Name");
    const seeded = await seedPatConnection({ collection: DEFAULT_ORGS.fabrikam.name, token: DEFAULT_PATS.fabrikamFull, name: taken });
    const raced: string[] = [seeded.id];
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    try {
      await test.step("the PAT form refuses a name that differs only in case", async () => {
        const draftId = await startPatWizard(page, "SERVICES");
        await fillPatForm(page, { name: taken.toUpperCase(), collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
        await page.getByRole("button", { name: "Check connection" }).click();
        await expect(page.getByText(`A connection named "${taken.toUpperCase()}" already exists. Choose another name.`)).toBeVisible();
        await expect(page).toHaveURL(/\/pat$/);
        // Non-secret values survive; the token is never sent back to the browser.
        await expect(page.getByLabel("Connection Name")).toHaveValue(taken.toUpperCase());
        await expect(page.getByLabel("Organization")).toHaveValue("fabrikam");
        await expect(page.getByLabel("Personal Access Token", { exact: true })).toHaveValue("");
        expect(await prisma().connection.count({ where: { nameKey: taken.toLowerCase() } })).toBe(1);
        expect((await prisma().connectDraft.findUniqueOrThrow({ where: { id: draftId } })).name).toBeNull();
      });

      await test.step("a name taken between Check and Save is refused at save, nothing half-written", async () => {
        const name = uniqueName("Race");
        const draftId = await checkedDraft(page, name);
        const other = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull, name: name.toLowerCase() });
        raced.push(other.id);
        await page.getByRole("button", { name: "Save connection" }).click();
        await expect(page.getByRole("alert").filter({ hasText: `A connection named "${name}" already exists. Choose another name.` })).toBeVisible({ timeout: 30_000 });
        expect(await prisma().connection.count({ where: { idempotencyKey: draftId } })).toBe(0);
        // The transaction rolled back: the draft still has its sealed token and no link.
        const draft = await prisma().connectDraft.findUniqueOrThrow({ where: { id: draftId } });
        expect(draft.connectionId).toBeNull();
        expect(draft.tokenSealed).not.toBeNull();
        expect(await prisma().auditEvent.count({ where: { action: "connection.created", data: { path: ["name"], equals: name } } })).toBe(0);
      });
    } finally {
      for (const id of raced) {
        await removeConnection(id);
      }
    }
  });

  test("the doctor runs again on save: a token that expired since Check saves nothing, and the page says why", async ({ page }) => {
    // A token of its own, so expiring it touches nothing another spec uses.
    const { token } = await emulator.createPat({ userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES], organizations: [DEFAULT_ORGS.fabrikam.name], label: "expires before save" });
    const captured = captureResponses(page);
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    const draftId = await startPatWizard(page, "SERVICES");
    const name = uniqueName("Expires Before Save");
    await fillPatForm(page, { name, collection: "fabrikam", token });
    await submitPatForm(page);
    await expect(page.getByRole("heading", { name: "The connection works", exact: true })).toBeVisible();
    await emulator.expireToken(token);
    await page.getByRole("button", { name: "Save connection" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "The connection check failed when saving, so nothing was saved." })).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('[data-finding="token_expired"]')).toContainText("Access Denied: The Personal Access Token used has expired.");
    await expect(page.getByRole("button", { name: "Save connection" })).toHaveCount(0);
    expect(await prisma().connection.count({ where: { OR: [{ idempotencyKey: draftId }, { name }] } })).toBe(0);
    const checks = (await auditFor(draftId)).filter((event) => event.action === "connection.check_ran").map((event) => (event.data as { ok: boolean }).ok);
    expect(checks).toEqual([true, false]);
    await expectTokenNowhere(page, captured, token);
  });

  test("saving the same setup twice makes one connection: double click, back button, a repeated request", async ({ page }) => {
    const name = uniqueName("Twice");
    const captured = captureResponses(page);
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    const draftId = await checkedDraft(page, name);
    let connectionId: string | undefined;
    try {
      const saveRequest = nextActionRequest(page);
      await page.getByRole("button", { name: "Save connection" }).dblclick();
      const savedId = await expectSavedIntoRepositoryStep(page);
      const request = await saveRequest;
      const rows = await prisma().connection.findMany({ where: { idempotencyKey: draftId } });
      expect(rows).toHaveLength(1);
      connectionId = rows[0]!.id;
      expect(savedId).toBe(connectionId);
      const connectionUrl = `/connections/${connectionId}`;

      await test.step("back to the check step and Save again", async () => {
        await page.goBack();
        await expect(page).toHaveURL(/\/check/);
        const again = page.getByRole("button", { name: "Save connection" });
        if (await again.isVisible()) {
          await again.click();
        } else {
          await expect(page.getByRole("status").filter({ hasText: "This connection is saved" })).toBeVisible();
          await page.getByRole("link", { name: "Open the connection" }).click();
        }
        // A repeated Save lands where the first one did (the repository step); the link opens the connection.
        await expect(page).toHaveURL(new RegExp(`${connectionUrl}(/repositories\\?step=wizard)?$`), { timeout: 30_000 });
      });

      await test.step("reloading a wizard step shows the setup is saved; resubmitting the PAT form leads to the connection", async () => {
        await page.goto(`/connect/${draftId}/check`);
        await expect(page.getByRole("status").filter({ hasText: "This connection is saved" })).toBeVisible();
        await expect(page.getByRole("button", { name: "Save connection" })).toHaveCount(0);
        await page.goto(`/connect/${draftId}/pat`);
        await expect(page.getByRole("status").filter({ hasText: "This connection is saved" })).toBeVisible();
        await fillPatForm(page, { token: DEFAULT_PATS.fabrikamFull });
        await page.getByRole("button", { name: "Check connection" }).click();
        await expect(page).toHaveURL(new RegExp(`${connectionUrl}$`), { timeout: 30_000 });
      });

      await test.step("the save request sent again", async () => {
        const response = await replayAction(page, request);
        expect(response.status()).toBeLessThan(500);
      });

      expect(await prisma().connection.count({ where: { idempotencyKey: draftId } })).toBe(1);
      expect(await prisma().connection.count({ where: { nameKey: name.toLowerCase() } })).toBe(1);
      expect((await auditFor(connectionId)).filter((event) => event.action === "connection.created")).toHaveLength(1);
      await expectTokenNowhere(page, captured, DEFAULT_PATS.fabrikamFull);
    } finally {
      if (connectionId) {
        await removeConnection(connectionId);
      }
    }
  });

  test("changing the server URL without a new token wipes the stored token; a new token is checked first", async ({ page }) => {
    const token = DEFAULT_PATS.fabrikamFull;
    const seeded = await seedPatConnection({ collection: "fabrikam", token, name: uniqueName("Moving") });
    const captured = captureResponses(page);
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    try {
      // The same emulator under another name: exactly what an attacker with edit rights would try.
      const moved = EMULATOR_URL.replace("127.0.0.1", "localhost");

      await test.step("editing only the name keeps the token", async () => {
        await page.goto(`/connections/${seeded.id}/edit`);
        await expectNoSeriousA11yViolations(page, "/connections/[id]/edit");
        await expect(page.getByLabel("Personal Access Token", { exact: true })).toHaveValue("");
        await expect(page.getByText(`A token ending in …${token.slice(-4)} is already entered`)).toBeVisible();
        await fillPatForm(page, { name: `${seeded.name} renamed` });
        await page.getByRole("button", { name: "Save changes" }).click();
        await expect(page).toHaveURL(new RegExp(`/connections/${seeded.id}$`));
        const row = await prisma().connection.findUniqueOrThrow({ where: { id: seeded.id } });
        expect(row.name).toBe(`${seeded.name} renamed`);
        expect(openFor("Connection", "tokenSealed", seeded.id, row.tokenSealed!)).toBe(token);
      });

      await test.step("a new server URL without a token: the token is deleted, the connection needs one", async () => {
        await page.goto(`/connections/${seeded.id}/edit`);
        await expect(page.getByRole("alert").filter({ hasText: "Changing the address removes the stored token" })).toBeVisible();
        await fillPatForm(page, { serverUrl: moved });
        await page.getByRole("button", { name: "Save changes" }).click();
        await expect(page).toHaveURL(new RegExp(`/connections/${seeded.id}$`));
        const row = await prisma().connection.findUniqueOrThrow({ where: { id: seeded.id } });
        expect(row).toMatchObject({ serverUrl: moved, tokenSealed: null, tokenLastFour: null, status: "CREDENTIALS_MISSING" });
        await expect(page.getByText("No token stored")).toBeVisible();
        await expect(page.getByRole("alert").filter({ hasText: "The server address changed, so the stored token was removed." })).toBeVisible();
        const updated = (await auditFor(seeded.id)).filter((event) => event.action === "connection.updated").at(-1)!;
        expect(updated.data).toMatchObject({ moved: true, tokenWiped: true, tokenReplaced: false, serverUrl: moved });
      });

      await test.step("a new token for the new address is checked, then stored", async () => {
        await page.goto(`/connections/${seeded.id}/edit`);
        await fillPatForm(page, { token });
        await page.getByRole("button", { name: "Save changes" }).click();
        await expect(page).toHaveURL(new RegExp(`/connections/${seeded.id}$`), { timeout: 30_000 });
        const row = await prisma().connection.findUniqueOrThrow({ where: { id: seeded.id } });
        expect(row.status).toBe("HEALTHY");
        expect(openFor("Connection", "tokenSealed", seeded.id, row.tokenSealed!)).toBe(token);
        const checks = (await auditFor(seeded.id)).filter((event) => event.action === "connection.check_ran");
        const calls = (checks.at(-1)!.data as { outboundCalls: { url: string }[] }).outboundCalls;
        expect(calls.length).toBeGreaterThan(0);
        expect(calls.every((call) => call.url.startsWith(`${moved}/fabrikam/`))).toBe(true);
      });

      await expectTokenNowhere(page, captured, token);
    } finally {
      await removeConnection(seeded.id);
    }
  });

  test("members see that an admin must connect; the wizard's actions refuse them when posted directly", async ({ page, browser }) => {
    const member = await createUser({ role: "MEMBER", name: "Mia Member" });
    const adminContext = await browser.newContext();
    const admin = await adminContext.newPage();
    try {
      await signInPage(page, member.email, member.password);
      await signInPage(admin, FIRST_ADMIN.email, FIRST_ADMIN.password);

      await test.step("the wizard tells a member to ask an admin, and names the admins", async () => {
        await page.goto("/connect");
        const notice = page.getByRole("status").filter({ hasText: "An admin must connect Azure DevOps" });
        await expect(notice).toBeVisible();
        await expect(notice).toContainText(`${FIRST_ADMIN.name} (${FIRST_ADMIN.email})`);
        await expect(page.getByRole("radio")).toHaveCount(0);
        await expectNoSeriousA11yViolations(page, "/connect (member)");
      });

      const organization = await e2eOrganization();
      const draftsBefore = await prisma().connectDraft.count({ where: { userId: member.id } });

      await test.step("starting a draft, posted directly, is refused", async () => {
        await admin.goto("/connect");
        const start = await interceptAction(admin, () => admin.getByRole("button", { name: "Continue" }).click());
        const response = await replayAction(page, start);
        expect(response.status()).toBeLessThan(500);
        expect(await response.text()).toContain("Only admins can do this");
        expect(await prisma().connectDraft.count({ where: { userId: member.id } })).toBe(draftsBefore);
      });

      const name = uniqueName("Members Cannot");
      const draftId = await startPatWizard(admin, "SERVICES");

      await test.step("the admin's draft pages show a member the same notice, not the draft", async () => {
        for (const step of ["method", "pat", "check"]) {
          await page.goto(`/connect/${draftId}/${step}`);
          await expect(page.getByRole("status").filter({ hasText: "An admin must connect Azure DevOps" })).toBeVisible();
        }
        await expectNoSeriousA11yViolations(page, "/connect/[draft]/pat (member)");
      });

      await test.step("Check, posted directly, is refused and changes nothing", async () => {
        await fillPatForm(admin, { name, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
        const checkRequest = await interceptAction(admin, () => admin.getByRole("button", { name: "Check connection" }).click());
        const response = await replayAction(page, checkRequest);
        expect(response.status()).toBeLessThan(500);
        expect(await response.text()).toContain("Only admins can do this");
        const draft = await prisma().connectDraft.findUniqueOrThrow({ where: { id: draftId } });
        expect(draft).toMatchObject({ name: null, tokenSealed: null, lastCheckAt: null });
      });

      await test.step("Save, posted directly, is refused and saves nothing", async () => {
        await admin.goto(`/connect/${draftId}/pat`);
        await fillPatForm(admin, { name, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
        await submitPatForm(admin);
        await expect(admin.getByRole("heading", { name: "The connection works", exact: true })).toBeVisible();
        const saveRequest = await interceptAction(admin, () => admin.getByRole("button", { name: "Save connection" }).click());
        const response = await replayAction(page, saveRequest);
        expect(response.status()).toBeLessThan(500);
        expect(await response.text()).toContain("Only admins can do this");
        expect(await prisma().connection.count({ where: { organizationId: organization.id, OR: [{ idempotencyKey: draftId }, { name }] } })).toBe(0);
        expect(await prisma().auditEvent.count({ where: { actorId: member.id, action: { startsWith: "connection." } } })).toBe(0);
      });
    } finally {
      await adminContext.close();
      await removeUser(member.id);
    }
  });

  test("the pasted token survives field errors and an organization typo; hint, error and token link agree; the organization connected already is named", async ({ page }) => {
    const existing = await seedPatConnection({ collection: DEFAULT_ORGS.fabrikam.name, token: DEFAULT_PATS.fabrikamFull });
    const token = DEFAULT_PATS.fabrikamFull;
    const kept = new RegExp(`A token ending in …${token.slice(-4)} is already entered`);
    const form = page.getByRole("form", { name: "Personal Access Token connection" });
    const tokenLink = page.getByRole("link", { name: /_usersSettings\/tokens$/ });
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      const draftId = await startPatWizard(page, "SERVICES");
      await test.step("a field error elsewhere keeps the token; focus lands on the first invalid field; htp:/ is diagnosed", async () => {
        await fillPatForm(page, { name: "", serverUrl: "htp:/not a url", collection: "fabrikm", token });
        await page.getByRole("button", { name: "Check connection" }).click();
        await expect(page.locator("#field-serverUrl-error")).toHaveText('"htp:" is not a web address scheme. Did you mean https://? An address looks like https://devops.example.com/DefaultCollection.');
        await expect(form.getByLabel("Connection Name")).toBeFocused();
        await expect(page.getByRole("alert").filter({ hasText: "The token you pasted is kept" })).toBeVisible();
        await expect(form.getByText(kept)).toBeVisible();
        await expect(page.locator("#field-token-error")).toBeEmpty();
        const draft = await prisma().connectDraft.findUniqueOrThrow({ where: { id: draftId } });
        expect(openFor("ConnectDraft", "tokenSealed", draftId, draft.tokenSealed!)).toBe(token);
      });
      await test.step("a typo in the organization: the token page link follows the field; fixing it needs no token again", async () => {
        await fillPatForm(page, { name: uniqueName("Typo"), serverUrl: EMULATOR_URL, collection: "fabrikm" });
        await expect(tokenLink).toHaveText(`${EMULATOR_URL}/fabrikm/_usersSettings/tokens`);
        await fillPatForm(page, { collection: DEFAULT_ORGS.fabrikam.name });
        await expect(tokenLink).toHaveText(`${EMULATOR_URL}/${DEFAULT_ORGS.fabrikam.name}/_usersSettings/tokens`);
        await expect(form.getByText(kept)).toBeVisible();
        await submitPatForm(page);
        await expect(page.getByRole("heading", { name: "The connection works", exact: true })).toBeVisible();
      });
      await test.step("the organization is connected already: the check step says so and links the existing connection", async () => {
        const notice = page.getByRole("status").filter({ hasText: `${DEFAULT_ORGS.fabrikam.name} is already connected` });
        await expect(notice).toBeVisible();
        await expect(notice.getByRole("link", { name: existing.name })).toHaveAttribute("href", `/connections/${existing.id}/repositories`);
      });
      await test.step("another server asks for the token again: the hint says so before the error does", async () => {
        await page.goto(`/connect/${draftId}/pat`);
        await expect(form.getByText(kept)).toBeVisible();
        const moved = EMULATOR_URL.replace("127.0.0.1", "localhost");
        await fillPatForm(page, { serverUrl: moved });
        await expect(form.getByText(/You changed the server: paste a token for the new address/)).toBeVisible();
        await page.getByRole("button", { name: "Check connection" }).click();
        await expect(page.locator("#field-token-error")).toHaveText(`Enter a token for ${moved}`);
        await expect(form.getByLabel("Personal Access Token", { exact: true })).toBeFocused();
      });
    } finally {
      await removeConnection(existing.id);
    }
  });

  test("a collection typed as tfs/DefaultCollection: one click moves /tfs into the server URL", async ({ page }) => {
    const server = DEFAULT_SERVERS.server2022;
    const origin = new URL((await emulatorDeployment(server.name)).origin).origin;
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    await startPatWizard(page, "SERVER");
    const form = page.getByRole("form", { name: "Personal Access Token connection" });
    await fillPatForm(page, { name: uniqueName("Appcircle style"), serverUrl: origin, collection: `tfs/${server.collection}`, token: DEFAULT_PATS.server2022 });
    await page.getByRole("button", { name: "Check connection" }).click();
    await expect(page.locator("#field-collection-error")).toHaveText(`Collection Name is a single name, not a path. Move /tfs into the server URL (…/tfs) and enter ${server.collection} here?`);
    await expect(form.getByLabel("Collection Name")).toBeFocused();
    await form.getByRole("button", { name: "Move /tfs into the server URL" }).click();
    await expect(form.getByLabel("Azure DevOps Server URL")).toHaveValue(`${origin}/tfs`);
    await expect(form.getByLabel("Collection Name")).toHaveValue(server.collection);
    await expectNoSeriousA11yViolations(page, "/connect/[draft]/pat (path fix offered)");
    // The token pasted with the first try was kept: nothing to paste again.
    await submitPatForm(page);
    await expect(page.getByRole("heading", { name: "The connection works", exact: true })).toBeVisible();
  });

  test("bad input on the PAT form: a message per field, nothing written, never a 500", async ({ page }) => {
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    const draftId = await startPatWizard(page, "SERVICES");
    const statuses: number[] = [];
    page.on("response", (response) => {
      if (response.request().method() === "POST") {
        statuses.push(response.status());
      }
    });
    const form = page.getByRole("form", { name: "Personal Access Token connection" });
    const setRaw = async (name: string, value: string) => {
      // Bypasses maxlength and type: the server must cope on its own.
      await form.locator(`[name="${name}"]`).evaluate((element, v) => {
        const input = element as HTMLInputElement;
        input.removeAttribute("maxlength");
        input.value = v;
      }, value);
    };
    const submit = async () => {
      const answered = page.waitForResponse((response) => response.request().method() === "POST" && new URL(response.url()).pathname === `/connect/${draftId}/pat`);
      await page.getByRole("button", { name: "Check connection" }).click();
      expect((await answered).status()).toBeLessThan(500);
      await expect(page.getByRole("alert").filter({ hasText: "That did not work" })).toBeVisible();
    };
    const fieldError = (field: string) => page.locator(`#field-${field}-error`);

    await test.step("empty fields", async () => {
      await setRaw("serverUrl", "");
      await submit();
      await expect(fieldError("name")).toHaveText("Connection Name is required");
      await expect(fieldError("serverUrl")).toContainText("Enter the server address");
      await expect(fieldError("collection")).toHaveText("Organization is required");
      await expect(fieldError("token")).toHaveText("Personal Access Token is required");
    });

    await test.step("too long, control characters, a garbage URL", async () => {
      await setRaw("name", "N".repeat(101));
      await setRaw("serverUrl", "javascript:alert(document.cookie)");
      await setRaw("collection", "fab\u0007rikam");
      await setRaw("token", "t".repeat(600));
      await setRaw("tokenExpiresAt", "");
      await submit();
      await expect(fieldError("name")).toHaveText("Connection Name must be at most 100 characters");
      await expect(fieldError("serverUrl")).toContainText('not "javascript:"');
      await expect(fieldError("collection")).toHaveText("Organization must not contain control characters");
      await expect(fieldError("token")).toHaveText("Personal Access Token must be at most 512 characters");

      await setRaw("name", "Tab\there");
      await setRaw("serverUrl", "https://user:secret@dev.azure.com/?x=1");
      await setRaw("collection", "fabrikam/MOBILE_IOS");
      await setRaw("token", "Basic abcdefghijklmnopqrstuvwxyz0123456789");
      await submit();
      await expect(fieldError("name")).toHaveText("Connection Name must not contain control characters or line breaks, nor invisible characters (zero-width or text-direction marks)");
      await expect(fieldError("serverUrl")).toContainText("Remove the user name or token");
      await expect(fieldError("collection")).toContainText("is a single name, not a path");
      await expect(fieldError("token")).toContainText("spaces or line breaks");
    });

    await test.step("a 1 MB field", async () => {
      await setRaw("name", "M".repeat(1024 * 1024));
      await submit();
      await expect(fieldError("name")).toHaveText("Connection Name must be at most 100 characters");
    });

    await test.step("unknown extra fields", async () => {
      await form.evaluate((element) => {
        for (const [name, value] of [
          ["ownerId", "00000000-0000-0000-0000-000000000000"],
          ["status", "HEALTHY"],
        ]) {
          const input = document.createElement("input");
          input.type = "hidden";
          input.name = name!;
          input.value = value!;
          element.appendChild(input);
        }
      });
      await fillPatForm(page, { name: uniqueName("Extra"), serverUrl: EMULATOR_URL, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
      await submit();
      await expect(page.getByRole("alert").filter({ hasText: "That did not work" })).toContainText("The form had unexpected fields: ownerId, status");
    });

    const draft = await prisma().connectDraft.findUniqueOrThrow({ where: { id: draftId } });
    expect(draft).toMatchObject({ name: null, serverUrl: null, collection: null, tokenSealed: null, lastCheck: null });
    // Nothing came of this draft: no connection, and no check ran (other specs write their own
    // connections in parallel, so the count is this draft's, not the table's).
    expect(await prisma().connection.count({ where: { idempotencyKey: draftId } })).toBe(0);
    expect(await prisma().auditEvent.count({ where: { targetId: draftId } })).toBe(0);
    expect(statuses.length).toBeGreaterThanOrEqual(5);
    expect(statuses.every((status) => status < 500)).toBe(true);
  });

  test("Paste any URL fills the fields from every form of address", async ({ page }) => {
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    const paste = async (url: string) => page.getByLabel("Paste any URL").fill(url);
    const expectFields = async (serverUrl: string, collection: string) => {
      await expect(page.getByLabel("Azure DevOps Server URL")).toHaveValue(serverUrl);
      await expect(page.getByLabel(/^(Organization|Collection Name)$/)).toHaveValue(collection);
    };
    const result = page.locator("#paste-url-result");

    await test.step("Azure DevOps Services", async () => {
      await startPatWizard(page, "SERVICES");
      for (const url of [
        // browser address of a file in a repository
        "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App?path=/README.md&version=GBmain",
        // HTTPS clone URL, as the Clone dialog shows it
        "https://fabrikam@dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App",
        // SSH clone URL
        "git@ssh.dev.azure.com:v3/fabrikam/MOBILE_IOS/Wallet%20App",
        // the legacy {org}.visualstudio.com address
        "https://fabrikam.visualstudio.com/DefaultCollection/MOBILE_IOS/_git/Wallet%20App",
      ]) {
        await paste(url);
        await expectFields("https://dev.azure.com", "fabrikam");
        await expect(result, url).toContainText("Filled in from the address: https://dev.azure.com/fabrikam (project MOBILE_IOS, repository Wallet App)");
      }
      // The first fill named the connection after the organization.
      await expect(page.getByLabel("Connection Name")).toHaveValue("fabrikam");
      await paste(`${EMULATOR_URL}/fabrikam/MOBILE_IOS`);
      await expectFields(EMULATOR_URL, "fabrikam");
      await paste("https://azure.spacetech.com/tfs/DefaultCollection/MOBILE_IOS/_git/wallet");
      await expect(result).toContainText("This is an Azure DevOps Server address. Go back and choose Azure DevOps Server.");
      await expectFields(EMULATOR_URL, "fabrikam");
      await paste("not a url");
      await expect(result).toContainText("space");
    });

    await test.step("Azure DevOps Server", async () => {
      await startPatWizard(page, "SERVER");
      for (const [url, serverUrl, collection] of [
        ["https://azure.spacetech.com/tfs/DefaultCollection/MOBILE_IOS/_git/wallet", "https://azure.spacetech.com/tfs", "DefaultCollection"],
        ["https://devops.contoso.com:8443/Mobile/Wallet%20App/_git/ios", "https://devops.contoso.com:8443", "Mobile"],
        ["http://tfs01:8080/tfs/DefaultCollection/Wallet/_build?definitionId=7", "http://tfs01:8080/tfs", "DefaultCollection"],
        ["https://devops.contoso.com/Mobile", "https://devops.contoso.com", "Mobile"],
        ["ssh://devops.contoso.com:22/DefaultCollection/Wallet/_git/ios", "https://devops.contoso.com", "DefaultCollection"],
      ] as const) {
        await paste(url);
        await expectFields(serverUrl, collection);
      }
      // The first fill named the connection after the server's host (every server has a DefaultCollection).
      await expect(page.getByLabel("Connection Name")).toHaveValue("azure.spacetech.com");
      // An SSH URL does not show the web address: the admin is asked to check it.
      await expect(result).toContainText("Check the server URL");
      await paste("https://dev.azure.com/fabrikam");
      await expect(result).toContainText("This is an Azure DevOps Services address. Go back and choose Azure DevOps Services.");
    });
  });
});
