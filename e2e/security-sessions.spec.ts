// The security suite, part 2 (issue 11): sessions end when they should — sign-out (a replayed
// cookie is refused at once), sign out everywhere, a password change, an admin's reset — and
// invitation links and adding members reveal and allow nothing they should not.
import { expect, test, type Browser, type BrowserContext } from "@playwright/test";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { createUser, prisma, removeUser } from "./support/db";
import { FIRST_ADMIN, KEEL_URL } from "./support/settings";

/** A new browser context holding exactly these cookies (a copied or stolen session). */
async function replay(browser: Browser, from: BrowserContext): Promise<BrowserContext> {
  const copy = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: KEEL_URL });
  await copy.addCookies(await from.cookies());
  return copy;
}

test.describe("sessions end on the server", () => {
  test("after signing out, the same cookie replayed is refused at once — pages, routes and next-auth", async ({ page, browser }) => {
    const user = await createUser({ role: "MEMBER", name: "Sid Signout" });
    try {
      await page.goto("/signin");
      await page.getByLabel("Email").fill(user.email);
      await page.getByLabel("Password").fill(user.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page).toHaveURL(/\/connections$/);
      const stolen = await replay(browser, page.context());
      expect((await stolen.request.get("/api/auth/session").then((r) => r.json())) as { user?: unknown }).toHaveProperty("user");

      await page.getByRole("button", { name: /Sid Signout/ }).click();
      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await expect(page).toHaveURL(/\/signin/);
      expect(await prisma().session.count({ where: { userId: user.id } })).toBe(0);
      expect(await prisma().auditEvent.count({ where: { action: "auth.signed_out", actorId: user.id } })).toBe(1);

      const replayed = await stolen.newPage();
      await replayed.goto("/connections");
      await expect(replayed).toHaveURL(/\/signin/);
      const api = await stolen.request.get("/api/connections/6f1c2d7e-4b7a-4a52-9b1e-0d3c1f2a9b7c/projects");
      expect(api.status()).toBe(401);
      expect(await (await stolen.request.get("/api/auth/session")).json()).toEqual({});
      await stolen.close();
    } finally {
      await removeUser(user.id);
    }
  });

  test("sign out everywhere ends the sessions of every browser", async ({ page, browser }) => {
    const user = await createUser({ role: "MEMBER", name: "Eve Everywhere" });
    const laptop = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: KEEL_URL });
    try {
      const other = await laptop.newPage();
      await signInPage(other, user.email, user.password);
      await signInPage(page, user.email, user.password);
      await page.goto("/connections");
      await page.getByRole("button", { name: /Eve Everywhere/ }).click();
      await page.getByRole("button", { name: "Sign out on all devices" }).click();
      await expect(page).toHaveURL(/\/signin/);
      await other.goto("/profiles");
      await expect(other).toHaveURL(/\/signin/);
      expect(await prisma().session.count({ where: { userId: user.id } })).toBe(0);
    } finally {
      await laptop.close();
      await removeUser(user.id);
    }
  });

  test("changing your password keeps this browser signed in and signs out the others", async ({ page, browser }) => {
    const user = await createUser({ role: "MEMBER", name: "Cal Changer" });
    const phone = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: KEEL_URL });
    try {
      const other = await phone.newPage();
      await signInPage(other, user.email, user.password);
      await signInPage(page, user.email, user.password);
      await page.goto("/settings");
      await expect(page.getByRole("link", { name: "Your account", exact: true })).toBeVisible();
      // From any page, through the account menu.
      await page.getByRole("button", { name: /open the account menu/ }).click();
      await page.getByRole("link", { name: "Your account (change password)" }).click();
      await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
      await expect(page.locator("#user-menu")).toHaveCount(0);
      await expectNoSeriousA11yViolations(page, "/settings/account");
      const form = page.getByRole("form", { name: "Change password" });

      await form.getByLabel("Current password").fill("not my password");
      await form.getByLabel("New password", { exact: true }).fill("copper lantern orchard");
      await form.getByLabel("Repeat the new password").fill("copper lantern orchard");
      await form.getByRole("button", { name: "Change password" }).click();
      await expect(form.getByText("This is not your current password")).toBeVisible();

      await form.getByLabel("Current password").fill(user.password);
      await form.getByLabel("New password", { exact: true }).fill("copper lantern orchard");
      await form.getByLabel("Repeat the new password").fill("copper lantern orchard");
      await form.getByRole("button", { name: "Change password" }).click();
      await expect(form.getByRole("status")).toContainText("Your password is changed. One other session was signed out.");

      await page.goto("/profiles");
      await expect(page).toHaveURL(/\/profiles$/);
      await other.goto("/profiles");
      await expect(other).toHaveURL(/\/signin/);
      expect(await prisma().auditEvent.count({ where: { action: "auth.password_changed", actorId: user.id } })).toBe(1);

      // The old password no longer signs in; the new one does.
      await other.getByLabel("Email").fill(user.email);
      await other.getByLabel("Password").fill(user.password);
      await other.getByRole("button", { name: "Sign in" }).click();
      await expect(other.getByRole("main").getByRole("alert")).toContainText("Wrong email or password.");
      await other.getByLabel("Password").fill("copper lantern orchard");
      await other.getByRole("button", { name: "Sign in" }).click();
      await expect(other).toHaveURL(/\/connections$/);
    } finally {
      await phone.close();
      await removeUser(user.id);
    }
  });

  test("an admin's password reset signs the member out; the one-time link sets a new password", async ({ page, browser }) => {
    const member = await createUser({ role: "MEMBER", name: "Rex Reset" });
    const memberContext = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: KEEL_URL });
    try {
      const memberPage = await memberContext.newPage();
      await signInPage(memberPage, member.email, member.password);

      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto("/settings/members");
      const row = page.getByRole("row", { name: /Rex Reset/ });
      await row.getByText("Reset password of Rex Reset").click();
      const form = row.getByRole("form", { name: "Reset password of Rex Reset" });
      await form.getByRole("button", { name: "Reset password" }).click();
      const link = await form.getByLabel("Password reset link").inputValue();
      expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{40,}$/);
      await expect(page).toHaveTitle(/Members/);
      await expectNoSeriousA11yViolations(page, "/settings/members with a reset link");
      expect(await prisma().auditEvent.count({ where: { action: "member.password_reset", targetId: member.id } })).toBe(1);

      await memberPage.goto("/connections");
      await expect(memberPage).toHaveURL(/\/signin/);

      await memberPage.goto(new URL(link).pathname);
      await expect(memberPage.getByRole("heading", { name: /Choose a new password/ })).toBeVisible();
      await memberPage.getByLabel("New password").fill("saffron kettle drum");
      await memberPage.getByLabel("Repeat the password").fill("saffron kettle drum");
      await memberPage.getByRole("button", { name: "Set password and sign in" }).click();
      await expect(memberPage).toHaveURL(/\/connections$/, { timeout: 20_000 });
    } finally {
      await memberContext.close();
      await removeUser(member.id);
    }
  });

  test("an admin unlocks a member whose sign-in is throttled", async ({ page, browser }) => {
    const member = await createUser({ role: "MEMBER", name: "Lou Locked" });
    try {
      // Five wrong passwords from this browser's address lock that address out for the account.
      const guesser = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: KEEL_URL });
      const guess = await guesser.newPage();
      await guess.goto("/signin");
      await guess.getByLabel("Email").fill(member.email);
      for (let attempt = 0; attempt < 5; attempt++) {
        await guess.getByLabel("Password").fill(`wrong guess ${attempt}`);
        await guess.getByRole("button", { name: "Sign in" }).click();
        await expect(guess.getByRole("main").getByRole("alert")).toContainText("Wrong email or password.");
      }
      await guess.getByLabel("Password").fill(member.password);
      await guess.getByRole("button", { name: "Sign in" }).click();
      await expect(guess.getByRole("main").getByRole("alert")).toContainText("Too many failed sign-in attempts");

      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto("/settings/members");
      const row = page.getByRole("row", { name: /Lou Locked/ });
      await expect(row).toContainText("Sign-in throttled");
      await row.getByRole("button", { name: "Unlock sign-in of Lou Locked" }).click();
      await expect(row).toContainText("Lou Locked can sign in again right away.");
      expect(await prisma().auditEvent.count({ where: { action: "member.sign_in_unlocked", targetId: member.id } })).toBe(1);

      await guess.getByRole("button", { name: "Sign in" }).click();
      await expect(guess).toHaveURL(/\/connections$/);
      await guesser.close();
    } finally {
      await prisma().rateLimitBucket.deleteMany({ where: { key: { contains: member.id } } });
      await removeUser(member.id);
    }
  });
});

