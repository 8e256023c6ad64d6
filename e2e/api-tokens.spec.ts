// Keel's token API (README, "Starting builds from scripts"): a member makes an API token in the
// browser, a script (a plain HTTP client, no session) starts a build with it, follows it to the
// end and downloads its artifact — the worker runs the build for real against the emulator.
// Bad input is named field by field; a session alone opens nothing; an admin revokes a member's
// token and its next request is refused.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { removeConnection, uniqueName } from "./support/connections";
import { createUser, prisma, removeUser } from "./support/db";
import { seedWalletProfile } from "./support/profiles";
import { KEEL_URL } from "./support/settings";

type ApiBuild = { id: string; number: number; status: string; finished: boolean; trigger: string; branch: string | null; commit: string; apiUrl: string; webUrl: string; artifacts: { path: string; size: number; downloadUrl: string }[]; artifactsZipUrl: string | null };

test.describe("API tokens", () => {
  test("a member's script starts a build with a token, follows it and downloads its app; an admin revokes the token", async ({ page, browser, playwright }) => {
    test.setTimeout(180_000);
    const member = await createUser({ role: "MEMBER", name: "Release Script Owner" });
    const admin = await createUser({ role: "ADMIN", name: "Token Admin" });
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet API"));
    await prisma().buildProfile.update({
      where: { id: profile.id },
      data: { workflowSteps: [{ name: "Package", command: 'mkdir -p out && printf "wallet-ipa" > out/Wallet.ipa', timeoutMinutes: 15 }], artifactPatterns: ["out/*.ipa"] },
    });
    const script: APIRequestContext = await playwright.request.newContext({ baseURL: KEEL_URL });
    try {
      // The member makes a token on the settings page.
      await signInPage(page, member.email, member.password);
      await page.goto("/settings");
      await page.getByRole("link", { name: "API tokens" }).click();
      await expect(page.getByRole("heading", { name: "API tokens", level: 1 })).toBeVisible();
      await expect(page.getByText("You have no API tokens")).toBeVisible();
      // Members see their own tokens only.
      await expect(page.getByRole("heading", { name: "Everyone else's tokens" })).toHaveCount(0);
      await expectNoSeriousA11yViolations(page, "API tokens page, empty");
      const form = page.getByRole("form", { name: "New API token" });
      await form.getByLabel("Name").fill("   ");
      await form.getByRole("button", { name: "Create token" }).click();
      await expect(form.getByText("Name is required").first()).toBeVisible();
      expect(await prisma().apiToken.count({ where: { userId: member.id } })).toBe(0);
      await form.getByLabel("Name").fill("Release script");
      await form.getByLabel("Expires after").selectOption("30");
      await form.getByRole("button", { name: "Create token" }).click();
      const shown = page.getByRole("textbox", { name: "API token" });
      await expect(shown).toHaveValue(/^keel_[A-Za-z0-9_-]{43}$/);
      const token = await shown.inputValue();
      await expect(page.getByRole("status").filter({ hasText: "cannot show it again" })).toBeVisible();
      const row = page.getByRole("table", { name: "Your API tokens" }).getByRole("row").filter({ hasText: "Release script" });
      await expect(row).toContainText(`${token.slice(0, 11)}…`);
      await expect(row).toContainText("Never");
      await expectNoSeriousA11yViolations(page, "API tokens page with a new token");
      // Only a fingerprint is stored.
      const stored = await prisma().apiToken.findFirstOrThrow({ where: { userId: member.id } });
      expect(stored.readOnly).toBe(false);
      // A dashboard's token only reads: marked so in the list.
      await form.getByLabel("Name").fill("Team screen");
      await form.getByRole("checkbox", { name: "Read only" }).check();
      await form.getByRole("button", { name: "Create token" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Your new token “Team screen”" })).toBeVisible();
      await expect(page.getByRole("table", { name: "Your API tokens" }).getByRole("row").filter({ hasText: "Team screen" })).toContainText("Read only");
      expect((await prisma().apiToken.findFirstOrThrow({ where: { userId: member.id, name: "Team screen" } })).readOnly).toBe(true);
      expect(JSON.stringify(stored)).not.toContain(token.slice(11));
      // After a reload the token itself is gone from the page.
      await page.reload();
      await expect(page.getByRole("textbox", { name: "API token" })).toHaveCount(0);
      expect(await page.content()).not.toContain(token.slice(11));

      // The profile page shows the command for this very profile.
      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByRole("region", { name: "Start from a script" }).getByLabel("Command that starts a build of this profile")).toContainText(`${KEEL_URL}/api/v1/profiles/${profile.id}/builds`);

      const bearer = { authorization: `Bearer ${token}` };
      // A script finds its profile's id by name.
      const found = (await (await script.get(`/api/v1/profiles?q=${encodeURIComponent(profile.name)}`, { headers: bearer })).json()) as { profiles: { id: string; buildsUrl: string }[]; total: number };
      expect(found.total).toBe(1);
      expect(found.profiles[0]).toMatchObject({ id: profile.id, buildsUrl: `${KEEL_URL}/api/v1/profiles/${profile.id}/builds`, paused: null });
      // A team's screen shows which profiles an admin paused, and why (set here as the profile page's Pause builds would).
      await prisma().buildProfile.update({ where: { id: profile.id }, data: { pausedAt: new Date("2026-12-07T10:00:00Z"), pauseReason: "Xcode 17 upgrade" } });
      const paused = (await (await script.get(`/api/v1/profiles?q=${encodeURIComponent(profile.name)}`, { headers: bearer })).json()) as { profiles: { paused: unknown }[] };
      expect(paused.profiles[0]!.paused).toEqual({ since: "2026-12-07T10:00:00.000Z", by: null, reason: "Xcode 17 upgrade" });
      await prisma().buildProfile.update({ where: { id: profile.id }, data: { pausedAt: null, pauseReason: null } });
      // A release script registers testers' devices with Apple before it signs (fastlane's register_devices reads Apple's format).
      const devicesUrl = `/api/v1/profiles/${profile.id}/tester-devices`;
      expect(await (await script.get(devicesUrl, { headers: bearer })).json()).toEqual({ devices: [] });
      const { organizationId } = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id }, select: { organizationId: true } });
      await prisma().testerDevice.create({ data: { organizationId, profileId: profile.id, udid: "00008101-000A1B2C3D4E5F60", testerName: "Ana", product: "iPhone15,2", osVersion: "22B83" } });
      expect(await (await script.get(devicesUrl, { headers: bearer })).json()).toEqual({
        devices: [{ udid: "00008101-000A1B2C3D4E5F60", name: "Ana", testerName: "Ana", model: "iPhone15,2", osVersion: "22B83", registeredAt: expect.any(String), inNewestBuild: null }],
      });
      expect(await (await script.get(`${devicesUrl}?format=apple&missing=1`, { headers: bearer })).text()).toBe("Device ID\tDevice Name\tDevice Platform\n00008101-000A1B2C3D4E5F60\tAna\tios\n");
      const badFormat = await script.get(`${devicesUrl}?format=csv`, { headers: bearer });
      expect(badFormat.status()).toBe(400);
      expect(((await badFormat.json()) as { error: { fields: Record<string, string[]> } }).error.fields.format).toEqual(["format must be json or apple"]);
      // A session is not a credential of the API: the member's own browser gets 401 without the token.
      const withSession = await page.request.get(`/api/v1/profiles/${profile.id}/builds`);
      expect(withSession.status()).toBe(401);
      expect(withSession.headers()["www-authenticate"]).toBe('Bearer realm="Keel"');

      // Bad input: each answer names the field and the fix, and nothing is queued.
      const start = (data: unknown, headers: Record<string, string> = {}) => script.post(`/api/v1/profiles/${profile.id}/builds`, { headers: { ...bearer, ...headers }, ...(data === undefined ? {} : { data }) });
      const refusals: [unknown, Record<string, string>, number, string, RegExp][] = [
        [{ branch: "bad..name" }, {}, 400, "branch", /^branch is not a valid Git branch name/],
        [{ commit: "abc1234" }, {}, 400, "commit", /^commit must be a full commit id/],
        [{ pullRequest: 1, branch: "main" }, {}, 400, "pullRequest", /^pullRequest must be sent alone/],
        [{ pullRequest: "seven" }, {}, 400, "pullRequest", /^pullRequest must be the pull request's number/],
        [{ branch: "main", force: true }, {}, 400, "force", /"force" is not a parameter of this endpoint/],
        [[1, 2], {}, 400, "_request", /^The body must be a JSON object/],
        [{ branch: "no-such-branch" }, {}, 400, "branch", /has no branch “no-such-branch”/],
        [{ tag: "no-such-tag" }, {}, 400, "tag", /has no tag “no-such-tag”/],
        [{ variables: { "1X": "a" } }, {}, 400, "variables", /^variables — “1X” is not a variable name/],
        [{ variables: ["DEPLOY=1"] }, {}, 400, "variables", /^variables must be an object of names and values/],
        [{ tag: "v1.0.0", branch: "main" }, {}, 400, "tag", /^tag and branch cannot both be sent/],
        [{ branch: "main" }, { "idempotency-key": "has spaces in it" }, 400, "Idempotency-Key", /^Idempotency-Key must be printable ASCII/],
      ];
      for (const [data, headers, status, field, message] of refusals) {
        const answer = await start(data, headers);
        expect(answer.status(), JSON.stringify(data)).toBe(status);
        const body = (await answer.json()) as { error: { code: string; message: string; fields?: Record<string, string[]> } };
        expect(body.error.code).toBe("INVALID_INPUT");
        expect(body.error.fields?.[field]?.[0], JSON.stringify(data)).toMatch(message);
      }
      const notJson = await script.post(`/api/v1/profiles/${profile.id}/builds`, { headers: { ...bearer, "content-type": "application/json" }, data: Buffer.from("{branch: main") });
      expect(((await notJson.json()) as { error: { fields: Record<string, string[]> } }).error.fields._body).toEqual(["The request body must be JSON"]);
      for (const id of [randomUUID(), "not-an-id", "..%2F..%2Fbuilds"]) {
        const answer = await script.post(`/api/v1/profiles/${id}/builds`, { headers: bearer, data: {} });
        expect(answer.status(), id).toBe(404);
      }
      expect(await prisma().build.count({ where: { profileId: profile.id } })).toBe(0);

      // No body builds the default branch; the same Idempotency-Key gets the same build back.
      const first = await start(undefined, { "idempotency-key": "release-2026-12-06" });
      expect(first.status()).toBe(201);
      const { build } = (await first.json()) as { build: ApiBuild };
      expect(build).toMatchObject({ number: 1, trigger: "API", branch: "main", finished: false, webUrl: `${KEEL_URL}/builds/${build.id}`, apiUrl: `${KEEL_URL}/api/v1/builds/${build.id}` });
      expect(first.headers()["location"]).toBe(build.apiUrl);
      const again = await start(undefined, { "idempotency-key": "release-2026-12-06" });
      expect(again.status()).toBe(200);
      expect(((await again.json()) as { build: ApiBuild }).build.id).toBe(build.id);

      // The script waits for the build to finish with one held request (?wait=60, asked again while
      // it has not finished), then downloads the app it built. A wait past a minute is refused by name.
      const tooLong = await script.get(`${build.apiUrl}?wait=600`, { headers: bearer });
      expect(tooLong.status()).toBe(400);
      expect(((await tooLong.json()) as { error: { fields: Record<string, string[]> } }).error.fields.wait).toEqual(["wait must be at most 60 (ask again to wait longer)"]);
      let done: ApiBuild | null = null;
      let requests = 0;
      while (!done || !done.finished) {
        expect((requests += 1), "requests the script needed").toBeLessThanOrEqual(3);
        done = ((await (await script.get(`${build.apiUrl}?wait=60`, { headers: bearer, timeout: 90_000 })).json()) as { build: ApiBuild }).build;
      }
      expect(done.status).toBe("SUCCEEDED");
      const finishedBuild = done! as ApiBuild & { logUrl: string; whatWentWrong: unknown; steps: Array<{ name: string; status: string; exitCode: number | null; finishedAt: string | null; continueOnError: boolean; timeoutMinutes: number | null }> };
      expect(finishedBuild.whatWentWrong).toBeNull();
      // Its steps as the page lists them, the fetch first, each with its own time limit (or null).
      expect(finishedBuild.steps.map((step) => [step.name, step.status, step.exitCode, step.finishedAt !== null, step.continueOnError, step.timeoutMinutes])).toEqual([
        ["Fetch commit", "SUCCEEDED", 0, true, false, null],
        ["Package", "SUCCEEDED", 0, true, false, 15],
      ]);
      // Found again by its commit, or the start of it, as Azure DevOps shows it; a branch name is not a commit.
      const byCommit = await script.get(`/api/v1/profiles/${profile.id}/builds?commit=${build.commit.slice(0, 8).toUpperCase()}`, { headers: bearer });
      expect(((await byCommit.json()) as { builds: ApiBuild[] }).builds.map((item) => item.id)).toEqual([build.id]);
      const notACommit = await script.get(`/api/v1/profiles/${profile.id}/builds?commit=main`, { headers: bearer });
      expect(notACommit.status()).toBe(400);
      expect(((await notACommit.json()) as { error: { fields: Record<string, string[]> } }).error.fields.commit).toEqual(["commit must be 4 to 40 hexadecimal characters: a commit id or its start, such as 3cf776d9"]);
      // The profile's first build of main: nothing to count changes from (lib/builds/build-io.db.test.ts has a list of them).
      expect((done as ApiBuild & { changes: unknown }).changes).toEqual({ since: null, commits: [], complete: true });
      // The log, for the script's own output.
      const logText = await (await script.get(finishedBuild.logUrl, { headers: bearer })).text();
      expect(logText).toContain(`[keel] Fetching commit ${build.commit}`);
      expect((await script.get(finishedBuild.logUrl)).status()).toBe(401);
      const artifact = done!.artifacts.find((item) => item.path === "out/Wallet.ipa")!;
      // A file that only has an app's name holds no app information (the build page's journey has one that does).
      expect(artifact).toMatchObject({ size: 10, app: null, downloadUrl: `${KEEL_URL}/api/v1/builds/${build.id}/artifacts/${artifact.downloadUrl.split("/").at(-1)}` });
      const download = await script.get(artifact.downloadUrl, { headers: bearer });
      expect(download.status()).toBe(200);
      expect(download.headers()["content-disposition"]).toContain("Wallet.ipa");
      // Its length, for the progress of a large download (Next.js alone would drop it: lib/http/declared-length.ts).
      expect([download.headers()["content-length"], download.headers()["x-keel-content-length"]]).toEqual(["10", undefined]);
      expect(await download.text()).toBe("wallet-ipa");
      // Without the token the same link answers 401.
      expect((await script.get(artifact.downloadUrl)).status()).toBe(401);
      // Every file in one zip.
      expect(done!.artifactsZipUrl).toBe(`${KEEL_URL}/api/v1/builds/${build.id}/artifacts.zip`);
      const zip = await script.get(done!.artifactsZipUrl!, { headers: bearer });
      expect(zip.headers()["content-type"]).toBe("application/zip");
      const zipBytes = await zip.body();
      // Known before the first byte (nothing compressed, every size known), and exact.
      expect(zip.headers()["content-length"]).toBe(String(zipBytes.length));
      // A zip's end record holds its entry count (little-endian, 12 bytes before its end with no comment).
      expect(zipBytes.readUInt32LE(zipBytes.length - 22)).toBe(0x06054b50);
      expect(zipBytes.readUInt16LE(zipBytes.length - 12)).toBe(done!.artifacts.length);
      // The list of the profile's builds, filtered as asked (and a bad filter named).
      const listed = (await (await script.get(`/api/v1/profiles/${profile.id}/builds?status=succeeded&branch=main&limit=5`, { headers: bearer })).json()) as { builds: ApiBuild[] };
      expect(listed.builds.map((item) => item.id)).toEqual([build.id]);
      // Queued within days: the day it was queued finds it, the days before do not; a date that is no date is named.
      const { queuedAt } = await prisma().build.findUniqueOrThrow({ where: { id: build.id }, select: { queuedAt: true } });
      const today = queuedAt.toISOString().slice(0, 10);
      const yesterday = new Date(queuedAt.getTime() - 86_400_000).toISOString().slice(0, 10);
      const listedIds = async (query: string) => ((await (await script.get(`/api/v1/profiles/${profile.id}/builds?${query}`, { headers: bearer })).json()) as { builds: ApiBuild[] }).builds.map((item) => item.id);
      expect(await listedIds(`from=${today}&to=${today}`)).toEqual([build.id]);
      expect(await listedIds(`to=${yesterday}`)).toEqual([]);
      const badDay = await script.get(`/api/v1/profiles/${profile.id}/builds?from=2026-02-30`, { headers: bearer });
      expect(((await badDay.json()) as { error: { fields: Record<string, string[]> } }).error.fields.from).toEqual(["from must be a real date"]);
      const badLimit = await script.get(`/api/v1/profiles/${profile.id}/builds?limit=500`, { headers: bearer });
      expect(((await badLimit.json()) as { error: { fields: Record<string, string[]> } }).error.fields.limit).toEqual(["limit must be at most 50"]);
      // Cancel on a finished build leaves it as it was.
      const canceled = await script.post(`/api/v1/builds/${build.id}/cancel`, { headers: bearer });
      expect(((await canceled.json()) as { build: ApiBuild }).build.status).toBe("SUCCEEDED");
      // The build a store got is kept forever by the release script — an admin's token only; a member's is told why.
      const memberKeeps = await script.post(`/api/v1/builds/${build.id}/keep`, { headers: bearer });
      expect([memberKeeps.status(), ((await memberKeeps.json()) as { error: { message: string } }).error.message]).toEqual([403, "Only admins can keep a build forever. Ask an admin of your organization."]);
      const adminToken = `keel_${randomBytes(32).toString("base64url")}`;
      await prisma().apiToken.create({
        data: { organizationId, userId: admin.id, name: "Store upload", tokenHash: createHash("sha256").update(adminToken).digest("hex"), prefix: adminToken.slice(0, 11), expiresAt: new Date(Date.now() + 3_600_000) },
      });
      for (const attempt of [1, 2]) {
        // Twice (a retried request): still kept, one audit event.
        const kept = await script.post(`/api/v1/builds/${build.id}/keep`, { headers: { authorization: `Bearer ${adminToken}` } });
        expect([attempt, kept.status(), ((await kept.json()) as { build: ApiBuild & { keptForever: boolean } }).build.keptForever]).toEqual([attempt, 200, true]);
      }
      expect(await prisma().build.findUniqueOrThrow({ where: { id: build.id }, select: { keptById: true } })).toEqual({ keptById: admin.id });
      expect((await prisma().auditEvent.findMany({ where: { action: "build.kept", targetId: build.id } })).map((event) => event.data)).toEqual([expect.objectContaining({ apiToken: "Store upload" })]);

      // A release: the commit a tag names, built as a tag build — clean, from no cache (`caches` is true or false).
      const badCaches = await start({ tag: "v1.0.0", caches: "no" });
      expect(((await badCaches.json()) as { error: { fields: Record<string, string[]> } }).error.fields.caches).toEqual(["caches must be true or false"]);
      const tagged = await start({ tag: "v1.0.0", variables: { DEPLOY_TARGET: "testflight" }, caches: false });
      expect(tagged.status()).toBe(201);
      const release = ((await tagged.json()) as { build: ApiBuild & { tag: string | null } }).build;
      expect(release).toMatchObject({ tag: "v1.0.0", branch: null, trigger: "API", number: 2, variables: { DEPLOY_TARGET: "testflight" } });
      expect(await prisma().build.findUniqueOrThrow({ where: { id: release.id }, select: { skipCaches: true } })).toEqual({ skipCaches: true });
      // The release again (a store upload that failed): the same commit, tag and variables, as a new build; once per key.
      const rebuildAnswer = await script.post(`/api/v1/builds/${release.id}/rebuild`, { headers: { ...bearer, "idempotency-key": "release-1.0.0-again" } });
      expect(rebuildAnswer.status()).toBe(201);
      const rebuilt = ((await rebuildAnswer.json()) as { build: ApiBuild & { tag: string | null } }).build;
      expect(rebuilt).toMatchObject({ tag: "v1.0.0", branch: null, trigger: "API", number: 3, commit: release.commit, variables: { DEPLOY_TARGET: "testflight" } });
      expect(rebuildAnswer.headers()["location"]).toBe(`${KEEL_URL}/api/v1/builds/${rebuilt.id}`);
      const repeated = await script.post(`/api/v1/builds/${release.id}/rebuild`, { headers: { ...bearer, "idempotency-key": "release-1.0.0-again" } });
      expect([repeated.status(), ((await repeated.json()) as { build: ApiBuild }).build.id]).toEqual([200, rebuilt.id]);
      const badKey = await script.post(`/api/v1/builds/${release.id}/rebuild`, { headers: { ...bearer, "idempotency-key": "has spaces" } });
      expect(((await badKey.json()) as { error: { fields: Record<string, string[]> } }).error.fields["Idempotency-Key"]?.[0]).toMatch(/^Idempotency-Key must be printable ASCII/);
      expect((await script.post(`/api/v1/builds/${randomUUID()}/rebuild`, { headers: bearer })).status()).toBe(404);
      // Which builds made a release, by its tag (newest first); the builds kept forever (the one the store got, above) and the others.
      expect(await listedIds("tag=v1.0.0")).toEqual([rebuilt.id, release.id]);
      expect(await listedIds("tag=refs/tags/v1.0.0&limit=1")).toEqual([rebuilt.id]);
      expect(await listedIds("tag=v9.9.9")).toEqual([]);
      expect(await listedIds("kept=true")).toEqual([build.id]);
      expect(await listedIds("kept=false")).toEqual([rebuilt.id, release.id]);
      const badFilters = await script.get(`/api/v1/profiles/${profile.id}/builds?tag=v1..0&kept=yes`, { headers: bearer });
      expect(badFilters.status()).toBe(400);
      expect(((await badFilters.json()) as { error: { fields: Record<string, string[]> } }).error.fields).toEqual({ tag: ['tag is not a valid Git tag name, like "v2.4.0"'], kept: ["kept must be true or false"] });

      // A failed build's tests: each failed case with its history, for a script that tolerates flaky ones.
      const tested = (number: number, commitId: string, failed: string[]) =>
        prisma().build.create({
          data: {
            organizationId, profileId: profile.id, number, status: failed.length > 0 ? "FAILED" : "SUCCEEDED", trigger: "PUSH", idempotencyKey: `api-tests-${profile.id}-${number}`, commitId, branch: "refs/heads/main", steps: [], timeoutSeconds: 600, startedAt: new Date(), finishedAt: new Date(),
            testSummary: { total: 4, passed: 4 - failed.length, failed: failed.length, skipped: 0, durationMs: 10, reports: 1, failures: failed.map((name) => ({ suite: "WalletTests", className: "WalletTests", name, kind: "failure", message: `${name}: expected 0.00` })) },
          },
        });
      await tested(100, "a".repeat(40), ["testSync"]);
      await tested(101, "b".repeat(40), ["testSync", "testLogin"]);
      const red = await tested(102, "c".repeat(40), ["testSync", "testLogin", "testBalance"]);
      await tested(103, "c".repeat(40), ["testSync", "testLogin"]);
      const redBuild = ((await (await script.get(`/api/v1/builds/${red.id}`, { headers: bearer })).json()) as { build: { tests: unknown } }).build;
      expect(redBuild.tests).toEqual({
        total: 4,
        passed: 1,
        failed: 3,
        skipped: 0,
        failures: [
          { className: "WalletTests", name: "testSync", kind: "failure", message: "testSync: expected 0.00", history: "failing", failingSince: 100 },
          { className: "WalletTests", name: "testLogin", kind: "failure", message: "testLogin: expected 0.00", history: "failing", failingSince: 101 },
          // #103 built the same commit and did not fail it.
          { className: "WalletTests", name: "testBalance", kind: "failure", message: "testBalance: expected 0.00", history: "flaky", failingSince: null },
        ],
      });
      // The profile's insights for a dashboard: the tests that fail most among these builds, flaky ones marked.
      const insights = (await (await script.get(`/api/v1/profiles/${profile.id}/insights?days=7`, { headers: bearer })).json()) as {
        insights: {
          days: number;
          finished: number;
          perDay: unknown[];
          failingTests: { builds: number; tests: Array<{ name: string; failures: number; flaky: boolean; lastFailed: { number: number; webUrl: string } }> };
          defaultBranch: { name: string; breaks: number; redMs: number; medianFixMs: number | null; redNow: { since: string; brokenBy: { number: number; webUrl: string } | null } | null };
          webUrl: string;
        };
      };
      expect(insights.insights.days).toBe(7);
      expect(insights.insights.perDay).toHaveLength(7);
      expect(insights.insights.finished).toBeGreaterThanOrEqual(5);
      expect(insights.insights.failingTests.builds).toBe(4);
      expect(insights.insights.failingTests.tests.map((test) => [test.name, test.failures, test.flaky, test.lastFailed.number])).toEqual([
        ["WalletTests › testSync", 4, false, 103],
        ["WalletTests › testLogin", 3, false, 103],
        ["WalletTests › testBalance", 1, true, 102],
      ]);
      // main went red at #100 (the builds before it succeeded) and stays red: #101–#103 failed too.
      expect(insights.insights.defaultBranch).toMatchObject({ name: "main", breaks: 1, medianFixMs: null, redNow: { brokenBy: { number: 100, webUrl: `${KEEL_URL}/builds/${(await prisma().build.findFirstOrThrow({ where: { profileId: profile.id, number: 100 } })).id}` } } });
      expect(insights.insights.webUrl).toBe(`${KEEL_URL}/profiles/${profile.id}/insights`);
      // A team's screen asks which profiles are red: this one is, while main's newest build fails.
      const redProfiles = (await (await script.get(`/api/v1/profiles?q=${encodeURIComponent(profile.name)}&red=true`, { headers: bearer })).json()) as { profiles: { id: string }[] };
      expect(redProfiles.profiles.map((item) => item.id)).toEqual([profile.id]);
      const badRed = await script.get(`/api/v1/profiles?red=maybe`, { headers: bearer });
      expect(((await badRed.json()) as { error: { fields: Record<string, string[]> } }).error.fields.red).toEqual(["red must be true or false"]);
      const badDays = await script.get(`/api/v1/profiles/${profile.id}/insights?days=365`, { headers: bearer });
      expect(badDays.status()).toBe(400);
      expect(((await badDays.json()) as { error: { fields: Record<string, string[]> } }).error.fields.days).toEqual(["days must be at most 90"]);

      // Keel's own record: started by the member, through the token, which the audit log names.
      expect(await prisma().build.findUniqueOrThrow({ where: { id: build.id } })).toMatchObject({ trigger: "API", requestedById: member.id, branch: "refs/heads/main" });
      expect((await prisma().auditEvent.findFirstOrThrow({ where: { action: "build.started", targetId: build.id } })).data).toMatchObject({ apiToken: "Release script", trigger: "API" });
      await page.goto("/settings/api-tokens");
      await expect(page.getByRole("table", { name: "Your API tokens" }).getByRole("row").filter({ hasText: "Release script" })).not.toContainText("Never");

      // An admin sees the member's token among everyone's and revokes it.
      const adminContext = await browser.newContext({ baseURL: KEEL_URL });
      try {
        const adminPage = await adminContext.newPage();
        await signInPage(adminPage, admin.email, admin.password);
        await adminPage.goto("/settings/api-tokens");
        const others = adminPage.getByRole("table", { name: "Other members' API tokens" });
        // The token's own name (its owner is "Release Script Owner", in every row of theirs).
        const memberRow = others.getByRole("row").filter({ has: adminPage.getByText("Release script", { exact: true }) });
        await expect(memberRow).toContainText(member.email);
        await expectNoSeriousA11yViolations(adminPage, "API tokens page, an admin's");
        await memberRow.getByRole("button", { name: "Revoke Release script" }).click();
        const dialog = adminPage.getByRole("dialog", { name: "Revoke “Release script”?" });
        await dialog.getByRole("button", { name: "Revoke token" }).click();
        await expect(others.getByRole("row").filter({ has: adminPage.getByText("Release script", { exact: true }) })).toHaveCount(0);
      } finally {
        await adminContext.close();
      }
      const refused = await script.get(build.apiUrl, { headers: bearer });
      expect(refused.status()).toBe(401);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/^This API token is not valid: it was revoked/);
      expect((await prisma().auditEvent.findFirstOrThrow({ where: { action: "api_token.revoked", actorId: admin.id } })).data).toMatchObject({ name: "Release script", owner: member.email });
    } finally {
      await script.dispose();
      await removeConnection(connection.id);
      await removeUser(member.id);
      await removeUser(admin.id);
    }
  });

  test("an admin's maintenance script pauses a profile's builds around an upgrade, moves a hotfix to the front and resumes them", async ({ playwright }) => {
    test.setTimeout(120_000);
    const member = await createUser({ role: "MEMBER", name: "Pause Member" });
    const admin = await createUser({ role: "ADMIN", name: "Mac Keeper" });
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet paused"));
    await prisma().buildProfile.update({ where: { id: profile.id }, data: { workflowSteps: [{ name: "Build", command: "true" }] } });
    const { organizationId } = await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id }, select: { organizationId: true } });
    const tokenOf = async (userId: string, name: string, readOnly = false) => {
      const token = `keel_${randomBytes(32).toString("base64url")}`;
      await prisma().apiToken.create({ data: { organizationId, userId, name, readOnly, tokenHash: createHash("sha256").update(token).digest("hex"), prefix: token.slice(0, 11), expiresAt: new Date(Date.now() + 3_600_000) } });
      return { authorization: `Bearer ${token}` };
    };
    const memberBearer = await tokenOf(member.id, "Member script");
    const adminBearer = await tokenOf(admin.id, "Mac maintenance");
    // An admin's read-only token (a team's screen): it reads, and changes nothing, whoever owns it.
    const screenBearer = await tokenOf(admin.id, "Team screen", true);
    const script: APIRequestContext = await playwright.request.newContext({ baseURL: KEEL_URL });
    type Paused = { since: string; by: string | null; reason: string | null } | null;
    type Answer = { profile: { id: string; paused: Paused }; queued: number };
    type QueuedBuild = ApiBuild & { paused: boolean; runNext: boolean; expectedStartAt: string | null };
    const errorOf = async (response: Awaited<ReturnType<APIRequestContext["post"]>>) => [response.status(), ((await response.json()) as { error: { message: string; fields?: Record<string, string[]> } }).error] as const;
    try {
      // A member's token may read the profile, not pause it.
      expect(((await (await script.get(`/api/v1/profiles/${profile.id}`, { headers: memberBearer })).json()) as Answer).profile).toMatchObject({ id: profile.id, paused: null });
      const [memberStatus, memberError] = await errorOf(await script.post(`/api/v1/profiles/${profile.id}/pause`, { headers: memberBearer }));
      expect([memberStatus, memberError.message]).toEqual([403, "Only admins can pause or resume a build profile's builds. Ask an admin of your organization."]);
      expect((await script.get(`/api/v1/profiles/${profile.id}`, { headers: screenBearer })).status()).toBe(200);
      for (const [path, data] of [[`/api/v1/profiles/${profile.id}/pause`, { reason: "x" }], [`/api/v1/profiles/${profile.id}/builds`, { branch: "main" }]] as const) {
        const [readOnlyStatus, readOnlyError] = await errorOf(await script.post(path, { headers: screenBearer, data }));
        expect([readOnlyStatus, readOnlyError.message]).toEqual([403, expect.stringMatching(/^This API token is read-only: it reads profiles, builds and their files, and changes nothing\./)]);
      }
      // Bad input is named, and pauses nothing.
      const [longStatus, longError] = await errorOf(await script.post(`/api/v1/profiles/${profile.id}/pause`, { headers: adminBearer, data: { reason: "x".repeat(201) } }));
      expect([longStatus, longError.fields]).toEqual([400, { reason: ["reason must be at most 200 characters: say why in a few words"] }]);
      const [listStatus] = await errorOf(await script.post(`/api/v1/profiles/${profile.id}/pause`, { headers: adminBearer, data: ["Xcode"] }));
      expect(listStatus).toBe(400);
      expect(await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id }, select: { pausedAt: true } })).toEqual({ pausedAt: null });

      // Before the upgrade: paused, with the reason the pages show.
      const pausedAnswer = await script.post(`/api/v1/profiles/${profile.id}/pause`, { headers: adminBearer, data: { reason: "  Xcode 17 upgrade on the Macs " } });
      expect(pausedAnswer.status()).toBe(200);
      const paused = (await pausedAnswer.json()) as Answer;
      expect([paused.profile.paused?.by, paused.profile.paused?.reason, paused.queued]).toEqual(["Mac Keeper", "Xcode 17 upgrade on the Macs", 0]);
      // Builds still queue while paused (the member's script starts them as usual); none starts.
      const started: QueuedBuild[] = [];
      for (const branch of ["main", "main"]) {
        const answer = await script.post(`/api/v1/profiles/${profile.id}/builds`, { headers: memberBearer, data: { branch } });
        expect(answer.status()).toBe(201);
        started.push(((await answer.json()) as { build: QueuedBuild }).build);
      }
      const [first, hotfix] = started as [QueuedBuild, QueuedBuild];
      expect([first.status, first.paused, first.runNext, first.expectedStartAt]).toEqual(["QUEUED", true, false, null]);
      // The hotfix goes to the front of the queue (an admin's token; a member's is told why).
      const [memberRunNext, memberRunNextError] = await errorOf(await script.post(`/api/v1/builds/${hotfix.id}/run-next`, { headers: memberBearer }));
      expect([memberRunNext, memberRunNextError.message]).toEqual([403, "Only admins can move a build to the front of the queue. Ask an admin if it cannot wait."]);
      for (const attempt of [1, 2]) {
        // Twice (a retried request): at the front, one audit event.
        const moved = await script.post(`/api/v1/builds/${hotfix.id}/run-next`, { headers: adminBearer });
        const build = ((await moved.json()) as { build: QueuedBuild }).build;
        expect([attempt, moved.status(), build.status, build.runNext, build.paused]).toEqual([attempt, 200, "QUEUED", true, true]);
      }
      expect((await prisma().auditEvent.findMany({ where: { action: "build.run_next", targetId: hotfix.id } })).map((event) => event.data)).toEqual([expect.objectContaining({ apiToken: "Mac maintenance" })]);
      // Pausing again changes only the reason; the builds still wait (the worker would have taken them by now).
      const again = (await (await script.post(`/api/v1/profiles/${profile.id}/pause`, { headers: adminBearer, data: { reason: "Xcode 17.1 too" } })).json()) as Answer;
      expect([again.profile.paused?.reason, again.queued]).toEqual(["Xcode 17.1 too", 2]);
      expect((await prisma().build.findMany({ where: { profileId: profile.id }, select: { status: true } })).map((build) => build.status)).toEqual(["QUEUED", "QUEUED"]);

      // After the upgrade: resumed, and both builds run.
      const resumed = (await (await script.post(`/api/v1/profiles/${profile.id}/resume`, { headers: adminBearer })).json()) as Answer;
      expect([resumed.profile.paused, resumed.queued]).toEqual([null, 2]);
      for (const build of [first, hotfix]) {
        await expect.poll(async () => ((await (await script.get(`/api/v1/builds/${build.id}`, { headers: memberBearer })).json()) as { build: ApiBuild }).build.status, { timeout: 60_000 }).toBe("SUCCEEDED");
      }
      // A team's screen lists every profile's builds, each naming its profile, filtered by what started them.
      const everyProfile = (await (await script.get("/api/v1/builds?trigger=api&branch=main&limit=50", { headers: memberBearer })).json()) as { builds: Array<{ id: string; trigger: string; profile: { id: string; name: string } }> };
      expect(everyProfile.builds.filter((item) => item.profile.id === profile.id).map((item) => [item.id, item.trigger, item.profile.name])).toEqual([
        [hotfix.id, "API", profile.name],
        [first.id, "API", profile.name],
      ]);
      const badTrigger = await script.get("/api/v1/builds?trigger=robot", { headers: memberBearer });
      expect([badTrigger.status(), ((await badTrigger.json()) as { error: { fields: Record<string, string[]> } }).error.fields.trigger?.[0]]).toEqual([400, expect.stringMatching(/^trigger must be one of manual, push, /)]);
      // Resuming again changes nothing; a build that ran cannot be moved.
      expect(((await (await script.post(`/api/v1/profiles/${profile.id}/resume`, { headers: adminBearer })).json()) as Answer).profile.paused).toBeNull();
      const [lateStatus, lateError] = await errorOf(await script.post(`/api/v1/builds/${hotfix.id}/run-next`, { headers: adminBearer }));
      expect([lateStatus, lateError.message]).toEqual([409, "The build is not in the queue any more: it has started or ended."]);
      // The audit log names the token of each change (two pauses, one resume).
      const changes = await prisma().auditEvent.findMany({ where: { targetId: profile.id, action: { in: ["profile.builds_paused", "profile.builds_resumed"] } }, orderBy: { createdAt: "asc" } });
      expect(changes.map((event) => [event.action, (event.data as { apiToken?: string; reason: string | null }).apiToken, (event.data as { reason: string | null }).reason])).toEqual([
        ["profile.builds_paused", "Mac maintenance", "Xcode 17 upgrade on the Macs"],
        ["profile.builds_paused", "Mac maintenance", "Xcode 17.1 too"],
        ["profile.builds_resumed", "Mac maintenance", null],
      ]);
    } finally {
      await script.dispose();
      await removeConnection(connection.id);
      await removeUser(member.id);
      await removeUser(admin.id);
    }
  });
});
