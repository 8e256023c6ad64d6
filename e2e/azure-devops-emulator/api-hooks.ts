import type { ApiContext } from "./core.js";
import { hookPermissionError, invalidArgumentError, notFoundError, projectNotFoundError, repoNotFoundError } from "./errors.js";
import { SECRET_INPUTS, type NotificationRecord, type NotificationResult, type NotificationStatus } from "./hooks.js";
import { guidFrom, randomGuid } from "./ids.js";
import { isRecord, parseJsonBody, queryInt, queryParam, send, sendJson, sendList } from "./http.js";
import { identityRefOf } from "./identities.js";
import type { SubscriptionRecord } from "./store.js";

/**
 * Event types the emulator accepts for subscriptions; git.push, git.pullrequest.created,
 * git.pullrequest.updated and pull-request comments are delivered (the others never fire here).
 */
const EVENT_TYPES = new Set([
  "git.push",
  "git.pullrequest.created",
  "git.pullrequest.updated",
  "git.pullrequest.merged",
  "ms.vss-code.git-pullrequest-comment-event",
  "build.complete",
  "ms.vss-pipelines.run-state-changed-event",
]);

/** Subscription JSON (docs/azure-devops-facts.md §1.6). */
function subscriptionJson(api: ApiContext, subscription: SubscriptionRecord): Record<string, unknown> {
  const store = api.core.store;
  const creator = store.user(subscription.createdById);
  const modifier = store.user(subscription.modifiedById);
  const consumerInputs: Record<string, string> = {};
  for (const [key, value] of Object.entries(subscription.consumerInputs)) {
    consumerInputs[key] = SECRET_INPUTS.has(key) && value.length > 0 ? "********" : value;
  }
  const repoId = subscription.publisherInputs.repository ?? "";
  const repo = repoId.length > 0 ? store.repo(api.host, undefined, repoId) : undefined;
  const branch = subscription.publisherInputs.branch ?? "";
  const eventDescription = `${repo ? `Repository ${repo.name}` : "Any repository"}${branch.length > 0 ? `, Branch ${branch}` : ""}`;
  let target = "";
  try {
    target = new URL(subscription.consumerInputs.url ?? "").host;
  } catch {
    target = subscription.consumerInputs.url ?? "";
  }
  const url = `${api.urls.base}/_apis/hooks/subscriptions/${subscription.id}`;
  return {
    id: subscription.id,
    url,
    status: subscription.status,
    publisherId: subscription.publisherId,
    eventType: subscription.eventType,
    subscriber: creator ? identityRefOf(creator, api.urls) : undefined,
    resourceVersion: subscription.resourceVersion,
    eventDescription,
    consumerId: subscription.consumerId,
    consumerActionId: subscription.consumerActionId,
    actionDescription: `To host ${target}`,
    createdBy: creator ? identityRefOf(creator, api.urls) : { id: subscription.createdById },
    createdDate: subscription.createdDate,
    modifiedBy: modifier ? identityRefOf(modifier, api.urls) : { id: subscription.modifiedById },
    modifiedDate: subscription.modifiedDate,
    publisherInputs: subscription.publisherInputs,
    consumerInputs,
    ...(subscription.probationRetries === undefined ? {} : { probationRetries: subscription.probationRetries }),
    ...(subscription.lastProbationRetryDate === undefined ? {} : { lastProbationRetryDate: subscription.lastProbationRetryDate }),
    _links: {
      self: { href: url },
      consumer: { href: `${api.urls.base}/_apis/hooks/consumers/${subscription.consumerId}` },
      actions: { href: `${api.urls.base}/_apis/hooks/consumers/${subscription.consumerId}/actions` },
      notifications: { href: `${url}/notifications` },
      publisher: { href: `${api.urls.base}/_apis/hooks/publishers/${subscription.publisherId}` },
    },
  };
}

/** Reads a string map (publisherInputs / consumerInputs), refusing non-string values. */
function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) {
    return {};
  }
  if (!isRecord(value)) {
    throw invalidArgumentError(`The field '${field}' must be an object of string values.`);
  }
  const result: Record<string, string> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === null || inner === undefined) {
      continue;
    }
    if (typeof inner !== "string" && typeof inner !== "number" && typeof inner !== "boolean") {
      throw invalidArgumentError(`The input '${field}.${key}' must be a string.`);
    }
    result[key] = String(inner);
  }
  return result;
}

