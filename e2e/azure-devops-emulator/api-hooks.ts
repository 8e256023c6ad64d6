import type { ApiContext } from "./core.js";
import { invalidArgumentError, notFoundError, projectNotFoundError, repoNotFoundError } from "./errors.js";
import { guidFrom, randomGuid } from "./ids.js";
import { isRecord, parseJsonBody, queryParam, send, sendJson, sendList } from "./http.js";
import { identityRefOf } from "./identities.js";
import type { SubscriptionRecord } from "./store.js";

/** Event types the emulator accepts for subscriptions; only git.push is ever delivered. */
const EVENT_TYPES = new Set([
  "git.push",
  "git.pullrequest.created",
  "git.pullrequest.updated",
  "git.pullrequest.merged",
  "build.complete",
  "ms.vss-pipelines.run-state-changed-event",
]);

/** Consumer inputs that are secrets and come back masked (emulator choice; UNVERIFIED). */
const SECRET_INPUTS = new Set(["basicAuthPassword"]);

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

/** `POST {base}/_apis/hooks/subscriptions` → 200 with the created subscription (docs/azure-devops-facts.md §1.6). */
export function createSubscription(api: ApiContext): void {
  const fields = parseSubscription(api);
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
  const body = parseJsonBody(api.ctx.body);
  const status = isRecord(body) && typeof body.status === "string" ? body.status : existing.status;
  const updated: SubscriptionRecord = {
    ...existing,
    ...fields,
    status,
    publisherInputs: { ...fields.publisherInputs, hostId: api.host.id, tfsSubscriptionId: existing.publisherInputs.tfsSubscriptionId ?? "" },
    modifiedById: api.principal.user.id,
    modifiedDate: api.core.store.clock.nowIso(),
  };
  api.host.subscriptions.set(existing.id.toLowerCase(), updated);
  sendJson(api.ctx, 200, subscriptionJson(api, updated), { apiVersion: api.apiVersion });
}

/** `DELETE {base}/_apis/hooks/subscriptions/{id}` → 204. */
export function deleteSubscription(api: ApiContext, id: string): void {
  const subscription = findSubscription(api, id);
  api.host.subscriptions.delete(subscription.id.toLowerCase());
  send(api.ctx, 204, "", {});
}
