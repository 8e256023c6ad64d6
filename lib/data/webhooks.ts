import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import { db, type Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { Prisma, type BuildStatus, type OutgoingDeliveryState } from "@/lib/generated/prisma/client";
import { can, refusalOf } from "@/lib/policy";
import { onBehalfOf, type Scope } from "@/lib/scope";
import { openSecret, sealSecret } from "@/lib/secrets";
import { appInfoOf } from "@/lib/shared/app-info";
import { changesJson } from "@/lib/shared/build-changes";
import { secretsWithheldBecause, stepJson, stepJsonSelect, targetBranchOf, upstreamBuildJson } from "@/lib/shared/builds";
import { eventOfStatus, MAX_WEBHOOKS, WEBHOOK_SECRET_PREFIX, type WebhookEvent } from "@/lib/shared/webhooks";
import { recordAudit } from "./audit";

// Outgoing webhooks (lib/webhooks/README.md): an organization's receivers of build events, and
// the outbox of their deliveries. The URL (it may carry a token) and the signing secret are
// sealed, omitted from every query by default and opened only by the sender; pages see the host.

const URL_SEALED = { table: "OutgoingWebhook", column: "urlSealed" } as const;
const SECRET_SEALED = { table: "OutgoingWebhook", column: "secretSealed" } as const;

function requireManage(scope: Scope): void {
  if (!can(scope, "webhook.manage")) {
    throw new AppError("FORBIDDEN", refusalOf("webhook.manage"));
  }
}

function newSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
}

export type WebhookView = {
  id: string;
  name: string;
  host: string;
  events: string[];
  /** Builds of every profile (true), or only of `profiles` (false; none left when they were all deleted). */
  allProfiles: boolean;
  profiles: Array<{ id: string; name: string }>;
  createdAt: Date;
  createdBy: { name: string } | null;
};

const webhookView = {
  id: true,
  name: true,
  host: true,
  events: true,
  allProfiles: true,
  profiles: { select: { profile: { select: { id: true, name: true } } }, orderBy: { profile: { name: "asc" } } },
  createdAt: true,
  createdBy: { select: { name: true } },
} as const;

type WebhookRow = Omit<WebhookView, "profiles"> & { profiles: Array<{ profile: { id: string; name: string } }> };

function viewOf(row: WebhookRow): WebhookView {
  return { ...row, profiles: row.profiles.map((entry) => entry.profile) };
}

/**
 * The profiles a webhook is for, checked to be the organization's (null: all profiles); refused
 * when one was deleted since the form was shown. Returns their names, sorted, for the audit log.
 */
async function chosenProfiles(tx: Tx, organizationId: string, profileIds: string[] | null): Promise<string[] | null> {
  if (profileIds === null) {
    return null;
  }
  const found = await tx.buildProfile.findMany({ where: { id: { in: profileIds }, organizationId }, select: { name: true }, orderBy: { name: "asc" } });
  if (found.length !== new Set(profileIds).size) {
    throw new AppError("CONFLICT", "One of the chosen build profiles no longer exists: reload the page and choose again.");
  }
  return found.map((profile) => profile.name);
}

/** Points the webhook at these profiles (replacing the ones before), or at all of them. */
async function setWebhookProfiles(tx: Tx, organizationId: string, webhookId: string, profileIds: string[] | null): Promise<void> {
  await tx.outgoingWebhookProfile.deleteMany({ where: { webhookId } });
  if (profileIds !== null) {
    await tx.outgoingWebhookProfile.createMany({ data: [...new Set(profileIds)].map((profileId) => ({ webhookId, profileId, organizationId })) });
  }
}

export type WebhookSummary = WebhookView & {
  /** The newest delivery's outcome, or null before the first. */
  last: { state: OutgoingDeliveryState; event: string; createdAt: Date; responseStatus: number | null; attempts: number; error: string | null } | null;
  pending: number;
};

