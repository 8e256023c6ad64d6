import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";
import { randomGuid } from "./ids.js";
import { maskHeaders, MASK } from "./request-log.js";
import type { HostRecord, Store, SubscriptionRecord } from "./store.js";

/**
 * Service-hook delivery as Azure DevOps does it (Microsoft's "Troubleshoot service hooks" page, learn.microsoft.com/azure/devops/service-hooks/troubleshoot):
 * events are queued per subscription and POSTed asynchronously, in order, to the webHooks
 * consumer URL with its `httpHeaders` and Basic credentials.
 *
 * - 2xx: succeeded (a subscription on probation is enabled again).
 * - 410 Gone: terminal, the subscription is disabled (`disabledBySystem`).
 * - 408, 502, 503, 504 (and, emulator choice, a refused/reset connection or a timeout):
 *   transient, resent after ~1, 2, 4, 8, 16, 32, 60, 60 s; when that runs out it counts as
 *   an enduring failure.
 * - anything else: enduring, the subscription goes `onProbation`. On probation the failed
 *   notification is retried after ~20 min, 40 min, 1 h 20, 2 h 40, 5 h 20, 10 h 40, 15 h
 *   (later notifications wait behind it); a success enables the subscription, and when the
 *   seventh retry fails the subscription is `disabledBySystem` and what was queued fails.
 *
 * The delays are configurable (`HookPolicy`) so tests need not wait hours, and
 * `retryNow()` runs every scheduled retry at once. Every attempt is logged (`list()`), every
 * notification keeps the history the notifications API serves.
 */

export type HookPolicy = {
  /** Waits before each resend of a transient failure; its length is the number of resends. */
  transientRetryDelaysMs: number[];
  /** Waits before each retry while on probation; its length is the retries before disabling. */
  probationRetryDelaysMs: number[];
  /** How long one POST may take before it counts as a (transient) timeout. */
  requestTimeoutMs: number;
};

const MINUTE = 60_000;

/** Microsoft's documented schedule (request timeout: emulator choice). */
export const MICROSOFT_HOOK_POLICY: HookPolicy = {
  transientRetryDelaysMs: [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000],
  probationRetryDelaysMs: [20 * MINUTE, 40 * MINUTE, 80 * MINUTE, 160 * MINUTE, 320 * MINUTE, 640 * MINUTE, 900 * MINUTE],
  requestTimeoutMs: 20_000,
};

export type DeliveryOutcome = "succeeded" | "transient" | "enduring" | "terminal";

/** One POST of a notification to a consumer URL. */
export type DeliveryRecord = {
  id: number;
  deployment: string;
  host: string;
  subscriptionId: string;
  notificationId: number;
  eventId: string;
  eventType: string;
  url: string;
  /** 1 for the first POST of a notification, 2 for its first retry, … */
  attempt: number;
  /** Headers sent, secrets masked. */
  requestHeaders: Record<string, string>;
  payload: unknown;
  /** HTTP status, absent when the connection failed or timed out. */
  status?: number;
  error?: string;
  outcome: DeliveryOutcome;
  durationMs: number;
  /** The subscription's status after this attempt. */
  subscriptionStatus: string;
  time: string;
};

export type NotificationStatus = "queued" | "processing" | "requestInProgress" | "completed";
export type NotificationResult = "pending" | "succeeded" | "failed" | "filtered";

/** One event for one subscription: what `_apis/hooks/subscriptions/{id}/notifications` lists. */
export type NotificationRecord = {
  id: number;
  deployment: string;
  host: string;
  subscriptionId: string;
  subscriberId: string;
  eventId: string;
  eventType: string;
  status: NotificationStatus;
  result: NotificationResult;
  createdDate: string;
  modifiedDate: string;
  queuedDate: string;
  dequeuedDate?: string;
  processedDate?: string;
  completedDate?: string;
  requestAttempts: number;
  requestDurationSeconds?: number;
  /** Request as the history shows it (secrets masked). */
  request?: string;
  response?: string;
  errorMessage?: string;
  errorDetail?: string;
  payload: Record<string, unknown>;
  url: string;
  publisherId: string;
  consumerId: string;
  consumerActionId: string;
  publisherInputs: Record<string, string>;
  /** Consumer inputs with secrets masked. */
  consumerInputs: Record<string, string>;
};

