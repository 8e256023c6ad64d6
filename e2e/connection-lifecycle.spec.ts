// Admins look after connections (issue 12): expiry warnings and reminders, replacing a token,
// a revoked grant found by the scheduled check and fixed by re-authorizing, the switch from
// Azure DevOps OAuth to Microsoft Entra ID in place, deleting a connection and re-binding its
// profiles, and the audit log with its CSV export. Each test works in an organization of its
// own, because "Check all now" checks every connection of the organization on the job engine.
import { randomBytes } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { DEFAULT_LEGACY_APP, DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS, DEFAULT_USERS, KEEL_SCOPES } from "@/e2e/azure-devops-emulator/fixtures/default";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { removeConnection, seedPatConnection, uniqueName } from "./support/connections";
import { createUser, prisma, removeUser } from "./support/db";
import { emulator } from "./support/emulator";
import { mailsTo } from "./support/mail";
import { answerConsent, continueToConsent, expectConsentPage, openOAuthStep, PROVIDERS } from "./support/oauth";
import { seedProfile } from "./support/profiles";
import { EMULATOR_URL } from "./support/settings";

const DAY = 86_400_000;
const alex = DEFAULT_USERS.alex;
// The OAuth journey signs in as Sam: an identity belongs to one Keel user, and other specs link Alex's.
const sam = DEFAULT_USERS.sam;

let cleanup: (() => Promise<void>)[] = [];

test.afterEach(async () => {
  for (const step of cleanup.reverse()) {
    await step();
  }
  cleanup = [];
});

/** A Keel organization of this test with a signed-in admin (and a member). */
async function ownOrganization(page: Page, label: string) {
  const organization = await prisma().organization.create({ data: { name: `${label} ${randomBytes(3).toString("hex")}` } });
  const admin = await createUser({ role: "ADMIN", name: `${label} Admin`, organizationId: organization.id });
  const member = await createUser({ role: "MEMBER", name: `${label} Member`, organizationId: organization.id });
  cleanup.push(async () => {
    await prisma().buildProfile.deleteMany({ where: { organizationId: organization.id } });
    for (const { id } of await prisma().connection.findMany({ where: { organizationId: organization.id }, select: { id: true } })) {
      await removeConnection(id);
    }
    await removeUser(admin.id);
    await removeUser(member.id);
    await prisma().organization.deleteMany({ where: { id: organization.id } });
  });
  await signInPage(page, admin.email, admin.password);
  return { organization, admin, member };
}

const connectionRow = (id: string) => prisma().connection.findUniqueOrThrow({ where: { id } });
const checks = (id: string) => prisma().auditEvent.count({ where: { targetId: id, action: "connection.checked" } });

/** "Check all now" on the connections page: the scheduled check's job, queued now; waits for this connection's check. */
async function checkAllNow(page: Page, connectionId: string): Promise<void> {
  const before = await checks(connectionId);
  await page.goto("/connections");
  await page.getByRole("button", { name: "Check all now" }).click();
  await expect(page.getByText(/^Checking \d+ connections? in the background/)).toBeVisible();
  await expect.poll(() => checks(connectionId), { timeout: 45_000 }).toBeGreaterThan(before);
}