/** Validates a subscription body and returns the record fields it defines. */
function parseSubscription(api: ApiContext): Omit<SubscriptionRecord, "id" | "createdById" | "createdDate" | "modifiedById" | "modifiedDate"> {
  const body = parseJsonBody(api.ctx.body);
  if (!isRecord(body)) {
    throw invalidArgumentError("Value cannot be null.\r\nParameter name: subscription");
  }
  const publisherId = typeof body.publisherId === "string" ? body.publisherId : "";
  const eventType = typeof body.eventType === "string" ? body.eventType : "";
  const consumerId = typeof body.consumerId === "string" ? body.consumerId : "";
  const consumerActionId = typeof body.consumerActionId === "string" ? body.consumerActionId : "";
  if (publisherId !== "tfs") {
    throw invalidArgumentError(`The publisher '${publisherId}' does not exist.`);
  }
  if (!EVENT_TYPES.has(eventType)) {
    throw invalidArgumentError(`The event type '${eventType}' is not supported by publisher 'tfs'.`);
  }
  if (consumerId !== "webHooks" || consumerActionId !== "httpRequest") {
    throw invalidArgumentError(`The consumer action '${consumerId}/${consumerActionId}' does not exist.`);
  }
  const publisherInputs = stringMap(body.publisherInputs, "publisherInputs");
  const consumerInputs = stringMap(body.consumerInputs, "consumerInputs");
  const url = consumerInputs.url ?? "";
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new Error("scheme");
    }
  } catch {
    throw invalidArgumentError(`The value '${url}' of input 'url' is not a valid absolute URL.`);
  }
  const store = api.core.store;
  const projectId = publisherInputs.projectId ?? "";
  const project = projectId.length > 0 ? store.project(api.host, projectId) : undefined;
  if (projectId.length > 0 && !project) {
    throw projectNotFoundError(projectId);
  }
  const repository = publisherInputs.repository ?? "";
  if (repository.length > 0) {
    const repo = store.repo(api.host, project, repository);
    if (!repo) {
      throw repoNotFoundError(repository);
    }
    publisherInputs.repository = repo.id;
  }
  const resourceVersion = typeof body.resourceVersion === "string" && body.resourceVersion.length > 0 ? body.resourceVersion : "1.0";
  return {
    publisherId,
    eventType,
    resourceVersion,
    consumerId,
    consumerActionId,
    publisherInputs,
    consumerInputs,
    status: "enabled",
  };
}

/** Refuses a user without the "Edit subscriptions" permission (control API `hooks/permission`). */
function requireHookEditor(api: ApiContext, projectId: string | undefined): void {
  if (api.host.hookEditorsDenied.has(api.principal.user.id)) {
    throw hookPermissionError(api.principal.user.displayName, projectId ?? "");
  }
}

/** `POST {base}/_apis/hooks/subscriptions` → 200 with the created subscription (docs/azure-devops-facts.md §1.6). */
export function createSubscription(api: ApiContext): void {
  const fields = parseSubscription(api);
  requireHookEditor(api, fields.publisherInputs.projectId);
  const now = api.core.store.clock.nowIso();
  const id = randomGuid();
  const subscription: SubscriptionRecord = {
    ...fields,
    id,
    // The server adds these two publisher inputs.
    publisherInputs: { ...fields.publisherInputs, hostId: api.host.id, tfsSubscriptionId: guidFrom(`tfs-subscription/${id}`) },
    createdById: api.principal.user.id,
    createdDate: now,
    modifiedById: api.principal.user.id,
    modifiedDate: now,
  };
  api.host.subscriptions.set(id.toLowerCase(), subscription);
  sendJson(api.ctx, 200, subscriptionJson(api, subscription), { apiVersion: api.apiVersion });
}

/** `GET {base}/_apis/hooks/subscriptions` with optional publisherId/eventType/consumerId filters. */
export function listSubscriptions(api: ApiContext): void {
  const filters: Array<[keyof SubscriptionRecord, string | undefined]> = [
    ["publisherId", queryParam(api.ctx.url, "publisherId")],
    ["eventType", queryParam(api.ctx.url, "eventType")],
    ["consumerId", queryParam(api.ctx.url, "consumerId")],
    ["consumerActionId", queryParam(api.ctx.url, "consumerActionId")],
  ];
  const value = [...api.host.subscriptions.values()]
    .filter((subscription) =>
      filters.every(([key, wanted]) => wanted === undefined || String(subscription[key]).toLowerCase() === wanted.toLowerCase()),
    )
    .sort((a, b) => a.createdDate.localeCompare(b.createdDate))
    .map((subscription) => subscriptionJson(api, subscription));
  sendList(api.ctx, value, { apiVersion: api.apiVersion });
}

