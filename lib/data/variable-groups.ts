import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { can, refusalOf } from "@/lib/policy";
import { requireUserActor, type Scope } from "@/lib/scope";
import { nameKey } from "@/lib/shared/names";
import { WORKFLOW_LIMITS, type WorkflowVariableView } from "@/lib/shared/workflow";
import type { VariableGroupInput } from "@/lib/validation/variable-groups";
import { recordAudit } from "./audit";
import { saveVariables, storedVariableSelect, variableViews } from "./variables";

// Variable groups (lib/builds/README.md, "Variable groups"): values several build profiles share
// — a signing password, an App Store Connect key — kept once by admins and linked to profiles in
// their workflow. Their variables live in BuildVariable beside the workflows' (lib/data/variables.ts).

export type VariableGroupSummary = { id: string; name: string; description: string; variables: number; secrets: number; profiles: number; updatedAt: Date };

export type VariableGroupView = {
  id: string;
  name: string;
  description: string;
  variables: WorkflowVariableView[];
  /** The profiles whose builds get it. */
  profiles: Array<{ id: string; name: string }>;
  updatedAt: Date;
  /** What the page showed (a save over a newer one is refused, as workflows are). */
  version: string;
};

function requireManage(scope: Scope): void {
  if (!can(scope, "variableGroup.manage")) {
    throw new AppError("FORBIDDEN", refusalOf("variableGroup.manage"));
  }
}

function nameTaken(name: string): AppError {
  return new AppError("CONFLICT", `A variable group named "${name}" already exists. Choose another name.`, { details: { field: "name" } });
}

function versionOf(group: { name: string; description: string; variables: WorkflowVariableView[] }): string {
  return createHash("sha256").update(JSON.stringify([group.name, group.description, group.variables])).digest("hex").slice(0, 16);
}

/** The organization's variable groups with how many variables, secrets and profiles each has, by name. */
export async function listVariableGroups(scope: Scope): Promise<VariableGroupSummary[]> {
  requireManage(scope);
  const rows = await db.variableGroup.findMany({
    where: { organizationId: scope.organizationId },
    orderBy: { nameKey: "asc" },
    select: { id: true, name: true, description: true, updatedAt: true, variables: { select: { isSecret: true } }, _count: { select: { profiles: true } } },
  });
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    description: row.description,
    variables: row.variables.length,
    secrets: row.variables.filter((variable) => variable.isSecret).length,
    profiles: row._count.profiles,
    updatedAt: row.updatedAt,
  }));
}

/** One group as its page shows it (secret values left out), or null. */
export async function getVariableGroup(scope: Scope, id: string): Promise<VariableGroupView | null> {
  requireManage(scope);
  const row = await db.variableGroup.findFirst({
    where: { id, organizationId: scope.organizationId },
    select: {
      id: true,
      name: true,
      description: true,
      updatedAt: true,
      variables: { orderBy: { name: "asc" }, select: { name: true, isSecret: true, value: true } },
      profiles: { select: { profile: { select: { id: true, name: true } } } },
    },
  });
  if (!row) {
    return null;
  }
  const variables = variableViews(row.variables);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    variables,
    profiles: row.profiles.map((link) => link.profile).sort((a, b) => a.name.localeCompare(b.name, "en")),
    updatedAt: row.updatedAt,
    version: versionOf({ name: row.name, description: row.description, variables }),
  };
}

