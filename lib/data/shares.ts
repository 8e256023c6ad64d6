import "server-only";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { can, refusalOf } from "@/lib/policy";
import { actorUserId, systemScope, type Scope } from "@/lib/scope";
import { openSecret, sealSecret } from "@/lib/secrets";
import { MAX_SHARES_PER_BUILD, MAX_SHARES_PER_PROFILE } from "@/lib/shared/shares";
import { lockProfile } from "./locks";
import { listArtifacts, type ArtifactView } from "./artifacts";
import { recordAudit } from "./audit";

// Links that share a finished build's artifacts with testers who have no Keel account
// (lib/builds/README.md, "Sharing with testers"). The key is 256 random bits: the database keeps
// its SHA-256 to find a link, and a sealed copy so people of the organization can copy it again.

const DAY_MS = 24 * 60 * 60 * 1000;

const FINAL = ["SUCCEEDED", "FAILED", "CANCELED", "TIMED_OUT", "ERROR"] as const;

export type ShareView = { id: string; key: string; createdAt: Date; expiresAt: Date; createdBy: string | null };

function hashKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

function requireShare(scope: Scope): void {
  if (!can(scope, "build.share")) {
    throw new AppError("FORBIDDEN", refusalOf("build.share"));
  }
}

/**
 * Makes a link to a finished build's artifacts, lasting `days`. Refused for a build that has not
 * finished or kept no files, and past MAX_SHARES_PER_BUILD live links. Audited.
 */
export async function createShare(scope: Scope, buildId: string, days: number, notes = ""): Promise<ShareView> {
  requireShare(scope);
  const build = await db.build.findFirst({ where: { id: buildId, organizationId: scope.organizationId }, select: { id: true, number: true, status: true, profile: { select: { name: true } } } });
  if (!build) {
    throw new AppError("NOT_FOUND", "That build does not exist in your organization.");
  }
  if (!(FINAL as readonly string[]).includes(build.status)) {
    throw new AppError("CONFLICT", "The build has not finished yet: share it once it has kept its files.");
  }
  const { artifacts } = await listArtifacts(scope, build.id);
  if (artifacts.length === 0) {
    throw new AppError("CONFLICT", "This build kept no files, so there is nothing to share. Name the app under Artifacts in the workflow, then build again.");
  }
  const key = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + days * DAY_MS);
  return db.$transaction(async (tx) => {
    // Counted under the build's row lock, so two clicks cannot both pass the limit.
    await tx.$queryRaw`SELECT 1 FROM "Build" WHERE id = ${build.id}::uuid FOR UPDATE`;
    const live = await tx.buildShare.count({ where: { buildId: build.id, expiresAt: { gt: new Date() } } });
    if (live >= MAX_SHARES_PER_BUILD) {
      throw new AppError("CONFLICT", `This build already has ${live} live links, the most it may have. Turn one off, then make a new one.`);
    }
    // The id is known before the insert: the sealed key's AAD binds it to its row.
    const id = randomUUID();
    const row = await tx.buildShare.create({
      data: { id, organizationId: scope.organizationId, buildId: build.id, keyHash: hashKey(key), keySealed: sealSecret({ table: "BuildShare", column: "keySealed" }, id, key), createdById: actorUserId(scope), expiresAt, notes: notes || null },
      select: { id: true, createdAt: true, expiresAt: true, createdBy: { select: { name: true } } },
    });
    await recordAudit(scope, { action: "build.shared", targetType: "build", targetId: build.id, data: { profile: build.profile.name, number: build.number, days, expiresAt: expiresAt.toISOString(), notes: notes !== "" } }, tx);
    return { id: row.id, key, createdAt: row.createdAt, expiresAt: row.expiresAt, createdBy: row.createdBy?.name ?? null };
  });
}

