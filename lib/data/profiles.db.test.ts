import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@/lib/testing/db";
import { pickerTestDatabase, seedConnection, seedOrganization, type Seeded } from "@/lib/repositories/test-support";
import { testScope } from "@/lib/testing/scopes";

// The build-profile data layer on a real PostgreSQL: one transaction per create, idempotent
// under concurrent double submits, names unique per organization (case- and form-insensitive),
// deletes only by the creator or an admin, everything audited.

let database: TestDatabase;
let seeded: Seeded;
let connectionId: string;

beforeAll(async () => {
  database = await pickerTestDatabase();
  seeded = await seedOrganization(database);
  connectionId = (await seedConnection(database, seeded, { origin: "https://dev.azure.com", collection: "fabrikam", token: "x".repeat(52) })).id;
});

afterAll(async () => {
  await database?.drop();
});

function newProfile(overrides: Partial<{ name: string; idempotencyKey: string; repositoryId: string }> = {}) {
  return {
    connectionId,
    name: overrides.name ?? `Profile ${randomUUID().slice(0, 8)}`,
    platform: "IOS" as const,
    projectId: randomUUID(),
    projectName: "MOBILE_IOS",
    repositoryId: overrides.repositoryId ?? randomUUID(),
    repositoryName: "Wallet App",
    defaultBranch: "refs/heads/main",
    remoteUrl: "https://fabrikam@dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App",
    sshUrl: "git@ssh.dev.azure.com:v3/fabrikam/MOBILE_IOS/Wallet%20App",
    webUrl: "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App",
    idempotencyKey: overrides.idempotencyKey ?? randomUUID(),
  };
}

