import "server-only";
import { randomUUID } from "node:crypto";
import { SecretUnreadableError } from "@/lib/crypto";
import type { Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { Scope } from "@/lib/scope";
import { openSecret, sealSecret } from "@/lib/secrets";
import type { WorkflowVariableView } from "@/lib/shared/workflow";
import type { WorkflowVariableInput } from "@/lib/validation/builds";

// Variables are kept in one table for both of their owners: a profile's workflow and a variable
// group (lib/builds/README.md, "Variable groups"). Saving and opening them is the same for both,
// written here once: a secret's value is sealed for its own row, never read back by pages, and
// opened only by the worker.

const SEALED = { table: "BuildVariable", column: "valueSealed" } as const;

/** Whose variables: a profile's workflow, or a variable group. */
export type VariableOwner = { profileId: string } | { groupId: string };

/** A stored variable as saving needs it (the sealed value only to compare, never opened). */
export type StoredVariable = { id: string; name: string; isSecret: boolean; value: string | null; valueSealed: string | null };

/** Columns to read for `saveVariables` (an explicit select opens the sealed column, omitted by default). */
export const storedVariableSelect = { id: true, name: true, isSecret: true, value: true, valueSealed: true } as const;

/** Variables as an editor shows them: a secret's value left out. */
export function variableViews(rows: ReadonlyArray<{ name: string; isSecret: boolean; value: string | null }>): WorkflowVariableView[] {
  return rows.map((variable) => ({ name: variable.name, isSecret: variable.isSecret, value: variable.isSecret ? null : (variable.value ?? "") }));
}

/**
 * Makes the owner's stored variables what the editor sent: a secret without a value keeps its
 * stored one (refused when there is none, on `field`), others are added, changed or removed.
 * Returns what happened to each name that changed, for the audit event.
 */
export async function saveVariables(tx: Tx, scope: Scope, owner: VariableOwner, existing: readonly StoredVariable[], input: readonly WorkflowVariableInput[], field: string): Promise<Record<string, string>> {
  const byName = new Map(existing.map((variable) => [variable.name, variable]));
  const changes: Record<string, string> = {};
  const keep = new Set<string>();
  for (const variable of input) {
    keep.add(variable.name);
    const old = byName.get(variable.name);
    if (variable.isSecret) {
      if (variable.value === null) {
        if (!old || !old.isSecret || !old.valueSealed) {
          throw new AppError("INVALID_INPUT", `Variable ${variable.name}: enter the secret's value (Keel has none stored for it).`, { details: { field } });
        }
        continue;
      }
      const id = old?.id ?? randomUUID();
      const sealed = sealSecret(SEALED, id, variable.value);
      if (old) {
        await tx.buildVariable.update({ where: { id }, data: { isSecret: true, value: null, valueSealed: sealed } });
      } else {
        await tx.buildVariable.create({ data: { id, organizationId: scope.organizationId, ...owner, name: variable.name, isSecret: true, valueSealed: sealed } });
      }
      changes[variable.name] = old ? "secret replaced" : "secret added";
      continue;
    }
    const value = variable.value ?? "";
    if (old) {
      if (old.isSecret || old.value !== value) {
        await tx.buildVariable.update({ where: { id: old.id }, data: { isSecret: false, value, valueSealed: null } });
        changes[variable.name] = old.isSecret ? "no longer secret" : "value changed";
      }
    } else {
      await tx.buildVariable.create({ data: { organizationId: scope.organizationId, ...owner, name: variable.name, isSecret: false, value } });
      changes[variable.name] = "added";
    }
  }
  const removed = existing.filter((variable) => !keep.has(variable.name));
  if (removed.length > 0) {
    await tx.buildVariable.deleteMany({ where: { id: { in: removed.map((variable) => variable.id) } } });
    for (const variable of removed) {
      changes[variable.name] = "removed";
    }
  }
  return changes;
}

/**
 * A stored variable's value for a build, a secret one opened. `where` says where an admin
 * enters it again when its key is gone ("the profile's workflow", "the variable group Signing").
 */
export function openVariable(row: StoredVariable, where: string): { name: string; value: string; isSecret: boolean } {
  if (!row.isSecret) {
    return { name: row.name, value: row.value ?? "", isSecret: false };
  }
  try {
    return { name: row.name, value: openSecret(SEALED, row.id, row.valueSealed ?? ""), isSecret: true };
  } catch (error) {
    if (error instanceof SecretUnreadableError) {
      throw new AppError("PROVIDER_REJECTED", `Keel cannot decrypt the secret variable ${row.name} (its encryption key is missing or the value is damaged). An admin enters it again in ${where}.`);
    }
    throw error;
  }
}