/** The organization's webhooks with their latest delivery and how many wait (admins). */
export async function listWebhooks(scope: Scope): Promise<WebhookSummary[]> {
  requireManage(scope);
  const rows = await db.outgoingWebhook.findMany({
    where: { organizationId: scope.organizationId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: {
      ...webhookView,
      deliveries: { orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1, select: { state: true, event: true, createdAt: true, responseStatus: true, attempts: true, error: true } },
      _count: { select: { deliveries: { where: { state: "PENDING" } } } },
    },
  });
  return rows.map(({ deliveries, _count, ...webhook }) => ({ ...viewOf(webhook), last: deliveries[0] ?? null, pending: _count.deliveries }));
}

/** One webhook of the organization, or null (the actions' target; they check `webhook.manage` first). */
export async function getWebhook(scope: Scope, id: string): Promise<WebhookView | null> {
  const row = await db.outgoingWebhook.findFirst({ where: { id, organizationId: scope.organizationId }, select: webhookView });
  return row ? viewOf(row) : null;
}

/**
 * Adds a webhook (admins; audited without the URL) with a new signing secret, and queues a
 * `ping` delivery so the admin sees at once whether the receiver answers. Returns the secret:
 * the one time anyone sees it.
 */
export type WebhookInput = {
  name: string;
  events: WebhookEvent[];
  /** The profiles whose builds it hears of; null for all of them (and those added later). */
  profileIds: string[] | null;
};

export async function createWebhook(scope: Scope, input: WebhookInput & { url: string; host: string }): Promise<{ id: string; name: string; secret: string; pingId: string }> {
  requireManage(scope);
  const id = randomUUID();
  const secret = newSecret();
  const pingId = randomUUID();
  await db.$transaction(async (tx) => {
    // Counted under the organization's row lock, so two admins cannot both add the eleventh.
    await tx.$executeRaw`SELECT 1 FROM "Organization" WHERE id = ${scope.organizationId}::uuid FOR UPDATE`;
    const count = await tx.outgoingWebhook.count({ where: { organizationId: scope.organizationId } });
    if (count >= MAX_WEBHOOKS) {
      throw new AppError("CONFLICT", `Your organization has ${MAX_WEBHOOKS} webhooks, the most it may have: delete one it no longer needs first.`);
    }
    const organization = await tx.organization.findUniqueOrThrow({ where: { id: scope.organizationId }, select: { id: true, name: true } });
    const profiles = await chosenProfiles(tx, scope.organizationId, input.profileIds);
    await tx.outgoingWebhook.create({
      data: {
        id,
        organizationId: scope.organizationId,
        name: input.name,
        urlSealed: sealSecret(URL_SEALED, id, input.url),
        host: input.host,
        secretSealed: sealSecret(SECRET_SEALED, id, secret),
        events: input.events,
        allProfiles: input.profileIds === null,
        createdById: onBehalfOf(scope),
      },
    });
    await setWebhookProfiles(tx, scope.organizationId, id, input.profileIds);
    await tx.outgoingDelivery.create({ data: { id: pingId, organizationId: scope.organizationId, webhookId: id, event: "ping", payload: pingPayload(organization, { id, name: input.name, events: input.events }) } });
    await recordAudit(scope, { action: "webhook.created", targetType: "webhook", targetId: id, data: { name: input.name, host: input.host, events: input.events, profiles: profiles ?? "all" } }, tx);
  });
  return { id, name: input.name, secret, pingId };
}

function pingPayload(organization: { id: string; name: string }, webhook: { id: string; name: string; events: string[] }): Prisma.InputJsonValue {
  return { event: "ping", occurredAt: new Date().toISOString(), organization, webhook: { id: webhook.id, name: webhook.name, events: webhook.events } };
}

/** Queues a `ping` delivery (the page's "Send a ping"); returns its id. */
export async function pingWebhook(scope: Scope, id: string): Promise<string> {
  requireManage(scope);
  const webhook = await db.outgoingWebhook.findFirst({ where: { id, organizationId: scope.organizationId }, select: { id: true, name: true, events: true, organization: { select: { id: true, name: true } } } });
  if (!webhook) {
    throw new AppError("NOT_FOUND", "That webhook does not exist in your organization.");
  }
  const delivery = await db.outgoingDelivery.create({ data: { organizationId: scope.organizationId, webhookId: id, event: "ping", payload: pingPayload(webhook.organization, webhook) }, select: { id: true } });
  return delivery.id;
}

/**
 * Changes a webhook's name and events, and its URL when a new one is given (`url` null keeps the
 * stored one); audited with what changed, never the URL. Pending deliveries are sent as they are;
 * from now on only the chosen events are added.
 */
export async function updateWebhook(scope: Scope, id: string, input: WebhookInput & { url: string | null; host: string | null }): Promise<{ name: string; changed: string[] }> {
  requireManage(scope);
  return db.$transaction(async (tx) => {
    const webhook = await tx.outgoingWebhook.findFirst({
      where: { id, organizationId: scope.organizationId },
      select: { name: true, host: true, events: true, allProfiles: true, profiles: { select: { profile: { select: { name: true } } }, orderBy: { profile: { name: "asc" } } } },
    });
    if (!webhook) {
      throw new AppError("NOT_FOUND", "That webhook does not exist in your organization.");
    }
    const profiles = await chosenProfiles(tx, scope.organizationId, input.profileIds);
    const profilesBefore = webhook.allProfiles ? "all" : webhook.profiles.map((entry) => entry.profile.name);
    const changed = [
      ...(webhook.name !== input.name ? ["name"] : []),
      ...(input.url !== null ? ["url"] : []),
      ...(JSON.stringify(webhook.events) !== JSON.stringify(input.events) ? ["events"] : []),
      ...(JSON.stringify(profilesBefore) !== JSON.stringify(profiles ?? "all") ? ["profiles"] : []),
    ];
    if (changed.length === 0) {
      return { name: webhook.name, changed };
    }
    await tx.outgoingWebhook.update({
      where: { id },
      data: {
        name: input.name,
        events: input.events,
        allProfiles: input.profileIds === null,
        ...(input.url !== null && input.host !== null ? { urlSealed: sealSecret(URL_SEALED, id, input.url), host: input.host } : {}),
      },
    });
    if (changed.includes("profiles")) {
      await setWebhookProfiles(tx, scope.organizationId, id, input.profileIds);
    }
    await recordAudit(
      scope,
      {
        action: "webhook.updated",
        targetType: "webhook",
        targetId: id,
        data: {
          name: input.name,
          changed,
          host: input.host ?? webhook.host,
          events: input.events,
          profiles: profiles ?? "all",
          ...(changed.includes("name") ? { nameBefore: webhook.name } : {}),
          ...(changed.includes("url") ? { hostBefore: webhook.host } : {}),
          ...(changed.includes("events") ? { eventsBefore: webhook.events } : {}),
          ...(changed.includes("profiles") ? { profilesBefore } : {}),
        },
      },
      tx,
    );
    return { name: input.name, changed };
  });
}

/** Replaces the signing secret (audited); returns the new one, shown once. Deliveries from now on are signed with it. */
export async function rotateWebhookSecret(scope: Scope, id: string): Promise<{ name: string; secret: string }> {
  requireManage(scope);
  const secret = newSecret();
  return db.$transaction(async (tx) => {
    const webhook = await tx.outgoingWebhook.findFirst({ where: { id, organizationId: scope.organizationId }, select: { name: true, host: true } });
    if (!webhook) {
      throw new AppError("NOT_FOUND", "That webhook does not exist in your organization.");
    }
    await tx.outgoingWebhook.update({ where: { id }, data: { secretSealed: sealSecret(SECRET_SEALED, id, secret) } });
    await recordAudit(scope, { action: "webhook.secret_rotated", targetType: "webhook", targetId: id, data: { name: webhook.name, host: webhook.host } }, tx);
    return { name: webhook.name, secret };
  });
}

/** Deletes a webhook and its deliveries (audited); nothing more is sent to it. */
export async function deleteWebhook(scope: Scope, id: string): Promise<{ name: string }> {
  requireManage(scope);
  return db.$transaction(async (tx) => {
    const webhook = await tx.outgoingWebhook.findFirst({ where: { id, organizationId: scope.organizationId }, select: { name: true, host: true, events: true } });
    if (!webhook) {
      throw new AppError("NOT_FOUND", "That webhook does not exist in your organization.");
    }
    await tx.outgoingWebhook.delete({ where: { id } });
    await recordAudit(scope, { action: "webhook.deleted", targetType: "webhook", targetId: id, data: webhook }, tx);
    return { name: webhook.name };
  });
}

export type DeliveryView = {
  id: string;
  webhookId: string;
  event: string;
  buildId: string | null;
  state: OutgoingDeliveryState;
  attempts: number;
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number | null;
  error: string | null;
  redeliveryOf: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
};

const deliveryView = {
  id: true,
  webhookId: true,
  event: true,
  buildId: true,
  state: true,
  attempts: true,
  responseStatus: true,
  responseBody: true,
  durationMs: true,
  error: true,
  redeliveryOf: true,
  createdAt: true,
  lastAttemptAt: true,
} as const;

/** A webhook's newest deliveries, for its page. */
export async function listDeliveries(scope: Scope, webhookId: string, take = 50): Promise<Array<DeliveryView & { buildLabel: string | null }>> {
  requireManage(scope);
  const rows = await db.outgoingDelivery.findMany({ where: { webhookId, organizationId: scope.organizationId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take, select: { ...deliveryView, payload: true } });
  return rows.map(({ payload, ...row }) => ({ ...row, buildLabel: buildLabelOf(payload) }));
}

/** "Wallet iOS #12", from a delivery's body (the build may have been deleted since). */
function buildLabelOf(payload: Prisma.JsonValue): string | null {
  const build = typeof payload === "object" && payload !== null && !Array.isArray(payload) ? (payload as { build?: { number?: unknown; profile?: { name?: unknown } } }).build : undefined;
  return build && typeof build.number === "number" ? `${typeof build.profile?.name === "string" ? `${build.profile.name} ` : ""}#${build.number}` : null;
}

/** One delivery of the organization, or null (the Redeliver action's target). */
export async function getOutgoingDelivery(scope: Scope, id: string): Promise<DeliveryView | null> {
  return db.outgoingDelivery.findFirst({ where: { id, organizationId: scope.organizationId }, select: deliveryView });
}

/** Sends a delivery again: a new delivery with the same event and body, audited. */
export async function redeliver(scope: Scope, deliveryId: string): Promise<{ id: string; webhookId: string }> {
  requireManage(scope);
  return db.$transaction(async (tx) => {
    const original = await tx.outgoingDelivery.findFirst({ where: { id: deliveryId, organizationId: scope.organizationId }, select: { webhookId: true, event: true, buildId: true, payload: true } });
    if (!original) {
      throw new AppError("NOT_FOUND", "That delivery does not exist any more (deliveries are kept 30 days).");
    }
    const copy = await tx.outgoingDelivery.create({
      data: { organizationId: scope.organizationId, webhookId: original.webhookId, event: original.event, buildId: original.buildId, payload: original.payload ?? Prisma.JsonNull, redeliveryOf: deliveryId },
      select: { id: true },
    });
    await recordAudit(scope, { action: "webhook.redelivered", targetType: "webhook", targetId: original.webhookId, data: { event: original.event, deliveryId, newDeliveryId: copy.id } }, tx);
    return { id: copy.id, webhookId: original.webhookId };
  });
}

/**
 * The outbox: a delivery for every webhook of the organization that takes this state change's
 * event and is for the build's profile (or all profiles), written in the transaction of the
 * change (lib/data/builds.ts, `addReports`), with the build as it is at that moment. One query
 * when the organization has no such webhook.
 */
export async function addWebhookDeliveries(tx: Tx, organizationId: string, buildId: string, status: BuildStatus): Promise<void> {
  const event = eventOfStatus(status);
  const hooks = await tx.outgoingWebhook.findMany({
    where: { organizationId, events: { has: event }, OR: [{ allProfiles: true }, { profiles: { some: { profile: { builds: { some: { id: buildId } } } } } }] },
    select: { id: true },
  });
  if (hooks.length === 0) {
    return;
  }
  const build = await tx.build.findUniqueOrThrow({
    where: { id: buildId },
    select: {
      id: true,
      number: true,
      trigger: true,
      commitId: true,
      branch: true,
      tag: true,
      commitMessage: true,
      commitAuthor: true,
      pullRequestId: true,
      targetRef: true,
      secretsWithheld: true,
      secretsWithheldFor: true,
      secretsWithheldWhy: true,
      changes: true,
      pool: true,
      statusReason: true,
      workerLostAt: true,
      retriedAs: { select: { id: true, number: true } },
      retryOf: { select: { id: true, number: true } },
      upstreamBuild: { select: { id: true, number: true, profile: { select: { id: true, name: true } } } },
      queuedAt: true,
      startedAt: true,
      finishedAt: true,
      requestedBy: { select: { name: true } },
      profile: { select: { id: true, name: true, platform: true } },
      organization: { select: { id: true, name: true } },
      // Only build.finished carries its steps (the others would list them pending).
      stepRuns: event === "build.finished" ? { orderBy: { index: "asc" }, select: stepJsonSelect } : false,
    },
  });
  // What a finished build kept (a receiver that publishes the app needs no second request to learn it).
  const artifacts =
    event === "build.finished"
      ? (await tx.buildArtifact.findMany({ where: { buildId, complete: true }, orderBy: [{ path: "asc" }, { createdAt: "asc" }], select: { id: true, path: true, size: true, sha256: true, app: true } })).map((artifact) => ({
          id: artifact.id,
          path: artifact.path,
          size: Number(artifact.size),
          sha256: artifact.sha256 ?? "",
          app: appInfoOf(artifact.app),
        }))
      : [];
  // The build as the token API's GET /api/v1/builds/{id} names its fields (README, "Webhooks"); the
  // sender adds webUrl, apiUrl and the artifacts' download links.
  const payload = {
    event,
    occurredAt: new Date().toISOString(),
    organization: build.organization,
    build: {
      id: build.id,
      number: build.number,
      status,
      finished: event === "build.finished",
      trigger: build.trigger,
      branch: build.branch?.replace(/^refs\/heads\//, "") ?? null,
      tag: build.tag,
      commit: build.commitId,
      commitMessage: build.commitMessage,
      commitAuthor: build.commitAuthor,
      pullRequest: build.pullRequestId,
      targetBranch: targetBranchOf(build),
      // A fork's pull request built by itself without the profile's secrets (lib/hooks/README.md): a receiver never ships it.
      secretsWithheld: build.secretsWithheld,
      secretsWithheldBecause: secretsWithheldBecause(build),
      queuedAt: build.queuedAt.toISOString(),
      startedAt: build.startedAt?.toISOString() ?? null,
      finishedAt: build.finishedAt?.toISOString() ?? null,
      requestedBy: build.requestedBy?.name ?? null,
      profile: build.profile,
      pool: build.pool,
      statusReason: build.statusReason,
      // Keel lost its worker; the build its profile started again in its place (lib/builds/README.md, "A lost worker").
      workerLost: build.workerLostAt !== null,
      retriedAs: build.retriedAs,
      retryOf: build.retryOf,
      // The other profile's build whose success started it (trigger AFTER_BUILD), or null.
      upstreamBuild: upstreamBuildJson(build.upstreamBuild),
      // The commits since its line's last successful build (known once it runs), as the token API.
      changes: changesJson(build.changes),
      // A finished build's steps as the token API lists them: a chat bot names the step that failed.
      steps: build.stepRuns?.map(stepJson) ?? [],
      artifacts,
    },
  };
  await tx.outgoingDelivery.createMany({ data: hooks.map((hook) => ({ organizationId, webhookId: hook.id, event, buildId, payload })) });
}

/** The webhooks with deliveries of this build still to send (whose sender to wake). */
export async function webhooksWithPending(scope: Scope, buildId: string): Promise<string[]> {
  const rows = await db.outgoingDelivery.findMany({ where: { organizationId: scope.organizationId, buildId, state: "PENDING" }, distinct: ["webhookId"], select: { webhookId: true } });
  return rows.map((row) => row.webhookId);
}

/** The webhook with its URL and secret opened (the sender, right before it posts), or null when it was deleted. */
export async function openWebhook(scope: Scope, id: string): Promise<{ id: string; name: string; url: string; secret: string } | null> {
  const row = await db.outgoingWebhook.findFirst({ where: { id, organizationId: scope.organizationId }, select: { id: true, name: true, urlSealed: true, secretSealed: true } });
  return row ? { id: row.id, name: row.name, url: openSecret(URL_SEALED, row.id, row.urlSealed), secret: openSecret(SECRET_SEALED, row.id, row.secretSealed) } : null;
}

/** A webhook's deliveries still to send, oldest first (each receiver gets its events in order). */
export async function pendingDeliveries(scope: Scope, webhookId: string, take: number): Promise<Array<{ id: string; event: string; payload: Prisma.JsonValue; attempts: number }>> {
  return db.outgoingDelivery.findMany({
    where: { webhookId, organizationId: scope.organizationId, state: "PENDING" },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take,
    select: { id: true, event: true, payload: true, attempts: true },
  });
}

/**
 * Records one attempt: its answer, and whether the delivery is done (SENT), given up (FAILED) or
 * still PENDING. A build event given up tells the admins in the same transaction (a crash cannot
 * lose the notice once the delivery stops being pending). The notice is written first: it locks
 * the organization's row (its key) before the delivery's, the order in which deleting the
 * organization takes them, so the two never deadlock.
 */
export async function recordDeliveryAttempt(
  scope: Scope,
  id: string,
  outcome: { state: OutgoingDeliveryState; responseStatus: number | null; responseBody: string | null; durationMs: number | null; error: string | null },
): Promise<void> {
  await db.$transaction(async (tx) => {
    if (outcome.state === "FAILED") {
      await noticeWebhookFailing(tx, scope, id, outcome);
    }
    await tx.outgoingDelivery.updateMany({
      where: { id, organizationId: scope.organizationId },
      data: { ...outcome, responseBody: outcome.responseBody?.slice(0, 1_000) ?? null, error: outcome.error?.slice(0, 500) ?? null, attempts: { increment: 1 }, lastAttemptAt: new Date() },
    });
  });
}

/**
 * Tells the organization's admins (a notice, e-mailed) that a webhook gives up a build event
 * (`deliveryId`, about to be marked FAILED with `outcome`): the release dashboard missed a build, and nobody looks at
 * the delivery log until someone asks why. Once per failing spell: only when the webhook's
 * previous finished build event got through, or there was none (pings are the admin's own checks
 * and neither start nor end a spell). Returns whether a notice was made.
 */
async function noticeWebhookFailing(tx: Tx, scope: Scope, deliveryId: string, outcome: { responseStatus: number | null; error: string | null }): Promise<boolean> {
  const failed = await tx.outgoingDelivery.findFirst({
    where: { id: deliveryId, organizationId: scope.organizationId, state: "PENDING", event: { not: "ping" } },
    select: { webhookId: true, event: true, payload: true, webhook: { select: { name: true, host: true } } },
  });
  if (!failed) {
    return false;
  }
  const webhookId = failed.webhookId;
  const previous = await tx.outgoingDelivery.findFirst({
    where: { webhookId, organizationId: scope.organizationId, id: { not: deliveryId }, event: { not: "ping" }, state: { in: ["SENT", "FAILED"] } },
    orderBy: [{ lastAttemptAt: { sort: "desc", nulls: "last" } }, { id: "desc" }],
    select: { state: true },
  });
  const admins = await tx.membership.findMany({ where: { organizationId: scope.organizationId, role: "ADMIN", user: { isActive: true } }, select: { userId: true } });
  if (previous?.state === "FAILED" || admins.length === 0) {
    return false;
  }
  const webhook = failed.webhook;
  const { count } = await tx.notification.createMany({
    data: [
      {
        organizationId: scope.organizationId,
        connectionId: null,
        kind: "webhook.failing",
        dedupeKey: `webhook.failing:${deliveryId}`,
        data: { webhookId, name: webhook.name, host: webhook.host, event: failed.event, build: buildLabelOf(failed.payload), status: outcome.responseStatus, reason: outcome.error?.slice(0, 500) ?? null },
        recipientIds: admins.map((admin) => admin.userId),
      },
    ],
    skipDuplicates: true,
  });
  return count > 0;
}

/** Webhooks whose oldest pending delivery is older than `before` (the sweeper wakes their sender: a lost job, a crash). */
export async function webhooksWithStaleDeliveries(before: Date): Promise<Array<{ webhookId: string; organizationId: string }>> {
  return db.outgoingDelivery.findMany({ where: { state: "PENDING", createdAt: { lt: before } }, distinct: ["webhookId"], select: { webhookId: true, organizationId: true }, take: 500 });
}

/** Deletes deliveries older than `days` (housekeeping). */
export async function pruneDeliveries(days: number): Promise<number> {
  const deleted = await db.outgoingDelivery.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - days * 24 * 3_600_000) } } });
  return deleted.count;
}
