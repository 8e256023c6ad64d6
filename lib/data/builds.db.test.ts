import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countStatements, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";
import { seedOrganization, walletProfileDatabase, type Seeded } from "@/lib/repositories/test-support";
import type { Scope } from "@/lib/scope";

// A profile's workflow in the database: secrets sealed and write-only, kept when not re-sent,
// every change audited without a value; only admins may change it.

let database: TestDatabase;
let seeded: Seeded;
let admin: Scope;
let profileId: string;

beforeAll(async () => {
  ({ database, seeded, profileId } = await walletProfileDatabase("ANDROID"));
  admin = testScope(seeded.organizationId, seeded.adminId);
});

afterAll(async () => {
  await database?.drop();
});

describe("workflows", () => {
  it("starts from the platform's default, seals secrets, keeps a secret sent without a value, and audits names, never values", async () => {
    const { getWorkflow, updateWorkflow, openBuildVariables } = await import("./builds");
    const initial = await getWorkflow(admin, profileId);
    expect(initial).toMatchObject({ isDefault: true, timeoutMinutes: 30, variables: [] });
    expect(initial!.steps.map((step) => step.command)).toEqual(["./build.sh setup", "./build.sh build", "./build.sh test"]);

    await updateWorkflow(admin, profileId, {
      steps: [{ name: "Assemble", command: "./gradlew assembleDebug" }],
      timeoutMinutes: 45,
      variables: [
        { name: "KEYSTORE_PASSWORD", isSecret: true, value: "hunter2-keystore" },
        { name: "FLAVOR", isSecret: false, value: "qa" },
      ],
    });
    const stored = await database.prisma.buildVariable.findMany({ where: { profileId }, orderBy: { name: "asc" }, select: { name: true, value: true, valueSealed: true } });
    expect(stored.map((row) => [row.name, row.value, row.valueSealed === null])).toEqual([
      ["FLAVOR", "qa", true],
      ["KEYSTORE_PASSWORD", null, false],
    ]);
    expect(stored[1]!.valueSealed).not.toContain("hunter2");
    // Pages never get a secret's value.
    expect((await getWorkflow(admin, profileId))!.variables).toEqual([
      { name: "FLAVOR", isSecret: false, value: "qa" },
      { name: "KEYSTORE_PASSWORD", isSecret: true, value: null },
    ]);

    // Sent again without its value: the secret stays; the plain one changes; one is removed.
    await updateWorkflow(admin, profileId, { steps: [{ name: "Assemble", command: "./gradlew assembleDebug" }], timeoutMinutes: 45, variables: [{ name: "KEYSTORE_PASSWORD", isSecret: true, value: null }] });
    expect((await openBuildVariables(admin, profileId)).variables).toEqual([{ name: "KEYSTORE_PASSWORD", value: "hunter2-keystore", isSecret: true }]);

    const events = await database.prisma.auditEvent.findMany({ where: { action: "workflow.updated", targetId: profileId }, orderBy: { createdAt: "asc" } });
    expect(events).toHaveLength(2);
    expect(events[0]!.data).toMatchObject({ changed: ["steps", "timeLimit", "variables"], steps: ["Assemble"], timeoutMinutes: 45, timeoutMinutesBefore: 30, variables: { KEYSTORE_PASSWORD: "secret added", FLAVOR: "added" } });
    expect(events[1]!.data).toMatchObject({ changed: ["variables"], variables: { FLAVOR: "removed" } });
    expect(JSON.stringify(events.map((event) => event.data))).not.toContain("hunter2");
  });

  it("refuses a member, and a secret without a value Keel never stored", async () => {
    const { updateWorkflow } = await import("./builds");
    const member = testScope(seeded.organizationId, seeded.memberId, "MEMBER");
    await expect(updateWorkflow(member, profileId, { steps: [{ name: "x", command: "y" }], timeoutMinutes: 5, variables: [] })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(updateWorkflow(admin, profileId, { steps: [{ name: "x", command: "y" }], timeoutMinutes: 5, variables: [{ name: "NEW_SECRET", isSecret: true, value: null }] })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
    expect(await database.prisma.buildProfile.findUniqueOrThrow({ where: { id: profileId } })).toMatchObject({ buildTimeoutMinutes: 45 });
  });

  it("refuses a save based on a version someone has saved over, and continues from its own", async () => {
    const { getProfileWorkflow, updateWorkflow } = await import("./builds");
    const { connectionId } = await database.prisma.buildProfile.findUniqueOrThrow({ where: { id: profileId } });
    const { id: versioned } = await database.prisma.buildProfile.create({
      data: { organizationId: seeded.organizationId, connectionId, name: "Versions", nameKey: "versions", platform: "IOS", projectId: "p", projectName: "P", repositoryId: "r2", repositoryName: "R2" },
    });
    const opened = (await getProfileWorkflow(admin, versioned))!;
    const steps = [{ name: "Build", command: "make" }];
    const first = await updateWorkflow(admin, versioned, { steps, timeoutMinutes: 30, variables: [{ name: "FLAVOR", isSecret: false, value: "beta" }], basedOn: opened.version });
    expect(first.version).not.toBe(opened.version);
    expect(first.version).toBe((await getProfileWorkflow(admin, versioned))!.version);
    // A second editor opened before that save: refused, nothing written, nothing audited.
    const audits = await database.prisma.auditEvent.count({ where: { action: "workflow.updated", targetId: versioned } });
    await expect(updateWorkflow(admin, versioned, { steps, timeoutMinutes: 20, variables: [], basedOn: opened.version })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await database.prisma.buildProfile.findUniqueOrThrow({ where: { id: versioned } })).toMatchObject({ buildTimeoutMinutes: 30 });
    expect(await database.prisma.buildVariable.count({ where: { profileId: versioned } })).toBe(1);
    expect(await database.prisma.auditEvent.count({ where: { action: "workflow.updated", targetId: versioned } })).toBe(audits);
    // The first editor goes on from the version its save returned; renaming the profile is no workflow change.
    await database.prisma.buildProfile.update({ where: { id: versioned }, data: { name: "Versions renamed", nameKey: "versions renamed" } });
    const second = await updateWorkflow(admin, versioned, { steps, timeoutMinutes: 25, variables: [{ name: "FLAVOR", isSecret: false, value: "beta" }], basedOn: first.version });
    expect(second.changed).toEqual(["timeLimit"]);
    // Without a version (an older form), a save still goes through.
    await expect(updateWorkflow(admin, versioned, { steps, timeoutMinutes: 45, variables: [] })).resolves.toMatchObject({ changed: ["timeLimit", "variables"] });
    // Turning submodules off is a change another editor must not overwrite unknowingly; left out, it stays.
    const current = (await getProfileWorkflow(admin, versioned))!;
    const off = await updateWorkflow(admin, versioned, { steps, timeoutMinutes: 45, fetchSubmodules: false, variables: [], basedOn: current.version });
    expect(off).toMatchObject({ changed: ["submodules"] });
    expect(off.version).not.toBe(current.version);
    await expect(updateWorkflow(admin, versioned, { steps, timeoutMinutes: 45, fetchSubmodules: true, variables: [], basedOn: current.version })).rejects.toMatchObject({ code: "CONFLICT" });
    await updateWorkflow(admin, versioned, { steps, timeoutMinutes: 50, variables: [] });
    expect(await database.prisma.buildProfile.findUniqueOrThrow({ where: { id: versioned } })).toMatchObject({ fetchSubmodules: false, buildTimeoutMinutes: 50 });
  });
});

describe("the profile pages' reads", () => {
  it("reads the profile, its workflow, triggers, latest builds and build count in one statement", async () => {
    const { getProfilePage, PROFILE_PAGE_BUILDS } = await import("./profiles");
    const { getWorkflow } = await import("./builds");
    const total = PROFILE_PAGE_BUILDS + 2;
    const start = Date.UTC(2026, 0, 1);
    await database.prisma.build.createMany({
      data: Array.from({ length: total }, (_, index) => ({
        organizationId: seeded.organizationId,
        profileId,
        number: index + 1,
        trigger: "MANUAL" as const,
        idempotencyKey: `page-${index}`,
        commitId: "a".repeat(40),
        branch: "refs/heads/main",
        steps: [],
        timeoutSeconds: 60,
        queuedAt: new Date(start + index * 60_000),
      })),
    });

    const stored = { mode: "manual", push: { enabled: false, branches: [] }, pullRequest: { enabled: true, branches: ["release/*"] } };
    await database.prisma.buildProfile.update({ where: { id: profileId }, data: { triggers: stored } });

    const { statements, result } = await countStatements(() => getProfilePage(admin, profileId));
    expect(statements).toBe(1);
    expect(result!.profile).toMatchObject({ id: profileId, name: "Wallet" });
    expect(result!.buildCount).toBe(total);
    // Newest first, the page's share only.
    expect(result!.builds.map((build) => build.number)).toEqual(Array.from({ length: PROFILE_PAGE_BUILDS }, (_, index) => total - index));
    expect(result!.workflow).toEqual(await getWorkflow(admin, profileId));
    expect(result!.workflow.variables).toContainEqual({ name: "KEYSTORE_PASSWORD", isSecret: true, value: null });
    expect(result!.triggers).toEqual(stored);

    // The workflow page's read: the profile's names, its default branch ("Who gets the secrets" names it), its next build number (builds written straight into the table took none) and the same workflow, in one statement.
    const { getProfileWorkflow, workflowVersion } = await import("./builds");
    const workflowPage = await countStatements(() => getProfileWorkflow(admin, profileId));
    expect(workflowPage.statements).toBe(1);
    expect(workflowPage.result).toEqual({ profile: { id: profileId, name: "Wallet", platform: "ANDROID", projectName: "P", repositoryName: "R", defaultBranch: null, nextBuildNumber: 1 }, workflow: result!.workflow, version: workflowVersion(result!.workflow) });

    // Another organization's admin gets neither.
    const other = await seedOrganization(database);
    expect(await getProfilePage(testScope(other.organizationId, other.adminId), profileId)).toBeNull();
    expect(await getProfileWorkflow(testScope(other.organizationId, other.adminId), profileId)).toBeNull();
  });
});

describe("the builds page's Profile filter", () => {
  it("offers the profiles that have built, and the one the address filters by even when it has not", async () => {
    const { hasBuildProfiles, listBuildProfileOptions } = await import("./builds");
    const other = await seedOrganization(database);
    const otherScope = testScope(other.organizationId, other.adminId);
    expect(await hasBuildProfiles(otherScope)).toBe(false);
    const create = (name: string) =>
      database.prisma.buildProfile.create({ data: { organizationId: other.organizationId, name, nameKey: name.toLowerCase(), platform: "IOS", projectId: "p", projectName: "P", repositoryId: `r-${name}`, repositoryName: name } });
    const zulu = await create("Zulu");
    const alpha = await create("Alpha");
    const mike = await create("Mike");
    expect(await hasBuildProfiles(otherScope)).toBe(true);
    for (const profile of [zulu, alpha]) {
      await database.prisma.build.create({
        data: { organizationId: other.organizationId, profileId: profile.id, number: 1, trigger: "MANUAL", idempotencyKey: `k-${profile.id}`, commitId: "a".repeat(40), steps: [], timeoutSeconds: 60 },
      });
    }
    expect((await listBuildProfileOptions(otherScope)).map((option) => option.name)).toEqual(["Alpha", "Zulu"]);
    expect((await listBuildProfileOptions(otherScope, mike.id)).map((option) => option.name)).toEqual(["Alpha", "Mike", "Zulu"]);
    // Another organization's profile is never offered, even by address.
    expect((await listBuildProfileOptions(admin, mike.id)).map((option) => option.name)).not.toContain("Mike");
  });
});

describe("the profiles list's Last build", () => {
  it("reads each profile's newest build by number in one statement, and nothing of another organization", async () => {
    const { latestBuilds } = await import("./builds");
    const other = await seedOrganization(database);
    const otherScope = testScope(other.organizationId, other.adminId);
    const create = (name: string) =>
      database.prisma.buildProfile.create({ data: { organizationId: other.organizationId, name, nameKey: name.toLowerCase(), platform: "IOS", projectId: "p", projectName: "P", repositoryId: `r-${name}`, repositoryName: name } });
    const built = await create("Built");
    const idle = await create("Idle");
    // Numbers, not queue times, say which is newest (a rebuild of an old commit is still the newest build).
    for (const [number, status, queuedAt] of [
      [1, "SUCCEEDED", "2026-12-01T10:00:00Z"],
      [3, "RUNNING", "2026-12-01T09:00:00Z"],
      [2, "FAILED", "2026-12-01T11:00:00Z"],
    ] as const) {
      await database.prisma.build.create({
        data: { organizationId: other.organizationId, profileId: built.id, number, status, queuedAt: new Date(queuedAt), branch: "refs/heads/main", trigger: "MANUAL", idempotencyKey: `latest-${number}`, commitId: "a".repeat(40), steps: [], timeoutSeconds: 60 },
      });
    }
    const { statements, result: latest } = await countStatements(() => latestBuilds(otherScope, [built.id, idle.id]));
    expect(statements).toBe(1);
    expect([...latest.keys()]).toEqual([built.id]);
    expect(latest.get(built.id)).toMatchObject({ number: 3, status: "RUNNING", branch: "refs/heads/main", finishedAt: null });
    // Another organization's scope finds nothing, even given the ids.
    expect((await latestBuilds(admin, [built.id])).size).toBe(0);
    expect((await latestBuilds(otherScope, [])).size).toBe(0);
  });
});

describe("build notices", () => {
  it("tell whoever started a build and its commit's author that it failed, then that it was fixed; never a success after a success, a cancel, or someone who turned them off", async () => {
    const { finishBuild } = await import("./builds");
    const other = await seedOrganization(database);
    const scope = testScope(other.organizationId, other.adminId);
    const adminEmail = (await database.prisma.user.findUniqueOrThrow({ where: { id: other.adminId } })).email;
    const profile = await database.prisma.buildProfile.create({ data: { organizationId: other.organizationId, name: "Notices", nameKey: "notices", platform: "IOS", projectId: "p", projectName: "P", repositoryId: "r-notices", repositoryName: "R" } });
    let number = 0;
    const end = async (status: "FAILED" | "SUCCEEDED" | "CANCELED" | "TIMED_OUT", who: { requestedById?: string | null; commitAuthorEmail?: string | null }, branch = "refs/heads/main") => {
      number += 1;
      const runId = crypto.randomUUID();
      const build = await database.prisma.build.create({
        data: { organizationId: other.organizationId, profileId: profile.id, number, status: "RUNNING", runId, branch, trigger: "PUSH", idempotencyKey: `notice-${number}`, commitId: "b".repeat(40), commitMessage: "Change", steps: [], timeoutSeconds: 60, requestedById: who.requestedById ?? null, commitAuthorEmail: who.commitAuthorEmail ?? null },
      });
      expect(await finishBuild(scope, build.id, runId, { status, reason: status === "FAILED" ? "Step “Test” failed with exit code 1." : null })).toBe(true);
      return database.prisma.notification.findMany({ where: { organizationId: other.organizationId, data: { path: ["buildId"], equals: build.id } } });
    };

    // The author's address as Azure DevOps reports it, in other capitals: still the admin.
    const [failed] = await end("FAILED", { requestedById: other.memberId, commitAuthorEmail: adminEmail.toUpperCase() });
    expect(failed).toMatchObject({ kind: "build.failed", connectionId: null, data: { profile: "Notices", number: 1, status: "FAILED", reason: "Step “Test” failed with exit code 1." } });
    expect([...failed!.recipientIds].sort()).toEqual([other.adminId, other.memberId].sort());
    // Another branch's success fixes nothing on main.
    expect(await end("SUCCEEDED", { commitAuthorEmail: adminEmail }, "refs/heads/feature")).toEqual([]);
    const [fixed] = await end("SUCCEEDED", { commitAuthorEmail: adminEmail });
    expect(fixed).toMatchObject({ kind: "build.fixed", recipientIds: [other.adminId] });
    expect(await end("SUCCEEDED", { commitAuthorEmail: adminEmail })).toEqual([]);
    expect(await end("CANCELED", { requestedById: other.memberId })).toEqual([]);
    // Nobody of the organization is the author: nobody to tell, no notice.
    expect(await end("TIMED_OUT", { commitAuthorEmail: "someone@elsewhere.example" })).toEqual([]);
    // Turned off: the member is not told, the admin still is.
    await database.prisma.user.update({ where: { id: other.memberId }, data: { buildEmails: false } });
    const [quiet] = await end("FAILED", { requestedById: other.memberId, commitAuthorEmail: adminEmail });
    expect(quiet).toMatchObject({ kind: "build.failed", recipientIds: [other.adminId] });
    expect(await end("FAILED", { requestedById: other.memberId })).toEqual([]);

    // The builds list's "Mine" finds the same people's builds: started by them, or of their commits.
    const { listBuilds } = await import("./builds");
    const memberEmail = (await database.prisma.user.findUniqueOrThrow({ where: { id: other.memberId } })).email;
    const numbersOf = async (mine: { userId: string; email: string }) => (await listBuilds(scope, { mine, page: 1, pageSize: 50 })).rows.map((row) => row.number).sort((a, b) => a - b);
    expect(await numbersOf({ userId: other.memberId, email: memberEmail })).toEqual([1, 5, 7, 8]);
    expect(await numbersOf({ userId: other.adminId, email: adminEmail })).toEqual([1, 2, 3, 4, 7]);
  });
});

describe("watching a profile", () => {
  it("watchers hear of failures and fixes of the default branch and tags, not of other branches or pull requests; stopping ends it", async () => {
    const { finishBuild } = await import("./builds");
    const { profileWatchOf, setProfileWatch } = await import("./profiles");
    const other = await seedOrganization(database, "Watchers");
    const asAdmin = testScope(other.organizationId, other.adminId);
    const asMember = testScope(other.organizationId, other.memberId, "MEMBER");
    const profile = await database.prisma.buildProfile.create({ data: { organizationId: other.organizationId, name: "Watched", nameKey: "watched", platform: "IOS", projectId: "p", projectName: "P", repositoryId: "r-watched", repositoryName: "R", defaultBranch: "refs/heads/main" } });
    await setProfileWatch(asMember, profile.id, "yes");
    await setProfileWatch(asMember, profile.id, "yes");
    expect(await profileWatchOf(asMember, profile.id)).toEqual({ watching: true, choice: "yes", watchers: 1 });
    expect(await profileWatchOf(asAdmin, profile.id)).toEqual({ watching: false, choice: "no", watchers: 1 });
    let number = 0;
    // Started by the admin, by nobody's commit: whoever else is told, is told as a watcher.
    const told = async (status: "FAILED" | "SUCCEEDED", line: { branch?: string; tag?: string; pullRequestId?: number }) => {
      number += 1;
      const runId = crypto.randomUUID();
      const build = await database.prisma.build.create({
        data: { organizationId: other.organizationId, profileId: profile.id, number, status: "RUNNING", runId, trigger: "PUSH", idempotencyKey: `watch-${number}`, commitId: "e".repeat(40), steps: [], timeoutSeconds: 60, requestedById: other.adminId, branch: line.branch ?? null, tag: line.tag ?? null, pullRequestId: line.pullRequestId ?? null },
      });
      expect(await finishBuild(asAdmin, build.id, runId, { status, reason: null })).toBe(true);
      const notices = await database.prisma.notification.findMany({ where: { organizationId: other.organizationId, data: { path: ["buildId"], equals: build.id } } });
      return notices.map((notice) => [notice.kind, notice.recipientIds.includes(other.memberId)]);
    };
    expect(await told("FAILED", { branch: "refs/heads/main" })).toEqual([["build.failed", true]]);
    expect(await told("SUCCEEDED", { branch: "refs/heads/main" })).toEqual([["build.fixed", true]]);
    // A success after a success is news to nobody who watches failures and fixes only…
    expect(await told("SUCCEEDED", { branch: "refs/heads/main" })).toEqual([]);
    // …and to those who watch every build, of the default branch and tags only (never the requester as such).
    await setProfileWatch(asMember, profile.id, "every");
    expect(await profileWatchOf(asMember, profile.id)).toMatchObject({ watching: true, choice: "every", watchers: 1 });
    expect(await told("SUCCEEDED", { branch: "refs/heads/main" })).toEqual([["build.succeeded", true]]);
    expect(await told("SUCCEEDED", { tag: "v2.4.1" })).toEqual([["build.succeeded", true]]);
    expect(await told("SUCCEEDED", { branch: "refs/heads/feature/x" })).toEqual([]);
    const succeeded = await database.prisma.notification.findFirstOrThrow({ where: { organizationId: other.organizationId, kind: "build.succeeded" }, orderBy: { createdAt: "desc" } });
    expect(succeeded.recipientIds).toEqual([other.memberId]);
    expect(succeeded.data).toMatchObject({ tag: "v2.4.1", profile: "Watched" });
    await setProfileWatch(asMember, profile.id, "yes");
    expect(await told("SUCCEEDED", { branch: "refs/heads/main" })).toEqual([]);
    expect(await told("FAILED", { branch: "refs/heads/feature/x" })).toEqual([["build.failed", false]]);
    expect(await told("FAILED", { branch: "refs/heads/feature/x", pullRequestId: 7 })).toEqual([["build.failed", false]]);
    expect(await told("FAILED", { tag: "v2.4.0" })).toEqual([["build.failed", true]]);
    // Their build e-mails off: not told as a watcher either.
    await database.prisma.user.update({ where: { id: other.memberId }, data: { buildEmails: false } });
    expect(await told("FAILED", { branch: "refs/heads/main" })).toEqual([["build.failed", false]]);
    await database.prisma.user.update({ where: { id: other.memberId }, data: { buildEmails: true } });
    await setProfileWatch(asMember, profile.id, "no");
    expect(await profileWatchOf(asMember, profile.id)).toEqual({ watching: false, choice: "no", watchers: 0 });
    expect(await told("FAILED", { branch: "refs/heads/main" })).toEqual([["build.failed", false]]);
    // Another organization's profile cannot be watched.
    await expect(setProfileWatch(admin, profile.id, "yes")).rejects.toMatchObject({ code: "NOT_FOUND" });

    // A failure's notice says which of its failed tests are new: the build before it on main passed them.
    const summary = (failed: string[]) => ({ total: 3, passed: 3 - failed.length, failed: failed.length, skipped: 0, durationMs: 1, reports: 1, failures: failed.map((name) => ({ suite: "S", className: "WalletTests", name, kind: "failure", message: "" })) });
    number += 1;
    await database.prisma.build.create({ data: { organizationId: other.organizationId, profileId: profile.id, number, status: "FAILED", trigger: "PUSH", idempotencyKey: `watch-${number}`, commitId: "f".repeat(40), steps: [], timeoutSeconds: 60, branch: "refs/heads/main", testSummary: summary(["testSync"]), finishedAt: new Date() } });
    number += 1;
    const runId = crypto.randomUUID();
    const red = await database.prisma.build.create({
      data: { organizationId: other.organizationId, profileId: profile.id, number, status: "RUNNING", runId, trigger: "PUSH", idempotencyKey: `watch-${number}`, commitId: "a".repeat(40), steps: [], timeoutSeconds: 60, requestedById: other.memberId, branch: "refs/heads/main", testSummary: summary(["testSync", "testLogin"]) },
    });
    expect(await finishBuild(asAdmin, red.id, runId, { status: "FAILED", reason: null })).toBe(true);
    const notice = await database.prisma.notification.findFirstOrThrow({ where: { organizationId: other.organizationId, data: { path: ["buildId"], equals: red.id } } });
    expect((notice.data as { tests: unknown }).tests).toEqual({ failed: 2, newCases: ["WalletTests › testLogin"], newCount: 1, older: 1, flaky: 0 });
    // The fix after it names the cases it made pass again.
    number += 1;
    const fixRun = crypto.randomUUID();
    const fix = await database.prisma.build.create({
      data: { organizationId: other.organizationId, profileId: profile.id, number, status: "RUNNING", runId: fixRun, trigger: "PUSH", idempotencyKey: `watch-${number}`, commitId: "b".repeat(40), steps: [], timeoutSeconds: 60, requestedById: other.memberId, branch: "refs/heads/main", testSummary: summary([]) },
    });
    expect(await finishBuild(asAdmin, fix.id, fixRun, { status: "SUCCEEDED", reason: null })).toBe(true);
    const fixed = await database.prisma.notification.findFirstOrThrow({ where: { organizationId: other.organizationId, data: { path: ["buildId"], equals: fix.id } } });
    expect(fixed.kind).toBe("build.fixed");
    expect((fixed.data as { passingAgain: unknown }).passingAgain).toEqual({ since: red.number, names: ["WalletTests › testSync", "WalletTests › testLogin"], more: 0 });
  });
});

describe("the builds list's commit filter", () => {
  it("finds the builds of a commit by its id or its start, within the organization", async () => {
    const { listBuilds } = await import("./builds");
    const { buildListQuerySchema } = await import("@/lib/validation/builds");
    const other = await seedOrganization(database, "Commit Filter");
    const scope = testScope(other.organizationId, other.adminId);
    const profile = await database.prisma.buildProfile.create({ data: { organizationId: other.organizationId, name: "Commits", nameKey: "commits", platform: "IOS", projectId: "p", projectName: "P", repositoryId: "r-commits", repositoryName: "R" } });
    // Neighbours in sort order: a prefix must not take the next id (3cf8…) or one it only contains.
    const ids = ["3cf776d979eeff2ae91a5caf181b258aabef83d9", "3cf776d9aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "3cf8000000000000000000000000000000000000", "00003cf776d9000000000000000000000000000f", "3cf776d979eeff2ae91a5caf181b258aabef83d9"];
    for (const [index, commitId] of ids.entries()) {
      await database.prisma.build.create({ data: { organizationId: other.organizationId, profileId: profile.id, number: index + 1, status: "SUCCEEDED", trigger: "MANUAL", idempotencyKey: `commit-filter-${index}`, commitId, steps: [], timeoutSeconds: 60 } });
    }
    const numbers = async (commit: string) => (await listBuilds(scope, { commit: buildListQuerySchema.parse({ commit }).commit!, page: 1, pageSize: 50 })).rows.map((row) => row.number).sort();
    expect(await numbers("3cf776d979eeff2ae91a5caf181b258aabef83d9")).toEqual([1, 5]);
    expect(await numbers("3CF776D9")).toEqual([1, 2, 5]);
    expect(await numbers(" 3cf7 ")).toEqual([1, 2, 5]);
    expect(await numbers("3cf8")).toEqual([3]);
    expect(await numbers("ffff")).toEqual([]);
    // Another organization's build of the same commit is not listed.
    expect((await listBuilds(admin, { commit: "3cf776d9", page: 1, pageSize: 50 })).rows.filter((row) => row.commitId.startsWith("3cf776d9"))).toEqual([]);
    expect(buildListQuerySchema.safeParse({ commit: "3cf" }).error?.issues[0]?.message).toBe("Commit must be 4 to 40 hexadecimal characters: a commit id or its start, such as 3cf776d9");
    expect(buildListQuerySchema.safeParse({ commit: "main" }).success).toBe(false);
  });
});

describe("log retention", () => {
  it("deletes the log lines of builds finished longer ago than the retention, keeps the builds and the newer logs", async () => {
    const { pruneBuildLogs } = await import("./builds");
    // Now: the other tests' builds of this database finished moments ago, well inside the retention.
    const now = new Date();
    const day = 24 * 3_600_000;
    const make = async (number: number, finishedDaysAgo: number | null) => {
      const build = await database.prisma.build.create({
        data: {
          organizationId: seeded.organizationId,
          profileId,
          number: 9_000 + number,
          status: finishedDaysAgo === null ? "RUNNING" : "SUCCEEDED",
          trigger: "MANUAL",
          idempotencyKey: `retention-${number}`,
          commitId: "c".repeat(40),
          steps: [],
          timeoutSeconds: 600,
          startedAt: new Date(now.getTime() - 100 * day),
          finishedAt: finishedDaysAgo === null ? null : new Date(now.getTime() - finishedDaysAgo * day),
          logLines: 2,
        },
      });
      await database.prisma.buildLogLine.createMany({ data: [0, 1].map((seq) => ({ buildId: build.id, seq, step: 0, stream: "OUT" as const, text: `line ${seq}` })) });
      return build.id;
    };
    const old = await make(1, 91);
    const older = await make(2, 400);
    const recent = await make(3, 89);
    const running = await make(4, null);
    expect(await pruneBuildLogs(90, now, 1)).toBe(1);
    // One per call at most: the oldest went first.
    expect(await database.prisma.buildLogLine.count({ where: { buildId: older } })).toBe(0);
    expect(await database.prisma.buildLogLine.count({ where: { buildId: old } })).toBe(2);
    expect(await pruneBuildLogs(90, now)).toBe(1);
    const rows = await database.prisma.build.findMany({ where: { id: { in: [old, older, recent, running] } }, select: { id: true, logDeletedAt: true, logLines: true } });
    expect(Object.fromEntries(rows.map((row) => [row.id, row.logDeletedAt?.toISOString() ?? null]))).toEqual({ [old]: now.toISOString(), [older]: now.toISOString(), [recent]: null, [running]: null });
    expect(await database.prisma.buildLogLine.count({ where: { buildId: { in: [recent, running] } } })).toBe(4);
    // Nothing left to do: a second run touches nothing.
    expect(await pruneBuildLogs(90, now)).toBe(0);
  });
});

describe("keeping a build forever", () => {
  it("admins keep a finished build: retention then deletes neither its log nor its artifacts; letting go hands it back, audited", async () => {
    const { setBuildKept, pruneBuildLogs } = await import("./builds");
    const { pruneArtifacts } = await import("./artifacts");
    const now = new Date();
    const day = 24 * 3_600_000;
    const make = async (number: number, status: "SUCCEEDED" | "FAILED" | "RUNNING") => {
      const build = await database.prisma.build.create({
        data: {
          organizationId: seeded.organizationId,
          profileId,
          number: 9_100 + number,
          status,
          trigger: "MANUAL",
          idempotencyKey: `keep-${number}`,
          commitId: "d".repeat(40),
          steps: [],
          timeoutSeconds: 600,
          startedAt: new Date(now.getTime() - 200 * day),
          finishedAt: status === "RUNNING" ? null : new Date(now.getTime() - 200 * day),
          logLines: 1,
        },
      });
      await database.prisma.buildLogLine.create({ data: { buildId: build.id, seq: 0, step: 0, stream: "OUT", text: "release notes" } });
      await database.prisma.buildArtifact.create({ data: { organizationId: seeded.organizationId, buildId: build.id, path: "out/App.ipa", size: 3n, sha256: "0".repeat(64), complete: true, createdAt: new Date(now.getTime() - 200 * day) } });
      return build.id;
    };
    // A failed release build (no "latest successful" protection), kept; another like it, not kept.
    const release = await make(1, "FAILED");
    const ordinary = await make(2, "FAILED");
    const running = await make(3, "RUNNING");
    const member = testScope(seeded.organizationId, seeded.memberId, "MEMBER");
    await expect(setBuildKept(member, release, true)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(setBuildKept(admin, running, true)).rejects.toMatchObject({ code: "CONFLICT" });
    await setBuildKept(admin, release, true);
    await setBuildKept(admin, release, true);
    expect(await database.prisma.build.findUniqueOrThrow({ where: { id: release } })).toMatchObject({ keptById: seeded.adminId });
    await pruneBuildLogs(90, now);
    await pruneArtifacts(30, now);
    expect(await database.prisma.buildLogLine.count({ where: { buildId: release } })).toBe(1);
    expect(await database.prisma.buildArtifact.count({ where: { buildId: release } })).toBe(1);
    expect(await database.prisma.buildLogLine.count({ where: { buildId: ordinary } })).toBe(0);
    expect(await database.prisma.buildArtifact.count({ where: { buildId: ordinary } })).toBe(0);
    await setBuildKept(admin, release, false);
    await pruneBuildLogs(90, now);
    await pruneArtifacts(30, now);
    expect(await database.prisma.buildLogLine.count({ where: { buildId: release } })).toBe(0);
    const events = await database.prisma.auditEvent.findMany({ where: { targetId: release }, orderBy: { createdAt: "asc" }, select: { action: true } });
    expect(events.map((event) => event.action)).toEqual(["build.kept", "build.unkept"]);
  });
});

describe("build numbers", () => {
  it("admins move the next number up (a team leaving another CI), never down; builds continue from it; audited", async () => {
    const { createBuild, setNextBuildNumber } = await import("./builds");
    const { buildNumberSchema } = await import("@/lib/validation/builds");
    const { randomUUID } = await import("node:crypto");
    const member = testScope(seeded.organizationId, seeded.memberId, "MEMBER");
    const start = async () =>
      (await database.prisma.build.findUniqueOrThrow({
        where: { id: (await createBuild(admin, { profileId, trigger: "MANUAL", idempotencyKey: randomUUID(), commitId: "c".repeat(40), branch: "refs/heads/main", commitMessage: null, commitAuthor: null, steps: [], timeoutSeconds: 600 })).id },
        select: { number: true },
      })).number;
    const { nextBuildNumber: before } = await database.prisma.buildProfile.findUniqueOrThrow({ where: { id: profileId }, select: { nextBuildNumber: true } });

    await expect(setNextBuildNumber(member, profileId, before + 10)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await setNextBuildNumber(admin, profileId, 4_513)).toEqual({ changed: true, next: 4_513 });
    expect(await start()).toBe(4_513);
    expect(await start()).toBe(4_514);
    // The same number again changes nothing; a number already given (or below) is refused, naming the next one, on its field.
    expect(await setNextBuildNumber(admin, profileId, 4_515)).toEqual({ changed: false, next: 4_515 });
    await expect(setNextBuildNumber(admin, profileId, 4_514)).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: "Next build number cannot go down: the next build is already #4515 (#4514 was the last one started). Choose 4515 or more, so that no two builds share a number.",
      details: { field: "nextNumber" },
    });
    expect(await start()).toBe(4_515);
    // Another organization's admin cannot reach the profile.
    const other = await seedOrganization(database, "Numbers Elsewhere");
    await expect(setNextBuildNumber(testScope(other.organizationId, other.adminId), profileId, 9_999)).rejects.toMatchObject({ code: "NOT_FOUND" });
    const events = await database.prisma.auditEvent.findMany({ where: { action: "profile.build_number_set", targetId: profileId }, select: { data: true } });
    expect(events.map((event) => event.data)).toEqual([expect.objectContaining({ from: before, to: 4_513 })]);

    // The form's field: a whole number from 1 to Google Play's largest version code, named in each refusal.
    expect(buildNumberSchema.parse({ nextNumber: " 4513 " })).toEqual({ nextNumber: 4_513 });
    expect(buildNumberSchema.parse({ nextNumber: "2100000000" })).toEqual({ nextNumber: 2_100_000_000 });
    for (const [value, message] of [
      ["", "Next build number must be a whole number, such as 4513."],
      ["12.5", "Next build number must be a whole number, such as 4513."],
      ["-3", "Next build number must be a whole number, such as 4513."],
      ["0", "Next build number must be 1 or more."],
      ["2100000001", "Next build number must be at most 2,100,000,000 (the largest version code Google Play accepts)."],
      ["99999999999", "Next build number must be a whole number, such as 4513."],
    ] as const) {
      expect(buildNumberSchema.safeParse({ nextNumber: value }).error?.issues.map((issue) => issue.message)).toEqual([message]);
    }
  });
});

describe("copying a profile", () => {
  it("copies the workflow with its secrets sealed for the copy, switches the triggers to manual, once per form", async () => {
    const { duplicateProfile } = await import("./profiles");
    const { updateWorkflow, openBuildVariables, getWorkflow } = await import("./builds");
    const { updateProfileTriggers } = await import("./hooks");
    const { saveSecretFile, openSecretFiles } = await import("./secret-files");
    const { randomUUID } = await import("node:crypto");
    await updateWorkflow(admin, profileId, {
      steps: [{ name: "Release", command: "./gradlew bundleRelease" }],
      timeoutMinutes: 50,
      fetchSubmodules: false,
      artifacts: ["app/build/outputs/**/*.aab"],
      pool: "android-sdk",
      variables: [
        { name: "FLAVOR", isSecret: false, value: "release" },
        { name: "STORE_PASSWORD", isSecret: true, value: "hunter2-hunter2" },
      ],
    });
    await saveSecretFile(admin, profileId, { variable: "KEYSTORE", fileName: "release.jks", content: Buffer.from([1, 2, 3]), signing: { kind: "other" } });
    await updateProfileTriggers(admin, profileId, { mode: "automatic", push: { enabled: true, branches: ["main"] }, pullRequest: { enabled: false, branches: [] } });
    const key = randomUUID();
    const copy = await duplicateProfile(admin, profileId, { name: "Wallet release", idempotencyKey: key });
    expect(copy.created).toBe(true);
    expect(await duplicateProfile(admin, profileId, { name: "Wallet release", idempotencyKey: key })).toEqual({ id: copy.id, created: false });
    const workflow = await getWorkflow(admin, copy.id);
    expect(workflow).toMatchObject({ steps: [{ name: "Release", command: "./gradlew bundleRelease" }], timeoutMinutes: 50, fetchSubmodules: false, artifacts: ["app/build/outputs/**/*.aab"], pool: "android-sdk" });
    expect((await openBuildVariables(admin, copy.id)).variables.map((variable) => [variable.name, variable.value])).toEqual([
      ["FLAVOR", "release"],
      ["STORE_PASSWORD", "hunter2-hunter2"],
    ]);
    expect(await openSecretFiles(admin, copy.id)).toEqual([{ variable: "KEYSTORE", fileName: "release.jks", content: Buffer.from([1, 2, 3]) }]);
    const row = await database.prisma.buildProfile.findUniqueOrThrow({ where: { id: copy.id } });
    expect(row.triggers).toMatchObject({ mode: "manual", push: { enabled: true, branches: ["main"] } });
    expect(row).toMatchObject({ badgeKey: null, nextBuildNumber: 1, createdById: seeded.adminId });
    // A name taken is refused; a member may not copy secrets.
    await expect(duplicateProfile(admin, profileId, { name: "wallet RELEASE", idempotencyKey: randomUUID() })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(duplicateProfile(testScope(seeded.organizationId, seeded.memberId, "MEMBER"), profileId, { name: "Member copy", idempotencyKey: randomUUID() })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await database.prisma.auditEvent.count({ where: { action: "profile.created", targetId: copy.id } })).toBe(1);
  });
});

describe("build pools' queues", () => {
  it("places a queued build among the queued builds of its own pool, and counts the waiting per pool", async () => {
    const { buildQueueCounts, queuePosition } = await import("./builds");
    const base = { organizationId: seeded.organizationId, profileId, trigger: "MANUAL" as const, commitId: "b".repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 60 };
    const last = await database.prisma.build.aggregate({ where: { profileId }, _max: { number: true } });
    let number = (last._max.number ?? 0) + 1;
    const queue = async (pool: string) => (await database.prisma.build.create({ data: { ...base, number: number++, idempotencyKey: `pool-${number}`, pool }, select: { id: true } })).id;
    const before = await buildQueueCounts(admin);
    const defaultsBefore = before.byPool.find((entry) => entry.pool === "default") ?? { queued: 0, running: 0 };
    // The place counts every organization's builds of the pool (the workers are shared).
    const everyonesDefaultsBefore = await database.prisma.build.count({ where: { status: "QUEUED", pool: "default" } });
    const mac1 = await queue("macos");
    const standard = await queue("default");
    const mac2 = await queue("macos");
    // Builds of the default pool queued earlier wait for other workers: they do not count for the Mac builds.
    expect(await queuePosition(mac1)).toBe(1);
    expect(await queuePosition(mac2)).toBe(2);
    expect(await queuePosition(standard)).toBe(everyonesDefaultsBefore + 1);
    const after = await buildQueueCounts(admin);
    expect(after.queued).toBe(before.queued + 3);
    expect(after.byPool).toEqual([
      { pool: "default", queued: defaultsBefore.queued + 1, running: defaultsBefore.running },
      { pool: "macos", queued: 2, running: 0 },
    ]);
    // A Mac worker takes the first: the second moves up, and the pool counts one running.
    await database.prisma.build.update({ where: { id: mac1 }, data: { status: "RUNNING" } });
    expect(await queuePosition(mac1)).toBeNull();
    expect(await queuePosition(mac2)).toBe(1);
    expect((await buildQueueCounts(admin)).byPool.find((entry) => entry.pool === "macos")).toEqual({ pool: "macos", queued: 1, running: 1 });
    // An admin pauses the profile: its queued builds hold no place (workers pass them by) and are counted as paused.
    const queuedOfProfile = await database.prisma.build.count({ where: { profileId, status: "QUEUED" } });
    await database.prisma.buildProfile.update({ where: { id: profileId }, data: { pausedAt: new Date() } });
    try {
      expect(await queuePosition(mac2)).toBeNull();
      expect((await buildQueueCounts(admin)).paused).toBe(queuedOfProfile);
    } finally {
      await database.prisma.buildProfile.update({ where: { id: profileId }, data: { pausedAt: null } });
    }
    expect(await queuePosition(mac2)).toBe(1);
    expect((await buildQueueCounts(admin)).paused).toBe(0);
  });
});

describe("build pools without a worker", () => {
  it("tell the organization's admins once per stuck episode, and not while a worker serves the pool", async () => {
    const { noticeStrandedPools } = await import("./builds");
    const last = await database.prisma.build.aggregate({ where: { profileId }, _max: { number: true } });
    const queuedAt = new Date(Date.now() - 20 * 60_000);
    const stuck = await database.prisma.build.create({
      data: { organizationId: seeded.organizationId, profileId, number: (last._max.number ?? 0) + 1, trigger: "MANUAL", idempotencyKey: "stranded-1", commitId: "e".repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 60, pool: "xcode-16", queuedAt },
    });
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    // A live worker builds for the pool: nothing to say.
    expect(await noticeStrandedPools(tenMinutesAgo, ["default", "xcode-16"])).toBe(0);
    expect(await noticeStrandedPools(tenMinutesAgo, ["default"])).toBe(1);
    // The same episode is told once.
    expect(await noticeStrandedPools(tenMinutesAgo, ["default"])).toBe(0);
    const notices = await database.prisma.notification.findMany({ where: { organizationId: seeded.organizationId, kind: "build_pool.stranded" } });
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ recipientIds: [seeded.adminId], data: { pool: "xcode-16", waiting: 1, number: stuck.number, profile: "Wallet" } });
    // Once that build is gone, a later stuck build is a new episode.
    await database.prisma.build.update({ where: { id: stuck.id }, data: { status: "CANCELED" } });
    await database.prisma.build.create({
      data: { organizationId: seeded.organizationId, profileId, number: stuck.number + 1, trigger: "MANUAL", idempotencyKey: "stranded-2", commitId: "e".repeat(40), steps: [], timeoutSeconds: 60, pool: "xcode-16", queuedAt },
    });
    expect(await noticeStrandedPools(tenMinutesAgo, ["default"])).toBe(1);
  });
});

describe("profiles paused for a day", () => {
  it("tell the organization's admins once per pause, with who paused them, why and how many builds wait", async () => {
    const { noticeLongPauses } = await import("./builds");
    const dayAgo = new Date(Date.now() - 24 * 3_600_000);
    const pausedAt = new Date(Date.now() - 25 * 3_600_000);
    await database.prisma.buildProfile.update({ where: { id: profileId }, data: { pausedAt, pausedById: seeded.adminId, pauseReason: "Xcode 17 upgrade" } });
    try {
      const queued = await database.prisma.build.count({ where: { profileId, status: "QUEUED" } });
      // Paused for an hour only: nothing to say yet.
      expect(await noticeLongPauses(new Date(Date.now() - 26 * 3_600_000))).toBe(0);
      expect(await noticeLongPauses(dayAgo)).toBe(1);
      expect(await noticeLongPauses(dayAgo)).toBe(0);
      const notices = await database.prisma.notification.findMany({ where: { organizationId: seeded.organizationId, kind: "profile.paused_long" } });
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatchObject({ recipientIds: [seeded.adminId], data: { profileId, profile: "Wallet", since: pausedAt.toISOString(), reason: "Xcode 17 upgrade", queued } });
      // Resumed and paused again: a new pause, told again a day later.
      await database.prisma.buildProfile.update({ where: { id: profileId }, data: { pausedAt: new Date(pausedAt.getTime() + 1_000) } });
      expect(await noticeLongPauses(dayAgo)).toBe(1);
    } finally {
      await database.prisma.buildProfile.update({ where: { id: profileId }, data: { pausedAt: null, pausedById: null, pauseReason: null } });
    }
    expect(await noticeLongPauses(dayAgo)).toBe(0);
  });
});

describe("finding lines in a build's log", () => {
  it("finds text in any case, takes % and _ as themselves, counts every match, and reads only the organization's builds", async () => {
    const { searchLogLines } = await import("./builds");
    const last = await database.prisma.build.aggregate({ where: { profileId }, _max: { number: true } });
    const build = await database.prisma.build.create({
      data: { organizationId: seeded.organizationId, profileId, number: (last._max.number ?? 0) + 1, trigger: "MANUAL", idempotencyKey: "log-search", commitId: "c".repeat(40), branch: "refs/heads/main", steps: [], timeoutSeconds: 60, status: "FAILED" },
    });
    const texts = ["> Task :app:compileDebugKotlin", "e: Wallet.kt:12: Unresolved reference: balance", "warning: 100% of _tests_ skipped", "BUILD FAILED in 41s", "e: Wallet.kt:30: Type mismatch"];
    await database.prisma.buildLogLine.createMany({ data: texts.map((text, seq) => ({ buildId: build.id, seq, step: 1, stream: "OUT" as const, text })) });
    expect(await searchLogLines(admin, build.id, "wallet.KT", 100)).toEqual({
      total: 2,
      matches: [
        { seq: 1, step: 1, text: texts[1] },
        { seq: 4, step: 1, text: texts[4] },
      ],
    });
    // No wildcards: "%" and "_" match only themselves.
    expect((await searchLogLines(admin, build.id, "100%", 100)).matches.map((match) => match.seq)).toEqual([2]);
    expect((await searchLogLines(admin, build.id, "_tests_", 100)).total).toBe(1);
    expect((await searchLogLines(admin, build.id, "a_p", 100)).total).toBe(0);
    // The first `limit` in order, and the count of all.
    expect(await searchLogLines(admin, build.id, "e", 2)).toMatchObject({ total: 5, matches: [{ seq: 0 }, { seq: 1 }] });
    // Another organization finds nothing, as for a made-up id.
    const other = await database.prisma.organization.create({ data: { name: "Elsewhere" }, select: { id: true } });
    expect(await searchLogLines(testScope(other.id, seeded.adminId), build.id, "wallet", 100)).toEqual({ total: 0, matches: [] });
  });
});

describe("the builds list's search", () => {
  it("finds builds by words of their commit message or their author's name, with wildcards taken literally, within the organization", async () => {
    const { listBuilds } = await import("./builds");
    const other = await seedOrganization(database, "Commit Search");
    const scope = testScope(other.organizationId, other.adminId);
    const profile = await database.prisma.buildProfile.create({ data: { organizationId: other.organizationId, name: "Search", nameKey: "search", platform: "IOS", projectId: "p", projectName: "P", repositoryId: "r-search", repositoryName: "R" } });
    const commits: Array<[string | null, string | null]> = [
      ["Fix the login crash on iPad", "Ada Lovelace"],
      ["Bump version to 2.4.0", "Release Bot"],
      ["Speed up LOGIN screen", "Grace Hopper"],
      ["Coverage at 100% for Wallet_Core", "Ada Lovelace"],
      [null, null],
    ];
    for (const [index, [commitMessage, commitAuthor]] of commits.entries()) {
      await database.prisma.build.create({ data: { organizationId: other.organizationId, profileId: profile.id, number: index + 1, status: "SUCCEEDED", trigger: "MANUAL", idempotencyKey: `commit-search-${index}`, commitId: "a".repeat(40), commitMessage, commitAuthor, steps: [], timeoutSeconds: 60 } });
    }
    const numbers = async (q: string, extra: { mine?: { userId: string; email: string } } = {}) => (await listBuilds(scope, { q, ...extra, page: 1, pageSize: 50 })).rows.map((row) => row.number).sort();
    expect(await numbers("login")).toEqual([1, 3]);
    expect(await numbers("ada")).toEqual([1, 4]);
    expect(await numbers("100%")).toEqual([4]);
    expect(await numbers("wallet_core")).toEqual([4]);
    // % and _ are not wildcards: "1_0" does not match "100".
    expect(await numbers("1_0")).toEqual([]);
    // With "Mine" too (its own OR): both apply.
    expect(await numbers("login", { mine: { userId: other.adminId, email: "nobody@example.com" } })).toEqual([]);
    // Another organization's builds are not searched.
    expect((await listBuilds(admin, { q: "login crash", page: 1, pageSize: 50 })).rows).toEqual([]);
  });
});

describe("a build whose worker is lost", () => {
  it("is ended as an error by the sweeper and, when its profile asks, started again once — same commit and settings — with only webhooks hearing of the lost one", async () => {
    const { sweepBuilds, endChange } = await import("./builds");
    const other = await seedOrganization(database);
    const profile = await database.prisma.buildProfile.create({
      data: { organizationId: other.organizationId, name: "Spot", nameKey: "spot", platform: "IOS", projectId: "p", projectName: "P", repositoryId: "r-spot", repositoryName: "R", retryLostBuilds: true, nextBuildNumber: 1 },
    });
    // An outgoing webhook for queued and finished builds (never sent here: its deliveries are rows).
    const hook = await database.prisma.outgoingWebhook.create({ data: { organizationId: other.organizationId, name: "Dashboard", urlSealed: "sealed", host: "hooks.example.test", secretSealed: "sealed", events: ["build.queued", "build.finished"] } });
    const quiet = new Date(Date.now() - 10 * 60_000);
    const running = async (extra: Record<string, unknown> = {}) => {
      const number = (await database.prisma.buildProfile.update({ where: { id: profile.id }, data: { nextBuildNumber: { increment: 1 } } })).nextBuildNumber - 1;
      return database.prisma.build.create({
        data: {
          organizationId: other.organizationId, profileId: profile.id, number, status: "RUNNING", trigger: "PULL_REQUEST", idempotencyKey: `spot-${number}`, commitId: "c".repeat(40), branch: "refs/heads/feature/pay", pullRequestId: 7, pullRequestIteration: 2, sourceRef: "refs/heads/feature/pay", targetRef: "refs/heads/main",
          commitMessage: "Pay with a card", commitAuthor: "Ana", parameters: [{ name: "FLAVOR", value: "qa" }], steps: [{ name: "Build", command: "make" }], timeoutSeconds: 900, pool: "macos", cachePaths: ["Pods"], cacheKeyFiles: ["Podfile.lock"], artifactPatterns: ["*.ipa"],
          requestedById: other.memberId, startedAt: quiet, heartbeatAt: quiet, runId: crypto.randomUUID(), workerHost: "spot-1", workerPid: 7, logLines: 3, ...extra,
        },
      });
    };
    const sweep = async () => (await sweepBuilds(new Date(Date.now() - 60_000), new Date(0))).lost.filter((build) => build.organizationId === other.organizationId);
    const logOf = async (id: string) => (await database.prisma.buildLogLine.findMany({ where: { buildId: id }, orderBy: { seq: "asc" } })).map((line) => [line.seq, line.text]);

    // A fork's pull request built without the profile's secrets: its retry is too (nobody read the change since).
    const lost = await running({ secretsWithheld: true });
    const [swept] = await sweep();
    const retry = await database.prisma.build.findUniqueOrThrow({ where: { retryOfId: lost.id } });
    expect(swept).toEqual({ id: lost.id, organizationId: other.organizationId, requestedById: other.memberId, retry: { id: retry.id, pool: "macos" } });
    expect(retry).toMatchObject({
      number: 2, status: "QUEUED", trigger: "PULL_REQUEST", commitId: "c".repeat(40), branch: "refs/heads/feature/pay", pullRequestId: 7, pullRequestIteration: 2, targetRef: "refs/heads/main", commitMessage: "Pay with a card",
      parameters: [{ name: "FLAVOR", value: "qa" }], steps: [{ name: "Build", command: "make" }], timeoutSeconds: 900, pool: "macos", cachePaths: ["Pods"], cacheKeyFiles: ["Podfile.lock"], artifactPatterns: ["*.ipa"], requestedById: other.memberId, workerLostAt: null,
      secretsWithheld: true,
    });
    expect((await database.prisma.buildStep.findMany({ where: { buildId: retry.id }, orderBy: { index: "asc" } })).map((step) => step.name)).toEqual(["Fetch commit", "Build"]);
    const ended = await database.prisma.build.findUniqueOrThrow({ where: { id: lost.id } });
    expect(ended).toMatchObject({ status: "ERROR", logLines: 5 });
    expect(ended.workerLostAt).not.toBeNull();
    expect(ended.statusReason).toMatch(/^Keel lost the worker running this build \(spot-1, process 7\).* Keel started it again as #2: the profile starts a build again once when its worker is lost\.$/);
    // The log goes on where the worker left it.
    expect(await logOf(lost.id)).toEqual([
      [3, "Keel lost the worker running this build; marked as an error. It stopped without finishing, killed or its machine gone."],
      [4, "Keel started it again as #2: the profile starts a build again once when its worker is lost."],
    ]);
    // Azure DevOps hears of the retry (queued: a commit status and the pull request's), not of the lost build's error.
    expect(await database.prisma.buildReport.count({ where: { buildId: lost.id } })).toBe(0);
    expect((await database.prisma.buildReport.findMany({ where: { buildId: retry.id }, orderBy: { seq: "asc" } })).map((report) => [report.kind, report.buildStatus])).toEqual([["COMMIT_STATUS", "QUEUED"], ["PR_STATUS", "QUEUED"]]);
    // Outgoing webhooks hear that it ended, and which build goes on in its place; then that the retry was queued.
    const deliveries = async (buildId: string) => database.prisma.outgoingDelivery.findMany({ where: { webhookId: hook.id, buildId }, select: { event: true, payload: true } });
    expect(await deliveries(lost.id)).toMatchObject([
      { event: "build.finished", payload: { build: { status: "ERROR", branch: "feature/pay", pullRequest: 7, targetBranch: "main", secretsWithheld: true, workerLost: true, retriedAs: { id: retry.id, number: 2 }, retryOf: null } } },
    ]);
    expect(await deliveries(retry.id)).toMatchObject([{ event: "build.queued", payload: { build: { secretsWithheld: true, workerLost: false, retriedAs: null, retryOf: { id: lost.id, number: 1 } } } }]);
    const audit = await database.prisma.auditEvent.findFirstOrThrow({ where: { action: "build.started", targetId: retry.id } });
    // Keel's sweeper did it, on behalf of whoever started the lost build.
    expect(audit).toMatchObject({ actorKind: "SYSTEM", actorJob: "builds.sweep", actorId: other.memberId, data: { number: 2, retryOf: lost.id } });
    // A second sweep finds nothing more to do.
    expect(await sweep()).toEqual([]);
    expect(await database.prisma.build.count({ where: { profileId: profile.id } })).toBe(2);
    // The retry succeeds: that fixes nothing (the lost build said nothing about the code).
    expect(await endChange(database.prisma as never, retry, "SUCCEEDED")).toBeNull();

    // The retry loses its worker too: ended, not started a third time, saying why.
    await database.prisma.build.update({ where: { id: retry.id }, data: { status: "RUNNING", startedAt: quiet, heartbeatAt: quiet, runId: crypto.randomUUID() } });
    expect(await sweep()).toMatchObject([{ id: retry.id, retry: null }]);
    expect((await logOf(retry.id)).at(-1)?.[1]).toMatch(/^Not started again: it was itself the start-again of a build whose worker was lost, and Keel tries once/);
    // Not after a cancel someone asked for, nor with a newer build of its pull request there.
    const canceled = await running({ cancelRequestedAt: new Date() });
    expect(await sweep()).toMatchObject([{ id: canceled.id, retry: null }]);
    const older = await running();
    await running({ status: "QUEUED", heartbeatAt: null, idempotencyKey: "spot-newer" });
    expect(await sweep()).toMatchObject([{ id: older.id, retry: null }]);
    expect((await logOf(older.id)).at(-1)?.[1]).toBe(`Not started again: #${older.number + 1}, a newer build of pull request 7, is already there.`);
    // A profile that does not ask: the build ends as an error, and the log says how to have it started again.
    await database.prisma.buildProfile.update({ where: { id: profile.id }, data: { retryLostBuilds: false } });
    const plain = await running({ pullRequestId: null, trigger: "PUSH", branch: "refs/heads/release/1.2" });
    expect(await sweep()).toMatchObject([{ id: plain.id, retry: null }]);
    expect((await logOf(plain.id)).at(-1)?.[1]).toBe("Start the build again — or let the profile do that by itself: Edit workflow → “Start again when its worker is lost”.");
    expect((await database.prisma.buildReport.findMany({ where: { buildId: plain.id } })).map((report) => [report.kind, report.buildStatus])).toEqual([["COMMIT_STATUS", "ERROR"]]);
    // Five builds the test made, and the one retry.
    expect(await database.prisma.build.count({ where: { profileId: profile.id } })).toBe(6);
  });
});

describe("exporting builds", () => {
  it("reads the filtered builds newest first in batches that meet exactly — equal queue times included — within the days asked and the organization", async () => {
    const { exportBuilds, listBuilds } = await import("./builds");
    const other = await seedOrganization(database, "Build Export");
    const scope = testScope(other.organizationId, other.adminId);
    const profile = await database.prisma.buildProfile.create({ data: { organizationId: other.organizationId, name: "Export", nameKey: "export", platform: "IOS", projectId: "p", projectName: "P", repositoryId: "r-export", repositoryName: "R" } });
    // Twelve builds: four on each of Nov 30, Dec 1 and Dec 2 (UTC), the three last of each day queued at the same instant.
    let number = 0;
    for (const day of ["2026-11-30", "2026-12-01", "2026-12-02"]) {
      for (const time of ["08:00:00", "23:59:59", "23:59:59", "23:59:59"]) {
        number += 1;
        await database.prisma.build.create({
          data: { organizationId: other.organizationId, profileId: profile.id, number, status: number % 3 === 0 ? "FAILED" : "SUCCEEDED", trigger: "PUSH", idempotencyKey: `export-${number}`, commitId: "d".repeat(40), steps: [], timeoutSeconds: 60, queuedAt: new Date(`${day}T${time}Z`) },
        });
      }
    }
    const everything = async (filter: Parameters<typeof exportBuilds>[1], batch: number) => {
      const numbers: number[] = [];
      let cursor: Parameters<typeof exportBuilds>[2] = null;
      let batches = 0;
      do {
        const page: Awaited<ReturnType<typeof exportBuilds>> = await exportBuilds(scope, filter, cursor, batch);
        numbers.push(...page.rows.map((row) => row.number));
        cursor = page.next;
        batches += 1;
      } while (cursor);
      return { numbers, batches };
    };
    // Batches of 5 and of 4 (the last one full: one more read, empty) give the list's order, each build once.
    const listed = (await listBuilds(scope, { page: 1, pageSize: 50 })).rows.map((row) => row.number);
    expect(listed).toHaveLength(12);
    expect(await everything({}, 5)).toEqual({ numbers: listed, batches: 3 });
    expect(await everything({}, 4)).toEqual({ numbers: listed, batches: 4 });
    // Dec 1 from its first second to its last: the "to" day is included whole.
    const { dayFilterField } = await import("@/lib/validation/form");
    const from = dayFilterField("From", false).parse("2026-12-01");
    const to = dayFilterField("To", true).parse("2026-12-01");
    expect((await everything({ from, to }, 2)).numbers.sort((a, b) => a - b)).toEqual([5, 6, 7, 8]);
    expect((await everything({ from, to, status: "FAILED" }, 2)).numbers).toEqual([6]);
    expect((await listBuilds(scope, { from, page: 1, pageSize: 50 })).total).toBe(8);
    // Another organization's export has none of these.
    expect((await exportBuilds(admin, { from: new Date("2026-11-30T00:00:00Z"), to: new Date("2026-12-03T00:00:00Z") }, null, 100)).rows.filter((row) => row.profile.name === "Export")).toEqual([]);
  });
});

describe("a queued build's likely start", () => {
  it("counts from the pool's running builds and the builds ahead, each at its profile's usual time; no guess without a worker or for a one-at-a-time profile", async () => {
    const { expectedStarts, getBuildState } = await import("./builds");
    const other = await seedOrganization(database, "Queue Estimate");
    const scope = testScope(other.organizationId, other.adminId);
    const pool = `eta-${crypto.randomUUID().slice(0, 8)}`;
    const profileOf = async (name: string) =>
      database.prisma.buildProfile.create({ data: { organizationId: other.organizationId, name, nameKey: name.toLowerCase(), platform: "IOS", projectId: "p", projectName: "P", repositoryId: `r-${name}`, repositoryName: "R", buildPool: pool } });
    const app = await profileOf("EtaApp");
    const sdk = await profileOf("EtaSdk");
    let number = 0;
    const build = async (profileId: string, data: Record<string, unknown>) =>
      database.prisma.build.create({ data: { organizationId: other.organizationId, profileId, number: ++number, trigger: "PUSH", idempotencyKey: `eta-${number}`, commitId: "e".repeat(40), steps: [], timeoutSeconds: 3_600, pool, ...data } });
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    // The app usually takes 10 min (three successes; its failure of 1 min does not count), the SDK 20 min.
    for (const [profileId, minutes] of [[app.id, 10], [app.id, 10], [app.id, 10], [sdk.id, 20], [sdk.id, 20], [sdk.id, 20]] as const) {
      await build(profileId, { status: "SUCCEEDED", queuedAt: minutesAgo(200), startedAt: minutesAgo(100 + minutes), finishedAt: minutesAgo(100) });
    }
    await build(app.id, { status: "FAILED", queuedAt: minutesAgo(150), startedAt: minutesAgo(150), finishedAt: minutesAgo(149) });
    // In whole minutes from now (the moment is kept to 10 s).
    const minutesTo = (at: string | null | undefined) => (at === null || at === undefined ? null : Math.round((Date.parse(at) - Date.now()) / 60_000));
    const estimate = async (id: string) => minutesTo((await getBuildState(scope, id))!.expectedStartAt);

    // Nothing runs in the pool: no worker, no guess.
    const first = await build(app.id, { status: "QUEUED", queuedAt: minutesAgo(3) });
    expect(await estimate(first.id)).toBeNull();
    // One worker, on an app build 4 min in (free in 6); an SDK build (20) then the app build (10) wait ahead of the last.
    await build(app.id, { status: "RUNNING", queuedAt: minutesAgo(5), startedAt: minutesAgo(4) });
    await database.prisma.build.update({ where: { id: first.id }, data: { profileId: sdk.id } });
    const second = await build(app.id, { status: "QUEUED", queuedAt: minutesAgo(2) });
    const last = await build(app.id, { status: "QUEUED", queuedAt: minutesAgo(1) });
    expect(await estimate(first.id)).toBe(6);
    expect(await estimate(second.id)).toBe(26);
    expect(await estimate(last.id)).toBe(36);
    // A list's builds in one statement, as their pages say (in any order; a finished build gets none).
    const listed = await expectedStarts([last.id, first.id, second.id, (await database.prisma.build.findFirstOrThrow({ where: { pool, status: "SUCCEEDED" } })).id]);
    expect([first, second, last].map((queued) => minutesTo(listed.get(queued.id)))).toEqual([6, 26, 36]);
    expect(listed.size).toBe(3);
    // A build of a profile that runs one at a time waits for its own profile's build: no guess.
    await database.prisma.buildProfile.update({ where: { id: app.id }, data: { oneAtATime: true } });
    expect(await estimate(last.id)).toBeNull();
    expect(await estimate(first.id)).toBe(6);
    expect([...(await expectedStarts([first.id, last.id])).keys()]).toEqual([first.id]);
    // A running build is not queued: nothing to estimate.
    expect((await getBuildState(scope, (await database.prisma.build.findFirstOrThrow({ where: { pool, status: "RUNNING" } })).id))!.expectedStartAt).toBeNull();
  });
});