/** What a caller learns when an event is published. */
export type NotificationSummary = { subscriptionId: string; notificationId: number; eventType: string; eventId: string };

/** An event to deliver: which subscriptions want it and the payload each gets. */
export type HookEvent = {
  deployment: string;
  host: HostRecord;
  eventType: string;
  matches(subscription: SubscriptionRecord): boolean;
  payload(subscription: SubscriptionRecord, notificationId: number, eventId: string, createdDate: string): Record<string, unknown>;
};

export type DeliveryFilter = {
  subscriptionId?: string;
  notificationId?: number;
  eventType?: string;
  /** Consumer URL prefix. */
  url?: string;
  outcome?: DeliveryOutcome;
  /** Only deliveries with an id greater than this. */
  since?: number;
};

export type NotificationFilter = {
  subscriptionId?: string;
  eventType?: string;
  status?: NotificationStatus;
  result?: NotificationResult;
};

/** Thrown when a wait runs out of time; carries what matched so far. */
export class WaitTimeout extends Error {
  readonly matched: unknown[];

  constructor(message: string, matched: unknown[]) {
    super(message);
    this.matched = matched;
  }
}

/** Consumer inputs that are secrets. */
export const SECRET_INPUTS = new Set(["basicAuthPassword"]);

/** Parses the webHooks consumer's `httpHeaders` input: "Key:value" one per line (docs/azure-devops-facts.md §1.6). */
export function parseHttpHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of (raw ?? "").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) {
      continue;
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.length > 0) {
      headers[name] = value;
    }
  }
  return headers;
}

/** Classifies an attempt's result (the troubleshoot page's "Failure types"). */
export function classify(status: number | undefined): DeliveryOutcome {
  if (status === undefined || status === 408 || status === 502 || status === 503 || status === 504) {
    return "transient";
  }
  if (status >= 200 && status < 300) {
    return "succeeded";
  }
  if (status === 410) {
    return "terminal";
  }
  return "enduring";
}

type PostResult = { status?: number; error?: string; body: string; headers: Record<string, string>; durationMs: number };

/** Sends one POST; resolves with what happened (never rejects). */
function post(url: string, body: string, headers: Record<string, string>, options: { acceptUntrusted: boolean; caPem: string; timeoutMs: number }): Promise<PostResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const done = (result: Omit<PostResult, "durationMs">): void => resolve({ ...result, durationMs: Date.now() - started });
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      done({ error: "invalid consumer URL", body: "", headers: {} });
      return;
    }
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const request = send(
      target,
      {
        method: "POST",
        headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
        timeout: options.timeoutMs,
        // The emulator's own CA is trusted so hooks can target the emulator's TLS listeners.
        ...(target.protocol === "https:" ? { rejectUnauthorized: !options.acceptUntrusted, ca: [...rootCertificates, options.caPem] } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= 4096) {
            chunks.push(chunk);
          }
        });
        const headersOut = Object.fromEntries(Object.entries(response.headers).map(([key, value]) => [key, Array.isArray(value) ? value.join(", ") : (value ?? "")]));
        response.on("end", () => done({ status: response.statusCode, body: Buffer.concat(chunks).toString("utf8").slice(0, 4096), headers: headersOut }));
        response.on("error", (error) => done({ status: response.statusCode, error: error.message, body: "", headers: headersOut }));
      },
    );
    request.on("timeout", () => {
      request.destroy(new Error(`timed out after ${options.timeoutMs} ms`));
    });
    request.on("error", (error) => done({ error: error.message, body: "", headers: {} }));
    request.end(body);
  });
}

