// Builds in the browser: start one from a profile, watch its log stream in, see it succeed and
// its commit status arrive in Azure DevOps; a failing build; an admin sets a workflow variable
// and a member cancels a long build. The worker (the launcher's child) runs them for real.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { buildBinary, parse as parsePlist } from "plist";
import * as yauzl from "yauzl";
import { DEFAULT_BUILD_BRANCHES, DEFAULT_PATS, DEFAULT_REPOS, FIXTURE_BUILD } from "@/e2e/azure-devops-emulator/fixtures/default";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { removeConnection, seedPatConnection, uniqueName } from "./support/connections";
import { createUser, prisma, removeUser } from "./support/db";
import { emulator } from "./support/emulator";
import { downloadOf } from "./support/download";
import { mailsTo } from "./support/mail";
import { seedSdkProfileOn, seedWalletProfile } from "./support/profiles";
import { FIRST_ADMIN, KEEL_URL } from "./support/settings";
import { binaryManifest, WALLET_MANIFEST, withSigningBlock, zipOf } from "@/lib/testing/apps";
import { deviceAnswer, javaKeystore, provisioningProfile, signingCertificate } from "@/lib/testing/signing";
import { formatDay } from "@/lib/shared/dates";
import { formatSize } from "@/lib/shared/names";

type PostedStatus = { commitId: string; state: string; contextName: string; contextGenre?: string; targetUrl?: string };

/** When the apps' provisioning profiles end: in 200 days, in whole seconds as a profile's dates are. */
const PROFILE_ENDS = new Date(Math.floor(Date.now() / 1_000 + 200 * 86_400) * 1_000);

/** An .ipa as Xcode lays it out: the app's folder under Payload/ with its binary Info.plist and the provisioning profile it was signed with. */
const walletIpa = (signing: { name: string; devices?: number }) =>
  zipOf([
    ["Payload/Wallet.app/Wallet", Buffer.from("wallet-binary")],
    ["Payload/Wallet.app/Info.plist", Buffer.from(buildBinary({ CFBundleIdentifier: "com.fabrikam.wallet", CFBundleVersion: "4513", CFBundleShortVersionString: "2.4.0", CFBundleDisplayName: "Wallet" }))],
    [
      "Payload/Wallet.app/embedded.mobileprovision",
      provisioningProfile({ ...signing, expiresAt: PROFILE_ENDS, certificates: [signingCertificate("Apple Distribution: Fabrikam Ltd (ABCDE12345)", new Date(PROFILE_ENDS.getTime() + 100 * 86_400_000))] }),
    ],
  ]);

/** The key the release .apk is signed with (an upload key lasts decades). */
const UPLOAD_KEY = signingCertificate("Fabrikam Upload Key", new Date(Date.now() + 9_000 * 86_400_000));

/** An .apk: a zip with the app's AndroidManifest.xml in Android's binary XML at its root, signed with APK Signature Scheme v2. */
const releaseApk = async () =>
  withSigningBlock(
    await zipOf([
      ["AndroidManifest.xml", binaryManifest(WALLET_MANIFEST)],
      ["classes.dex", Buffer.from("dex")],
    ]),
    UPLOAD_KEY.der,
  );

/** The files of a zip and their text, read with yauzl (what an unzip tool sees). */
async function zipEntries(zip: Buffer): Promise<Map<string, string>> {
  const archive = await yauzl.fromBufferPromise(zip);
  const entries = new Map<string, string>();
  for await (const entry of archive.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await archive.openReadStreamPromise(entry)) {
      chunks.push(chunk as Buffer);
    }
    entries.set(entry.fileName, Buffer.concat(chunks).toString("utf8"));
  }
  archive.close();
  return entries;
}

/** A profile of the ios-sdk repository (which no journey's triggers hear of), on a connection of its own. */
async function seedSdkProfile(name: string) {
  const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
  return { connection, profile: await seedSdkProfileOn(connection.id, uniqueName(name)) };
}

/** An admin ticks one of the workflow's Runs on choices ("One build at a time"…) and saves it. */
async function turnOnRunsOnChoice(page: Page, profileId: string, label: string): Promise<void> {
  await page.goto(`/profiles/${profileId}/workflow#runs-on`);
  await page.getByLabel(label).check();
  await page.getByRole("button", { name: "Save workflow" }).click();
  await expect(page.getByText("Saved. The next build uses this workflow.")).toBeVisible();
}