test("a PAT expiring in 5 days: warning, one e-mail; a bad replacement keeps the old token, a good one clears the warning; members see status only", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const { admin, member } = await ownOrganization(page, "Expiry");
  const expiresAt = new Date(Date.now() + 5 * DAY - 3_600_000);
  const { token } = await emulator.createPat({ userId: alex.id, scopes: [...KEEL_SCOPES], organizations: ["fabrikam"], expiresAt: expiresAt.toISOString(), label: "expiring in 5 days" });
  const connection = await seedPatConnection({ collection: "fabrikam", token, organizationId: admin.organizationId, ownerId: admin.id, tokenExpiresAt: expiresAt, name: uniqueName("Expiring PAT") });

  await test.step("the scheduled check, run now as a job, finds it expiring and e-mails the owner once", async () => {
    await checkAllNow(page, connection.id);
    expect(await connectionRow(connection.id)).toMatchObject({ status: "EXPIRING" });
    // The page follows the checks it queued and shows their result without a reload.
    await expect(page.getByTestId("check-all-progress")).toHaveText("Checked.", { timeout: 20_000 });
    await expect(page.getByRole("row").filter({ hasText: connection.name })).toContainText("Expiring in 5 days");
    await expect.poll(() => mailsTo(admin.email, connection.name).length, { timeout: 30_000 }).toBe(1);
    const [mail] = mailsTo(admin.email, connection.name);
    expect(mail!.subject).toBe(`Keel: the personal access token of "${connection.name}" expires in 5 days`);
    expect(mail!.text).toContain(`/connections/${connection.id}`);
    expect(mail!.text).not.toContain(token);
    // Checked again: no second reminder.
    await checkAllNow(page, connection.id);
    await page.waitForTimeout(1_500);
    expect(mailsTo(admin.email, connection.name)).toHaveLength(1);
    expect(mailsTo(member.email, connection.name)).toHaveLength(0);
  });

  await test.step("a re-authorize address for a token connection leads to its page, where Replace token is", async () => {
    await page.goto(`/connections/${connection.id}/reauthorize`);
    await expect(page).toHaveURL(new RegExp(`/connections/${connection.id}$`));
    await expect(page.getByRole("form", { name: "Replace token" })).toBeVisible();
  });

  await test.step("the connections page and the header show the warning", async () => {
    await page.goto("/connections");
    const row = page.getByRole("row").filter({ hasText: connection.name });
    await expect(row).toContainText("Expiring in 5 days");
    await expect(row).toContainText(expiresAt.toISOString().slice(0, 10));
    await expect(page.getByRole("link", { name: "1 connection needs attention" })).toBeVisible();
    await page.getByLabel("Status").selectOption("HEALTHY");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByText("No connection has this status")).toBeVisible();
    await page.getByLabel("Status").selectOption("attention");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page.getByRole("row").filter({ hasText: connection.name })).toBeVisible();
    // The form sends every field, "All" as an empty status: that is no filter, and the sort still applies.
    await page.getByLabel("Status").selectOption("");
    await page.getByLabel("Sort by").selectOption("name");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/sort=name/);
    await expect(page.getByLabel("Sort by")).toHaveValue("name");
    await expect(page.getByText("were not valid and were ignored")).toHaveCount(0);
    await expect(page.getByRole("row").filter({ hasText: connection.name })).toBeVisible();
    await expectNoSeriousA11yViolations(page, "connections with an expiring token");
  });

  await test.step("a member sees the status, not the actions", async () => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const memberPage = await context.newPage();
    await signInPage(memberPage, member.email, member.password);
    await memberPage.goto("/connections");
    await expect(memberPage.getByRole("row").filter({ hasText: connection.name })).toContainText("Expiring in 5 days");
    await expect(memberPage.getByRole("button", { name: "Check all now" })).toHaveCount(0);
    await expect(memberPage.getByRole("link", { name: /needs attention/ })).toHaveCount(0);
    await memberPage.goto(`/connections/${connection.id}`);
    await expect(memberPage.getByRole("form", { name: "Replace token" })).toHaveCount(0);
    await context.close();
  });

  const replace = page.getByRole("form", { name: "Replace token" });
  await test.step("a token Azure DevOps refuses does not replace the old one", async () => {
    await page.goto(`/connections/${connection.id}`);
    await expect(page.getByText(`The personal access token expires in 5 days`).first()).toBeVisible();
    await expect(replace.getByLabel("New Personal Access Token")).toHaveAccessibleDescription(/under Organization choose fabrikam, not “All accessible organizations”/);
    // Nothing typed: Keel's own message under the field, not the browser's bubble.
    await replace.getByRole("button", { name: "Replace token" }).click();
    await expect(replace.getByText("Personal Access Token is required")).toBeVisible();
    await expect(replace.getByRole("button", { name: "Replace token" })).toBeEnabled();
    await replace.getByLabel("New Personal Access Token").fill("x".repeat(52));
    await replace.getByRole("button", { name: "Replace token" }).click();
    await expect(replace.getByText(/The new token does not work, so the old one stays in place/)).toBeVisible();
    await expect(replace.getByLabel("New Personal Access Token")).toHaveValue("");
    expect(await connectionRow(connection.id)).toMatchObject({ status: "EXPIRING", tokenLastFour: token.slice(-4) });
    await expectNoSeriousA11yViolations(page, "replacement refused");
  });

  await test.step("a good token replaces it and clears the warning", async () => {
    const later = new Date(Date.now() + 300 * DAY).toISOString().slice(0, 10);
    await replace.getByLabel("New Personal Access Token").fill(DEFAULT_PATS.fabrikamFull);
    await replace.getByLabel(/Token expiry date/).fill(later);
    await replace.getByRole("button", { name: "Replace token" }).click();
    await expect(replace.getByText(/Token replaced and checked/)).toBeVisible();
    await page.reload();
    await expect(page.getByRole("heading", { level: 1, name: connection.name })).toBeVisible();
    await expect(page.getByText("Healthy", { exact: true }).first()).toBeVisible();
    expect(await connectionRow(connection.id)).toMatchObject({ status: "HEALTHY", tokenLastFour: DEFAULT_PATS.fabrikamFull.slice(-4), credentialUserId: admin.id });
    await expect(page.getByRole("link", { name: /needs attention/ })).toHaveCount(0);
  });

  await test.step("the audit log shows each of these, and exports them without secrets", async () => {
    // Through the filter form, as an admin does: a target and a group of actions, the rest left blank.
    await page.goto("/settings/audit");
    const filters = page.getByRole("search", { name: "Filter the audit log" });
    await filters.getByLabel("Target").fill(connection.name);
    await filters.getByLabel("Action").selectOption({ label: "Connections (all)" });
    // The list answers slowly here (the route holds the request a second): Apply says it is busy meanwhile.
    await page.route(/\/settings\/audit\?.*action=/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await route.continue();
    });
    await filters.getByRole("button", { name: "Apply filters" }).click();
    await expect(filters.getByRole("button", { name: "Applying…" })).toBeDisabled();
    await page.waitForURL(/action=connection\./);
    await expect(filters.getByRole("button", { name: "Apply filters" })).toBeEnabled();
    await page.unroute(/\/settings\/audit\?.*action=/);
    // Fields left blank stay out of the address.
    expect(new URL(page.url()).search).toBe(`?${new URLSearchParams({ action: "connection.", target: connection.name })}`);
    await expect(page.getByText("were not valid and were ignored")).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Export CSV" })).toHaveAttribute("href", `/api/audit/export?${new URLSearchParams({ action: "connection.", target: connection.name })}`);
    const log = page.getByRole("table", { name: "Audit events, newest first" });
    for (const label of ["Token replaced", "Token replacement refused", "Expiry reminder sent"]) {
      await expect(log.getByRole("cell", { name: label, exact: true }).first()).toBeVisible();
    }
    await page.goto(`/settings/audit?target=${connection.id}`);
    await expect(log.getByRole("cell", { name: "Connection status changed", exact: true }).first()).toBeVisible();
    await expect(log).toContainText("healthy → expiring");
    await expect(log).toContainText("expiring → healthy");
    // A few events: one page, and the log says it ends there (no "Older events").
    const pages = page.getByRole("navigation", { name: "Audit log pages" });
    await expect(pages).toContainText("That is the oldest event matching these filters.");
    await expect(pages.getByRole("link")).toHaveCount(0);
    await expectNoSeriousA11yViolations(page, "audit log");
    // The export link carries the page's filters; fetched with the admin's session (a browser download of the same URL).
    const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
    expect(href).toBe(`/api/audit/export?target=${connection.id}`);
    const response = await page.request.get(href!);
    expect(response.headers()["content-type"]).toContain("text/csv");
    expect(response.headers()["content-disposition"]).toMatch(/^attachment; filename="keel-audit-\d{4}-\d{2}-\d{2}\.csv"; filename\*=UTF-8''keel-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await response.text();
    expect(csv.split("\r\n")[0]).toContain('"Time (UTC)","Actor"');
    for (const action of ["connection.token_replaced", "connection.token_replace_refused", "connection.expiry_reminder", "connection.status_changed"]) {
      expect(csv).toContain(`"${action}"`);
    }
    expect(csv).not.toContain(DEFAULT_PATS.fabrikamFull);
    expect(csv).not.toContain(token);
  });
});

