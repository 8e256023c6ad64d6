import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemScope } from "@/lib/scope";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";

// Audit events say who acted: a person, or a job (and whom it acted for).
let database: TestDatabase;
let organizationId: string;
let userId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  organizationId = (await database.prisma.organization.create({ data: { name: "Audited" } })).id;
  userId = (await database.prisma.user.create({ data: { email: "ada@example.com", name: "Ada", memberships: { create: { organizationId, role: "ADMIN" } } } })).id;
});

afterAll(async () => {
  await database.drop();
});

describe("recordAudit", () => {
  it("records a person as a USER actor in the scope's organization", async () => {
    const { recordAudit } = await import("./audit");
    await recordAudit(testScope(organizationId, userId), { action: "test.by_user", targetType: "thing", targetId: "1" });
    expect(await database.prisma.auditEvent.findFirstOrThrow({ where: { action: "test.by_user" } })).toMatchObject({ organizationId, actorKind: "USER", actorJob: null, actorId: userId });
  });

  it("records a job as a SYSTEM actor with its label, and the person who queued it when one did", async () => {
    const { recordAudit } = await import("./audit");
    await recordAudit(systemScope(organizationId, "connections.check"), { action: "test.scheduled" });
    await recordAudit(systemScope(organizationId, "repositories.refresh", userId), { action: "test.requested" });
    expect(await database.prisma.auditEvent.findFirstOrThrow({ where: { action: "test.scheduled" } })).toMatchObject({ organizationId, actorKind: "SYSTEM", actorJob: "connections.check", actorId: null });
    expect(await database.prisma.auditEvent.findFirstOrThrow({ where: { action: "test.requested" } })).toMatchObject({ actorKind: "SYSTEM", actorJob: "repositories.refresh", actorId: userId });
  });
});

describe("a job's scope", () => {
  it("never reaches what belongs to a person: wizard drafts", async () => {
    const { createDraft, getDraft } = await import("./connect-drafts");
    const draft = await createDraft(testScope(organizationId, userId), "SERVICES");
    await expect(getDraft(systemScope(organizationId, "connections.check"), draft.id)).rejects.toThrow(/system:connections.check acted where only a signed-in user can/);
    await expect(createDraft(systemScope(organizationId, "connections.check"), "SERVICES")).rejects.toThrow(/only a signed-in user/);
  });
});
