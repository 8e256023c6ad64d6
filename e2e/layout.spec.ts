// Every key page at desktop (1280 px) and phone (390 px) width: the document never scrolls
// sideways, axe finds no serious violation, and a full-page screenshot of each is kept as an
// attachment (test-results/ and the HTML report; never committed, never compared to a baseline:
// pixels differ between machines). Also the skip link and the phone menu by keyboard.
// One signed-in page per width walks all pages, so the whole spec costs two sessions.
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { randomBytes, randomUUID } from "node:crypto";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS, DEFAULT_USERS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { startPatWizard } from "./support/connect-wizard";
import { removeConnection, seedPatConnection, uniqueName } from "./support/connections";
import { createUser, prisma, removeUser } from "./support/db";
import { emulator } from "./support/emulator";
import { answerConsent, openOAuthStep } from "./support/oauth";
import { seedProfile } from "./support/profiles";

type Fixture = { admin: Awaited<ReturnType<typeof createUser>>; connectionId: string; profileId: string; buildId: string };

const WIDTHS = [
  { name: "desktop", width: 1280, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;

let fixture: Fixture;


test.beforeAll(async () => {
  const admin = await createUser({ role: "ADMIN", name: "Lea Layout" });
  const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull, ownerId: admin.id, name: uniqueName("Layout Fabrikam") });
  const profile = await seedProfile({
    connectionId: connection.id,
    // Long enough to wrap on a phone; the page must wrap it, not scroll.
    name: uniqueName("Wallet for iPhone and iPad, release candidate builds"),
    projectId: DEFAULT_PROJECTS.mobileIos.id,
    projectName: DEFAULT_PROJECTS.mobileIos.name,
    repositoryId: DEFAULT_REPOS.walletApp.id,
    repositoryName: DEFAULT_REPOS.walletApp.name,
    remoteUrl: `${connection.serverUrl}/fabrikam/MOBILE_IOS/_git/Wallet%20App`,
    webUrl: `${connection.serverUrl}/fabrikam/MOBILE_IOS/_git/Wallet%20App`,
    createdById: admin.id,
  });
  const main = (await emulator.refs({ organization: "fabrikam", project: DEFAULT_PROJECTS.mobileIos.name, repository: DEFAULT_REPOS.walletApp.name })).find((ref) => ref.name === "refs/heads/main")!.objectId;
  const build = await prisma().build.create({
    data: {
      organizationId: connection.organizationId,
      profileId: profile.id,
      number: 1,
      status: "SUCCEEDED",
      trigger: "MANUAL",
      requestedById: admin.id,
      idempotencyKey: randomUUID(),
      commitId: main,
      branch: "refs/heads/main",
      commitMessage: "Bump the version for the release candidate",
      steps: [{ name: "build", command: "./build.sh build" }],
      timeoutSeconds: 600,
      queuedAt: new Date(Date.now() - 120_000),
      startedAt: new Date(Date.now() - 110_000),
      finishedAt: new Date(Date.now() - 20_000),
    },
  });
  // Signing files as Keel read them (lib/shared/signing-files.ts): the workflow page's table with
  // badges, long names and fingerprints. Only what the page lists; the sealed content is never opened.
  const ends = new Date(Date.now() + 20 * 86_400_000).toISOString();
  const fingerprint = (bytes: number) => Array.from({ length: bytes }, (_, index) => (index * 37 % 256).toString(16).padStart(2, "0").toUpperCase()).join(":");
  const files = [
    {
      variable: "IOS_DISTRIBUTION_PROVISIONING_PROFILE",
      fileName: "Fabrikam_Wallet_Ad_Hoc_Distribution_2026.mobileprovision",
      signing: { kind: "provisioning-profile", name: "Fabrikam Wallet Ad Hoc Distribution 2026", uuid: randomUUID(), team: "Fabrikam Mobile Ltd", teamId: "ABCDE12345", appId: "com.fabrikam.wallet", distribution: "ad-hoc", devices: 12, deviceIds: [], profileExpiresAt: ends, certificates: [{ name: "Apple Distribution: Fabrikam Mobile Ltd (ABCDE12345)", expiresAt: ends }], expiresAt: ends },
    },
    {
      variable: "ANDROID_UPLOAD_KEYSTORE",
      fileName: "upload-keystore.jks",
      signing: { kind: "keystore", format: "jks", certificates: [{ name: "CN=Fabrikam Upload Key, O=Fabrikam Mobile Ltd", alias: "upload", expiresAt: new Date(Date.now() + 9_000 * 86_400_000).toISOString(), sha1: fingerprint(20), sha256: fingerprint(32) }], expiresAt: null },
    },
  ];
  for (const file of files) {
    await prisma().buildSecretFile.create({
      data: { organizationId: connection.organizationId, profileId: profile.id, ...file, contentSealed: "unused", size: 4_096, sha256: "0".repeat(64), expiresAt: file.signing.expiresAt ? new Date(file.signing.expiresAt) : null, uploadedById: admin.id },
    });
  }
  // The service hooks Keel keeps for the repository: the connection page's five-column table.
  for (const eventType of ["git.push", "git.pullrequest.created", "git.pullrequest.updated"]) {
    await prisma().hookSubscription.create({
      data: {
        organizationId: connection.organizationId,
        connectionId: connection.id,
        projectId: DEFAULT_PROJECTS.mobileIos.id,
        repositoryId: DEFAULT_REPOS.walletApp.id,
        eventType,
        urlKey: randomBytes(24).toString("base64url"),
        basicUsername: "keel-layout",
        passwordHash: "0".repeat(64),
        passwordSealed: "unused",
        state: "ACTIVE",
        lastVerifiedAt: new Date(),
      },
    });
  }
  fixture = { admin, connectionId: connection.id, profileId: profile.id, buildId: build.id };
});

