/**
 * Test helpers for lib/repositories and the profile data layer (not a test file): a test
 * database with Keel's outbound policy opened to the emulator, and seeded connections whose
 * tokens are sealed exactly as Keel seals them.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { lastFour } from "@/lib/crypto";
import { sealSecret } from "@/lib/secrets";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";
import type { Scope } from "@/lib/scope";

export { startEmulator, type EmulatorHandle } from "../../e2e/azure-devops-emulator/index";
export { DEFAULT_PATS, DEFAULT_REPOS, DEFAULT_SERVERS, DEFAULT_PROJECTS } from "../../e2e/azure-devops-emulator/fixtures/default";

/** A fresh database, with loopback and plain http allowed so Keel can call the emulator. */
export async function pickerTestDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  resetEnvForTests({ KEEL_OUTBOUND_ALLOW_LOOPBACK: "true", KEEL_OUTBOUND_ALLOWLIST: "127.0.0.1,localhost", KEEL_OUTBOUND_ALLOW_HTTP: "127.0.0.1,localhost", PORT: "3999" });
  return database;
}

export type Seeded = { organizationId: string; adminId: string; memberId: string };

/** An organization with an admin and a member. */
export async function seedOrganization(database: TestDatabase, name = "Fabrikam Mobile"): Promise<Seeded> {
  const organization = await database.prisma.organization.create({ data: { name } });
  const suffix = randomUUID().slice(0, 8);
  const admin = await database.prisma.user.create({
    data: { organizationId: organization.id, email: `admin-${suffix}@example.com`, name: "Ada Admin", passwordHash: "x", memberships: { create: { organizationId: organization.id, role: "ADMIN" } } },
  });
  const member = await database.prisma.user.create({
    data: { organizationId: organization.id, email: `member-${suffix}@example.com`, name: "Max Member", passwordHash: "x", memberships: { create: { organizationId: organization.id, role: "MEMBER" } } },
  });
  return { organizationId: organization.id, adminId: admin.id, memberId: member.id };
}

/** A healthy PAT connection to an emulator organization or collection. */
export async function seedConnection(
  database: TestDatabase,
  seeded: Seeded,
  input: { origin: string; pathPrefix?: string; collection: string; token: string; deploymentType?: "SERVICES" | "SERVER"; name?: string },
) {
  const id = randomUUID();
  const name = input.name ?? `Connection ${id.slice(0, 8)}`;
  return database.prisma.connection.create({
    data: {
      id,
      organizationId: seeded.organizationId,
      ownerId: seeded.adminId,
      name,
      nameKey: name.normalize("NFKC").toLowerCase(),
      deploymentType: input.deploymentType ?? "SERVICES",
      authMethod: "PAT",
      serverUrl: new URL(input.origin).origin,
      pathPrefix: (input.pathPrefix ?? "").replace(/^\/+|\/+$/g, ""),
      collection: input.collection,
      scopes: ["vso.identity", "vso.code", "vso.code_status", "vso.notification"],
      status: "HEALTHY",
      tokenSealed: sealSecret({ table: "Connection", column: "tokenSealed" }, id, input.token),
      tokenLastFour: lastFour(input.token),
    },
    select: { id: true },
  });
}

/**
 * A test database with an organization (admin, member), a PAT connection to dev.azure.com and
 * one build profile "Wallet" of it: what the profile data layer's tests start from.
 */
export async function walletProfileDatabase(platform: "IOS" | "ANDROID" = "IOS"): Promise<{ database: TestDatabase; seeded: Seeded; profileId: string }> {
  const database = await pickerTestDatabase();
  const seeded = await seedOrganization(database);
  const connection = await seedConnection(database, seeded, { origin: "https://dev.azure.com", collection: "fabrikam", token: "x".repeat(52) });
  const profile = await database.prisma.buildProfile.create({
    data: { organizationId: seeded.organizationId, connectionId: connection.id, name: "Wallet", nameKey: "wallet", platform, projectId: "p", projectName: "P", repositoryId: "r", repositoryName: "R" },
  });
  return { database, seeded, profileId: profile.id };
}

/** What `walletProfileSuite` sets up for a test file, filled in by its `beforeAll`. */
export type WalletProfileSuite = { database: TestDatabase; seeded: Seeded; profileId: string; admin: Scope };

/**
 * Registers the test file's `beforeAll` (walletProfileDatabase, and the admin's scope) and
 * `afterAll` (the database dropped); returns the object they fill, to read inside tests.
 */
export function walletProfileSuite(): WalletProfileSuite {
  const suite = {} as WalletProfileSuite;
  beforeAll(async () => {
    Object.assign(suite, await walletProfileDatabase());
    suite.admin = testScope(suite.seeded.organizationId, suite.seeded.adminId);
  });
  afterAll(async () => {
    await suite.database?.drop();
  });
  return suite;
}