describe("build profiles", () => {
  it("creates one row and one audit event even when the same form is submitted five times at once", async () => {
    const { createProfile } = await import("./profiles");
    const input = newProfile();
    const scope = testScope(seeded.organizationId, seeded.memberId, "MEMBER");
    const results = await Promise.all(Array.from({ length: 5 }, () => createProfile(scope, input)));
    expect(new Set(results.map((result) => result.id)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await database.prisma.buildProfile.count({ where: { idempotencyKey: input.idempotencyKey } })).toBe(1);
    const audits = await database.prisma.auditEvent.findMany({ where: { action: "profile.created", targetId: results[0]!.id } });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorId: seeded.memberId, organizationId: seeded.organizationId });
    expect(audits[0]!.data).toMatchObject({ name: input.name, repositoryName: "Wallet App", platform: "IOS" });
  });

  it("refuses a second profile whose name differs only in case or Unicode form, and writes nothing", async () => {
    const { createProfile } = await import("./profiles");
    const scope = testScope(seeded.organizationId, seeded.adminId);
    await createProfile(scope, newProfile({ name: "Café Wallet" }));
    const before = await database.prisma.auditEvent.count();
    // "CAFE\u0301 WALLET": upper case, with the accent as a combining character (NFD).
    await expect(createProfile(scope, newProfile({ name: "CAFE\u0301 WALLET" }))).rejects.toMatchObject({ code: "CONFLICT", details: { field: "name" } });
    expect(await database.prisma.buildProfile.count({ where: { organizationId: seeded.organizationId, nameKey: "café wallet" } })).toBe(1);
    expect(await database.prisma.auditEvent.count()).toBe(before);
  });

  it("allows the same name in another organization", async () => {
    const { createProfile } = await import("./profiles");
    const other = await seedOrganization(database, "Contoso");
    const otherConnection = await seedConnection(database, other, { origin: "https://dev.azure.com", collection: "contoso", token: "y".repeat(52) });
    await createProfile(testScope(seeded.organizationId, seeded.adminId), newProfile({ name: "Shared Name" }));
    const created = await createProfile(testScope(other.organizationId, other.adminId), { ...newProfile({ name: "Shared Name" }), connectionId: otherConnection.id });
    expect(created.created).toBe(true);
  });

  it("refuses a connection of another organization", async () => {
    const { createProfile } = await import("./profiles");
    const other = await seedOrganization(database, "Northwind");
    await expect(createProfile(testScope(other.organizationId, other.adminId), newProfile())).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await database.prisma.buildProfile.count({ where: { organizationId: other.organizationId } })).toBe(0);
  });

  it("lets the creator and admins delete, refuses other members, and audits the delete", async () => {
    const { createProfile, deleteProfile } = await import("./profiles");
    const author = testScope(seeded.organizationId, seeded.memberId, "MEMBER");
    const otherMember = await database.prisma.user.create({
      data: { email: `other-${randomUUID().slice(0, 6)}@example.com`, name: "Other Member", passwordHash: "x", memberships: { create: { organizationId: seeded.organizationId, role: "MEMBER" } } },
    });
    const mine = await createProfile(author, newProfile());
    await expect(deleteProfile(testScope(seeded.organizationId, otherMember.id, "MEMBER"), mine.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await database.prisma.buildProfile.count({ where: { id: mine.id } })).toBe(1);
    await deleteProfile(author, mine.id);
    expect(await database.prisma.buildProfile.count({ where: { id: mine.id } })).toBe(0);
    expect(await database.prisma.auditEvent.count({ where: { action: "profile.deleted", targetId: mine.id, actorId: seeded.memberId } })).toBe(1);

    const theirs = await createProfile(author, newProfile());
    await deleteProfile(testScope(seeded.organizationId, seeded.adminId), theirs.id);
    expect(await database.prisma.buildProfile.count({ where: { id: theirs.id } })).toBe(0);
    // Deleting again (a second click) is a clear NOT_FOUND, not a second audit event.
    await expect(deleteProfile(testScope(seeded.organizationId, seeded.adminId), theirs.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await database.prisma.auditEvent.count({ where: { action: "profile.deleted", targetId: theirs.id } })).toBe(1);
  });

  it("searches, filters and sorts the list, with LIKE wildcards taken literally", async () => {
    const { createProfile, listProfiles } = await import("./profiles");
    const scope = testScope(seeded.organizationId, seeded.adminId);
    const tag = randomUUID().slice(0, 6);
    await createProfile(scope, { ...newProfile({ name: `zeta ${tag}` }), platform: "ANDROID" });
    await createProfile(scope, { ...newProfile({ name: `Alpha ${tag}` }), platform: "FLUTTER" });
    await createProfile(scope, { ...newProfile({ name: `100% ${tag}` }), platform: "FLUTTER" });
    const base = { sort: "name" as const, order: "asc" as const, page: 1, pageSize: 50 };
    const all = await listProfiles(scope, { ...base, q: tag });
    expect(all.rows.map((row) => row.name)).toEqual([`100% ${tag}`, `Alpha ${tag}`, `zeta ${tag}`]);
    const descending = await listProfiles(scope, { ...base, q: tag, order: "desc" });
    expect(descending.rows.map((row) => row.name)).toEqual([`zeta ${tag}`, `Alpha ${tag}`, `100% ${tag}`]);
    const flutter = await listProfiles(scope, { ...base, q: tag, platform: "FLUTTER" });
    expect(flutter.total).toBe(2);
    const percent = await listProfiles(scope, { ...base, q: "100%" });
    expect(percent.rows.map((row) => row.name)).toEqual([`100% ${tag}`]);
  });

  it("shows the profiles red on their default branch: its newest build that passed or failed, not a pull request's, a cancel or an error", async () => {
    const { createProfile, listProfiles, redAmong } = await import("./profiles");
    const scope = testScope(seeded.organizationId, seeded.adminId);
    const tag = randomUUID().slice(0, 6);
    const make = async (name: string, builds: Array<["SUCCEEDED" | "FAILED" | "TIMED_OUT" | "CANCELED" | "ERROR", string, number?]>, defaultBranch: string | null = "refs/heads/main") => {
      const profile = await createProfile(scope, { ...newProfile({ name: `${name} ${tag}` }), defaultBranch });
      for (const [index, [status, branch, pullRequestId]] of builds.entries()) {
        await database.prisma.build.create({
          data: { organizationId: seeded.organizationId, profileId: profile.id, number: index + 1, status, trigger: "PUSH", idempotencyKey: `red-${profile.id}-${index}`, commitId: "c".repeat(40), branch: `refs/heads/${branch}`, pullRequestId: pullRequestId ?? null, steps: [], timeoutSeconds: 600, finishedAt: new Date() },
        });
      }
      return profile.id;
    };
    const broken = await make("Broken", [["SUCCEEDED", "main"], ["FAILED", "main"]]);
    await make("Timed out, then canceled", [["TIMED_OUT", "main"], ["CANCELED", "main"], ["ERROR", "main"]]);
    const fixed = await make("Fixed", [["FAILED", "main"], ["SUCCEEDED", "main"]]);
    // Red elsewhere only: a pull request into main and a feature branch.
    await make("Green main", [["SUCCEEDED", "main"], ["FAILED", "main", 7], ["FAILED", "feature/x"]]);
    await make("No builds", []);
    await make("No default branch", [["FAILED", "main"]], null);
    const base = { sort: "name" as const, order: "asc" as const, page: 1, pageSize: 50, q: tag };
    expect((await listProfiles(scope, base)).total).toBe(6);
    const red = await listProfiles(scope, { ...base, red: true });
    expect(red.rows.map((row) => row.name)).toEqual([`Broken ${tag}`, `Timed out, then canceled ${tag}`]);
    expect(red.total).toBe(2);
    // A page of the list marks its red rows: only among the ids it is given.
    expect([...(await redAmong(scope, [broken, fixed]))]).toEqual([broken]);
    expect((await redAmong(scope, [])).size).toBe(0);
    // Another organization has no red profile of this one's.
    const other = await seedOrganization(database, "Red Elsewhere");
    expect((await listProfiles(testScope(other.organizationId, other.adminId), { ...base, red: true })).total).toBe(0);
  });
});

describe("the profiles of one repository", () => {
  it("names the organization's profiles of it by name, up to ten, counts them all, and never another organization's", async () => {
    const { createProfile, listProfilesOfRepository, REPOSITORY_PROFILES_NAMED } = await import("./profiles");
    const admin = testScope(seeded.organizationId, seeded.adminId);
    const repositoryId = randomUUID();
    for (let index = 12; index >= 1; index -= 1) {
      await createProfile(admin, newProfile({ name: `Repo twin ${String(index).padStart(2, "0")}`, repositoryId }));
    }
    await createProfile(admin, newProfile({ name: "Unrelated repo" }));
    const other = await seedOrganization(database, "Fourth Coffee");
    const otherConnection = await seedConnection(database, other, { origin: "https://dev.azure.com", collection: "fourthcoffee", token: "z".repeat(52) });
    await createProfile(testScope(other.organizationId, other.adminId), { ...newProfile({ name: "Foreign twin", repositoryId }), connectionId: otherConnection.id });

    const found = await listProfilesOfRepository(admin, repositoryId.toUpperCase());
    expect(found.total).toBe(12);
    expect(found.items).toHaveLength(REPOSITORY_PROFILES_NAMED);
    expect(found.items.map((item) => item.name)).toEqual(Array.from({ length: 10 }, (_, index) => `Repo twin ${String(index + 1).padStart(2, "0")}`));
    expect(await listProfilesOfRepository(admin, randomUUID())).toEqual({ items: [], total: 0 });
  });
});
