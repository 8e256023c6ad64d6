import { expect, test, type Page } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { prisma } from "./support/db";
import { FIRST_ADMIN } from "./support/settings";

// Runs first, on an empty database (project "first-run"); the other specs use the
// organization and admin it creates.

async function submitSetup(page: Page) {
  const response = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/setup");
  await page.getByRole("button", { name: "Create organization and admin" }).click();
  const answered = await response;
  expect(answered.status(), "no bad input may answer 500").toBeLessThan(500);
  return answered;
}

async function setValue(page: Page, name: string, value: string) {
  // Bypasses maxlength/type checks the browser would apply: the server must cope alone.
  await page.locator(`form [name="${name}"]`).evaluate((element, v) => {
    const input = element as HTMLInputElement;
    input.removeAttribute("maxlength");
    input.value = v;
  }, value);
}

test("first run: every page leads to setup, bad input is refused field by field, setup signs the admin in", async ({ page }) => {
  expect(await prisma().user.count(), "the first-run spec needs an empty database").toBe(0);

  await test.step("every page leads to /setup while no user exists", async () => {
    for (const path of ["/", "/connections", "/profiles", "/settings/members", "/signin"]) {
      await page.goto(path);
      await expect(page, `from ${path}`).toHaveURL(/\/setup$/);
    }
    await expect(page.getByRole("heading", { name: "Welcome to Keel" })).toBeVisible();
    await expectNoSeriousA11yViolations(page, "/setup");
  });

  await test.step("empty fields: a message for each, nothing written", async () => {
    await submitSetup(page);
    await expect(page.getByText("Organization name is required")).toBeVisible();
    await expect(page.getByText("Your name is required")).toBeVisible();
    await expect(page.getByText("Email is required")).toBeVisible();
    await expect(page.getByText("Password must be at least 12 characters")).toBeVisible();
    // An empty password is "too short", not "the same as the (empty) email address".
    await expect(page.getByText("Password must not be your email address")).toHaveCount(0);
    expect(await prisma().user.count()).toBe(0);
    expect(await prisma().organization.count()).toBe(0);
  });

  await test.step("too long, control characters, weak password", async () => {
    await setValue(page, "organizationName", "x".repeat(101));
    await setValue(page, "name", "Ada\u0007Admin");
    await setValue(page, "email", "ada@");
    await setValue(page, "password", "aaaaaaaaaaaaaaaa");
    await submitSetup(page);
    await expect(page.getByText("Organization name must be at most 100 characters")).toBeVisible();
    await expect(page.getByText("Your name must not contain control characters or line breaks")).toBeVisible();
    await expect(page.getByText("Password must not be one repeated character")).toBeVisible();
    await expect(page.getByText("Enter an email address like name@example.com")).toBeVisible();
    // Non-secret values survive the round trip; the password never comes back.
    await expect(page.locator('form [name="email"]')).toHaveValue("ada@");
    await expect(page.locator('form [name="password"]')).toHaveValue("");
    expect(await prisma().user.count()).toBe(0);
  });

  await test.step("a 1 MB field gets a field message, not a 500", async () => {
    await setValue(page, "organizationName", "M".repeat(1024 * 1024));
    await setValue(page, "name", FIRST_ADMIN.name);
    await setValue(page, "email", FIRST_ADMIN.email);
    await setValue(page, "password", FIRST_ADMIN.password);
    await submitSetup(page);
    await expect(page.getByText("Organization name must be at most 100 characters")).toBeVisible();
    expect(await prisma().organization.count()).toBe(0);
  });

  await test.step("an unknown extra field is refused", async () => {
    await setValue(page, "organizationName", FIRST_ADMIN.organizationName);
    await setValue(page, "password", FIRST_ADMIN.password);
    await page.locator("form").first().evaluate((form) => {
      const extra = document.createElement("input");
      extra.type = "hidden";
      extra.name = "isSuperAdmin";
      extra.value = "true";
      form.appendChild(extra);
    });
    await submitSetup(page);
    await expect(page.getByText(/unexpected field: isSuperAdmin/)).toBeVisible();
    expect(await prisma().user.count()).toBe(0);
  });

  await test.step("valid setup creates the organization and admin and signs in", async () => {
    await page.reload();
    await page.getByLabel("Organization name").fill(FIRST_ADMIN.organizationName);
    await page.getByLabel("Your name").fill(FIRST_ADMIN.name);
    await page.getByLabel("Email").fill(FIRST_ADMIN.email);
    await page.getByLabel("Password").fill(FIRST_ADMIN.password);
    await page.getByRole("button", { name: "Create organization and admin" }).click();
    await expect(page).toHaveURL(/\/connections$/, { timeout: 20_000 });
    await expect(page.getByRole("banner")).toContainText(FIRST_ADMIN.organizationName);
    await expect(page.getByRole("button", { name: /Ada Admin/ })).toBeVisible();
  });

  await test.step("database: one organization, one admin, hashed password, audited", async () => {
    const users = await prisma().user.findMany({ include: { memberships: true } });
    expect(users).toHaveLength(1);
    expect(users[0]!.email).toBe(FIRST_ADMIN.email);
    expect(users[0]!.passwordHash).toMatch(/^scrypt\$/);
    expect(users[0]!.passwordHash).not.toContain(FIRST_ADMIN.password);
    expect(users[0]!.memberships.map((m) => m.role)).toEqual(["ADMIN"]);
    expect(await prisma().auditEvent.count({ where: { action: "setup.completed" } })).toBe(1);
  });

  await test.step("/setup is gone for good: it leads into Keel instead of a 404", async () => {
    await page.goto("/setup");
    await expect(page).toHaveURL(/\/connections$/);
    await expect(page).not.toHaveTitle(/Set up Keel/);
    const anonymous = await page.context().browser()!.newContext({ ignoreHTTPSErrors: true });
    const stranger = await anonymous.newPage();
    await stranger.goto(`${new URL(page.url()).origin}/setup`);
    await expect(stranger).toHaveURL(/\/signin/);
    await anonymous.close();
  });
});