test("a revoked grant is found by the scheduled check and fixed by re-authorizing; switching to Entra ID keeps the profiles working", async ({ page }) => {
  test.setTimeout(150_000);
  const legacy = PROVIDERS.find((provider) => provider.id === "azure-devops")!;
  const { admin, organization } = await ownOrganization(page, "Grants");
  const name = uniqueName("Fabrikam legacy");
  const draftId = await openOAuthStep(page);
  await continueToConsent(page, legacy);
  await answerConsent(page, sam, "Accept");
  await expect(page).toHaveURL(new RegExp(`/connect/${draftId}/oauth/organizations$`));
  await page.getByRole("radio", { name: /^fabrikam\b/ }).check();
  await page.getByLabel("Connection Name").fill(name);
  await page.getByRole("button", { name: "Check connection" }).click();
  await expect(page.getByRole("heading", { name: "The connection works" })).toBeVisible();
  await page.getByRole("button", { name: "Save connection" }).click();
  await expect(page).not.toHaveURL(/\/check/);
  const connection = await prisma().connection.findFirstOrThrow({ where: { organizationId: organization.id, name } });
  const profile = await seedProfile({
    organizationId: organization.id,
    connectionId: connection.id,
    name: uniqueName("Wallet legacy"),
    projectId: DEFAULT_PROJECTS.mobileIos.id,
    projectName: DEFAULT_PROJECTS.mobileIos.name,
    repositoryId: DEFAULT_REPOS.walletApp.id,
    repositoryName: DEFAULT_REPOS.walletApp.name,
    createdById: admin.id,
  });

  await test.step("the grant is revoked in Azure DevOps: the next scheduled check says so and tells the admin", async () => {
    await emulator.revokeGrants(sam.id, DEFAULT_LEGACY_APP.clientId);
    await checkAllNow(page, connection.id);
    expect((await connectionRow(connection.id)).status).toBe("NEEDS_REAUTH");
    await expect.poll(() => mailsTo(admin.email, name).map((mail) => mail.subject), { timeout: 30_000 }).toContain(`Keel: "${name}" is now Needs re-authorization`);
    await page.goto(`/profiles/${profile.id}`);
    await expect(page.getByText(`Its connection “${name}” needs attention: needs re-authorization`)).toBeVisible();
  });

  await test.step("re-authorizing fixes it", async () => {
    await page.goto(`/connections/${connection.id}`);
    await page.getByRole("button", { name: "Re-authorize" }).first().click();
    await expectConsentPage(page);
    await answerConsent(page, sam, "Accept");
    await expect(page).toHaveURL(new RegExp(`/connections/${connection.id}\\?reauthorized=1$`));
    await expect(page.getByText("Healthy", { exact: true }).first()).toBeVisible();
    expect((await connectionRow(connection.id)).status).toBe("HEALTHY");
  });

  await test.step("the legacy connection switches to Microsoft Entra ID in place and its profile keeps working", async () => {
    const switchCard = page.getByRole("region", { name: "Switch to Microsoft Entra ID" });
    await expectNoSeriousA11yViolations(page, "connection with the switch offered");
    await switchCard.getByRole("button", { name: "Switch to Microsoft Entra ID" }).click();
    await expectConsentPage(page);
    await answerConsent(page, sam, "Accept");
    await expect(page).toHaveURL(new RegExp(`/connections/${connection.id}\\?switched=1$`));
    await expect(page.getByText("Switched to Microsoft Entra ID", { exact: true })).toBeVisible();
    await expect(page.getByRole("region", { name: "Switch to Microsoft Entra ID" })).toHaveCount(0);
    expect(await connectionRow(connection.id)).toMatchObject({ id: connection.id, oauthProvider: "microsoft-entra-id", status: "HEALTHY" });
    expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).connectionId).toBe(connection.id);
    await page.goto(`/profiles/${profile.id}`);
    await expect(page.getByRole("list", { name: "Branches" }).locator(":scope > li").filter({ hasText: /^main/ })).toBeVisible();
    expect(await prisma().auditEvent.count({ where: { targetId: connection.id, action: "connection.provider_switched" } })).toBe(1);
  });
});

