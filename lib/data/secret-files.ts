import "server-only";
import { createHash, randomUUID } from "node:crypto";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { can, refusalOf } from "@/lib/policy";
import { onBehalfOf, type Scope } from "@/lib/scope";
import { Prisma } from "@/lib/generated/prisma/client";
import { openSecret, sealSecret } from "@/lib/secrets";
import { reminderTier } from "@/lib/shared/reminders";
import { signingExpiry, signingFactsOf, signingTitle, SIGNING_WARNING_DAYS, type SigningFacts } from "@/lib/shared/signing-files";
import { WORKFLOW_LIMITS } from "@/lib/shared/workflow";
import { recordAudit } from "./audit";
import { lockProfile } from "./locks";

// A profile's secret files (lib/builds/README.md, "Secret files"). The content is sealed (base64
// inside), omitted from every query by default, opened only by the worker right before the steps;
// pages and the audit log see the variable, the file name, the size and a hash prefix — and, for
// signing files, what the file says about itself and when it ends (lib/shared/signing-files.ts),
// read from the content by the caller, which may read it (lib/builds/signing-files.ts).

const SEALED = { table: "BuildSecretFile", column: "contentSealed" } as const;
const DAY_MS = 86_400_000;

export type SecretFileView = { id: string; variable: string; fileName: string; size: number; sha256: string; updatedAt: Date; uploadedBy: string | null; signing: SigningFacts | null; expiresAt: Date | null };

/** A profile's secret files as the workflow page shows them, by variable. */
export async function listSecretFiles(scope: Scope, profileId: string): Promise<SecretFileView[]> {
  const rows = await db.buildSecretFile.findMany({
    where: { profileId, organizationId: scope.organizationId },
    orderBy: { variable: "asc" },
    select: { id: true, variable: true, fileName: true, size: true, sha256: true, updatedAt: true, uploadedById: true, signing: true, expiresAt: true },
  });
  const people = await db.user.findMany({ where: { id: { in: rows.flatMap((row) => (row.uploadedById ? [row.uploadedById] : [])) } }, select: { id: true, name: true } });
  const names = new Map(people.map((person) => [person.id, person.name]));
  return rows.map(({ uploadedById, signing, ...row }) => ({ ...row, signing: signingFactsOf(signing), uploadedBy: uploadedById ? (names.get(uploadedById) ?? null) : null }));
}

export type EndingSigningFile = { id: string; variable: string; fileName: string; signing: SigningFacts | null; expiresAt: Date };

/** A profile's signing files that have ended or end within SIGNING_WARNING_DAYS, soonest first (the profile's page warns of them). */
export async function listEndingSigningFiles(scope: Scope, profileId: string, now = new Date()): Promise<EndingSigningFile[]> {
  const rows = await db.buildSecretFile.findMany({
    where: { profileId, organizationId: scope.organizationId, expiresAt: { not: null, lte: new Date(now.getTime() + SIGNING_WARNING_DAYS * DAY_MS) } },
    orderBy: [{ expiresAt: "asc" }, { variable: "asc" }],
    select: { id: true, variable: true, fileName: true, signing: true, expiresAt: true },
  });
  return rows.map((row) => ({ ...row, signing: signingFactsOf(row.signing), expiresAt: row.expiresAt! }));
}

/**
 * Adds a secret file, or replaces the one of the same variable (admins), audited without its
 * content. Refused when a workflow variable has the name, or the profile has the most files.
 */
export async function saveSecretFile(scope: Scope, profileId: string, input: { variable: string; fileName: string; content: Buffer; signing: SigningFacts }): Promise<{ replaced: boolean }> {
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
    const expiresAt = signingExpiry(input.signing);
    const data = {
      fileName: input.fileName,
      contentSealed: sealSecret(SEALED, id, input.content.toString("base64")),
      size: input.content.length,
      sha256: createHash("sha256").update(input.content).digest("hex"),
      signing: input.signing,
      expiresAt,
      uploadedById: onBehalfOf(scope),
    };
    if (existing) {
      await tx.buildSecretFile.update({ where: { id }, data });
    } else {
      await tx.buildSecretFile.create({ data: { id, organizationId: scope.organizationId, profileId, variable: input.variable, ...data } });
    }
    await recordAudit(
      scope,
      { action: "workflow.secret_file_saved", targetType: "build_profile", targetId: profileId, data: { variable: input.variable, fileName: input.fileName, size: input.content.length, replaced: Boolean(existing), ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}) } },
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