/** Creates a group (no variables yet), once per form key; audited. */
export async function createVariableGroup(scope: Scope, input: { name: string; description: string; idempotencyKey: string }): Promise<{ id: string; created: boolean }> {
  requireManage(scope);
  const earlier = async () => db.variableGroup.findFirst({ where: { organizationId: scope.organizationId, idempotencyKey: input.idempotencyKey }, select: { id: true } });
  const existing = await earlier();
  if (existing) {
    return { id: existing.id, created: false };
  }
  const id = randomUUID();
  try {
    await db.$transaction(async (tx) => {
      if ((await tx.variableGroup.count({ where: { organizationId: scope.organizationId } })) >= WORKFLOW_LIMITS.groupsPerOrganization) {
        throw new AppError("CONFLICT", `An organization has at most ${WORKFLOW_LIMITS.groupsPerOrganization} variable groups. Delete one you no longer use.`, { details: { field: "name" } });
      }
      await tx.variableGroup.create({
        data: { id, organizationId: scope.organizationId, name: input.name, nameKey: nameKey(input.name), description: input.description, idempotencyKey: input.idempotencyKey, createdById: requireUserActor(scope).userId },
      });
      await recordAudit(scope, { action: "variable_group.created", targetType: "variable_group", targetId: id, data: { name: input.name } }, tx);
    });
    return { id, created: true };
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const again = await earlier();
      if (again) {
        return { id: again.id, created: false };
      }
      throw nameTaken(input.name);
    }
    throw error;
  }
}

/**
 * Saves a group's name, description and variables (a secret without a value keeps its stored
 * one), refused when someone saved it after the page showed `basedOn`; audited with what changed
 * (variable names and what happened to them, never a value). Returns the new version.
 */
export async function updateVariableGroup(scope: Scope, id: string, input: VariableGroupInput): Promise<{ changed: string[]; version: string }> {
  requireManage(scope);
  try {
    return await db.$transaction(async (tx) => {
      // The row lock orders two saves of the same group: the second sees the first's version.
      const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM "VariableGroup" WHERE id = ${id}::uuid AND "organizationId" = ${scope.organizationId}::uuid FOR UPDATE`;
      if (locked.length === 0) {
        throw new AppError("NOT_FOUND", "That variable group does not exist in your organization (someone may have deleted it).");
      }
      const group = await tx.variableGroup.findUniqueOrThrow({ where: { id }, select: { name: true, description: true } });
      const existing = await tx.buildVariable.findMany({ where: { groupId: id }, select: storedVariableSelect, orderBy: { name: "asc" } });
      if (input.basedOn !== versionOf({ ...group, variables: variableViews(existing) })) {
        throw new AppError("CONFLICT", "Someone saved this variable group after you opened it. Nothing was saved: your edits are still on this page — note them, reload to see the current group, and make them again.");
      }
      const changed: string[] = [];
      if (group.name !== input.name) {
        changed.push("name");
      }
      if (group.description !== input.description) {
        changed.push("description");
      }
      const variables = await saveVariables(tx, scope, { groupId: id }, existing, input.variables, "variables");
      if (Object.keys(variables).length > 0) {
        changed.push("variables");
      }
      if (changed.length > 0) {
        await tx.variableGroup.update({ where: { id }, data: { name: input.name, nameKey: nameKey(input.name), description: input.description } });
        await recordAudit(
          scope,
          { action: "variable_group.updated", targetType: "variable_group", targetId: id, data: { name: input.name, changed, ...(changed.includes("name") ? { nameBefore: group.name } : {}), variables } },
          tx,
        );
      }
      const saved = await tx.buildVariable.findMany({ where: { groupId: id }, select: { name: true, isSecret: true, value: true }, orderBy: { name: "asc" } });
      return { changed, version: versionOf({ name: input.name, description: input.description, variables: variableViews(saved) }) };
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw nameTaken(input.name);
    }
    throw error;
  }
}

/** Deletes a group with its variables; the profiles that used it lose them (named in the audit event). */
export async function deleteVariableGroup(scope: Scope, id: string): Promise<{ name: string; profiles: string[] }> {
  requireManage(scope);
  return db.$transaction(async (tx) => {
    const group = await tx.variableGroup.findFirst({ where: { id, organizationId: scope.organizationId }, select: { name: true, profiles: { select: { profile: { select: { name: true } } } } } });
    if (!group) {
      throw new AppError("NOT_FOUND", "That variable group does not exist in your organization (someone may have deleted it).");
    }
    const profiles = group.profiles.map((link) => link.profile.name).sort();
    await tx.variableGroup.delete({ where: { id } });
    await recordAudit(scope, { action: "variable_group.deleted", targetType: "variable_group", targetId: id, data: { name: group.name, profiles } }, tx);
    return { name: group.name, profiles };
  });
}