/** The subscription or a 404. */
function findSubscription(api: ApiContext, id: string): SubscriptionRecord {
  const subscription = api.host.subscriptions.get(id.toLowerCase());
  if (!subscription) {
    throw notFoundError(`VS1043008: The subscription with id '${id}' does not exist.`, "SubscriptionNotFoundException");
  }
  return subscription;
}

/** `GET {base}/_apis/hooks/subscriptions/{id}`. */
export function getSubscription(api: ApiContext, id: string): void {
  sendJson(api.ctx, 200, subscriptionJson(api, findSubscription(api, id)), { apiVersion: api.apiVersion });
}

/** `PUT {base}/_apis/hooks/subscriptions/{id}`: replaces the definition, keeps id and creation data. */
export function replaceSubscription(api: ApiContext, id: string): void {
  const existing = findSubscription(api, id);
  const fields = parseSubscription(api);
  requireHookEditor(api, fields.publisherInputs.projectId);
  const body = parseJsonBody(api.ctx.body);
  const status = isRecord(body) && typeof body.status === "string" ? body.status : existing.status;
  if (!SUBSCRIPTION_STATUSES.has(status)) {
    throw invalidArgumentError(`The value '${status}' is not a valid subscription status.`);
  }
  const updated: SubscriptionRecord = {
    ...existing,
    ...fields,
    status,
    // Enabling a subscription (again) ends its probation.
    ...(status === "enabled" && existing.probationRetries !== undefined ? { probationRetries: 0 } : {}),
    publisherInputs: { ...fields.publisherInputs, hostId: api.host.id, tfsSubscriptionId: existing.publisherInputs.tfsSubscriptionId ?? "" },
    modifiedById: api.principal.user.id,
    modifiedDate: api.core.store.clock.nowIso(),
  };
  api.host.subscriptions.set(existing.id.toLowerCase(), updated);
  api.core.hooks.subscriptionChanged(api.ctx.deployment.name, api.host, existing.id);
  sendJson(api.ctx, 200, subscriptionJson(api, updated), { apiVersion: api.apiVersion });
}

/** `DELETE {base}/_apis/hooks/subscriptions/{id}` → 204. */
export function deleteSubscription(api: ApiContext, id: string): void {
  const subscription = findSubscription(api, id);
  requireHookEditor(api, subscription.publisherInputs.projectId);
  api.host.subscriptions.delete(subscription.id.toLowerCase());
  api.core.hooks.subscriptionChanged(api.ctx.deployment.name, api.host, subscription.id);
  send(api.ctx, 204, "", {});
}

const SUBSCRIPTION_STATUSES = new Set(["enabled", "onProbation", "disabledByUser", "disabledBySystem", "disabledByInactiveIdentity"]);
const NOTIFICATION_STATUSES = new Set<NotificationStatus>(["queued", "processing", "requestInProgress", "completed"]);
const NOTIFICATION_RESULTS = new Set<NotificationResult>(["pending", "succeeded", "failed", "filtered"]);

/** Notification JSON (hooks spec), with the delivered event in `details.event`. */
function notificationJson(notification: NotificationRecord, details: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: notification.id,
    subscriptionId: notification.subscriptionId,
    subscriberId: notification.subscriberId,
    eventId: notification.eventId,
    status: notification.status,
    result: notification.result,
    createdDate: notification.createdDate,
    modifiedDate: notification.modifiedDate,
  };
  if (details) {
    const detail: Record<string, unknown> = {
      publisherId: notification.publisherId,
      eventType: notification.eventType,
      consumerId: notification.consumerId,
      consumerActionId: notification.consumerActionId,
      publisherInputs: notification.publisherInputs,
      consumerInputs: notification.consumerInputs,
      event: notification.payload,
      queuedDate: notification.queuedDate,
      requestAttempts: notification.requestAttempts,
    };
    const optional: Array<[string, unknown]> = [
      ["dequeuedDate", notification.dequeuedDate],
      ["processedDate", notification.processedDate],
      ["completedDate", notification.completedDate],
      ["requestDuration", notification.requestDurationSeconds],
      ["request", notification.request],
      ["response", notification.response],
      ["errorMessage", notification.errorMessage],
      ["errorDetail", notification.errorDetail],
    ];
    for (const [key, value] of optional) {
      if (value !== undefined) {
        detail[key] = value;
      }
    }
    body.details = detail;
  }
  return body;
}