type Pending = {
  notification: NotificationRecord;
  /** Headers with secrets, as sent. */
  headers: Record<string, string>;
  body: string;
  acceptUntrusted: boolean;
  transientRetries: number;
};

/** A subscription's queue: one notification in flight at a time, in order. */
type Lane = {
  key: string;
  host: HostRecord;
  subscriptionId: string;
  queue: Pending[];
  busy: boolean;
  timer?: NodeJS.Timeout;
  fire?: () => void;
};

type Waiter = { check: () => boolean; resolve: () => void };

/** Delivers service-hook events and keeps the history of every notification and attempt. */
export class HookDispatcher {
  private deliveries: DeliveryRecord[] = [];
  private notifications = new Map<number, NotificationRecord>();
  private lanes = new Map<string, Lane>();
  private waiters = new Set<Waiter>();
  private nextDeliveryId = 1;
  private generation = 0;
  private readonly caPem: () => string;
  private readonly initialPolicy: HookPolicy;
  private currentPolicy: HookPolicy;
  /** The emulator clock (ISO), for dates in notifications and the delivery log. */
  private readonly now: () => string;

  constructor(caPem: () => string, policy: HookPolicy = MICROSOFT_HOOK_POLICY, now: () => string = () => new Date().toISOString()) {
    this.caPem = caPem;
    this.initialPolicy = policy;
    this.currentPolicy = policy;
    this.now = now;
  }

  /** The retry schedule in force. */
  get policy(): HookPolicy {
    return this.currentPolicy;
  }

  /** Changes the retry schedule (missing fields keep their value); `reset` restores the start-up one. */
  setPolicy(policy: Partial<HookPolicy>): HookPolicy {
    this.currentPolicy = { ...this.currentPolicy, ...policy };
    return this.currentPolicy;
  }

  /** Every attempt so far, oldest first. */
  list(filter: DeliveryFilter = {}): DeliveryRecord[] {
    return this.deliveries.filter((delivery) => matchesDelivery(delivery, filter));
  }

  /** Notifications, newest first. */
  listNotifications(filter: NotificationFilter = {}): NotificationRecord[] {
    return [...this.notifications.values()].filter((notification) => matchesNotification(notification, filter)).sort((a, b) => b.id - a.id);
  }

  /** One notification by id. */
  notification(id: number): NotificationRecord | undefined {
    return this.notifications.get(id);
  }

  /** Forgets deliveries and notifications, cancels scheduled retries (reset); in-flight answers are ignored. */
  clear(): void {
    this.generation += 1;
    for (const lane of this.lanes.values()) {
      if (lane.timer) {
        clearTimeout(lane.timer);
      }
    }
    this.lanes.clear();
    this.deliveries = [];
    this.notifications.clear();
    this.currentPolicy = this.initialPolicy;
    this.notifyWaiters();
  }

  /** Forgets the delivery log only (the notifications history stays, like the service's). */
  clearDeliveries(): void {
    this.deliveries = [];
  }

  /** Runs every scheduled retry now; returns how many ran. */
  retryNow(): number {
    let count = 0;
    for (const lane of this.lanes.values()) {
      if (lane.timer && lane.fire) {
        clearTimeout(lane.timer);
        const fire = lane.fire;
        lane.timer = undefined;
        lane.fire = undefined;
        fire();
        count += 1;
      }
    }
    return count;
  }

