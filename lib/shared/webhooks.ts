// Outgoing webhooks (lib/webhooks/README.md): the events and the limits. Pure: the settings
// pages (client components too), the validation, the sender and the tests share it.

export const WEBHOOK_EVENTS = ["build.queued", "build.started", "build.finished"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** What each event means, as the settings page offers it. */
export const WEBHOOK_EVENT_LABELS: Record<WebhookEvent, string> = {
  "build.queued": "A build is queued",
  "build.started": "A worker starts a build",
  "build.finished": "A build ends (succeeded, failed, timed out, canceled or error)",
};

/** The event a build's state change is. */
export function eventOfStatus(status: string): WebhookEvent {
  return status === "QUEUED" ? "build.queued" : status === "RUNNING" ? "build.started" : "build.finished";
}

/** Webhooks one organization may have. */
export const MAX_WEBHOOKS = 10;

/** Attempts of one delivery before it is given up (the job's backoff spreads them over a quarter of an hour). */
export const MAX_DELIVERY_ATTEMPTS = 6;

/** How long deliveries are kept for the log. */
export const DELIVERY_DAYS = 30;

/** A receiver refuses a signed request older than this (seconds): it stops replays of a captured one. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** A new signing secret's prefix: recognizable in a receiver's configuration. */
export const WEBHOOK_SECRET_PREFIX = "whsec_";
