import "server-only";
import { db, type Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { Prisma, type HookDeliverySource, type HookDeliveryStatus, type HookSubscriptionState } from "@/lib/generated/prisma/client";
import type { Scope } from "@/lib/scope";
import { storableText } from "@/lib/shared/names";
import { afterOf, sameRepository, triggersOf, type ProfileTriggers } from "@/lib/shared/triggers";
import { recordAudit } from "./audit";
import { lockProfile } from "./locks";

// Service hooks and polling (issue 14): the triggers of profiles, the subscriptions Keel manages
// in Azure DevOps, the durable inbox of deliveries and the poller's cursors. lib/hooks/README.md.

/** A profile of one repository, as the hook processor and the poller match it. */
export type RepositoryProfile = { id: string; name: string; projectId: string; defaultBranch: string | null; triggers: ProfileTriggers };

/** The profiles bound to one repository through one connection. */
export async function listRepositoryProfiles(scope: Scope, connectionId: string, repositoryId: string): Promise<RepositoryProfile[]> {
  const rows = await db.buildProfile.findMany({
    where: { organizationId: scope.organizationId, connectionId, repositoryId: repositoryId.toLowerCase() },
    select: { id: true, name: true, projectId: true, defaultBranch: true, triggers: true },
    orderBy: { nameKey: "asc" },
  });
  return rows.map((row) => ({ id: row.id, name: row.name, projectId: row.projectId, defaultBranch: row.defaultBranch, triggers: triggersOf(row.triggers) }));
}

/** How many profiles the triggers form offers to build after (an organization with more types a search elsewhere). */
export const PROFILES_TO_FOLLOW = 500;

/**
 * The profiles a profile may build after (the triggers' `after`): every other profile of the
 * organization, by name, each saying whether it builds the same repository through the same
 * connection — then a success builds the same commit; otherwise this profile's default branch.
 */
export async function listProfilesToFollow(scope: Scope, profile: { id: string; connectionId: string | null; repositoryId: string }): Promise<{ id: string; name: string; repositoryName: string; sameRepository: boolean }[]> {
  const rows = await db.buildProfile.findMany({
    where: { organizationId: scope.organizationId, id: { not: profile.id } },
    select: { id: true, name: true, repositoryName: true, repositoryId: true, connectionId: true },
    orderBy: { nameKey: "asc" },
    take: PROFILES_TO_FOLLOW,
  });
  return rows.map((row) => ({ id: row.id, name: row.name, repositoryName: row.repositoryName, sameRepository: sameRepository(row, profile) }));
}

/** The repositories (project and repository ids) of a connection that have profiles or subscriptions. */
export async function listConnectionRepositories(scope: Scope, connectionId: string): Promise<{ projectId: string; repositoryId: string }[]> {
  const [profiles, subscriptions] = await Promise.all([
    db.buildProfile.findMany({ where: { organizationId: scope.organizationId, connectionId }, select: { projectId: true, repositoryId: true }, distinct: ["repositoryId"] }),
    db.hookSubscription.findMany({ where: { organizationId: scope.organizationId, connectionId }, select: { projectId: true, repositoryId: true }, distinct: ["repositoryId"] }),
  ]);
  const seen = new Map<string, { projectId: string; repositoryId: string }>();
  for (const row of [...profiles, ...subscriptions]) {
    seen.set(row.repositoryId.toLowerCase(), { projectId: row.projectId.toLowerCase(), repositoryId: row.repositoryId.toLowerCase() });
  }
  return [...seen.values()];
}

/** Saves a profile's triggers with a `profile.triggers_updated` audit event (from, to) in one transaction. */
export async function updateProfileTriggers(scope: Scope, profileId: string, triggers: ProfileTriggers): Promise<{ connectionId: string | null; projectId: string; repositoryId: string }> {
  return db.$transaction(async (tx) => {
    await lockProfile(tx, scope, profileId);
    const before = await tx.buildProfile.findUniqueOrThrow({ where: { id: profileId }, select: { name: true, triggers: true, connectionId: true, projectId: true, repositoryId: true, defaultBranch: true } });
    const after = afterOf(triggers);
    if (after.enabled && after.profileId) {
      await checkUpstream(tx, scope, { id: profileId, connectionId: before.connectionId, repositoryId: before.repositoryId, defaultBranch: before.defaultBranch }, after.profileId);
    }
    // A schedule starts with the save: a slot that passed before it never starts a build.
    triggers = triggers.schedule ? { ...triggers, schedule: { ...triggers.schedule, since: new Date().toISOString() } } : triggers;
    await tx.buildProfile.update({ where: { id: profileId }, data: { triggers: triggers as Prisma.InputJsonValue } });
    await recordAudit(
      scope,
      { action: "profile.triggers_updated", targetType: "build_profile", targetId: profileId, data: { name: before.name, from: triggersOf(before.triggers), to: triggers } as Prisma.InputJsonValue },
      tx,
    );
    return { connectionId: before.connectionId, projectId: before.projectId, repositoryId: before.repositoryId };
  });
}

/**
 * The profile whose builds another builds after (the triggers' `after`): another profile of the
 * organization — of this repository (the same commit is built) or of another (this profile's
 * default branch is built, so it needs one) —, and not one that — directly or along a chain —
 * builds after it, which would start each other's builds forever.
 */
async function checkUpstream(tx: Tx, scope: Scope, profile: { id: string; connectionId: string | null; repositoryId: string; defaultBranch: string | null }, upstreamId: string): Promise<void> {
  const upstream = await tx.buildProfile.findFirst({ where: { id: upstreamId, organizationId: scope.organizationId }, select: { name: true, connectionId: true, repositoryId: true } });
  if (!upstream || upstreamId === profile.id) {
    throw new AppError("INVALID_INPUT", "Build after: choose another build profile.", { details: { field: "afterProfile" } });
  }
  if (!sameRepository(upstream, profile) && !profile.defaultBranch) {
    throw new AppError("INVALID_INPUT", `Build after: “${upstream.name}” builds another repository, so this profile would build its default branch, and it has none. Set one on the profile first.`, {
      details: { field: "afterProfile" },
    });
  }
  const seen = new Set<string>();
  for (let next: string | null = upstreamId; next !== null && !seen.has(next); ) {
    if (next === profile.id) {
      throw new AppError("INVALID_INPUT", `Build after: “${upstream.name}” already builds after this profile (or after one that does), so each would start the other's builds forever. Turn that off first.`, {
        details: { field: "afterProfile" },
      });
    }
    seen.add(next);
    const row: { triggers: Prisma.JsonValue } | null = await tx.buildProfile.findUnique({ where: { id: next }, select: { triggers: true } });
    const link: ReturnType<typeof afterOf> | null = row ? afterOf(triggersOf(row.triggers)) : null;
    next = link?.enabled ? link.profileId : null;
  }
}

const subscriptionView = {
  id: true,
  organizationId: true,
  connectionId: true,
  projectId: true,
  repositoryId: true,
  eventType: true,
  urlKey: true,
  basicUsername: true,
  remoteId: true,
  state: true,
  remoteStatus: true,
  finding: true,
  lastVerifiedAt: true,
  lastRepairedAt: true,
  lastDeliveryAt: true,
  createdAt: true,
} satisfies Prisma.HookSubscriptionSelect;

export type HookSubscriptionView = Prisma.HookSubscriptionGetPayload<{ select: typeof subscriptionView }>;

/** The subscriptions Keel manages for a connection (one repository's, with `repositoryId`). */
export async function listHookSubscriptions(scope: Scope, where: { connectionId: string; repositoryId?: string }): Promise<HookSubscriptionView[]> {
  return db.hookSubscription.findMany({
    where: { organizationId: scope.organizationId, connectionId: where.connectionId, ...(where.repositoryId ? { repositoryId: where.repositoryId.toLowerCase() } : {}) },
    select: subscriptionView,
    orderBy: [{ repositoryId: "asc" }, { eventType: "asc" }],
  });
}

/** Records a wanted subscription (before Azure DevOps is asked), with its credential: the hash and the sealed password. */
export async function createHookSubscriptionRow(
  scope: Scope,
  input: { id: string; connectionId: string; projectId: string; repositoryId: string; eventType: string; urlKey: string; basicUsername: string; passwordHash: string; passwordSealed: string },
): Promise<HookSubscriptionView> {
  try {
    return await db.hookSubscription.create({ data: { ...input, repositoryId: input.repositoryId.toLowerCase(), projectId: input.projectId.toLowerCase(), organizationId: scope.organizationId }, select: subscriptionView });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const existing = await db.hookSubscription.findFirst({
        where: { organizationId: scope.organizationId, connectionId: input.connectionId, repositoryId: input.repositoryId.toLowerCase(), eventType: input.eventType },
        select: subscriptionView,
      });
      if (existing) {
        return existing;
      }
    }
    throw error;
  }
}

