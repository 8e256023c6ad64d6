import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { createUser, prisma, removeUser } from "./support/db";
import { KEEL_URL } from "./support/settings";

test.describe("sign in and out", () => {
  let user: Awaited<ReturnType<typeof createUser>>;
  test.beforeAll(async () => {
    user = await createUser({ role: "MEMBER", name: "Sam Signin" });
  });
  test.afterAll(async () => {
    await removeUser(user.id);
  });

  test("signs in with email and password, then signs out", async ({ page }) => {
    await page.goto("/connections");
    await expect(page).toHaveURL(/\/signin/);
    await expectNoSeriousA11yViolations(page, "/signin");
    await expect(page.getByText("Forgot your password? An admin of your Keel organization resets it")).toBeVisible();
    await page.getByLabel("Email").fill(user.email.toUpperCase());
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/connections$/);
    await expect(page.getByRole("button", { name: /Sam Signin/ })).toBeVisible();
    await expectNoSeriousA11yViolations(page, "/connections");
    expect(await prisma().auditEvent.count({ where: { action: "auth.signed_in", actorId: user.id } })).toBeGreaterThan(0);

    await page.getByRole("button", { name: /Sam Signin/ }).click();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page).toHaveURL(/\/signin/);
    await page.goto("/profiles");
    await expect(page).toHaveURL(/\/signin/);
  });

  test("a sign-in sent before the page's script runs never puts the password in the address", async ({ browser }) => {
    // As on a slow connection (or with scripts blocked): the browser submits the form itself.
    const context = await browser.newContext({ baseURL: KEEL_URL, ignoreHTTPSErrors: true, javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto("/signin");
      await page.getByLabel("Email").fill(user.email);
      await page.getByLabel("Password").fill(user.password);
      const sent = page.waitForRequest((request) => request.isNavigationRequest() && request.frame() === page.mainFrame());
      await page.getByRole("button", { name: "Sign in" }).click();
      const request = await sent;
      expect(request.method()).toBe("POST");
      expect(request.url()).not.toContain("password");
      expect((await request.response())?.status()).toBe(200);
      await page.waitForLoadState();
      // The answer is the sign-in page again (signing in needs the page's script), never an error.
      await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
      expect(page.url()).not.toContain("password");
      expect(page.url()).not.toContain(encodeURIComponent(user.password));
    } finally {
      await context.close();
    }
  });

  test("a wrong password and an unknown email get the same single message", async ({ page }) => {
    await page.goto("/signin");
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill("not the password at all");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("main").getByRole("alert");
    await expect(alert).toContainText("Wrong email or password.");
    const wrongPassword = await alert.innerText();

    await page.getByLabel("Email").fill("nobody-here@keel.test");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(alert).toContainText("Wrong email or password.");
    expect(await alert.innerText()).toBe(wrongPassword);
    await expect(page).toHaveURL(/\/signin/);
  });

  test("repeated failures are rate-limited with a clear message", async ({ page }) => {
    const target = await createUser({ role: "MEMBER" });
    try {
      await page.goto("/signin");
      await page.getByLabel("Email").fill(target.email);
      for (let attempt = 0; attempt < 5; attempt++) {
        await page.getByLabel("Password").fill(`wrong password ${attempt}`);
        await page.getByRole("button", { name: "Sign in" }).click();
        await expect(page.getByRole("main").getByRole("alert")).toContainText("Wrong email or password.");
      }
      // Even the right password is refused while the account is locked out.
      await page.getByLabel("Password").fill(target.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("main").getByRole("alert")).toContainText(/Too many failed sign-in attempts\. Wait \d+ minutes?/);
      await expect(page).toHaveURL(/\/signin/);
    } finally {
      await removeUser(target.id);
      await prisma().rateLimitBucket.deleteMany({ where: { key: { contains: target.id } } });
    }
  });

  test("a disabled user's open session ends at once", async ({ page }) => {
    const target = await createUser({ role: "MEMBER" });
    try {
      await page.goto("/signin");
      await page.getByLabel("Email").fill(target.email);
      await page.getByLabel("Password").fill(target.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page).toHaveURL(/\/connections$/);
      await prisma().user.update({ where: { id: target.id }, data: { isActive: false } });
      await page.goto("/profiles");
      await expect(page).toHaveURL(/\/signin/);
    } finally {
      await removeUser(target.id);
    }
  });
});
