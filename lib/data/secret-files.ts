import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { can, refusalOf } from "@/lib/policy";
import { onBehalfOf, type Scope } from "@/lib/scope";
import { openSecret, sealSecret } from "@/lib/secrets";
import { WORKFLOW_LIMITS } from "@/lib/shared/workflow";
import { recordAudit } from "./audit";
import { lockProfile } from "./locks";

// A profile's secret files (lib/builds/README.md, "Secret files"). The content is sealed (base64
// inside), omitted from every query by default, opened only by the worker right before the steps;
// pages and the audit log see the variable, the file name, the size and a hash prefix.

const SEALED = { table: "BuildSecretFile", column: "contentSealed" } as const;

export type SecretFileView = { id: string; variable: string; fileName: string; size: number; sha256: string; updatedAt: Date; uploadedBy: string | null };

/** A profile's secret files as the workflow page shows them, by variable. */
export async function listSecretFiles(scope: Scope, profileId: string): Promise<SecretFileView[]> {
  const rows = await db.buildSecretFile.findMany({
    where: { profileId, organizationId: scope.organizationId },
    orderBy: { variable: "asc" },
    select: { id: true, variable: true, fileName: true, size: true, sha256: true, updatedAt: true, uploadedById: true },
  });
  const people = await db.user.findMany({ where: { id: { in: rows.flatMap((row) => (row.uploadedById ? [row.uploadedById] : [])) } }, select: { id: true, name: true } });
  const names = new Map(people.map((person) => [person.id, person.name]));
  return rows.map(({ uploadedById, ...row }) => ({ ...row, uploadedBy: uploadedById ? (names.get(uploadedById) ?? null) : null }));
}

/**
 * Adds a secret file, or replaces the one of the same variable (admins), audited without its
 * content. Refused when a workflow variable has the name, or the profile has the most files.
 */
export async function saveSecretFile(scope: Scope, profileId: string, input: { variable: string; fileName: string; content: Buffer }): Promise<{ replaced: boolean }> {
  if (!can(scope, "workflow.update")) {
    throw new AppError("FORBIDDEN", refusalOf("workflow.update"));
  }
  return db.$transaction(async (tx) => {
    await lockProfile(tx, scope, profileId);
    if (await tx.buildVariable.findFirst({ where: { profileId, name: input.variable }, select: { id: true } })) {
      throw new AppError("INVALID_INPUT", `The workflow has a variable called ${input.variable}: choose another name for the file's variable.`, { details: { field: "variable" } });
    }
    const existing = await tx.buildSecretFile.findUnique({ where: { profileId_variable: { profileId, variable: input.variable } }, select: { id: true } });
    if (!existing && (await tx.buildSecretFile.count({ where: { profileId } })) >= WORKFLOW_LIMITS.secretFiles) {
      throw new AppError("INVALID_INPUT", `A profile has at most ${WORKFLOW_LIMITS.secretFiles} secret files: remove one first.`, { details: { field: "variable" } });
    }
    const id = existing?.id ?? randomUUID();
    const data = {
      fileName: input.fileName,
      contentSealed: sealSecret(SEALED, id, input.content.toString("base64")),
      size: input.content.length,
      sha256: createHash("sha256").update(input.content).digest("hex"),
      uploadedById: onBehalfOf(scope),
    };
    if (existing) {
      await tx.buildSecretFile.update({ where: { id }, data });
    } else {
      await tx.buildSecretFile.create({ data: { id, organizationId: scope.organizationId, profileId, variable: input.variable, ...data } });
    }
    await recordAudit(
      scope,
      { action: "workflow.secret_file_saved", targetType: "build_profile", targetId: profileId, data: { variable: input.variable, fileName: input.fileName, size: input.content.length, replaced: Boolean(existing) } },
      tx,
    );
    return { replaced: Boolean(existing) };
  });
}

/** Removes a secret file of a profile (admins), audited; false when there was none. */
export async function removeSecretFile(scope: Scope, profileId: string, fileId: string): Promise<boolean> {
  if (!can(scope, "workflow.update")) {
    throw new AppError("FORBIDDEN", refusalOf("workflow.update"));
  }
  return db.$transaction(async (tx) => {
    const row = await tx.buildSecretFile.findFirst({ where: { id: fileId, profileId, organizationId: scope.organizationId }, select: { variable: true, fileName: true } });
    if (!row) {
      return false;
    }
    await tx.buildSecretFile.delete({ where: { id: fileId } });
    await recordAudit(scope, { action: "workflow.secret_file_removed", targetType: "build_profile", targetId: profileId, data: row }, tx);
    return true;
  });
}

/** A profile's secret files with their content opened (the worker, right before the steps). */
export async function openSecretFiles(scope: Scope, profileId: string): Promise<{ variable: string; fileName: string; content: Buffer }[]> {
  const rows = await db.buildSecretFile.findMany({
    where: { profileId, organizationId: scope.organizationId },
    orderBy: { variable: "asc" },
    select: { id: true, variable: true, fileName: true, contentSealed: true },
  });
  return rows.map((row) => ({ variable: row.variable, fileName: row.fileName, content: Buffer.from(openSecret(SEALED, row.id, row.contentSealed), "base64") }));
}
