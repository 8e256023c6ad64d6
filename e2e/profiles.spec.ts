// Build profiles after they exist: a member creating one, the profile page's branch list
// (more than 100 commits on a branch), the list's search/sort/filter, deleting (with
// confirmation, only by the creator or an admin), and the connection page listing its
// profiles. Database assertions after each.
import { expect, test, type Page } from "@playwright/test";
import { randomUUID } from "node:crypto";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS, DEFAULT_SERVERS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { removeConnection, seedPatConnection, uniqueName } from "./support/connections";
import { createUser, prisma, removeUser } from "./support/db";
import { emulator, emulatorDeployment } from "./support/emulator";
import { seedProfile } from "./support/profiles";
import { FIRST_ADMIN } from "./support/settings";

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function repositoryRow(page: Page, name: string) {
  return page.getByRole("list", { name: "Repositories" }).getByRole("button", { name: new RegExp(`^${escapeRegex(name)} `) });
}

const walletApp = {
  projectId: DEFAULT_PROJECTS.mobileIos.id,
  projectName: DEFAULT_REPOS.walletApp.project,
  repositoryId: DEFAULT_REPOS.walletApp.id,
  repositoryName: DEFAULT_REPOS.walletApp.name,
};

test.describe("build profiles", () => {
  test("a member creates a build profile from the organization's connection", async ({ page }) => {
    const member = await createUser({ role: "MEMBER", name: "Mia Member" });
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    const name = uniqueName("Member Android");
    try {
      await signInPage(page, member.email, member.password);
      await page.goto("/profiles/new");
      await expectNoSeriousA11yViolations(page, "new build profile");
      await page.getByRole("link", { name: connection.name }).click();
      await page.waitForURL(`**/connections/${connection.id}/repositories`);
      await expect(page.getByTestId("listing-summary")).toContainText("8 repositories in 4 projects", { timeout: 45_000 });
      await page.getByLabel("Search repositories and projects").fill("android");
      await expect(page.getByTestId("repository-count")).toHaveText("1 repository matches “android”");
      await repositoryRow(page, "wallet-android").click();
      const form = page.getByRole("form", { name: "Create a build profile for wallet-android" });
      // A refused first try keeps the platform chosen (React resets the form after the answer;
      // the platform is not chosen again below).
      await form.getByLabel("Name").fill("");
      await form.getByLabel("Target platform").selectOption("ANDROID");
      await form.getByLabel("Default branch").fill("feature biometrics");
      await form.getByRole("button", { name: "Create build profile" }).click();
      await expect(form.getByText("Default branch is not a valid Git branch name")).toBeVisible();
      await expect(form.getByText("Name is required")).toBeVisible();
      await expect(form.getByRole("button", { name: "Create build profile" })).toBeEnabled();
      await expect(form.getByLabel("Target platform")).toHaveValue("ANDROID");
      await form.getByLabel("Name").fill(name);
      await form.getByLabel("Default branch").fill("feature/biometrics");
      await form.getByRole("button", { name: "Create build profile" }).click();
      await page.waitForURL(/\/profiles\/[0-9a-f-]{36}$/, { timeout: 30_000 });
      const profileId = new URL(page.url()).pathname.split("/").at(-1)!;
      // The creator may delete their own profile.
      await expect(page.getByRole("button", { name: "Delete" })).toBeVisible();
      const profile = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profileId } });
      expect(profile).toMatchObject({ name, createdById: member.id, platform: "ANDROID", repositoryName: "wallet-android", projectName: "Android", defaultBranch: "refs/heads/feature/biometrics" });
      const audit = await prisma().auditEvent.findFirstOrThrow({ where: { action: "profile.created", targetId: profileId } });
      expect(audit.actorId).toBe(member.id);

      // Picking the same repository again says it already builds, and links to the profile.
      await page.goto(`/connections/${connection.id}/repositories`);
      await page.getByLabel("Search repositories and projects").fill("android");
      await repositoryRow(page, "wallet-android").click();
      const again = page.getByRole("form", { name: "Create a build profile for wallet-android" });
      await expect(again.getByRole("status").filter({ hasText: /This repository already has/ })).toBeVisible();
      await expect(again.getByRole("list", { name: "Build profiles of this repository" }).getByRole("link", { name })).toHaveAttribute("href", `/profiles/${profileId}`);
      await expectNoSeriousA11yViolations(page, "create form of a repository that has a profile");
    } finally {
      await removeConnection(connection.id);
      await removeUser(member.id);
    }
  });

  test("the profile page: repository, connection health, clone URLs, and branches with the latest 100 of 160 commits", async ({ page }) => {
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    const listed = await prisma().connection.findUniqueOrThrow({ where: { id: connection.id } });
    const profile = await seedProfile({
      ...walletApp,
      connectionId: connection.id,
      name: uniqueName("Wallet branches"),
      remoteUrl: `${listed.serverUrl}/fabrikam/MOBILE_IOS/_git/Wallet%20App`,
      webUrl: `${listed.serverUrl}/fabrikam/MOBILE_IOS/_git/Wallet%20App`,
    });
    try {
      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByRole("heading", { level: 1, name: profile.name })).toBeVisible();
      await expect(page.getByRole("region", { name: "Repository" })).toContainText("Healthy");
      await expect(page.getByLabel("HTTPS")).toHaveValue(/\/fabrikam\/MOBILE_IOS\/_git\/Wallet%20App$/);
      const branches = page.getByRole("list", { name: "Branches" });
      // The branch rows themselves (an opened branch nests its commit list).
      const branchRows = branches.locator(":scope > li");
      await expect(branchRows).toHaveCount(DEFAULT_REPOS.walletApp.branches.length);
      await expect(branchRows.filter({ hasText: /^main/ })).toContainText("Default");

      await test.step("main has 160 commits: the latest 100 are shown, and the page says so", async () => {
        await page.getByRole("button", { name: "Show latest commits of main" }).click();
        const commits = page.getByRole("list", { name: "Latest commits of main" });
        await expect(commits.getByRole("listitem")).toHaveCount(100);
        await expect(page.getByTestId("commit-summary")).toContainText("Showing the latest 100 commits of main; older ones are in Azure DevOps.");
        await expect(page.getByRole("button", { name: "Hide commits of main" })).toHaveAttribute("aria-expanded", "true");
        await expectNoSeriousA11yViolations(page, "profile page with commits");
      });

      await test.step("search is answered by Azure DevOps; Refresh reloads", async () => {
        await page.getByLabel("Search branches").fill("LOGIN");
        await expect(branchRows).toHaveCount(1);
        await expect(branches).toContainText("feature/login");
        await page.getByLabel("Search branches").fill("");
        await expect(branchRows).toHaveCount(DEFAULT_REPOS.walletApp.branches.length);
        await page.getByRole("button", { name: "Refresh" }).click();
        await expect(branchRows).toHaveCount(DEFAULT_REPOS.walletApp.branches.length);
        await expect(page.getByRole("list", { name: "Latest commits of main" })).toHaveCount(0);
      });

      const stored = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } });
      expect(stored).toMatchObject({ defaultBranch: "refs/heads/main", repositoryId: DEFAULT_REPOS.walletApp.id.toLowerCase() });
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("a repository renamed in Azure DevOps: the profile follows it by id, says so once, and audits it", async ({ page }) => {
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    // Server 2020's only repository: no other spec lists it by name, so renaming it for a
    // moment does not disturb the workers running beside this one.
    const server = DEFAULT_SERVERS.server2020;
    const deployment = await emulatorDeployment(server.name);
    const connection = await seedPatConnection({ deployment: server.name, collection: server.collection, token: DEFAULT_PATS.server2020 });
    const response = await fetch(`${new URL(deployment.origin).origin}/${server.collection}/_apis/git/repositories?api-version=6.0`, {
      headers: { authorization: `Basic ${Buffer.from(`:${DEFAULT_PATS.server2020}`).toString("base64")}` },
    });
    expect(response.status).toBe(200);
    const repository = ((await response.json()) as { value: { id: string; name: string; project: { id: string; name: string }; remoteUrl: string; sshUrl?: string; webUrl?: string }[] }).value.find(
      (candidate) => candidate.name === server.repository,
    )!;
    const profile = await seedProfile({
      connectionId: connection.id,
      name: uniqueName("Followed rename"),
      platform: "ANDROID",
      projectId: repository.project.id,
      projectName: repository.project.name,
      repositoryId: repository.id,
      repositoryName: repository.name,
      remoteUrl: repository.remoteUrl,
      sshUrl: repository.sshUrl ?? null,
      webUrl: repository.webUrl ?? null,
    });
    const renamed = `${server.repository}-${randomUUID().slice(0, 6)}`;
    await emulator.renameRepository({ deployment: server.name, organization: server.collection, project: server.project, repository: server.repository, name: renamed });
    try {
      await page.goto(`/profiles/${profile.id}`);
      const notice = page.getByRole("status").filter({ hasText: "Updated from Azure DevOps" });
      await expect(notice).toContainText("repository name");
      await expect(notice).toContainText("clone URLs");
      await expect(page.getByText(`${server.project} / ${renamed}`, { exact: true })).toBeVisible();
      await expect(page.getByLabel("HTTPS")).toHaveValue(new RegExp(`/_git/${renamed}$`));
      await expect(page.getByRole("list", { name: "Branches" }).locator(":scope > li")).toHaveCount(1);
      await expectNoSeriousA11yViolations(page, "profile updated from Azure DevOps");

      const stored = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } });
      expect(stored).toMatchObject({ repositoryId: repository.id.toLowerCase(), repositoryName: renamed, projectName: server.project, defaultBranch: "refs/heads/main" });
      expect(stored.remoteUrl).toMatch(new RegExp(`/_git/${renamed}$`));
      const synced = await prisma().auditEvent.findMany({ where: { action: "profile.synced", targetId: profile.id } });
      expect(synced).toHaveLength(1);
      expect(synced[0]!.data).toMatchObject({ from: { repositoryName: server.repository }, to: { repositoryName: renamed } });

      // Nothing changed since: no notice, no second event.
      await page.reload();
      await expect(page.getByRole("list", { name: "Branches" }).locator(":scope > li")).toHaveCount(1);
      await expect(notice).toHaveCount(0);
      expect(await prisma().auditEvent.count({ where: { action: "profile.synced", targetId: profile.id } })).toBe(1);
    } finally {
      await emulator.renameRepository({ deployment: server.name, organization: server.collection, project: server.project, repository: renamed, name: server.repository });
      await removeConnection(connection.id);
    }
  });

  test("the list searches, filters by platform and sorts; the connection page lists its profiles", async ({ page }) => {
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    const tag = uniqueName("list").replace(/\s+/g, "-");
    const base = { ...walletApp, connectionId: connection.id };
    const alpha = await seedProfile({ ...base, name: `Alpha ${tag}`, platform: "FLUTTER" });
    const beta = await seedProfile({ ...base, name: `beta ${tag}`, platform: "IOS" });
    const gamma = await seedProfile({ ...base, name: `Gamma ${tag}`, platform: "FLUTTER" });
    try {
      await page.goto("/profiles");
      // The form's defaults ("All platforms" sends platform=) keep the search: no "Unknown platform".
      await page.getByLabel("Search").fill(tag);
      await page.getByRole("button", { name: "Apply" }).click();
      await expect(page).toHaveURL(new RegExp(`q=${escapeRegex(encodeURIComponent(tag))}`));
      const rows = page.getByRole("table", { name: "Build profiles" }).getByRole("row");
      await expect(rows).toHaveCount(4);
      await expect(page.getByText("Unknown platform")).toHaveCount(0);
      await expect(page.getByLabel("Search")).toHaveValue(tag);
      await expect(rows.nth(1)).toContainText(`Alpha ${tag}`);
      await expect(rows.nth(2)).toContainText(`beta ${tag}`);
      await page.getByLabel("Platform").selectOption("FLUTTER");
      await page.getByLabel("Order").selectOption("desc");
      await page.getByRole("button", { name: "Apply" }).click();
      await expect(page).toHaveURL(/platform=FLUTTER/);
      await expect(rows).toHaveCount(3);
      await expect(rows.nth(1)).toContainText(`Gamma ${tag}`);
      await expect(rows.nth(2)).toContainText(`Alpha ${tag}`);
      await expectNoSeriousA11yViolations(page, "profiles list");
      // "Clear filters" and Back show the fields of the list on the page, not what was typed before.
      await page.getByRole("link", { name: "Clear filters" }).click();
      await expect(page).toHaveURL(/\/profiles$/);
      await expect(page.getByLabel("Search")).toHaveValue("");
      await expect(page.getByLabel("Platform")).toHaveValue("");
      await expect(page.getByLabel("Order")).toHaveValue("asc");
      await page.goBack();
      await expect(page).toHaveURL(/platform=FLUTTER/);
      await expect(page.getByLabel("Search")).toHaveValue(tag);
      await expect(page.getByLabel("Platform")).toHaveValue("FLUTTER");
      await expect(page.getByLabel("Order")).toHaveValue("desc");

      await page.goto("/profiles?sort=size&page=-2");
      await expect(page.getByRole("alert").filter({ hasText: "Some filters in the address were not valid and were ignored" })).toContainText("Unknown sort order");
      // A page past the end (a bookmark from before deletions) shows the last page, not "nothing matches".
      await page.goto(`/profiles?q=${encodeURIComponent(tag)}&page=7`);
      await expect(page).not.toHaveURL(/page=/);
      await expect(rows).toHaveCount(4);

      await page.goto(`/connections/${connection.id}`);
      const section = page.getByRole("list", { name: "Build profiles using this connection" });
      await expect(section.getByRole("link")).toHaveText([`Alpha ${tag}`, `beta ${tag}`, `Gamma ${tag}`]);
      expect(await prisma().buildProfile.count({ where: { connectionId: connection.id } })).toBe(3);
      await expect(page.getByRole("link", { name: /Show all .* build profiles of this connection/ })).toHaveCount(0);

      await test.step("past ten profiles the connection page shows the first ten and links to the list filtered to it", async () => {
        for (let index = 0; index < 9; index += 1) {
          await seedProfile({ ...base, name: `More ${index} ${tag}`, platform: "ANDROID" });
        }
        await page.goto(`/connections/${connection.id}`);
        await expect(section.getByRole("link")).toHaveCount(10);
        await expect(section.getByRole("link").first()).toHaveText(`Alpha ${tag}`);
        await page.getByRole("link", { name: "Show all 12 build profiles of this connection" }).click();
        await expect(page).toHaveURL(new RegExp(`/profiles\\?connection=${connection.id}$`));
        await expect(page.getByText(`Only the build profiles of the connection “${connection.name}”.`)).toBeVisible();
        await expect(page.getByText("12 build profiles match")).toBeVisible();
        await expect(rows).toHaveCount(13);
        // Another filter keeps the connection; the note's link drops it.
        await page.getByLabel("Platform").selectOption("FLUTTER");
        await page.getByRole("button", { name: "Apply" }).click();
        await expect(page).toHaveURL(new RegExp(`connection=${connection.id}`));
        await expect(rows).toHaveCount(3);
        await page.getByRole("link", { name: "Show every connection's" }).click();
        await expect(page).not.toHaveURL(/connection=/);
        await expect(page).toHaveURL(/platform=FLUTTER/);
        await page.goto("/profiles?connection=not-an-id");
        await expect(page.getByRole("alert").filter({ hasText: "Some filters in the address were not valid and were ignored" })).toContainText("Unknown connection");
      });
    } finally {
      void [alpha, beta, gamma];
      await removeConnection(connection.id);
    }
  });

  test("a token revoked after it worked: never Healthy beside it, members are sent to a named admin, admins to Replace token; the connection page says once that it stopped working and keeps its projects", async ({ page, browser }) => {
    const member = await createUser({ role: "MEMBER", name: "Mia Member" });
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamRevoked });
    // It worked when it was saved: its last check listed projects.
    const lastGood = new Date(Date.now() - 3_600_000).toISOString();
    await prisma().connection.update({
      where: { id: connection.id },
      data: { lastCheckResult: { ok: true, checkedAt: lastGood, findings: [], projects: { count: 2, countIsLowerBound: false, first: ["MOBILE_IOS", "MOBILE_ANDROID"] } } },
    });
    const profile = await seedProfile({ ...walletApp, connectionId: connection.id, name: uniqueName("Revoked") });
    const memberContext = await browser.newContext();
    try {
      await test.step("the member's profile page: the problem names whom to ask, and the badge follows it", async () => {
        const memberPage = await memberContext.newPage();
        await signInPage(memberPage, member.email, member.password);
        await memberPage.goto(`/profiles/${profile.id}`);
        const problem = memberPage.getByRole("region", { name: "Branches" }).getByRole("alert").filter({ hasText: "The token has been revoked" });
        await expect(problem).toBeVisible({ timeout: 30_000 });
        await expect(problem).toContainText(/Ask an admin \(.+\) to replace this connection's token/);
        await expect(problem).not.toContainText(/paste/i);
        await expect(problem.getByRole("link", { name: "Replace token" })).toHaveCount(0);
        // The refusal is the connection's status now: the page re-reads it, "Healthy" is gone.
        await expect(memberPage.getByText("Needs re-authorization", { exact: true }).first()).toBeVisible();
        await expect(memberPage.getByText("Healthy", { exact: true })).toHaveCount(0);
        await expectNoSeriousA11yViolations(memberPage, "profile page, revoked token (member)");
      });
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await test.step("the admin's profile page offers Replace token", async () => {
        await page.goto(`/profiles/${profile.id}`);
        await expect(page.getByRole("link", { name: "Replace token" }).first()).toHaveAttribute("href", `/connections/${connection.id}#replace-token`);
      });
      await test.step("the connection page: stopped working, the problem once, the last-known projects", async () => {
        await page.goto(`/connections/${connection.id}`);
        await page.getByRole("button", { name: "Check now" }).click();
        await expect(page.getByRole("alert").filter({ hasText: "This connection stopped working" })).toBeVisible({ timeout: 30_000 });
        await expect(page.getByRole("heading", { name: "Last check: 1 problem" })).toBeVisible();
        await expect(page.getByText(/does not work yet/)).toHaveCount(0);
        await expect(page.getByText("The token has been revoked", { exact: true })).toHaveCount(1);
        const projects = page.getByRole("region", { name: "Projects" });
        await expect(projects).toContainText("when it last worked");
        await expect(projects).toContainText("MOBILE_ANDROID");
        await expectNoSeriousA11yViolations(page, "connection that stopped working");
      });
    } finally {
      await memberContext.close();
      await removeConnection(connection.id);
      await removeUser(member.id);
    }
  });

  test("a member watches a profile: told of its default branch's failures (or every build), counted on the page, and stops", async ({ page }) => {
    const member = await createUser({ role: "MEMBER", name: "Wren Watcher" });
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    const profile = await seedProfile({ ...walletApp, connectionId: connection.id, name: uniqueName("Watched") });
    try {
      await signInPage(page, member.email, member.password);
      await page.goto(`/profiles/${profile.id}`);
      // The title and the line under it.
      const header = page.getByRole("heading", { level: 1, name: profile.name }).locator("xpath=..");
      const watchForm = page.getByRole("form", { name: "Watch this profile" });
      await expect(watchForm.getByLabel("Watch")).toHaveValue("no");
      await watchForm.getByLabel("Watch").selectOption({ label: "Watch failures and fixes" });
      await watchForm.getByRole("button", { name: "Save" }).click();
      await expect(page.getByText("Watching: you hear when a build of its default branch or a tag fails, and when it is fixed.")).toBeVisible();
      await expect(watchForm.getByLabel("Watch")).toHaveValue("yes");
      await expect(header).toContainText("You watch it");
      expect(await prisma().profileWatch.findMany({ where: { profileId: profile.id, userId: member.id }, select: { everyBuild: true } })).toEqual([{ everyBuild: false }]);
      await expectNoSeriousA11yViolations(page, "profile page, watching");
      // A release manager waits for the release build: every build of the default branch and tags.
      await watchForm.getByLabel("Watch").selectOption({ label: "Watch every build" });
      await watchForm.getByRole("button", { name: "Save" }).click();
      await expect(page.getByText("Watching every build: you hear when a build of its default branch or a tag finishes, with the apps a successful one made.")).toBeVisible();
      expect(await prisma().profileWatch.findMany({ where: { profileId: profile.id, userId: member.id }, select: { everyBuild: true } })).toEqual([{ everyBuild: true }]);
      // The profiles list marks it, and shows only the watched ones when asked.
      await page.goto("/profiles");
      await expect(page.getByRole("row").filter({ hasText: profile.name })).toContainText("Watching every build");
      await page.getByLabel("Show").selectOption("watched");
      await page.getByRole("button", { name: "Apply" }).click();
      await expect(page).toHaveURL(/[?&]show=watched/);
      await expect(page.getByRole("table", { name: "Build profiles" }).getByRole("row")).toHaveCount(2);
      await expect(page.getByRole("table", { name: "Build profiles" })).toContainText(profile.name);
      // Build e-mails off: watching tells them nothing, and the page says so with the way back.
      await prisma().user.update({ where: { id: member.id }, data: { buildEmails: false } });
      await page.goto(`/profiles/${profile.id}`);
      await expect(header).toContainText("your build e-mails are off, so you hear nothing until you turn them on under Your account");
      await prisma().user.update({ where: { id: member.id }, data: { buildEmails: true } });
      // Their account page lists what they watch, and stops it there too.
      await page.goto("/settings/account");
      const watched = page.getByRole("list", { name: "Build profiles you watch" });
      await expect(watched.getByRole("link", { name: profile.name })).toBeVisible();
      await expect(watched.getByRole("listitem").filter({ hasText: profile.name })).toContainText("every build");
      await expectNoSeriousA11yViolations(page, "account page with a watched profile");
      // The row goes when it is saved (the list is drawn again); with it the last, the list says what watching is.
      await watched.getByRole("button", { name: `Stop watching ${profile.name}` }).click();
      await expect(page.getByText("None. Choose Watch on a build profile's page")).toBeVisible();
      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByRole("form", { name: "Watch this profile" }).getByLabel("Watch")).toHaveValue("no");
      await expect(header).not.toContainText("watch");
      expect(await prisma().profileWatch.count({ where: { profileId: profile.id } })).toBe(0);
      await page.goto("/profiles?show=watched");
      await expect(page.getByText("You watch no build profile yet. Open one and choose Watch")).toBeVisible();
      await page.goto("/profiles");
      await expect(page.getByRole("row").filter({ hasText: profile.name })).not.toContainText("Watching");
      // Show → Red on the default branch: its newest build of main failed; once one passes, it is green again.
      const { organizationId } = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id }, select: { organizationId: true } });
      const finished = (number: number, status: "FAILED" | "SUCCEEDED") =>
        prisma().build.create({ data: { organizationId, profileId: profile.id, number, status, trigger: "PUSH", idempotencyKey: `red-${profile.id}-${number}`, commitId: String(number).repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 600, startedAt: new Date(), finishedAt: new Date() } });
      await finished(1, "FAILED");
      await page.goto(`/profiles?q=${encodeURIComponent(profile.name)}`);
      await page.getByLabel("Show").selectOption({ label: "Red on the default branch" });
      await page.getByRole("button", { name: "Apply" }).click();
      await expect(page).toHaveURL(/[?&]show=red/);
      await expect(page.getByRole("table", { name: "Build profiles" })).toContainText(profile.name);
      await expect(page.getByRole("row").filter({ hasText: profile.name })).toContainText("main is red");
      await expectNoSeriousA11yViolations(page, "profiles red on their default branch");
      await finished(2, "SUCCEEDED");
      await page.reload();
      await expect(page.getByText("Nothing matches this search among the profiles red on their default branch.")).toBeVisible();
      await page.goto(`/profiles?q=${encodeURIComponent(profile.name)}`);
      await expect(page.getByRole("row").filter({ hasText: profile.name })).not.toContainText("is red");
    } finally {
      await removeConnection(connection.id);
      await removeUser(member.id);
    }
  });

  test("deleting asks first, is allowed to the creator and admins only, and is audited", async ({ page, browser }) => {
    const creator = await createUser({ role: "MEMBER", name: "Cora Creator" });
    const other = await createUser({ role: "MEMBER", name: "Oscar Other" });
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    const profile = await seedProfile({ ...walletApp, connectionId: connection.id, name: uniqueName("Doomed"), createdById: creator.id });
    const otherContext = await browser.newContext();
    try {
      await test.step("another member sees no Delete", async () => {
        const otherPage = await otherContext.newPage();
        await signInPage(otherPage, other.email, other.password);
        await otherPage.goto(`/profiles/${profile.id}`);
        await expect(otherPage.getByRole("heading", { level: 1, name: profile.name })).toBeVisible();
        await expect(otherPage.getByRole("button", { name: "Delete" })).toHaveCount(0);
        await expect(otherPage.getByRole("link", { name: "Edit" })).toHaveCount(0);
        await otherPage.goto(`/profiles/${profile.id}/edit`);
        await expect(otherPage.getByRole("alert").filter({ hasText: "You cannot edit this build profile" })).toContainText("Only the person who created this build profile or an admin can edit it.");
      });

      await signInPage(page, creator.email, creator.password);
      await page.goto(`/profiles/${profile.id}`);
      const renamed = uniqueName("Renamed");
      await test.step("the creator edits name, platform and default branch: focus goes to the result, a toast confirms, audited", async () => {
        await page.getByRole("link", { name: "Edit" }).click();
        const form = page.getByRole("form", { name: "Edit build profile" });
        await form.getByLabel("Name").fill("");
        await form.getByLabel("Target platform").selectOption("ANDROID");
        await form.getByLabel(/Default branch/).fill("two words");
        await form.getByRole("button", { name: "Save changes" }).click();
        await expect(page.locator("#field-name-error")).toHaveText("Name is required");
        await expect(page.locator("#field-defaultBranch-error")).toHaveText("Default branch is not a valid Git branch name");
        await expect(form.getByLabel("Name")).toBeFocused();
        // The refused form keeps every choice: the platform chosen (saved below without choosing it again).
        await expect(form.getByRole("button", { name: "Save changes" })).toBeEnabled();
        await expect(form.getByLabel("Target platform")).toHaveValue("ANDROID");
        await expect(form.getByLabel(/Default branch/)).toHaveValue("two words");
        await form.getByLabel("Name").fill(renamed);
        await form.getByLabel(/Default branch/).fill("develop");
        await expectNoSeriousA11yViolations(page, "edit build profile");
        await form.getByRole("button", { name: "Save changes" }).click();
        await expect(page).toHaveURL(new RegExp(`/profiles/${profile.id}$`));
        const toast = page.locator("[data-toast]");
        await expect(toast).toHaveText(new RegExp(`Saved the build profile “${escapeRegex(renamed)}”`));
        await expect(toast).toBeFocused();
        await expect(page.getByRole("heading", { level: 1, name: renamed })).toBeVisible();
        expect(await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).toMatchObject({ name: renamed, platform: "ANDROID", defaultBranch: "refs/heads/develop" });
        const edited = await prisma().auditEvent.findFirstOrThrow({ where: { action: "profile.updated", targetId: profile.id } });
        expect(edited.actorId).toBe(creator.id);
        expect(edited.data).toMatchObject({ changes: { name: { from: profile.name, to: renamed }, platform: { to: "ANDROID" }, defaultBranch: { to: "refs/heads/develop" } } });
      });
      await test.step("Cancel keeps the profile", async () => {
        await page.getByRole("button", { name: "Delete" }).click();
        const dialog = page.getByRole("dialog", { name: `Delete the build profile “${renamed}”?` });
        await expect(dialog).toBeVisible();
        await expectNoSeriousA11yViolations(page, "delete confirmation");
        await dialog.getByRole("button", { name: "Cancel" }).click();
        await expect(dialog).toBeHidden();
        expect(await prisma().buildProfile.count({ where: { id: profile.id } })).toBe(1);
      });
      await test.step("confirming deletes it and says so", async () => {
        await page.getByRole("button", { name: "Delete" }).click();
        await page.getByRole("dialog").getByRole("button", { name: "Delete build profile" }).click();
        await page.waitForURL(/\/profiles\?deleted=/);
        await expect(page.getByRole("status").filter({ hasText: `Deleted the build profile “${renamed}”.` })).toBeVisible();
      });
      expect(await prisma().buildProfile.count({ where: { id: profile.id } })).toBe(0);
      const audit = await prisma().auditEvent.findFirstOrThrow({ where: { action: "profile.deleted", targetId: profile.id } });
      expect(audit.actorId).toBe(creator.id);
      expect(audit.data).toMatchObject({ name: renamed, repositoryName: "Wallet App" });

      await test.step("from the list, the one dialog asks about the row's own profile and deletes that one", async () => {
        const keep = await seedProfile({ ...walletApp, connectionId: connection.id, name: uniqueName("Kept"), createdById: creator.id });
        const gone = await seedProfile({ ...walletApp, connectionId: connection.id, name: uniqueName("Listed doomed"), createdById: creator.id });
        await page.goto(`/profiles?q=${encodeURIComponent(gone.name)}`);
        await page.getByRole("button", { name: `Delete ${gone.name}` }).click();
        const dialog = page.getByRole("dialog", { name: `Delete the build profile “${gone.name}”?` });
        await expect(dialog).toBeVisible();
        await dialog.getByRole("button", { name: "Delete build profile" }).click();
        await page.waitForURL(/\/profiles\?deleted=/);
        await expect(page.getByRole("status").filter({ hasText: `Deleted the build profile “${gone.name}”.` })).toBeVisible();
        expect(await prisma().buildProfile.count({ where: { id: gone.id } })).toBe(0);
        expect(await prisma().buildProfile.count({ where: { id: keep.id } })).toBe(1);
      });
    } finally {
      await otherContext.close();
      await removeConnection(connection.id);
      await removeUser(creator.id);
      await removeUser(other.id);
    }
  });
});