  /**
   * Queues an event for every matching subscription (enabled or on probation) and returns at
   * once; delivery happens in the background.
   */
  publish(store: Store, event: HookEvent): NotificationSummary[] {
    const createdDate = store.clock.nowIso();
    const summaries: NotificationSummary[] = [];
    for (const subscription of event.host.subscriptions.values()) {
      if (subscription.eventType !== event.eventType || (subscription.status !== "enabled" && subscription.status !== "onProbation")) {
        continue;
      }
      if (!event.matches(subscription)) {
        continue;
      }
      const notificationId = store.nextNotificationId;
      store.nextNotificationId += 1;
      const eventId = randomGuid();
      const payload = event.payload(subscription, notificationId, eventId, createdDate);
      const inputs = subscription.consumerInputs;
      const headers: Record<string, string> = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "VSServices/19.225.34309.2 (Azure DevOps emulator)",
        ...parseHttpHeaders(inputs.httpHeaders),
      };
      const username = inputs.basicAuthUsername ?? "";
      const password = inputs.basicAuthPassword ?? "";
      if (username.length > 0 || password.length > 0) {
        headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
      }
      const notification: NotificationRecord = {
        id: notificationId,
        deployment: event.deployment,
        host: event.host.name,
        subscriptionId: subscription.id,
        subscriberId: subscription.modifiedById,
        eventId,
        eventType: event.eventType,
        status: "queued",
        result: "pending",
        createdDate,
        modifiedDate: createdDate,
        queuedDate: createdDate,
        requestAttempts: 0,
        payload,
        url: inputs.url ?? "",
        publisherId: subscription.publisherId,
        consumerId: subscription.consumerId,
        consumerActionId: subscription.consumerActionId,
        publisherInputs: { ...subscription.publisherInputs },
        consumerInputs: Object.fromEntries(Object.entries(inputs).map(([key, value]) => [key, SECRET_INPUTS.has(key) && value.length > 0 ? "********" : value])),
      };
      this.notifications.set(notificationId, notification);
      const lane = this.laneOf(event.deployment, event.host, subscription.id);
      lane.queue.push({ notification, headers, body: JSON.stringify(payload), acceptUntrusted: inputs.acceptUntrustedCerts === "true", transientRetries: 0 });
      summaries.push({ subscriptionId: subscription.id, notificationId, eventType: event.eventType, eventId });
      this.pump(lane);
    }
    this.notifyWaiters();
    return summaries;
  }

  /** A subscription was replaced or deleted: resume (re-enabled) or fail (gone/disabled) its queue. */
  subscriptionChanged(deployment: string, host: HostRecord, subscriptionId: string): void {
    const lane = this.lanes.get(laneKey(deployment, host, subscriptionId));
    if (!lane) {
      return;
    }
    if (lane.timer) {
      clearTimeout(lane.timer);
      lane.timer = undefined;
      lane.fire = undefined;
    }
    this.pump(lane);
  }

  /** Resolves with the matching deliveries once there are at least `count`; rejects with WaitTimeout. */
  waitForDeliveries(filter: DeliveryFilter, count = 1, timeoutMs = 10_000): Promise<DeliveryRecord[]> {
    return this.waitFor(() => this.list(filter), count, timeoutMs, "deliveries");
  }

  /** Resolves with the matching notifications once there are at least `count`; rejects with WaitTimeout. */
  waitForNotifications(filter: NotificationFilter, count = 1, timeoutMs = 10_000): Promise<NotificationRecord[]> {
    return this.waitFor(() => this.listNotifications(filter), count, timeoutMs, "notifications");
  }

  private waitFor<T>(read: () => T[], count: number, timeoutMs: number, what: string): Promise<T[]> {
    const now = read();
    if (now.length >= count) {
      return Promise.resolve(now);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => read().length >= count,
        resolve: () => {
          clearTimeout(timer);
          resolve(read());
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const matched = read();
        reject(new WaitTimeout(`Timed out after ${timeoutMs} ms waiting for ${count} ${what}; ${matched.length} matched.`, matched));
      }, timeoutMs);
      timer.unref();
      this.waiters.add(waiter);
    });
  }

  private notifyWaiters(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.check()) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private laneOf(deployment: string, host: HostRecord, subscriptionId: string): Lane {
    const key = laneKey(deployment, host, subscriptionId);
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { key, host, subscriptionId, queue: [], busy: false };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private schedule(lane: Lane, delayMs: number): void {
    const fire = (): void => {
      lane.timer = undefined;
      lane.fire = undefined;
      this.pump(lane);
    };
    lane.fire = fire;
    lane.timer = setTimeout(fire, delayMs);
    lane.timer.unref();
  }

  /** Fails every queued notification of a lane (subscription disabled or deleted). */
  private failQueue(lane: Lane, message: string): void {
    for (const pending of lane.queue) {
      this.complete(pending.notification, "failed", message);
    }
    lane.queue = [];
  }

  private complete(notification: NotificationRecord, result: NotificationResult, errorMessage?: string): void {
    const now = this.now();
    notification.status = "completed";
    notification.result = result;
    notification.completedDate = now;
    notification.modifiedDate = now;
    if (errorMessage !== undefined && notification.errorMessage === undefined) {
      notification.errorMessage = errorMessage;
    }
  }

  /** Sends the head of the lane unless something is in flight or a retry is scheduled. */
  private pump(lane: Lane): void {
    if (lane.busy || lane.timer) {
      return;
    }
    const head = lane.queue[0];
    if (!head) {
      return;
    }
    const subscription = lane.host.subscriptions.get(lane.subscriptionId.toLowerCase());
    if (!subscription) {
      this.failQueue(lane, "The subscription was deleted.");
      this.notifyWaiters();
      return;
    }
    if (subscription.status !== "enabled" && subscription.status !== "onProbation") {
      this.failQueue(lane, `The subscription is ${subscription.status}.`);
      this.notifyWaiters();
      return;
    }
    lane.busy = true;
    void this.attempt(lane, head, subscription);
  }

  private async attempt(lane: Lane, pending: Pending, subscription: SubscriptionRecord): Promise<void> {
    const generation = this.generation;
    const notification = pending.notification;
    const started = this.now();
    notification.status = "requestInProgress";
    notification.dequeuedDate ??= started;
    notification.processedDate = started;
    notification.modifiedDate = started;
    notification.requestAttempts += 1;
    notification.request = describeRequest(notification.url, pending.headers, pending.body);
    const result = await post(notification.url, pending.body, pending.headers, {
      acceptUntrusted: pending.acceptUntrusted,
      caPem: this.caPem(),
      timeoutMs: this.currentPolicy.requestTimeoutMs,
    });
    if (generation !== this.generation) {
      return;
    }
    lane.busy = false;
    const outcome = classify(result.status);
    notification.requestDurationSeconds = result.durationMs / 1000;
    notification.response = result.status === undefined ? undefined : describeResponse(result);
    notification.modifiedDate = this.now();
    if (outcome !== "succeeded") {
      notification.errorMessage = result.status === undefined ? `The request failed: ${result.error ?? "no response"}` : `The remote server returned an error: (${result.status}).`;
      notification.errorDetail = result.status === undefined ? result.error : result.body.slice(0, 1024);
    }
    this.applyOutcome(lane, pending, subscription, outcome);
    this.deliveries.push({
      id: this.nextDeliveryId,
      deployment: notification.deployment,
      host: notification.host,
      subscriptionId: notification.subscriptionId,
      notificationId: notification.id,
      eventId: notification.eventId,
      eventType: notification.eventType,
      url: notification.url,
      attempt: notification.requestAttempts,
      requestHeaders: maskHeaders(Object.fromEntries(Object.entries(pending.headers).map(([key, value]) => [key.toLowerCase(), value]))),
      payload: notification.payload,
      status: result.status,
      error: result.error,
      outcome,
      durationMs: result.durationMs,
      subscriptionStatus: subscription.status,
      time: started,
    });
    this.nextDeliveryId += 1;
    this.notifyWaiters();
    this.pump(lane);
  }

  /** The state machine of the troubleshoot page (see the top of this file). */
  private applyOutcome(lane: Lane, pending: Pending, subscription: SubscriptionRecord, outcome: DeliveryOutcome): void {
    const notification = pending.notification;
    const policy = this.currentPolicy;
    if (outcome === "succeeded") {
      this.complete(notification, "succeeded");
      notification.errorMessage = undefined;
      notification.errorDetail = undefined;
      lane.queue.shift();
      if (subscription.status === "onProbation") {
        subscription.status = "enabled";
        subscription.probationRetries = 0;
      }
      return;
    }
    if (outcome === "terminal") {
      lane.queue.shift();
      this.complete(notification, "failed");
      subscription.status = "disabledBySystem";
      this.failQueue(lane, "The subscription was disabled by the system after a terminal failure (410 Gone).");
      return;
    }
    if (subscription.status === "enabled" && outcome === "transient" && pending.transientRetries < policy.transientRetryDelaysMs.length) {
      const delay = policy.transientRetryDelaysMs[pending.transientRetries] ?? 0;
      pending.transientRetries += 1;
      notification.status = "queued";
      this.schedule(lane, delay);
      return;
    }
    // Enduring (or transient retries exhausted): probation, then disabling.
    if (subscription.status === "enabled") {
      subscription.status = "onProbation";
      subscription.probationRetries = 0;
    } else {
      subscription.probationRetries = (subscription.probationRetries ?? 0) + 1;
      subscription.lastProbationRetryDate = this.now();
    }
    const retries = subscription.probationRetries ?? 0;
    if (retries >= policy.probationRetryDelaysMs.length) {
      lane.queue.shift();
      this.complete(notification, "failed");
      subscription.status = "disabledBySystem";
      this.failQueue(lane, "The subscription was disabled by the system after repeated failures.");
      return;
    }
    notification.status = "queued";
    this.schedule(lane, policy.probationRetryDelaysMs[retries] ?? 0);
  }
}