export type HookSubscriptionUpdate = {
  remoteId?: string | null;
  state?: HookSubscriptionState;
  remoteStatus?: string | null;
  finding?: Prisma.InputJsonValue | null;
  lastVerifiedAt?: Date;
  lastRepairedAt?: Date;
  passwordHash?: string;
  passwordSealed?: string;
};

/** Updates what Keel knows of a subscription; with `audit`, records that event in the same transaction. */
export async function updateHookSubscriptionRow(scope: Scope, id: string, update: HookSubscriptionUpdate, audit?: { action: string; data: Prisma.InputJsonValue }): Promise<void> {
  await db.$transaction(async (tx) => {
    const { finding, ...rest } = update;
    const result = await tx.hookSubscription.updateMany({
      where: { id, organizationId: scope.organizationId },
      data: { ...rest, ...(finding === undefined ? {} : { finding: finding === null ? Prisma.DbNull : finding }) },
    });
    if (result.count === 1 && audit) {
      await recordAudit(scope, { action: audit.action, targetType: "hook_subscription", targetId: id, data: audit.data }, tx);
    }
  });
}

/** Forgets a subscription (its deliveries stay in the log); with `audit`, records that event. */
export async function deleteHookSubscriptionRow(scope: Scope, id: string, audit?: { action: string; data: Prisma.InputJsonValue }): Promise<void> {
  await db.$transaction(async (tx) => {
    const result = await tx.hookSubscription.deleteMany({ where: { id, organizationId: scope.organizationId } });
    if (result.count === 1 && audit) {
      await recordAudit(scope, { action: audit.action, targetType: "hook_subscription", targetId: id, data: audit.data }, tx);
    }
  });
}

