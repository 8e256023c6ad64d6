import { randomBytes, randomUUID } from "node:crypto";
import { expect, test, type Request } from "@playwright/test";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { DEFAULT_PATS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { removeConnection, seedPatConnection, uniqueName } from "./support/connections";
import { createUser, prisma, removeUser } from "./support/db";
import { FIRST_ADMIN } from "./support/settings";

test.describe("members and roles", () => {
  test("admin adds a member with an initial password; the member signs in", async ({ page, browser }) => {
    const email = `pat.password-${Date.now()}@keel.test`;
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    await page.goto("/settings/members");
    await expectNoSeriousA11yViolations(page, "/settings/members");
    const form = page.getByRole("form", { name: "Add a member" });
    await form.getByLabel("Name").fill("Pat Password");
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Set an initial password").check();
    await form.getByLabel("Initial password", { exact: true }).fill("marble canyon whistle");
    await form.getByRole("button", { name: "Add member" }).click();
    await expect(page.getByRole("status")).toContainText("Pat Password was added");
    await expect(page.getByRole("cell", { name: new RegExp(email) })).toBeVisible();

    const user = await prisma().user.findFirstOrThrow({ where: { email }, include: { memberships: true } });
    expect(user.memberships.map((m) => m.role)).toEqual(["MEMBER"]);
    expect(await prisma().auditEvent.count({ where: { action: "member.added", targetId: user.id } })).toBe(1);

    const other = await browser.newContext();
    const memberPage = await other.newPage();
    await memberPage.goto("/signin");
    await memberPage.getByLabel("Email").fill(email);
    await memberPage.getByLabel("Password").fill("marble canyon whistle");
    await memberPage.getByRole("button", { name: "Sign in" }).click();
    await expect(memberPage).toHaveURL(/\/connections$/);
    await other.close();
    await removeUser(user.id);
  });

  test("admin adds a member by invitation link, shown once; the link sets the password", async ({ page, browser }) => {
    const email = `ivy.invite-${Date.now()}@keel.test`;
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    await page.goto("/settings/members");
    const form = page.getByRole("form", { name: "Add a member" });
    await form.getByLabel("Name").fill("Ivy Invite");
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Role").selectOption("ADMIN");
    await form.getByRole("button", { name: "Add member" }).click();
    const link = await page.getByLabel("Invitation link", { exact: true }).inputValue();
    expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{40,}$/);

    const user = await prisma().user.findFirstOrThrow({ where: { email }, include: { memberships: true } });
    expect(user.passwordHash).toBeNull();
    expect(user.memberships[0]?.role).toBe("ADMIN");
    const invitation = await prisma().invitation.findFirstOrThrow({ where: { userId: user.id } });
    expect(link).not.toContain(invitation.tokenHash);

    await page.reload();
    await expect(page.getByLabel("Invitation link", { exact: true })).toHaveCount(0);
    const row = page.getByRole("row", { name: /Ivy Invite/ });
    await expect(row).toContainText("Invited");

    // The first link was lost: the admin makes a new one (with Copy); only the newest works.
    await row.getByRole("button", { name: "New invitation link" }).click();
    const fresh = row.getByLabel("Invitation link for Ivy Invite", { exact: true });
    await expect(fresh).toHaveValue(/\/invite\/[A-Za-z0-9_-]{40,}$/);
    await expect(row.getByRole("status").filter({ hasText: "Earlier links no longer work" })).toBeVisible();
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await row.getByRole("button", { name: "Copy Invitation link for Ivy Invite" }).click();
    await expect(row.getByText("Copied.")).toBeVisible();
    const newLink = await fresh.inputValue();
    expect(newLink).not.toBe(link);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(newLink);
    expect(await prisma().auditEvent.count({ where: { action: "member.invitation_regenerated", targetId: user.id } })).toBe(1);
    await expectNoSeriousA11yViolations(page, "/settings/members (new invitation link)");

    // The admin trying the link in their own browser is told it would sign them in as Ivy.
    await page.goto(new URL(newLink).pathname);
    await expect(page.getByRole("alert").filter({ hasText: `You are signed in as ${FIRST_ADMIN.name}` })).toContainText("signs this browser in as Ivy Invite instead");

    const other = await browser.newContext();
    const invitee = await other.newPage();
    await invitee.goto(new URL(link).pathname);
    await expect(invitee.getByRole("main").getByRole("alert")).toContainText("This invitation link does not work");
    await invitee.goto(new URL(newLink).pathname);
    await expect(invitee.getByRole("heading", { name: `Join ${FIRST_ADMIN.organizationName}` })).toBeVisible();
    await expectNoSeriousA11yViolations(invitee, "/invite/[token]");
    await expect(invitee.getByText("You are signed in as")).toHaveCount(0);
    // The account's email is there for a password manager to save the new password under.
    await expect(invitee.getByLabel("Email")).toHaveValue(email);
    await expect(invitee.getByLabel("Email")).toHaveAttribute("autocomplete", "username");
    await invitee.getByLabel("New password").fill("harvest meadow compass");
    await invitee.getByLabel("Repeat the password").fill("harvest meadow compass");
    await invitee.getByRole("button", { name: "Set password and sign in" }).click();
    await expect(invitee).toHaveURL(/\/connections$/, { timeout: 20_000 });
    // The newest link was used; no link of theirs stays open (setting the password closes the others too).
    const newest = await prisma().invitation.findFirstOrThrow({ where: { userId: user.id }, orderBy: { createdAt: "desc" } });
    expect(newest.usedAt).not.toBeNull();
    expect(await prisma().invitation.count({ where: { userId: user.id, usedAt: null, expiresAt: { gt: new Date() } } })).toBe(0);

    // Single use.
    await invitee.goto(new URL(newLink).pathname);
    await expect(invitee.getByRole("main").getByRole("alert")).toContainText("This invitation link does not work");
    await other.close();
    await removeUser(user.id);
  });

  test("a member gets 403 on members settings and cannot call the admin action directly", async ({ page, browser }) => {
    const member = await createUser({ role: "MEMBER", name: "Mo Member" });
    try {
      await test.step("the page answers 403", async () => {
        await signInPage(page, member.email, member.password);
        const response = await page.goto("/settings/members");
        expect(response?.status()).toBe(403);
        await expect(page.getByRole("heading", { name: "Only admins can open this page" })).toBeVisible();
        await expectNoSeriousA11yViolations(page, "403 page");
        await page.goto("/settings");
        await expect(page.getByText("Only admins manage members")).toBeVisible();
        await expectNoSeriousA11yViolations(page, "/settings as member");
        await page.goto("/profiles");
        await expectNoSeriousA11yViolations(page, "/profiles");
      });

      await test.step("replaying the admin's add-member request with the member's session is refused", async () => {
        // Capture a genuine add-member request as the admin…
        const adminContext = await browser.newContext();
        const adminPage = await adminContext.newPage();
        await signInPage(adminPage, FIRST_ADMIN.email, FIRST_ADMIN.password);
        await adminPage.goto("/settings/members");
        const captured = new Promise<Request>((resolve) => adminPage.on("request", (r) => r.headers()["next-action"] && resolve(r)));
        const form = adminPage.getByRole("form", { name: "Add a member" });
        await form.getByLabel("Name").fill("Captured Request");
        await form.getByLabel("Email").fill("");
        await form.getByRole("button", { name: "Add member" }).click();
        const request = await captured;
        await adminContext.close();

        // …then post it directly, as the member, with a real email filled in.
        const body = (request.postData() ?? "").replace(/name="((?:_\d+_)?email)"\r\n\r\n\r\n/, 'name="$1"\r\n\r\nsneaky@keel.test\r\n');
        expect(body).toContain("sneaky@keel.test");
        const response = await page.request.post(new URL(request.url()).pathname, {
          headers: { "next-action": request.headers()["next-action"]!, "content-type": request.headers()["content-type"]!, accept: "text/x-component" },
          data: body,
        });
        expect(response.status()).toBeLessThan(500);
        expect(await response.text()).toContain("Only admins can do this");
        expect(await prisma().user.count({ where: { email: "sneaky@keel.test" } })).toBe(0);
      });
    } finally {
      await removeUser(member.id);
    }
  });

  test("a role change ends the member's open sessions; they sign in again with the new role", async ({ page, browser }) => {
    const member = await createUser({ role: "MEMBER", name: "Rae Role" });
    try {
      const memberContext = await browser.newContext();
      const memberPage = await memberContext.newPage();
      await signInPage(memberPage, member.email, member.password);
      expect((await memberPage.goto("/settings/members"))?.status()).toBe(403);

      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto("/settings/members");
      const row = page.getByRole("row", { name: /Rae Role/ });
      // Saved without choosing another role: nothing changes and nobody is signed out.
      await row.getByRole("button", { name: "Save role of Rae Role" }).click();
      await expect(row).toContainText("Nothing changed: Rae Role is already a Member.");
      expect(await prisma().session.count({ where: { userId: member.id } })).toBe(1);
      await row.getByLabel("Role of Rae Role", { exact: true }).selectOption("ADMIN");
      await row.getByRole("button", { name: "Save role of Rae Role" }).click();
      await expect(row).toContainText("Role changed to Admin");
      // The select shows the role saved (React resets the form as the answer ends).
      await expect(row.getByRole("button", { name: "Save role of Rae Role" })).toBeEnabled();
      await expect(row.getByLabel("Role of Rae Role", { exact: true })).toHaveValue("ADMIN");
      expect((await prisma().membership.findFirstOrThrow({ where: { userId: member.id } })).role).toBe("ADMIN");
      expect(await prisma().session.count({ where: { userId: member.id } })).toBe(0);

      await memberPage.goto("/settings/members");
      await expect(memberPage).toHaveURL(/\/signin/);
      await signInPage(memberPage, member.email, member.password);
      expect((await memberPage.goto("/settings/members"))?.status()).toBe(200);
      await memberContext.close();

      // The row's one line of feedback answers the form used last, not the first one used.
      await row.getByRole("button", { name: "Disable Rae Role" }).click();
      await expect(row).toContainText("Member disabled and signed out.");
      await expect(row).not.toContainText("Role changed");
    } finally {
      await removeUser(member.id);
    }
  });

  test("disabling a member from the UI signs them out everywhere", async ({ page, browser }) => {
    const member = await createUser({ role: "MEMBER", name: "Dee Disabled" });
    try {
      const memberContext = await browser.newContext();
      const memberPage = await memberContext.newPage();
      await signInPage(memberPage, member.email, member.password);
      await memberPage.goto("/connections");
      await expect(memberPage).toHaveURL(/\/connections$/);

      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto("/settings/members");
      const row = page.getByRole("row", { name: /Dee Disabled/ });
      await row.getByRole("button", { name: "Disable Dee Disabled" }).click();
      // (The member's name contains "Disabled": wait for the state itself, not for the word.)
      await expect(row.getByRole("button", { name: "Enable Dee Disabled" })).toBeVisible();
      expect((await prisma().user.findUniqueOrThrow({ where: { id: member.id } })).isActive).toBe(false);

      await memberPage.goto("/connections");
      await expect(memberPage).toHaveURL(/\/signin/);
      await memberContext.close();
    } finally {
      await removeUser(member.id);
    }
  });

  test("disabling someone whose connection signs in with their token says it is still theirs, and leads to handing it over", async ({ page }) => {
    const leaver = await createUser({ role: "ADMIN", name: "Lee Leaver" });
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull, ownerId: leaver.id, name: uniqueName("Leaver Fabrikam") });
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/settings/members?q=${encodeURIComponent(leaver.email)}`);
      const row = page.getByRole("row", { name: /Lee Leaver/ });
      // Before: the row says what they own. Their release scripts run with two API tokens of theirs.
      await expect(row.getByText(`Owns ${connection.name}`)).toBeVisible();
      for (const name of ["Release", "Nightly"]) {
        await prisma().apiToken.create({ data: { organizationId: leaver.organizationId, userId: leaver.id, name, tokenHash: randomBytes(32).toString("hex"), prefix: "keel_leaver", expiresAt: new Date(Date.now() + 86_400_000) } });
      }
      await row.getByRole("button", { name: "Disable Lee Leaver" }).click();
      await expect(row).toContainText(
        `Member disabled and signed out. Their 2 API tokens stop working: scripts that use them need a token of an active member. ${connection.name} is still theirs: hand it to an active admin on its page.`,
      );
      await expect(row).toContainText(`Still theirs: ${connection.name}. Hand it to an active admin on its page`);
      await expectNoSeriousA11yViolations(page, "members with a disabled owner");

      // The connection says so, and its link goes to the owner form.
      await row.getByRole("link", { name: connection.name }).click();
      await expect(page).toHaveURL(new RegExp(`/connections/${connection.id}#owner$`));
      const notice = page.getByRole("alert").filter({ hasText: "Lee Leaver is disabled in Keel" });
      await expect(notice).toContainText("This connection still signs in with Lee Leaver's token");
      await notice.getByRole("link", { name: "Hand it to an active admin" }).click();
      await expect(page.getByRole("region", { name: "Owner" }).getByRole("combobox", { name: "Owner" })).toBeInViewport();
      await page.goto("/connections");
      await expect(page.getByRole("row").filter({ hasText: connection.name })).toContainText("disabled: hand it over");

      // Handed over: the new owner is active, and the notice names whose token it still is.
      await prisma().connection.update({ where: { id: connection.id }, data: { ownerId: (await prisma().user.findFirstOrThrow({ where: { email: FIRST_ADMIN.email } })).id } });
      await page.goto(`/connections/${connection.id}`);
      await expect(page.getByRole("alert").filter({ hasText: "Lee Leaver is disabled in Keel" })).toContainText("replaces the token with their own");
    } finally {
      await removeConnection(connection.id);
      await removeUser(leaver.id);
    }
  });

  test("add-member input is validated on the server, field by field", async ({ page }) => {
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    await page.goto("/settings/members");
    const form = page.getByRole("form", { name: "Add a member" });
    await form.getByLabel("Name").evaluate((el) => ((el as HTMLInputElement).removeAttribute("maxlength"), ((el as HTMLInputElement).value = "N".repeat(101))));
    await form.getByLabel("Email").fill(FIRST_ADMIN.email);
    await form.getByLabel("Set an initial password").check();
    await form.getByLabel("Initial password", { exact: true }).fill("short");
    await form.getByRole("button", { name: "Add member" }).click();
    await expect(form.getByText("Name must be at most 100 characters")).toBeVisible();
    await expect(form.getByText("Password must be at least 12 characters")).toBeVisible();
    // The choice survives the answer: the password field on the page is what is sent.
    await expect(form.getByRole("button", { name: "Add member" })).toBeEnabled();
    await expect(form.getByLabel("Set an initial password")).toBeChecked();

    await form.getByLabel("Name").fill("Duplicate Person");
    await form.getByLabel("Initial password", { exact: true }).fill("granite willow beacon");
    await form.getByRole("button", { name: "Add member" }).click();
    await expect(form.getByText("A member of your organization already has this email.").first()).toBeVisible();
    await expect(form.getByRole("button", { name: "Add member" })).toBeEnabled();
    // Nothing written (counted by what was typed: other specs add users in parallel).
    expect(await prisma().user.count({ where: { email: FIRST_ADMIN.email } })).toBe(1);
    expect(await prisma().user.count({ where: { OR: [{ name: "Duplicate Person" }, { name: "N".repeat(101) }, { name: "N".repeat(100) }] } })).toBe(0);

    // Corrected after two refusals, the member is added the way the form shows: with the password.
    const email = `second-try-${randomUUID().slice(0, 8)}@keel.test`;
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Initial password", { exact: true }).fill("granite willow beacon");
    await form.getByRole("button", { name: "Add member" }).click();
    await expect(form.getByText("Duplicate Person was added. They can sign in with the password you set.")).toBeVisible();
    const added = await prisma().user.findFirstOrThrow({ where: { email } });
    await removeUser(added.id);
  });

  test("many members: newest first, 50 a page, searched by name or email, filtered by role and status", async ({ page }) => {
    const organization = await prisma().organization.create({ data: { name: `Crowd ${randomUUID().slice(0, 6)}` } });
    try {
      const admin = await createUser({ role: "ADMIN", name: "Crowd Admin", organizationId: organization.id });
      const start = Date.now() + 1_000;
      for (let index = 1; index <= 54; index += 1) {
        const label = String(index).padStart(2, "0");
        await prisma().user.create({
          data: {
            organizationId: organization.id,
            email: `crew-${label}-${organization.id.slice(0, 6)}@crowd.test`,
            name: `Crew ${label}`,
            passwordHash: index === 5 ? null : "not-a-real-hash",
            isActive: index !== 3,
            // Crew 10 and later signed in today; Crew 08 100 days ago; the rest never since Keel keeps it.
            lastSignInAt: index >= 10 ? new Date() : index === 8 ? new Date(Date.now() - 100 * 86_400_000) : null,
            memberships: { create: { organizationId: organization.id, role: index === 7 ? "ADMIN" : "MEMBER", createdAt: new Date(start + index * 1_000) } },
          },
        });
      }
      await signInPage(page, admin.email, admin.password);
      await page.goto("/settings/members");
      const table = page.getByRole("table", { name: `Members of ${organization.name}` });
      const rows = table.locator("tbody tr");
      await expect(page.getByRole("heading", { name: "55 members" })).toBeVisible();
      await expect(rows).toHaveCount(50);
      await expect(rows.first()).toContainText("Crew 54");
      const pages = page.getByRole("navigation", { name: "Pages" });
      await expect(pages).toContainText("Page 1 of 2");
      await pages.getByRole("link", { name: "Next page" }).click();
      await expect(rows).toHaveCount(5);
      await expect(rows.last()).toContainText("Crowd Admin");
      // One's own role is another admin's to change: no role form on one's own row.
      await expect(rows.last()).toContainText("Admin (you; another admin changes your role)");
      await expect(rows.last().getByRole("button", { name: /Save role/ })).toHaveCount(0);

      const filters = page.getByRole("search", { name: "Filter members" });
      await filters.getByLabel("Search").fill("CREW-05");
      await filters.getByRole("button", { name: "Apply" }).click();
      await expect(page.getByRole("heading", { name: "1 member matches" })).toBeVisible();
      await expect(rows).toHaveCount(1);
      await expect(rows.first()).toContainText("Invited");
      await expect(page).not.toHaveURL(/page=/);

      await filters.getByLabel("Search").fill("");
      await filters.getByLabel("Status").selectOption("DISABLED");
      await filters.getByRole("button", { name: "Apply" }).click();
      await expect(page.getByRole("heading", { name: "1 member matches" })).toBeVisible();
      await expect(rows.first()).toContainText("Crew 03");

      // Accounts nobody has used for 90 days: active, with a password, not signed in since.
      await filters.getByLabel("Status").selectOption({ label: "Not signed in for 90 days" });
      await filters.getByRole("button", { name: "Apply" }).click();
      await expect(page.getByRole("heading", { name: "7 members match" })).toBeVisible();
      await expect(rows.first()).toContainText("Crew 09");
      await expect(rows.filter({ hasText: "Crew 08" })).toContainText(/Last signed in .*: if they have left, disable the account/);
      await expect(rows.filter({ hasText: "Crew 09" })).toContainText("No sign-in recorded: if they have left, disable the account");
      await expectNoSeriousA11yViolations(page, "/settings/members, idle accounts");

      await filters.getByLabel("Status").selectOption("");
      await filters.getByLabel("Role").selectOption("ADMIN");
      await filters.getByRole("button", { name: "Apply" }).click();
      await expect(page.getByRole("heading", { name: "2 members match" })).toBeVisible();
      await expect(rows).toHaveCount(2);
      await expect(rows.first()).toContainText("Crew 07");
      await expectNoSeriousA11yViolations(page, "/settings/members filtered");

      // A hand-edited address: the bad filter is named and ignored, the search still applies.
      await page.goto(`/settings/members?status=GONE&q=${encodeURIComponent("Crew 1")}`);
      await expect(page.getByRole("alert").filter({ hasText: "Status must be ACTIVE, INVITED, DISABLED or IDLE" })).toBeVisible();
      await expect(page.getByRole("heading", { name: "10 members match" })).toBeVisible();
      await page.goto("/settings/members?q=nobody-at-all");
      await expect(page.getByRole("heading", { name: "No member matches" })).toBeVisible();
    } finally {
      await prisma().organization.delete({ where: { id: organization.id } });
    }
  });
});
