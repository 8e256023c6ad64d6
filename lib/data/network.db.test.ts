// The Network settings allowlist (issue 16): stored per organization, audited, added to
// KEEL_OUTBOUND_ALLOWLIST (which always applies) for that organization's calls only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { evaluateAddresses } from "@/lib/net/ssrf-policy";
import { systemScope, userScope } from "@/lib/scope";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";

let database: TestDatabase;
let ours: string;
let theirs: string;
let adminId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  ours = (await database.prisma.organization.create({ data: { name: "Ours" } })).id;
  theirs = (await database.prisma.organization.create({ data: { name: "Theirs" } })).id;
  adminId = (await database.prisma.user.create({ data: { organizationId: ours, email: "net-admin@example.com", name: "Net Admin", memberships: { create: { organizationId: ours, role: "ADMIN" } } } })).id;
  resetEnvForTests({ KEEL_OUTBOUND_ALLOWLIST: "git.corp.example" });
});
afterAll(async () => {
  resetEnvForTests({ KEEL_OUTBOUND_ALLOWLIST: undefined });
  await database.drop();
});

const TARGET = { protocol: "https:" as const, hostname: "203.0.113.10", port: 443 };

describe("the organization's outbound allowlist", () => {
  it("is stored, audited with what changed, and applies to that organization's calls only, on top of the environment's", async () => {
    const { getOrganizationAllowlist, setOrganizationAllowlist } = await import("./network");
    const { outboundPolicyFor } = await import("@/lib/outbound");
    const admin = userScope({ id: adminId, organizationId: ours, role: "ADMIN" });

    expect(evaluateAddresses(TARGET, ["203.0.113.10"], await outboundPolicyFor(admin))).toMatchObject({ allowed: false, rule: "private_not_allowlisted" });

    expect(await setOrganizationAllowlist(admin, ["203.0.113.10", "10.20.0.0/16"])).toEqual({ added: ["203.0.113.10", "10.20.0.0/16"], removed: [] });
    expect(await getOrganizationAllowlist(admin)).toEqual(["203.0.113.10", "10.20.0.0/16"]);
    const policy = await outboundPolicyFor(systemScope(ours, "connections.check"));
    expect(policy.allowlist).toEqual(["git.corp.example", "203.0.113.10", "10.20.0.0/16"]);
    expect(evaluateAddresses(TARGET, ["203.0.113.10"], policy)).toMatchObject({ allowed: true });
    // Another organization's calls do not get our entries.
    const other = await outboundPolicyFor(systemScope(theirs, "connections.check"));
    expect(other.allowlist).toEqual(["git.corp.example"]);
    expect(evaluateAddresses(TARGET, ["203.0.113.10"], other)).toMatchObject({ allowed: false });

    expect(await setOrganizationAllowlist(admin, ["10.20.0.0/16"])).toEqual({ added: [], removed: ["203.0.113.10"] });
    // Saving the same list again changes and audits nothing.
    expect(await setOrganizationAllowlist(admin, ["10.20.0.0/16"])).toEqual({ added: [], removed: [] });
    const audit = await database.prisma.auditEvent.findMany({ where: { organizationId: ours, action: "network.allowlist_updated" }, orderBy: { createdAt: "asc" } });
    expect(audit.map((event) => [event.actorId, event.data])).toEqual([
      [adminId, { added: ["203.0.113.10", "10.20.0.0/16"], removed: [], entries: ["203.0.113.10", "10.20.0.0/16"] }],
      [adminId, { added: [], removed: ["203.0.113.10"], entries: ["10.20.0.0/16"] }],
    ]);
    expect(await database.prisma.auditEvent.count({ where: { organizationId: theirs } })).toBe(0);
  });
});
