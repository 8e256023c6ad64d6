import "server-only";
import { randomUUID } from "node:crypto";
import { db, type Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { Prisma, type BuildPlatform } from "@/lib/generated/prisma/client";
import { can, refusalOf } from "@/lib/policy";
import { requireUserActor, type Scope } from "@/lib/scope";
import { openSecret, sealSecret } from "@/lib/secrets";
import { nameKey } from "@/lib/shared/names";
import type { ProfileRepositoryChanges, ProfileRepositoryFacts } from "@/lib/shared/profile-repository";
import { triggersOf, type ProfileTriggers } from "@/lib/shared/triggers";
import { recordAudit } from "./audit";
import { lockProfile } from "./locks";
import { buildRow, workflowOf, workflowSelect, type BuildRow, type WorkflowView } from "./builds";
import { connectionTargetSelect } from "./connections";
import { likeLiteral } from "./like";
import type { WatchChoice } from "@/lib/shared/watch";

const profileView = {
  id: true,
  name: true,
  platform: true,
  projectId: true,
  projectName: true,
  repositoryId: true,
  repositoryName: true,
  defaultBranch: true,
  remoteUrl: true,
  sshUrl: true,
  webUrl: true,
  createdAt: true,
  updatedAt: true,
  createdById: true,
  createdBy: { select: { id: true, name: true, email: true } },
  connectionId: true,
  disconnectedAt: true,
  disconnectedConnectionName: true,
  // "Pause builds": when, by whom and why (null: its builds start as usual).
  pausedAt: true,
  pauseReason: true,
  pausedBy: { select: { name: true } },
  connection: {
    select: {
      ...connectionTargetSelect,
      name: true,
      status: true,
      statusReason: true,
      lastCheckAt: true,
      credentialExpiresAt: true,
      credentialExpirySource: true,
      serverProduct: true,
    },
  },
} satisfies Prisma.BuildProfileSelect;

export type ProfileView = Prisma.BuildProfileGetPayload<{ select: typeof profileView }>;

/** One build profile of the scope's organization, or null. */
export async function getProfile(scope: Scope, id: string): Promise<ProfileView | null> {
  return db.buildProfile.findFirst({ where: { id, organizationId: scope.organizationId }, select: profileView });
}

/** How many of its latest builds a profile's page lists (it links to the rest). */
export const PROFILE_PAGE_BUILDS = 10;

/** Everything of the profile's own row and its relations that its page shows. */
const profilePageSelect = {
  ...profileView,
  ...workflowSelect,
  triggers: true,
  scheduleLastSlotAt: true,
  scheduleLastOutcome: true,
  chatHook: { select: { label: true, notify: true, lastSentAt: true, lastError: true } },
  badgeKey: true,
  builds: { orderBy: [{ queuedAt: "desc" }, { id: "desc" }], take: PROFILE_PAGE_BUILDS, select: buildRow },
  _count: { select: { builds: true } },
} satisfies Prisma.BuildProfileSelect;

export type ProfilePage = {
  profile: ProfileView;
  workflow: WorkflowView;
  triggers: ProfileTriggers;
  /** The schedule's last handled slot and what came of it. */
  lastScheduled: { at: Date; outcome: string } | null;
  /** The chat channel its builds are posted to (never its URL), or null. */
  chat: { label: string; notify: "changes" | "all"; lastSentAt: Date | null; lastError: string | null } | null;
  /** The status badge's key, or null while the badge is off. */
  badgeKey: string | null;
  builds: BuildRow[];
  buildCount: number;
};

/**
 * A profile as its page shows it — the view, its workflow, its triggers, its latest builds and
 * how many builds it has — in one query (relation joins), instead of reading the same row
 * three times and the builds twice. Null when the organization has no such profile.
 */
export async function getProfilePage(scope: Scope, id: string): Promise<ProfilePage | null> {
  const row = await db.buildProfile.findFirst({ where: { id, organizationId: scope.organizationId }, select: profilePageSelect });
  if (!row) {
    return null;
  }
  const { workflowSteps, buildTimeoutMinutes, fetchSubmodules, fetchLfs, artifactPatterns, cachePaths, cacheKeyFiles, buildPool, oneAtATime, retryLostBuilds, workflowFile, secretRefs, variables, variableGroups, triggers, scheduleLastSlotAt, scheduleLastOutcome, chatHook, badgeKey, builds, _count, ...profile } = row;
  return {
    profile,
    workflow: workflowOf({ platform: row.platform, workflowSteps, buildTimeoutMinutes, fetchSubmodules, fetchLfs, artifactPatterns, cachePaths, cacheKeyFiles, buildPool, oneAtATime, retryLostBuilds, workflowFile, secretRefs, variables, variableGroups }),
    triggers: triggersOf(triggers),
    lastScheduled: scheduleLastSlotAt && scheduleLastOutcome ? { at: scheduleLastSlotAt, outcome: scheduleLastOutcome } : null,
    chat: chatHook ? { ...chatHook, notify: chatHook.notify === "all" ? "all" : "changes" } : null,
    badgeKey,
    builds,
    buildCount: _count.builds,
  };
}


export type ProfileSort = "name" | "created" | "repository" | "platform";
export type ProfileListQuery = { q?: string; platform?: BuildPlatform; connection?: string; sort: ProfileSort; order: "asc" | "desc"; page: number; pageSize: number; watchedBy?: string; red?: boolean; paused?: boolean };

/** Which of these profiles (a page of the list) are red on their default branch (`redProfileIds`). */
export async function redAmong(scope: Scope, profileIds: readonly string[]): Promise<Set<string>> {
  return new Set(profileIds.length === 0 ? [] : await redProfileIds(scope, profileIds));
}

/** At most this many red profiles are listed by the filter (an organization with more has other problems). */
export const RED_PROFILES_MAX = 5_000;

/**
 * The organization's profiles whose default branch is red: its newest build of the branch (not a
 * pull request's) that succeeded, failed or timed out did not succeed. Canceled builds and errors
 * say nothing about the code, as on Insights ("Time the default branch was red").
 */
async function redProfileIds(scope: Scope, among?: readonly string[]): Promise<string[]> {
  const only = among ? Prisma.sql`AND p.id = ANY(${[...among]}::uuid[])` : Prisma.empty;
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT p.id::text AS id FROM "BuildProfile" p
    WHERE p."organizationId" = ${scope.organizationId}::uuid AND p."defaultBranch" IS NOT NULL ${only} AND (
      SELECT b.status::text FROM "Build" b
      WHERE b."profileId" = p.id AND b.branch = p."defaultBranch" AND b."pullRequestId" IS NULL AND b.status IN ('SUCCEEDED', 'FAILED', 'TIMED_OUT')
      ORDER BY b.number DESC LIMIT 1
    ) IN ('FAILED', 'TIMED_OUT')
    LIMIT ${RED_PROFILES_MAX}`;
  return rows.map((row) => row.id);
}

/** A page of the scope organization's build profiles, searched, filtered and sorted. */
export async function listProfiles(scope: Scope, query: ProfileListQuery) {
  const term = query.q ? likeLiteral(query.q) : undefined;
  const where: Prisma.BuildProfileWhereInput = {
    organizationId: scope.organizationId,
    ...(query.red ? { id: { in: await redProfileIds(scope) } } : {}),
    ...(query.paused ? { pausedAt: { not: null } } : {}),
    ...(query.connection ? { connectionId: query.connection } : {}),
    ...(query.platform ? { platform: query.platform } : {}),
    ...(query.watchedBy ? { watches: { some: { userId: query.watchedBy } } } : {}),
    ...(term
      ? {
          OR: [
            { name: { contains: term, mode: "insensitive" } },
            { repositoryName: { contains: term, mode: "insensitive" } },
            { projectName: { contains: term, mode: "insensitive" } },
            { connection: { name: { contains: term, mode: "insensitive" } } },
          ],
        }
      : {}),
  };
  const orderBy: Prisma.BuildProfileOrderByWithRelationInput[] =
    query.sort === "created"
      ? [{ createdAt: query.order }, { id: "asc" }]
      : query.sort === "repository"
        ? [{ repositoryName: query.order }, { nameKey: "asc" }]
        : query.sort === "platform"
          ? [{ platform: query.order }, { nameKey: "asc" }]
          : [{ nameKey: query.order }];
  const [rows, total] = await Promise.all([
    db.buildProfile.findMany({ where, orderBy, skip: (query.page - 1) * query.pageSize, take: query.pageSize, select: profileView }),
    db.buildProfile.count({ where }),
  ]);
  return { rows, total };
}

/** How many of a connection's profiles its page reads (their repositories name its service hooks). */
export const PROFILES_LISTED = 500;

/** The profiles bound to one connection, by name (its page shows the first and names the repositories of its hooks). */
export async function listProfilesForConnection(scope: Scope, connectionId: string, take: number = PROFILES_LISTED) {
  return db.buildProfile.findMany({
    where: { organizationId: scope.organizationId, connectionId },
    orderBy: { nameKey: "asc" },
    take,
    select: { id: true, name: true, platform: true, projectName: true, repositoryId: true, repositoryName: true, defaultBranch: true, createdAt: true, createdBy: { select: { name: true } } },
  });
}

/** How many profiles are bound to one connection. */
export async function countProfilesForConnection(scope: Scope, connectionId: string): Promise<number> {
  return db.buildProfile.count({ where: { organizationId: scope.organizationId, connectionId } });
}

/** How many of the organization's profiles run in each build pool ("Runs on"), by pool name. */
export async function countProfilesByPool(scope: Scope): Promise<Array<{ pool: string; profiles: number }>> {
  const rows = await db.buildProfile.groupBy({ by: ["buildPool"], where: { organizationId: scope.organizationId }, _count: { _all: true } });
  return rows.map((row) => ({ pool: row.buildPool, profiles: row._count._all })).sort((a, b) => a.pool.localeCompare(b.pool, "en"));
}

/** How many profiles a picker of several (a webhook's "Builds of") lists. */
export const PROFILE_CHOICES = 500;

/** The organization's profiles by name for a picker of several, and how many more were not listed. */
export async function listProfileChoices(scope: Scope): Promise<{ items: Array<{ id: string; name: string; platform: BuildPlatform }>; more: number }> {
  const where = { organizationId: scope.organizationId };
  const [items, total] = await Promise.all([db.buildProfile.findMany({ where, orderBy: { nameKey: "asc" }, take: PROFILE_CHOICES, select: { id: true, name: true, platform: true } }), db.buildProfile.count({ where })]);
  return { items, more: Math.max(0, total - items.length) };
}

/** How many of a repository's profiles the create form names (it says how many more there are). */
export const REPOSITORY_PROFILES_NAMED = 10;

/**
 * The organization's build profiles of one Azure DevOps repository (through any connection), by
 * name: what the create form shows before a second profile of the same repository is made.
 */
export async function listProfilesOfRepository(scope: Scope, repositoryId: string): Promise<{ items: { id: string; name: string; platform: BuildPlatform }[]; total: number }> {
  const where = { organizationId: scope.organizationId, repositoryId: repositoryId.toLowerCase() };
  const [items, total] = await Promise.all([
    db.buildProfile.findMany({ where, orderBy: { nameKey: "asc" }, take: REPOSITORY_PROFILES_NAMED, select: { id: true, name: true, platform: true } }),
    db.buildProfile.count({ where }),
  ]);
  return { items, total };
}

/** True when the scope's organization already has a profile of this name (case-insensitive). */
export async function profileNameTaken(scope: Scope, name: string): Promise<boolean> {
  const found = await db.buildProfile.findFirst({ where: { organizationId: scope.organizationId, nameKey: nameKey(name) }, select: { id: true } });
  return Boolean(found);
}

/** The profile an earlier submit of the same form created, if any. */
export async function findProfileByIdempotencyKey(scope: Scope, idempotencyKey: string): Promise<{ id: string } | null> {
  return db.buildProfile.findFirst({ where: { organizationId: scope.organizationId, idempotencyKey }, select: { id: true } });
}

export type NewProfile = {
  connectionId: string;
  name: string;
  platform: BuildPlatform;
  projectId: string;
  projectName: string;
  repositoryId: string;
  repositoryName: string;
  defaultBranch: string | null;
  remoteUrl: string | null;
  sshUrl: string | null;
  webUrl: string | null;
  idempotencyKey: string;
};

function nameConflict(name: string): AppError {
  return new AppError("CONFLICT", `A build profile named "${name}" already exists. Choose another name.`, { details: { field: "name" } });
}

/**
 * Creates a profile once per form: a key already used returns its profile; otherwise `write`
 * creates the row (and whatever goes with it) in one transaction under a new id. The unique
 * (organization, key) index decides when two requests race on different instances; the unique
 * name turns into a CONFLICT that names the field.
 */
async function createOnce(scope: Scope, input: { name: string; idempotencyKey: string }, write: (tx: Tx, id: string) => Promise<void>): Promise<{ id: string; created: boolean }> {
  const existing = await findProfileByIdempotencyKey(scope, input.idempotencyKey);
  if (existing) {
    return { id: existing.id, created: false };
  }
  const id = randomUUID();
  try {
    await db.$transaction((tx) => write(tx, id));
    return { id, created: true };
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const again = await findProfileByIdempotencyKey(scope, input.idempotencyKey);
      if (again) {
        return { id: again.id, created: false };
      }
      throw nameConflict(input.name);
    }
    throw error;
  }
}

/**
 * Creates a build profile and its audit event in one transaction. Idempotent: a second
 * submit with the same idempotency key (double click, back button, retried request) returns
 * the first profile — the unique (organization, key) index decides even when two requests
 * race on different instances.
 */
export async function createProfile(scope: Scope, input: NewProfile): Promise<{ id: string; created: boolean }> {
  return createOnce(scope, input, async (tx, id) => {
    const connection = await tx.connection.findFirst({ where: { id: input.connectionId, organizationId: scope.organizationId }, select: { id: true } });
    if (!connection) {
      throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
    }
    await tx.buildProfile.create({
      data: {
        id,
        organizationId: scope.organizationId,
        connectionId: input.connectionId,
        name: input.name,
        nameKey: nameKey(input.name),
        platform: input.platform,
        projectId: input.projectId,
        projectName: input.projectName,
        repositoryId: input.repositoryId,
        repositoryName: input.repositoryName,
        defaultBranch: input.defaultBranch,
        remoteUrl: input.remoteUrl,
        sshUrl: input.sshUrl,
        webUrl: input.webUrl,
        idempotencyKey: input.idempotencyKey,
        // The person who created it (they may delete it); a job creates no profiles.
        createdById: requireUserActor(scope).userId,
      },
    });
    await recordAudit(
      scope,
      {
        action: "profile.created",
        targetType: "build_profile",
        targetId: id,
        data: {
          name: input.name,
          platform: input.platform,
          connectionId: input.connectionId,
          projectId: input.projectId,
          projectName: input.projectName,
          repositoryId: input.repositoryId,
          repositoryName: input.repositoryName,
          defaultBranch: input.defaultBranch,
        },
      },
      tx,
    );
  });
}

/**
 * Deletes a profile when the policy lets the scope's actor (its creator, or an admin), with its
 * audit event, in one transaction. The row is locked first so a concurrent delete cannot audit
 * twice.
 */
export async function deleteProfile(scope: Scope, id: string): Promise<{ name: string; connectionId: string | null }> {
  return db.$transaction(async (tx) => {
    await lockProfile(tx, scope, id, "That build profile does not exist in your organization (it may have been deleted already).");
    const profile = await tx.buildProfile.findUniqueOrThrow({ where: { id }, select: { name: true, createdById: true, connectionId: true, repositoryId: true, repositoryName: true, projectName: true } });
    if (!can(scope, "profile.delete", profile)) {
      throw new AppError("FORBIDDEN", refusalOf("profile.delete"));
    }
    await tx.buildProfile.delete({ where: { id } });
    await recordAudit(
      scope,
      {
        action: "profile.deleted",
        targetType: "build_profile",
        targetId: id,
        data: { name: profile.name, connectionId: profile.connectionId, repositoryId: profile.repositoryId, repositoryName: profile.repositoryName, projectName: profile.projectName },
      },
      tx,
    );
    return { name: profile.name, connectionId: profile.connectionId };
  });
}

/**
 * Edits a profile's name, platform and default branch when the policy lets the scope's actor
 * (its creator, or an admin), under a row lock, with one `profile.updated` event naming each
 * changed field's old and new value. Returns the fields that changed (none: nothing written).
 */
export async function updateProfile(scope: Scope, id: string, input: { name: string; platform: BuildPlatform; defaultBranch: string | null }): Promise<{ changed: string[] }> {
  try {
    return await db.$transaction(async (tx) => {
      await lockProfile(tx, scope, id, "That build profile does not exist in your organization (it may have been deleted).");
      const profile = await tx.buildProfile.findUniqueOrThrow({ where: { id }, select: { name: true, platform: true, defaultBranch: true, createdById: true } });
      if (!can(scope, "profile.update", profile)) {
        throw new AppError("FORBIDDEN", refusalOf("profile.update"));
      }
      const next = { name: input.name, platform: input.platform, defaultBranch: input.defaultBranch };
      const changes: Record<string, { from: string | null; to: string | null }> = {};
      for (const field of ["name", "platform", "defaultBranch"] as const) {
        if (profile[field] !== next[field]) {
          changes[field] = { from: profile[field], to: next[field] };
        }
      }
      const changed = Object.keys(changes);
      if (changed.length === 0) {
        return { changed };
      }
      await tx.buildProfile.update({ where: { id }, data: { ...next, nameKey: nameKey(next.name) } });
      await recordAudit(scope, { action: "profile.updated", targetType: "build_profile", targetId: id, data: { changes } }, tx);
      return { changed };
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("CONFLICT", `A build profile named "${input.name}" already exists. Choose another name.`, { details: { field: "name" } });
    }
    throw error;
  }
}

/**
 * Copies what Azure DevOps changed (a rename, a move, new URLs, a first default branch) onto
 * the profile, with a `profile.synced` audit event naming the old and new values, in one
 * transaction. Only rows whose copied values are still the old ones are touched, so two
 * page loads racing write one event.
 */
export async function syncProfileFromAzureDevOps(scope: Scope, id: string, before: ProfileRepositoryFacts, changes: ProfileRepositoryChanges): Promise<boolean> {
  const keys = Object.keys(changes) as (keyof ProfileRepositoryFacts)[];
  if (keys.length === 0) {
    return false;
  }
  return db.$transaction(async (tx) => {
    const updated = await tx.buildProfile.updateMany({
      where: { id, organizationId: scope.organizationId, ...Object.fromEntries(keys.map((key) => [key, before[key]])) },
      data: changes,
    });
    if (updated.count !== 1) {
      return false;
    }
    await recordAudit(
      scope,
      {
        action: "profile.synced",
        targetType: "build_profile",
        targetId: id,
        data: { from: Object.fromEntries(keys.map((key) => [key, before[key]])), to: changes },
      },
      tx,
    );
    return true;
  });
}

/**
 * Re-binds a profile to another connection that reaches the same repository (the caller has
 * verified the repository GUID through Azure DevOps with that connection and passes what it
 * answered): every other setting (name, platform, default branch, creator) stays; names and
 * URLs are refreshed from Azure DevOps; the disconnected mark goes. Audited as profile.rebound.
 */
export async function rebindProfile(scope: Scope, id: string, connectionId: string, changes: ProfileRepositoryChanges): Promise<{ fromConnectionId: string | null }> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ connectionId: string | null; disconnectedConnectionName: string | null; name: string; repositoryId: string }[]>`
      SELECT "connectionId", "disconnectedConnectionName", name, "repositoryId" FROM "BuildProfile"
      WHERE id = ${id}::uuid AND "organizationId" = ${scope.organizationId}::uuid FOR UPDATE`;
    const profile = rows[0];
    if (!profile) {
      throw new AppError("NOT_FOUND", "That build profile does not exist in your organization.");
    }
    const connection = await tx.connection.findFirst({ where: { id: connectionId, organizationId: scope.organizationId }, select: { id: true, name: true } });
    if (!connection) {
      throw new AppError("NOT_FOUND", "That connection does not exist in your organization.", { details: { field: "connectionId" } });
    }
    const from = profile.connectionId ? await tx.connection.findUnique({ where: { id: profile.connectionId }, select: { name: true } }) : null;
    await tx.buildProfile.update({ where: { id }, data: { connectionId, disconnectedAt: null, disconnectedConnectionName: null, ...changes } });
    await recordAudit(
      scope,
      {
        action: "profile.rebound",
        targetType: "build_profile",
        targetId: id,
        data: {
          name: profile.name,
          repositoryId: profile.repositoryId,
          fromConnectionId: profile.connectionId,
          fromConnectionName: from?.name ?? profile.disconnectedConnectionName,
          toConnectionId: connection.id,
          toConnectionName: connection.name,
          ...(Object.keys(changes).length > 0 ? { refreshed: changes } : {}),
        },
      },
      tx,
    );
    return { fromConnectionId: profile.connectionId };
  });
}

/** The connections whose cached repository list holds this repository GUID (re-binding suggests them first). */
export async function connectionsListingRepository(scope: Scope, repositoryId: string): Promise<string[]> {
  const rows = await db.listedRepository.findMany({
    where: { repositoryId: repositoryId.toLowerCase(), connection: { organizationId: scope.organizationId } },
    select: { connectionId: true },
    distinct: ["connectionId"],
  });
  return rows.map((row) => row.connectionId);
}

/** A profile's triggers (the defaults when it has none stored), or null when there is no such profile. */
export async function getProfileTriggers(scope: Scope, id: string): Promise<ProfileTriggers | null> {
  const row = await db.buildProfile.findFirst({ where: { id, organizationId: scope.organizationId }, select: { triggers: true } });
  return row ? triggersOf(row.triggers) : null;
}

/**
 * Copies a profile (admins: the copy carries the workflow's secrets): the same repository and
 * connection, platform, default branch, workflow (steps, time limit, submodules, artifact
 * patterns), variables and secret files — each secret opened and sealed again for its new row —
 * and triggers, switched to manual so the copy does not double every push until someone turns it
 * on. Not copied: builds, the chat channel (its URL is that channel's key), the badge. Idempotent
 * on the form's key; audited as `profile.created` with where it was copied from.
 */
export async function duplicateProfile(scope: Scope, sourceId: string, input: { name: string; idempotencyKey: string }): Promise<{ id: string; created: boolean }> {
  if (!can(scope, "workflow.update")) {
    throw new AppError("FORBIDDEN", refusalOf("workflow.update"));
  }
  return createOnce(scope, input, async (tx, id) => {
    const source = await tx.buildProfile.findFirst({ where: { id: sourceId, organizationId: scope.organizationId } });
    if (!source) {
      throw new AppError("NOT_FOUND", "That build profile does not exist in your organization.");
    }
    const triggers = triggersOf(source.triggers);
    await tx.buildProfile.create({
      data: {
        id,
        organizationId: scope.organizationId,
        connectionId: source.connectionId,
        disconnectedAt: source.disconnectedAt,
        disconnectedConnectionName: source.disconnectedConnectionName,
        name: input.name,
        nameKey: nameKey(input.name),
        platform: source.platform,
        projectId: source.projectId,
        projectName: source.projectName,
        repositoryId: source.repositoryId,
        repositoryName: source.repositoryName,
        defaultBranch: source.defaultBranch,
        remoteUrl: source.remoteUrl,
        sshUrl: source.sshUrl,
        webUrl: source.webUrl,
        idempotencyKey: input.idempotencyKey,
        workflowSteps: source.workflowSteps ?? Prisma.DbNull,
        buildTimeoutMinutes: source.buildTimeoutMinutes,
        fetchSubmodules: source.fetchSubmodules,
        fetchLfs: source.fetchLfs,
        artifactPatterns: source.artifactPatterns,
        cachePaths: source.cachePaths,
        cacheKeyFiles: source.cacheKeyFiles,
        buildPool: source.buildPool,
        oneAtATime: source.oneAtATime,
        retryLostBuilds: source.retryLostBuilds,
        workflowFile: source.workflowFile,
        // Who gets the secrets goes with them: a copy never gives them to more builds.
        secretRefs: source.secretRefs ?? Prisma.DbNull,
        triggers: { ...triggers, mode: "manual" } as Prisma.InputJsonValue,
        createdById: requireUserActor(scope).userId,
      },
    });
    const variables = await tx.buildVariable.findMany({ where: { profileId: sourceId }, omit: { valueSealed: false } });
    for (const variable of variables) {
      const copyId = randomUUID();
      const valueSealed = variable.valueSealed ? sealSecret({ table: "BuildVariable", column: "valueSealed" }, copyId, openSecret({ table: "BuildVariable", column: "valueSealed" }, variable.id, variable.valueSealed)) : null;
      await tx.buildVariable.create({ data: { id: copyId, organizationId: scope.organizationId, profileId: id, name: variable.name, isSecret: variable.isSecret, value: variable.value, valueSealed } });
    }
    // Variable groups are shared, not copied: the copy uses the same ones.
    const groups = await tx.profileVariableGroup.findMany({ where: { profileId: sourceId }, select: { groupId: true, group: { select: { name: true } } } });
    if (groups.length > 0) {
      await tx.profileVariableGroup.createMany({ data: groups.map((link) => ({ profileId: id, groupId: link.groupId, organizationId: scope.organizationId })) });
    }
    const files = await tx.buildSecretFile.findMany({ where: { profileId: sourceId }, omit: { contentSealed: false } });
    for (const file of files) {
      const copyId = randomUUID();
      const contentSealed = sealSecret({ table: "BuildSecretFile", column: "contentSealed" }, copyId, openSecret({ table: "BuildSecretFile", column: "contentSealed" }, file.id, file.contentSealed));
      await tx.buildSecretFile.create({
        data: {
          id: copyId,
          organizationId: scope.organizationId,
          profileId: id,
          variable: file.variable,
          fileName: file.fileName,
          contentSealed,
          size: file.size,
          sha256: file.sha256,
          ...(file.signing !== null ? { signing: file.signing, expiresAt: file.expiresAt } : {}),
          uploadedById: file.uploadedById,
        },
      });
    }
    await recordAudit(
      scope,
      {
        action: "profile.created",
        targetType: "build_profile",
        targetId: id,
        data: { name: input.name, copiedFrom: { id: sourceId, name: source.name }, variables: variables.map((variable) => variable.name), variableGroups: groups.map((link) => link.group.name), secretFiles: files.map((file) => file.variable) },
      },
      tx,
    );
  });
}

/** The profile's watchers who are told (active members of its organization), and whether the signed-in person is one. */
export async function profileWatchOf(scope: Scope, profileId: string): Promise<{ watching: boolean; choice: WatchChoice; watchers: number }> {
  const userId = requireUserActor(scope).userId;
  const rows = await db.profileWatch.findMany({
    where: { profileId, profile: { organizationId: scope.organizationId }, user: { isActive: true, memberships: { some: { organizationId: scope.organizationId } } } },
    select: { userId: true, everyBuild: true },
  });
  const own = rows.find((row) => row.userId === userId);
  return { watching: Boolean(own), choice: own ? (own.everyBuild ? "every" : "yes") : "no", watchers: rows.length };
}

/**
 * Watch (or stop watching) a profile, for the signed-in person: they hear when a build of its
 * default branch or a tag fails or is fixed (lib/data/notifications.ts). Idempotent; a
 * preference of their own, like the account's e-mail switch, so not audited.
 */
export async function setProfileWatch(scope: Scope, profileId: string, watch: WatchChoice): Promise<void> {
  if (!can(scope, "profile.watch")) {
    throw new AppError("FORBIDDEN", refusalOf("profile.watch"));
  }
  const userId = requireUserActor(scope).userId;
  const profile = await db.buildProfile.findFirst({ where: { id: profileId, organizationId: scope.organizationId }, select: { id: true } });
  if (!profile) {
    throw new AppError("NOT_FOUND", "That build profile does not exist in your organization.");
  }
  if (watch === "no") {
    await db.profileWatch.deleteMany({ where: { profileId, userId } });
  } else {
    await db.profileWatch.upsert({ where: { profileId_userId: { profileId, userId } }, create: { profileId, userId, everyBuild: watch === "every" }, update: { everyBuild: watch === "every" } });
  }
}

/** Which of these profiles the signed-in person watches, and whether every build (the profiles list marks them). */
export async function watchedAmong(scope: Scope, profileIds: string[]): Promise<Map<string, { everyBuild: boolean }>> {
  if (profileIds.length === 0) {
    return new Map();
  }
  const rows = await db.profileWatch.findMany({ where: { userId: requireUserActor(scope).userId, profileId: { in: profileIds }, profile: { organizationId: scope.organizationId } }, select: { profileId: true, everyBuild: true } });
  return new Map(rows.map((row) => [row.profileId, { everyBuild: row.everyBuild }]));
}

/** The profiles of the organization the signed-in person watches, by name (their account page). */
export async function listOwnWatches(scope: Scope): Promise<Array<{ id: string; name: string; everyBuild: boolean }>> {
  const rows = await db.profileWatch.findMany({
    where: { userId: requireUserActor(scope).userId, profile: { organizationId: scope.organizationId } },
    select: { everyBuild: true, profile: { select: { id: true, name: true } } },
    orderBy: { profile: { nameKey: "asc" } },
  });
  return rows.map((row) => ({ ...row.profile, everyBuild: row.everyBuild }));
}
