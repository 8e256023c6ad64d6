import "server-only";
import { openWebhook, pendingDeliveries, recordDeliveryAttempt, webhooksWithPending } from "@/lib/data/webhooks";
import { getEnv } from "@/lib/env";
import type { JobContext } from "@/lib/jobs/define";
import { enqueue } from "@/lib/jobs/enqueue";
import { deliverWebhookQueue } from "@/lib/jobs/queues";
import { logger } from "@/lib/logger";
import { guardedRequest } from "@/lib/net/guarded-request";
import { publicUrlOf } from "@/lib/oauth/config";
import { outboundPolicyFor } from "@/lib/outbound";
import type { Scope } from "@/lib/scope";
import { MAX_DELIVERY_ATTEMPTS } from "@/lib/shared/webhooks";
import { signDelivery } from "./signature";

// Sending outgoing webhooks (lib/webhooks/README.md): the webhooks.deliver job posts one
// webhook's pending deliveries in order, signed, through the outbound guard, and records each
// answer for the delivery log. The URL and the secret are opened right before the post and
// never logged; a failure names the host at most.

const log = logger("webhooks.deliver");

/** Deliveries one job sends before it hands on to the next (a backlog after an outage). */
const BATCH = 50;

export class WebhookRetry extends Error {}

/** Asks for the sender of one webhook; best effort, never throws (the sweeper asks again). */
export async function requestWebhook(scope: Scope, webhookId: string): Promise<void> {
  try {
    await enqueue(deliverWebhookQueue, { webhookId }, { scope });
  } catch (error) {
    log.warn({ err: error, webhookId }, "could not queue the webhook's sender (the sweeper will)");
  }
}

/** Wakes the senders of the webhooks that have this build's events to send; never throws. */
export async function requestWebhookDeliveries(scope: Scope, buildId: string): Promise<void> {
  try {
    for (const webhookId of await webhooksWithPending(scope, buildId)) {
      await requestWebhook(scope, webhookId);
    }
  } catch (error) {
    log.warn({ err: error, buildId }, "could not look for the build's webhook deliveries (the sweeper will)");
  }
}

type Attempt = { ok: true; status: number; body: string; ms: number } | { ok: false; retry: boolean; status: number | null; body: string | null; ms: number; reason: string };

/** Posts one delivery; never throws, never puts the URL in a reason. */
async function post(scope: Scope, url: string, secret: string, delivery: { id: string; event: string }, body: string): Promise<Attempt> {
  const timestamp = Math.floor(Date.now() / 1_000);
  const started = performance.now();
  const result = await guardedRequest({
    url,
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "Keel-Webhooks/1",
      "x-keel-event": delivery.event,
      "x-keel-delivery": delivery.id,
      "x-keel-timestamp": String(timestamp),
      "x-keel-signature-256": signDelivery(secret, timestamp, body),
    },
    body,
    policy: await outboundPolicyFor(scope),
    timeouts: { connectMs: 5_000, headersMs: 10_000, totalMs: 15_000 },
    maxResponseBytes: 16 * 1024,
    accept: "any",
  });
  const ms = Math.round(performance.now() - started);
  if (!result.ok) {
    const failure = result.failure;
    // A blocked or malformed address will not get better by trying again; the network might.
    const permanent = failure.kind === "blocked" || failure.kind === "invalid_url" || failure.kind === "redirect" || failure.kind === "tls";
    return { ok: false, retry: !permanent, status: null, body: null, ms, reason: `Keel could not reach ${failure.host || "the receiver"}: ${failure.message}` };
  }
  const status = result.response.status;
  const text = result.response.bodyText.slice(0, 1_000);
  if (status >= 200 && status < 300) {
    return { ok: true, status, body: text, ms };
  }
  // Busy, rate-limited, timed out or broken on its side: later may work. Any other refusal is the receiver's answer to this request.
  const retry = status === 408 || status === 429 || status >= 500;
  return { ok: false, retry, status, body: text, ms, reason: retry ? `The receiver answered ${status}; Keel tries again.` : `The receiver refused the delivery (${status}). Check its URL and that it accepts Keel's events; then redeliver.` };
}

/**
 * The body of a delivery: the event as stored, with its delivery id and the build's links (its
 * page, the token API's build and, for what it kept, each file's and the zip's download, which
 * take an API token like the API's own).
 */
function bodyOf(delivery: { id: string; payload: unknown }): string {
  const payload = (delivery.payload ?? {}) as Record<string, unknown>;
  const build = payload.build as Record<string, unknown> | undefined;
  const origin = publicUrlOf(getEnv());
  if (!build || typeof build.id !== "string") {
    return JSON.stringify({ ...payload, deliveryId: delivery.id });
  }
  const api = `${origin}/api/v1/builds/${build.id}`;
  // Deliveries stored before builds carried their artifacts have none.
  const artifacts = Array.isArray(build.artifacts) ? (build.artifacts as Array<Record<string, unknown>>) : [];
  return JSON.stringify({
    ...payload,
    deliveryId: delivery.id,
    build: {
      ...build,
      webUrl: `${origin}/builds/${build.id}`,
      apiUrl: api,
      artifacts: artifacts.map((artifact) => ({ ...artifact, downloadUrl: `${api}/artifacts/${String(artifact.id)}` })),
      artifactsZipUrl: artifacts.length > 0 ? `${api}/artifacts.zip` : null,
    },
  });
}

/** The webhooks.deliver job: one webhook's pending deliveries, oldest first. */
export async function deliverWebhookJob(payload: { webhookId: string }, context: JobContext<"organization">): Promise<void> {
  const scope = context.scope;
  const webhook = await openWebhook(scope, payload.webhookId);
  if (!webhook) {
    // Deleted with its deliveries: nothing to send.
    return;
  }
  const batch = await pendingDeliveries(scope, webhook.id, BATCH);
  for (const delivery of batch) {
    if (context.signal.aborted) {
      return;
    }
    const attempt = await post(scope, webhook.url, webhook.secret, delivery, bodyOf(delivery));
    if (attempt.ok) {
      await recordDeliveryAttempt(scope, delivery.id, { state: "SENT", responseStatus: attempt.status, responseBody: attempt.body, durationMs: attempt.ms, error: null });
      continue;
    }
    const givenUp = !attempt.retry || delivery.attempts + 1 >= MAX_DELIVERY_ATTEMPTS;
    const reason = givenUp && attempt.retry ? `${attempt.reason.replace(/; Keel tries again\.$/, ".")} Keel gave up after ${MAX_DELIVERY_ATTEMPTS} attempts; redeliver it when the receiver is back.` : attempt.reason;
    await recordDeliveryAttempt(scope, delivery.id, { state: givenUp ? "FAILED" : "PENDING", responseStatus: attempt.status, responseBody: attempt.body, durationMs: attempt.ms, error: reason });
    log.warn({ webhookId: webhook.id, deliveryId: delivery.id, event: delivery.event, status: attempt.status, givenUp }, "a webhook delivery failed");
    if (!givenUp) {
      // Later ones wait behind it (order per receiver); the job's retry tries again with backoff.
      throw new WebhookRetry(reason);
    }
    // Given up (the admins were told in the same write, once per failing spell): the next one goes.
  }
  if (batch.length === BATCH) {
    // More wait: the next job sends them (this one ends, so a long backlog never holds a worker slot).
    await requestWebhook(scope, webhook.id);
  }
}