test("deleting a connection disconnects its profiles; re-binding one to a connection that reaches the same repository restores it", async ({ page }) => {
  test.setTimeout(90_000);
  const { admin, organization } = await ownOrganization(page, "Rebind");
  // A name a spreadsheet would run as a formula: the export must neutralise it.
  const doomed = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull, organizationId: organization.id, ownerId: admin.id, name: uniqueName("=Wallet cloud") });
  const other = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull, organizationId: organization.id, ownerId: admin.id, name: uniqueName("Fabrikam again") });
  const profile = await seedProfile({
    organizationId: organization.id,
    connectionId: doomed.id,
    name: uniqueName("Wallet Android"),
    platform: "ANDROID",
    projectId: DEFAULT_PROJECTS.mobileIos.id,
    projectName: DEFAULT_PROJECTS.mobileIos.name,
    repositoryId: DEFAULT_REPOS.walletApp.id,
    repositoryName: DEFAULT_REPOS.walletApp.name,
    defaultBranch: "refs/heads/develop",
    createdById: admin.id,
  });

  await test.step("the delete page shows the affected profiles and wants the name typed", async () => {
    await page.goto(`/connections/${doomed.id}`);
    await page.getByRole("link", { name: "Delete connection…" }).click();
    await expect(page.getByRole("list", { name: "Build profiles that will be disconnected" })).toContainText(profile.name);
    const form = page.getByRole("form", { name: "Delete connection" });
    await expect(form.getByRole("button", { name: "Delete connection" })).toBeDisabled();
    await form.getByLabel(/to confirm/).fill(doomed.name.toUpperCase());
    await expect(form.getByRole("button", { name: "Delete connection" })).toBeDisabled();
    await expectNoSeriousA11yViolations(page, "delete connection");
    await form.getByLabel(/to confirm/).fill(doomed.name);
    await form.getByRole("button", { name: "Delete connection" }).click();
    await expect(page).toHaveURL(/\/connections\?deleted=/);
    await expect(page.getByText(`Deleted the connection “${doomed.name}”`)).toBeVisible();
    await expect(page.getByText("1 build profile was kept and marked disconnected")).toBeVisible();
    expect(await prisma().connection.count({ where: { id: doomed.id } })).toBe(0);
    expect(await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).toMatchObject({ connectionId: null, disconnectedConnectionName: doomed.name });
  });

  await test.step("the disconnected profile is re-bound to another connection and works again, settings intact", async () => {
    await page.goto(`/profiles/${profile.id}`);
    await expect(page.getByText("This build profile is disconnected")).toBeVisible();
    await expect(page.getByRole("list", { name: "Branches" })).toHaveCount(0);
    await expectNoSeriousA11yViolations(page, "disconnected profile");
    const form = page.getByRole("form", { name: "Re-bind build profile" });
    await form.getByLabel("Connection").selectOption(other.id);
    await form.getByRole("button", { name: "Re-bind" }).click();
    await expect(page).toHaveURL(new RegExp(`/profiles/${profile.id}\\?rebound=1$`));
    await expect(page.getByText(`Re-bound to ${other.name}`)).toBeVisible();
    await expect(page.getByRole("list", { name: "Branches" }).locator(":scope > li").filter({ hasText: /^develop/ })).toContainText("Default");
    expect(await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).toMatchObject({ connectionId: other.id, disconnectedAt: null, platform: "ANDROID", defaultBranch: "refs/heads/develop" });
  });

  await test.step("the audit log shows the deletion and the re-binding, and the export neutralises the formula-like name", async () => {
    await page.goto(`/settings/audit?target=${encodeURIComponent(profile.name)}`);
    const log = page.getByRole("table", { name: "Audit events, newest first" });
    await expect(log.getByRole("cell", { name: "Build profile disconnected", exact: true })).toBeVisible();
    await expect(log.getByRole("cell", { name: "Build profile re-bound", exact: true })).toBeVisible();
    const response = await page.request.get(`/api/audit/export?action=connection.deleted&target=${doomed.id}`);
    expect(response.headers()["content-type"]).toContain("text/csv");
    const lines = (await response.text()).trim().split("\r\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"'${doomed.name}; 1 build profile(s) disconnected"`);
    expect(lines[1]).not.toMatch(/(^|,)"=/);
  });
});

