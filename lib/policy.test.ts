import { describe, expect, it } from "vitest";
import { API_TOKEN_PERMISSIONS, can, canForSome, PERMISSIONS, refusalOf, type Permission } from "./policy";
import { systemScope, tokenScope, userScope, type Actor } from "./scope";

const admin: Actor = { kind: "user", userId: "a", role: "ADMIN" };
const member: Actor = { kind: "user", userId: "m", role: "MEMBER" };
const system: Actor = { kind: "system", job: "connections.check", requestedBy: null };

// The expected answers, written out independently of the rules table: a change to who may do
// what has to change this table too.
const EXPECTED: Record<Permission, { member: boolean; system: boolean }> = {
  "connection.read": { member: true, system: true },
  "connection.create": { member: false, system: false },
  "connection.check": { member: false, system: true },
  "connection.update": { member: false, system: false },
  "connection.reauthorize": { member: false, system: false },
  "connection.transfer": { member: false, system: false },
  "connection.delete": { member: false, system: false },
  "repositories.refresh": { member: true, system: true },
  "profile.read": { member: true, system: true },
  "profile.pause": { member: false, system: false },
  "profile.create": { member: true, system: false },
  "profile.rebind": { member: false, system: false },
  "profile.update": { member: false, system: false },
  "profile.delete": { member: false, system: false },
  "profile.watch": { member: true, system: false },
  "audit.read": { member: false, system: false },
  "build.read": { member: true, system: true },
  "build.start": { member: true, system: true },
  "build.cancel": { member: true, system: true },
  "build.cancel_queued": { member: false, system: false },
  "build.run_next": { member: false, system: false },
  "build.share": { member: true, system: false },
  "build.keep": { member: false, system: false },
  "profile.triggers": { member: false, system: false },
  "hooks.manage": { member: false, system: true },
  "workflow.update": { member: false, system: false },
  "variableGroup.manage": { member: false, system: false },
  "member.manage": { member: false, system: false },
  // The network settings map the private networks Keel may reach: admins only (issue 11).
  "network.read": { member: false, system: false },
  "network.update": { member: false, system: false },
  // The workers page names the installation's machines: admins only.
  "worker.read": { member: false, system: false },
  // A webhook sends every build's details to a server of the admin's choosing.
  "webhook.manage": { member: false, system: false },
  // Everyone makes tokens of their own; revoking anyone's is for admins (owners revoke theirs: below).
  "apiToken.manage": { member: true, system: false },
  "apiToken.revoke": { member: false, system: false },
  "session.manage": { member: true, system: false },
  "account.password": { member: true, system: false },
  "account.preferences": { member: true, system: false },
};

describe("can", () => {
  it("has an expectation for every permission and no other", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...PERMISSIONS].sort());
  });

  it.each(PERMISSIONS)("%s: admins may, members and the system as the table says", (permission) => {
    expect(can(admin, permission)).toBe(true);
    expect(can(member, permission)).toBe(EXPECTED[permission].member);
    expect(can(system, permission)).toBe(EXPECTED[permission].system);
  });

  it("accepts a scope as well as an actor", () => {
    expect(can(userScope({ id: "m", organizationId: "o", role: "MEMBER" }), "member.manage")).toBe(false);
    expect(can(userScope({ id: "a", organizationId: "o", role: "ADMIN" }), "member.manage")).toBe(true);
    expect(can(systemScope("o", "connections.check"), "connection.check")).toBe(true);
  });

  it("lets the creator of a profile delete it, nobody else without the role", () => {
    expect(can(member, "profile.delete", { createdById: "m" })).toBe(true);
    expect(can(member, "profile.delete", { createdById: "someone-else" })).toBe(false);
    expect(can(member, "profile.delete", { createdById: null })).toBe(false);
    expect(can(member, "profile.delete")).toBe(false);
    // The owner rule is for people: a job never owns a profile.
    expect(can(system, "profile.delete", { createdById: "m" })).toBe(false);
  });

  it("lets the creator of a profile re-bind it, nobody else without the role", () => {
    expect(can(member, "profile.rebind", { createdById: "m" })).toBe(true);
    expect(can(member, "profile.rebind", { createdById: "someone-else" })).toBe(false);
    expect(can(system, "profile.rebind", { createdById: "m" })).toBe(false);
    expect(can(member, "profile.triggers", { createdById: "m" })).toBe(true);
    expect(can(member, "profile.triggers", { createdById: "someone-else" })).toBe(false);
    expect(can(member, "profile.update", { createdById: "m" })).toBe(true);
    expect(can(member, "profile.update", { createdById: "someone-else" })).toBe(false);
  });

  it("lets a script with an API token do only what tokens may, within its owner's role", () => {
    const adminToken = tokenScope({ id: "a", organizationId: "o", role: "ADMIN" }, { id: "t", name: "release script" });
    const memberToken = tokenScope({ id: "m", organizationId: "o", role: "MEMBER" }, { id: "t2", name: "nightly" });
    // Written out, not read from the list: widening what tokens may do must change this test.
    const allowed: Permission[] = ["build.cancel", "build.keep", "build.read", "build.run_next", "build.start", "profile.pause", "profile.read"];
    expect([...API_TOKEN_PERMISSIONS].sort()).toEqual(allowed);
    for (const permission of PERMISSIONS) {
      expect(can(adminToken, permission), `admin token: ${permission}`).toBe(allowed.includes(permission));
      expect(can(memberToken, permission), `member token: ${permission}`).toBe(allowed.includes(permission) && EXPECTED[permission].member);
    }
    // A read-only token (a dashboard's) reads, whoever owns it; an admin's cannot start, cancel, keep or pause either.
    const readOnly = tokenScope({ id: "a", organizationId: "o", role: "ADMIN" }, { id: "t3", name: "dashboard", readOnly: true });
    for (const permission of PERMISSIONS) {
      expect(can(readOnly, permission), `read-only token: ${permission}`).toBe(permission === "profile.read" || permission === "build.read");
    }
    // Owning a thing grants a token nothing beyond its list either (a leaked token cannot revoke or delete).
    expect(can(memberToken, "profile.delete", { createdById: "m" })).toBe(false);
    expect(canForSome(memberToken, "apiToken.revoke")).toBe(false);
    expect(canForSome(memberToken, "build.start")).toBe(true);
  });

  it("lets the owner of an API token revoke it, admins anyone's", () => {
    expect(can(member, "apiToken.revoke", { createdById: "m" })).toBe(true);
    expect(can(member, "apiToken.revoke", { createdById: "someone-else" })).toBe(false);
    expect(can(admin, "apiToken.revoke", { createdById: "someone-else" })).toBe(true);
  });

  it("tells entry points before loading the target whether anything could be allowed", () => {
    expect(canForSome(member, "profile.delete")).toBe(true);
    expect(canForSome(system, "profile.delete")).toBe(false);
    expect(canForSome(member, "connection.update")).toBe(false);
    expect(canForSome(admin, "connection.update")).toBe(true);
  });

  it("ignores the owner for rules without one", () => {
    expect(can(member, "connection.update", { createdById: "m" })).toBe(false);
  });

  it("names the refusal", () => {
    expect(refusalOf("connection.update")).toBe("Only admins can do this. Ask an admin of your organization.");
    expect(refusalOf("profile.delete")).toMatch(/created this build profile or an admin/);
  });
});
