import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";
import { seedOrganization, walletProfileDatabase, type Seeded } from "@/lib/repositories/test-support";
import type { Scope } from "@/lib/scope";

// Variable groups in the database: secrets sealed and write-only as in workflows, names unique
// per organization, a stale page refused; a profile's builds get its groups' variables in the
// order of the groups' names with the workflow's own winning; only admins manage them.

let database: TestDatabase;
let seeded: Seeded;
let admin: Scope;
let profileId: string;
const steps = [{ name: "Build", command: "./build.sh" }];

beforeAll(async () => {
  ({ database, seeded, profileId } = await walletProfileDatabase());
  admin = testScope(seeded.organizationId, seeded.adminId);
});

afterAll(async () => {
  await database?.drop();
});

describe("variable groups", () => {
  it("are created once per form, named uniquely, and saved with sealed secrets a stale page cannot overwrite", async () => {
    const { createVariableGroup, getVariableGroup, listVariableGroups, updateVariableGroup } = await import("./variable-groups");
    const key = randomUUID();
    const signing = await createVariableGroup(admin, { name: "iOS signing", description: "Distribution certificate", idempotencyKey: key });
    expect(signing.created).toBe(true);
    expect(await createVariableGroup(admin, { name: "iOS signing", description: "", idempotencyKey: key })).toEqual({ id: signing.id, created: false });
    await expect(createVariableGroup(admin, { name: "IOS SIGNING", description: "", idempotencyKey: randomUUID() })).rejects.toMatchObject({ code: "CONFLICT", details: { field: "name" } });

    const opened = (await getVariableGroup(admin, signing.id))!;
    expect(opened).toMatchObject({ name: "iOS signing", variables: [], profiles: [] });
    const saved = await updateVariableGroup(admin, signing.id, {
      name: "iOS signing",
      description: "Distribution certificate",
      variables: [
        { name: "P12_PASSWORD", isSecret: true, value: "orchard-p12-secret" },
        { name: "TEAM_ID", isSecret: false, value: "ABCDE12345" },
      ],
      basedOn: opened.version,
    });
    expect(saved.changed).toEqual(["variables"]);
    const rows = await database.prisma.buildVariable.findMany({ where: { groupId: signing.id }, orderBy: { name: "asc" }, select: { name: true, value: true, valueSealed: true, profileId: true } });
    expect(rows.map((row) => [row.name, row.value, row.valueSealed === null, row.profileId])).toEqual([
      ["P12_PASSWORD", null, false, null],
      ["TEAM_ID", "ABCDE12345", true, null],
    ]);
    expect(rows[0]!.valueSealed).not.toContain("orchard");
    const view = (await getVariableGroup(admin, signing.id))!;
    expect(view.variables).toEqual([
      { name: "P12_PASSWORD", isSecret: true, value: null },
      { name: "TEAM_ID", isSecret: false, value: "ABCDE12345" },
    ]);
    expect(view.version).toBe(saved.version);

    // The page opened before that save: refused, nothing changed.
    await expect(updateVariableGroup(admin, signing.id, { name: "Renamed", description: "", variables: [], basedOn: opened.version })).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await getVariableGroup(admin, signing.id))!.name).toBe("iOS signing");
    // A secret sent without a value keeps its stored one; the audit event names variables, never values.
    await updateVariableGroup(admin, signing.id, { name: "iOS signing", description: "Distribution certificate", variables: [{ name: "P12_PASSWORD", isSecret: true, value: null }], basedOn: view.version });
    const events = await database.prisma.auditEvent.findMany({ where: { organizationId: seeded.organizationId, action: { startsWith: "variable_group." } }, orderBy: { createdAt: "asc" } });
    expect(events.map((event) => event.action)).toEqual(["variable_group.created", "variable_group.updated", "variable_group.updated"]);
    expect(events[2]!.data).toMatchObject({ changed: ["variables"], variables: { TEAM_ID: "removed" } });
    expect(JSON.stringify(events)).not.toContain("orchard");
    expect(JSON.stringify(events)).not.toContain("ABCDE12345");
    expect(await listVariableGroups(admin)).toEqual([expect.objectContaining({ name: "iOS signing", variables: 1, secrets: 1, profiles: 0 })]);
  });

  it("give a profile's builds their variables: groups in name order, a later group winning, the workflow's own over all", async () => {
    const { createVariableGroup, getVariableGroup, updateVariableGroup, deleteVariableGroup } = await import("./variable-groups");
    const { getWorkflow, updateWorkflow, openBuildVariables, workflowVersion } = await import("./builds");
    const make = async (name: string, variables: Array<{ name: string; isSecret: boolean; value: string }>) => {
      const { id } = await createVariableGroup(admin, { name, description: "", idempotencyKey: randomUUID() });
      await updateVariableGroup(admin, id, { name, description: "", variables, basedOn: (await getVariableGroup(admin, id))!.version });
      return id;
    };
    const store = await make("Store", [
      { name: "API_KEY", isSecret: true, value: "store-api-key-1" },
      { name: "TRACK", isSecret: false, value: "beta" },
    ]);
    const zeta = await make("Zeta overrides", [{ name: "TRACK", isSecret: false, value: "internal" }]);
    const before = workflowVersion((await getWorkflow(admin, profileId))!);
    await updateWorkflow(admin, profileId, { steps, timeoutMinutes: 30, variables: [{ name: "API_KEY", isSecret: false, value: "workflow-wins" }], variableGroups: [zeta, store] });
    const workflow = (await getWorkflow(admin, profileId))!;
    expect(workflow.variableGroups.map((group) => group.name)).toEqual(["Store", "Zeta overrides"]);
    expect(workflowVersion(workflow)).not.toBe(before);
    expect(await openBuildVariables(admin, profileId)).toEqual({
      variables: [
        { name: "API_KEY", value: "workflow-wins", isSecret: false },
        { name: "TRACK", value: "internal", isSecret: false },
      ],
      groups: ["Store", "Zeta overrides"],
      overridden: ["API_KEY", "TRACK"],
    });
    expect((await getVariableGroup(admin, store))!.profiles).toEqual([{ id: profileId, name: "Wallet" }]);
    const audit = await database.prisma.auditEvent.findFirst({ where: { action: "workflow.updated", targetId: profileId }, orderBy: { createdAt: "desc" } });
    expect(audit!.data).toMatchObject({ changed: expect.arrayContaining(["variableGroups"]), variableGroups: ["Store", "Zeta overrides"], variableGroupsBefore: [] });

    // A group deleted while the editor was open: that save is refused, not half-applied.
    const doomed = await make("Doomed", []);
    await deleteVariableGroup(admin, doomed);
    await expect(updateWorkflow(admin, profileId, { steps, timeoutMinutes: 30, variables: [], variableGroups: [store, doomed] })).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await getWorkflow(admin, profileId))!.variableGroups).toHaveLength(2);

    // Deleting a group takes its variables away from the profile, and says whose.
    expect(await deleteVariableGroup(admin, zeta)).toEqual({ name: "Zeta overrides", profiles: ["Wallet"] });
    expect((await openBuildVariables(admin, profileId)).variables.find((variable) => variable.name === "TRACK")).toEqual({ name: "TRACK", value: "beta", isSecret: false });
    // Without its own API_KEY the group's secret comes through, opened.
    await updateWorkflow(admin, profileId, { steps, timeoutMinutes: 30, variables: [] });
    expect((await openBuildVariables(admin, profileId)).variables).toContainEqual({ name: "API_KEY", value: "store-api-key-1", isSecret: true });
  });

  it("are the admins' alone, and a variable has exactly one owner", async () => {
    const { createVariableGroup, listVariableGroups } = await import("./variable-groups");
    const member = testScope(seeded.organizationId, seeded.memberId, "MEMBER");
    await expect(listVariableGroups(member)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(createVariableGroup(member, { name: "Mine", description: "", idempotencyKey: randomUUID() })).rejects.toMatchObject({ code: "FORBIDDEN" });
    // Another organization's admin sees none of these.
    const other = await seedOrganization(database, "Contoso");
    expect(await listVariableGroups(testScope(other.organizationId, other.adminId))).toEqual([]);
    await expect(database.prisma.buildVariable.create({ data: { organizationId: seeded.organizationId, name: "ORPHAN", value: "x" } })).rejects.toThrow(/BuildVariable_one_owner/);
  });
});