function laneKey(deployment: string, host: HostRecord, subscriptionId: string): string {
  return `${deployment}\u0000${host.name.toLowerCase()}\u0000${subscriptionId.toLowerCase()}`;
}

function matchesDelivery(delivery: DeliveryRecord, filter: DeliveryFilter): boolean {
  return (
    (filter.subscriptionId === undefined || delivery.subscriptionId.toLowerCase() === filter.subscriptionId.toLowerCase()) &&
    (filter.notificationId === undefined || delivery.notificationId === filter.notificationId) &&
    (filter.eventType === undefined || delivery.eventType === filter.eventType) &&
    (filter.url === undefined || delivery.url.startsWith(filter.url)) &&
    (filter.outcome === undefined || delivery.outcome === filter.outcome) &&
    (filter.since === undefined || delivery.id > filter.since)
  );
}

function matchesNotification(notification: NotificationRecord, filter: NotificationFilter): boolean {
  return (
    (filter.subscriptionId === undefined || notification.subscriptionId.toLowerCase() === filter.subscriptionId.toLowerCase()) &&
    (filter.eventType === undefined || notification.eventType === filter.eventType) &&
    (filter.status === undefined || notification.status === filter.status) &&
    (filter.result === undefined || notification.result === filter.result)
  );
}

/** The request as the subscription history shows it, secrets masked (format: emulator choice). */
function describeRequest(url: string, headers: Record<string, string>, body: string): string {
  const lines = Object.entries(headers).map(([name, value]) => {
    if (name.toLowerCase() === "authorization") {
      return `  ${name}: ${value.split(" ")[0] ?? ""} ********`;
    }
    return `  ${name}: ${name.toLowerCase() === "content-type" || name.toLowerCase() === "user-agent" ? value : MASK}`;
  });
  return `Method: POST, URI: ${url}, Version: 1.1, Headers:\r\n{\r\n${lines.join("\r\n")}\r\n}\r\n\r\n${body}`;
}

function describeResponse(result: PostResult): string {
  const lines = Object.entries(result.headers).map(([name, value]) => `  ${name}: ${value}`);
  return `StatusCode: ${result.status ?? 0}, Version: 1.1, Headers:\r\n{\r\n${lines.join("\r\n")}\r\n}\r\n\r\n${result.body}`;
}
