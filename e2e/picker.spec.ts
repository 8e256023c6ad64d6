// The repository picker and creating a build profile from it, against the emulator: the
// wizard's last step, a cloud organization, a Server collection behind /tfs, the 1,000-repository
// organization, empty and oddly named repositories, and tampered posts. Database assertions
// after each journey.
import { randomUUID } from "node:crypto";
import net from "node:net";
import { expect, test, type Page, type Request } from "@playwright/test";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS, DEFAULT_SERVERS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { startPatWizard } from "./support/connect-wizard";
import { removeConnection, seedPatConnection, uniqueName } from "./support/connections";
import { prisma } from "./support/db";
import { emulator, emulatorDeployment } from "./support/emulator";
import { EMULATOR_URL, FIRST_ADMIN, KEEL_URL } from "./support/settings";

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The picker row of a repository (its accessible name starts with the repository name). */
function repositoryRow(page: Page, name: string) {
  return page.getByRole("list", { name: "Repositories" }).getByRole("button", { name: new RegExp(`^${escapeRegex(name)} `) });
}

async function openPicker(page: Page, connectionId: string, expected?: string) {
  await page.goto(`/connections/${connectionId}/repositories`);
  // The first visit lists the connection in the background; the summary appears when it is done.
  await expect(page.getByTestId("listing-summary")).toContainText(expected ?? "repositories in", { timeout: 45_000 });
}

async function fillProfile(page: Page, input: { name?: string; platform: string; branch?: string }) {
  const form = page.getByRole("form", { name: /Create a build profile for/ });
  if (input.name !== undefined) {
    await form.getByLabel("Name").fill(input.name);
  }
  await form.getByLabel("Target platform").selectOption(input.platform);
  if (input.branch !== undefined) {
    await form.getByLabel("Default branch").fill(input.branch);
  }
  return form;
}