test("handing a connection over: the only admin is told to make another admin first; then the owner select hands it over and shows the new owner", async ({ page }) => {
  const organization = await prisma().organization.create({ data: { name: `Handover ${randomBytes(3).toString("hex")}` } });
  try {
    const first = await createUser({ role: "ADMIN", name: "Fay First", organizationId: organization.id });
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull, organizationId: organization.id, ownerId: first.id, name: uniqueName("Handover") });
    await signInPage(page, first.email, first.password);
    await page.goto(`/connections/${connection.id}`);
    await expect(page.getByText("Fay First is the only admin, so there is nobody to hand this connection to yet.")).toBeVisible();
    await expect(page.getByRole("link", { name: "Make another member an admin" })).toHaveAttribute("href", "/settings/members?role=MEMBER&status=ACTIVE");
    await expect(page.getByRole("button", { name: "Change owner" })).toHaveCount(0);

    const second = await createUser({ role: "ADMIN", name: "Sam Second", organizationId: organization.id });
    await page.reload();
    const form = page.getByRole("form", { name: "Change owner" });
    await form.getByLabel("Owner").selectOption(second.id);
    await form.getByRole("button", { name: "Change owner" }).click();
    await expect(form.getByText("Owner changed.")).toBeVisible();
    // The select shows the owner now saved (React resets the form as the answer ends).
    await expect(form.getByRole("button", { name: "Change owner" })).toBeEnabled();
    await expect(form.getByLabel("Owner")).toHaveValue(second.id);
    expect((await prisma().connection.findUniqueOrThrow({ where: { id: connection.id } })).ownerId).toBe(second.id);
    await expectNoSeriousA11yViolations(page, "connection handed over");
  } finally {
    for (const { id } of await prisma().connection.findMany({ where: { organizationId: organization.id }, select: { id: true } })) {
      await removeConnection(id);
    }
    const users = await prisma().membership.findMany({ where: { organizationId: organization.id }, select: { userId: true } });
    await prisma().organization.deleteMany({ where: { id: organization.id } });
    await prisma().user.deleteMany({ where: { id: { in: users.map((row) => row.userId) } } });
  }
});