async function startFromProfile(page: Page, profileId: string, branch: string, variables?: string): Promise<string> {
  await page.goto(`/profiles/${profileId}`);
  const form = page.getByRole("form", { name: "Start a build" });
  await form.getByRole("combobox", { name: "Branch" }).fill(branch);
  if (variables !== undefined) {
    await form.getByText("Variables for this build (optional)").click();
    await form.getByRole("textbox", { name: "Variables for this build" }).fill(variables);
  }
  await form.getByRole("button", { name: "Start build" }).click();
  await page.waitForURL(/\/builds\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  return new URL(page.url()).pathname.split("/").at(-1)!;
}

test.describe("builds", () => {
  test("start a build from a profile, watch the log stream, see it succeed and its commit status in Azure DevOps", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet CI"));
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByText("No builds yet.")).toBeVisible();
      await expectNoSeriousA11yViolations(page, "profile page with builds");
      // A short commit id is refused and kept as typed; the choice of a commit survives the
      // answer, and choosing a branch again brings the branch field back.
      const start = page.getByRole("form", { name: "Start a build" });
      await start.getByLabel("A commit").check();
      await start.getByLabel("Commit id").fill("abc1234");
      await start.getByRole("button", { name: "Start build" }).click();
      await expect(start.getByText(/Commit must be a full commit id/).first()).toBeVisible();
      await expect(start.getByRole("button", { name: "Start build" })).toBeEnabled();
      await expect(start.getByLabel("Commit id")).toHaveValue("abc1234");
      await expect(start.getByLabel("A commit")).toBeChecked();
      await start.getByLabel("A branch").check();
      await expect(start.getByRole("combobox", { name: "Branch" })).toHaveValue("main");
      expect(await prisma().build.count({ where: { profileId: profile.id } })).toBe(0);
      // Variables for one build: a line that is not NAME=value is refused by name and kept as typed.
      await start.getByText("Variables for this build (optional)").click();
      await start.getByRole("textbox", { name: "Variables for this build" }).fill("DEPLOY_TARGET testflight");
      await start.getByRole("button", { name: "Start build" }).click();
      await expect(start.getByText("Variables for this build: Line 1 is not NAME=value").first()).toBeVisible();
      await expect(start.getByRole("textbox", { name: "Variables for this build" })).toHaveValue("DEPLOY_TARGET testflight");
      expect(await prisma().build.count({ where: { profileId: profile.id } })).toBe(0);
      const buildId = await startFromProfile(page, profile.id, "main", "DEPLOY_TARGET=testflight");
      const log = page.getByTestId("build-log");
      // Lines arrive while the build runs (the stream, not a reload), in order, with colours.
      await expect(log).toContainText("Fetching commit", { timeout: 30_000 });
      await expect(log).toContainText(FIXTURE_BUILD.testsPassedLine, { timeout: 60_000 });
      await expect(log.locator(".ansi-fg-2").first()).toBeVisible();
      // Spaces are kept as written: git aligns its fetch summary ("* branch            <sha> -> FETCH_HEAD").
      const fetchLine = log.locator("[data-line-text]").filter({ hasText: "FETCH_HEAD" });
      expect(await fetchLine.evaluate((element) => (element as HTMLElement).innerText)).toMatch(/branch {2,}[0-9a-f]{40} -> FETCH_HEAD/);
      await expect(page.getByRole("status").filter({ hasText: "Succeeded" })).toBeVisible({ timeout: 30_000 });
      await expect(page.getByRole("status").filter({ hasText: "Succeeded" })).toContainText(/Took \d+ (ms|s)\./);
      await expect(page.getByRole("list", { name: "Build steps" }).locator("[data-step-status=SUCCEEDED]")).toHaveCount(4);
      await expect(page.getByRole("list", { name: "Variables for this build" })).toHaveText("DEPLOY_TARGET=testflight");
      await expect(log).toContainText("Variables for this build: DEPLOY_TARGET.");
      // Nothing kept (the default workflow lists no artifacts): the card says how to keep the app.
      await expect(page.getByRole("region", { name: "Artifacts" })).toContainText("This build kept no files.");
      await expect(page.getByRole("region", { name: "Artifacts" }).getByRole("link", { name: "Edit workflow → Artifacts" })).toHaveAttribute("href", `/profiles/${profile.id}/workflow#artifacts`);
      await expectNoSeriousA11yViolations(page, "build page");
      // A release: the admin keeps it forever, then lets it go again.
      await page.getByRole("button", { name: "Keep forever" }).click();
      await expect(page.getByText("Kept forever: its log and artifacts are never deleted.")).toBeVisible();
      await expect(page.getByText(/^Kept forever by /)).toBeVisible();
      expect((await prisma().build.findUniqueOrThrow({ where: { id: buildId } })).keptAt).not.toBeNull();
      await page.goto(`/builds?profile=${profile.id}`);
      await expect(page.getByRole("table", { name: "Builds" }).getByRole("row").filter({ hasText: "kept forever" })).toHaveCount(1);
      await page.goto(`/builds/${buildId}`);
      await page.getByRole("button", { name: "Stop keeping" }).click();
      await expect(page.getByRole("button", { name: "Keep forever" })).toBeVisible();
      expect((await prisma().build.findUniqueOrThrow({ where: { id: buildId } })).keptAt).toBeNull();
      const build = await prisma().build.findUniqueOrThrow({ where: { id: buildId } });
      expect(build).toMatchObject({ status: "SUCCEEDED", trigger: "MANUAL", branch: "refs/heads/main", requestedById: (await prisma().user.findFirstOrThrow({ where: { email: FIRST_ADMIN.email } })).id });
      // Azure DevOps heard of it: pending, then succeeded, for this build's commit and page.
      await expect
        .poll(async () => (await emulator.call<PostedStatus[]>("GET", "statuses")).filter((status) => status.targetUrl === `${KEEL_URL}/builds/${buildId}`).map((status) => status.state), { timeout: 30_000 })
        .toEqual(["pending", "pending", "succeeded"]);
      const posted = (await emulator.call<PostedStatus[]>("GET", "statuses")).filter((status) => status.targetUrl === `${KEEL_URL}/builds/${buildId}`);
      expect(posted.every((status) => status.commitId === build.commitId && status.contextGenre === "keel" && status.contextName === profile.name)).toBe(true);
      await page.reload();
      const reports = page.getByRole("list", { name: "Reports to Azure DevOps" }).locator("[data-report-state=SENT]");
      await expect(reports).toHaveCount(3);
      // Two "pending" statuses, told apart by the moment they report.
      await expect(reports.nth(0)).toContainText("pending (queued)");
      await expect(reports.nth(1)).toContainText("pending (running)");
      await expect(reports.nth(2)).toContainText("succeeded");
      // The profile lists it; /builds lists and filters it.
      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByRole("region", { name: "Builds" })).toContainText(/Last build: 100 % succeeded · usually \d+ (ms|s)\./);
      const latest = page.getByRole("table", { name: `Latest builds of ${profile.name}` });
      await expect(latest.getByRole("link", { name: `#${build.number}` })).toBeVisible();
      await expect(latest).toContainText(/took \d+ (ms|s)/);
      // At desktop width the table fits its card: no column hidden behind a sideways scroll.
      expect(await latest.evaluate((table) => table.parentElement!.scrollWidth - table.parentElement!.clientWidth)).toBeLessThanOrEqual(0);
      // The profiles list says how its newest build went.
      await page.goto(`/profiles?q=${encodeURIComponent(profile.name)}`);
      const listed = page.getByRole("table", { name: "Build profiles" }).getByRole("row").filter({ hasText: profile.name });
      await expect(listed.getByRole("link", { name: `${profile.name} build #${build.number}` })).toHaveAttribute("href", `/builds/${buildId}`);
      await expect(listed).toContainText("Succeeded");
      await page.goto(`/builds?profile=${profile.id}&status=SUCCEEDED`);
      await expect(page.getByRole("table", { name: "Builds" }).getByRole("link", { name: profile.name })).toHaveCount(1);
      await expect(page.getByText("1 build matches", { exact: true })).toBeVisible();
      // Where the queue stands (the launcher's worker is alive; other journeys' builds may run).
      await expect(page.getByTestId("queue-status")).toHaveText(/^[1-9]\d* workers? online · \d+ running · \d+ queued$/);
      await expectNoSeriousA11yViolations(page, "builds list");
      // "Mine": the admin started it, so it is theirs.
      await page.goto(`/builds?who=mine&profile=${profile.id}`);
      await expect(page.getByLabel("Whose")).toHaveValue("mine");
      await expect(page.getByRole("table", { name: "Builds" }).getByRole("link", { name: `#${build.number}` })).toBeVisible();
      // What started it: a manual build is not a scheduled one; an unknown trigger is named and ignored.
      await page.goto(`/builds?trigger=MANUAL&profile=${profile.id}`);
      await expect(page.getByLabel("Started by")).toHaveValue("MANUAL");
      await expect(page.getByRole("table", { name: "Builds" }).getByRole("link", { name: `#${build.number}` })).toBeVisible();
      await page.goto(`/builds?trigger=SCHEDULE&profile=${profile.id}`);
      await expect(page.getByText("No builds match")).toBeVisible();
      await page.goto(`/builds?trigger=CRON&profile=${profile.id}`);
      await expect(page.getByText(/Unknown trigger/)).toBeVisible();
      await expect(page.getByRole("table", { name: "Builds" }).getByRole("link", { name: `#${build.number}` })).toBeVisible();
      // A page past the end shows the last page.
      await page.goto(`/builds?profile=${profile.id}&status=SUCCEEDED&page=5`);
      await expect(page).not.toHaveURL(/page=/);
      await expect(page.getByRole("table", { name: "Builds" }).getByRole("link", { name: profile.name })).toHaveCount(1);
      await page.goto(`/builds?profile=${profile.id}&status=FAILED`);
      await expect(page.getByText("No builds match")).toBeVisible();
      // Insights: the one build, its steps timed (the default workflow: fetch, set up, build, test).
      await page.goto(`/profiles/${profile.id}`);
      await page.getByRole("link", { name: "Insights: the last 30 days" }).click();
      await expect(page.getByRole("heading", { name: `Insights of ${profile.name}`, level: 1 })).toBeVisible();
      const figure = (term: string) => page.getByRole("term").filter({ hasText: new RegExp(`^${term}$`) }).locator("..");
      await expect(figure("Builds finished")).toContainText("1");
      await expect(figure("Succeeded")).toContainText("100 %");
      await expect(page.getByRole("list", { name: "Median duration of each step" }).getByRole("listitem")).toHaveText([/^Fetch commit/, /^Set up/, /^Build/, /^Test/]);
      await page.getByText("The days with builds, as a table").click();
      await expect(page.getByRole("table", { name: "Builds per day" }).getByRole("row")).toHaveCount(2);
      // The day's successful build, timed; and the week's median, with nothing before it to compare with.
      await expect(page.getByRole("table", { name: "Builds per day" }).getByRole("row").nth(1).getByRole("cell").last()).toHaveText(/^\d+ (s|ms)$/);
      await expect(page.getByText(/^Over the last 7 days a successful build took \d+ (s|ms) \(median\); none succeeded in the 7 days before to compare with\.$/)).toBeVisible();
      await expectNoSeriousA11yViolations(page, "profile insights");
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("a member builds an open pull request by its number: offered from Azure DevOps, wrong and closed ones refused, the result reported on it", async ({ page }) => {
    // ios-sdk, not Wallet App: no other journey's triggers hear of this pull request.
    const { connection, profile } = await seedSdkProfile("SDK PRs");
    const member = await createUser({ role: "MEMBER" });
    try {
      const pr = await emulator.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: DEFAULT_REPOS.iosSdk.name, sourceBranch: `feature/${uniqueName("manual-pr").toLowerCase().replace(/[^a-z0-9-]/g, "-")}`, targetBranch: "master", title: "Dark mode icons" });
      await signInPage(page, member.email, member.password);
      await page.goto(`/profiles/${profile.id}`);
      const start = page.getByRole("form", { name: "Start a build" });
      await start.getByLabel("A pull request").check();
      // The active pull requests are offered (loaded when the choice is made).
      await expect(start.getByText(/the list below has the (active one|\d+ active ones)/)).toBeVisible();
      await expect(start.locator(`datalist option[value="${pr.pullRequestId}"]`)).toHaveAttribute("label", new RegExp(`^!${pr.pullRequestId} Dark mode icons — feature/.+ into master$`));
      await expectNoSeriousA11yViolations(page, "start a pull-request build");
      // A number the repository does not have: refused on its field, the choice kept.
      await start.getByLabel("Pull request", { exact: true }).fill("!99999");
      await start.getByRole("button", { name: "Start build" }).click();
      await expect(start.getByText(`${DEFAULT_REPOS.iosSdk.name} has no pull request 99999. Check the number (Azure DevOps shows it as !99999).`).first()).toBeVisible();
      await expect(start.getByLabel("A pull request")).toBeChecked();
      await expect(start.getByLabel("Pull request", { exact: true })).toHaveValue("!99999");
      expect(await prisma().build.count({ where: { profileId: profile.id } })).toBe(0);

      await start.getByLabel("Pull request", { exact: true }).fill(String(pr.pullRequestId));
      await start.getByRole("button", { name: "Start build" }).click();
      await page.waitForURL(/\/builds\/[0-9a-f-]{36}$/, { timeout: 30_000 });
      const buildId = new URL(page.url()).pathname.split("/").at(-1)!;
      // Its merge commit, as a pull-request build someone started: the status goes on the pull request.
      expect(await prisma().build.findUniqueOrThrow({ where: { id: buildId } })).toMatchObject({ trigger: "MANUAL", pullRequestId: pr.pullRequestId, commitId: pr.lastMergeCommit, branch: pr.sourceRefName, targetRef: "refs/heads/master" });
      await expect
        .poll(async () => (await emulator.pullRequest("fabrikam", pr.pullRequestId)).statuses.filter((status) => status.targetUrl === `${KEEL_URL}/builds/${buildId}`).length, { timeout: 30_000 })
        .toBeGreaterThan(0);
      // The profile page says how to require that status in a branch policy, by the name it was posted under.
      const posted = (await emulator.pullRequest("fabrikam", pr.pullRequestId)).statuses.find((status) => status.targetUrl === `${KEEL_URL}/builds/${buildId}`)!;
      await page.goto(`/profiles/${profile.id}`);
      await page.getByText("Block merging until this build passes").click();
      await expect(page.getByText(/^Keel posts each pull-request build's result on the pull request as the status/)).toContainText(`${posted.contextGenre}/${posted.contextName}`);

      // Abandoned: refused with the reason and the way out.
      await emulator.updatePullRequest({ organization: "fabrikam", pullRequestId: pr.pullRequestId, status: "abandoned" });
      await page.goto(`/profiles/${profile.id}`);
      await start.getByLabel("A pull request").check();
      await start.getByLabel("Pull request", { exact: true }).fill(String(pr.pullRequestId));
      await start.getByRole("button", { name: "Start build" }).click();
      await expect(start.getByText(`Pull request ${pr.pullRequestId} is abandoned: Keel builds active pull requests only. Build its branch or commit instead.`).first()).toBeVisible();
      expect(await prisma().build.count({ where: { profileId: profile.id } })).toBe(1);
    } finally {
      await removeConnection(connection.id);
      await removeUser(member.id);
    }
  });

  test("a pull request from a fork is marked in the list and, once chosen, named as someone else's code before it starts", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet forks"));
    const member = await createUser({ role: "MEMBER" });
    try {
      const source = `contrib/${uniqueName("fork-pr").toLowerCase().replace(/[^a-z0-9-]/g, "-")}`;
      const fromFork = await emulator.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: DEFAULT_REPOS.walletApp.name, sourceBranch: source, targetBranch: "main", title: "Faster sync", fork: "wallet-app-fork" });
      await signInPage(page, member.email, member.password);
      await page.goto(`/profiles/${profile.id}`);
      const start = page.getByRole("form", { name: "Start a build" });
      await start.getByLabel("A pull request").check();
      await expect(start.locator(`datalist option[value="${fromFork.pullRequestId}"]`)).toHaveAttribute("label", `!${fromFork.pullRequestId} Faster sync — ${source} of the fork wallet-app-fork into main`);
      // Nothing is said for a number that is no fork's pull request.
      const warning = start.getByRole("note");
      await start.getByLabel("Pull request", { exact: true }).fill(String(fromFork.pullRequestId + 1000));
      await expect(warning).toHaveCount(0);
      await start.getByLabel("Pull request", { exact: true }).fill(`!${fromFork.pullRequestId}`);
      await expect(warning).toHaveText(`Pull request ${fromFork.pullRequestId} comes from the fork wallet-app-fork: its build runs that code on your workers with this profile's secret variables and files. Start it once you have read the change.`);
      await expectNoSeriousA11yViolations(page, "start a build of a fork's pull request");
      // The link of Keel's waiting status on the pull request opens the form set to it, warning included.
      await page.goto(`/profiles/${profile.id}?pullRequest=${fromFork.pullRequestId}#start-build`);
      await expect(start.getByLabel("A pull request")).toBeChecked();
      await expect(start.getByLabel("Pull request", { exact: true })).toHaveValue(String(fromFork.pullRequestId));
      await expect(warning).toContainText(`Pull request ${fromFork.pullRequestId} comes from the fork wallet-app-fork`);
      // A link with anything else opens the form as usual.
      await page.goto(`/profiles/${profile.id}?pullRequest=abc`);
      await expect(start.getByLabel("A branch")).toBeChecked();
      await page.goto(`/profiles/${profile.id}?pullRequest=${fromFork.pullRequestId}#start-build`);
      // Read, and started: a build of its merge commit like any pull request's.
      await expect(warning).toBeVisible();
      await start.getByRole("button", { name: "Start build" }).click();
      await page.waitForURL(/\/builds\/[0-9a-f-]{36}$/, { timeout: 30_000 });
      const buildId = new URL(page.url()).pathname.split("/").at(-1)!;
      expect(await prisma().build.findUniqueOrThrow({ where: { id: buildId } })).toMatchObject({ trigger: "MANUAL", pullRequestId: fromFork.pullRequestId, commitId: fromFork.lastMergeCommit });
    } finally {
      await removeConnection(connection.id);
      await removeUser(member.id);
    }
  });

  test("a release from a tag: chosen among the repository's tags, built as a tag build of the commit it names", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Tags"));
    const member = await createUser({ role: "MEMBER", name: "Tag Builder" });
    try {
      await signInPage(page, member.email, member.password);
      await page.goto(`/profiles/${profile.id}`);
      const start = page.getByRole("form", { name: "Start a build" });
      await start.getByLabel("A tag").check();
      await expect(start.getByText(/A release's tag, like v2\.4\.0/)).toBeVisible();
      await expect(start.locator("datalist option[value='v1.0.0']")).toHaveCount(1);
      await start.getByRole("combobox", { name: "Tag" }).fill("v9.9.9");
      await start.getByRole("button", { name: "Start build" }).click();
      await expect(start.getByText("The repository has no tag “v9.9.9” (it may have been deleted). Check its name in Azure DevOps.").first()).toBeVisible();
      await expect(start.getByLabel("A tag")).toBeChecked();
      await expect(start.getByRole("combobox", { name: "Tag" })).toHaveValue("v9.9.9");
      await expectNoSeriousA11yViolations(page, "Start build with a tag");
      await start.getByRole("combobox", { name: "Tag" }).fill("v1.0.0");
      await start.getByRole("button", { name: "Start build" }).click();
      await page.waitForURL(/\/builds\/[0-9a-f-]{36}$/, { timeout: 30_000 });
      const tagged = (await emulator.refs({ organization: "fabrikam", project: DEFAULT_REPOS.walletApp.project, repository: DEFAULT_REPOS.walletApp.name })).find((ref) => ref.name === "refs/tags/v1.0.0")!;
      await expect(page.getByText("tag v1.0.0")).toBeVisible();
      await expect(page.getByTestId("build-log")).toContainText(`Fetching commit ${tagged.objectId} (tag v1.0.0)`, { timeout: 30_000 });
      await expect(page.getByRole("status").filter({ hasText: "Succeeded" })).toBeVisible({ timeout: 60_000 });
      const build = await prisma().build.findFirstOrThrow({ where: { profileId: profile.id } });
      expect(build).toMatchObject({ tag: "v1.0.0", branch: null, commitId: tagged.objectId, trigger: "MANUAL", requestedById: member.id });
    } finally {
      await removeConnection(connection.id);
      await removeUser(member.id);
    }
  });

  test("a member downloads a month of a profile's builds as CSV: the filters apply, times and durations are there, a commit message cannot become a formula", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Export"));
    const member = await createUser({ role: "MEMBER", name: "Mo Money" });
    const { organizationId } = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id }, select: { organizationId: true } });
    // November's two builds (one waited 90 s and ran 10 min; one's message starts with "="), and one of December 1st.
    const made = (number: number, queued: string, data: Record<string, unknown>) =>
      prisma().build.create({ data: { organizationId, profileId: profile.id, number, trigger: "PUSH", idempotencyKey: `export-${profile.id}-${number}`, commitId: String(number).repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 3_600, pool: "macos", queuedAt: new Date(queued), ...data } });
    try {
      // The one the store got, kept forever.
      await made(1, "2026-11-03T09:00:00Z", { status: "SUCCEEDED", startedAt: new Date("2026-11-03T09:01:30Z"), finishedAt: new Date("2026-11-03T09:11:30Z"), commitMessage: "Ship the card screen", commitAuthor: "Ada", keptAt: new Date("2026-11-04T10:00:00Z") });
      await made(2, "2026-11-30T23:59:00Z", { status: "FAILED", startedAt: new Date("2026-11-30T23:59:10Z"), finishedAt: new Date("2026-12-01T00:00:10Z"), commitMessage: '=HYPERLINK("https://evil.example","x")', statusReason: "Step “Test” failed with exit code 1." });
      await made(3, "2026-12-01T00:00:00Z", { status: "SUCCEEDED", startedAt: new Date("2026-12-01T00:00:05Z"), finishedAt: new Date("2026-12-01T00:02:05Z") });
      await prisma().buildProfile.update({ where: { id: profile.id }, data: { nextBuildNumber: 4 } });
      await signInPage(page, member.email, member.password);
      // A date that is no date is named and ignored; the rest of the address still filters.
      await page.goto(`/builds?profile=${profile.id}&from=2026-11-31`);
      await expect(page.getByRole("alert").filter({ hasText: "Some filters in the address were not valid" })).toContainText("From must be a real date");
      await expect(page.getByText("3 builds match")).toBeVisible();
      await page.getByLabel("Queued from").fill("2026-11-01");
      await page.getByLabel("Queued until").fill("2026-11-30");
      await page.getByRole("button", { name: "Apply" }).click();
      await expect(page).toHaveURL(/from=2026-11-01&to=2026-11-30/);
      await expect(page.getByText("2 builds match")).toBeVisible();
      await expectNoSeriousA11yViolations(page, "builds filtered by days");
      const csv = await downloadOf(page, () => page.getByRole("link", { name: "Download CSV" }).click());
      expect(csv.name).toMatch(/^keel-builds-\d{4}-\d{2}-\d{2}\.csv$/);
      const lines = csv.body.toString("utf8").split("\r\n");
      expect(lines[0]).toBe('"Profile","Build","Status","Trigger","Started by","Branch","Tag","Pull request","Commit","Commit message","Commit author","Build pool","Queued at (UTC)","Started at (UTC)","Finished at (UTC)","Wait (s)","Duration (s)","Worker lost","Started again from","Reason","Link"');
      // Newest first; December's build is not in November.
      expect(lines.slice(1)).toEqual([
        `"${profile.name}","2","Failed","Push","","main","","","${"2".repeat(40)}","'=HYPERLINK(""https://evil.example"",""x"")","","macos","2026-11-30T23:59:00.000Z","2026-11-30T23:59:10.000Z","2026-12-01T00:00:10.000Z","10","60","","","Step “Test” failed with exit code 1.","${KEEL_URL}/builds/${(await prisma().build.findFirstOrThrow({ where: { profileId: profile.id, number: 2 } })).id}"`,
        `"${profile.name}","1","Succeeded","Push","","main","","","${"1".repeat(40)}","Ship the card screen","Ada","macos","2026-11-03T09:00:00.000Z","2026-11-03T09:01:30.000Z","2026-11-03T09:11:30.000Z","90","600","","","","${KEEL_URL}/builds/${(await prisma().build.findFirstOrThrow({ where: { profileId: profile.id, number: 1 } })).id}"`,
        "",
      ]);
      // Which of them a store got: the builds kept forever, the days still applied.
      await page.getByLabel("Kept", { exact: true }).selectOption({ label: "Kept forever" });
      await page.getByRole("button", { name: "Apply" }).click();
      await expect(page).toHaveURL(/kept=true/);
      await expect(page.getByText("1 build matches")).toBeVisible();
      await expect(page.getByRole("table", { name: "Builds" }).getByRole("link", { name: "#1", exact: true })).toBeVisible();
      await page.getByLabel("Kept", { exact: true }).selectOption({ label: "Not kept forever" });
      await page.getByRole("button", { name: "Apply" }).click();
      await expect(page).toHaveURL(/kept=false/);
      await expect(page.getByRole("table", { name: "Builds" }).getByRole("link", { name: "#2", exact: true })).toBeVisible();
      await expect(page.getByText("1 build matches")).toBeVisible();
    } finally {
      await removeConnection(connection.id);
      await removeUser(member.id);
    }
  });

  test("a member makes one link to the newest build of a branch: testers always get the newest successful one", async ({ page, browser }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Nightly"));
    const member = await createUser({ role: "MEMBER", name: "Nia Nightly" });
    const { organizationId } = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id }, select: { organizationId: true } });
    // Finished builds as the worker leaves them: a status, a branch, and the files they kept.
    const finished = async (number: number, status: "SUCCEEDED" | "FAILED", branch: string, apk: string) =>
      prisma().build.create({
        data: {
          organizationId, profileId: profile.id, number, status, trigger: "PUSH", idempotencyKey: `nightly-${profile.id}-${number}`, commitId: String(number).repeat(40).slice(0, 40), branch: `refs/heads/${branch}`, steps: [], timeoutSeconds: 600, startedAt: new Date(), finishedAt: new Date(),
          artifacts: { create: { organizationId, path: "out/Wallet.apk", size: BigInt(apk.length), sha256: "0".repeat(64), complete: true, chunks: { create: { seq: 0, data: Buffer.from(apk) } } } },
        },
      });
    try {
      await finished(1, "SUCCEEDED", "main", "apk-1");
      await finished(2, "SUCCEEDED", "main", "apk-2");
      await prisma().buildProfile.update({ where: { id: profile.id }, data: { nextBuildNumber: 3 } });
      await signInPage(page, member.email, member.password);
      await page.goto(`/profiles/${profile.id}`);
      const card = page.getByRole("region", { name: "Testers' link to the newest build" });
      await expect(card).toContainText("No link yet.");
      await expect(card.getByLabel("Branch")).toHaveValue("main");
      await expect(card.getByLabel("The link works for")).toHaveValue("90");
      // A branch name Git refuses is named, and kept as typed; nothing is made.
      await card.getByLabel("Branch").fill("release..2");
      await card.getByRole("button", { name: "Make a link" }).click();
      await expect(card.getByText("Branch is not a valid Git branch name").first()).toBeVisible();
      await expect(card.getByLabel("Branch")).toHaveValue("release..2");
      expect(await prisma().profileShare.count({ where: { profileId: profile.id } })).toBe(0);
      await card.getByLabel("Branch").fill("main");
      await card.getByRole("button", { name: "Make a link" }).click();
      await expect(card.getByText("Made a link to the newest build of main that works for 90 days. Send it to your testers.")).toBeVisible();
      const linkField = card.getByRole("textbox", { name: /^Link to the newest build of main until .*, made by Nia Nightly$/ });
      const link = await linkField.inputValue();
      expect(link).toMatch(new RegExp(`^${KEEL_URL}/share/[A-Za-z0-9_-]{43}$`));
      await expectNoSeriousA11yViolations(page, "profile page with a link to the newest build");

      const tester = await browser.newContext({ ignoreHTTPSErrors: true });
      try {
        const testerPage = await tester.newPage();
        await testerPage.goto(link);
        await expect(testerPage.getByRole("heading", { level: 1 })).toHaveText(`${profile.name} #2`);
        await expect(testerPage.getByText("This link always opens the newest successful build of main")).toBeVisible();
        await expectNoSeriousA11yViolations(testerPage, "link to the newest build");
        const download = async () => (await (await tester.request.get((await testerPage.getByRole("link", { name: "Download out/Wallet.apk" }).getAttribute("href"))!)).text());
        expect(await download()).toBe("apk-2");
        // A failure and another branch's success change nothing; the next success of main is what the same link opens.
        await finished(3, "FAILED", "main", "apk-3");
        await finished(4, "SUCCEEDED", "feature/dark-mode", "apk-4");
        await testerPage.reload();
        await expect(testerPage.getByRole("heading", { level: 1 })).toHaveText(`${profile.name} #2`);
        await finished(5, "SUCCEEDED", "main", "apk-5");
        await testerPage.reload();
        await expect(testerPage.getByRole("heading", { level: 1 })).toHaveText(`${profile.name} #5`);
        expect(await download()).toBe("apk-5");
        // Turned off on the profile page: the link opens nothing.
        await card.getByRole("button", { name: "Turn off" }).click();
        await expect(card.getByText("The link is off: it no longer opens any build.")).toBeVisible();
        await testerPage.reload();
        await expect(testerPage.getByRole("heading", { name: "This link no longer works" })).toBeVisible();
        expect(await prisma().auditEvent.count({ where: { targetId: profile.id, action: { in: ["profile.shared", "profile.share_revoked"] } } })).toBe(2);
      } finally {
        await tester.close();
      }
    } finally {
      await removeConnection(connection.id);
      await removeUser(member.id);
    }
  });

  test("a build lists the commits since the last good build of its branch; whoever shares it edits them into what's new for testers", async ({ page, browser }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Changes"));
    const web = "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App";
    const { organizationId } = await prisma().buildProfile.update({ where: { id: profile.id }, data: { webUrl: web, nextBuildNumber: 3 }, select: { organizationId: true } });
    const member = await createUser({ role: "MEMBER", name: "Cam Changes" });
    const [older, newer] = ["b".repeat(40), "c".repeat(40)];
    // Builds as the worker leaves them: #2 with the commits Azure DevOps listed since #1 (lib/builds/build-io.db.test.ts proves the worker's part).
    const build = (number: number, commitId: string, changes?: object, apk = "apk") =>
      prisma().build.create({
        data: {
          organizationId, profileId: profile.id, number, status: "SUCCEEDED", trigger: "PUSH", idempotencyKey: `changes-${profile.id}-${number}`, commitId, branch: "refs/heads/main", steps: [], timeoutSeconds: 600, startedAt: new Date(), finishedAt: new Date(),
          ...(changes ? { changes } : {}),
          artifacts: { create: { organizationId, path: `out/Wallet-${number}.apk`, size: BigInt(apk.length), sha256: "0".repeat(64), complete: true, chunks: { create: { seq: 0, data: Buffer.from(apk) } } } },
        },
      });
    try {
      const first = await build(1, "a".repeat(40), { since: null, commits: [], complete: true });
      // A commit of its own: "Every build of this commit" lists this build alone.
      const second = await build(2, randomBytes(20).toString("hex"), {
        since: { buildId: first.id, number: 1, commitId: first.commitId },
        commits: [
          { id: newer, message: "Show the player's rank", author: "Mona Kane", date: "2026-12-01T10:00:00Z" },
          { id: older, message: "Add the leaderboard", author: "Kai Olsen", date: "2026-11-30T09:00:00Z" },
        ],
        complete: true,
      }, "apk-2.5");
      await signInPage(page, member.email, member.password);
      await page.goto(`/builds/${first.id}`);
      await expect(page.getByRole("region", { name: "Changes" })).toContainText("No earlier successful build of main to compare with.");
      await expect(page.getByRole("list", { name: "Artifacts" })).not.toContainText("since #");

      await page.goto(`/builds/${second.id}`);
      // Its app, renamed with the build, is compared with the one the last good build kept.
      await expect(page.getByRole("list", { name: "Artifacts" }).getByRole("listitem")).toContainText(["out/Wallet-2.apk7 B+4 B (+133 %) since #1"]);
      const card = page.getByRole("region", { name: "Changes" });
      await expect(card).toContainText("2 commits since #1, the last successful build of main. The steps get them in $KEEL_BUILD_CHANGELOG, for release notes.");
      const commits = card.getByRole("list", { name: "Commits in this build" }).getByRole("listitem");
      await expect(commits).toHaveCount(2);
      await expect(commits.first()).toContainText("Show the player's rank");
      await expect(commits.first()).toContainText("Mona Kane");
      await expect(commits.first().getByRole("link", { name: `Commit ${newer.slice(0, 8)}` })).toHaveAttribute("href", `${web}/commit/${newer}`);
      await expect(commits.nth(1)).toContainText("Add the leaderboard");
      await expectNoSeriousA11yViolations(page, "build page with its changes");
      await card.getByRole("link", { name: "the last successful build of main" }).click();
      await expect(page).toHaveURL(new RegExp(`/builds/${first.id}$`));
      await page.goto(`/builds/${second.id}`);
      await page.getByRole("link", { name: "Every build of this commit" }).click();
      await expect(page).toHaveURL(new RegExp(`/builds\\?commit=${second.commitId}$`));
      await expect(page.getByLabel("Commit")).toHaveValue(second.commitId);
      await expect(page.getByRole("table", { name: "Builds" }).getByRole("row")).toHaveCount(2);
      await expect(page.getByRole("table", { name: "Builds" })).toContainText(`${profile.name}`);
      // "Which build has the leaderboard?": words of the commit message, in the search box.
      const words = `leaderboard ${profile.id.slice(0, 8)}`;
      await prisma().build.update({ where: { id: second.id }, data: { commitMessage: `Add the ${words} to the menu` } });
      await page.goto("/builds");
      await page.getByRole("search", { name: "Filter builds" }).getByLabel("Search").fill(words.toUpperCase());
      await page.getByRole("search", { name: "Filter builds" }).getByRole("button", { name: "Apply" }).click();
      await expect(page).toHaveURL(/[?&]q=/);
      await expect(page.getByRole("table", { name: "Builds" }).getByRole("row")).toHaveCount(2);
      await expect(page.getByRole("table", { name: "Builds" })).toContainText(`${profile.name}`);
      await expectNoSeriousA11yViolations(page, "builds searched by commit message");
      // Half an id is refused by name, and the list is not filtered by it.
      await page.goto(`/builds?commit=3cf`);
      await expect(page.getByText("Commit must be 4 to 40 hexadecimal characters").first()).toBeVisible();

      await page.goto(`/builds/${second.id}`);
      const share = page.getByRole("region", { name: "Share with testers" });
      // What testers will read starts as the commit messages (no authors), for the sharer to edit.
      const notes = share.getByLabel("What's new");
      await expect(notes).toHaveValue("- Show the player's rank\n- Add the leaderboard\n");
      // Past the field's own limit (as a script could send it): the server refuses it by name.
      await notes.evaluate((field) => field.removeAttribute("maxlength"));
      await notes.fill("x".repeat(2_001));
      await share.getByRole("button", { name: "Make a link" }).click();
      await expect(share.getByText("What's new must be at most 2,000 characters").first()).toBeVisible();
      // Kept as typed, up to what the field holds (a failed form echoes at most 2,000 characters).
      await expect(notes).toHaveValue("x".repeat(2_000));
      expect(await prisma().buildShare.count({ where: { buildId: second.id } })).toBe(0);
      await notes.fill("- Your rank shows beside your name\n- A leaderboard: try it on an iPad too");
      await share.getByRole("button", { name: "Make a link" }).click();
      const link = await share.getByRole("textbox", { name: /^Link until / }).inputValue();
      await expectNoSeriousA11yViolations(page, "build page with its changes and a link");
      // A second link with What's new emptied shows none.
      await notes.fill("");
      await share.getByRole("button", { name: "Make a link" }).click();
      await expect(share.getByRole("textbox", { name: /^Link until / })).toHaveCount(2);
      const plain = (await share.getByRole("textbox", { name: /^Link until / }).evaluateAll((fields) => fields.map((field) => (field as HTMLInputElement).value))).find((value) => value !== link)!;
      const tester = await browser.newContext({ ignoreHTTPSErrors: true });
      try {
        const testerPage = await tester.newPage();
        await testerPage.goto(link);
        const news = testerPage.getByRole("region", { name: "What's new" });
        await expect(news).toHaveText("What's new- Your rank shows beside your name\n- A leaderboard: try it on an iPad too");
        await expectNoSeriousA11yViolations(testerPage, "shared build with what's new");
        await testerPage.goto(plain);
        await expect(testerPage.getByRole("heading", { level: 1 })).toHaveText(`${profile.name} #2`);
        await expect(testerPage.getByRole("region", { name: "What's new" })).toHaveCount(0);
      } finally {
        await tester.close();
      }
    } finally {
      await removeConnection(connection.id);
      await removeUser(member.id);
    }
  });

  test("a failed build says which tests are new, which failed before and which are flaky; Insights lists the tests that fail most", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Tests"));
    const { organizationId } = await prisma().buildProfile.update({ where: { id: profile.id }, data: { nextBuildNumber: 7 }, select: { organizationId: true } });
    const member = await createUser({ role: "MEMBER", name: "Tess Tests" });
    const rebuilt = "e".repeat(40);
    // Builds as the worker leaves them, with what their JUnit reports said (lib/builds/test-reports.ts reads them).
    const build = (number: number, branch: string, commitId: string, failed: string[], pullRequestId: number | null = null) =>
      prisma().build.create({
        data: {
          organizationId, profileId: profile.id, number, status: failed.length > 0 ? "FAILED" : "SUCCEEDED", trigger: "PUSH", idempotencyKey: `tests-${profile.id}-${number}`, commitId, branch: `refs/heads/${branch}`, steps: [], timeoutSeconds: 600,
          queuedAt: new Date(Date.now() - (10 - number) * 60_000), startedAt: new Date(), finishedAt: new Date(),
          ...(pullRequestId ? { pullRequestId, pullRequestIteration: 1, sourceRef: `refs/heads/${branch}`, targetRef: "refs/heads/main" } : {}),
          testSummary: { total: 3, passed: 3 - failed.length, failed: failed.length, skipped: 0, durationMs: 1_200, reports: 1, failures: failed.map((name) => ({ suite: "WalletTests", className: "WalletTests", name, kind: "failure", message: `${name}: expected 0.00` })) },
        },
      });
    try {
      await build(1, "main", "a".repeat(40), []);
      // An admin changed the workflow after #1, the last good build of main (as the audit log records it).
      await prisma().auditEvent.create({
        data: { organizationId, actorId: member.id, action: "workflow.updated", targetType: "build_profile", targetId: profile.id, data: { changed: ["steps"], steps: ["Build", "Unit tests"], stepsBefore: ["Build"] }, createdAt: new Date(Date.now() - 8.5 * 60_000) },
      });
      await build(2, "main", "b".repeat(40), ["testLogin"]);
      const third = await build(3, "main", rebuilt, ["testLogin", "testBalance", "testSync"]);
      // The same commit built again for release: testSync did not fail there.
      const fourth = await build(4, "release", rebuilt, ["testLogin", "testBalance"]);
      await signInPage(page, member.email, member.password);
      await page.goto(`/builds/${third.id}`);
      const tests = page.getByRole("region", { name: "Tests" });
      await expect(tests).toContainText("Of the failed cases: 1 new in this build, 1 failing since an earlier build, 1 flaky.");
      const failed = tests.getByRole("list", { name: "Failed tests" }).getByRole("listitem");
      await expect(failed.nth(0)).toContainText("WalletTests › testLogin");
      await expect(failed.nth(0)).toContainText("Failing since #2");
      await expect(failed.nth(0)).toContainText("Not new: the last 2 builds of main with test results failed it, since #2 (#1 did not).");
      await expect(failed.nth(1)).toContainText("New in this build: #2, the build of main before it with test results, did not fail it.");
      await expect(failed.nth(2)).toContainText("Flaky: #4 built this same commit and did not fail it.");
      // Not in the code: the workflow changed since #1, the last good build of main.
      const keel = page.getByRole("region", { name: "Changed in Keel" });
      await expect(keel).toContainText("since #1, the last successful build of main");
      await expect(keel.getByRole("listitem")).toHaveText([/^Workflow changed: steps \(Build → Build, Unit tests\).*by Tess Tests$/]);
      await expectNoSeriousA11yViolations(page, "build page with failed tests' history");
      await failed.nth(2).getByRole("link", { name: "#4" }).click();
      await expect(page).toHaveURL(new RegExp(`/builds/${fourth.id}$`));
      // #4's failures have no history: nothing earlier of release, and #3 failed them too.
      await expect(page.getByRole("region", { name: "Tests" }).getByRole("list", { name: "Failed tests" })).not.toContainText(/New|Failing since|Flaky/);

      // A pull request into main: a case main's newest build (#3) fails too is not its doing; another is new.
      const pullRequest = await build(5, "feature/rates", "f".repeat(40), ["testLogin", "testRates"], 9);
      // From a fork, built by itself without the profile's secrets: its page says so.
      await prisma().build.update({ where: { id: pullRequest.id }, data: { secretsWithheld: true } });
      await page.goto(`/builds/${pullRequest.id}`);
      await expect(page.getByText("From a fork, built by itself without the profile's secrets")).toBeVisible();
      // Lists mark it too: not an app to ship.
      await page.goto(`/builds?profile=${profile.id}`);
      const rowOf = (number: number) => page.getByRole("table", { name: "Builds" }).getByRole("row").filter({ has: page.getByRole("link", { name: `#${number}`, exact: true }) });
      await expect(rowOf(5)).toContainText("fork, no secrets");
      await expect(rowOf(4)).not.toContainText("fork, no secrets");
      await page.goto(`/builds/${pullRequest.id}`);
      const prFailed = page.getByRole("region", { name: "Tests" }).getByRole("list", { name: "Failed tests" }).getByRole("listitem");
      await expect(prFailed.nth(0)).toContainText("Fails on main too");
      await expect(prFailed.nth(0)).toContainText("Not this pull request's doing: #3 of main, the newest build of main before it with test results, failed it too.");
      await expect(prFailed.nth(1)).toContainText("New in this pull request: #3 of main, the newest build of main before it with test results, did not fail it.");
      await expect(page.getByRole("region", { name: "Tests" })).toContainText("Of the failed cases: 1 new in this build, 1 failing on main too.");

      await page.goto(`/profiles/${profile.id}/insights`);
      const failing = page.getByRole("table", { name: "Tests that fail most" });
      await expect(page.getByRole("region", { name: "Tests that fail most" })).toContainText("out of 5 builds with test results");
      const rows = failing.getByRole("row");
      await expect(rows).toHaveCount(5);
      await expect(rows.nth(1)).toContainText("WalletTests › testLogin");
      await expect(rows.nth(1)).toContainText("4 of 5");
      await expect(rows.nth(1)).not.toContainText("Flaky");
      await expect(rows.nth(2)).toContainText("WalletTests › testBalance");
      await expect(rows.nth(2)).toContainText("2 of 5");
      await expect(rows.nth(2)).not.toContainText("Flaky");
      await expect(rows.nth(3)).toContainText("WalletTests › testRates");
      await expect(rows.nth(4)).toContainText("WalletTests › testSync");
      await expect(rows.nth(4)).toContainText("1 of 5");
      await expect(rows.nth(4)).toContainText("Flaky");
      // main: green at #1, broken by #2 and not fixed yet (the release branch's and the pull request's builds are not main's).
      const red = page.getByRole("region", { name: "Time main was red" });
      await expect(red).toContainText(/^.*main broke once in the last 30 days and was red for .* in all\./);
      await expect(red).toContainText("Red now, since #2");
      await expectNoSeriousA11yViolations(page, "insights with failing tests");
      await rows.nth(2).getByRole("link", { name: "#4" }).click();
      await expect(page).toHaveURL(new RegExp(`/builds/${fourth.id}$`));
      // The next build of main passes them all: its Tests card names what passes again since #3.
      const green = await build(6, "main", "d".repeat(40), []);
      await page.goto(`/builds/${green.id}`);
      const greenTests = page.getByRole("region", { name: "Tests" });
      await expect(greenTests).toContainText("Passing again since #3: WalletTests › testLogin, WalletTests › testBalance, WalletTests › testSync.");
      await expect(greenTests).toContainText("All passed");
    } finally {
      await removeConnection(connection.id);
      await removeUser(member.id);
    }
  });

  test("an admin says where the app is; the build keeps it and anyone downloads it as built", async ({ page, request }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Artifacts"));
    // An ad hoc build of the app, and an App Store one, beside a file that only has its name (no app inside).
    const ipa = await walletIpa({ name: "Wallet Ad Hoc", devices: 3 });
    const storeIpa = await walletIpa({ name: "Wallet App Store" });
    const apk = await releaseApk();
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}/workflow#artifacts`);
      const patterns = page.getByLabel(/^Files to keep after the steps have run/);
      await expect(patterns).toHaveAttribute("placeholder", /build\/\*\*\/\*\.ipa/);
      // A pattern reaching out of the workspace is refused, named, and kept as typed.
      await patterns.fill("out/*.ipa\n../keys/*");
      await page.getByRole("button", { name: "Save workflow" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "The workflow was not saved" })).toContainText("Artifact pattern “../keys/*”: must stay inside the workspace: remove the .. folder.");
      await expect(patterns).toHaveValue("out/*.ipa\n../keys/*");
      await patterns.fill("out/*.ipa\n\nnothing/*.zip");
      await page.getByRole("button", { name: "Add a step" }).click();
      await page.getByLabel("Name", { exact: true }).last().fill("Package");
      await page
        .getByLabel("Command", { exact: true })
        .last()
        .fill(
          [
            'mkdir -p out && printf "wallet-ipa" > out/Wallet.ipa',
            `echo '${ipa.toString("base64")}' | base64 -d > out/Wallet-AdHoc.ipa`,
            `echo '${apk.toString("base64")}' | base64 -d > "$KEEL_BUILD_ARTIFACTS/wallet-release.apk"`,
            'echo "release notes" > "$KEEL_BUILD_ARTIFACTS/notes.txt"',
            `echo '<testsuite name="WalletTests"><testcase classname="WalletTests" name="testBalance"/><testcase classname="WalletTests" name="testEmpty"><failure message="expected 0.00"/></testcase></testsuite>' > "$KEEL_BUILD_ARTIFACTS/junit.xml"`,
          ].join("\n"),
        );
      await page.getByRole("button", { name: "Add a step" }).click();
      await page.getByLabel("Name", { exact: true }).last().fill("Export for the App Store");
      await page.getByLabel("Command", { exact: true }).last().fill(`echo '${storeIpa.toString("base64")}' | base64 -d > out/Wallet-AppStore.ipa`);
      await page.getByRole("button", { name: "Save workflow" }).click();
      await expect(page.getByText("Saved. The next build uses this workflow.")).toBeVisible();
      expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).artifactPatterns).toEqual(["out/*.ipa", "nothing/*.zip"]);
      await expect(patterns).toHaveValue("out/*.ipa\n\nnothing/*.zip");

      const buildId = await startFromProfile(page, profile.id, "main");
      await expect(page.getByRole("status").filter({ hasText: "Succeeded" })).toBeVisible({ timeout: 60_000 });
      await expect(page.getByTestId("build-log")).toContainText("No file matched the artifact pattern nothing/*.zip");
      const kept = page.getByRole("list", { name: "Artifacts" });
      await expect(kept.getByRole("listitem")).toHaveCount(6);
      await expect(kept.getByRole("listitem").nth(0)).toContainText("junit.xml");
      await expect(kept.getByRole("listitem").nth(1)).toContainText("notes.txt");
      // The app says what it is (its Info.plist, read when it was kept) and how it is signed (its
      // embedded provisioning profile); the other file is only a name.
      await expect(kept.getByRole("listitem").nth(2)).toContainText("out/Wallet-AdHoc.ipa");
      await expect(kept.getByRole("listitem").nth(2)).toContainText("Wallet 2.4.0 (4513) · com.fabrikam.wallet");
      await expect(kept.getByRole("listitem").nth(2)).toContainText(`Signed ad hoc for 3 devices with “Wallet Ad Hoc”, until ${formatDay(PROFILE_ENDS)}`);
      await expect(kept.getByRole("listitem").nth(3)).toContainText(`Signed for the App Store with “Wallet App Store”, until ${formatDay(PROFILE_ENDS)}`);
      await expect(kept.getByRole("listitem").nth(4)).toContainText("out/Wallet.ipa");
      await expect(kept.getByRole("listitem").nth(4)).toContainText("10 B");
      await expect(kept.getByRole("listitem").nth(4)).not.toContainText("com.fabrikam.wallet");
      // The Android app too, from its AndroidManifest.xml (its label is a resource: the package names it).
      await expect(kept.getByRole("listitem").nth(5)).toContainText("wallet-release.apk");
      await expect(kept.getByRole("listitem").nth(5)).toContainText("com.fabrikam.wallet 2.4.0 (4513)");
      // And who signed it (its v2 signing block), with the fingerprint Google Play and Firebase show.
      const uploadSha256 = createHash("sha256").update(UPLOAD_KEY.der).digest("hex").toUpperCase().match(/../g)!.join(":");
      await expect(kept.getByRole("listitem").nth(5)).toContainText(`Signed by “Fabrikam Upload Key” (SHA-256 ${uploadSha256})`);
      await expect(page.getByTestId("build-log")).toContainText(`Kept wallet-release.apk (${formatSize(apk.length)}): com.fabrikam.wallet 2.4.0 (4513); signed by “Fabrikam Upload Key” (SHA-256 ${uploadSha256}).`);
      await expect(page.getByTestId("build-log")).toContainText(
        `Kept out/Wallet-AdHoc.ipa (${formatSize(ipa.length)}): Wallet 2.4.0 (4513), com.fabrikam.wallet; signed ad hoc for 3 devices with “Wallet Ad Hoc”, until ${formatDay(PROFILE_ENDS)}.`,
      );
      await expect(page.getByTestId("build-log")).toContainText("Kept out/Wallet.ipa (10 B); testers cannot install it from a shared link: it is not a zip file.");
      // The JUnit report among them is read: the counts and the failed case with its message.
      const tests = page.getByRole("region", { name: "Tests" });
      await expect(tests).toContainText("2 tests: 1 passed, 1 failed");
      await expect(tests.getByRole("list", { name: "Failed tests" })).toContainText("WalletTests › testEmpty");
      await expect(tests.getByRole("list", { name: "Failed tests" })).toContainText("expected 0.00");
      await expect(page.getByRole("region", { name: "Artifacts" })).toContainText("Kept until a newer build of this profile succeeds");
      await expectNoSeriousA11yViolations(page, "build page with artifacts");
      const downloaded = await downloadOf(page, () => kept.getByRole("link", { name: "out/Wallet.ipa" }).click());
      expect(downloaded.name).toBe("Wallet.ipa");
      expect(downloaded.body.toString("utf8")).toBe("wallet-ipa");
      // Only for people of the organization: without a session the link answers 401.
      const href = (await kept.getByRole("link", { name: "out/Wallet.ipa" }).getAttribute("href"))!;
      expect(href).toMatch(new RegExp(`^/api/builds/${buildId}/artifacts/[0-9a-f-]{36}$`));
      expect((await request.get(href)).status()).toBe(401);
      // Download all: one zip with every file at its path, as built.
      const zipped = await downloadOf(page, () => page.getByRole("link", { name: /^Download all \(/ }).click());
      expect(zipped.name).toBe(`${profile.name} #${(await prisma().build.findUniqueOrThrow({ where: { id: buildId } })).number} artifacts.zip`);
      const entries = await zipEntries(zipped.body);
      expect([...entries.keys()]).toEqual(["junit.xml", "notes.txt", "out/Wallet-AdHoc.ipa", "out/Wallet-AppStore.ipa", "out/Wallet.ipa", "wallet-release.apk"]);
      expect(entries.get("out/Wallet.ipa")).toBe("wallet-ipa");
      expect(entries.get("notes.txt")).toBe("release notes\n");
      expect((await request.get(`/api/builds/${buildId}/artifacts.zip`)).status()).toBe(401);
      // Testers without an account: a link that opens the build's files, on a phone through its QR code.
      const share = page.getByRole("region", { name: "Share with testers" });
      await expect(share).toContainText("No link yet.");
      await share.getByLabel("The link works for").selectOption("1");
      await share.getByRole("button", { name: "Make a link" }).click();
      await expect(share.getByText("Made a link that works for a day. Send it to your testers.")).toBeVisible();
      const linkField = share.getByRole("textbox", { name: /^Link until / });
      await expect(linkField).toHaveValue(new RegExp(`^${KEEL_URL}/share/[A-Za-z0-9_-]{43}$`));
      const link = await linkField.inputValue();
      await expectNoSeriousA11yViolations(page, "build page with a share link");
      const tester = await page.context().browser()!.newContext({ ignoreHTTPSErrors: true });
      try {
        const testerPage = await tester.newPage();
        await testerPage.goto(link);
        await expect(testerPage.getByRole("heading", { level: 1 })).toHaveText(`${profile.name} #${(await prisma().build.findUniqueOrThrow({ where: { id: buildId } })).number}`);
        const files = testerPage.getByRole("list", { name: "Shared files" });
        await expect(files.getByRole("listitem")).toHaveCount(6);
        // An Android app installs from its download: named, with no Install button (that is for iPhones).
        const android = files.getByRole("listitem").filter({ hasText: "wallet-release.apk" });
        await expect(android).toContainText("com.fabrikam.wallet 2.4.0 (4513)");
        await expect(android).toContainText("Android: open this page on the phone");
        await expect(android.getByRole("link", { name: /^Install/ })).toHaveCount(0);
        await expect(files.getByRole("listitem").filter({ hasText: "out/Wallet.ipa" })).toContainText("TestFlight");
        await expect(files.getByRole("listitem").filter({ hasText: "out/Wallet.ipa" }).getByRole("link", { name: /^Install/ })).toHaveCount(0);
        // The app installs on an iPhone from the page: iOS gets the manifest's address, reads the app's
        // identity there and downloads the file from the share link (HTTPS: Keel runs on it here).
        const adHoc = files.getByRole("listitem").filter({ hasText: "out/Wallet-AdHoc.ipa" });
        await expect(adHoc).toContainText("Wallet 2.4.0 (4513)");
        await expect(adHoc).toContainText(`It installs only on the 3 devices registered in its provisioning profile “Wallet Ad Hoc” (until ${formatDay(PROFILE_ENDS)})`);
        // An App Store build installs only through TestFlight or the App Store: no Install button, and the page says so.
        const store = files.getByRole("listitem").filter({ hasText: "out/Wallet-AppStore.ipa" });
        await expect(store).toContainText("this build is signed for the App Store, which installs only through TestFlight or the App Store");
        await expect(store.getByRole("link", { name: /^Install/ })).toHaveCount(0);
        await expect(store.getByRole("link", { name: "Download out/Wallet-AppStore.ipa" })).toBeVisible();
        const install = adHoc.getByRole("link", { name: "Install Wallet 2.4.0 (4513) on this iPhone or iPad" });
        const installHref = (await install.getAttribute("href"))!;
        const manifestUrl = new URL(installHref).searchParams.get("url")!;
        expect(installHref.startsWith("itms-services://?action=download-manifest&url=")).toBe(true);
        expect(manifestUrl).toMatch(new RegExp(`^${KEEL_URL}/api/share/[A-Za-z0-9_-]{43}/artifacts/[0-9a-f-]{36}/manifest$`));
        const manifestAnswer = await tester.request.get(manifestUrl);
        expect(manifestAnswer.headers()["content-type"]).toBe("application/xml; charset=utf-8");
        const manifest = parsePlist(await manifestAnswer.text()) as { items: Array<{ assets: Array<{ kind: string; url: string }>; metadata: Record<string, string> }> };
        const appHref = (await adHoc.getByRole("link", { name: "Download out/Wallet-AdHoc.ipa" }).getAttribute("href"))!;
        expect(manifest.items).toEqual([{ assets: [{ kind: "software-package", url: `${KEEL_URL}${appHref}` }], metadata: { "bundle-identifier": "com.fabrikam.wallet", "bundle-version": "2.4.0", kind: "software", title: "Wallet" } }]);
        expect(Buffer.from(await (await tester.request.get(manifest.items[0]!.assets[0]!.url)).body()).equals(ipa)).toBe(true);
        // A file that holds no app has no manifest.
        const plainId = (await files.getByRole("link", { name: "Download out/Wallet.ipa" }).getAttribute("href"))!.split("/").at(-1)!;
        expect((await tester.request.get(manifestUrl.replace(/artifacts\/[0-9a-f-]{36}\//, `artifacts/${plainId}/`))).status()).toBe(404);
        await expect(testerPage.getByRole("img", { name: /^QR code of this page's address/ })).toBeVisible();
        await expectNoSeriousA11yViolations(testerPage, "shared build page");
        const sharedHref = (await files.getByRole("link", { name: "Download out/Wallet.ipa" }).getAttribute("href"))!;
        expect(await (await tester.request.get(sharedHref)).text()).toBe("wallet-ipa");
        // Turned off: the page says so, the file is gone.
        await share.getByRole("button", { name: "Turn off" }).click();
        await expect(share.getByText("The link is off: it no longer opens the build.")).toBeVisible();
        await testerPage.reload();
        await expect(testerPage.getByRole("heading", { name: "This link no longer works" })).toBeVisible();
        expect((await tester.request.get(sharedHref)).status()).toBe(404);
        expect((await tester.request.get(manifestUrl)).status()).toBe(404);
      } finally {
        await tester.close();
      }

      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByRole("region", { name: "Workflow" })).toContainText("Keeps out/*.ipa, nothing/*.zip.");
      // The profile offers the latest successful build's files: what testers come for.
      const latestApp = page.getByRole("group", { name: "Latest successful build's artifacts" });
      await expect(latestApp.getByRole("link", { name: "out/Wallet.ipa" })).toHaveAttribute("href", href);
      await expect(latestApp.getByRole("link", { name: /^#\d+$/ })).toHaveAttribute("href", `/builds/${buildId}#artifacts`);
      await expect(latestApp).toContainText(/From the latest successful build, #\d+ of the branch main/);
      await expect(latestApp.getByRole("link", { name: "Share it with testers" })).toHaveAttribute("href", `/builds/${buildId}#share`);
      await expectNoSeriousA11yViolations(page, "profile page with the latest build's files");
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("an admin posts a profile's builds to a chat channel: a wrong webhook is refused before saving, a failure arrives", async ({ page }) => {
    const received: { path: string; body: { title: string; lines: string[] } }[] = [];
    const channel = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const gone = req.url === "/gone";
        if (!gone) {
          received.push({ path: req.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as { title: string; lines: string[] } });
        }
        res.writeHead(gone ? 404 : 200, { "content-type": "text/plain" });
        res.end(gone ? "no_service" : "ok");
      });
    });
    await new Promise<void>((resolve) => channel.listen(0, "127.0.0.1", resolve));
    const port = (channel.address() as AddressInfo).port;
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Chat"));
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}#chat`);
      const card = page.getByRole("region", { name: "Chat" });
      await expect(card).toContainText("Post this profile's failed and fixed builds to a Slack or Microsoft Teams channel.");
      const url = card.getByLabel("Webhook URL");
      await url.fill(`http://127.0.0.1:${port}/gone`);
      await card.getByRole("button", { name: "Save and send a test message" }).click();
      await expect(card.getByText(/^Nothing was saved: the test message did not arrive\. The webhook is gone \(404\)/)).toBeVisible();
      await expect(card.getByRole("button", { name: "Save and send a test message" })).toBeEnabled();
      // The URL is the channel's key: never sent back to the page.
      await expect(url).toHaveValue("");
      expect(await prisma().profileChatHook.count({ where: { profileId: profile.id } })).toBe(0);

      await url.fill(`http://127.0.0.1:${port}/services/T1/B1/key`);
      await card.getByRole("button", { name: "Save and send a test message" }).click();
      await expect(card.getByText("Saved. Keel posted a test message to the channel.")).toBeVisible();
      expect(received.map((item) => [item.path, item.body.title])).toEqual([["/services/T1/B1/key", `Keel will post here about ${profile.name}`]]);
      await page.reload();
      await expect(card).toContainText(`Failed builds, and the build that fixes them are posted to Webhook · 127.0.0.1:${port}.`);
      await expect(card.getByLabel("New webhook URL")).toHaveValue("");
      expect(await page.content()).not.toContain("/services/T1/B1/key");
      await expectNoSeriousA11yViolations(page, "profile page with a chat channel");

      const buildId = await startFromProfile(page, profile.id, DEFAULT_BUILD_BRANCHES.failing);
      await expect.poll(() => received.length, { timeout: 60_000 }).toBe(2);
      expect(received[1]!.body.title).toBe(`❌ ${profile.name} #1 failed`);
      expect(received[1]!.body.lines[0]).toBe("Step “Test” failed with exit code 1.");
      // Its link opens the log at the line that says why.
      expect(JSON.stringify(received[1]!.body)).toMatch(new RegExp(`/builds/${buildId}#L\\d+"`));

      await page.goto(`/profiles/${profile.id}#chat`);
      await expect(card).toContainText("Last message delivered");
      await card.getByRole("button", { name: "Send a test message" }).click();
      await expect(card.getByText(`Sent. Look for it in the channel (Webhook · 127.0.0.1:${port}).`)).toBeVisible();
      expect(received).toHaveLength(3);
      await card.getByRole("button", { name: "Stop posting to this channel" }).click();
      await expect(card.getByText("Removed. Keel no longer posts this profile's builds to a chat channel.")).toBeVisible();
      expect(await prisma().profileChatHook.count({ where: { profileId: profile.id } })).toBe(0);
    } finally {
      channel.closeAllConnections();
      await new Promise((resolve) => channel.close(resolve));
      await removeConnection(connection.id);
    }
  });

  test("an admin gives the secrets only to the default branch: a feature branch's build runs without them and says why", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Guarded"));
    try {
      await prisma().buildProfile.update({ where: { id: profile.id }, data: { workflowSteps: [{ name: "Build", command: "echo built" }] } });
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}/workflow`);
      const form = page.getByRole("form", { name: "Who gets the secrets" });
      await expect(form.getByRole("radio", { name: /^Every build/ })).toBeChecked();
      await form.getByRole("radio", { name: /^Only builds of these branches and tags/ }).check();
      // A pattern with a space is refused by name, and what was typed stays.
      await form.getByRole("textbox", { name: "Branches" }).fill("main\nbad branch");
      await form.getByRole("button", { name: "Save" }).click();
      await expect(form.getByText(/Branches: “bad branch” — /).first()).toBeVisible();
      await expect(form.getByRole("textbox", { name: "Branches" })).toHaveValue("main\nbad branch");
      expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).secretRefs).toBeNull();
      await form.getByRole("textbox", { name: "Branches" }).fill("");
      await form.getByRole("button", { name: "Save" }).click();
      await expect(form.getByText("Saved. From the next build, only builds of these branches and tags get the secrets")).toBeVisible();
      await expect(page.getByRole("region", { name: "Who gets the secrets" })).toContainText("Only builds of the default branch (main) get the secret variables");
      await expectNoSeriousA11yViolations(page, "who gets the secrets");

      // The profile says so, and Start build tells before a branch's build starts without them.
      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByRole("region", { name: "Workflow" })).toContainText("Secrets only for builds of the default branch (main).");
      const startForm = page.getByRole("form", { name: "Start a build" });
      const note = startForm.getByRole("note").filter({ hasText: "runs without the profile's secret variables and files" });
      await expect(note).toHaveCount(0);
      await startForm.getByRole("combobox", { name: "Branch" }).fill(DEFAULT_BUILD_BRANCHES.slow);
      await expect(note).toHaveText("A build of this branch runs without the profile's secret variables and files: only builds of the default branch (main) get them.");
      await startForm.getByLabel("A pull request").check();
      await expect(note).toContainText("A pull request's build runs without");
      const buildId = await startFromProfile(page, profile.id, DEFAULT_BUILD_BRANCHES.slow);
      await expect(page.getByRole("status").filter({ hasText: "Succeeded" })).toBeVisible({ timeout: 60_000 });
      await expect(page.getByText(`Not given to this build: the branch ${DEFAULT_BUILD_BRANCHES.slow} is not one of them: only builds of the default branch (main) get them`)).toBeVisible();
      await expect(page.getByTestId("build-log")).toContainText(`Without the profile's secrets: the branch ${DEFAULT_BUILD_BRANCHES.slow} is not one of them`);
      expect((await prisma().build.findUniqueOrThrow({ where: { id: buildId } })).secretsWithheldFor).toBe("REF");
      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByRole("table", { name: `Latest builds of ${profile.name}` }).getByRole("row").filter({ hasText: "no secrets" })).toHaveCount(1);
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("an admin moves a queued build to the front of its pool's queue", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Hotfix"));
    try {
      // A pool no worker of this Keel builds for: the build stays queued while the page is looked at.
      await prisma().buildProfile.update({ where: { id: profile.id }, data: { workflowSteps: [{ name: "Build", command: "echo built" }], buildPool: "hotfix-macs" } });
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      const buildId = await startFromProfile(page, profile.id, "main");
      const status = page.getByRole("region", { name: "Status" });
      await status.getByRole("button", { name: "Run next" }).click();
      await expect(status.getByText("Moved to the front of the queue: the next free worker of its pool takes it.")).toBeVisible();
      await expect(status.getByText("An admin moved it to the front of the queue")).toBeVisible();
      await expect(status.getByRole("button", { name: "Run next" })).toHaveCount(0);
      await expect(page.getByTestId("queue-position")).toContainText("Next in the queue");
      expect((await prisma().build.findUniqueOrThrow({ where: { id: buildId } })).runNextAt).not.toBeNull();
      await expectNoSeriousA11yViolations(page, "queued build moved to the front");
      await status.getByRole("button", { name: "Cancel build" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Canceled" })).toBeVisible();
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("an admin pauses a profile's builds: one started meanwhile waits, saying who paused them and why, and runs once they are resumed", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Paused"));
    try {
      await prisma().buildProfile.update({ where: { id: profile.id }, data: { workflowSteps: [{ name: "Build", command: "echo built" }] } });
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}`);
      const pause = page.getByRole("form", { name: "Pause builds" });
      // A panel over the page, closed with Escape like a menu (the focus back on its button).
      await pause.getByRole("button", { name: "Pause builds…" }).click();
      await pause.getByRole("textbox", { name: /^Why/ }).press("Escape");
      await expect(pause.getByRole("textbox", { name: /^Why/ })).toHaveCount(0);
      await expect(pause.getByRole("button", { name: "Pause builds…" })).toBeFocused();
      await pause.getByRole("button", { name: "Pause builds…" }).click();
      await pause.getByRole("textbox", { name: /^Why/ }).fill("Xcode 17 upgrade on the Macs");
      await pause.getByRole("button", { name: "Pause builds", exact: true }).click();
      await expect(page.getByText("Paused: builds still queue, but none starts until an admin resumes them.")).toBeVisible();
      await expect(page.getByText("Builds of this profile are paused")).toBeVisible();
      await expect(page.getByText(/paused them on .*: “Xcode 17 upgrade on the Macs”\./)).toBeVisible();
      await expectNoSeriousA11yViolations(page, "paused profile");

      const buildId = await startFromProfile(page, profile.id, "main");
      await expect(page.getByTestId("queue-position")).toContainText("paused this profile's builds (“Xcode 17 upgrade on the Macs”). It starts once an admin resumes them");
      // A worker took its job and put it back: it stays queued.
      await expect
        .poll(async () => (await prisma().$queryRawUnsafe<{ state: string }[]>(`SELECT state::text FROM pgboss.job WHERE id = $1::uuid`, buildId)).map((row) => row.state), { timeout: 30_000 })
        .toContain("retry");
      expect((await prisma().build.findUniqueOrThrow({ where: { id: buildId } })).status).toBe("QUEUED");
      // The profiles list marks it, and Show → Builds paused finds it.
      await page.goto(`/profiles?show=paused&q=${encodeURIComponent(profile.name)}`);
      await expect(page.getByRole("row").filter({ hasText: profile.name })).toContainText("Builds paused");
      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByText(/no worker starts them \(1 build waits\)/)).toBeVisible();
      await expect(page.getByRole("table", { name: `Latest builds of ${profile.name}` })).toContainText("paused: waits for an admin to resume");

      await page.getByRole("form", { name: "Resume builds" }).getByRole("button", { name: "Resume builds" }).click();
      await expect(page.getByText("Resumed: the build in its queue starts within seconds.")).toBeVisible();
      await expect(page.getByText("Builds of this profile are paused")).toHaveCount(0);
      await page.goto(`/profiles?show=paused&q=${encodeURIComponent(profile.name)}`);
      await expect(page.getByText("No build profiles match")).toBeVisible();
      await page.goto(`/profiles/${profile.id}`);
      await page.goto(`/builds/${buildId}`);
      await expect(page.getByRole("status").filter({ hasText: "Succeeded" })).toBeVisible({ timeout: 60_000 });
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("a status badge: turned on by an admin, public at its address, per branch, gone with a new address", async ({ page, request }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Badge"));
    try {
      const base = { organizationId: profile.organizationId, profileId: profile.id, trigger: "MANUAL" as const, commitId: "a".repeat(40), steps: [], timeoutSeconds: 600 };
      await prisma().build.createMany({
        data: [
          { ...base, number: 1, status: "FAILED", branch: "refs/heads/main", idempotencyKey: `badge-${profile.id}-1` },
          { ...base, number: 2, status: "SUCCEEDED", branch: "refs/heads/main", idempotencyKey: `badge-${profile.id}-2` },
          { ...base, number: 3, status: "CANCELED", branch: "refs/heads/main", idempotencyKey: `badge-${profile.id}-3` },
          { ...base, number: 4, status: "FAILED", branch: "refs/heads/release/1.0", idempotencyKey: `badge-${profile.id}-4` },
        ],
      });
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}#badge`);
      const card = page.getByRole("region", { name: "Status badge" });
      await expect(card).toContainText("Off.");
      await card.getByRole("button", { name: "Turn the badge on" }).click();
      await expect(card.getByText("The badge is on: paste the Markdown into your README.")).toBeVisible();
      const markdown = await card.getByLabel("Markdown for a README").inputValue();
      const address = /\]\((https?:\/\/[^)]+\/api\/badges\/[A-Za-z0-9_-]{32})\)\]/.exec(markdown)![1]!;
      expect(markdown).toBe(`[![Build status](${address})](${KEEL_URL}/profiles/${profile.id})`);
      await expect(card.getByRole("img", { name: "Build status badge" })).toBeVisible();
      await expectNoSeriousA11yViolations(page, "profile page with a status badge");
      // Anyone with the address, no session: the latest finished build of the default branch (cancels skipped).
      const path = new URL(address).pathname;
      const shown = async (suffix = "") => {
        const response = await request.get(`${path}${suffix}`);
        return { status: response.status(), type: response.headers()["content-type"], label: /aria-label="([^"]+)"/.exec(await response.text())?.[1] };
      };
      expect(await shown()).toEqual({ status: 200, type: "image/svg+xml; charset=utf-8", label: "build: passing" });
      expect((await shown("?branch=release/1.0")).label).toBe("build: failing");
      expect((await shown("?branch=nothing-yet")).label).toBe("build: no builds");
      expect(await shown("?branch=bad..name")).toMatchObject({ status: 400, label: "build: invalid branch" });
      // A new address ends the old one.
      await card.getByRole("button", { name: "New address" }).click();
      await expect(card.getByText(/^The badge has a new address/)).toBeVisible();
      expect(await shown()).toMatchObject({ status: 404, label: "build: not found" });
      const renewed = new URL(/\]\((https?:\/\/[^)]+)\)\]/.exec(await card.getByLabel("Markdown for a README").inputValue())![1]!).pathname;
      expect((await request.get(renewed)).status()).toBe(200);
      await card.getByRole("button", { name: "Turn the badge off" }).click();
      await expect(card.getByText("The badge is off: its address now shows “not found”.")).toBeVisible();
      expect((await request.get(renewed)).status()).toBe(404);
      expect(await prisma().auditEvent.count({ where: { targetId: profile.id, action: { startsWith: "profile.badge_" } } })).toBe(3);
      // A build past the log retention says where its log went instead of "no output".
      const old = await prisma().build.update({ where: { profileId_number: { profileId: profile.id, number: 1 } }, data: { finishedAt: new Date(Date.now() - 100 * 86_400_000), logDeletedAt: new Date() } });
      await page.goto(`/builds/${old.id}`);
      await expect(page.getByTestId("build-log")).toContainText("Keel deleted this build's log on");
      await expect(page.getByTestId("build-log")).toContainText("keep their log for 90 days (KEEL_BUILD_LOG_DAYS)");
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("an admin uploads a signing keystore; builds find it at its variable's path; it can be removed", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Signing"));
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}/workflow#secret-files`);
      const card = page.getByRole("region", { name: "Secret files" });
      await expect(card).toContainText("No secret files yet.");
      const upload = card.getByRole("form", { name: "Upload a secret file" });
      // No file chosen: refused on the field, nothing stored.
      await upload.getByLabel("Variable").fill("ANDROID_KEYSTORE");
      await upload.getByRole("button", { name: "Upload the file" }).click();
      await expect(upload.getByText("File is required: choose the file to upload").first()).toBeVisible();
      await expect(upload.getByLabel("Variable")).toHaveValue("ANDROID_KEYSTORE");
      const keystore = Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 1, 2, 3]);
      await upload.getByLabel("File", { exact: true }).setInputFiles({ name: "release.jks", mimeType: "application/octet-stream", buffer: keystore });
      await upload.getByRole("button", { name: "Upload the file" }).click();
      await expect(upload.getByText("Saved. The next build finds release.jks at the path in $ANDROID_KEYSTORE.")).toBeVisible();
      const listed = card.getByRole("table", { name: "Secret files" });
      await expect(listed.getByRole("row").filter({ hasText: "ANDROID_KEYSTORE" })).toContainText("release.jks");
      await expect(listed).toContainText("11 B");
      await expectNoSeriousA11yViolations(page, "workflow page with secret files");

      await prisma().buildProfile.update({ where: { id: profile.id }, data: { workflowSteps: [{ name: "Sign", command: 'sha256sum "$ANDROID_KEYSTORE" | cut -c1-64' }] } });
      await startFromProfile(page, profile.id, "main");
      await expect(page.getByRole("status").filter({ hasText: "Succeeded" })).toBeVisible({ timeout: 60_000 });
      await expect(page.getByTestId("build-log")).toContainText(createHash("sha256").update(keystore).digest("hex"));
      await expect(page.getByTestId("build-log")).toContainText("Secret files: ANDROID_KEYSTORE (release.jks).");

      // A release variant: the copy has the file too, and its triggers wait to be turned on.
      await page.goto(`/profiles/${profile.id}`);
      const copyForm = page.getByRole("form", { name: "Copy this profile" });
      await expect(copyForm.getByLabel("Name of the copy")).toHaveValue(`${profile.name} (copy)`);
      await copyForm.getByLabel("Name of the copy").fill(profile.name.toUpperCase());
      await copyForm.getByRole("button", { name: "Copy the profile" }).click();
      await expect(copyForm.getByText(`A build profile named "${profile.name.toUpperCase()}" already exists. Choose another name.`).first()).toBeVisible();
      await copyForm.getByLabel("Name of the copy").fill(`${profile.name} release`);
      await copyForm.getByRole("button", { name: "Copy the profile" }).click();
      await page.waitForURL((url) => url.pathname.startsWith("/profiles/") && !url.pathname.endsWith(profile.id), { timeout: 30_000 });
      await expect(page.getByText(`Copied “${profile.name}” as “${profile.name} release”. Its triggers are manual until you turn them on.`)).toBeVisible();
      await expect(page.getByRole("region", { name: "Triggers" })).toContainText("Manual only");
      const copyId = new URL(page.url()).pathname.split("/").at(-1)!;
      expect(await prisma().buildSecretFile.count({ where: { profileId: copyId, variable: "ANDROID_KEYSTORE" } })).toBe(1);

      await page.goto(`/profiles/${profile.id}/workflow#secret-files`);
      await card.getByRole("button", { name: "Remove the file of ANDROID_KEYSTORE" }).click();
      await expect(card).toContainText("No secret files yet.");
      expect(await prisma().buildSecretFile.count({ where: { profileId: profile.id } })).toBe(0);
      expect(await prisma().auditEvent.count({ where: { targetId: profile.id, action: { startsWith: "workflow.secret_file_" } } })).toBe(2);
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("a tester registers their iPhone from an ad hoc build's link; the profile lists it against the build's profile, for Apple's device list", async ({ page, browser }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Devices"));
    const member = await createUser({ role: "MEMBER" });
    const { organizationId } = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id }, select: { organizationId: true } });
    // The newest build kept an ad hoc app whose provisioning profile lists one device.
    const listed = "00008030-001A2D3E0C38802E";
    const signing = { profile: "Wallet Ad Hoc", distribution: "ad-hoc", devices: 1, deviceIds: [listed], team: "Fabrikam Ltd", expiresAt: new Date(Date.now() + 200 * 86_400_000).toISOString() };
    await prisma().build.create({
      data: {
        organizationId, profileId: profile.id, number: 1, status: "SUCCEEDED", trigger: "MANUAL", idempotencyKey: `devices-${profile.id}`, commitId: "d".repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 600, startedAt: new Date(), finishedAt: new Date(),
        artifacts: { create: { organizationId, path: "out/Wallet.ipa", size: 3n, sha256: "0".repeat(64), complete: true, app: { platform: "ios", bundleId: "com.fabrikam.wallet", version: "4513", shortVersion: "2.4.0", name: "Wallet", signing }, chunks: { create: { seq: 0, data: Buffer.from("ipa") } } } },
      },
    });
    await prisma().buildProfile.update({ where: { id: profile.id }, data: { nextBuildNumber: 2 } });
    const tester = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}`);
      const devices = page.getByRole("region", { name: "Testers' devices" });
      await expect(devices).toContainText("No devices yet.");
      const linkCard = page.getByRole("region", { name: "Testers' link to the newest build" });
      await linkCard.getByRole("button", { name: "Make a link" }).click();
      const link = await linkCard.getByRole("textbox", { name: /^Link to the newest build of main until / }).inputValue();

      // The tester's page offers registration (the app installs only on listed devices), with a name.
      const testerPage = await tester.newPage();
      await testerPage.goto(link);
      const register = testerPage.getByRole("form", { name: "Register this device" });
      await expect(testerPage.getByRole("listitem").filter({ hasText: "out/Wallet.ipa" })).toContainText("if yours is not one of them, register it below");
      await register.getByLabel("Your name").fill("Ana");
      const [config] = await Promise.all([testerPage.waitForEvent("download"), register.getByRole("button", { name: "Register this iPhone or iPad" }).click()]);
      expect(config.suggestedFilename()).toBe("Register with Keel.mobileconfig");
      const payload = parsePlist(readFileSync(await config.path(), "utf8")) as { PayloadType: string; PayloadContent: { URL: string; DeviceAttributes: string[] } };
      expect(payload.PayloadType).toBe("Profile Service");
      expect(payload.PayloadContent.DeviceAttributes).toEqual(["UDID", "PRODUCT", "VERSION", "DEVICE_NAME"]);
      expect(payload.PayloadContent.URL).toBe(`${link.replace("/share/", "/api/share/")}/devices?name=Ana`);
      // iOS sends the device's attributes there, signed; Keel sends it back to the page, which says it worked.
      const answer = await tester.request.post(payload.PayloadContent.URL, { data: deviceAnswer({ UDID: "00008101-000a1b2c3d4e5f60", PRODUCT: "iPhone15,2", VERSION: "22B83", DEVICE_NAME: "iPhone" }), headers: { "Content-Type": "application/pkcs7-signature" }, maxRedirects: 0 });
      expect(answer.status()).toBe(301);
      expect(answer.headers().location).toBe(`${link}?device=00008101-000A1B2C3D4E5F60`);
      await testerPage.goto(answer.headers().location!);
      await expect(testerPage.getByRole("status").filter({ hasText: "Your device is registered" })).toContainText("This build's provisioning profile does not list it yet");
      await expectNoSeriousA11yViolations(testerPage, "testers' page after registering a device");
      // Something that is not iOS's answer is refused, and stores nothing; so is anything far larger than one.
      expect((await tester.request.post(payload.PayloadContent.URL, { data: Buffer.from("<plist>nope</plist>") })).status()).toBe(400);
      expect((await tester.request.post(payload.PayloadContent.URL, { data: Buffer.alloc(70 * 1024, 0x41) })).status()).toBe(413);
      // The listed device registers too (a tester who was not sure): the page says it can install.
      const again = await tester.request.post(`${link.replace("/share/", "/api/share/")}/devices`, { data: deviceAnswer({ UDID: listed.toLowerCase(), PRODUCT: "iPhone14,5" }), maxRedirects: 0 });
      await testerPage.goto(again.headers().location!);
      await expect(testerPage.getByRole("status").filter({ hasText: "Your device is registered" })).toContainText(`This build's provisioning profile already lists it (${listed}): choose Install.`);

      await page.reload();
      const rows = devices.getByRole("list", { name: "Registered devices" }).getByRole("listitem");
      await expect(rows).toHaveCount(2);
      await expect(rows.filter({ hasText: "Ana" })).toContainText("00008101-000A1B2C3D4E5F60");
      await expect(rows.filter({ hasText: "Ana" })).toContainText("iPhone15,2 · iOS build 22B83");
      await expect(rows.filter({ hasText: "Ana" })).toContainText("Not in the newest build's profile");
      await expect(rows.filter({ hasText: listed })).toContainText("In the newest build's profile");
      await expectNoSeriousA11yViolations(page, "profile page with testers' devices");
      const list = await downloadOf(page, () => devices.getByRole("link", { name: "Download the list for Apple" }).click());
      expect(list.body.toString("utf8")).toBe(`Device ID\tDevice Name\tDevice Platform\n${listed}\tiPhone14,5\tios\n00008101-000A1B2C3D4E5F60\tAna\tios\n`);
      const missing = await downloadOf(page, () => devices.getByRole("link", { name: "only the devices the newest build lacks" }).click());
      expect(missing.body.toString("utf8")).toBe("Device ID\tDevice Name\tDevice Platform\n00008101-000A1B2C3D4E5F60\tAna\tios\n");
      expect((await page.request.get(`/api/profiles/${profile.id}/tester-devices?missing=yes`)).status()).toBe(400);

      // Members see the list; admins remove from it.
      const memberContext = await browser.newContext();
      const memberPage = await memberContext.newPage();
      await signInPage(memberPage, member.email, member.password);
      await memberPage.goto(`/profiles/${profile.id}`);
      await expect(memberPage.getByRole("region", { name: "Testers' devices" }).getByRole("listitem")).toHaveCount(2);
      await expect(memberPage.getByRole("region", { name: "Testers' devices" }).getByRole("button", { name: /^Remove/ })).toHaveCount(0);
      await memberContext.close();
      await devices.getByRole("button", { name: "Remove the device of Ana" }).click();
      await expect(rows).toHaveCount(1);
      expect(await prisma().auditEvent.count({ where: { targetId: profile.id, action: { in: ["profile.tester_device_registered", "profile.tester_device_removed"] } } })).toBe(3);
    } finally {
      await tester.close();
      await removeUser(member.id);
      await removeConnection(connection.id);
    }
  });

  test("signing files say what they are and when they end; the profile's page warns of ending ones, to admins and members", async ({ page, browser }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Profiles"));
    const member = await createUser({ role: "MEMBER" });
    // Whole seconds, as a provisioning profile's dates are.
    const inDays = (days: number) => new Date(Math.floor((Date.now() + days * 86_400_000) / 1000) * 1000);
    const distribution = signingCertificate("Apple Distribution: Fabrikam Ltd (ABCDE12345)", inDays(300));
    const ended = signingCertificate("iPhone Distribution: Fabrikam Ltd (ABCDE12345)", inDays(-2));
    const profileEnds = inDays(10);
    // The newest build made another app than the one the profile uploaded below is for.
    const { organizationId } = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id }, select: { organizationId: true } });
    await prisma().build.create({
      data: {
        organizationId, profileId: profile.id, number: 1, status: "SUCCEEDED", trigger: "MANUAL", idempotencyKey: `signing-${profile.id}`, commitId: "e".repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 600, startedAt: new Date(), finishedAt: new Date(),
        artifacts: { create: { organizationId, path: "out/Payments.ipa", size: 3n, sha256: "0".repeat(64), complete: true, app: { platform: "ios", bundleId: "com.fabrikam.payments", version: "7", shortVersion: "1.0", name: "Payments" }, chunks: { create: { seq: 0, data: Buffer.from("ipa") } } } },
      },
    });
    await prisma().buildProfile.update({ where: { id: profile.id }, data: { nextBuildNumber: 2 } });
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}/workflow#secret-files`);
      const card = page.getByRole("region", { name: "Secret files" });
      await expect(card).toContainText("reminds admins a month before");
      const upload = card.getByRole("form", { name: "Upload a secret file" });
      const send = async (variable: string, name: string, buffer: Buffer, answer: string) => {
        await upload.getByLabel("Variable").fill(variable);
        await upload.getByLabel("File", { exact: true }).setInputFiles({ name, mimeType: "application/octet-stream", buffer });
        await upload.getByRole("button", { name: "Upload the file" }).click();
        await expect(upload.getByText(answer)).toBeVisible();
      };
      await send(
        "IOS_PROFILE",
        "Wallet_AdHoc.mobileprovision",
        provisioningProfile({ name: "Wallet Ad Hoc", expiresAt: profileEnds, certificates: [distribution], devices: 3 }),
        `Saved. The next build finds Wallet_AdHoc.mobileprovision at the path in $IOS_PROFILE. Provisioning profile “Wallet Ad Hoc”, expires in 10 days (${formatDay(profileEnds)}).`,
      );
      await send("IOS_CERT", "distribution.cer", ended.der, `Certificate “iPhone Distribution: Fabrikam Ltd (ABCDE12345)”, expired on ${formatDay(inDays(-2))}. Builds that sign with it fail: upload a current one.`);
      const uploadKey = signingCertificate("Fabrikam Upload Key", inDays(9_000));
      await send("ANDROID_KEYSTORE", "upload.jks", javaKeystore([{ alias: "upload", chain: [uploadKey] }]), `Java keystore (upload), valid until ${formatDay(inDays(9_000))}.`);
      const rows = card.getByRole("table", { name: "Secret files" }).getByRole("row");
      await expect(rows.filter({ hasText: "IOS_PROFILE" })).toContainText("ad hoc, 3 devices · com.fabrikam.wallet · Fabrikam Ltd (ABCDE12345)");
      await expect(rows.filter({ hasText: "IOS_PROFILE" })).toContainText("It is for com.fabrikam.wallet, not the newest build's app (com.fabrikam.payments): signing that app with it fails.");
      await expect(rows.filter({ hasText: "IOS_PROFILE" })).toContainText(`Expires soonExpires in 10 days (${formatDay(profileEnds)})`);
      await expect(rows.filter({ hasText: "IOS_CERT" })).toContainText(`ExpiredExpired on ${formatDay(inDays(-2))}`);
      await expect(rows.filter({ hasText: "ANDROID_KEYSTORE" })).toContainText(`upload: Fabrikam Upload KeyValidValid until ${formatDay(inDays(9_000))}`);
      // The key's fingerprints, which Firebase and Google Sign-In ask for.
      await expect(rows.filter({ hasText: "ANDROID_KEYSTORE" })).toContainText(`upload: SHA-256 ${createHash("sha256").update(uploadKey.der).digest("hex").toUpperCase().match(/../g)!.join(":")}`);
      await expectNoSeriousA11yViolations(page, "workflow page with signing files");

      // The profile's page warns everyone; admins get the way to fix it, members whom to ask.
      await page.goto(`/profiles/${profile.id}`);
      const warning = page.getByRole("alert").filter({ hasText: "A signing file of this profile has expired" });
      await expect(warning).toContainText(`Certificate “iPhone Distribution: Fabrikam Ltd (ABCDE12345)” in $IOS_CERT: expired on ${formatDay(inDays(-2))}.`);
      await expect(warning).toContainText(`Provisioning profile “Wallet Ad Hoc” in $IOS_PROFILE: expires in 10 days (${formatDay(profileEnds)}).`);
      await expect(warning).not.toContainText("ANDROID_KEYSTORE");
      // The profiles list marks the profile too.
      await page.goto(`/profiles?q=${encodeURIComponent(profile.name)}`);
      await expect(page.getByRole("row").filter({ hasText: profile.name })).toContainText("Signing file expired");
      await page.goto(`/profiles/${profile.id}`);
      await expectNoSeriousA11yViolations(page, "profile page warning of signing files");
      const memberContext = await browser.newContext();
      const memberPage = await memberContext.newPage();
      await signInPage(memberPage, member.email, member.password);
      await memberPage.goto(`/profiles/${profile.id}`);
      await expect(memberPage.getByRole("alert").filter({ hasText: "A signing file of this profile has expired" })).toContainText("Ask an admin to upload a new one on the profile's workflow page.");
      await memberPage.goto("/settings/signing");
      await expect(memberPage.getByRole("heading", { name: "Only admins can open this page" })).toBeVisible();
      await memberContext.close();
      // Settings → Signing files: the organization's signing files, the soonest to end first.
      await page.goto("/settings/signing");
      const signingRows = page.getByRole("table", { name: "Signing files" }).getByRole("row").filter({ hasText: profile.name });
      await expect(signingRows).toHaveCount(3);
      await expect(signingRows.nth(0)).toContainText(`Certificate “iPhone Distribution: Fabrikam Ltd (ABCDE12345)”$IOS_CERT · distribution.cer`);
      await expect(signingRows.nth(0)).toContainText(`Expiredexpired on ${formatDay(inDays(-2))}`);
      await expect(signingRows.nth(1)).toContainText("Provisioning profile “Wallet Ad Hoc”");
      await expect(signingRows.nth(2)).toContainText("Java keystore (upload)");
      await expectNoSeriousA11yViolations(page, "settings: signing files");
      await page.goto(`/profiles/${profile.id}`);
      await warning.getByRole("link", { name: "Upload a new one under Secret files" }).click();
      await page.waitForURL(`**/profiles/${profile.id}/workflow#secret-files`);
      // A current certificate in its place: what is left only expires soon.
      await send("IOS_CERT", "distribution.cer", distribution.der, `Replaced. The next build finds distribution.cer at the path in $IOS_CERT. Certificate “Apple Distribution: Fabrikam Ltd (ABCDE12345)”, valid until ${formatDay(inDays(300))}.`);
      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByRole("alert").filter({ hasText: "A signing file of this profile expires soon" })).not.toContainText("IOS_CERT");
      await page.goto(`/profiles?q=${encodeURIComponent(profile.name)}`);
      await expect(page.getByRole("row").filter({ hasText: profile.name })).toContainText("Signing file expires in 10 days");
      expect(await prisma().auditEvent.findFirst({ where: { targetId: profile.id, action: "workflow.secret_file_saved", data: { path: ["variable"], equals: "IOS_PROFILE" } } })).toMatchObject({ data: { expiresAt: profileEnds.toISOString() } });
    } finally {
      await removeUser(member.id);
      await removeConnection(connection.id);
    }
  });

  test("an admin adds the platform's common steps: ready commands, and what they produce kept as artifacts", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Android"));
    await prisma().buildProfile.update({ where: { id: profile.id }, data: { platform: "ANDROID" } });
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}/workflow`);
      const common = page.getByLabel("Or add a common step");
      // An Android profile is offered Gradle's steps and the stores', not Xcode's.
      await expect(common.getByRole("option", { name: "Unit tests (Gradle)" })).toHaveCount(1);
      await expect(common.getByRole("option", { name: "Upload to Google Play (fastlane)" })).toHaveCount(1);
      await expect(common.getByRole("option", { name: "Test (xcodebuild)" })).toHaveCount(0);
      await expect(page.getByRole("button", { name: "Add it" })).toBeDisabled();
      await common.selectOption({ label: "Unit tests (Gradle)" });
      await page.getByRole("button", { name: "Add it" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Added “Unit tests (Gradle)” as step 4" })).toContainText("Artifacts now also keep **/build/test-results/**/*.xml.");
      await expect(page.getByLabel("Name", { exact: true }).nth(3)).toHaveValue("Unit tests (Gradle)");
      await expect(page.getByLabel("Command", { exact: true }).nth(3)).toHaveValue(/\n\.\/gradlew testDebugUnitTest$/);
      const patterns = page.getByLabel(/^Files to keep after the steps have run/);
      await expect(patterns).toHaveValue("**/build/test-results/**/*.xml");
      // A second step keeps its app beside the reports; the choice starts over after each.
      await expect(common).toHaveValue("");
      await common.selectOption({ label: "Build the release APK (Gradle)" });
      await page.getByRole("button", { name: "Add it" }).click();
      await expect(patterns).toHaveValue("**/build/test-results/**/*.xml\napp/build/outputs/apk/release/*.apk");
      // A step that ships (a store upload) must tell a pull request's build from the branch's: the list of Keel's variables says how.
      await page.getByText("Variables every build gets from Keel").click();
      await expect(page.getByRole("definition").filter({ hasText: "A pull request only. The pull request's number." })).toContainText("should run only when this is not set");
      await expect(page.getByRole("term").filter({ hasText: /^KEEL_BUILD_TARGET_BRANCH$/ })).toBeVisible();
      await expectNoSeriousA11yViolations(page, "workflow with common steps added");
      await page.getByRole("button", { name: "Save workflow" }).click();
      await expect(page.getByText("Saved. The next build uses this workflow.")).toBeVisible();
      const saved = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id }, select: { workflowSteps: true, artifactPatterns: true } });
      expect((saved.workflowSteps as Array<{ name: string }>).map((step) => step.name)).toEqual(["Set up", "Build", "Test", "Unit tests (Gradle)", "Build the release APK (Gradle)"]);
      expect(saved.artifactPatterns).toEqual(["**/build/test-results/**/*.xml", "app/build/outputs/apk/release/*.apk"]);
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("an admin caches a folder between builds; the workflow page lists the cache and clears it", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Cache"));
    await prisma().buildProfile.update({ where: { id: profile.id }, data: { workflowSteps: [{ name: "Deps", command: "test -f deps/ok && echo deps-cached || (mkdir -p deps && echo 1 > deps/ok && echo deps-installed)" }] } });
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}/workflow`);
      const caches = page.getByRole("region", { name: "Caches" });
      await expect(page.getByRole("region", { name: "Saved caches" })).toContainText("This workflow caches nothing.");
      await caches.getByLabel(/^Folders to keep between builds/).fill("deps\n../outside");
      await page.getByRole("button", { name: "Save workflow" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "The workflow was not saved" })).toContainText("Cache folder “../outside”: must not contain . or .. folders.");
      await caches.getByLabel(/^Folders to keep between builds/).fill("deps");
      await page.getByRole("button", { name: "Save workflow" }).click();
      await expect(page.getByText("Saved. The next build uses this workflow.")).toBeVisible();
      expect(await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).toMatchObject({ cachePaths: ["deps"], cacheKeyFiles: [] });

      const first = await startFromProfile(page, profile.id, "main");
      await expect(page.getByTestId("build-log")).toContainText("deps-installed", { timeout: 60_000 });
      await expect(page.getByTestId("build-log")).toContainText("Saved the cache for main (1 folder,", { timeout: 30_000 });
      await startFromProfile(page, profile.id, "main");
      await expect(page.getByTestId("build-log")).toContainText("deps-cached", { timeout: 60_000 });
      await expect(page.getByTestId("build-log")).toContainText(`Restored the cache of #${(await prisma().build.findUniqueOrThrow({ where: { id: first } })).number} on main`);
      // For a cache that breaks builds, anyone who starts builds starts one without caches: nothing restored, its own replaces main's.
      await page.goto(`/profiles/${profile.id}`);
      const start = page.getByRole("form", { name: "Start a build" });
      await start.getByLabel("Without caches").check();
      await start.getByRole("button", { name: "Start build" }).click();
      await page.waitForURL(/\/builds\/[0-9a-f-]{36}$/, { timeout: 30_000 });
      const clean = new URL(page.url()).pathname.split("/").at(-1)!;
      await expect(page.getByTestId("build-log")).toContainText("Not restoring a cache: this build was started without caches.", { timeout: 60_000 });
      await expect(page.getByTestId("build-log")).toContainText("deps-installed", { timeout: 60_000 });
      await expect(page.getByTestId("build-log")).toContainText("Saved the cache for main (1 folder,", { timeout: 30_000 });
      expect(await prisma().build.findUniqueOrThrow({ where: { id: clean }, select: { skipCaches: true } })).toEqual({ skipCaches: true });
      expect(await prisma().buildCache.findMany({ where: { profileId: profile.id }, select: { buildNumber: true } })).toEqual([{ buildNumber: (await prisma().build.findUniqueOrThrow({ where: { id: clean } })).number }]);

      await page.goto(`/profiles/${profile.id}/workflow#saved-caches`);
      const saved = page.getByRole("table", { name: "Saved caches" });
      await expect(saved.getByRole("row").filter({ hasText: "main" })).toContainText("deps");
      await expectNoSeriousA11yViolations(page, "workflow page with caches");
      await page.getByRole("button", { name: "Clear caches" }).click();
      const dialog = page.getByRole("dialog", { name: "Clear this profile's caches?" });
      await dialog.getByRole("button", { name: "Clear caches" }).click();
      await expect(dialog).toContainText("Cleared 1 cache. The next successful build of each branch saves a new one.");
      await expect(saved).toHaveCount(0);
      expect(await prisma().buildCache.count({ where: { profileId: profile.id } })).toBe(0);
      expect(await prisma().auditEvent.count({ where: { action: "profile.caches_cleared", targetId: profile.id } })).toBe(1);
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("an admin sends a profile's builds to the macos pool: its build waits, saying for which workers, until canceled", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Mac"));
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}/workflow#runs-on`);
      const pool = page.getByLabel(/^The build pool whose workers run these builds/);
      await expect(pool).toHaveValue("default");
      // The running worker (the launcher's child) builds for the default pool only.
      await expect(page.getByText("Workers running now build for: default.")).toBeVisible();
      await pool.fill("Mac OS");
      await page.getByRole("button", { name: "Save workflow" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "The workflow was not saved" })).toContainText("Runs on: “mac os” is not a pool name");
      await expect(pool).toHaveValue("Mac OS");
      await pool.fill("macos");
      await expect(page.getByText("No running worker builds for “macos”: its builds will wait until one is started with KEEL_BUILD_POOLS=macos.")).toBeVisible();
      await expectNoSeriousA11yViolations(page, "workflow with a build pool no worker serves");
      await page.getByRole("button", { name: "Save workflow" }).click();
      await expect(page.getByText("Saved. The next build uses this workflow.")).toBeVisible();
      expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).buildPool).toBe("macos");
      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByRole("region", { name: "Workflow" })).toContainText("Runs on the build pool “macos”.");

      const buildId = await startFromProfile(page, profile.id, "main");
      const waiting = page.getByRole("alert").filter({ hasText: "No worker builds for the pool “macos”, so this build waits in the queue" });
      await expect(waiting).toBeVisible();
      await expect(waiting).toContainText("KEEL_BUILD_POOLS=macos npm run worker");
      await expect(page.getByText("the build pool “macos”", { exact: true })).toBeVisible();
      await expectNoSeriousA11yViolations(page, "queued build waiting for its pool");
      await page.goto("/builds");
      await expect(page.getByRole("alert").filter({ hasText: "No worker builds for the pool “macos”, so 1 build waits in the queue" })).toBeVisible();
      // The admins' Workers page: the pool has a profile and a queued build but no worker; the launcher's worker builds for the default pool.
      await page.goto("/settings/workers");
      const pools = page.getByRole("table", { name: "Build pools" });
      await expect(pools.getByRole("row").filter({ hasText: /^macos/ })).toContainText("none: builds wait");
      await expect(pools.getByRole("row").filter({ hasText: /^macos/ }).getByRole("cell")).toHaveText(["macos", "none: builds wait", "1", "0", "1"]);
      const workers = page.getByRole("table", { name: "Workers" });
      await expect(workers.getByRole("row").filter({ hasText: "process" }).first()).toContainText("default");
      // Whether its steps can read the worker's environment: here they run as its own user (no KEEL_BUILD_USER).
      await expect(workers.getByRole("row").filter({ hasText: "process" }).first()).toContainText("steps run as the worker's own user");
      await expectNoSeriousA11yViolations(page, "workers and build pools");
      // The default worker never took it.
      expect((await prisma().build.findUniqueOrThrow({ where: { id: buildId } })).status).toBe("QUEUED");
      await page.goto(`/builds/${buildId}`);
      await page.getByRole("button", { name: "Cancel build" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Canceled by" })).toBeVisible({ timeout: 30_000 });
      await expect(page.getByRole("alert").filter({ hasText: "No worker builds" })).toHaveCount(0);
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("an admin cancels a profile's flood of queued builds at once; members do not get the button", async ({ page, browser }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Flood"));
    const member = await createUser({ role: "MEMBER", name: "Flo Flood" });
    const { organizationId } = await prisma().buildProfile.update({ where: { id: profile.id }, data: { buildPool: "macos", nextBuildNumber: 4 }, select: { organizationId: true } });
    try {
      // Three builds waiting for the macos pool, which no worker serves here (so none starts meanwhile).
      for (const number of [1, 2, 3]) {
        await prisma().build.create({ data: { organizationId, profileId: profile.id, number, trigger: "PUSH", idempotencyKey: `flood-${profile.id}-${number}`, commitId: String(number).repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 600, pool: "macos" } });
      }
      const memberContext = await browser.newContext({ baseURL: KEEL_URL, ignoreHTTPSErrors: true });
      try {
        const memberPage = await memberContext.newPage();
        await signInPage(memberPage, member.email, member.password);
        await memberPage.goto(`/builds?profile=${profile.id}`);
        await expect(memberPage.getByRole("table", { name: "Builds" }).getByRole("row")).toHaveCount(4);
        await expect(memberPage.getByRole("button", { name: /queued builds/ })).toHaveCount(0);
      } finally {
        await memberContext.close();
      }
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/builds?profile=${profile.id}`);
      await expectNoSeriousA11yViolations(page, "builds with a flood of queued builds");
      await page.getByRole("button", { name: "Cancel this profile's queued builds" }).click();
      // The list of what was canceled, with the confirmation.
      await expect(page.getByText("Canceled 3 queued builds. Builds already running go on.")).toBeVisible();
      await expect(page).toHaveURL(new RegExp(`/builds\\?status=CANCELED&profile=${profile.id}$`));
      await expect(page.getByRole("table", { name: "Builds" }).getByRole("row")).toHaveCount(4);
      expect(await prisma().build.count({ where: { profileId: profile.id, status: "CANCELED" } })).toBe(3);
      expect(await prisma().auditEvent.count({ where: { action: "build.canceled", targetType: "build", targetId: { in: (await prisma().build.findMany({ where: { profileId: profile.id }, select: { id: true } })).map((row) => row.id) } } })).toBe(3);
      await page.goto(`/builds?profile=${profile.id}`);
      await expect(page.getByRole("table", { name: "Builds" }).getByRole("row").filter({ hasText: /^Canceled#/ })).toHaveCount(3);
    } finally {
      await removeConnection(connection.id);
      await removeUser(member.id);
    }
  });

  test("the Workers page tells an admin how a pool was used and that its builds wait too long; the connection names its last build", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Usage"));
    // A pool of this test's own: the other journeys' builds run in the default pool.
    const pool = `usage-${randomUUID().slice(0, 8)}`;
    const { organizationId } = await prisma().buildProfile.update({ where: { id: profile.id }, data: { buildPool: pool }, select: { organizationId: true } });
    try {
      // Three finished builds an hour ago: 20 min on a worker after waiting 10 min, then two of 5 min side by side that waited 30 s and 90 s
      // — the second ended when its machine went away.
      const hourAgo = Date.now() - 3_600_000;
      for (const [number, waitS, tookS] of [
        [1, 600, 1_200],
        [2, 30, 300],
        [3, 90, 300],
      ] as const) {
        const queuedAt = new Date(hourAgo + number * 60_000);
        const startedAt = new Date(queuedAt.getTime() + waitS * 1_000);
        const finishedAt = new Date(startedAt.getTime() + tookS * 1_000);
        await prisma().build.create({
          data: {
            organizationId, profileId: profile.id, number, trigger: "PUSH", idempotencyKey: `usage-${profile.id}-${number}`, commitId: String(number).repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 3_600, pool, queuedAt, startedAt, finishedAt,
            ...(number === 2 ? { status: "ERROR", workerLostAt: finishedAt, workerHost: "spot-mac-9" } : { status: "SUCCEEDED" }),
          },
        });
      }
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto("/settings/workers");
      const usage = page.getByRole("table", { name: "Build pools' usage over the last 30 days" });
      // Waits 30, 90, 600 s: median 90 s; the 90th percentile interpolates 90 → 600 at 0.8: 498 s.
      await expect(usage.getByRole("row").filter({ hasText: pool }).getByRole("cell")).toHaveText([pool, /^3\s*1 lost its worker$/, "30 min", /^1 min 30 s, 8 min 18 s\s*Longest: .* #1, 10 min$/, "1", "2", `${profile.name} 100 %`]);
      await expect(page.getByRole("alert").filter({ hasText: `The ${pool} pool is short of workers` })).toContainText(
        `1 of 3 builds (33 %) waited 5 minutes or more for a worker: add a worker to the pool (KEEL_BUILD_POOLS=${pool} npm run worker on another machine)`,
      );
      await expect(page.getByRole("alert").filter({ hasText: `Builds of the ${pool} pool lost their worker` })).toContainText("1 build lost its worker mid-build — on spot-mac-9 (1).");
      await expectNoSeriousA11yViolations(page, "workers with a pool's usage");
      await usage.getByRole("link", { name: /Longest: .* #1, 10 min/ }).click();
      await expect(page).toHaveURL(/\/builds\/[0-9a-f-]{36}$/);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(`${profile.name} #1`);
      // The connection's page names its newest build (#3 was queued last); the list says when.
      await page.goto(`/connections/${connection.id}`);
      await expect(page.getByRole("link", { name: `${profile.name} #3` })).toBeVisible();
      await expect(page.getByText(/No build for 90 days/)).toHaveCount(0);
      await page.goto("/connections");
      await expect(page.getByRole("row").filter({ hasText: connection.name })).toContainText(/last build .*ago/);
      // Made 100 days ago and never built with since: perhaps nobody needs it, while its token stays valid.
      await prisma().build.deleteMany({ where: { profileId: profile.id } });
      await prisma().connection.update({ where: { id: connection.id }, data: { createdAt: new Date(Date.now() - 100 * 86_400_000) } });
      await page.goto(`/connections/${connection.id}`);
      await expect(page.getByText("No build for 90 days or more: if nobody needs this connection any more, delete it")).toBeVisible();
      await expectNoSeriousA11yViolations(page, "connection nobody builds with");
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("an admin moves a profile's steps into the repository: the editor hands over the file, builds run the commit's steps", async ({ page }) => {
    // ios-sdk, on a branch of its own: no other journey builds it.
    const { connection, profile } = await seedSdkProfile("SDK steps file");
    const branch = `feature/${uniqueName("steps-file").toLowerCase().replace(/[^a-z0-9-]/g, "-")}`;
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}/workflow`);
      const steps = page.getByRole("region", { name: "Steps" });
      await steps.getByRole("textbox", { name: "Name" }).first().fill("Lint");
      await steps.getByRole("textbox", { name: "Command" }).first().fill("echo lint: ok");
      await page.getByLabel("In a file of the repository").check();
      // The steps written on the page, as the file to commit (what the build will read back).
      const handed = page.locator('pre[aria-label="Steps file keel.yml"]');
      await expect(handed).toContainText('- name: "Lint"');
      await expect(handed).toContainText('run: "echo lint: ok"');
      const file = page.getByRole("textbox", { name: "Steps file" });
      await file.fill("../keel.yml");
      await page.getByRole("button", { name: "Save workflow" }).click();
      await expect(page.getByText("Steps file: must name a file in the repository, without . or .. folders.")).toBeVisible();
      expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).workflowFile).toBeNull();
      await file.fill("ci/keel.yml");
      await expectNoSeriousA11yViolations(page, "workflow with its steps in the repository");
      await page.getByRole("button", { name: "Save workflow" }).click();
      await expect(page.getByText("Saved. The next build uses this workflow.")).toBeVisible();
      expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).workflowFile).toBe("ci/keel.yml");

      await emulator.push({
        organization: "fabrikam",
        project: DEFAULT_REPOS.iosSdk.project,
        repository: DEFAULT_REPOS.iosSdk.name,
        branch,
        commits: [{ message: "Build steps with the code", files: [{ path: "ci/keel.yml", content: "steps:\n  - name: Compile the SDK\n    run: echo compiled-from-the-file\n" }] }],
      });
      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByRole("region", { name: "Workflow" })).toContainText("Each build runs the steps listed in ci/keel.yml of the commit it builds.");
      await startFromProfile(page, profile.id, branch);
      await expect(page.getByRole("status").filter({ hasText: "Succeeded" })).toBeVisible({ timeout: 60_000 });
      await expect(page.getByRole("list", { name: "Build steps" }).getByRole("listitem")).toHaveText([/Fetch commit/, /Compile the SDK/]);
      await expect(page.getByTestId("build-log")).toContainText("compiled-from-the-file");
      // The default branch has no such file: the build fails, saying which file and what to do.
      await startFromProfile(page, profile.id, "master");
      await expect(page.getByText("ci/keel.yml is not in this commit: Keel takes this profile's steps from it").first()).toBeVisible({ timeout: 60_000 });
      // Keel's own explanation, with what to do; no log lines are offered as the error.
      await expect(page.getByRole("alert").filter({ hasText: "this commit has no such file" })).toContainText("Fix the file in the repository and push");
      await expect(page.getByRole("heading", { name: "What went wrong" })).toHaveCount(0);
      await expectNoSeriousA11yViolations(page, "build failed for its steps file");
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("an admin has builds started again when their worker is lost: the retry builds the same commit, and Azure DevOps hears of it in the lost one's place", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Spot Workers"));
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await turnOnRunsOnChoice(page, profile.id, "Start again when its worker is lost");
      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByRole("region", { name: "Workflow" })).toContainText("Started again when its worker is lost.");
      // A build as a worker that died (a spot machine taken back) leaves it: running, its heartbeat
      // quiet for ten minutes. The running app's sweeper finds it.
      const main = (await emulator.refs({ organization: "fabrikam", project: DEFAULT_REPOS.walletApp.project, repository: DEFAULT_REPOS.walletApp.name })).find((ref) => ref.name === "refs/heads/main")!;
      const { organizationId } = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id }, select: { organizationId: true } });
      const quietSince = new Date(Date.now() - 10 * 60_000);
      const lost = await prisma().build.create({
        data: {
          organizationId, profileId: profile.id, number: 1, status: "RUNNING", trigger: "PUSH", idempotencyKey: `spot-${profile.id}`, commitId: main.objectId, branch: "refs/heads/main", commitMessage: "Bump the SDK",
          steps: FIXTURE_BUILD.steps, timeoutSeconds: 600, queuedAt: quietSince, startedAt: quietSince, heartbeatAt: quietSince, runId: randomUUID(), workerHost: "spot-mac-7", workerPid: 4242,
        },
      });
      await prisma().buildProfile.update({ where: { id: profile.id }, data: { nextBuildNumber: 2 } });
      await expect.poll(async () => prisma().build.count({ where: { retryOfId: lost.id } }), { timeout: 60_000 }).toBe(1);
      const retry = await prisma().build.findUniqueOrThrow({ where: { retryOfId: lost.id } });
      expect(retry).toMatchObject({ number: 2, commitId: main.objectId, branch: "refs/heads/main", trigger: "PUSH", commitMessage: "Bump the SDK" });
      await page.goto(`/builds/${lost.id}`);
      const notice = page.getByRole("status").filter({ hasText: "Started again as #2" });
      await expect(notice).toContainText("The worker running this build went away before it finished (lost, or shut down), so its profile started it again");
      await expect(page.getByTestId("build-log")).toContainText("Keel lost the worker running this build; marked as an error.");
      await expectNoSeriousA11yViolations(page, "a lost build started again");
      await notice.getByRole("link", { name: /#2$/ }).click();
      await expect(page).toHaveURL(new RegExp(`/builds/${retry.id}$`));
      await expect(page.getByText("started again because #1 lost its worker")).toBeVisible();
      await expect(page.getByRole("status").filter({ hasText: "Succeeded" })).toBeVisible({ timeout: 60_000 });
      // The builds list says the error is being dealt with.
      await page.goto(`/builds?profile=${profile.id}`);
      const listed = page.getByRole("table", { name: "Builds" });
      await expect(listed.getByRole("row").filter({ has: page.getByRole("link", { name: "#1", exact: true }) })).toContainText("started again as #2");
      await expect(listed.getByRole("row").filter({ has: page.getByRole("link", { name: "#2", exact: true }) })).toContainText("again for #1");
      // The lost build told Azure DevOps nothing of its error: its retry's statuses stand for it.
      expect(await prisma().buildReport.count({ where: { buildId: lost.id } })).toBe(0);
      await expect.poll(async () => (await prisma().buildReport.findMany({ where: { buildId: retry.id, kind: "COMMIT_STATUS", state: "SENT" }, select: { buildStatus: true } })).map((row) => row.buildStatus).includes("SUCCEEDED"), { timeout: 30_000 }).toBe(true);
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("a queued build says when it is likely to start, from the builds running and waiting in its pool", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Queue"));
    // A pool of this test's own, whose one (pretended) worker is busy: no real worker takes these builds.
    const pool = `eta-${randomUUID().slice(0, 8)}`;
    const { organizationId } = await prisma().buildProfile.update({ where: { id: profile.id }, data: { buildPool: pool }, select: { organizationId: true } });
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    let number = 0;
    const build = (data: Record<string, unknown>) =>
      prisma().build.create({ data: { organizationId, profileId: profile.id, number: ++number, trigger: "PUSH", idempotencyKey: `eta-${profile.id}-${number}`, commitId: "e".repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 3_600, pool, ...data } });
    try {
      // Its builds usually take 10 minutes; one runs since 4 minutes, one waits ahead.
      for (let index = 0; index < 3; index += 1) {
        await build({ status: "SUCCEEDED", queuedAt: minutesAgo(300), startedAt: minutesAgo(200), finishedAt: minutesAgo(190) });
      }
      await build({ status: "RUNNING", queuedAt: minutesAgo(5), startedAt: minutesAgo(4) });
      const ahead = await build({ status: "QUEUED", queuedAt: minutesAgo(2) });
      const waiting = await build({ status: "QUEUED", queuedAt: minutesAgo(1) });
      await prisma().buildProfile.update({ where: { id: profile.id }, data: { nextBuildNumber: number + 1 } });
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/builds/${waiting.id}`);
      await expect(page.getByTestId("queue-position")).toHaveText("Position 2 in the queue (1 build ahead).");
      // Free in 6 minutes, then the build ahead's 10: about 16 (15 or 16 as the seconds fall).
      await expect(page.getByTestId("queue-eta")).toHaveText(/^Starts likely in about 1[56] min$/);
      await expectNoSeriousA11yViolations(page, "a queued build with its likely start");
      // A script hears it from the token API too.
      const token = `keel_${randomBytes(32).toString("base64url")}`;
      const admin = await prisma().user.findFirstOrThrow({ where: { email: FIRST_ADMIN.email, organizationId }, select: { id: true } });
      const seededToken = await prisma().apiToken.create({ data: { organizationId, userId: admin.id, name: "ETA script", tokenHash: createHash("sha256").update(token).digest("hex"), prefix: token.slice(0, 11), expiresAt: new Date(Date.now() + 86_400_000) } });
      const answer = (await (await page.request.get(`/api/v1/builds/${waiting.id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { build: { status: string; expectedStartAt: string | null } };
      expect(answer.build.status).toBe("QUEUED");
      expect(Math.round((Date.parse(answer.build.expectedStartAt ?? "") - Date.now()) / 60_000)).toBeGreaterThanOrEqual(15);
      expect(Math.round((Date.parse(answer.build.expectedStartAt ?? "") - Date.now()) / 60_000)).toBeLessThanOrEqual(16);
      await prisma().apiToken.delete({ where: { id: seededToken.id } });
      // Lists of builds say it of each queued one: the profile's and /builds.
      for (const [path, table] of [[`/profiles/${profile.id}`, `Latest builds of ${profile.name}`], [`/builds?profile=${profile.id}`, "Builds"]] as const) {
        await page.goto(path);
        const rows = page.getByRole("table", { name: table }).getByRole("row");
        await expect(rows.filter({ has: page.getByRole("link", { name: `#${ahead.number}`, exact: true }) })).toContainText(/starts likely in about [56] min/);
        await expect(rows.filter({ has: page.getByRole("link", { name: `#${waiting.number}`, exact: true }) })).toContainText(/starts likely in about 1[56] min/);
      }
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("an admin makes a profile build one at a time: a second build waits for the first, saying so", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Release Lane"));
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await turnOnRunsOnChoice(page, profile.id, "One build at a time");
      expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).oneAtATime).toBe(true);
      const first = await startFromProfile(page, profile.id, DEFAULT_BUILD_BRANCHES.slow);
      await expect(page.getByTestId("build-log")).toContainText("compiling module", { timeout: 60_000 });
      const second = await startFromProfile(page, profile.id, DEFAULT_BUILD_BRANCHES.slow);
      const firstNumber = (await prisma().build.findUniqueOrThrow({ where: { id: first } })).number;
      await expect(page.getByTestId("queue-position")).toHaveText(`Waiting for #${firstNumber} of this profile to finish: it runs one build at a time.`, { timeout: 30_000 });
      expect((await prisma().build.findUniqueOrThrow({ where: { id: second } })).status).toBe("QUEUED");
      await expectNoSeriousA11yViolations(page, "a build waiting for its profile's running build");
      await page.getByRole("button", { name: "Cancel build" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Canceled by" })).toBeVisible({ timeout: 30_000 });
      await page.goto(`/builds/${first}`);
      await page.getByRole("button", { name: "Cancel build" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Canceled by" })).toBeVisible({ timeout: 30_000 });
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("an admin marks a step that may fail, one tried again and one that runs after a failure: the build goes on past the first, tries the second twice, and the third uploads the logs", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Conditions"));
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}/workflow`);
      // The platform's three default steps, rewritten: a linter the team is still cleaning up, the build, and an upload of its logs.
      // The build is tried once more when it fails (a flaky simulator would pass the second time; this one does not).
      const steps: Array<{ name: string; command: string; check?: string; retries?: string }> = [
        { name: "Lint", command: "echo 'lint: 3 warnings'; exit 2", check: "The build goes on if this step fails" },
        { name: "Compile", command: `echo "/src/Pay.swift:3:1: error: cannot find 'rate' in scope"; exit 65`, retries: "once" },
        { name: "Upload logs", command: "echo uploading logs", check: "Run even when an earlier step failed" },
      ];
      for (const [index, step] of steps.entries()) {
        const group = page.getByRole("group", { name: `Step ${index + 1}`, exact: true });
        await group.getByLabel("Name", { exact: true }).fill(step.name);
        await group.getByLabel("Command", { exact: true }).fill(step.command);
        if (step.check) {
          await group.getByRole("checkbox", { name: step.check }).check();
        }
        if (step.retries) {
          await group.getByLabel("If it fails, try again").selectOption({ label: step.retries });
          // A try that hangs ends after 5 minutes, not after the build's whole time limit.
          await group.getByRole("spinbutton", { name: /Its own time limit/ }).fill("5");
        }
      }
      await expectNoSeriousA11yViolations(page, "workflow editor with step conditions");
      await page.getByRole("button", { name: "Save workflow" }).click();
      await expect(page.getByText("Saved. The next build uses this workflow.")).toBeVisible();
      expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).workflowSteps).toEqual([
        { name: "Lint", command: "echo 'lint: 3 warnings'; exit 2", continueOnError: true },
        { name: "Compile", command: `echo "/src/Pay.swift:3:1: error: cannot find 'rate' in scope"; exit 65`, retries: 1, timeoutMinutes: 5 },
        { name: "Upload logs", command: "echo uploading logs", always: true },
      ]);
      // The editor shows them again as saved; the profile's page lists them with their conditions.
      await page.reload();
      await expect(page.getByRole("group", { name: "Step 1", exact: true }).getByRole("checkbox", { name: "The build goes on if this step fails" })).toBeChecked();
      await expect(page.getByRole("group", { name: "Step 3", exact: true }).getByRole("checkbox", { name: "Run even when an earlier step failed" })).toBeChecked();
      await page.goto(`/profiles/${profile.id}`);
      const listed = page.getByRole("list", { name: "Workflow steps" }).getByRole("listitem");
      await expect(listed.nth(0)).toContainText("Lint · may fail");
      await expect(listed.nth(1)).toContainText("Compile · at most 5 min · tried again once if it fails");
      await expect(listed.nth(2)).toContainText("Upload logs · runs even after a failure");

      const buildId = await startFromProfile(page, profile.id, "main");
      await expect(page.getByRole("status").filter({ hasText: "Step “Compile” failed with exit code 65." })).toBeVisible({ timeout: 60_000 });
      const run = page.getByRole("list", { name: "Build steps" }).getByRole("listitem");
      await expect(run.filter({ hasText: "Lint" })).toHaveAttribute("data-step-status", "FAILED");
      await expect(run.filter({ hasText: "Lint" })).toContainText("allowed to fail: the build goes on");
      await expect(run.filter({ hasText: "Compile" })).toHaveAttribute("data-step-status", "FAILED");
      await expect(run.filter({ hasText: "Compile" })).toContainText("tries: 2 of 2");
      // Its own time limit, from the build's step row (the profile's workflow may have changed since).
      await expect(run.filter({ hasText: "Compile" })).toContainText("at most 5 min · tried again once if it fails");
      await expect(run.filter({ hasText: "Upload logs" })).toHaveAttribute("data-step-status", "SUCCEEDED");
      await expect(page.getByTestId("build-log")).toContainText("The steps after it are skipped, except those that run even after a failure: Upload logs.");
      await expect(page.getByTestId("build-log")).toContainText("uploading logs");
      // What went wrong is the step that failed the build, not the one allowed to fail before it.
      await expect(page.getByRole("region", { name: "What went wrong" })).toContainText("The lines of the step “Compile” that look like why it failed.");
      await expectNoSeriousA11yViolations(page, "failed build with a step allowed to fail");
      expect((await prisma().build.findUniqueOrThrow({ where: { id: buildId } })).status).toBe("FAILED");
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("a failing build says which step failed", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Failing"));
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      const buildId = await startFromProfile(page, profile.id, DEFAULT_BUILD_BRANCHES.failing);
      await expect(page.getByRole("status").filter({ hasText: "Failed" })).toBeVisible({ timeout: 60_000 });
      await expect(page.getByRole("status").filter({ hasText: "Step “Test” failed with exit code 1." })).toBeVisible();
      const log = page.getByTestId("build-log");
      await expect(log).toContainText(FIXTURE_BUILD.failureLine);
      expect((await prisma().build.findUniqueOrThrow({ where: { id: buildId } })).status).toBe("FAILED");
      // The line that says why, above the log, with its line number leading into it.
      const why = page.getByRole("region", { name: "What went wrong" });
      await expect(why).toContainText("The lines of the step “Test” that look like why it failed.");
      const said = why.getByRole("list", { name: "Lines that say why" }).getByRole("listitem");
      await expect(said).toHaveCount(1);
      await expect(said).toContainText(FIXTURE_BUILD.failureLine);
      await expectNoSeriousA11yViolations(page, "failed build with what went wrong");
      const lineLink = why.getByRole("link", { name: /^Log line \d+$/ });
      const lineNumber = (await lineLink.textContent())!.replace(/\D/g, "");
      await lineLink.click();
      await expect(page).toHaveURL(new RegExp(`/builds/${buildId}#L${lineNumber}$`));
      await expect(log.locator(`[id="L${lineNumber}"]`)).toContainText(FIXTURE_BUILD.failureLine);
      await expect(log.locator("[data-found]")).toContainText(FIXTURE_BUILD.failureLine);
      // The address names the line: opened afresh (a teammate's link), the page scrolls the log to it once it has arrived, and marks it.
      await page.goto("/builds");
      await page.goto(`/builds/${buildId}#L${lineNumber}`);
      await expect(log.locator("[data-found]")).toContainText(FIXTURE_BUILD.failureLine);
      await expect(log.locator("[data-found]")).toBeInViewport();
      // Each line's number links to it.
      await log.locator('[id="L1"]').getByRole("link", { includeHidden: true }).click();
      await expect(page).toHaveURL(new RegExp(`#L1$`));
      await expect(log.locator("[data-found]")).toHaveAttribute("id", "L1");
      // The failed step opens its output: the log stops following, shows the step's first line
      // and marks the step's lines (the failure among them), and the keys scroll on from there.
      await page.getByRole("list", { name: "Build steps" }).getByRole("button", { name: /^Test\s*: failed/ }).click();
      await expect(page.getByLabel("Follow the log")).not.toBeChecked();
      await expect(log).toBeFocused();
      const shown = log.locator("[data-shown-step]");
      await expect(shown.filter({ hasText: FIXTURE_BUILD.failureLine })).toHaveCount(1);
      await expect(shown.first()).toBeInViewport();
      await expect(shown.filter({ hasText: "Fetching commit" })).toHaveCount(0);

      // Find in the log: the server searches the whole stored log (any case); a chosen line is scrolled to and marked.
      const finder = page.getByRole("search", { name: "Find in the log" });
      await finder.getByRole("searchbox", { name: "Find in the log" }).fill("no such text anywhere");
      await finder.getByRole("button", { name: "Find" }).click();
      await expect(page.getByText("No line of the log contains “no such text anywhere”.")).toBeVisible();
      const fragment = FIXTURE_BUILD.failureLine.slice(-20).toUpperCase();
      await finder.getByRole("searchbox", { name: "Find in the log" }).fill(fragment);
      await finder.getByRole("button", { name: "Find" }).click();
      await expect(page.getByText(`1 line contains “${fragment}”.`)).toBeVisible();
      const match = page.getByRole("list", { name: "Lines that match" }).getByRole("listitem");
      await expect(match).toContainText(FIXTURE_BUILD.failureLine);
      await page.evaluate(() => document.querySelector('[data-testid="build-log"]')!.scrollTo(0, 0));
      await match.getByRole("button", { name: /^Go to line \d+$/ }).click();
      const found = log.locator("[data-found]");
      await expect(found).toContainText(FIXTURE_BUILD.failureLine);
      await expect(found).toBeInViewport();
      await expectNoSeriousA11yViolations(page, "failed build with a search of its log");

      // Times: each line's time since the build started (in order, within the build's duration), remembered on reload, and off again.
      const times = log.locator("[data-line-time]");
      await expect(times).toHaveCount(0);
      await page.getByLabel("Times", { exact: true }).check();
      await expect(times.first()).toHaveText(/^0:0\d$/);
      const seconds = (await times.allTextContents()).map((text) => text.split(":").reduce((total, part) => total * 60 + Number(part), 0));
      expect(seconds.length).toBe(await log.locator("[data-seq]").count());
      expect(seconds).toEqual([...seconds].sort((a, b) => a - b));
      const ran = await prisma().build.findUniqueOrThrow({ where: { id: buildId }, select: { startedAt: true, finishedAt: true } });
      expect(seconds.at(-1)!).toBeLessThanOrEqual(Math.ceil((ran.finishedAt!.getTime() - ran.startedAt!.getTime()) / 1_000));
      await page.reload();
      await expect(page.getByLabel("Times", { exact: true })).toBeChecked();
      await expect(log.locator("[data-line-time]").first()).toHaveText(/^0:0\d$/);
      await page.getByLabel("Times", { exact: true }).uncheck();
      await expect(log.locator("[data-line-time]")).toHaveCount(0);

      // Whoever started it is told by e-mail, with the reason and a link to the build.
      await expect.poll(() => mailsTo(FIRST_ADMIN.email, `${profile.name} #1 failed`).length, { timeout: 30_000 }).toBe(1);
      const [mail] = mailsTo(FIRST_ADMIN.email, `${profile.name} #1 failed`);
      expect(mail!.text).toContain("Step “Test” failed with exit code 1.");
      // What went wrong, as the build page says it (mail text ends its lines with CRLF).
      expect(mail!.text.replace(/\r\n/g, "\n")).toContain(`What went wrong (line ${lineNumber} of the log: ${KEEL_URL}/builds/${buildId}#L${lineNumber}):\n    ✘ ${FIXTURE_BUILD.failureLine}`);
      expect(mail!.text).toContain(`/builds/${buildId}`);

      // And in Keel: the bell counts it; the Notices page shows it with the way to the build, then marks it seen.
      await page.reload();
      await expect(page.getByRole("link", { name: /^Notices, (\d+|99\+) new$/ })).toBeVisible();
      await page.getByRole("link", { name: /^Notices/ }).click();
      await expect(page).toHaveURL(/\/notices$/);
      const item = page.getByRole("list", { name: "Notices, newest first" }).getByRole("listitem").filter({ hasText: `${profile.name} #1 failed on ${DEFAULT_BUILD_BRANCHES.failing}` });
      await expect(item).toContainText("New");
      await expect(item).toContainText("Step “Test” failed with exit code 1.");
      await expect(item).not.toContainText("Turn these e-mails off");
      // Lines stay lines: what went wrong under its heading, as in the e-mail.
      expect(await item.locator("p").filter({ hasText: "What went wrong:" }).innerText()).toBe(`What went wrong:\n✘ ${FIXTURE_BUILD.failureLine}`);
      await expect(item.getByRole("link", { name: "Open the build" })).toHaveAttribute("href", `/builds/${buildId}`);
      await expectNoSeriousA11yViolations(page, "notices");
      const told = await prisma().notification.findFirstOrThrow({ where: { kind: "build.failed", data: { path: ["buildId"], equals: buildId } } });
      await expect.poll(async () => (await prisma().user.findFirstOrThrow({ where: { email: FIRST_ADMIN.email } })).noticesSeenAt?.getTime() ?? 0).toBeGreaterThanOrEqual(told.createdAt.getTime());

      // Turned off under Account: the next failure of theirs tells nobody.
      await page.goto("/settings/account");
      await page.getByLabel("E-mail me when a build of mine fails, and when it is fixed").uncheck();
      await page.getByRole("form", { name: "Build e-mails" }).getByRole("button", { name: "Save" }).click();
      await expect(page.getByText("Saved: Keel no longer e-mails you about builds.")).toBeVisible();
      await expect(page.getByLabel("E-mail me when a build of mine fails, and when it is fixed")).not.toBeChecked();
      await expectNoSeriousA11yViolations(page, "account with e-mail preferences");
      // The week's summary instead: asked for here, it comes on Monday and shows under Notices too.
      await page.getByLabel("E-mail me a summary of the week's builds every Monday").check();
      await page.getByRole("form", { name: "Build e-mails" }).getByRole("button", { name: "Save" }).click();
      await expect(page.getByText("Saved: Keel e-mails you a summary of the week's builds every Monday.")).toBeVisible();
      await expect(page.getByLabel("E-mail me a summary of the week's builds every Monday")).toBeChecked();
      const admin = await prisma().user.findFirstOrThrow({ where: { email: FIRST_ADMIN.email } });
      expect([admin.buildEmails, admin.weeklySummary]).toEqual([false, true]);
      const summary = await prisma().notification.create({
        data: {
          organizationId: admin.organizationId!,
          kind: "digest.weekly",
          dedupeKey: `digest.weekly:e2e:${profile.id}`,
          recipientIds: [admin.id],
          data: { from: "2026-11-30T00:00:00.000Z", to: "2026-12-07T00:00:00.000Z", builds: 3, succeeded: 2, failed: 1, profiles: [{ id: profile.id, name: profile.name, builds: 3, succeeded: 2, failed: 1, medianMs: 60_000, beforeMs: null, branch: { name: "main", breaks: 1, redMs: 600_000, redAtEnd: null } }], moreProfiles: 0 },
        },
      });
      await page.goto("/notices");
      const week = page.getByRole("list", { name: "Notices, newest first" }).getByRole("listitem").filter({ hasText: "your week of builds (2026-11-30 to 2026-12-06)" });
      await expect(week).toContainText(`${profile.name}: 3 builds, 67 % succeeded; a successful build took 1 min (median). main broke once and was red for 10 min.`);
      await expect(week.getByRole("link", { name: "Open the build profiles" })).toHaveAttribute("href", "/profiles");
      await prisma().notification.delete({ where: { id: summary.id } });
      const again = await startFromProfile(page, profile.id, DEFAULT_BUILD_BRANCHES.failing);
      await expect(page.getByRole("status").filter({ hasText: "Failed" })).toBeVisible({ timeout: 60_000 });
      expect(await prisma().notification.count({ where: { kind: "build.failed", data: { path: ["buildId"], equals: again } } })).toBe(0);
    } finally {
      await prisma().user.updateMany({ where: { email: FIRST_ADMIN.email }, data: { buildEmails: true, weeklySummary: false } });
      await removeConnection(connection.id);
    }
  });

  test("an admin sets a workflow variable; a member cancels a long build and its processes stop", async ({ page, browser }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Slow"));
    const member = await createUser({ role: "MEMBER", name: "Cora Canceler" });
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}/workflow`);
      await expectNoSeriousA11yViolations(page, "workflow editor");
      await page.getByRole("button", { name: "Add a variable" }).click();
      await page.getByLabel("Name", { exact: true }).last().fill(FIXTURE_BUILD.slowSecondsVariable);
      await page.getByLabel("Value", { exact: true }).last().fill("120");
      await page.getByRole("button", { name: "Save workflow" }).click();
      await expect(page.getByText("Saved. The next build uses this workflow.")).toBeVisible();
      expect(await prisma().auditEvent.count({ where: { action: "workflow.updated", targetId: profile.id } })).toBe(1);
      // Two mistakes at once: the server names both (the browser's own check would stop at the first, unnamed).
      const secondCommand = page.getByLabel("Command", { exact: true }).nth(1);
      const before = await secondCommand.inputValue();
      await secondCommand.fill("");
      await page.getByLabel(/^Minutes a build may take/).fill("999");
      await page.getByRole("button", { name: "Save workflow" }).click();
      const refusal = page.getByRole("alert").filter({ hasText: "The workflow was not saved" });
      await expect(refusal).toContainText("Step 2 (Build): the command is required.");
      await expect(refusal).toContainText("Time limit must be a whole number of minutes from 1 to 360.");
      expect(await prisma().auditEvent.count({ where: { action: "workflow.updated", targetId: profile.id } })).toBe(1);
      await expect(page.getByLabel(/^Minutes a build may take/)).toHaveValue("999");
      await secondCommand.fill(before);
      await page.getByLabel(/^Minutes a build may take/).fill("30");
      // A secret variable stays shown as secret after the save's answer (React resets the form).
      await page.getByRole("button", { name: "Add a variable" }).click();
      await page.getByLabel("Name", { exact: true }).last().fill("DEPLOY_KEY");
      await page.getByLabel("Secret", { exact: true }).last().check();
      await page.getByLabel("Secret value", { exact: true }).last().fill("a-secret-deploy-key");
      await page.getByRole("button", { name: "Save workflow" }).click();
      await expect.poll(async () => prisma().auditEvent.count({ where: { action: "workflow.updated", targetId: profile.id } })).toBe(2);
      await expect(page.getByRole("button", { name: "Save workflow" })).toBeEnabled();
      // The editor starts again from what was saved: variables in name order, the secret stored (not the typed text).
      const variables = page.getByRole("region", { name: "Environment variables" });
      await expect(variables.getByLabel("Name", { exact: true }).first()).toHaveValue("DEPLOY_KEY");
      await expect(variables.getByLabel("Secret", { exact: true }).first()).toBeChecked();
      await expect(variables.getByLabel("Secret value", { exact: true })).toHaveAttribute("type", "password");
      await expect(variables.getByLabel("Secret value", { exact: true })).toHaveValue("");
      await expect(variables.getByLabel("Secret value", { exact: true })).toHaveAttribute("placeholder", "Stored — type a new value to replace it");

      await test.step("saving again continues from the saved workflow; a tab opened before that save is refused and keeps its edits", async () => {
        const otherContext = await browser.newContext({ baseURL: KEEL_URL, ignoreHTTPSErrors: true });
        const other = await otherContext.newPage();
        try {
          await signInPage(other, FIRST_ADMIN.email, FIRST_ADMIN.password);
          await other.goto(`/profiles/${profile.id}/workflow`);
          const limit = (tab: Page) => tab.getByLabel(/^Minutes a build may take/);
          await limit(page).fill("45");
          await page.getByRole("button", { name: "Save workflow" }).click();
          await expect(page.getByText("Saved. The next build uses this workflow.")).toBeVisible();
          await limit(page).fill("46");
          // Submodules and Git LFS off too (both are fetched by default); the profile page says so.
          await expect(page.getByLabel("Fetch submodules")).toBeChecked();
          await page.getByLabel("Fetch submodules").uncheck();
          await expect(page.getByLabel("Fetch Git LFS files")).toBeChecked();
          await page.getByLabel("Fetch Git LFS files").uncheck();
          await page.getByRole("button", { name: "Save workflow" }).click();
          await expect(page.getByText("Saved. The next build uses this workflow.")).toBeVisible();
          await expect.poll(async () => (await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).buildTimeoutMinutes).toBe(46);
          expect(await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).toMatchObject({ fetchSubmodules: false, fetchLfs: false });
          await expect(page.getByLabel("Fetch submodules")).not.toBeChecked();
          await expect(page.getByLabel("Fetch Git LFS files")).not.toBeChecked();

          await limit(other).fill("50");
          await other.getByRole("button", { name: "Save workflow" }).click();
          await expect(other.getByRole("alert").filter({ hasText: "The workflow was not saved" })).toContainText("Someone saved this workflow after you opened it");
          await expect(limit(other)).toHaveValue("50");
          expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).buildTimeoutMinutes).toBe(46);
        } finally {
          await otherContext.close();
        }
      });

      await test.step("the admin continues the numbering of the team's previous CI; numbers never go down", async () => {
        const numbers = page.getByRole("region", { name: "Build numbers" });
        await expect(numbers).toContainText("The next build is #1.");
        const field = numbers.getByLabel("Next build number");
        await field.fill("45x");
        await numbers.getByRole("button", { name: "Save build number" }).click();
        await expect(numbers.getByText("Next build number must be a whole number, such as 4513.").first()).toBeVisible();
        await expect(field).toHaveAttribute("aria-invalid", "true");
        await expect(field).toHaveValue("45x");
        await field.fill("4513");
        await numbers.getByRole("button", { name: "Save build number" }).click();
        await expect(numbers.getByRole("status")).toHaveText("Saved. The next build is #4513.");
        await expect(numbers).toContainText("The next build is #4513.");
        await field.fill("12");
        await numbers.getByRole("button", { name: "Save build number" }).click();
        await expect(numbers.getByText(/^Next build number cannot go down: the next build is already #4513/).first()).toBeVisible();
        expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).nextBuildNumber).toBe(4513);
        await expectNoSeriousA11yViolations(page, "build numbers refused");
      });

      const memberContext = await browser.newContext({ baseURL: KEEL_URL, ignoreHTTPSErrors: true });
      // The browser's notifications, observed: a stand-in that records what the page shows (a
      // headless browser has no notification centre to look at), permission already granted.
      await memberContext.addInitScript(() => {
        const shown: Array<{ title: string; body?: string }> = [];
        (window as unknown as { keelNotices: typeof shown }).keelNotices = shown;
        class RecordedNotification {
          static permission = "granted";
          static requestPermission = async () => "granted";
          onclick: (() => void) | null = null;
          constructor(title: string, options?: { body?: string }) {
            shown.push({ title, body: options?.body });
          }
        }
        (window as unknown as { Notification: unknown }).Notification = RecordedNotification;
      });
      const memberPage = await memberContext.newPage();
      try {
        await signInPage(memberPage, member.email, member.password);
        await memberPage.goto(`/profiles/${profile.id}`);
        await expect(memberPage.getByRole("link", { name: "Edit workflow" })).toHaveCount(0);
        await expect(memberPage.getByRole("region", { name: "Workflow" })).toContainText("Submodules are not fetched. Git LFS files are not fetched.");
        // Three earlier successful builds (the numbers before the one the admin set) of 9, 10 and 12 minutes, their Test step 3, 4 and 5: the running build is measured against them.
        const { organizationId } = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id }, select: { organizationId: true } });
        for (const [number, minutes, testMinutes] of [[4510, 9, 3], [4511, 10, 4], [4512, 12, 5]] as const) {
          const startedAt = new Date(Date.now() - (4513 - number) * 86_400_000);
          const finishedAt = new Date(startedAt.getTime() + minutes * 60_000);
          await prisma().build.create({
            data: {
              organizationId, profileId: profile.id, number, trigger: "MANUAL", idempotencyKey: `history-${profile.id}-${number}`, commitId: "a".repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 3_600, status: "SUCCEEDED", queuedAt: startedAt, startedAt, finishedAt,
              stepRuns: { create: { index: 3, name: "Test", command: "./build.sh test", status: "SUCCEEDED", startedAt: new Date(finishedAt.getTime() - testMinutes * 60_000), finishedAt } },
            },
          });
        }
        const buildId = await startFromProfile(memberPage, profile.id, DEFAULT_BUILD_BRANCHES.slow);
        await expect(memberPage.getByRole("heading", { level: 1 })).toHaveText(`${profile.name} #4513`);
        await expect(memberPage.getByTestId("build-log")).toContainText("compiling module 2 of 120", { timeout: 60_000 });
        // The header, rendered by the server while the build was queued, follows it once it runs.
        await expect(memberPage.getByRole("heading", { level: 1 }).locator("xpath=following-sibling::div")).toContainText("Running");
        const progress = memberPage.getByRole("progressbar", { name: "Build progress" });
        await expect(progress).toHaveAttribute("aria-valuetext", /^About (9|10) min left$/);
        await expect(memberPage.getByTestId("build-progress")).toHaveText(/left \(the median of the last 3 successful builds is 10 min\)\.$/);
        await expect(memberPage.getByRole("list", { name: "Build steps" }).getByRole("listitem").filter({ hasText: "Test" })).toContainText("usually 4 min");
        // The tab says how it is doing; the member asks to be told when it ends.
        await expect(memberPage).toHaveTitle(`Running · ${profile.name} #4513 · Keel`);
        await memberPage.getByRole("button", { name: "Notify me when it finishes" }).click();
        await expect(memberPage.getByText("Your browser will notify you when it finishes, while this page is open.")).toBeVisible();
        await expectNoSeriousA11yViolations(memberPage, "running build with its progress");
        // The admins' Workers page names the worker running it.
        const running = await prisma().build.findUniqueOrThrow({ where: { id: buildId } });
        await page.goto("/settings/workers");
        await expect(page.getByRole("table", { name: "Workers" }).getByRole("row").filter({ hasText: `process ${running.workerPid}` })).toContainText(`Building ${profile.name} #${running.number}`);
        await memberPage.getByRole("button", { name: "Cancel build" }).click();
        await expect(memberPage.getByRole("status").filter({ hasText: "Canceled by" })).toBeVisible({ timeout: 30_000 });
        await expect(memberPage.getByRole("status").filter({ hasText: `Canceled by ${member.name}.` })).toBeVisible();
        await expect(memberPage).toHaveTitle(`Canceled · ${profile.name} #4513 · Keel`);
        await expect.poll(async () => memberPage.evaluate(() => (window as unknown as { keelNotices: unknown[] }).keelNotices)).toEqual([{ title: `${profile.name} #4513 canceled`, body: `Canceled by ${member.name}.` }]);
        await expect(memberPage.getByRole("button", { name: "Notify me when it finishes" })).toHaveCount(0);
        const build = await prisma().build.findUniqueOrThrow({ where: { id: buildId } });
        expect(build.status).toBe("CANCELED");
        expect(build.canceledById).toBe(member.id);
        // The log stopped where the build was stopped: nothing after Keel's closing lines.
        const count = await prisma().buildLogLine.count({ where: { buildId } });
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        expect(await prisma().buildLogLine.count({ where: { buildId } })).toBe(count);
      } finally {
        await memberContext.close();
      }
    } finally {
      await removeConnection(connection.id);
      await removeUser(member.id);
    }
  });
});