/** A build's live links, newest first, with their keys (for people of its organization to copy). */
export async function listShares(scope: Scope, buildId: string): Promise<ShareView[]> {
  requireShare(scope);
  const rows = await db.buildShare.findMany({
    where: { buildId, organizationId: scope.organizationId, expiresAt: { gt: new Date() } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    // An explicit select takes the sealed column past the global omit (lib/db.ts).
    select: { id: true, keySealed: true, createdAt: true, expiresAt: true, createdBy: { select: { name: true } } },
  });
  return rows.map((row) => ({ id: row.id, key: openSecret({ table: "BuildShare", column: "keySealed" }, row.id, row.keySealed), createdAt: row.createdAt, expiresAt: row.expiresAt, createdBy: row.createdBy?.name ?? null }));
}

/** Turns a link off (deletes it): its next visit finds nothing. False when it was gone already. Audited. */
export async function revokeShare(scope: Scope, buildId: string, shareId: string): Promise<boolean> {
  requireShare(scope);
  return db.$transaction(async (tx) => {
    const { count } = await tx.buildShare.deleteMany({ where: { id: shareId, buildId, organizationId: scope.organizationId } });
    if (count > 0) {
      await recordAudit(scope, { action: "build.share_revoked", targetType: "build", targetId: buildId, data: { share: shareId } }, tx);
    }
    return count > 0;
  });
}

/** A link to the newest build of a profile's branch, as the profile page lists it. */
export type ProfileShareView = ShareView & { branch: string };

/**
 * Makes a link that opens the newest successful build of `branch` (a full ref) that kept files —
 * whichever it is when the link is opened — lasting `days`. At most MAX_SHARES_PER_PROFILE live
 * ones per profile (counted under the profile's lock). Audited.
 */
export async function createProfileShare(scope: Scope, profileId: string, branch: string, days: number): Promise<ProfileShareView> {
  requireShare(scope);
  const key = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + days * DAY_MS);
  return db.$transaction(async (tx) => {
    await lockProfile(tx, scope, profileId);
    const live = await tx.profileShare.count({ where: { profileId, expiresAt: { gt: new Date() } } });
    if (live >= MAX_SHARES_PER_PROFILE) {
      throw new AppError("CONFLICT", `This profile already has ${live} live links to its newest builds, the most it may have. Turn one off, then make a new one.`);
    }
    const { name } = await tx.buildProfile.findUniqueOrThrow({ where: { id: profileId }, select: { name: true } });
    const id = randomUUID();
    const row = await tx.profileShare.create({
      data: { id, organizationId: scope.organizationId, profileId, branch, keyHash: hashKey(key), keySealed: sealSecret({ table: "ProfileShare", column: "keySealed" }, id, key), createdById: actorUserId(scope), expiresAt },
      select: { id: true, createdAt: true, expiresAt: true, createdBy: { select: { name: true } } },
    });
    await recordAudit(scope, { action: "profile.shared", targetType: "build_profile", targetId: profileId, data: { name, branch, days, expiresAt: expiresAt.toISOString() } }, tx);
    return { id: row.id, key, branch, createdAt: row.createdAt, expiresAt: row.expiresAt, createdBy: row.createdBy?.name ?? null };
  });
}

/** A profile's live links to its newest builds, newest first, with their keys. */
export async function listProfileShares(scope: Scope, profileId: string): Promise<ProfileShareView[]> {
  requireShare(scope);
  const rows = await db.profileShare.findMany({
    where: { profileId, organizationId: scope.organizationId, expiresAt: { gt: new Date() } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true, branch: true, keySealed: true, createdAt: true, expiresAt: true, createdBy: { select: { name: true } } },
  });
  return rows.map((row) => ({ id: row.id, branch: row.branch, key: openSecret({ table: "ProfileShare", column: "keySealed" }, row.id, row.keySealed), createdAt: row.createdAt, expiresAt: row.expiresAt, createdBy: row.createdBy?.name ?? null }));
}