test("a connection with many profiles and deliveries: the delete page names the first and links to all; the delivery log pages back to the newest", async ({ page }) => {
  const { admin, organization } = await ownOrganization(page, "Crowded");
  const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull, organizationId: organization.id, ownerId: admin.id, name: uniqueName("Crowded") });
  const names = Array.from({ length: 27 }, (_, index) => `crowded-${String(index).padStart(2, "0")}`);
  for (const name of names) {
    await seedProfile({ organizationId: organization.id, connectionId: connection.id, name, projectId: DEFAULT_PROJECTS.mobileIos.id, projectName: DEFAULT_PROJECTS.mobileIos.name, repositoryId: DEFAULT_REPOS.walletApp.id, repositoryName: DEFAULT_REPOS.walletApp.name, createdById: admin.id });
  }

  await test.step("the delete page counts every profile, names the first 25 by name and links to the rest", async () => {
    await page.goto(`/connections/${connection.id}/delete`);
    await expect(page.getByRole("heading", { name: "27 build profiles use it" })).toBeVisible();
    const named = page.getByRole("list", { name: "Build profiles that will be disconnected" }).getByRole("listitem");
    await expect(named).toHaveCount(25);
    await expect(named.first()).toContainText("crowded-00");
    await expect(named.last()).toContainText("crowded-24");
    await expect(page.getByText("And 2 more.")).toBeVisible();
    await page.getByRole("link", { name: "See all 27 on the build profiles list" }).click();
    await expect(page).toHaveURL(new RegExp(`/profiles\\?connection=${connection.id}`));
    await expect(page.getByRole("link", { name: "crowded-26" })).toBeVisible();
  });

  await test.step("the delivery log: 50 newest, older ones, then back to the newest", async () => {
    // Before any: without service hooks, a push would deliver nothing; the log says what starts deliveries.
    await page.goto(`/connections/${connection.id}/deliveries`);
    await expect(page.getByText("No deliveries: Azure DevOps sends them once this connection has service hooks")).toBeVisible();
    const start = Date.now() - 3_600_000;
    await prisma().hookDelivery.createMany({
      data: Array.from({ length: 55 }, (_, index) => ({
        organizationId: organization.id,
        connectionId: connection.id,
        remoteSubscriptionId: "crowded-subscription",
        notificationId: index + 1,
        eventType: "git.push",
        status: "PROCESSED" as const,
        branch: `refs/heads/branch-${index + 1}`,
        payload: {},
        receivedAt: new Date(start + index * 1_000),
      })),
    });
    await page.reload();
    await expect(page.getByRole("navigation", { name: "Breadcrumb" })).toContainText("Service hooks");
    const deliveries = page.getByRole("list", { name: "Deliveries" }).locator(":scope > li");
    await expect(deliveries).toHaveCount(50);
    await expect(deliveries.first()).toContainText("branch-55");
    const pages = page.getByRole("navigation", { name: "Delivery pages" });
    await expect(pages.getByRole("link", { name: "Newest deliveries" })).toHaveCount(0);
    await pages.getByRole("link", { name: "Older deliveries" }).click();
    await expect(deliveries).toHaveCount(5);
    await expect(deliveries.first()).toContainText("branch-5");
    await expect(pages.getByRole("link", { name: "Older deliveries" })).toHaveCount(0);
    await pages.getByRole("link", { name: "Newest deliveries" }).click();
    await expect(page).toHaveURL(new RegExp(`/connections/${connection.id}/deliveries$`));
    await expect(deliveries).toHaveCount(50);
    await expectNoSeriousA11yViolations(page, "delivery log");
  });
});