/**
 * Secret files saved before Keel read what they are, opened (housekeeping reads them with
 * lib/builds/signing-files.ts and records it); `content` is null when the file cannot be opened
 * (its key is gone). Global by nature, like the rest of housekeeping.
 */
export async function openUnreadSecretFiles(limit = 100): Promise<{ id: string; sha256: string; content: Buffer | null }[]> {
  const rows = await db.buildSecretFile.findMany({ where: { signing: { equals: Prisma.DbNull } }, orderBy: { createdAt: "asc" }, take: limit, select: { id: true, sha256: true, contentSealed: true } });
  return rows.map((row) => {
    try {
      return { id: row.id, sha256: row.sha256, content: Buffer.from(openSecret(SEALED, row.id, row.contentSealed), "base64") };
    } catch {
      return { id: row.id, sha256: row.sha256, content: null };
    }
  });
}

/** Records what a file read by housekeeping is, unless it was replaced meanwhile (its hash changed); false then. */
export async function recordSecretFileSigning(id: string, sha256: string, signing: SigningFacts): Promise<boolean> {
  const { count } = await db.buildSecretFile.updateMany({ where: { id, sha256, signing: { equals: Prisma.DbNull } }, data: { signing, expiresAt: signingExpiry(signing) } });
  return count === 1;
}

/** The ends that make a signing file news at `at`: within SIGNING_WARNING_DAYS after it, or as many days before (the reminders and the week's summary). */
function endingWindow(at: Date): { gte: Date; lte: Date } {
  return { gte: new Date(at.getTime() - SIGNING_WARNING_DAYS * DAY_MS), lte: new Date(at.getTime() + SIGNING_WARNING_DAYS * DAY_MS) };
}

/** How many ending signing files the week's summary names. */
export const ENDING_NAMED = 5;

/**
 * The organization's signing files that end within SIGNING_WARNING_DAYS after `at` or ended within
 * as many days before it (the week's summary, lib/notifications/weekly.ts), soonest first: the
 * first ENDING_NAMED with their profile, and how many in all. Read from the end Keel stored.
 */
export async function endingSigningFiles(scope: Scope, at: Date): Promise<{ files: Array<{ profile: string; what: string; expiresAt: Date }>; total: number }> {
  const where = { organizationId: scope.organizationId, expiresAt: endingWindow(at) };
  const [rows, total] = await Promise.all([
    db.buildSecretFile.findMany({ where, orderBy: [{ expiresAt: "asc" }, { id: "asc" }], take: ENDING_NAMED, select: { fileName: true, signing: true, expiresAt: true, profile: { select: { name: true } } } }),
    db.buildSecretFile.count({ where }),
  ]);
  return {
    files: rows.map((row) => {
      const facts = signingFactsOf(row.signing);
      return { profile: row.profile.name, what: (facts ? signingTitle(facts) : null) ?? `The file ${row.fileName}`, expiresAt: row.expiresAt! };
    }),
    total,
  };
}

/** Tier of the notice of a file that has ended. */
const ENDED = 0;

/**
 * Tells the organization's active admins when a profile's signing file ends within 30, 7 and 1
 * days, and once it has ended (within the last 30 days: files that ended long before are on their
 * pages, not news) (housekeeping, hourly): a notice on their Notices page, e-mailed when Keel sends
 * e-mail. Once per file, end and threshold, so a new file gets its own. Returns how many notices
 * were created. Global by nature, like the rest of housekeeping.
 */