test.afterAll(async () => {
  if (!fixture) {
    return;
  }
  for (const connection of await prisma().connection.findMany({ where: { OR: [{ ownerId: fixture.admin.id }, { account: { userId: fixture.admin.id } }] }, select: { id: true } })) {
    await removeConnection(connection.id);
  }
  await prisma().connectDraft.deleteMany({ where: { userId: fixture.admin.id } });
  await removeUser(fixture.admin.id);
});

/** Elements that stick out past the right edge (to say *what* scrolls sideways, not just that something does). */
async function sidewaysOverflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; culprits: string[] }> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const clientWidth = root.clientWidth;
    const culprits: string[] = [];
    if (root.scrollWidth > clientWidth) {
      for (const element of Array.from(document.body.querySelectorAll<HTMLElement>("*"))) {
        const box = element.getBoundingClientRect();
        const inside = element.parentElement?.getBoundingClientRect();
        // Report the outermost offender of each branch (its parent still fits).
        if (box.right > clientWidth + 0.5 && (!inside || inside.right <= clientWidth + 0.5)) {
          culprits.push(`${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}.${String(element.className).split(" ").slice(0, 4).join(".")} (${Math.round(box.right)} px): ${(element.textContent ?? "").trim().slice(0, 60)}`);
        }
      }
    }
    return { scrollWidth: root.scrollWidth, clientWidth, culprits: culprits.slice(0, 8) };
  });
}

/** The checks every page gets: no sideways scroll, a screenshot kept, no serious axe violation. */
async function checkPage(page: Page, testInfo: TestInfo, width: string, name: string): Promise<void> {
  await test.step(`${name} (${width})`, async () => {
    await page.waitForLoadState("load");
    await expect(page.locator("h1").first()).toBeVisible();
    const overflow = await sidewaysOverflow(page);
    // Soft: one run names every page that scrolls sideways, not only the first.
    expect.soft(overflow.culprits, `${name} at ${width} scrolls sideways (${overflow.scrollWidth} > ${overflow.clientWidth})`).toEqual([]);
    expect.soft(overflow.scrollWidth, `${name} at ${width} scrolls sideways`).toBeLessThanOrEqual(overflow.clientWidth);
    const file = testInfo.outputPath(`${width}-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.png`);
    // Headless Chromium now and then answers "Unable to capture screenshot" (a protocol error, not
    // the page's): the screenshot is taken again, the page is not let off.
    await expect(async () => {
      await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
    }).toPass({ timeout: 20_000 });
    await testInfo.attach(`${name} · ${width}`, { path: file, contentType: "image/png" });
    await expectNoSeriousA11yViolations(page, `${name} at ${width}`);
  });
}

