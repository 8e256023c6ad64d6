import { describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { walletProfileSuite } from "@/lib/repositories/test-support";
import { testScope } from "@/lib/testing/scopes";

// What admins changed in Keel between a build's last good build and it (lib/data/builds.ts,
// keelChangesSince), from audit events written straight into a test database.

const suite = walletProfileSuite();
const at = (iso: string) => new Date(iso);

describe("changes in Keel since the last good build", () => {
  it("lists the profile's workflow changes and its variable groups' between the two builds, oldest first, and nothing else", async () => {
    const { keelChangesSince, previousGoodBuild } = await import("./builds");
    const { database, seeded, profileId, admin } = suite;
    const prisma = database.prisma;
    const build = (number: number, status: "SUCCEEDED" | "FAILED", queuedAt: string) =>
      prisma.build.create({
        data: { organizationId: seeded.organizationId, profileId, number, trigger: "PUSH", idempotencyKey: `keel-changes-${number}`, commitId: String(number).repeat(40).slice(0, 40), branch: "refs/heads/main", steps: [], timeoutSeconds: 600, status, queuedAt: at(queuedAt), finishedAt: at(queuedAt) },
        select: { id: true, number: true, profileId: true, commitId: true, branch: true, tag: true, pullRequestId: true, queuedAt: true },
      });
    const event = (action: string, createdAt: string, target: { type: string; id: string }, data: object = {}) =>
      prisma.auditEvent.create({ data: { organizationId: seeded.organizationId, actorId: seeded.adminId, action, targetType: target.type, targetId: target.id, data, createdAt: at(createdAt) } });
    const profile = { type: "build_profile", id: profileId };
    const used = await prisma.variableGroup.create({ data: { organizationId: seeded.organizationId, name: "Signing", nameKey: "signing", idempotencyKey: randomUUID() }, select: { id: true } });
    const unused = await prisma.variableGroup.create({ data: { organizationId: seeded.organizationId, name: "Other", nameKey: "other", idempotencyKey: randomUUID() }, select: { id: true } });
    await prisma.profileVariableGroup.create({ data: { organizationId: seeded.organizationId, profileId, groupId: used.id } });

    const good = await build(1, "SUCCEEDED", "2026-12-01T10:00:00Z");
    await event("workflow.updated", "2026-12-01T09:00:00Z", profile, { changed: ["timeLimit"], timeoutMinutes: 30, timeoutMinutesBefore: 20 });
    await event("workflow.updated", "2026-12-02T09:00:00Z", profile, { changed: ["steps"], steps: ["Build", "Lint"], stepsBefore: ["Build"] });
    await event("variable_group.updated", "2026-12-02T10:00:00Z", { type: "variable_group", id: used.id }, { name: "Signing", changed: ["variables"], variables: { STORE_PASSWORD: "secret replaced" } });
    await event("variable_group.updated", "2026-12-02T10:30:00Z", { type: "variable_group", id: unused.id }, { name: "Other", changed: ["variables"] });
    await event("workflow.secret_file_saved", "2026-12-02T11:00:00Z", profile, { variable: "KEYSTORE", fileName: "upload.jks" });
    // The profile's connection got a new token; its routine check is not a change.
    const { connectionId } = await prisma.buildProfile.findUniqueOrThrow({ where: { id: profileId }, select: { connectionId: true } });
    await event("connection.token_replaced", "2026-12-02T11:10:00Z", { type: "connection", id: connectionId! }, { name: "Fabrikam", tokenLastFour: "abcd" });
    await event("connection.checked", "2026-12-02T11:20:00Z", { type: "connection", id: connectionId! }, { ok: true });
    // Its builds no longer get the secrets on every branch.
    await event("workflow.secrets_for", "2026-12-02T11:25:00Z", profile, { name: "Wallet", secretsFor: "builds of main" });
    // Not what the build does: the triggers and the chat channel.
    await event("profile.triggers_updated", "2026-12-02T11:30:00Z", profile);
    await event("profile.chat_updated", "2026-12-02T11:40:00Z", profile);
    const broken = await build(2, "FAILED", "2026-12-03T10:00:00Z");
    await event("workflow.updated", "2026-12-03T11:00:00Z", profile, { changed: ["pool"], pool: "macos", poolBefore: "default" });

    const baseline = await previousGoodBuild(admin, broken);
    expect(baseline).toMatchObject({ id: good.id, number: 1 });
    const found = await keelChangesSince(admin, broken, baseline);
    expect(found?.since).toEqual({ id: good.id, number: 1 });
    expect(found?.more).toBe(false);
    expect(found?.changes.map((change) => [change.action, change.at.toISOString(), change.actor])).toEqual([
      ["workflow.updated", "2026-12-02T09:00:00.000Z", expect.any(String)],
      ["variable_group.updated", "2026-12-02T10:00:00.000Z", expect.any(String)],
      ["workflow.secret_file_saved", "2026-12-02T11:00:00.000Z", expect.any(String)],
      ["connection.token_replaced", "2026-12-02T11:10:00.000Z", expect.any(String)],
      ["workflow.secrets_for", "2026-12-02T11:25:00.000Z", expect.any(String)],
    ]);
    expect(found?.changes[1]?.data).toMatchObject({ name: "Signing" });
    // Without a good build before it there is nothing to compare with; another organization sees nothing.
    expect(await keelChangesSince(admin, good, await previousGoodBuild(admin, good))).toBeNull();
    const other = await prisma.organization.create({ data: { name: "Elsewhere, changes" }, select: { id: true } });
    expect((await keelChangesSince(testScope(other.id, seeded.adminId), broken, baseline))?.changes).toEqual([]);
  });
});
