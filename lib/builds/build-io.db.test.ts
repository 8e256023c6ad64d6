import { createHash } from "node:crypto";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { DEFAULT_BUILD_BRANCHES, DEFAULT_PROJECTS, FIXTURE_BUILD } from "@/e2e/azure-devops-emulator/fixtures/default";
import { childProcessEnv } from "@/lib/env";
import { DEFAULT_PATS, DEFAULT_REPOS, type EmulatorHandle } from "@/lib/repositories/test-support";
import { testScope } from "@/lib/testing/scopes";
import { buildDir, database, emulator, finished, logOf, outside, profileId, scope, seeded, seedProfile, setWorkflow, start, tip, until, withBuildWorkers, workers } from "./test-support";

// The build worker for real (lib/builds/test-support.ts): what a build takes in — variables,
// secret files, the commit's keel.yml, submodules, Git LFS, caches, changes since the last good
// build — and what it sends out: artifacts, chat and webhook notices, commit and pull-request
// statuses, builds that follow it. Steps, processes and queues: builds.db.test.ts.

withBuildWorkers();

describe("the build worker: what a build takes in and sends out", () => {
  it("gives the steps the variables given for one build, over the workflow's, names them in the log, and a rebuild keeps them; a secret's name is refused", async () => {
    await setWorkflow([{ name: "Show", command: 'echo "flavor=$FLAVOR deploy=$DEPLOY_TARGET notes=$NOTES"' }], [
      { name: "FLAVOR", value: "staging", isSecret: false },
      { name: "SIGNING_KEY", value: "s3cr3t-signing-key", isSecret: true },
    ]);
    const parameters = [
      { name: "FLAVOR", value: "production" },
      { name: "DEPLOY_TARGET", value: "testflight" },
      { name: "NOTES", value: "two words" },
    ];
    const build = await start({ branch: "develop", parameters });
    expect((await finished(build.id)).status).toBe("SUCCEEDED");
    const log = await logOf(build.id);
    expect(log).toContain("Variables for this build: FLAVOR, DEPLOY_TARGET, NOTES (in place of the workflow's FLAVOR).");
    expect(log).toContain("flavor=production deploy=testflight notes=two words");
    const { rebuild } = await import("./service");
    const { randomUUID } = await import("node:crypto");
    const again = (await rebuild(scope, build.id, randomUUID())).build;
    expect((await database.prisma.build.findUniqueOrThrow({ where: { id: again.id } })).parameters).toEqual(parameters);
    expect((await finished(again.id)).status).toBe("SUCCEEDED");
    // A workflow secret cannot be replaced for one build (only admins change the workflow); nothing is queued.
    const before = await database.prisma.build.count({ where: { profileId } });
    await expect(start({ branch: "develop", parameters: [{ name: "SIGNING_KEY", value: "mine" }] })).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: "Variables for this build: SIGNING_KEY is a secret of the workflow, which only admins change (Edit workflow).",
      details: { field: "parameters" },
    });
    await expect(start({ branch: "develop", parameters: [{ name: "KEEL_BUILD_ID", value: "x" }] })).rejects.toMatchObject({ code: "INVALID_INPUT", message: expect.stringContaining("KEEL_BUILD_ID cannot be set") });
    expect(await database.prisma.build.count({ where: { profileId } })).toBe(before);
  });

  it("changes since the last good build of the branch: stored, said in the log, handed to the steps as a changelog; a failed build in between does not count", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const notes = await seedProfile("Wallet release notes", DEFAULT_PATS.fabrikamFull);
    await updateWorkflow(scope, notes, {
      steps: [{ name: "Notes", command: 'echo "changelog has $(wc -l < "$KEEL_BUILD_CHANGELOG") lines"; sed "s/^/notes: /" "$KEEL_BUILD_CHANGELOG"; test -z "${FAIL:-}"' }],
      timeoutMinutes: 30,
      variables: [],
    });
    const wallet = { organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", branch: "feature/release-notes" };
    const stored = async (id: string) => (await database.prisma.build.findUniqueOrThrow({ where: { id } })).changes as { since: { number: number } | null; commits: { id: string; message: string; author: string | null }[]; complete: boolean } | null;

    await emulator.control.push({ ...wallet, commits: [{ message: "Start the release notes branch" }] });
    const first = await start({ branch: wallet.branch, profile: notes });
    expect((await finished(first.id)).status).toBe("SUCCEEDED");
    expect(await stored(first.id)).toEqual({ since: null, commits: [], complete: true });
    expect(await logOf(first.id)).toEqual(expect.arrayContaining(["No earlier successful build of feature/release-notes to compare with.", "changelog has 0 lines"]));

    const two = await emulator.control.push({ ...wallet, commits: [{ message: "Add the leaderboard", authorName: "Mona Kane" }, { message: "Sort the leaderboard by score\n\nThe body is not a release note.", authorName: "Kai Olsen" }] });
    const failed = await start({ branch: wallet.branch, profile: notes, parameters: [{ name: "FAIL", value: "yes" }] });
    expect((await finished(failed.id)).status).toBe("FAILED");
    expect((await stored(failed.id))?.commits.map((commit) => commit.id)).toEqual(two.commits.map((commit) => commit.commitId).reverse());
    // Its notice (e-mail, Notices page) and chat message name them: the change that broke it is among them.
    const notice = await database.prisma.notification.findUniqueOrThrow({ where: { dedupeKey: `build.failed:${failed.id}` } });
    expect((notice.data as Record<string, unknown>).suspects).toEqual({
      since: first.number,
      commits: [
        { message: "Sort the leaderboard by score", author: "Kai Olsen" },
        { message: "Add the leaderboard", author: "Mona Kane" },
      ],
      more: 0,
      complete: true,
    });
    const { buildChatMessage } = await import("@/lib/notifications/chat");
    const { getBuild } = await import("@/lib/data/builds");
    const failedView = (await getBuild(scope, failed.id))!;
    expect(buildChatMessage(failedView, "Wallet release notes", "build.failed").lines).toContain(`Since #${first.number}: Sort the leaderboard by score (Kai Olsen); Add the leaderboard (Mona Kane)`);

    const one = await emulator.control.push({ ...wallet, commits: [{ message: "Show the player's rank", authorName: "Mona Kane" }] });
    const third = await start({ branch: wallet.branch, profile: notes });
    expect((await finished(third.id)).status).toBe("SUCCEEDED");
    // Counted from #1, the last build that succeeded: the failed one's commits are still news.
    const changes = await stored(third.id);
    expect(changes).toEqual({
      since: { buildId: first.id, number: first.number, commitId: first.commitId },
      commits: [
        { id: one.commits[0]!.commitId, message: "Show the player's rank", author: "Mona Kane", date: expect.any(String) },
        { id: two.commits[1]!.commitId, message: "Sort the leaderboard by score", author: "Kai Olsen", date: expect.any(String) },
        { id: two.commits[0]!.commitId, message: "Add the leaderboard", author: "Mona Kane", date: expect.any(String) },
      ],
      complete: true,
    });
    // A success's chat message says what is in it too.
    expect(buildChatMessage((await getBuild(scope, third.id))!, "Wallet release notes", null).lines).toContain(
      `Since #${first.number}: Show the player's rank (Mona Kane); Sort the leaderboard by score (Kai Olsen); Add the leaderboard (Mona Kane)`,
    );
    const log = await logOf(third.id);
    expect(log).toContain(`3 commits since #${first.number} (${first.commitId.slice(0, 8)}), the last successful build of feature/release-notes.`);
    expect(log).toEqual(
      expect.arrayContaining(["changelog has 3 lines", "notes: - Show the player's rank (Mona Kane)", "notes: - Sort the leaderboard by score (Kai Olsen)", "notes: - Add the leaderboard (Mona Kane)"]),
    );
    expect(log.join("\n")).not.toContain("The body is not a release note.");

    // Built again, the same commit is counted from the last good build of another commit; a
    // pasted commit's build belongs to no branch and has nothing to compare with.
    const again = await start({ branch: wallet.branch, profile: notes });
    expect((await finished(again.id)).status).toBe("SUCCEEDED");
    expect((await stored(again.id))?.since?.number).toBe(first.number);
    const pasted = await start({ commit: third.commitId, profile: notes });
    expect((await finished(pasted.id)).status).toBe("SUCCEEDED");
    expect(await stored(pasted.id)).toBeNull();
    expect(await logOf(pasted.id)).toContain("changelog has 0 lines");

    // The last good build's commit gone from the repository (a force push rewrote the branch):
    // said as that, and the build goes on without changes.
    const gone = "f".repeat(40);
    await database.prisma.build.update({ where: { id: again.id }, data: { commitId: gone } });
    await emulator.control.push({ ...wallet, commits: [{ message: "After the rewrite" }] });
    const rewritten = await start({ branch: wallet.branch, profile: notes });
    expect((await finished(rewritten.id)).status).toBe("SUCCEEDED");
    expect(await stored(rewritten.id)).toBeNull();
    expect(await logOf(rewritten.id)).toEqual(
      expect.arrayContaining([`The commit that #${again.number} built (ffffffff) is no longer in the repository — its history was rewritten, by a force push? — so Keel cannot tell what changed since. The build goes on.`, "changelog has 0 lines"]),
    );
  });

  it("gives the steps the profile's secret files outside the workspace, readable by the build only, text ones masked in the log, ended signing files named", async () => {
    const { saveSecretFile, removeSecretFile, listSecretFiles } = await import("@/lib/data/secret-files");
    const { updateWorkflow } = await import("@/lib/data/builds");
    const { createHash } = await import("node:crypto");
    const keystore = Buffer.from([0, 1, 2, 3, 250, 251, 252, 253, 254, 255]);
    const pem = "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg0123456789abcdefABCDEF\n-----END PRIVATE KEY-----\n";
    await saveSecretFile(scope, profileId, { variable: "ANDROID_KEYSTORE", fileName: "release.jks", content: keystore, signing: { kind: "other" } });
    await saveSecretFile(scope, profileId, { variable: "APP_STORE_KEY", fileName: "AuthKey.p8", content: Buffer.from(pem), signing: { kind: "other" } });
    // A provisioning profile that ended two days ago: the log says so before the steps run.
    const { provisioningProfile, signingCertificate } = await import("@/lib/testing/signing");
    const { inspectSigningFile } = await import("./signing-files");
    const ended = provisioningProfile({ name: "Wallet Ad Hoc", expiresAt: new Date(Date.now() - 2 * 86_400_000), devices: 2, certificates: [signingCertificate("Apple Distribution: Fabrikam Ltd (ABCDE12345)", new Date(Date.now() + 300 * 86_400_000))] });
    await saveSecretFile(scope, profileId, { variable: "IOS_PROFILE", fileName: "Wallet_AdHoc.mobileprovision", content: ended, signing: inspectSigningFile(ended) });
    // A workflow variable may not take a file's name, nor a file a variable's.
    await expect(updateWorkflow(scope, profileId, { steps: [{ name: "x", command: "true" }], timeoutMinutes: 30, variables: [{ name: "ANDROID_KEYSTORE", isSecret: false, value: "x" }] })).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await setWorkflow(
      [
        {
          name: "Sign",
          command: [
            'case "$ANDROID_KEYSTORE" in "$KEEL_BUILD_WORKSPACE"*) echo inside-workspace; exit 1;; esac',
            'echo "mode $(stat -c %a "$ANDROID_KEYSTORE") $(basename "$ANDROID_KEYSTORE")"',
            'sha256sum "$ANDROID_KEYSTORE" | cut -c1-64',
            'cat "$APP_STORE_KEY"',
          ].join("\n"),
        },
      ],
      [{ name: "PLAIN", value: "x", isSecret: false }],
    );
    const done = await finished((await start({ branch: "main" })).id);
    expect(done.status).toBe("SUCCEEDED");
    const log = await logOf(done.id);
    expect(log).toContain("Secret files: ANDROID_KEYSTORE (release.jks), APP_STORE_KEY (AuthKey.p8), IOS_PROFILE (Wallet_AdHoc.mobileprovision).");
    const signing = log.find((line) => line.startsWith("$IOS_PROFILE: "));
    expect(signing).toMatch(/^\$IOS_PROFILE: Provisioning profile “Wallet Ad Hoc” \(ad hoc, 2 devices · com\.fabrikam\.wallet · Fabrikam Ltd \(ABCDE12345\)\), expired on \d{4}-\d{2}-\d{2}\. Signing with it fails\. Renew/);
    // Files that are not signing files get no such line.
    expect(log.filter((line) => /^\$(ANDROID_KEYSTORE|APP_STORE_KEY): /.test(line))).toEqual([]);
    // A step that fails: "What went wrong" names the ended file beside the step's own error.
    await setWorkflow([{ name: "Sign", command: 'echo "error: No profile for team ABCDE12345 matching Wallet Ad Hoc found"; exit 65' }]);
    const failed = await finished((await start({ branch: "main" })).id);
    expect(failed.status).toBe("FAILED");
    const { failureLines } = await import("@/lib/data/builds");
    expect((await failureLines(scope, failed.id))?.lines.map((line) => line.text)).toEqual([
      "error: No profile for team ABCDE12345 matching Wallet Ad Hoc found",
      expect.stringMatching(/^error: the signing file in \$IOS_PROFILE \(Provisioning profile “Wallet Ad Hoc”\) expired on \d{4}-\d{2}-\d{2}: nothing signs with it\./),
    ]);
    expect(log).toContain("mode 600 release.jks");
    expect(log).toContain(createHash("sha256").update(keystore).digest("hex"));
    expect(log).toContain("***");
    expect(log.join("\n")).not.toContain("MIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg0123456789abcdefABCDEF");
    expect(readdirSync(buildDir)).toEqual([]);
    for (const file of await listSecretFiles(scope, profileId)) {
      await removeSecretFile(scope, profileId, file.id);
    }
    await setWorkflow(null);
  });

  it("steps from the repository: the commit's keel.yml is read after the fetch and run; a missing or wrong file fails the build, naming the line", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const fromFile = await seedProfile("Wallet from file", DEFAULT_PATS.fabrikamFull);
    await updateWorkflow(scope, fromFile, { steps: [{ name: "Page step", command: "echo from-the-page" }], timeoutMinutes: 30, variables: [{ name: "GREETING", isSecret: false, value: "hello" }], workflowFile: "ci/keel.yml" });
    const wallet = { organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App" };
    const steps = ["# Wallet's build, reviewed with its code", "steps:", "  - name: Say hello", '    run: echo "$GREETING-from-the-file"', "  - name: Show the profile", "    run: |", '      echo "profile=$KEEL_BUILD_PROFILE"', ""].join("\n");
    await emulator.control.push({ ...wallet, branch: "feature/steps-file", commits: [{ message: "Build steps in the repository", files: [{ path: "ci/keel.yml", content: steps }] }] });
    await emulator.control.push({ ...wallet, branch: "feature/steps-broken", commits: [{ message: "A step without its command", files: [{ path: "ci/keel.yml", content: "steps:\n  - name: Build\n" }] }] });

    const queued = await start({ branch: "feature/steps-file", profile: fromFile });
    // Queued, it knows the file, not yet the steps (they are the commit's).
    const row = await database.prisma.build.findUniqueOrThrow({ where: { id: queued.id }, select: { workflowFile: true, steps: true } });
    expect(row).toEqual({ workflowFile: "ci/keel.yml", steps: [] });
    const done = await finished(queued.id);
    expect(done.status).toBe("SUCCEEDED");
    const log = await logOf(queued.id);
    expect(log).toContain("Steps from ci/keel.yml in this commit: Say hello, Show the profile.");
    expect(log).toContain("hello-from-the-file");
    expect(log).toContain("profile=Wallet from file");
    expect(log.join("\n")).not.toContain("from-the-page");
    const stepRows = await database.prisma.buildStep.findMany({ where: { buildId: queued.id }, orderBy: { index: "asc" }, select: { name: true, status: true } });
    expect(stepRows).toEqual([
      { name: "Fetch commit", status: "SUCCEEDED" },
      { name: "Say hello", status: "SUCCEEDED" },
      { name: "Show the profile", status: "SUCCEEDED" },
    ]);
    expect((await database.prisma.build.findUniqueOrThrow({ where: { id: queued.id } })).steps).toEqual([
      { name: "Say hello", command: 'echo "$GREETING-from-the-file"' },
      { name: "Show the profile", command: 'echo "profile=$KEEL_BUILD_PROFILE"' },
    ]);

    // A commit without the file, and one whose file is wrong: failed (the commit's problem), saying what to fix.
    const missing = await finished((await start({ branch: "main", profile: fromFile })).id);
    expect([missing.status, missing.statusReason]).toEqual(["FAILED", "ci/keel.yml is not in this commit: Keel takes this profile's steps from it"]);
    expect(missing.finding).toMatchObject({ id: "workflow_file", detail: expect.stringContaining("this commit has no such file. Nothing ran."), fix: [expect.stringContaining("Fix the file in the repository"), expect.stringContaining("Edit workflow")] });
    const broken = await finished((await start({ branch: "feature/steps-broken", profile: fromFile })).id);
    expect([broken.status, broken.statusReason]).toEqual(["FAILED", "ci/keel.yml line 2: Step 1 (Build): the run command is required."]);
    // The reason ends the log (said once), after Keel's fetch.
    expect((await logOf(broken.id)).at(-1)).toMatch(/^ci\/keel\.yml line 2: Step 1 \(Build\): the run command is required\. \([^)]+\)\.$/);
    expect(await database.prisma.buildStep.count({ where: { buildId: broken.id } })).toBe(1);
  });

  it("after another profile's builds: a success of main builds the same commit in the profile that follows; other branches and a loop do not", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const { updateProfileTriggers } = await import("@/lib/data/hooks");
    const tests = await seedProfile("Wallet tests", DEFAULT_PATS.fabrikamFull);
    const { id: _id, name: _name, nameKey: _nameKey, createdAt: _createdAt, updatedAt: _updatedAt, ...same } = await database.prisma.buildProfile.findUniqueOrThrow({
      where: { id: tests },
      select: { id: true, name: true, nameKey: true, createdAt: true, updatedAt: true, organizationId: true, connectionId: true, platform: true, projectId: true, projectName: true, repositoryId: true, repositoryName: true, defaultBranch: true },
    });
    const release = (await database.prisma.buildProfile.create({ data: { ...same, name: "Wallet to the store", nameKey: "wallet to the store" } })).id;
    for (const id of [tests, release]) {
      await updateWorkflow(scope, id, { steps: [{ name: "Build", command: "echo built $KEEL_BUILD_BRANCH" }], timeoutMinutes: 30, variables: [] });
    }
    const manual = { mode: "automatic" as const, push: { enabled: false, branches: [] }, pullRequest: { enabled: false, branches: [] } };
    await updateProfileTriggers(scope, release, { ...manual, after: { enabled: true, profileId: tests, branches: [] } });
    // Itself, or one that builds after it: refused, naming the field.
    await expect(updateProfileTriggers(scope, release, { ...manual, after: { enabled: true, profileId: release, branches: [] } })).rejects.toThrow("Build after: choose another build profile.");
    // A profile of another repository (here: through another connection) follows the slow branch's builds: it builds its own default branch.
    const app = await seedProfile("Wallet app elsewhere", DEFAULT_PATS.fabrikamFull);
    await updateWorkflow(scope, app, { steps: [{ name: "Build", command: "echo built $KEEL_BUILD_BRANCH" }], timeoutMinutes: 30, variables: [] });
    await database.prisma.buildProfile.update({ where: { id: app }, data: { defaultBranch: null } });
    await expect(updateProfileTriggers(scope, app, { ...manual, after: { enabled: true, profileId: tests, branches: [DEFAULT_BUILD_BRANCHES.slow] } })).rejects.toThrow(
      "Build after: “Wallet tests” builds another repository, so this profile would build its default branch, and it has none. Set one on the profile first.",
    );
    await database.prisma.buildProfile.update({ where: { id: app }, data: { defaultBranch: "refs/heads/main" } });
    await updateProfileTriggers(scope, app, { ...manual, after: { enabled: true, profileId: tests, branches: [DEFAULT_BUILD_BRANCHES.slow] } });
    await expect(updateProfileTriggers(scope, tests, { ...manual, after: { enabled: true, profileId: release, branches: [] } })).rejects.toThrow(
      "Build after: “Wallet to the store” already builds after this profile (or after one that does), so each would start the other's builds forever. Turn that off first.",
    );

    // A webhook of the follower's builds (its receiver is never reached: the stored event is read).
    const { createWebhook, deleteWebhook } = await import("@/lib/data/webhooks");
    const webhook = await createWebhook(scope, { name: "Release lane", url: "http://127.0.0.1:9/keel", host: "127.0.0.1:9", events: ["build.queued"], profileIds: [release] });
    try {
      const upstream = await finished((await start({ branch: "main", profile: tests })).id);
      expect(upstream.status).toBe("SUCCEEDED");
      const downstream = await until("the build after it", async () => database.prisma.build.findFirst({ where: { profileId: release, upstreamBuildId: upstream.id } }));
      // On behalf of whoever started the build it follows (they hear if it fails).
      expect(downstream).toMatchObject({ trigger: "AFTER_BUILD", commitId: upstream.commitId, branch: "refs/heads/main", requestedById: upstream.requestedById });
      expect(upstream.requestedById).not.toBeNull();
      expect((await finished(downstream.id)).status).toBe("SUCCEEDED");
      // Scripts and receivers learn which build it follows; a build no success started says null.
      const { getBuild } = await import("@/lib/data/builds");
      const { buildJson } = await import("@/lib/builds/api");
      const named = { id: upstream.id, number: upstream.number, profile: { id: tests, name: "Wallet tests" } };
      expect(buildJson((await getBuild(scope, downstream.id))!, [], "https://keel.test").upstreamBuild).toEqual(named);
      expect(buildJson((await getBuild(scope, upstream.id))!, [], "https://keel.test").upstreamBuild).toBeNull();
      const queued = await database.prisma.outgoingDelivery.findFirstOrThrow({ where: { webhookId: webhook.id, buildId: downstream.id, event: "build.queued" }, select: { payload: true } });
      expect((queued.payload as { build: { trigger: string; upstreamBuild: unknown } }).build).toMatchObject({ trigger: "AFTER_BUILD", upstreamBuild: named });
    } finally {
      await deleteWebhook(scope, webhook.id);
    }
    // Its success starts nothing more (no profile follows it), and a branch it does not build after starts nothing.
    expect(await database.prisma.build.count({ where: { profileId: app } })).toBe(0);
    const other = await finished((await start({ branch: DEFAULT_BUILD_BRANCHES.slow, profile: tests })).id);
    expect(other.status).toBe("SUCCEEDED");
    // The profile of another repository builds its default branch as it is now, not the slow branch's commit.
    const elsewhere = await until("the other repository's build after it", async () => database.prisma.build.findFirst({ where: { profileId: app, upstreamBuildId: other.id } }));
    expect(elsewhere).toMatchObject({ trigger: "AFTER_BUILD", branch: "refs/heads/main", commitId: await tip("main") });
    expect(elsewhere.commitId).not.toBe(other.commitId);
    expect((await finished(elsewhere.id)).status).toBe("SUCCEEDED");
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await database.prisma.build.count({ where: { profileId: release } })).toBe(1);
    expect(await database.prisma.build.count({ where: { profileId: app } })).toBe(1);
  }, 120_000);

  it("secrets only for some branches: a feature branch's build runs without them and says why, the default branch's gets them; a rebuild asks again", async () => {
    const { updateWorkflow, setSecretRefs, getBuild } = await import("@/lib/data/builds");
    const { rebuild } = await import("./service");
    const { buildSummaryJson } = await import("./api");
    const { randomUUID } = await import("node:crypto");
    const guarded = await seedProfile("Wallet guarded", DEFAULT_PATS.fabrikamFull);
    await updateWorkflow(scope, guarded, {
      steps: [{ name: "Sign", command: 'echo "key=${SIGNING_KEY:-none} flavor=$FLAVOR"' }],
      timeoutMinutes: 30,
      variables: [
        { name: "SIGNING_KEY", value: "hunter2-signing-key", isSecret: true },
        { name: "FLAVOR", value: "release", isSecret: false },
      ],
    });
    expect(await setSecretRefs(scope, guarded, { branches: [], tags: { enabled: true, patterns: ["v*"] } })).toEqual({ changed: true });
    expect(await setSecretRefs(scope, guarded, { branches: [], tags: { enabled: true, patterns: ["v*"] } })).toEqual({ changed: false });

    // A feature branch: no secret, plain variables as ever; this worker has no build user, and that is no reason to refuse it.
    const feature = await finished((await start({ branch: DEFAULT_BUILD_BRANCHES.slow, profile: guarded })).id);
    expect(feature).toMatchObject({ status: "SUCCEEDED", secretsWithheld: true, secretsWithheldFor: "REF" });
    const featureLog = await logOf(feature.id);
    expect(featureLog).toContain("key=none flavor=release");
    expect(featureLog).toContain(
      `Without the profile's secrets (its steps do not get SIGNING_KEY): the branch ${DEFAULT_BUILD_BRANCHES.slow} is not one of them: only builds of the default branch (main) and of tags v* get them (Edit workflow → Who gets the secrets).`,
    );
    expect(buildSummaryJson((await getBuild(scope, feature.id))!, "https://keel.test")).toMatchObject({ secretsWithheld: true, secretsWithheldBecause: expect.stringContaining(`the branch ${DEFAULT_BUILD_BRANCHES.slow} is not one of them`) });

    // The default branch gets them (masked in the log).
    const main = await finished((await start({ branch: "main", profile: guarded })).id);
    expect(main).toMatchObject({ status: "SUCCEEDED", secretsWithheld: false, secretsWithheldFor: null });
    expect(await logOf(main.id)).toContain("key=*** flavor=release");

    // Every build again: a rebuild of the feature branch's build is decided anew, and gets them.
    expect(await setSecretRefs(scope, guarded, null)).toEqual({ changed: true });
    const again = await finished((await rebuild(scope, feature.id, randomUUID())).build.id);
    expect(again).toMatchObject({ status: "SUCCEEDED", secretsWithheld: false });
    expect(await logOf(again.id)).toContain("key=*** flavor=release");
    const audit = await database.prisma.auditEvent.findMany({ where: { targetId: guarded, action: "workflow.secrets_for" }, orderBy: { createdAt: "asc" }, select: { data: true } });
    expect(audit.map((event) => (event.data as { secretsFor: string }).secretsFor)).toEqual(["builds of the default branch (main) and of tags v*", "every build"]);
  }, 120_000);

  it("fetches the commit's submodules of the organization with the credential, names one it will not fetch, and skips them when the workflow says so", async () => {
    // A real push (Alex's full-access PAT) of a commit of Wallet App with two submodules of the
    // organization's ios-sdk at its tip: a relative URL (as Azure DevOps recommends) and an SSH one,
    // beside an entry whose submodule was removed (in .gitmodules, not in the tree: ignored).
    const sdk = (await emulator.control.refs({ organization: "fabrikam", project: "MOBILE_IOS", repository: DEFAULT_REPOS.iosSdk.name })).find((ref) => ref.name === "refs/heads/master")!.objectId;
    const work = mkdtempSync(path.join(tmpdir(), "keel-submodules-"));
    const url = `${emulator.servicesUrl}/fabrikam/MOBILE_IOS/_git/Wallet%20App`;
    const header = `Authorization: Basic ${Buffer.from(`:${DEFAULT_PATS.fabrikamFullAccess}`).toString("base64")}`;
    const git = async (...args: string[]) =>
      (await promisify(execFile)("git", ["-c", `http.extraHeader=${header}`, "-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { cwd: work, encoding: "utf8", env: childProcessEnv({ HOME: work, GIT_TERMINAL_PROMPT: "0" }) })).stdout.trim();
    const pushWith = async (branch: string, gitmodules: string, links: string[], gitattributes?: string) => {
      await git("checkout", "-q", "-B", branch, "FETCH_HEAD");
      writeFileSync(path.join(work, ".gitmodules"), gitmodules);
      await git("add", ".gitmodules");
      if (gitattributes) {
        writeFileSync(path.join(work, ".gitattributes"), gitattributes);
        await git("add", ".gitattributes");
      }
      for (const link of links) {
        await git("update-index", "--add", "--cacheinfo", `160000,${sdk},${link}`);
      }
      await git("commit", "-q", "-m", `Submodules (${branch})`);
      await git("push", "-q", url, `HEAD:refs/heads/${branch}`, "--force");
    };
    try {
      await git("init", "-q", ".");
      await git("fetch", "-q", "--depth", "1", url, "main");
      await pushWith("ci/submodules", '[submodule "Sdk"]\n\tpath = Sdk\n\turl = ../ios-sdk\n[submodule "Vendor/sdk"]\n\tpath = Vendor/sdk\n\turl = git@ssh.dev.azure.com:v3/fabrikam/MOBILE_IOS/ios-sdk\n[submodule "Removed"]\n\tpath = Removed\n\turl = git@github.com:example/removed.git\n', ["Sdk", "Vendor/sdk"], "*.png filter=lfs diff=lfs merge=lfs -text\n");
      await git("fetch", "-q", "--depth", "1", url, "main");
      await pushWith("ci/submodules-elsewhere", '[submodule "lib"]\n\tpath = lib\n\turl = git@github.com:example/lib.git\n', ["lib"]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }

    const { updateWorkflow } = await import("@/lib/data/builds");
    const steps = [{ name: "Look", command: "git -C Sdk rev-parse HEAD && git -C Vendor/sdk rev-parse HEAD && ls Sdk && cat .git/config .git/modules/*/config" }];
    await updateWorkflow(scope, profileId, { steps, timeoutMinutes: 30, fetchSubmodules: true, variables: [] });
    const build = await finished((await start({ branch: "ci/submodules" })).id);
    const log = await logOf(build.id);
    expect(build.status, log.join("\n")).toBe("SUCCEEDED");
    expect(log).toContain(`Fetching 2 submodules: Sdk from ${emulator.servicesUrl}/fabrikam/MOBILE_IOS/_git/ios-sdk; Vendor/sdk from ${emulator.servicesUrl}/fabrikam/MOBILE_IOS/_git/ios-sdk.`);
    expect(log.filter((line) => line === sdk)).toHaveLength(2);
    // Its .gitattributes sends images through Git LFS, but it has no pointer files: nothing to fetch, nothing said.
    expect(log.some((line) => line.includes("Git LFS"))).toBe(false);
    expect(log).toContain("README.md");
    // The credential is in no config git wrote (the steps printed them) and not in the log.
    expect(log.join("\n")).not.toMatch(/extraheader|authorization/i);
    expect(log.join("\n")).not.toContain(DEFAULT_PATS.fabrikamFull);

    // A submodule on another host over SSH: refused before git runs, with the reason and the way out.
    const refused = await finished((await start({ branch: "ci/submodules-elsewhere" })).id);
    expect(refused.status).toBe("ERROR");
    expect(refused.finding).toMatchObject({ id: "submodule_refused", title: "Keel cannot fetch the submodule lib" });
    expect(JSON.stringify(refused.finding)).toContain("Fetch submodules");
    // Turned off in the workflow, the same commit builds (its submodule folder stays empty).
    await updateWorkflow(scope, profileId, { steps: [{ name: "Look", command: "test -z \"$(ls -A lib)\" && echo lib-empty" }], timeoutMinutes: 30, fetchSubmodules: false, variables: [] });
    const skipped = await finished((await start({ branch: "ci/submodules-elsewhere" })).id);
    expect(skipped.status).toBe("SUCCEEDED");
    const skippedLog = await logOf(skipped.id);
    expect(skippedLog).toContain("lib-empty");
    expect(skippedLog.some((line) => line.includes("Git LFS"))).toBe(false);
    await updateWorkflow(scope, profileId, { steps: (await import("@/lib/shared/workflow")).defaultWorkflowSteps("IOS"), timeoutMinutes: 30, fetchSubmodules: true, variables: [] });
  }, 120_000);

  it("fetches the commit's Git LFS files with the connection's credential before the steps, and leaves the pointers when the workflow says so", async () => {
    // A real push of a commit whose .gitattributes routes images and a model through LFS, with
    // the objects uploaded through the LFS batch API first (what `git lfs push` does).
    const work = mkdtempSync(path.join(tmpdir(), "keel-lfs-"));
    const url = `${emulator.servicesUrl}/fabrikam/MOBILE_IOS/_git/Wallet%20App`;
    const authorization = `Basic ${Buffer.from(`:${DEFAULT_PATS.fabrikamFullAccess}`).toString("base64")}`;
    const git = async (...args: string[]) =>
      (await promisify(execFile)("git", ["-c", `http.extraHeader=Authorization: ${authorization}`, "-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { cwd: work, encoding: "utf8", env: childProcessEnv({ HOME: work, GIT_TERMINAL_PROMPT: "0" }) })).stdout.trim();
    const icon = Buffer.from(`<svg>${"wallet ".repeat(200)}</svg>\n`);
    const model = Buffer.from(`classifier weights ${Date.now()}\n`);
    const { uploadLfsObjects } = await import("@/e2e/azure-devops-emulator/test-support");
    const [iconPointer, modelPointer] = await uploadLfsObjects(url, authorization, [icon, model]);
    try {
      await git("init", "-q", ".");
      await git("fetch", "-q", "--depth", "1", url, "main");
      await git("checkout", "-q", "-B", "ci/lfs", "FETCH_HEAD");
      mkdirSync(path.join(work, "Assets"));
      writeFileSync(path.join(work, ".gitattributes"), "*.svg filter=lfs diff=lfs merge=lfs -text\n*.mlmodel filter=lfs diff=lfs merge=lfs -text\n");
      writeFileSync(path.join(work, "Assets/logo.svg"), iconPointer!);
      writeFileSync(path.join(work, "Assets/Classifier.mlmodel"), modelPointer!);
      await git("add", ".gitattributes", "Assets");
      await git("commit", "-q", "-m", "Assets in Git LFS");
      await git("push", "-q", url, "HEAD:refs/heads/ci/lfs", "--force");
    } finally {
      rmSync(work, { recursive: true, force: true });
    }

    const { updateWorkflow } = await import("@/lib/data/builds");
    const steps = [{ name: "Look", command: "cat Assets/Classifier.mlmodel && wc -c < Assets/logo.svg && echo \"changed: $(git status --porcelain | wc -l)\"" }];
    await updateWorkflow(scope, profileId, { steps, timeoutMinutes: 30, variables: [] });
    const build = await finished((await start({ branch: "ci/lfs" })).id);
    const log = await logOf(build.id);
    expect(build.status, log.join("\n")).toBe("SUCCEEDED");
    expect(log.some((line) => /^Fetching 2 Git LFS files \(.+\) from .*Wallet%20App\.git\/info\/lfs\.$/.test(line))).toBe(true);
    expect(log.some((line) => line.startsWith("Fetched 2 Git LFS files"))).toBe(true);
    expect(log).toContain(model.toString().trim());
    expect(log).toContain(String(icon.length));
    expect(log).toContain("changed: 0");
    expect(log.join("\n")).not.toContain(DEFAULT_PATS.fabrikamFull);

    // Turned off: the steps see the pointer files, and the fetch step says why.
    await updateWorkflow(scope, profileId, { steps: [{ name: "Look", command: "head -1 Assets/logo.svg" }], timeoutMinutes: 30, fetchLfs: false, variables: [] });
    const skipped = await finished((await start({ branch: "ci/lfs" })).id);
    const skippedLog = await logOf(skipped.id);
    expect(skipped.status).toBe("SUCCEEDED");
    expect(skippedLog).toContain("2 files are Git LFS pointers, which this workflow does not fetch (“Fetch Git LFS files” is off): steps see the pointer files.");
    expect(skippedLog).toContain("version https://git-lfs.github.com/spec/v1");
    await updateWorkflow(scope, profileId, { steps: (await import("@/lib/shared/workflow")).defaultWorkflowSteps("IOS"), timeoutMinutes: 30, fetchLfs: true, variables: [] });
  }, 120_000);

  it("caches folders between builds of a branch: saved after success, restored before the steps, not saved again unchanged, a branch starting from the default branch's", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const command = [
      "if [ -f .keel-cache/stamp ]; then echo \"cache-hit $(cat .keel-cache/stamp) home=$(cat $HOME/.tool-cache/x)\"; else echo cache-miss; mkdir -p .keel-cache $HOME/.tool-cache; echo first > .keel-cache/stamp; echo tool > $HOME/.tool-cache/x; fi",
    ].join("\n");
    const workflow = (extra = "") => ({ steps: [{ name: "Deps", command: `${command}${extra}` }], timeoutMinutes: 30, variables: [], cachePaths: [".keel-cache", "$HOME/.tool-cache"], cacheKeyFiles: ["Podfile.lock"] });
    await updateWorkflow(scope, profileId, workflow());
    const caches = () => database.prisma.buildCache.findMany({ where: { profileId }, orderBy: { createdAt: "asc" }, select: { branch: true, buildNumber: true, complete: true, size: true } });

    const first = await finished((await start({ branch: "main" })).id);
    const firstLog = await logOf(first.id);
    expect(first.status, firstLog.join("\n")).toBe("SUCCEEDED");
    expect(firstLog).toContain("cache-miss");
    expect(firstLog.some((line) => line.startsWith("No cache to restore yet (.keel-cache, $HOME/.tool-cache)"))).toBe(true);
    expect(firstLog.some((line) => /^Saved the cache for main \(2 folders, .+\) in /.test(line))).toBe(true);
    expect(await caches()).toEqual([expect.objectContaining({ branch: "refs/heads/main", buildNumber: first.number, complete: true })]);

    // The next build of main starts from it, and stores nothing when the folders did not change.
    const second = await finished((await start({ branch: "main" })).id);
    const secondLog = await logOf(second.id);
    expect(secondLog).toContain("cache-hit first home=tool");
    expect(secondLog.some((line) => line.startsWith(`Restored the cache of #${first.number} on main (`))).toBe(true);
    expect(secondLog.some((line) => line.startsWith(`The cache did not change (`) && line.endsWith(`the one of #${first.number} on main stays.`))).toBe(true);
    expect(await caches()).toHaveLength(1);

    // Changed by the steps: saved again, replacing the older one of the same branch and key.
    await updateWorkflow(scope, profileId, workflow("\necho more >> .keel-cache/stamp"));
    const third = await finished((await start({ branch: "main" })).id);
    expect((await logOf(third.id)).some((line) => line.startsWith("Saved the cache for main"))).toBe(true);
    expect(await caches()).toEqual([expect.objectContaining({ branch: "refs/heads/main", buildNumber: third.number })]);

    // Started without caches (a cache that breaks builds): nothing restored; its own replaces main's.
    const clean = await finished((await start({ branch: "main", skipCaches: true })).id);
    const cleanLog = await logOf(clean.id);
    expect(cleanLog).toContain("Not restoring a cache: this build was started without caches. If it succeeds, its cache replaces the branch's.");
    expect(cleanLog).toContain("cache-miss");
    expect(cleanLog.some((line) => line.startsWith("Restored the cache"))).toBe(false);
    expect(cleanLog.some((line) => line.startsWith("Saved the cache for main"))).toBe(true);
    expect(await caches()).toEqual([expect.objectContaining({ branch: "refs/heads/main", buildNumber: clean.number })]);

    // Another branch starts from the default branch's cache and saves its own.
    const branch = await finished((await start({ branch: DEFAULT_BUILD_BRANCHES.slow })).id);
    const branchLog = await logOf(branch.id);
    expect(branchLog).toContain("cache-hit first");
    expect(branchLog.some((line) => line.startsWith(`Restored the cache of #${clean.number} on main`))).toBe(true);
    expect((await caches()).map((cache) => cache.branch)).toEqual(["refs/heads/main", `refs/heads/${DEFAULT_BUILD_BRANCHES.slow}`]);

    // A pull request (from a fork here) starts from the branch it merges into and keeps what it
    // changed under the pull request: its code never fills a cache that a branch's builds restore.
    const pr = await emulator.control.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "cache/from-a-fork", targetBranch: "main", title: "Cache from a fork", fork: "wallet-app-fork" } as Parameters<EmulatorHandle["control"]["createPullRequest"]>[0]);
    await updateWorkflow(scope, profileId, workflow('\necho from-the-pull-request >> .keel-cache/stamp\necho "pull request $KEEL_BUILD_PULL_REQUEST from $KEEL_BUILD_BRANCH into $KEEL_BUILD_TARGET_BRANCH"'));
    const fromPullRequest = await finished(
      (await start({ commit: pr.lastMergeCommit!, pullRequest: { id: pr.pullRequestId, iteration: 1, sourceRef: pr.sourceRefName, targetRef: pr.targetRefName } })).id,
    );
    const pullRequestLog = await logOf(fromPullRequest.id);
    expect(pullRequestLog.some((line) => line.startsWith(`Restored the cache of #${clean.number} on main`))).toBe(true);
    expect(pullRequestLog.some((line) => line.startsWith(`Saved the cache for pull request ${pr.pullRequestId} (`))).toBe(true);
    expect(pullRequestLog).toContain(`pull request ${pr.pullRequestId} from cache/from-a-fork into main`);
    expect((await caches()).map((cache) => cache.branch)).toEqual(["refs/heads/main", `refs/heads/${DEFAULT_BUILD_BRANCHES.slow}`, `refs/pull/${pr.pullRequestId}/merge`]);
    await updateWorkflow(scope, profileId, workflow());
    const afterPullRequest = await finished((await start({ branch: "main" })).id);
    expect((await logOf(afterPullRequest.id)).some((line) => line.startsWith(`Restored the cache of #${clean.number} on main`))).toBe(true);

    // A failed build keeps nothing; clearing deletes every cache, and the next build starts clean.
    await updateWorkflow(scope, profileId, workflow("\nexit 3"));
    const failed = await finished((await start({ branch: "main" })).id);
    expect(failed.status).toBe("FAILED");
    expect(await logOf(failed.id)).toContain("Not saving a cache: a step failed, and its folders may be half-made.");
    const { clearCaches } = await import("@/lib/data/caches");
    expect(await clearCaches(scope, profileId)).toBe(3);
    await updateWorkflow(scope, profileId, workflow());
    expect(await logOf((await finished((await start({ branch: "main" })).id)).id)).toContain("cache-miss");
    await updateWorkflow(scope, profileId, { steps: (await import("@/lib/shared/workflow")).defaultWorkflowSteps("IOS"), timeoutMinutes: 30, variables: [], cachePaths: [], cacheKeyFiles: [] });
  }, 180_000);

  it("keeps artifacts — the folder's and the patterns' files, after a failed step too, never through a link, within the budget — and retention keeps the latest success's", async () => {
    const { updateWorkflow } = await import("@/lib/data/builds");
    const { listArtifacts, pruneArtifacts, readArtifactChunk } = await import("@/lib/data/artifacts");
    const { createHash } = await import("node:crypto");
    const make = [
      "mkdir -p out/sub out/linked",
      "printf 'app-bytes' > out/App.ipa",
      "yes keel | head -c 1500000 > out/sub/mid.bin || true",
      "yes keel | head -c 3000000 > out/sub/zbig.bin || true",
      `printf 'outside' > ${JSON.stringify(path.join(outside, "secret.ipa"))}`,
      `ln -s ${JSON.stringify(path.join(outside, "secret.ipa"))} out/link.ipa`,
      `ln -s ${JSON.stringify(outside)} out/linked/dir`,
      'printf \'<testsuite/>\' > "$KEEL_BUILD_ARTIFACTS/report.xml"',
    ].join("\n");
    await updateWorkflow(scope, profileId, {
      steps: [
        { name: "Make", command: make },
        { name: "Fail", command: "exit 3" },
      ],
      timeoutMinutes: 30,
      artifacts: ["out/**/*.ipa", "out/sub", "nothing/*.zip"],
      variables: [],
    });
    const failed = await finished((await start({ branch: "main" })).id);
    expect(failed.status).toBe("FAILED");
    const kept = await listArtifacts(scope, failed.id);
    expect(kept.artifacts.map((artifact) => [artifact.path, artifact.size])).toEqual([
      ["out/App.ipa", 9],
      ["out/sub/mid.bin", 1_500_000],
      ["report.xml", 12],
    ]);
    expect(kept.kept).toBeNull();
    const log = await logOf(failed.id);
    expect(log.some((line) => line.startsWith("No file matched the artifact pattern nothing/*.zip"))).toBe(true);
    expect(log.some((line) => line.startsWith("Not kept: out/sub/zbig.bin (2.9 MB)") && line.includes("KEEL_BUILD_ARTIFACT_MAX_BYTES"))).toBe(true);
    expect(log).toContain("Kept 3 artifacts (1.4 MB); 1 not kept.");
    expect(log.join("\n")).not.toContain("secret.ipa");
    // The content, chunk by chunk, is the file's, and its hash is stored.
    const mid = kept.artifacts.find((artifact) => artifact.path === "out/sub/mid.bin")!;
    const chunks = [await readArtifactChunk(scope, mid.id, 0), await readArtifactChunk(scope, mid.id, 1), await readArtifactChunk(scope, mid.id, 2)];
    expect(chunks.map((chunk) => chunk?.length ?? null)).toEqual([1024 * 1024, 1_500_000 - 1024 * 1024, null]);
    const expected = Buffer.from("keel\n".repeat(300_000)).subarray(0, 1_500_000);
    expect(Buffer.concat(chunks.slice(0, 2) as Uint8Array[]).equals(expected)).toBe(true);
    expect(mid.sha256).toBe(createHash("sha256").update(expected).digest("hex"));
    // A build of another organization's scope sees none of them.
    expect((await listArtifacts(testScope("00000000-0000-4000-8000-000000000000", seeded.adminId), failed.id)).artifacts).toEqual([]);

    await updateWorkflow(scope, profileId, { steps: [{ name: "Package", command: 'printf one > "$KEEL_BUILD_ARTIFACTS/App.ipa"' }], timeoutMinutes: 30, artifacts: [], variables: [] });
    const first = await finished((await start({ branch: "main" })).id);
    expect(first.status).toBe("SUCCEEDED");
    expect((await listArtifacts(scope, first.id)).kept).toEqual({ reason: "latest" });
    // A month on: the failed build's artifacts go, the latest successful build's stay.
    const monthOn = new Date(Date.now() + 31 * 24 * 3_600_000);
    expect(await pruneArtifacts(30, monthOn)).toBeGreaterThanOrEqual(3);
    expect((await listArtifacts(scope, failed.id)).artifacts).toEqual([]);
    expect((await listArtifacts(scope, first.id)).artifacts.map((artifact) => artifact.path)).toEqual(["App.ipa"]);
    // Once a newer build succeeds, the older one's go too.
    const second = await finished((await start({ branch: "main" })).id);
    expect(second.status).toBe("SUCCEEDED");
    expect((await listArtifacts(scope, first.id)).kept).toBeNull();
    await pruneArtifacts(30, monthOn);
    expect((await listArtifacts(scope, first.id)).artifacts).toEqual([]);
    expect((await listArtifacts(scope, second.id)).artifacts.map((artifact) => artifact.path)).toEqual(["App.ipa"]);
    // The default branch's newest build with files keeps them while newer successes are another branch's.
    const develop = await finished((await start({ branch: "develop" })).id);
    expect(develop.status).toBe("SUCCEEDED");
    expect((await listArtifacts(scope, second.id)).kept).toEqual({ reason: "default", branch: "refs/heads/main" });
    await pruneArtifacts(30, monthOn);
    expect((await listArtifacts(scope, second.id)).artifacts.map((artifact) => artifact.path)).toEqual(["App.ipa"]);
    // Another branch's is kept only while a testers' link of that branch opens it.
    const third = await finished((await start({ branch: "main" })).id);
    expect((await listArtifacts(scope, third.id)).kept).toEqual({ reason: "latest" });
    expect((await listArtifacts(scope, second.id)).kept).toBeNull();
    expect((await listArtifacts(scope, develop.id)).kept).toBeNull();
    const { createProfileShare } = await import("@/lib/data/shares");
    await createProfileShare(scope, profileId, "refs/heads/develop", 90);
    expect((await listArtifacts(scope, develop.id)).kept).toEqual({ reason: "testers", branch: "refs/heads/develop" });
    await pruneArtifacts(30, monthOn);
    expect((await listArtifacts(scope, second.id)).artifacts).toEqual([]);
    expect((await listArtifacts(scope, develop.id)).artifacts.map((artifact) => artifact.path)).toEqual(["App.ipa"]);
    // A newer build of that branch with files takes its place.
    const newerDevelop = await finished((await start({ branch: "develop" })).id);
    expect((await listArtifacts(scope, newerDevelop.id)).kept).toEqual({ reason: "latest" });
    expect((await listArtifacts(scope, develop.id)).kept).toBeNull();
    expect((await listArtifacts(scope, third.id)).kept).toEqual({ reason: "default", branch: "refs/heads/main" });
    await pruneArtifacts(30, monthOn);
    expect((await listArtifacts(scope, develop.id)).artifacts).toEqual([]);
    await database.prisma.profileShare.deleteMany({ where: { profileId } });
    await setWorkflow(null);
  }, 120_000);

  it("posts failures and fixes to the profile's chat channel (every build when asked), and records a webhook that is gone", async () => {
    const { createServer } = await import("node:http");
    const { saveChatHook, getChatHook } = await import("@/lib/data/chat");
    const received: { title: string; lines: string[]; url: string }[] = [];
    let answer = 200;
    const channel = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as { title: string; lines: string[]; url: string });
        res.writeHead(answer, { "content-type": "text/plain" });
        res.end(answer === 200 ? "ok" : "no_service");
      });
    });
    await new Promise<void>((resolve) => channel.listen(0, "127.0.0.1", resolve));
    const port = (channel.address() as import("node:net").AddressInfo).port;
    try {
      await setWorkflow(null);
      await saveChatHook(scope, profileId, { url: `http://127.0.0.1:${port}/hooks/T000/B000/secret-part`, label: "Webhook · 127.0.0.1", notify: "changes" });
      const failed = await finished((await start({ branch: DEFAULT_BUILD_BRANCHES.failing })).id);
      await until("the failure in the channel", async () => received.length === 1);
      expect(received[0]).toMatchObject({ title: `❌ Wallet iOS #${failed.number} failed` });
      // The link opens the log at the line that says why.
      const linked = new RegExp(`^https://keel\\.test/builds/${failed.id}#L(\\d+)$`).exec((received[0] as { url: string }).url);
      expect(linked).not.toBeNull();
      expect((await database.prisma.buildLogLine.findUniqueOrThrow({ where: { buildId_seq: { buildId: failed.id, seq: Number(linked![1]) - 1 } } })).text).toContain(FIXTURE_BUILD.failureLine);
      expect(received[0]!.lines[0]).toBe("Step “Test” failed with exit code 1.");
      // What went wrong, first: the failed step's line that says why (the fixture's test failure).
      expect(received[0]!.lines[1]).toBe(`✘ ${FIXTURE_BUILD.failureLine}`);
      expect(received[0]!.lines[2]).toMatch(new RegExp(`^${DEFAULT_BUILD_BRANCHES.failing} · [0-9a-f]{8}`));
      expect((await getChatHook(scope, profileId))?.lastSentAt).not.toBeNull();
      // A success after a success is no news for "changes"…
      const quiet = await finished((await start({ branch: "main" })).id);
      expect(quiet.status).toBe("SUCCEEDED");
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(received).toHaveLength(1);
      // …but is for "every build", which names the app it made.
      await saveChatHook(scope, profileId, { url: null, label: null, notify: "all" });
      const { protoManifest, zipOf } = await import("@/lib/testing/apps");
      const { jarSignature, signingCertificate } = await import("@/lib/testing/signing");
      const { build: buildPlist } = await import("plist");
      const ipa = await zipOf([["Payload/Wallet.app/Info.plist", buildPlist({ CFBundleIdentifier: "com.fabrikam.wallet", CFBundleVersion: "4513", CFBundleShortVersionString: "2.4.0", CFBundleDisplayName: "Wallet" })]]);
      // And the Android App Bundle for Google Play, signed with the upload key by jarsigner.
      const aab = await zipOf([
        ["base/manifest/AndroidManifest.xml", protoManifest([{ name: "package", value: "com.fabrikam.wallet" }, { name: "versionCode", android: true, resourceId: 0x0101021b, value: "4513", number: 4513 }, { name: "versionName", android: true, resourceId: 0x0101021c, value: "2.4.0" }])],
        ["META-INF/UPLOAD.RSA", jarSignature(signingCertificate("Fabrikam Upload Key", new Date(Date.now() + 9_000 * 86_400_000)))],
      ]);
      await setWorkflow([{ name: "Package", command: `echo '${ipa.toString("base64")}' | base64 -d > "$KEEL_BUILD_ARTIFACTS/Wallet.ipa"\necho '${aab.toString("base64")}' | base64 -d > "$KEEL_BUILD_ARTIFACTS/Wallet.aab"` }]);
      const loud = await finished((await start({ branch: "main" })).id);
      await until("the success in the channel", async () => received.length === 2);
      expect(received[1]!.title).toMatch(new RegExp(`^✅ Wallet iOS #${loud.number} succeeded in `));
      expect(received[1]!.lines).toContain("Built com.fabrikam.wallet 2.4.0 (4513), Wallet 2.4.0 (4513)");
      expect(await logOf(loud.id)).toContainEqual(expect.stringMatching(/^Kept Wallet\.aab \([0-9.]+ [kK]?B\): com\.fabrikam\.wallet 2\.4\.0 \(4513\); signed by “Fabrikam Upload Key” \(SHA-256 [0-9A-F:]{95}\)\.$/));
      await setWorkflow(null);
      // A webhook removed from the channel: said on the profile, not retried.
      answer = 404;
      await finished((await start({ branch: DEFAULT_BUILD_BRANCHES.failing })).id);
      const gone = await until("the error on the profile", async () => (await getChatHook(scope, profileId))?.lastError);
      expect(gone).toContain("The webhook is gone (404)");
      expect(gone).not.toContain("secret-part");
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(received).toHaveLength(3);
    } finally {
      await database.prisma.profileChatHook.deleteMany({ where: { profileId } });
      channel.closeAllConnections();
      await new Promise((resolve) => channel.close(resolve));
    }
  }, 90_000);

  it("outgoing webhooks: a ping, then each state change of a build, in order, signed; a refusal is given up, Redeliver sends it again", async () => {
    const { createServer } = await import("node:http");
    const { createWebhook, redeliver, deleteWebhook } = await import("@/lib/data/webhooks");
    const { requestWebhook } = await import("@/lib/webhooks/deliver");
    const { verifyDelivery } = await import("@/lib/webhooks/signature");
    const received: { event: string; delivery: string; verified: boolean; body: Record<string, unknown> }[] = [];
    let secret = "";
    let answer = 200;
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const verified = verifyDelivery(secret, { timestamp: String(req.headers["x-keel-timestamp"] ?? ""), signature: String(req.headers["x-keel-signature-256"] ?? "") }, body);
        received.push({ event: String(req.headers["x-keel-event"]), delivery: String(req.headers["x-keel-delivery"]), verified, body: JSON.parse(body) as Record<string, unknown> });
        res.writeHead(answer, { "content-type": "text/plain" });
        res.end(answer === 200 ? "thanks" : "gone");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const port = (receiver.address() as import("node:net").AddressInfo).port;
    let webhookId: string | null = null;
    try {
      // The default steps, then one that keeps a file: build.finished names it with its download.
      await setWorkflow([...(await import("@/lib/shared/workflow")).defaultWorkflowSteps("IOS"), { name: "Package", command: 'printf wallet > "$KEEL_BUILD_ARTIFACTS/Wallet.ipa"' }]);
      const created = await createWebhook(scope, { name: "Release dashboard", url: `http://127.0.0.1:${port}/keel?token=abc`, host: `127.0.0.1:${port}`, events: ["build.queued", "build.started", "build.finished"], profileIds: null });
      webhookId = created.id;
      secret = created.secret;
      await requestWebhook(scope, created.id);
      await until("the ping", async () => received.length === 1);
      expect(received[0]).toMatchObject({ event: "ping", delivery: created.pingId, verified: true, body: { event: "ping", webhook: { name: "Release dashboard", events: ["build.queued", "build.started", "build.finished"] } } });

      const build = await finished((await start({ branch: "main" })).id);
      await until("the build's three events", async () => received.length === 4);
      expect(received.slice(1).map((entry) => [entry.event, entry.verified, (entry.body.build as { status: string }).status])).toEqual([
        ["build.queued", true, "QUEUED"],
        ["build.started", true, "RUNNING"],
        ["build.finished", true, "SUCCEEDED"],
      ]);
      expect(received[3]!.body).toMatchObject({
        event: "build.finished",
        deliveryId: received[3]!.delivery,
        build: { id: build.id, number: build.number, finished: true, trigger: "MANUAL", branch: "main", commit: build.commitId, pullRequest: null, pool: "default", profile: { id: profileId, name: "Wallet iOS", platform: "IOS" }, webUrl: `https://keel.test/builds/${build.id}` },
      });
      const kept = await database.prisma.buildArtifact.findFirstOrThrow({ where: { buildId: build.id } });
      expect((received[3]!.body.build as Record<string, unknown>).artifacts).toEqual([
        { id: kept.id, path: "Wallet.ipa", size: 6, sha256: createHash("sha256").update("wallet").digest("hex"), app: null, downloadUrl: `https://keel.test/api/v1/builds/${build.id}/artifacts/${kept.id}` },
      ]);
      expect(received[3]!.body.build).toMatchObject({ artifactsZipUrl: `https://keel.test/api/v1/builds/${build.id}/artifacts.zip` });
      // Before it finished, nothing was kept yet.
      expect(received[1]!.body.build).toMatchObject({ artifacts: [], artifactsZipUrl: null });
      // Its steps as the token API lists them, the fetch first: on build.finished only.
      const steps = (received[3]!.body.build as { steps: Array<{ name: string; status: string; tries: number; finishedAt: string | null }> }).steps;
      const stepRows = await database.prisma.buildStep.findMany({ where: { buildId: build.id }, orderBy: { index: "asc" } });
      expect(steps.map((step) => [step.name, step.status, step.tries, step.finishedAt])).toEqual(stepRows.map((row) => [row.name, "SUCCEEDED", 1, row.finishedAt!.toISOString()]));
      expect(steps[0]).toMatchObject({ name: "Fetch commit" });
      expect(steps.at(-1)).toEqual({ name: "Package", status: "SUCCEEDED", exitCode: 0, startedAt: stepRows.at(-1)!.startedAt!.toISOString(), finishedAt: stepRows.at(-1)!.finishedAt!.toISOString(), always: false, continueOnError: false, tries: 1, timeoutMinutes: null });
      expect((received[1]!.body.build as { steps: unknown[] }).steps).toEqual([]);
      // The commits since main's last good build: asked once it ran, so known to build.finished only.
      const { changesJson } = await import("@/lib/shared/build-changes");
      expect(build.changes).not.toBeNull();
      expect((received[3]!.body.build as Record<string, unknown>).changes).toEqual(changesJson(build.changes));
      expect((received[1]!.body.build as Record<string, unknown>).changes).toBeNull();
      const rows = await database.prisma.outgoingDelivery.findMany({ where: { webhookId: created.id }, orderBy: { createdAt: "asc" } });
      expect(rows.map((row) => [row.event, row.state, row.responseStatus, row.responseBody, row.attempts])).toEqual([
        ["ping", "SENT", 200, "thanks", 1],
        ["build.queued", "SENT", 200, "thanks", 1],
        ["build.started", "SENT", 200, "thanks", 1],
        ["build.finished", "SENT", 200, "thanks", 1],
      ]);

      // A refusal (410) is the receiver's answer: given up at once, not retried.
      answer = 410;
      const again = await redeliver(scope, rows[3]!.id);
      await requestWebhook(scope, created.id);
      await until("the refused redelivery", async () => (await database.prisma.outgoingDelivery.findUniqueOrThrow({ where: { id: again.id } })).state === "FAILED");
      const refused = await database.prisma.outgoingDelivery.findUniqueOrThrow({ where: { id: again.id } });
      expect(refused).toMatchObject({ redeliveryOf: rows[3]!.id, responseStatus: 410, attempts: 1, error: expect.stringMatching(/^The receiver refused the delivery \(410\)/) });
      // The admins are told, in the same write that gave it up.
      const notices = await database.prisma.notification.findMany({ where: { organizationId: seeded.organizationId, kind: "webhook.failing" } });
      expect(notices.map((notice) => [notice.dedupeKey, notice.recipientIds])).toEqual([[`webhook.failing:${again.id}`, [seeded.adminId]]]);
      expect(notices[0]!.data).toMatchObject({ webhookId: created.id, name: "Release dashboard", host: `127.0.0.1:${port}`, event: "build.finished", build: `Wallet iOS #${build.number}`, status: 410 });
      expect(JSON.stringify(notices)).not.toContain("token=abc");
      // The same body, under its own delivery id.
      expect(received[4]).toMatchObject({ event: "build.finished", delivery: again.id, verified: true });
      expect({ ...received[4]!.body, deliveryId: null, occurredAt: null }).toEqual({ ...received[3]!.body, deliveryId: null, occurredAt: null });
      // Busy (503): kept, and tried again later with backoff; later events wait behind it.
      answer = 503;
      const { pingWebhook } = await import("@/lib/data/webhooks");
      const ping = await pingWebhook(scope, created.id);
      await requestWebhook(scope, created.id);
      await until("the busy answer", async () => (await database.prisma.outgoingDelivery.findUniqueOrThrow({ where: { id: ping } })).attempts === 1);
      expect(await database.prisma.outgoingDelivery.findUniqueOrThrow({ where: { id: ping } })).toMatchObject({ state: "PENDING", responseStatus: 503, error: "The receiver answered 503; Keel tries again." });
      // The URL (it holds a token) is in no log line, audit event or delivery row.
      expect(JSON.stringify(await database.prisma.auditEvent.findMany({ where: { targetId: created.id } }))).not.toContain("token=abc");
      expect(workers.map((worker) => worker.output.join("")).join("")).not.toContain("token=abc");
    } finally {
      if (webhookId) {
        await deleteWebhook(scope, webhookId);
      }
      receiver.close();
    }
  });

  it("outgoing webhooks for some profiles hear only of their builds; admins hear once per failing spell", async () => {
    const { createServer } = await import("node:http");
    const { updateWorkflow } = await import("@/lib/data/builds");
    const { deleteProfile } = await import("@/lib/data/profiles");
    const { createWebhook, deleteWebhook, getWebhook, redeliver } = await import("@/lib/data/webhooks");
    const { requestWebhook } = await import("@/lib/webhooks/deliver");
    let answer = 410;
    const receiver = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(answer, { "content-type": "text/plain" });
        res.end(answer === 200 ? "thanks" : "gone");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const port = (receiver.address() as import("node:net").AddressInfo).port;
    const quick = { steps: [{ name: "Build", command: "echo built" }], timeoutMinutes: 30, variables: [] };
    const android = await seedProfile("Wallet Android", DEFAULT_PATS.fabrikamFull);
    const ios = await seedProfile("Wallet iOS nightly", DEFAULT_PATS.fabrikamFull);
    await updateWorkflow(scope, android, quick);
    await updateWorkflow(scope, ios, quick);
    const hooks: string[] = [];
    const failing = async (webhookId: string) => (await database.prisma.notification.findMany({ where: { organizationId: seeded.organizationId, kind: "webhook.failing" } })).filter((notice) => (notice.data as { webhookId?: string }).webhookId === webhookId);
    const settled = async (webhookId: string) => (await database.prisma.outgoingDelivery.count({ where: { webhookId, state: "PENDING" } })) === 0;
    try {
      // A profile that does not exist (deleted since the form was drawn) is refused, and nothing is stored.
      const gone = "00000000-0000-4000-8000-000000000000";
      await expect(createWebhook(scope, { name: "Stale", url: `http://127.0.0.1:${port}/x`, host: `127.0.0.1:${port}`, events: ["build.finished"], profileIds: [android, gone] })).rejects.toMatchObject({ code: "CONFLICT" });
      expect(await database.prisma.outgoingWebhook.count({ where: { organizationId: seeded.organizationId, name: "Stale" } })).toBe(0);

      const onlyAndroid = await createWebhook(scope, { name: "Android dashboard", url: `http://127.0.0.1:${port}/android`, host: `127.0.0.1:${port}`, events: ["build.finished"], profileIds: [android] });
      const everyProfile = await createWebhook(scope, { name: "Everything", url: `http://127.0.0.1:${port}/all`, host: `127.0.0.1:${port}`, events: ["build.finished"], profileIds: null });
      hooks.push(onlyAndroid.id, everyProfile.id);
      expect(await getWebhook(scope, onlyAndroid.id)).toMatchObject({ allProfiles: false, profiles: [{ id: android, name: "Wallet Android" }] });

      const iosBuild = await finished((await start({ branch: "main", profile: ios })).id);
      const androidBuild = await finished((await start({ branch: "main", profile: android })).id);
      for (const id of hooks) {
        await requestWebhook(scope, id);
        await until("the webhook's deliveries to be settled", () => settled(id));
      }
      const builds = async (webhookId: string) =>
        (await database.prisma.outgoingDelivery.findMany({ where: { webhookId, event: { not: "ping" } }, orderBy: { createdAt: "asc" }, select: { buildId: true, state: true } })).map((row) => [row.buildId, row.state]);
      expect(await builds(onlyAndroid.id)).toEqual([[androidBuild.id, "FAILED"]]);
      expect(await builds(everyProfile.id)).toEqual([
        [iosBuild.id, "FAILED"],
        [androidBuild.id, "FAILED"],
      ]);
      // The refused pings are the admin's own checks: no notice. Two build events refused in a row: one.
      expect(await failing(onlyAndroid.id)).toHaveLength(1);
      expect((await failing(everyProfile.id)).map((notice) => (notice.data as { build: string }).build)).toEqual([`Wallet iOS nightly #${iosBuild.number}`]);

      // Back (a redelivery gets through), then refused again: a new spell, a new notice.
      const [first, second] = await database.prisma.outgoingDelivery.findMany({ where: { webhookId: everyProfile.id, event: { not: "ping" } }, orderBy: { createdAt: "asc" } });
      answer = 200;
      await redeliver(scope, first!.id);
      await requestWebhook(scope, everyProfile.id);
      await until("the redelivery to get through", () => settled(everyProfile.id));
      answer = 410;
      await redeliver(scope, second!.id);
      await requestWebhook(scope, everyProfile.id);
      await until("the second redelivery to be refused", () => settled(everyProfile.id));
      expect(await failing(everyProfile.id)).toHaveLength(2);

      // Its one profile deleted, the Android webhook hears of nothing (it does not widen to all).
      await deleteProfile(scope, android);
      expect(await getWebhook(scope, onlyAndroid.id)).toMatchObject({ allProfiles: false, profiles: [] });
      await finished((await start({ branch: "main", profile: ios })).id);
      await until("the new build's delivery to the other webhook", async () => (await builds(everyProfile.id)).length === 5);
      expect(await builds(onlyAndroid.id)).toHaveLength(1);
    } finally {
      for (const id of hooks) {
        await deleteWebhook(scope, id);
      }
      await database.prisma.notification.deleteMany({ where: { organizationId: seeded.organizationId, kind: "webhook.failing" } });
      receiver.close();
    }
  });

  it("a pull-request build posts the PR status and one comment, updated (not duplicated) by a rebuild", async () => {
    // Commenting needs PR threads (Read & write), beyond the scopes of Keel's PAT: a Full access token.
    const prProfile = await seedProfile("Wallet PRs", DEFAULT_PATS.fabrikamFullAccess);
    const pr = await emulator.control.createPullRequest({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", sourceBranch: "feature/keel-pr", targetBranch: "main", title: "Keel PR" });
    const pullRequest = { id: pr.pullRequestId, iteration: 1, sourceRef: pr.sourceRefName, targetRef: pr.targetRefName };
    const first = await start({ commit: pr.lastMergeCommit!, pullRequest, profile: prProfile });
    expect((await finished(first.id)).status).toBe("SUCCEEDED");
    // The token API says which branch it merges into, beside its source branch.
    const { buildSummaryJson } = await import("./api");
    const { getBuild } = await import("@/lib/data/builds");
    expect(buildSummaryJson((await getBuild(scope, first.id))!, "https://keel.test")).toMatchObject({ branch: "feature/keel-pr", pullRequest: pr.pullRequestId, targetBranch: "main" });
    const snapshot = async () => emulator.control.pullRequest({ organization: "fabrikam", pullRequestId: pr.pullRequestId });
    await until("the comment", async () => (await snapshot()).threads.length === 1 && (await snapshot()).statuses.some((status) => status.state === "succeeded"));
    const one = await snapshot();
    expect(one.statuses.map((status) => status.state)).toEqual(["pending", "pending", "succeeded"]);
    expect(one.statuses.every((status) => status.contextGenre === "keel" && status.contextName === "Wallet PRs" && status.iterationId === 1)).toBe(true);
    expect(one.threads[0]!.comments).toHaveLength(1);
    expect(one.threads[0]!.comments[0]!.content).toContain(`Keel build #${first.number} succeeded`);
    expect(one.threads[0]!.comments[0]!.content).not.toContain("Artifacts:");
    // The rebuild keeps the app: the updated comment names it and links to where it downloads.
    const { updateWorkflow } = await import("@/lib/data/builds");
    const report = `<testsuite name="s"><testcase classname="WalletTests" name="testSync"/></testsuite>`;
    await updateWorkflow(scope, prProfile, {
      steps: [{ name: "Package", command: `printf apk > "$KEEL_BUILD_ARTIFACTS/Wallet.apk"\necho '${report}' > "$KEEL_BUILD_ARTIFACTS/junit.xml"` }],
      timeoutMinutes: 30,
      variables: [],
    });
    const { rebuild } = await import("./service");
    const { randomUUID } = await import("node:crypto");
    const second = (await rebuild(scope, first.id, randomUUID())).build;
    expect((await finished(second.id)).status).toBe("SUCCEEDED");
    await until("the comment to be updated", async () => (await snapshot()).threads[0]!.comments[0]!.content.includes(`Keel build #${second.number} succeeded`));
    const content = (await snapshot()).threads[0]!.comments[0]!.content;
    expect(content).toContain(`Tests: 1 test: 1 passed — [see them in Keel](https://keel.test/builds/${second.id}#tests)`);
    expect(content).toContain(`Artifacts: \`Wallet.apk\` (3 B), \`junit.xml\` (${report.length + 1} B) — [download them in Keel](https://keel.test/builds/${second.id}#artifacts)`);
    const two = await snapshot();
    expect(two.threads).toHaveLength(1);
    expect(two.threads[0]!.comments).toHaveLength(1);
    // A failed build: the comment quotes what went wrong, so the author can start fixing from the pull request.
    await updateWorkflow(scope, prProfile, { steps: [{ name: "Compile", command: `echo "compiling"\necho "/src/Pay.swift:3:1: error: cannot find 'rate' in scope" >&2\nexit 65` }], timeoutMinutes: 30, variables: [] });
    const third = (await rebuild(scope, second.id, randomUUID())).build;
    expect((await finished(third.id)).status).toBe("FAILED");
    await until("the comment to say it failed", async () => (await snapshot()).threads[0]!.comments[0]!.content.includes(`Keel build #${third.number} failed`));
    expect((await snapshot()).threads[0]!.comments[0]!.content).toContain("Step “Compile” failed with exit code 65.\n\n```text\n/src/Pay.swift:3:1: error: cannot find 'rate' in scope\n```");
    // A push to the source branch: the next iteration's build lists the pushed commit since the
    // pull request's last good build (#2), not the merge commit Azure DevOps made for it.
    const pushed = await emulator.control.push({ organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", branch: "feature/keel-pr", commits: [{ message: "Handle an empty rate", authorName: "Kai Olsen" }] });
    const updated = await snapshot();
    expect(updated.lastMergeCommit).not.toBe(pr.lastMergeCommit);
    const fourth = await start({ commit: updated.lastMergeCommit!, pullRequest: { ...pullRequest, iteration: updated.iterations.length }, profile: prProfile });
    await finished(fourth.id);
    const changes = (await database.prisma.build.findUniqueOrThrow({ where: { id: fourth.id } })).changes as { since: { number: number }; commits: { id: string; message: string }[] };
    expect(changes.since.number).toBe(second.number);
    expect(changes.commits.map((commit) => [commit.id, commit.message])).toEqual([[pushed.commits[0]!.commitId, "Handle an empty rate"]]);
  }, 90_000);

  it("a failure to report never fails the build: the finding is shown and the engine retries", async () => {
    await setWorkflow([{ name: "Quick", command: "echo hi" }]);
    const fault = emulator.control.addFault({ kind: "error", status: 503, pathPrefix: `/fabrikam/${DEFAULT_PROJECTS.mobileIos.id.toLowerCase()}/_apis/git/repositories`, method: "POST" });
    try {
      const build = await start({ branch: "release/1.0" });
      const done = await finished(build.id);
      expect(done.status).toBe("SUCCEEDED");
      const report = await until("a failed attempt", async () => database.prisma.buildReport.findFirst({ where: { buildId: build.id, attempts: { gt: 0 }, error: { not: { equals: null } } } }));
      expect(report.state).toBe("PENDING");
      expect(report.error).toMatchObject({ id: expect.any(String), title: expect.any(String), fix: expect.any(Array) });
    } finally {
      emulator.control.removeFault(fault.id);
    }
  });
});