for (const size of WIDTHS) {
  test.describe(`${size.name} (${size.width} px)`, () => {
    test.use({ viewport: { width: size.width, height: size.height } });

    test("every key page fits the width, keeps a screenshot and passes axe", async ({ page }, testInfo) => {
      test.setTimeout(300_000);
      const visit = async (name: string, path: string) => {
        await page.goto(path);
        await checkPage(page, testInfo, size.name, name);
      };
      await visit("sign-in", "/signin");
      await visit("setup after setup", "/setup");
      await signInPage(page, fixture.admin.email, fixture.admin.password);

      await visit("connections", "/connections");
      await visit("connection", `/connections/${fixture.connectionId}`);
      await test.step("connection after a check (the check report)", async () => {
        await page.getByRole("button", { name: "Check now" }).click();
        await expect(page.getByRole("button", { name: "Check now" })).toBeEnabled({ timeout: 30_000 });
        await expect(page.getByText("Not checked yet", { exact: true })).toHaveCount(0, { timeout: 30_000 });
      });
      await checkPage(page, testInfo, size.name, "connection checked");
      await visit("connection edit", `/connections/${fixture.connectionId}/edit`);
      await visit("connection delete", `/connections/${fixture.connectionId}/delete`);
      await visit("picker", `/connections/${fixture.connectionId}/repositories`);
      await expect(page.getByTestId("listing-summary")).toContainText("repositories in", { timeout: 45_000 });
      await checkPage(page, testInfo, size.name, "picker loaded");
      await test.step(size.width < 1024 ? "the project rail collapses into a select on a phone" : "the project rail shows beside the repositories", async () => {
        const rail = page.getByRole("list", { name: "Projects" });
        const select = page.getByRole("combobox", { name: "Project", exact: true });
        await expect(size.width < 1024 ? select : rail).toBeVisible();
        await expect(size.width < 1024 ? rail : select).toBeHidden();
      });

      await visit("connect: provider", "/connect");
      await startPatWizard(page, "SERVICES");
      await checkPage(page, testInfo, size.name, "connect: PAT form");
      await page.goBack();
      await checkPage(page, testInfo, size.name, "connect: method");
      await openOAuthStep(page);
      await checkPage(page, testInfo, size.name, "connect: OAuth provider chooser");
      await test.step("OAuth organization chooser", async () => {
        await page.getByRole("radio", { name: /^Azure DevOps OAuth/ }).check();
        await page.getByRole("button", { name: "Continue to sign in" }).click();
        await answerConsent(page, DEFAULT_USERS.priya, "Accept");
        await expect(page).toHaveURL(/\/oauth\/organizations$/);
      });
      await checkPage(page, testInfo, size.name, "connect: OAuth organizations");
      await test.step("service principal form", async () => {
        await page.goto("/connect");
        await page.getByRole("radio", { name: /^Azure DevOps Services/ }).check();
        await page.getByRole("button", { name: "Continue" }).click();
        await expect(page).toHaveURL(/\/method$/);
        await page.getByRole("radio", { name: /^Service principal \(Microsoft Entra ID\)/ }).check();
        await page.getByRole("button", { name: "Continue" }).click();
        await expect(page).toHaveURL(/\/connect\/[0-9a-f-]{36}\/service-principal$/);
      });
      await checkPage(page, testInfo, size.name, "connect: service principal");

      await visit("profiles", "/profiles");
      await visit("profile", `/profiles/${fixture.profileId}`);
      await visit("profile workflow", `/profiles/${fixture.profileId}/workflow`);
      await visit("profile insights", `/profiles/${fixture.profileId}/insights`);
      await visit("new profile", "/profiles/new");
      await visit("builds", "/builds");
      await visit("build", `/builds/${fixture.buildId}`);
      await visit("settings", "/settings");
      await visit("members", "/settings/members");
      await visit("network", "/settings/network");
      await visit("workers", "/settings/workers");
      await visit("webhooks", "/settings/webhooks");
      await visit("signing files", "/settings/signing");
      await visit("audit", "/settings/audit");
      await visit("Entra ID settings", "/settings/entra");
    });
  });
}

test.describe("keyboard", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("the skip link moves focus to the main content; the phone menu opens, closes and navigates by keyboard", async ({ page }, testInfo) => {
    await signInPage(page, fixture.admin.email, fixture.admin.password);
    await page.goto("/connections");
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    await expect(skip).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page.locator("main#main")).toBeFocused();

    const menu = page.getByRole("button", { name: "Menu", exact: true });
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(nav.getByRole("link", { name: "Builds" })).toBeHidden();
    await menu.focus();
    await page.keyboard.press("Enter");
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    // Focus moves into the menu, on its first link.
    await expect(nav.getByRole("link", { name: "Connections" })).toBeFocused();
    await testInfo.attach("phone menu open", { body: await page.screenshot(), contentType: "image/png" });
    await expectNoSeriousA11yViolations(page, "phone menu open");
    await page.keyboard.press("Escape");
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(nav.getByRole("link", { name: "Builds" })).toBeHidden();
    await expect(menu).toBeFocused();

    await page.keyboard.press("Space");
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    await expect(nav.getByRole("link", { name: "Connections" })).toBeFocused();
    await page.keyboard.press("Tab");
    await expect(nav.getByRole("link", { name: "Build profiles" })).toBeFocused();
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/profiles$/);
    await expect(page.getByRole("heading", { level: 1, name: "Build profiles" })).toBeVisible();
    // A new page closes the menu.
    await expect(menu).toHaveAttribute("aria-expanded", "false");
  });
});

test.describe("slow pages", () => {
  test("a header link says it is opening its page until the page is there", async ({ page }) => {
    await signInPage(page, fixture.admin.email, fixture.admin.password);
    await page.goto("/connections");
    const builds = page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /Builds/ });
    await expect(builds).toHaveAccessibleName("Builds");
    // The server answers the navigation a second late (the route holds the request).
    await page.route(/\/builds(\?|$)/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await route.continue();
    });
    await builds.click();
    await expect(builds).toHaveAccessibleName("(opening) Builds");
    await page.waitForURL(/\/builds$/);
    await expect(page.getByRole("heading", { level: 1, name: "Builds" })).toBeVisible();
    await expect(builds).toHaveAccessibleName("Builds");
  });
});