async function profileIdFromUrl(page: Page): Promise<string> {
  await page.waitForURL(/\/profiles\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  return new URL(page.url()).pathname.split("/").at(-1)!;
}

test.describe("repository picker", () => {
  test.beforeEach(async ({ page }) => {
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
  });

  test("the connect wizard's save continues to the repository step, where a repository with spaces becomes a profile", async ({ page }) => {
    const name = uniqueName("Wizard Fabrikam");
    let connectionId: string | undefined;
    try {
      await test.step("connect fabrikam with a PAT through the wizard", async () => {
        await page.goto("/connect");
        await page.getByLabel(/Azure DevOps Services/).check();
        await page.getByRole("button", { name: "Continue" }).click();
        await page.getByLabel(/Personal Access Token \(User\)/).check();
        await page.getByRole("button", { name: "Continue" }).click();
        await page.getByLabel("Connection Name").fill(name);
        await page.getByLabel("Organization").fill("fabrikam");
        await page.getByLabel("Personal Access Token", { exact: true }).fill(DEFAULT_PATS.fabrikamFull);
        await page.getByRole("button", { name: "Check connection" }).click();
        await page.waitForURL(/\/connect\/[0-9a-f-]{36}\/check/, { timeout: 45_000 });
        await page.getByRole("button", { name: "Save connection" }).click();
      });

      await test.step("the save lands on the wizard's repository step", async () => {
        await page.waitForURL(/\/connections\/[0-9a-f-]{36}\/repositories\?step=wizard$/, { timeout: 45_000 });
        connectionId = new URL(page.url()).pathname.split("/")[2];
        const saved = await prisma().connection.findFirstOrThrow({ where: { id: connectionId } });
        expect(saved).toMatchObject({ name, collection: "fabrikam", authMethod: "PAT" });
        await expect(page.getByRole("navigation", { name: "Connect steps" }).locator('[aria-current="step"]')).toContainText("Repository");
        await expect(page.getByTestId("listing-summary")).toContainText("8 repositories in 4 projects", { timeout: 45_000 });
        await expectNoSeriousA11yViolations(page, "picker (wizard step)");
      });

      await test.step("pick “Wallet App”: the name (with its space) is the default profile name", async () => {
        await repositoryRow(page, "Wallet App").click();
        const form = page.getByRole("form", { name: "Create a build profile for Wallet App" });
        await expect(form.getByLabel("Name")).toHaveValue("Wallet App");
        await expect(form.getByLabel("Default branch")).toHaveValue("main");
        await expect(form.getByLabel("Default branch")).toHaveAccessibleDescription(new RegExp(`${DEFAULT_REPOS.walletApp.branches.length} branches`));
        await fillProfile(page, { platform: "IOS" });
        await form.getByRole("button", { name: "Create build profile" }).click();
      });

      await test.step("the profile exists once, with what Azure DevOps reported", async () => {
        const profileId = await profileIdFromUrl(page);
        await expect(page.getByRole("heading", { level: 1, name: "Wallet App" })).toBeVisible();
        await expect(page.getByLabel("HTTPS")).toHaveValue(/\/fabrikam\/MOBILE_IOS\/_git\/Wallet%20App$/);
        const profile = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profileId } });
        expect(profile).toMatchObject({
          connectionId,
          name: "Wallet App",
          nameKey: "wallet app",
          platform: "IOS",
          projectName: "MOBILE_IOS",
          repositoryId: DEFAULT_REPOS.walletApp.id.toLowerCase(),
          repositoryName: "Wallet App",
          defaultBranch: "refs/heads/main",
        });
        expect(profile.sshUrl).toMatch(/v3\/fabrikam\/MOBILE_IOS\/Wallet%20App$/);
        expect(await prisma().buildProfile.count({ where: { connectionId } })).toBe(1);
        expect(await prisma().auditEvent.count({ where: { action: "profile.created", targetId: profileId } })).toBe(1);
      });
    } finally {
      if (connectionId) {
        await removeConnection(connectionId);
      }
    }
  });

  test("a pasted clone URL opens the wizard's picker at its repository; the address keeps the search and the project", async ({ page }) => {
    const name = uniqueName("Pasted Fabrikam");
    let connectionId: string | undefined;
    try {
      await test.step("paste the clone URL of Wallet App, check and save", async () => {
        await startPatWizard(page, "SERVICES");
        const hint = page.locator('input[name="pastedRepository"]');
        await page.getByLabel("Paste any URL").fill(`${EMULATOR_URL}/fabrikam/MOBILE_IOS/_git/Wallet%20App`);
        await expect(hint).toHaveValue("Wallet App");
        // Pointed elsewhere, the fields no longer name that repository's organization: no hint.
        await page.getByLabel("Organization").fill("contoso");
        await expect(hint).toHaveValue("");
        await page.getByLabel("Organization").fill("fabrikam");
        await expect(hint).toHaveValue("Wallet App");
        await page.getByLabel("Connection Name").fill(name);
        await page.getByLabel("Personal Access Token", { exact: true }).fill(DEFAULT_PATS.fabrikamFull);
        await page.getByRole("button", { name: "Check connection" }).click();
        await page.waitForURL(/\/connect\/[0-9a-f-]{36}\/check/, { timeout: 45_000 });
        await page.getByRole("button", { name: "Save connection" }).click();
      });

      await test.step("the picker is searched for it, and it is picked", async () => {
        await page.waitForURL(/\/connections\/[0-9a-f-]{36}\/repositories\?step=wizard&q=Wallet\+App$/, { timeout: 45_000 });
        connectionId = new URL(page.url()).pathname.split("/")[2];
        await expect(page.getByText("Now pick the repository your first build profile builds (searched for “Wallet App” below).")).toBeVisible();
        await expect(page.getByLabel("Search repositories and projects")).toHaveValue("Wallet App");
        const form = page.getByRole("form", { name: "Create a build profile for Wallet App" });
        await expect(form.getByLabel("Name")).toHaveValue("Wallet App", { timeout: 45_000 });
        await expect(repositoryRow(page, "Wallet App")).toHaveAttribute("aria-pressed", "true");
      });

      await test.step("a search and a project go into the address, and a reload comes back to them", async () => {
        await page.getByLabel("Search repositories and projects").fill("sdk");
        await expect(page).toHaveURL(/[?&]q=sdk(&|$)/);
        await page.getByRole("button", { name: /^MOBILE_IOS/ }).click();
        await expect(page).toHaveURL(new RegExp(`[?&]project=${DEFAULT_PROJECTS.mobileIos.id}(&|$)`));
        await expect(page.getByTestId("repository-count")).toHaveText("1 repository in MOBILE_IOS matches “sdk”");
        await page.reload();
        await expect(page.getByLabel("Search repositories and projects")).toHaveValue("sdk");
        await expect(page.getByRole("heading", { name: "Repositories in MOBILE_IOS" })).toBeVisible();
        await expect(page.getByTestId("repository-count")).toHaveText("1 repository in MOBILE_IOS matches “sdk”");
        await expect(repositoryRow(page, DEFAULT_REPOS.iosSdk.name)).toBeVisible();
        // Nothing was picked by itself this time: only the wizard's pasted repository is.
        await expect(page.getByRole("form", { name: /Create a build profile for/ })).toHaveCount(0);
        await page.getByLabel("Search repositories and projects").fill("");
        await expect(page).not.toHaveURL(/[?&]q=/);
      });

      await test.step("a project that is not an id is named and ignored", async () => {
        await page.goto(`/connections/${connectionId}/repositories?project=not-a-project&q=wallet`);
        await expect(page.getByText("Project must be an Azure DevOps project id (a GUID)")).toBeVisible();
        await expect(page.getByRole("heading", { name: "Repositories in fabrikam" })).toBeVisible();
        await expect(page.getByLabel("Search repositories and projects")).toHaveValue("wallet");
      });
    } finally {
      if (connectionId) {
        await removeConnection(connectionId);
      }
    }
  });

  test("a cloud organization: projects, badges, a non-ASCII name and a non-default branch", async ({ page }) => {
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    try {
      await openPicker(page, connection.id, "8 repositories in 4 projects");
      await test.step("rows show project, default branch, size and badges", async () => {
        await expect(repositoryRow(page, "empty-repo")).toContainText("Empty");
        await expect(repositoryRow(page, "empty-repo")).toContainText("no branches yet");
        await expect(repositoryRow(page, "legacy-disabled")).toContainText("Disabled");
        await expect(repositoryRow(page, "wallet-app-fork")).toContainText("Fork");
        await expect(repositoryRow(page, "ios-sdk")).toContainText("master");
        await expect(repositoryRow(page, "Wallet App")).toContainText(/MOBILE_IOS.*main.*KB/);
      });
      await test.step("keyboard: the skip link lands on the page; Down from the search reaches the rows; arrow keys move between them", async () => {
        await page.locator("body").focus();
        await page.keyboard.press("Tab");
        await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
        await page.keyboard.press("Enter");
        await expect(page.locator("main#main")).toBeFocused();
        const rows = page.getByRole("list", { name: "Repositories" }).getByRole("button");
        await page.getByLabel("Search repositories and projects").focus();
        await page.keyboard.press("ArrowDown");
        await expect(rows.nth(0)).toBeFocused();
        await page.keyboard.press("ArrowDown");
        await expect(rows.nth(1)).toBeFocused();
        await page.keyboard.press("ArrowUp");
        await expect(rows.nth(0)).toBeFocused();
        await page.keyboard.press("End");
        await expect(rows.last()).toBeFocused();
        await page.keyboard.press("Home");
        await expect(rows.nth(0)).toBeFocused();
      });
      await test.step("a project shows only its repositories", async () => {
        await page.getByRole("list", { name: "Projects" }).getByRole("button", { name: /^Fabrikam Fiber/ }).click();
        await expect(page.getByTestId("repository-count")).toHaveText("4 repositories in Fabrikam Fiber");
        await expect(page.getByRole("list", { name: "Repositories" }).getByRole("button")).toHaveCount(4);
      });
      await test.step("“Ünïcödé-Café” renders and round-trips", async () => {
        await expect(repositoryRow(page, "Ünïcödé-Café")).toBeVisible();
        await repositoryRow(page, "Ünïcödé-Café").click();
        const form = page.getByRole("form", { name: "Create a build profile for Ünïcödé-Café" });
        await expect(form.getByLabel("Name")).toHaveValue("Ünïcödé-Café");
        await expect(form.getByLabel("Default branch")).toHaveAccessibleDescription(/2 branches/);
        await fillProfile(page, { platform: "FLUTTER", branch: "feature/ümlaut-branch" });
        await expectNoSeriousA11yViolations(page, "picker with the create form");
        await form.getByRole("button", { name: "Create build profile" }).click();
      });
      const profileId = await profileIdFromUrl(page);
      await expect(page.getByRole("heading", { level: 1, name: "Ünïcödé-Café" })).toBeVisible();
      await expectNoSeriousA11yViolations(page, "profile page");
      const profile = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profileId } });
      expect(profile).toMatchObject({ name: "Ünïcödé-Café", nameKey: "ünïcödé-café", platform: "FLUTTER", repositoryName: "Ünïcödé-Café", projectName: "Fabrikam Fiber", defaultBranch: "refs/heads/feature/ümlaut-branch" });

      await test.step("the same name again (other capitals) is refused, naming the field", async () => {
        await openPicker(page, connection.id);
        await repositoryRow(page, "Fabrikam Fiber").click();
        const form = await fillProfile(page, { name: "ÜNÏCÖDÉ-CAFÉ", platform: "OTHER" });
        await form.getByRole("button", { name: "Create build profile" }).click();
        await expect(form.getByText('A build profile named "ÜNÏCÖDÉ-CAFÉ" already exists. Choose another name.')).toBeVisible();
        await expect(form.getByLabel("Name")).toHaveValue("ÜNÏCÖDÉ-CAFÉ");
        expect(await prisma().buildProfile.count({ where: { connectionId: connection.id } })).toBe(1);
      });
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("an empty repository becomes a profile without a branch", async ({ page }) => {
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    const name = uniqueName("Empty profile");
    try {
      await openPicker(page, connection.id);
      await repositoryRow(page, "empty-repo").click();
      const form = page.getByRole("form", { name: "Create a build profile for empty-repo" });
      await expect(form.getByText("This repository is empty. Branches appear after the first push")).toBeVisible();
      await expect(form.getByLabel("Default branch")).toHaveCount(0);
      await fillProfile(page, { name, platform: "REACT_NATIVE" });
      await form.getByRole("button", { name: "Create build profile" }).click();
      const profileId = await profileIdFromUrl(page);
      await expect(page.getByText("This repository is empty. Branches appear after the first push.")).toBeVisible();
      await expect(page.getByText("None yet (the repository was empty)")).toBeVisible();
      const profile = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profileId } });
      expect(profile).toMatchObject({ name, platform: "REACT_NATIVE", repositoryId: DEFAULT_REPOS.empty.id.toLowerCase(), defaultBranch: null });
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("1,000 repositories: the server searches, pages arrive as you scroll, the DOM stays small", async ({ page }) => {
    const connection = await seedPatConnection({ collection: "bigcorp", token: DEFAULT_PATS.bigcorp });
    const pageRequests: string[] = [];
    page.on("request", (request: Request) => {
      if (request.url().includes(`/api/connections/${connection.id}/repositories`)) {
        pageRequests.push(request.url());
      }
    });
    try {
      await openPicker(page, connection.id, "1,000 repositories in 40 projects");
      await expect(page.getByTestId("repository-count")).toHaveText("1,000 repositories");
      const listing = await prisma().repositoryListing.findUniqueOrThrow({ where: { connectionId: connection.id } });
      expect(listing).toMatchObject({ status: "READY", projectsTotal: 40, projectsListed: 40, repositoriesListed: 1_000 });
      expect(await prisma().listedRepository.count({ where: { connectionId: connection.id, generation: listing.readyGeneration! } })).toBe(1_000);

      await test.step("a visit brings the first rows in the HTML: nothing is fetched for them and nothing moves", async () => {
        const first = (await prisma().listedRepository.findFirstOrThrow({ where: { connectionId: connection.id }, orderBy: [{ nameKey: "asc" }, { repositoryId: "asc" }] })).name;
        const html = await (await page.request.get(`/connections/${connection.id}/repositories`)).text();
        expect(html).toContain(first);
        expect(html).toContain("1,000 repositories in 40 projects");
        const before = pageRequests.length;
        const errors: string[] = [];
        page.on("console", (message) => {
          if (message.type() === "error") {
            errors.push(message.text());
          }
        });
        await page.goto(`/connections/${connection.id}/repositories`);
        await expect(repositoryRow(page, first)).toBeVisible();
        await page.waitForLoadState("networkidle");
        // No fetch of the first page after the script started, and no hydration complaint.
        expect(pageRequests.slice(before)).toEqual([]);
        expect(errors).toEqual([]);
      });

      await test.step("scrolling to the end loads every page, with only a window of rows in the DOM", async () => {
        const viewport = page.getByTestId("Repositories-viewport");
        const rows = page.getByRole("list", { name: "Repositories" }).getByRole("listitem");
        // The last row in the database's own order (its collation decides, as for the pages).
        const lastName = (await prisma().listedRepository.findFirstOrThrow({ where: { connectionId: connection.id }, orderBy: [{ nameKey: "desc" }, { repositoryId: "desc" }] })).name;
        const last = repositoryRow(page, lastName);
        for (let step = 0; step < 60 && !(await last.isVisible()); step += 1) {
          await viewport.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
          await page.waitForTimeout(150);
          expect(await rows.count()).toBeLessThan(60);
        }
        await expect(last).toBeVisible();
        await expect(last).toHaveAttribute("aria-pressed", "false");
        await expect(page.getByRole("list", { name: "Repositories" }).getByRole("listitem").last()).toHaveAttribute("aria-setsize", "1000");
        // 1,000 rows at 50 a page: the first page plus 19 keyset pages, each asked for once.
        const cursors = pageRequests.filter((url) => url.includes("cursor="));
        expect(cursors.length).toBe(19);
        expect(new Set(cursors).size).toBe(cursors.length);
      });

      await test.step("a search is answered by the server across all projects", async () => {
        await page.getByLabel("Search repositories and projects").fill("TEAM-0007");
        await expect(page.getByTestId("repository-count")).toHaveText("25 repositories match “TEAM-0007”");
        expect(pageRequests.some((url) => url.includes("q=TEAM-0007"))).toBe(true);
        await page.getByLabel("Search repositories and projects").fill("infra-25");
        await expect(page.getByTestId("repository-count")).toHaveText("40 repositories match “infra-25”");
        // Every name has "team": the count stops at 200 and asks for more of the name; the rows
        // still page on, and the list tells assistive technology its size is unknown.
        await page.getByLabel("Search repositories and projects").fill("team");
        await expect(page.getByTestId("repository-count")).toHaveText("More than 200 repositories match “team”: type more of the name to narrow it down");
        await expect(page.getByRole("list", { name: "Repositories" }).getByRole("listitem").first()).toHaveAttribute("aria-setsize", "-1");
        await page.getByLabel("Search repositories and projects").fill("no-such-repository");
        await expect(page.getByRole("heading", { name: "No repositories match “no-such-repository”" })).toBeVisible();
        await page.getByRole("button", { name: "Clear the search" }).click();
        await expect(page.getByTestId("repository-count")).toHaveText("1,000 repositories");
      });

      await test.step("a search result becomes a profile", async () => {
        await page.getByLabel("Search repositories and projects").fill("team-0013-payments-07");
        await expect(page.getByTestId("repository-count")).toHaveText("1 repository matches “team-0013-payments-07”");
        const repositoryName = "team-0013-payments-07";
        await repositoryRow(page, repositoryName).click();
        const name = uniqueName("Bigcorp");
        const form = await fillProfile(page, { name, platform: "DOTNET_MAUI" });
        await form.getByRole("button", { name: "Create build profile" }).click();
        const profileId = await profileIdFromUrl(page);
        const profile = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profileId } });
        expect(profile).toMatchObject({ name, platform: "DOTNET_MAUI", repositoryName, projectName: "Team-0013", defaultBranch: "refs/heads/main" });
      });

      await test.step("Refresh lists the organization again and shows the progress", async () => {
        await openPicker(page, connection.id);
        // Slow bigcorp's repository lists down (only this spec uses bigcorp) so the progress
        // is on screen long enough to be read, however fast the machine is.
        const slow = await emulator.addFault({ kind: "latency", ms: 700, pathPrefix: "/bigcorp/", deployment: "services" });
        try {
          await page.getByRole("button", { name: "Refresh" }).click();
          await expect(page.getByText(/Listing repositories: \d+ of 40 projects|Finding projects/)).toBeVisible();
        } finally {
          await emulator.removeFault(slow);
        }
        await expect(page.getByTestId("listing-summary")).toContainText("1,000 repositories in 40 projects", { timeout: 45_000 });
        const refreshed = await prisma().repositoryListing.findUniqueOrThrow({ where: { connectionId: connection.id } });
        expect(refreshed.readyGeneration).toBe(listing.readyGeneration! + 1);
        expect(await prisma().listedRepository.count({ where: { connectionId: connection.id } })).toBe(1_000);
      });
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("a project without repositories says so, and what to do", async ({ page }) => {
    const connection = await seedPatConnection({ deployment: "server2022", collection: "ResearchCollection", token: DEFAULT_PATS.server2022 });
    try {
      await openPicker(page, connection.id, "1 repository in 2 projects");
      const projects = page.getByRole("list", { name: "Projects" });
      await projects.getByRole("button", { name: /^Planning/ }).click();
      await expect(page.getByRole("heading", { name: "This project has no repositories" })).toBeVisible();
      await expect(page.getByText("Create a repository in Azure DevOps, then refresh the list, or pick another project.")).toBeVisible();
      await expectNoSeriousA11yViolations(page, "picker: empty project");
      await projects.getByRole("button", { name: /^Research/ }).click();
      await expect(repositoryRow(page, "prototypes")).toBeVisible();
      const listed = await prisma().listedProject.findMany({ where: { connectionId: connection.id }, select: { name: true, repositoryCount: true } });
      expect(listed.map((project) => [project.name, project.repositoryCount]).sort()).toEqual([
        ["Planning", 0],
        ["Research", 1],
      ]);
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("a listing no worker has started yet reads as queued, and after a while says a worker may be missing", async ({ page }) => {
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    try {
      // A request made a minute ago that no worker took (none running): not yet stale enough
      // to be made again, so the page shows it as it is.
      const organizationId = (await prisma().connection.findUniqueOrThrow({ where: { id: connection.id } })).organizationId;
      const queuedAt = new Date(Date.now() - 60_000);
      await prisma().repositoryListing.create({ data: { organizationId, connectionId: connection.id, status: "QUEUED", generation: 0, queuedAt, startedAt: queuedAt, heartbeatAt: queuedAt } });
      await page.goto(`/connections/${connection.id}/repositories`);
      const queued = page.getByTestId("listing-queued");
      await expect(queued).toContainText("Waiting for a Keel worker to start listing the repositories…");
      await expect(queued).toContainText("no worker has picked the listing up yet");
      // Rows are on their way, not missing: no "no repositories" verdict while queued.
      await expect(page.getByText("No repositories in this organization")).toHaveCount(0);
      await expect(page.getByText("No projects in this organization.")).toHaveCount(0);
      await expectNoSeriousA11yViolations(page, "picker: listing queued");
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("a Server 2022.1 collection behind /tfs: pick, create, and the clone URL keeps /tfs", async ({ page }) => {
    const connection = await seedPatConnection({ deployment: "server2022", collection: DEFAULT_SERVERS.server2022.collection, token: DEFAULT_PATS.server2022 });
    const server = await emulatorDeployment("server2022");
    const name = uniqueName("Server wallet");
    try {
      await openPicker(page, connection.id, "4 repositories in 2 projects");
      await expect(page.getByRole("heading", { name: "Repositories in DefaultCollection" })).toBeVisible();
      await repositoryRow(page, "wallet").click();
      const form = await fillProfile(page, { name, platform: "IOS", branch: "develop" });
      await form.getByRole("button", { name: "Create build profile" }).click();
      const profileId = await profileIdFromUrl(page);
      await expect(page.getByLabel("HTTPS")).toHaveValue(`${server.url}/DefaultCollection/MOBILE_IOS/_git/wallet`);
      await expect(page.getByRole("list", { name: "Branches" })).toContainText("feature/offline-mode");
      const profile = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profileId } });
      expect(profile).toMatchObject({
        name,
        projectName: "MOBILE_IOS",
        repositoryName: "wallet",
        repositoryId: DEFAULT_SERVERS.server2022.repositoryId.toLowerCase(),
        defaultBranch: "refs/heads/develop",
        remoteUrl: `${server.url}/DefaultCollection/MOBILE_IOS/_git/wallet`,
      });
      expect(server.url).toMatch(/\/tfs$/);
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("a tampered repository id is refused, in the form and posted to the action directly, and nothing is written", async ({ page }) => {
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    const name = uniqueName("Tampered");
    const foreignId = DEFAULT_SERVERS.server2022.repositoryId.toLowerCase();
    const walletId = DEFAULT_REPOS.walletApp.id.toLowerCase();
    let captured: { headers: Record<string, string>; body: Buffer } | undefined;
    try {
      await openPicker(page, connection.id);
      await repositoryRow(page, "Wallet App").click();
      const form = await fillProfile(page, { name, platform: "ANDROID" });
      // The browser's own post, rewritten on the way: the repository id of another deployment.
      await page.route(`**/connections/${connection.id}/repositories`, async (route) => {
        const request = route.request();
        if (request.method() !== "POST" || !request.headers()["next-action"]) {
          return route.continue();
        }
        const body = request.postDataBuffer()!;
        captured = { headers: request.headers(), body };
        expect(body.toString("utf8")).toContain(walletId);
        return route.continue({ postData: Buffer.from(body.toString("utf8").replaceAll(walletId, foreignId), "utf8") });
      });
      await form.getByRole("button", { name: "Create build profile" }).click();
      await expect(form.getByRole("alert").filter({ hasText: "That repository is not part of the organization fabrikam. Pick a repository from the list." }).first()).toBeVisible();
      await page.unroute(`**/connections/${connection.id}/repositories`);
      expect(captured).toBeDefined();

      await test.step("the same action request, replayed without a browser with a made-up id", async () => {
        const madeUp = randomUUID();
        const body = Buffer.from(captured!.body.toString("utf8").replaceAll(walletId, madeUp), "utf8");
        const { host: _host, "content-length": _length, cookie: _cookie, ...headers } = captured!.headers;
        const response = await page.request.post(`${KEEL_URL}/connections/${connection.id}/repositories`, { headers: { ...headers, origin: KEEL_URL }, data: body });
        expect(response.status()).toBe(200);
        expect(await response.text()).toContain("That repository is not part of the organization fabrikam");
      });

      expect(await prisma().buildProfile.count({ where: { connectionId: connection.id } })).toBe(0);
      expect(await prisma().buildProfile.count({ where: { name } })).toBe(0);
      const audits = await prisma().auditEvent.findMany({ where: { action: "profile.created" }, select: { data: true } });
      expect(audits.filter((audit) => JSON.stringify(audit.data).includes(name))).toHaveLength(0);

      await test.step("the untampered form still works, and a replay of its request creates nothing more", async () => {
        await form.getByRole("button", { name: "Create build profile" }).click();
        const profileId = await profileIdFromUrl(page);
        expect(await prisma().buildProfile.count({ where: { connectionId: connection.id } })).toBe(1);
        const profile = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profileId } });
        expect(profile.repositoryId).toBe(walletId);
        // The double submit: the same form (same idempotency key) posted twice more at once.
        const { host: _host, "content-length": _length, cookie: _cookie, ...headers } = captured!.headers;
        const replays = await Promise.all([1, 2].map(() => page.request.post(`${KEEL_URL}/connections/${connection.id}/repositories`, { headers: { ...headers, origin: KEEL_URL }, data: captured!.body, maxRedirects: 0 })));
        for (const replay of replays) {
          expect(replay.status()).toBeLessThan(400);
        }
        expect(await prisma().buildProfile.count({ where: { connectionId: connection.id } })).toBe(1);
        expect(await prisma().auditEvent.count({ where: { action: "profile.created", targetId: profileId } })).toBe(1);
      });
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("a server that calls itself localhost: the profile shows clone URLs rebuilt on the connection's address", async ({ page }) => {
    const connection = await seedPatConnection({ deployment: "server-localhost", collection: "DefaultCollection", token: DEFAULT_PATS.serverLocalhost });
    const server = await emulatorDeployment("server-localhost");
    try {
      await openPicker(page, connection.id, "1 repository in 1 project");
      await repositoryRow(page, "wallet").click();
      const form = await fillProfile(page, { name: uniqueName("Localhost wallet"), platform: "IOS" });
      await form.getByRole("button", { name: "Create build profile" }).click();
      const profileId = await profileIdFromUrl(page);
      // Stored as Azure DevOps reported it; shown corrected, with the reason and the fix.
      const profile = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profileId } });
      expect(profile.remoteUrl).toBe("http://localhost:8080/tfs/DefaultCollection/MOBILE_IOS/_git/wallet");
      await expect(page.getByLabel("HTTPS")).toHaveValue(`${server.origin}/tfs/DefaultCollection/MOBILE_IOS/_git/wallet`);
      await expect(page.getByLabel("SSH")).toHaveValue(`ssh://${new URL(server.origin).hostname}:22/tfs/DefaultCollection/MOBILE_IOS/_git/wallet`);
      const warning = page.getByRole("alert").filter({ hasText: "Corrected the server's clone URLs" });
      await expect(warning).toContainText("localhost:8080");
      await expect(warning).toContainText("Change Public URL");
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("listing errors show the doctor's explanations: an expired token, an unreachable server", async ({ page }) => {
    const expired = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamExpired });
    const unreachable = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    // A port nothing listens on: bound by the kernel's choice, then released.
    const closed = `http://127.0.0.1:${await closedPort()}`;
    await prisma().connection.update({ where: { id: unreachable.id }, data: { serverUrl: closed } });
    try {
      await page.goto(`/connections/${expired.id}/repositories`);
      const problem = page.getByRole("alert").filter({ hasText: "The token has expired" });
      await expect(problem).toBeVisible({ timeout: 45_000 });
      await expect(problem).toContainText("Access Denied: The Personal Access Token used has expired.");
      await expect(problem).toContainText("Replace token");
      await expect(problem.getByRole("button", { name: "Try again" })).toBeVisible();
      await expectNoSeriousA11yViolations(page, "picker with an error");
      const listing = await prisma().repositoryListing.findUniqueOrThrow({ where: { connectionId: expired.id } });
      expect(listing.status).toBe("FAILED");
      expect(listing.error).toMatchObject({ id: "token_expired" });
      expect(await prisma().listedRepository.count({ where: { connectionId: expired.id } })).toBe(0);
      // The refused token is the connection's health now, not only the picker's problem.
      await expect.poll(async () => (await prisma().connection.findUniqueOrThrow({ where: { id: expired.id } })).status).toBe("EXPIRED");
      await page.goto(`/connections/${expired.id}`);
      await expect(page.getByText("Expired", { exact: true }).first()).toBeVisible();
      await expect(page.getByText("The token has expired").first()).toBeVisible();
      await page.goto("/connections");
      await expect(page.getByRole("row").filter({ hasText: expired.name })).toContainText("The token has expired");

      await page.goto(`/connections/${unreachable.id}/repositories`);
      const refused = page.getByRole("alert").filter({ hasText: "refused the connection" });
      await expect(refused).toBeVisible({ timeout: 45_000 });
      await expect(refused).toContainText("allow Keel to connect to");
      expect((await prisma().repositoryListing.findUniqueOrThrow({ where: { connectionId: unreachable.id } })).error).toMatchObject({ id: "unreachable_refused" });
      // An unreachable server may be a passing outage: only Check calls the connection failing.
      expect((await prisma().connection.findUniqueOrThrow({ where: { id: unreachable.id } })).status).toBe("HEALTHY");
    } finally {
      await removeConnection(expired.id);
      await removeConnection(unreachable.id);
    }
  });

  test("the picker's JSON endpoints authenticate, scope by organization and validate every parameter", async ({ page, playwright }) => {
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    try {
      const anonymous = await playwright.request.newContext({ baseURL: KEEL_URL });
      const unauthenticated = await anonymous.get(`/api/connections/${connection.id}/repositories`);
      expect(unauthenticated.status()).toBe(401);
      await anonymous.dispose();

      const api = `/api/connections/${connection.id}`;
      expect((await page.request.get(`/api/connections/${randomUUID()}/repositories`)).status()).toBe(404);
      expect((await page.request.get(`/api/connections/not-an-id/repositories`)).status()).toBe(404);
      for (const [query, field] of [
        ["limit=0", "limit"],
        ["limit=abc", "limit"],
        ["project=../../etc", "project"],
        ["cursor=%7Bbad%7D", "cursor"],
        ["q=a&q=b", "q"],
        ["admin=true", "admin"],
      ] as const) {
        const response = await page.request.get(`${api}/repositories?${query}`);
        expect(response.status(), query).toBe(400);
        const body = (await response.json()) as { error: { code: string; fields: Record<string, string[]> } };
        expect(body.error.code).toBe("INVALID_INPUT");
        expect(Object.keys(body.error.fields), query).toContain(field);
      }
      expect((await page.request.get(`${api}/repositories/${randomUUID()}/branches`)).status()).toBe(404);
      const first = await page.request.get(`${api}/repositories?limit=3`);
      expect(first.headers()["cache-control"]).toBe("no-store");
      // The handler's own time, which bench:picker reads apart from the framework's.
      expect(first.headers()["server-timing"]).toMatch(/^picker;dur=\d+\.\d$/);
      expect((await page.request.get(`${api}/projects`)).headers()["server-timing"]).toMatch(/^picker;dur=\d+\.\d$/);
      // No token, no sealed value, no URL with credentials in what the browser gets.
      const text = await first.text();
      expect(text).not.toContain(DEFAULT_PATS.fabrikamFull);
      expect(text).not.toContain("tokenSealed");
    } finally {
      await removeConnection(connection.id);
    }
  });
});
