// Builds that start themselves, in the browser: an admin sets a profile's triggers, Keel creates
// the repository's service hooks in the emulator (pointing at the HTTPS Keel under test), a push
// is delivered through the real route and starts a build; the delivery log shows it, Replay
// starts nothing twice, and the connection page shows the hooks' health. The ios-sdk repository
// is used by no other journey, so its hooks never see their pushes.
import { expect, test } from "@playwright/test";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { removeConnection, seedPatConnection, uniqueName } from "./support/connections";
import { prisma } from "./support/db";
import { emulator } from "./support/emulator";
import { seedProfile, seedSdkProfileOn, seedWalletProfile } from "./support/profiles";
import { FIRST_ADMIN } from "./support/settings";

test.describe("service hooks", () => {
  test("triggers create the hooks; a push starts a build; the delivery log shows it and Replay duplicates nothing", async ({ page }) => {
    test.setTimeout(120_000);
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    try {
      const profile = await seedProfile({
        connectionId: connection.id,
        name: uniqueName("SDK hooks"),
        projectId: DEFAULT_PROJECTS.mobileIos.id,
        projectName: DEFAULT_REPOS.iosSdk.project,
        repositoryId: DEFAULT_REPOS.iosSdk.id,
        repositoryName: DEFAULT_REPOS.iosSdk.name,
        defaultBranch: "refs/heads/master",
      });
      await prisma().buildProfile.update({ where: { id: profile.id }, data: { workflowSteps: [{ name: "Build", command: "true" }] } });
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}`);
      const form = page.getByRole("form", { name: "Build triggers" });
      await form.getByRole("textbox", { name: "Push branches" }).fill("master\nbad branch");
      await form.getByRole("button", { name: "Save triggers" }).click();
      await expect(form.getByText(/“bad branch” — A branch pattern/)).toBeVisible();
      // The refused patterns stay in the field to be corrected (React resets a form after its answer).
      await expect(form.getByRole("textbox", { name: "Push branches" })).toHaveValue("master\nbad branch");
      // The answer is complete (React resets the form as it ends) before the correction is typed.
      await expect(form.getByRole("button", { name: "Save triggers" })).toBeEnabled();
      await expect(form.getByRole("textbox", { name: "Push branches" })).toHaveValue("master\nbad branch");
      await form.getByRole("textbox", { name: "Push branches" }).fill("master\nrelease/**");
      // Releases from version tags; a pattern with a space is refused by name first.
      await form.getByRole("checkbox", { name: "Build tags pushed with these names (releases)" }).check();
      await form.getByRole("textbox", { name: "Tags" }).fill("v 1");
      await form.getByRole("button", { name: "Save triggers" }).click();
      await expect(form.getByText(/“v 1” — A tag pattern is a tag name/)).toBeVisible();
      await expect(form.getByRole("button", { name: "Save triggers" })).toBeEnabled();
      await expect(form.getByRole("checkbox", { name: "Build tags pushed with these names (releases)" })).toBeChecked();
      await form.getByRole("textbox", { name: "Tags" }).fill("v*\n!v*-beta*");
      // Drafts wait for their authors to publish them.
      await form.getByRole("checkbox", { name: "Wait until a draft pull request is published" }).check();
      // Pull requests from forks wait for a person by default: this team builds them by themselves, without the profile's secrets.
      const forks = form.getByRole("group", { name: "Pull requests from forks" });
      await expect(forks.getByRole("radio", { name: "Wait for someone who read the change to start the build" })).toBeChecked();
      await forks.getByRole("radio", { name: /^Build them by themselves, without this profile's secret variables and files/ }).check();
      // Members may also start a pull request's build from Azure DevOps with a comment.
      await form.getByRole("checkbox", { name: "Members start a pull request's build with a comment: /keel build" }).check();
      await form.getByRole("button", { name: "Save triggers" }).click();
      await expect(form.getByText(/Saved\. Keel sets up the service hooks/)).toBeVisible();
      await expect(page.getByRole("region", { name: "Triggers" })).toContainText("Tags: v*, !v*-beta*.");
      await expect(page.getByRole("region", { name: "Triggers" })).toContainText("pull requests into the default branch (master) once they are no longer drafts, from forks too (without its secrets).");
      await expect(page.getByRole("region", { name: "Triggers" })).toContainText("A member's comment /keel build on a pull request starts its build.");
      await expect(form.getByRole("checkbox", { name: "Wait until a draft pull request is published" })).toBeChecked();
      await expect(forks.getByRole("radio", { name: /^Build them by themselves, without this profile's secret variables and files/ })).toBeChecked();
      // This Keel's one worker runs steps as its own user: the card says such builds cannot run yet, and how to fix it.
      await expect(page.getByRole("region", { name: "Triggers" }).getByRole("alert").filter({ hasText: "No worker of the pool “default” runs steps as a build user" })).toContainText("KEEL_BUILD_USER");
      expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).triggers).toMatchObject({ tags: { enabled: true, patterns: ["v*", "!v*-beta*"] }, pullRequest: { enabled: true, drafts: false, forks: "withoutSecrets", comments: true } });
      // The worker creates the four subscriptions (comments too); the page says so once they exist.
      await expect(async () => {
        await page.reload();
        await expect(page.getByText("Service hooks active")).toBeVisible({ timeout: 1_000 });
      }).toPass({ timeout: 30_000 });
      expect((await prisma().hookSubscription.findMany({ where: { connectionId: connection.id, state: "ACTIVE" }, select: { eventType: true } })).map((row) => row.eventType).sort()).toEqual([
        "git.pullrequest.created",
        "git.pullrequest.updated",
        "git.push",
        "ms.vss-code.git-pullrequest-comment-event",
      ]);
      await expectNoSeriousA11yViolations(page, "profile page with triggers");

      const pushed = await emulator.push({ organization: "fabrikam", project: DEFAULT_REPOS.iosSdk.project, repository: DEFAULT_REPOS.iosSdk.name, branch: "master" });
      const commit = pushed.commits.at(-1)!.commitId;
      const build = await expect
        .poll(async () => (await prisma().build.findFirst({ where: { profileId: profile.id, commitId: commit } }))?.trigger ?? null, { timeout: 30_000 })
        .toBe("PUSH")
        .then(() => prisma().build.findFirstOrThrow({ where: { profileId: profile.id, commitId: commit } }));

      await page.getByRole("link", { name: "Delivery log" }).click();
      const delivery = page.locator("[data-delivery]").filter({ hasText: commit.slice(0, 8) }).filter({ hasText: "git.push" });
      await expect(delivery).toContainText(`build #${build.number} started`);
      await expect(delivery).toContainText("processed");
      await delivery.getByText("Payload (credentials masked)").click();
      await expect(delivery.locator("pre")).toContainText('"eventType": "git.push"');
      await expectNoSeriousA11yViolations(page, "delivery log");
      await delivery.getByRole("button", { name: "Replay" }).click();
      await expect(delivery.getByText(/had already been started \(1\); nothing was duplicated/)).toBeVisible();
      expect(await prisma().build.count({ where: { profileId: profile.id, commitId: commit } })).toBe(1);

      await page.goto(`/connections/${connection.id}`);
      const health = page.getByRole("table", { name: "Service-hook subscriptions" });
      await expect(health.getByRole("row").filter({ hasText: "git.push" })).toContainText("Enabled");
      await page.getByRole("link", { name: "Delivery log" }).click();
      await page.getByRole("button", { name: "Backfill from Azure DevOps" }).click();
      await expect(page.getByText(/Backfill done: .* 0 had never reached Keel/)).toBeVisible();
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("a nightly schedule: chosen on the profile, refused without a day, shown with its next time", async ({ page }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet nightly"));
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${profile.id}`);
      const form = page.getByRole("form", { name: "Build triggers" });
      // Manual only, then a schedule alone: no hooks needed, builds at the chosen times.
      await form.getByLabel("Build pushes to these branches").uncheck();
      await form.getByLabel("Build pull requests (created or updated) into these branches").uncheck();
      await form.getByLabel("Build on a schedule (nightly builds)").check();
      for (const day of ["Mon", "Tue", "Wed", "Thu", "Fri"]) {
        await form.getByLabel(day, { exact: true }).uncheck();
      }
      await form.getByRole("button", { name: "Save triggers" }).click();
      await expect(form.getByText("Choose at least one day for the schedule, or turn the schedule off")).toBeVisible();
      await expect(form.getByLabel("Build on a schedule (nightly builds)")).toBeChecked();
      await expect(form.getByRole("button", { name: "Save triggers" })).toBeEnabled();
      expect(((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).triggers as { schedule?: unknown } | null)?.schedule).toBeUndefined();

      await form.getByLabel("Mon", { exact: true }).check();
      await form.getByLabel("Wed", { exact: true }).check();
      await form.getByLabel("Time", { exact: true }).fill("23:30");
      await form.getByLabel("Time zone").selectOption("Europe/Berlin");
      await form.getByLabel("Scheduled branch").fill("main");
      await form.getByLabel("When a newer commit of the same branch or pull request is built").selectOption("Cancel older builds still waiting in the queue");
      // Path filters: one that leaves the repository is refused by name, and kept in the field.
      await form.getByRole("textbox", { name: /^Paths/ }).fill("ios/**\n../outside");
      await form.getByRole("button", { name: "Save triggers" }).click();
      await expect(form.getByText(/Paths: “\.\.\/outside” — A path pattern is a path from the repository's root/)).toBeVisible();
      await expect(form.getByRole("button", { name: "Save triggers" })).toBeEnabled();
      await form.getByRole("textbox", { name: /^Paths/ }).fill("ios/**\n!ios/docs/**");
      await form.getByRole("button", { name: "Save triggers" }).click();
      await expect(form.getByText(/^Saved\. The next scheduled build is (Mon|Wed) \d+ \w+, 23:30 \(Europe\/Berlin\)\.$/)).toBeVisible();
      const stored = (await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).triggers as { push: { enabled: boolean }; schedule: Record<string, unknown> };
      expect(stored.push.enabled).toBe(false);
      expect(stored).toMatchObject({ supersede: "queued", paths: ["ios/**", "!ios/docs/**"] });
      expect(stored.schedule).toMatchObject({ enabled: true, days: [1, 3], time: "23:30", timeZone: "Europe/Berlin", branch: "main", onlyWhenChanged: true });
      await page.reload();
      const triggers = page.getByRole("region", { name: "Triggers" });
      await expect(triggers).toContainText("On a schedule: Monday and Wednesday at 23:30 (Europe/Berlin), main, when it has new commits.");
      await expect(triggers.getByRole("definition").first()).toHaveText(/^(Mon|Wed) \d+ \w+, 23:30 \(Europe\/Berlin\)$/);
      await expect(form.getByLabel("Time zone")).toHaveValue("Europe/Berlin");
      await expect(form.getByLabel("Sun", { exact: true })).not.toBeChecked();
      await expect(form.getByLabel("When a newer commit of the same branch or pull request is built")).toHaveValue("queued");
      await expect(form.getByRole("textbox", { name: /^Paths/ })).toHaveValue("ios/**\n!ios/docs/**");
      await expectNoSeriousA11yViolations(page, "profile page with a schedule");
    } finally {
      await removeConnection(connection.id);
    }
  });

  test("a profile builds after another's successes: chosen on the triggers form, a loop refused, the build page names the build it follows", async ({ page }) => {
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    try {
      const tests = await seedSdkProfileOn(connection.id, uniqueName("SDK tests"));
      const store = await seedSdkProfileOn(connection.id, uniqueName("SDK to the store"));
      // Started by hand only: the repository's pushes (another journey's) build neither.
      for (const profile of [tests, store]) {
        await prisma().buildProfile.update({ where: { id: profile.id }, data: { triggers: { mode: "manual", push: { enabled: false, branches: [] }, pullRequest: { enabled: false, branches: [] } } } });
      }
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto(`/profiles/${store.id}`);
      const form = page.getByRole("form", { name: "Build triggers" });
      // Only after the tests: no pushes or pull requests of its own (and no service hooks for them).
      await form.getByRole("radio", { name: /^By themselves/ }).check();
      await form.getByRole("checkbox", { name: "Build after another profile's builds succeed" }).check();
      await form.getByRole("button", { name: "Save triggers" }).click();
      await expect(form.getByText("Build after: choose the profile whose successful builds start this one's, or turn it off").first()).toBeVisible();
      await expect(form.getByRole("button", { name: "Save triggers" })).toBeEnabled();
      await form.getByRole("combobox", { name: "Build after the profile" }).selectOption({ label: tests.name });
      await form.getByRole("button", { name: "Save triggers" }).click();
      await expect(form.getByText("Saved. Its builds start after the other profile's successful builds.")).toBeVisible();
      await expect(page.getByRole("region", { name: "Triggers" })).toContainText(`After successful builds of “${tests.name}” on the default branch (master).`);
      await expectNoSeriousA11yViolations(page, "triggers building after another profile");
      expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: store.id } })).triggers).toMatchObject({ push: { enabled: false }, after: { enabled: true, profileId: tests.id, branches: [] } });
      // The tests profile cannot build after it in turn: each would start the other's builds forever.
      await page.goto(`/profiles/${tests.id}`);
      await form.getByRole("radio", { name: /^By themselves/ }).check();
      await form.getByRole("checkbox", { name: "Build after another profile's builds succeed" }).check();
      await form.getByRole("combobox", { name: "Build after the profile" }).selectOption({ label: store.name });
      await form.getByRole("button", { name: "Save triggers" }).click();
      await expect(form.getByText(`Build after: “${store.name}” already builds after this profile`).first()).toBeVisible();
      expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: tests.id } })).triggers).not.toHaveProperty("after");
      // A build it started names the one it follows (the worker's part: lib/builds/build-io.db.test.ts).
      const { organizationId } = await prisma().buildProfile.findUniqueOrThrow({ where: { id: tests.id }, select: { organizationId: true } });
      const commitId = "a".repeat(40);
      const made = (profileId: string, data: Record<string, unknown>) =>
        prisma().build.create({ data: { organizationId, profileId, number: 900, status: "SUCCEEDED", idempotencyKey: `after-${profileId}`, commitId, branch: "refs/heads/master", steps: [], timeoutSeconds: 600, startedAt: new Date(), finishedAt: new Date(), ...data } as never });
      const upstream = await made(tests.id, { trigger: "PUSH" });
      const downstream = await made(store.id, { trigger: "AFTER_BUILD", upstreamBuildId: upstream.id });
      await page.goto(`/builds/${downstream.id}`);
      await expect(page.getByText("After a build", { exact: true })).toBeVisible();
      await page.getByRole("link", { name: `${tests.name} #900` }).click();
      await expect(page).toHaveURL(new RegExp(`/builds/${upstream.id}$`));
    } finally {
      await removeConnection(connection.id);
    }
  });
});