/** The sealed Basic password of a subscription, about to be sent to Azure DevOps again. */
export async function sealedHookPassword(scope: Scope, id: string): Promise<string | null> {
  const row = await db.hookSubscription.findFirst({ where: { id, organizationId: scope.organizationId }, omit: { passwordSealed: false } });
  return row?.passwordSealed ?? null;
}

/** What the receiver needs to authenticate a delivery: found by the URL's key alone (global: the key is the credential's first half). */
export async function findSubscriptionForReceiver(urlKey: string): Promise<{
  id: string;
  organizationId: string;
  connectionId: string;
  remoteId: string | null;
  repositoryId: string;
  eventType: string;
  basicUsername: string;
  passwordHash: string;
} | null> {
  return db.hookSubscription.findUnique({
    where: { urlKey },
    select: { id: true, organizationId: true, connectionId: true, remoteId: true, repositoryId: true, eventType: true, basicUsername: true, passwordHash: true },
  });
}

export type NewDelivery = {
  connectionId: string;
  subscriptionId: string | null;
  remoteSubscriptionId: string;
  notificationId: number | null;
  eventId: string | null;
  eventType: string;
  source: HookDeliverySource;
  status: HookDeliveryStatus;
  reason: string | null;
  repositoryId: string | null;
  branch: string | null;
  commitId: string | null;
  pullRequestId: number | null;
  payload: Prisma.InputJsonValue;
};

/**
 * Writes a delivery to the inbox, once per (Azure DevOps subscription, notification id): a
 * redelivery, a backfill of one already received, or two racing requests find the first row
 * (`created: false`). One statement, so nothing else can slip in between.
 */