/** Notifications of one subscription of this organization/collection, newest first. */
function notificationsOf(api: ApiContext, subscription: SubscriptionRecord): NotificationRecord[] {
  return api.core.hooks
    .listNotifications({ subscriptionId: subscription.id })
    .filter((notification) => notification.deployment === api.ctx.deployment.name && notification.host === api.host.name);
}

/**
 * `GET {base}/_apis/hooks/subscriptions/{id}/notifications` (`maxResults` default 100,
 * `status`, `result`), newest first, each with its details (emulator choice: the event is
 * included so a client can backfill what it missed).
 */
export function listNotifications(api: ApiContext, id: string): void {
  const subscription = findSubscription(api, id);
  const status = queryParam(api.ctx.url, "status");
  const result = queryParam(api.ctx.url, "result");
  if (status !== undefined && !NOTIFICATION_STATUSES.has(status as NotificationStatus)) {
    throw invalidArgumentError(`The value '${status}' is not valid for status.`);
  }
  if (result !== undefined && !NOTIFICATION_RESULTS.has(result as NotificationResult)) {
    throw invalidArgumentError(`The value '${result}' is not valid for result.`);
  }
  const max = queryInt(api.ctx.url, "maxResults") ?? 100;
  const value = notificationsOf(api, subscription)
    .filter((notification) => (status === undefined || notification.status === status) && (result === undefined || notification.result === result))
    .slice(0, max)
    .map((notification) => notificationJson(notification, true));
  sendList(api.ctx, value, { apiVersion: api.apiVersion });
}

/** `GET {base}/_apis/hooks/subscriptions/{id}/notifications/{notificationId}`. */
export function getNotification(api: ApiContext, id: string, notificationId: string): void {
  const subscription = findSubscription(api, id);
  const notification = notificationsOf(api, subscription).find((candidate) => String(candidate.id) === notificationId);
  if (!notification) {
    throw notFoundError(`VS1043009: The notification with id '${notificationId}' does not exist for subscription '${subscription.id}'.`, "NotificationNotFoundException");
  }
  sendJson(api.ctx, 200, notificationJson(notification, true), { apiVersion: api.apiVersion });
}

/**
 * `POST {base}/_apis/hooks/notificationsquery`: `subscriptionIds`, `minCreatedDate`,
 * `maxCreatedDate`, `resultType`, `status`, `eventType`, `maxResults`,
 * `maxResultsPerSubscription`, `includeDetails`; answers the query with `results` and
 * `associatedSubscriptions` filled in.
 */
export function queryNotifications(api: ApiContext): void {
  const body = parseJsonBody(api.ctx.body);
  if (!isRecord(body)) {
    throw invalidArgumentError("Value cannot be null.\r\nParameter name: query");
  }
  const ids = Array.isArray(body.subscriptionIds) ? body.subscriptionIds.filter((value): value is string => typeof value === "string").map((value) => value.toLowerCase()) : undefined;
  const subscriptions = [...api.host.subscriptions.values()].filter((subscription) => ids === undefined || ids.includes(subscription.id.toLowerCase()));
  const min = typeof body.minCreatedDate === "string" ? Date.parse(body.minCreatedDate) : undefined;
  const max = typeof body.maxCreatedDate === "string" ? Date.parse(body.maxCreatedDate) : undefined;
  const perSubscription = typeof body.maxResultsPerSubscription === "number" ? body.maxResultsPerSubscription : undefined;
  const results: NotificationRecord[] = [];
  for (const subscription of subscriptions) {
    const matching = notificationsOf(api, subscription).filter((notification) => {
      const created = Date.parse(notification.createdDate);
      return (
        (min === undefined || created >= min) &&
        (max === undefined || created <= max) &&
        (typeof body.resultType !== "string" || notification.result === body.resultType) &&
        (typeof body.status !== "string" || notification.status === body.status) &&
        (typeof body.eventType !== "string" || notification.eventType === body.eventType) &&
        (typeof body.publisherId !== "string" || notification.publisherId === body.publisherId)
      );
    });
    results.push(...(perSubscription === undefined ? matching : matching.slice(0, perSubscription)));
  }
  results.sort((a, b) => b.id - a.id);
  const limited = typeof body.maxResults === "number" ? results.slice(0, body.maxResults) : results;
  const details = body.includeDetails === true;
  sendJson(
    api.ctx,
    200,
    {
      ...body,
      results: limited.map((notification) => notificationJson(notification, details)),
      associatedSubscriptions: subscriptions.filter((subscription) => limited.some((notification) => notification.subscriptionId === subscription.id)).map((subscription) => subscriptionJson(api, subscription)),
    },
    { apiVersion: api.apiVersion },
  );
}