/** Turns a link to the newest build off. False when it was gone already. Audited. */
export async function revokeProfileShare(scope: Scope, profileId: string, shareId: string): Promise<boolean> {
  requireShare(scope);
  return db.$transaction(async (tx) => {
    const { count } = await tx.profileShare.deleteMany({ where: { id: shareId, profileId, organizationId: scope.organizationId } });
    if (count > 0) {
      await recordAudit(scope, { action: "profile.share_revoked", targetType: "build_profile", targetId: profileId, data: { share: shareId } }, tx);
    }
    return count > 0;
  });
}

type SharedBuildRow = {
  id: string;
  number: number;
  status: string;
  branch: string | null;
  tag: string | null;
  commitId: string;
  commitMessage: string | null;
  finishedAt: Date | null;
};
const sharedBuildSelect = { id: true, number: true, status: true, branch: true, tag: true, commitId: true, commitMessage: true, finishedAt: true } as const;

/** What a link's page shows: the build, where it came from, and its files. */
export type SharedBuild = {
  scope: Scope;
  expiresAt: Date;
  profile: { id: string; name: string; platform: string };
  /** A link to the newest build of a branch: the branch (full ref); null for a link to one build. */
  standing: { branch: string } | null;
  /** Null only for a link to the newest build while the branch has no successful build with files. */
  build: SharedBuildRow | null;
  /** "What's new" as whoever made a link to one build wrote it; null for none (and for links to the newest build). */
  notes: string | null;
  artifacts: ArtifactView[];
};

/**
 * What a link opens, or null when the key is unknown, turned off or past its end: the build of a
 * link to one build, or the newest successful build of the branch (that kept files) of a link to
 * the newest. Global by nature: the key is the credential, and it yields a system scope of the
 * organization (job "share"), which reads only that build's artifacts.
 */
export async function openShare(key: string): Promise<SharedBuild | null> {
  const keyHash = hashKey(key);
  const row = await db.buildShare.findUnique({
    where: { keyHash },
    select: { organizationId: true, expiresAt: true, notes: true, build: { select: { ...sharedBuildSelect, profile: { select: { id: true, name: true, platform: true } } } } },
  });
  const now = Date.now();
  if (row) {
    if (row.expiresAt.getTime() <= now) {
      return null;
    }
    const scope = systemScope(row.organizationId, "share");
    const { profile, ...build } = row.build;
    return { scope, expiresAt: row.expiresAt, profile, standing: null, build, notes: row.notes || null, artifacts: (await listArtifacts(scope, build.id)).artifacts };
  }
  const standing = await db.profileShare.findUnique({ where: { keyHash }, select: { organizationId: true, profileId: true, branch: true, expiresAt: true, profile: { select: { id: true, name: true, platform: true } } } });
  if (!standing || standing.expiresAt.getTime() <= now) {
    return null;
  }
  const scope = systemScope(standing.organizationId, "share");
  // The branch's own builds: a pull request's build carries its source branch's name (a fork's
  // `main` too), but its code is the pull request's, not the branch's.
  const build = await db.build.findFirst({
    where: { organizationId: standing.organizationId, profileId: standing.profileId, branch: standing.branch, pullRequestId: null, status: "SUCCEEDED", artifacts: { some: { complete: true } } },
    orderBy: { number: "desc" },
    select: sharedBuildSelect,
  });
  return { scope, expiresAt: standing.expiresAt, profile: standing.profile, standing: { branch: standing.branch }, build, notes: null, artifacts: build ? (await listArtifacts(scope, build.id)).artifacts : [] };
}

/** Deletes links that ended (housekeeping; an ended link already opens nothing). */
export async function pruneShares(now = new Date()): Promise<number> {
  const [builds, profiles] = await Promise.all([db.buildShare.deleteMany({ where: { expiresAt: { lte: now } } }), db.profileShare.deleteMany({ where: { expiresAt: { lte: now } } })]);
  return builds.count + profiles.count;
}