export async function storeDelivery(scope: Scope, input: NewDelivery): Promise<{ id: string; created: boolean }> {
  // Whatever a delivery's sender wrote must fit PostgreSQL's text and jsonb, which refuse NUL and
  // unpaired surrogates (JSON may carry both as escapes): one such value would fail the delivery.
  const text = <T extends string | null>(value: T): T => (value === null ? value : (storableText(value) as T));
  const payload = JSON.stringify(input.payload, (_key, inner: unknown) =>
    typeof inner === "string"
      ? storableText(inner)
      : inner !== null && typeof inner === "object" && !Array.isArray(inner)
        ? Object.fromEntries(Object.entries(inner).map(([key, value]) => [storableText(key), value]))
        : inner,
  );
  const row = { ...input, remoteSubscriptionId: text(input.remoteSubscriptionId), eventId: text(input.eventId), eventType: text(input.eventType), reason: text(input.reason), repositoryId: text(input.repositoryId), branch: text(input.branch), commitId: text(input.commitId) };
  const rows = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO "HookDelivery" (id, "organizationId", "connectionId", "subscriptionId", "remoteSubscriptionId", "notificationId", "eventId", "eventType", source, status, reason, "repositoryId", branch, "commitId", "pullRequestId", payload, "receivedAt")
    VALUES (gen_random_uuid(), ${scope.organizationId}::uuid, ${row.connectionId}::uuid, ${row.subscriptionId}::uuid, ${row.remoteSubscriptionId}, ${row.notificationId}, ${row.eventId}, ${row.eventType},
            ${row.source}::"HookDeliverySource", ${row.status}::"HookDeliveryStatus", ${row.reason}, ${row.repositoryId}, ${row.branch}, ${row.commitId}, ${row.pullRequestId}, ${payload}::jsonb, now())
    ON CONFLICT ("remoteSubscriptionId", "notificationId") DO NOTHING
    RETURNING id`;
  if (rows[0]) {
    if (row.subscriptionId) {
      await db.hookSubscription.updateMany({ where: { id: row.subscriptionId }, data: { lastDeliveryAt: new Date() } });
    }
    return { id: rows[0].id, created: true };
  }
  const existing = await db.hookDelivery.findFirst({ where: { remoteSubscriptionId: row.remoteSubscriptionId, notificationId: row.notificationId, organizationId: scope.organizationId }, select: { id: true } });
  if (!existing) {
    throw new Error("the delivery conflicted with a row of another organization");
  }
  return { id: existing.id, created: false };
}

const deliveryView = {
  id: true,
  connectionId: true,
  subscriptionId: true,
  remoteSubscriptionId: true,
  notificationId: true,
  eventId: true,
  eventType: true,
  source: true,
  status: true,
  reason: true,
  repositoryId: true,
  branch: true,
  commitId: true,
  pullRequestId: true,
  payload: true,
  outcome: true,
  attempts: true,
  receivedAt: true,
  processedAt: true,
} satisfies Prisma.HookDeliverySelect;

export type HookDeliveryView = Prisma.HookDeliveryGetPayload<{ select: typeof deliveryView }>;

/** One delivery of the scope's organization, or null. */
export async function getDelivery(scope: Scope, id: string): Promise<HookDeliveryView | null> {
  return db.hookDelivery.findFirst({ where: { id, organizationId: scope.organizationId }, select: deliveryView });
}

/** Deliveries of a connection (one repository's, with `repositoryId`), newest first, keyset-paged by (receivedAt, id). */
export async function listDeliveries(
  scope: Scope,
  where: { connectionId: string; repositoryId?: string },
  page: { before?: { receivedAt: Date; id: string } | null; limit: number },
): Promise<{ rows: HookDeliveryView[]; next: { receivedAt: Date; id: string } | null }> {
  const rows = await db.hookDelivery.findMany({
    where: {
      organizationId: scope.organizationId,
      connectionId: where.connectionId,
      ...(where.repositoryId ? { repositoryId: where.repositoryId.toLowerCase() } : {}),
      ...(page.before ? { OR: [{ receivedAt: { lt: page.before.receivedAt } }, { receivedAt: page.before.receivedAt, id: { lt: page.before.id } }] } : {}),
    },
    select: deliveryView,
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    take: page.limit + 1,
  });
  const more = rows.length > page.limit;
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return { rows: shown, next: more && last ? { receivedAt: last.receivedAt, id: last.id } : null };
}

/** Counts a processing attempt (before it runs). */
export async function countDeliveryAttempt(scope: Scope, id: string): Promise<void> {
  await db.hookDelivery.updateMany({ where: { id, organizationId: scope.organizationId }, data: { attempts: { increment: 1 } } });
}

/** Records what processing a delivery did: its status, the reason (if any), what it is about and the outcome per profile. */
export async function finishDelivery(
  scope: Scope,
  id: string,
  result: { status: HookDeliveryStatus; reason: string | null; outcome?: Prisma.InputJsonValue; about?: { repositoryId?: string | null; branch?: string | null; commitId?: string | null; pullRequestId?: number | null } },
): Promise<void> {
  await db.hookDelivery.updateMany({
    where: { id, organizationId: scope.organizationId },
    data: { status: result.status, reason: result.reason, processedAt: new Date(), ...(result.outcome === undefined ? {} : { outcome: result.outcome }), ...(result.about ?? {}) },
  });
}

/** Of these notification ids of one Azure DevOps subscription, those already in the inbox. */
export async function knownNotificationIds(scope: Scope, remoteSubscriptionId: string, notificationIds: readonly number[]): Promise<Set<number>> {
  if (notificationIds.length === 0) {
    return new Set();
  }
  const rows = await db.hookDelivery.findMany({
    where: { organizationId: scope.organizationId, remoteSubscriptionId, notificationId: { in: [...notificationIds] } },
    select: { notificationId: true },
  });
  return new Set(rows.map((row) => row.notificationId).filter((value): value is number => value !== null));
}

/**
 * Deliveries stored but not processed for a while (their job could not be queued, or was lost):
 * the sweep queues them again. Global by nature: the sweep covers every organization.
 */
export async function listStaleDeliveries(olderThan: Date, limit: number): Promise<{ id: string; organizationId: string }[]> {
  return db.hookDelivery.findMany({ where: { status: "RECEIVED", attempts: 0, receivedAt: { lt: olderThan } }, select: { id: true, organizationId: true }, orderBy: { receivedAt: "asc" }, take: limit });
}

/**
 * Repositories the poller looks after: those with a subscription Azure DevOps refused to
 * create (NO_PERMISSION), or every repository with profiles when hooks are off. Global by
 * nature: the poll schedule covers every organization.
 */
export async function listPollingRepositories(hooksEnabled: boolean): Promise<{ organizationId: string; connectionId: string; projectId: string; repositoryId: string }[]> {
  if (!hooksEnabled) {
    const rows = await db.buildProfile.findMany({
      where: { connectionId: { not: null } },
      select: { organizationId: true, connectionId: true, projectId: true, repositoryId: true },
      distinct: ["connectionId", "repositoryId"],
    });
    return rows.map((row) => ({ organizationId: row.organizationId, connectionId: row.connectionId!, projectId: row.projectId, repositoryId: row.repositoryId }));
  }
  return db.hookSubscription.findMany({
    where: { state: "NO_PERMISSION" },
    select: { organizationId: true, connectionId: true, projectId: true, repositoryId: true },
    distinct: ["connectionId", "repositoryId"],
  });
}

/** The poller's cursors for one repository of a connection (ref → object id). */
export async function getPollCursors(scope: Scope, connectionId: string, repositoryId: string): Promise<Map<string, string>> {
  const rows = await db.pollCursor.findMany({ where: { connectionId, repositoryId: repositoryId.toLowerCase(), connection: { organizationId: scope.organizationId } }, select: { ref: true, objectId: true } });
  return new Map(rows.map((row) => [row.ref, row.objectId]));
}

/** Replaces the poller's cursors for one repository (what it saw this time). */
export async function savePollCursors(scope: Scope, connectionId: string, repositoryId: string, cursors: ReadonlyMap<string, string>): Promise<void> {
  const repository = repositoryId.toLowerCase();
  await db.$transaction(async (tx) => {
    const connection = await tx.connection.findFirst({ where: { id: connectionId, organizationId: scope.organizationId }, select: { id: true } });
    if (!connection) {
      return;
    }
    await tx.pollCursor.deleteMany({ where: { connectionId, repositoryId: repository, ref: { notIn: [...cursors.keys()] } } });
    // Only what moved is written: a repository's hundreds of tags and branches mostly stay put.
    const stored = new Map((await tx.pollCursor.findMany({ where: { connectionId, repositoryId: repository }, select: { ref: true, objectId: true } })).map((row) => [row.ref, row.objectId]));
    for (const [ref, objectId] of cursors) {
      if (stored.get(ref) === objectId) {
        continue;
      }
      await tx.pollCursor.upsert({ where: { connectionId_repositoryId_ref: { connectionId, repositoryId: repository, ref } }, create: { connectionId, repositoryId: repository, ref, objectId }, update: { objectId } });
    }
  });
}