test.describe("invitations and membership", () => {
  test("an invitation link stops working when its member is disabled", async ({ page, browser }) => {
    const email = `ina.invite-${Date.now()}@keel.test`;
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    await page.goto("/settings/members");
    const form = page.getByRole("form", { name: "Add a member" });
    await form.getByLabel("Name").fill("Ina Invite");
    await form.getByLabel("Email").fill(email);
    await form.getByRole("button", { name: "Add member" }).click();
    const link = await page.getByLabel("Invitation link", { exact: true }).inputValue();
    const user = await prisma().user.findFirstOrThrow({ where: { email } });
    try {
      await page.reload();
      const row = page.getByRole("row", { name: /Ina Invite/ });
      await row.getByRole("button", { name: "Disable Ina Invite" }).click();
      await expect(row.getByRole("button", { name: "Enable Ina Invite" })).toBeVisible();

      const invitee = await browser.newContext({ ignoreHTTPSErrors: true, baseURL: KEEL_URL });
      const invitePage = await invitee.newPage();
      await invitePage.goto(new URL(link).pathname);
      await expect(invitePage.getByRole("main").getByRole("alert")).toContainText("This invitation link does not work");
      await invitee.close();
      expect((await prisma().user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash).toBeNull();
    } finally {
      await removeUser(user.id);
    }
  });

  test("adding an email that has an account in another Keel organization looks exactly like adding a new one", async ({ page }) => {
    const other = await prisma().organization.create({ data: { name: `Elsewhere ${Date.now()}` } });
    const elsewhere = await createUser({ role: "ADMIN", name: "Elsa Elsewhere", organizationId: other.id });
    const fresh = `fresh-${Date.now()}@keel.test`;
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto("/settings/members");
      const answers: string[] = [];
      for (const [name, email] of [
        ["Nora New", fresh],
        ["Tess Taken", elsewhere.email],
      ] as const) {
        const form = page.getByRole("form", { name: "Add a member" });
        await form.getByLabel("Name").fill(name);
        await form.getByLabel("Email").fill(email);
        await form.getByRole("button", { name: "Add member" }).click();
        await expect(page.getByLabel("Invitation link", { exact: true })).toBeVisible();
        answers.push((await form.getByRole("status").innerText()).replace(name, "NAME"));
        await page.reload();
        await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("Invited");
      }
      expect(answers[1]).toBe(answers[0]);
      // The other organization's account is untouched.
      expect((await prisma().user.findUniqueOrThrow({ where: { id: elsewhere.id } })).passwordHash).not.toBeNull();
    } finally {
      await prisma().user.deleteMany({ where: { email: { in: [fresh, elsewhere.email] } } });
      await prisma().organization.deleteMany({ where: { id: other.id } });
    }
  });
});
