import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { findSubscriptionForReceiver, storeDelivery } from "@/lib/data/hooks";
import { enqueue } from "@/lib/jobs/enqueue";
import { processDeliveryQueue } from "@/lib/jobs/queues";
import { logger } from "@/lib/logger";
import { systemScope } from "@/lib/scope";
import { aboutEvent, describeIssues, envelopeSchema, maskPayload } from "./payload";

// The receiver of Azure DevOps service hooks (issue 14): authenticate, bound, validate, store,
// answer. Nothing else happens inside the request — the hooks.process job does the rest — so
// Azure DevOps gets its 200 in milliseconds and a slow Azure DevOps or a busy worker never makes
// a delivery time out and count against the subscription.

const log = logger("hooks.receive");

/** Larger bodies get 413 (a push of a thousand commits is about 1 MiB). */
export const MAX_HOOK_BODY_BYTES = 2 * 1024 * 1024;

const KEY = /^[A-Za-z0-9_-]{20,100}$/;

export type ReceiveResult = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

const UNAUTHORIZED: ReceiveResult = {
  status: 401,
  body: { error: { code: "UNAUTHENTICATED", message: "The delivery's credentials are missing or wrong." } },
  headers: { "WWW-Authenticate": 'Basic realm="Keel service hooks", charset="UTF-8"' },
};

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** Compares the presented Basic credentials with the stored ones in constant time (both halves always compared). */
function credentialsMatch(header: string | null, expected: { basicUsername: string; passwordHash: string }): boolean {
  const match = /^Basic ([A-Za-z0-9+/=]{1,1024})$/i.exec(header?.trim() ?? "");
  let username = "";
  let password = "";
  if (match) {
    const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon >= 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  const userOk = timingSafeEqual(digest(username), digest(expected.basicUsername));
  const stored = Buffer.from(expected.passwordHash, "hex");
  const presented = digest(password);
  const passwordOk = stored.length === presented.length && timingSafeEqual(presented, stored);
  return Boolean(match) && userOk && passwordOk;
}

/** Reads at most `limit` bytes of the body; null when it is longer. */
async function boundedBody(request: Request, limit: number): Promise<Buffer | null> {
  if (!request.body) {
    return Buffer.alloc(0);
  }
  const reader = request.body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

/**
 * Receives one delivery for the subscription whose URL key is `key`: 410 for a key Keel does not
 * know (Azure DevOps disables such a subscription), 401 for wrong credentials (nothing stored),
 * 413 for a body over the cap, 415 for a body that is not JSON; otherwise the delivery is stored
 * — once per (subscription, notification id) — and 200 is answered. A payload Keel cannot act
 * on is stored as UNPROCESSABLE with the reason and still answered 200: it was received, and
 * retrying it would not make it processable.
 */
export async function receiveDelivery(key: string, request: Request): Promise<ReceiveResult> {
  if (!KEY.test(key)) {
    return { status: 410, body: { error: { code: "NOT_FOUND", message: "No such service-hook endpoint." } } };
  }
  const subscription = await findSubscriptionForReceiver(key);
  if (!subscription) {
    return { status: 410, body: { error: { code: "NOT_FOUND", message: "No such service-hook endpoint: Keel no longer has this subscription." } } };
  }
  if (!credentialsMatch(request.headers.get("authorization"), subscription)) {
    log.warn({ subscriptionId: subscription.id }, "service-hook delivery refused: wrong credentials");
    return UNAUTHORIZED;
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > MAX_HOOK_BODY_BYTES) {
    return { status: 413, body: { error: { code: "TOO_LARGE", message: `The body is larger than ${MAX_HOOK_BODY_BYTES} bytes.` } } };
  }
  const bytes = await boundedBody(request, MAX_HOOK_BODY_BYTES);
  if (bytes === null) {
    return { status: 413, body: { error: { code: "TOO_LARGE", message: `The body is larger than ${MAX_HOOK_BODY_BYTES} bytes.` } } };
  }
  const scope = systemScope(subscription.organizationId, "hooks.receive");
  const base = {
    connectionId: subscription.connectionId,
    subscriptionId: subscription.id,
    source: "HOOK" as const,
    eventId: null,
    repositoryId: subscription.repositoryId,
    branch: null,
    commitId: null,
    pullRequestId: null,
  };
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    const stored = await storeDelivery(scope, {
      ...base,
      remoteSubscriptionId: subscription.remoteId ?? subscription.id,
      notificationId: null,
      eventType: subscription.eventType,
      status: "UNPROCESSABLE",
      reason: "The body is not JSON, so Keel cannot read an event from it.",
      payload: { text: bytes.toString("utf8").slice(0, 10_000) },
    });
    return { status: 200, body: { received: true, deliveryId: stored.id, processable: false } };
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    const stored = await storeDelivery(scope, {
      ...base,
      remoteSubscriptionId: subscription.remoteId ?? subscription.id,
      notificationId: null,
      eventType: subscription.eventType,
      status: "UNPROCESSABLE",
      reason: `The payload is not a service-hook event Keel understands (${describeIssues(envelope.error)}).`,
      payload: maskPayload(json) as object,
    });
    return { status: 200, body: { received: true, deliveryId: stored.id, processable: false } };
  }
  const event = envelope.data;
  const about = aboutEvent(event);
  const stored = await storeDelivery(scope, {
    ...base,
    remoteSubscriptionId: event.subscriptionId.toLowerCase(),
    notificationId: event.notificationId,
    eventId: event.id ?? null,
    eventType: event.eventType,
    status: "RECEIVED",
    reason: null,
    repositoryId: about.repositoryId ?? subscription.repositoryId,
    branch: about.branch,
    commitId: about.commitId,
    pullRequestId: about.pullRequestId,
    payload: maskPayload(json) as object,
  });
  if (stored.created) {
    try {
      await enqueue(processDeliveryQueue, { deliveryId: stored.id }, { scope, id: stored.id });
    } catch (error) {
      // Stored: the hooks.sweep schedule queues it within a minute.
      log.warn({ err: error, deliveryId: stored.id }, "could not queue the delivery's job (the sweep will)");
    }
  }
  return { status: 200, body: { received: true, deliveryId: stored.id, duplicate: !stored.created } };
}