export async function remindEndingSigningFiles(now = new Date()): Promise<number> {
  const files = await db.buildSecretFile.findMany({
    where: { expiresAt: endingWindow(now) },
    select: { id: true, organizationId: true, profileId: true, variable: true, fileName: true, signing: true, expiresAt: true, profile: { select: { name: true } } },
  });
  if (files.length === 0) {
    return 0;
  }
  const admins = await db.membership.findMany({
    where: { organizationId: { in: [...new Set(files.map((file) => file.organizationId))] }, role: "ADMIN", user: { isActive: true } },
    orderBy: { createdAt: "asc" },
    select: { organizationId: true, userId: true },
  });
  const notices = files.flatMap((file) => {
    const expiresAt = file.expiresAt!;
    const tier = expiresAt.getTime() <= now.getTime() ? ENDED : reminderTier(expiresAt, now);
    const recipientIds = admins.filter((admin) => admin.organizationId === file.organizationId).map((admin) => admin.userId);
    if (tier === null || recipientIds.length === 0) {
      return [];
    }
    const signing = signingFactsOf(file.signing);
    return [
      {
        organizationId: file.organizationId,
        connectionId: null,
        kind: "signing_file.expiring",
        dedupeKey: `signing_file.expiring:${file.id}:${expiresAt.toISOString()}:${tier}`,
        data: {
          profileId: file.profileId,
          profile: file.profile.name,
          variable: file.variable,
          fileName: file.fileName,
          what: signing ? signingTitle(signing) : null,
          fileKind: signing?.kind ?? null,
          expiresAt: expiresAt.toISOString(),
          daysLeft: tier === ENDED ? 0 : Math.max(1, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS)),
        },
        recipientIds,
      },
    ];
  });
  if (notices.length === 0) {
    return 0;
  }
  const { count } = await db.notification.createMany({ data: notices, skipDuplicates: true });
  return count;
}

/** For each of these profiles with a signing file that has ended or ends within SIGNING_WARNING_DAYS, the soonest end (the profiles list marks them). */
export async function soonestSigningEnds(scope: Scope, profileIds: string[], now = new Date()): Promise<Map<string, Date>> {
  if (profileIds.length === 0) {
    return new Map();
  }
  const groups = await db.buildSecretFile.groupBy({
    by: ["profileId"],
    where: { organizationId: scope.organizationId, profileId: { in: profileIds }, expiresAt: { not: null, lte: new Date(now.getTime() + SIGNING_WARNING_DAYS * DAY_MS) } },
    _min: { expiresAt: true },
  });
  return new Map(groups.flatMap((group) => (group._min.expiresAt ? [[group.profileId, group._min.expiresAt] as const] : [])));
}

export type OrganizationSigningFile = { id: string; profileId: string; profileName: string; variable: string; fileName: string; signing: SigningFacts; expiresAt: Date | null };

/**
 * Every signing file of the organization's profiles (admins: Settings → Signing), soonest end first
 * (those with no known end last); files that are not signing files are left out.
 */
export async function listOrganizationSigningFiles(scope: Scope): Promise<OrganizationSigningFile[]> {
  if (!can(scope, "workflow.update")) {
    throw new AppError("FORBIDDEN", refusalOf("workflow.update"));
  }
  const rows = await db.buildSecretFile.findMany({
    where: { organizationId: scope.organizationId, NOT: { signing: { equals: Prisma.DbNull } } },
    orderBy: [{ expiresAt: { sort: "asc", nulls: "last" } }, { variable: "asc" }],
    take: 1_000,
    select: { id: true, profileId: true, variable: true, fileName: true, signing: true, expiresAt: true, profile: { select: { name: true } } },
  });
  return rows.flatMap((row) => {
    const signing = signingFactsOf(row.signing);
    return signing && signing.kind !== "other" ? [{ id: row.id, profileId: row.profileId, profileName: row.profile.name, variable: row.variable, fileName: row.fileName, signing, expiresAt: row.expiresAt }] : [];
  });
}