test("an OAuth connection whose stored authorization cannot be read is re-authorized, never asked for a token", async ({ page }) => {
  const { admin, organization } = await ownOrganization(page, "Unreadable");
  const name = uniqueName("Unreadable OAuth");
  const connection = await prisma().connection.create({
    data: {
      organizationId: organization.id,
      ownerId: admin.id,
      name,
      nameKey: name.toLowerCase(),
      deploymentType: "SERVICES",
      authMethod: "OAUTH",
      oauthProvider: "azure-devops",
      serverUrl: EMULATOR_URL,
      collection: "fabrikam",
      status: "CREDENTIALS_UNREADABLE",
      statusReason: "Keel cannot decrypt the stored authorization.",
    },
  });
  await page.goto(`/connections/${connection.id}`);
  const alert = page.getByRole("alert").filter({ hasText: "Keel cannot decrypt the stored authorization." });
  await expect(alert).toContainText("Sign in to Azure DevOps OAuth again and approve Keel's access.");
  await expect(alert.getByRole("button", { name: "Re-authorize" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Enter a token" })).toHaveCount(0);
  await expectNoSeriousA11yViolations(page, "unreadable OAuth connection");
  // The picker says the same.
  await page.goto(`/connections/${connection.id}/repositories`);
  await expect(page.getByRole("link", { name: "Re-authorize it on the connection's page" })).toHaveAttribute("href", `/connections/${connection.id}`);
  await expect(page.getByRole("link", { name: "Enter a new Personal Access Token" })).toHaveCount(0);
});
