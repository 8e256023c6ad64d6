// Every queue of Keel: name, payload schema and delivery policy. Code that enqueues imports
// this file (through lib/jobs/enqueue.ts); the handlers are bound in lib/jobs/registry.ts.
// Payloads are stored in PostgreSQL as JSON and shown in logs: ids and flags, never secrets.
import { z } from "zod";
import { defineQueue } from "./define";
import { poolQueueName } from "@/lib/shared/build-pools";

/** Lists a connection's projects and repositories into the picker's cache (lib/repositories/listing.ts). */
export const listRepositoriesQueue = defineQueue({
  name: "repositories.list",
  payload: z.object({
    connectionId: z.uuid(),
    /** When the run was asked for: a run that finished after it satisfies the job. */
    requestedAt: z.iso.datetime(),
  }),
  scope: "organization",
  // One queued and one running job per connection: a second request while one waits is dropped.
  policy: "stately",
  singletonKey: (payload) => payload.connectionId,
  retry: { limit: 2, delaySeconds: 5, backoff: true },
  // 50,000 repositories list in about 10 s; a job active for 15 minutes lost its worker.
  expireInSeconds: 15 * 60,
});

/** Hourly: forgets heartbeats of workers gone for a day and idempotency keys older than 90 days. */
export const housekeepingQueue = defineQueue({
  name: "jobs.housekeeping",
  payload: z.object({}),
  scope: "global",
  policy: "standard",
  retry: { limit: 2, delaySeconds: 60, backoff: true },
  expireInSeconds: 10 * 60,
  concurrency: 1,
});

/**
 * The scheduled connection check's fan-out (lib/connections/scheduled.ts): once per interval
 * across all workers, it queues one `connections.check` per connection of every organization.
 */
export const checkAllConnectionsQueue = defineQueue({
  name: "connections.check-all",
  payload: z.object({}),
  scope: "global",
  policy: "standard",
  retry: { limit: 2, delaySeconds: 30, backoff: true },
  expireInSeconds: 10 * 60,
  concurrency: 1,
});

/** Runs the doctor on one connection with the system scope and records its health (lib/connections/scheduled.ts). */
export const checkConnectionQueue = defineQueue({
  name: "connections.check",
  payload: z.object({ connectionId: z.uuid() }),
  scope: "organization",
  // One queued and one running check per connection: a second request while one waits is dropped.
  policy: "stately",
  singletonKey: (payload) => payload.connectionId,
  retry: { limit: 1, delaySeconds: 60, backoff: false },
  // The doctor makes a few dozen requests with 60 s timeouts at most.
  expireInSeconds: 10 * 60,
});

/** E-mails pending notices to their recipients (lib/notifications/deliver.ts); one at a time across workers. */
export const noticeEmailQueue = defineQueue({
  name: "notifications.email",
  payload: z.object({}),
  scope: "global",
  policy: "stately",
  singletonKey: () => "notices",
  retry: { limit: 3, delaySeconds: 30, backoff: true },
  expireInSeconds: 10 * 60,
});

/** Records the week's summaries on Monday (lib/notifications/weekly.ts); one at a time across workers. */
export const weeklySummaryQueue = defineQueue({
  name: "notifications.weekly-summary",
  payload: z.object({}),
  scope: "global",
  policy: "stately",
  singletonKey: () => "weekly-summary",
  retry: { limit: 3, delaySeconds: 60, backoff: true },
  expireInSeconds: 10 * 60,
});

/** Runs one build (lib/builds/runner.ts). The job id is the build id, so enqueueing is idempotent. */
export const runBuildQueue = defineQueue({
  name: "builds.run",
  payload: z.object({ buildId: z.uuid() }),
  scope: "organization",
  policy: "standard",
  // A retry finds the build no longer QUEUED and does nothing: it exists for attempts that
  // failed before claiming the build (PostgreSQL restarting).
  retry: { limit: 2, delaySeconds: 5, backoff: true },
  // Longer than the longest time limit (6 h) plus the fetch: a dead worker's build is found
  // long before by the sweeper (heartbeats), this only returns the job to the queue.
  expireInSeconds: 6 * 3_600 + 30 * 60,
  // Draining a worker (SIGQUIT, to upgrade it) lets its builds finish instead of failing them.
  finishOnDrain: true,
});

/** The pg-boss priority of a build an admin moved to the front ("Run next"); others have 0. */
export const RUN_NEXT_PRIORITY = 10;

const poolQueues = new Map<string, typeof runBuildQueue>();

/**
 * The queue of one build pool's builds (lib/shared/build-pools.ts): the default pool's is
 * builds.run itself, another pool's the same definition under `builds.run.<pool>`.
 */
export function buildQueueFor(pool: string): typeof runBuildQueue {
  const name = poolQueueName(pool);
  if (name === runBuildQueue.name) {
    return runBuildQueue;
  }
  let queue = poolQueues.get(name);
  if (!queue) {
    queue = defineQueue({ ...runBuildQueue, name });
    poolQueues.set(name, queue);
  }
  return queue;
}

/** Sends one outgoing webhook's pending deliveries, oldest first (lib/webhooks/deliver.ts). */
export const deliverWebhookQueue = defineQueue({
  name: "webhooks.deliver",
  payload: z.object({ webhookId: z.uuid() }),
  scope: "organization",
  // One sender per webhook (its receiver gets events in order); a request while one waits is
  // dropped: the waiting job sends every pending delivery.
  policy: "stately",
  singletonKey: (payload) => payload.webhookId,
  // 30 s, 1, 2, 4, 8 min: a receiver down for a quarter of an hour misses nothing.
  retry: { limit: 5, delaySeconds: 30, backoff: true },
  expireInSeconds: 10 * 60,
});

/** Sends a build's report intents to Azure DevOps, in order (lib/builds/report.ts). */
export const reportBuildQueue = defineQueue({
  name: "builds.report",
  payload: z.object({ buildId: z.uuid() }),
  scope: "organization",
  // One sender per build at a time (statuses must arrive in order); a request while one waits
  // is dropped: the waiting job sends every unsent intent.
  policy: "stately",
  singletonKey: (payload) => payload.buildId,
  retry: { limit: 8, delaySeconds: 10, backoff: true },
  expireInSeconds: 10 * 60,
});

/** Finds running builds whose worker stopped heartbeating, and queued builds whose job was lost. */
export const sweepBuildsQueue = defineQueue({
  name: "builds.sweep",
  payload: z.object({}),
  scope: "global",
  policy: "standard",
  retry: { limit: 0, delaySeconds: 0, backoff: false },
  expireInSeconds: 120,
});

/** Posts a finished build to its profile's chat channel, when its end is news there (lib/notifications/chat.ts). The job id is derived from the build: once per build. */
export const chatBuildQueue = defineQueue({
  name: "builds.chat",
  payload: z.object({ buildId: z.uuid() }),
  scope: "organization",
  policy: "standard",
  // Slack or Teams away (5xx, 429, the network): a few tries over a few minutes, then the card says so.
  retry: { limit: 4, delaySeconds: 20, backoff: true },
  expireInSeconds: 2 * 60,
});

/**
 * After a build succeeds: the profiles of its repository that build after it (the triggers'
 * `after`) start a build of its commit (lib/builds/after.ts). One job per build (its id is derived from the build's).
 */
export const afterBuildQueue = defineQueue({
  name: "builds.after",
  payload: z.object({ buildId: z.uuid() }),
  scope: "organization",
  policy: "standard",
  // Azure DevOps unreachable while the commit is checked: a few tries over a few minutes.
  retry: { limit: 4, delaySeconds: 15, backoff: true },
  expireInSeconds: 2 * 60,
});

/**
 * Tells a pull request from a fork that its build waits for a person: a pending status (lib/builds/report.ts,
 * reportForkWaitingJob). The job id is derived from the profile, pull request and source commit: once per
 * iteration, however many updates (votes, comments) Azure DevOps sends about it.
 */
export const forkWaitingQueue = defineQueue({
  name: "builds.fork-waiting",
  payload: z.object({ profileId: z.uuid(), pullRequestId: z.number().int().min(1), sourceCommit: z.string().regex(/^[0-9a-f]{40}$/) }),
  scope: "organization",
  policy: "standard",
  retry: { limit: 4, delaySeconds: 20, backoff: true },
  expireInSeconds: 2 * 60,
});

/** Every minute: queues a `builds.scheduled` job for each profile whose schedule has a slot due (lib/builds/schedule.ts). */
export const scheduleBuildsQueue = defineQueue({
  name: "builds.schedule",
  payload: z.object({}),
  scope: "global",
  policy: "standard",
  retry: { limit: 0, delaySeconds: 0, backoff: false },
  expireInSeconds: 120,
  concurrency: 1,
});

/** One slot of one profile's schedule: starts its build, or records why not (lib/builds/schedule.ts). */
export const scheduledBuildQueue = defineQueue({
  name: "builds.scheduled",
  payload: z.object({ profileId: z.uuid(), slot: z.iso.datetime() }),
  scope: "organization",
  policy: "standard",
  // Azure DevOps away for a moment: try again; the slot's build key keeps it to one build.
  retry: { limit: 3, delaySeconds: 30, backoff: true },
  expireInSeconds: 5 * 60,
});

/**
 * Hourly: rotates Keel's workload identity federation signing keys (lib/entra/signing-keys.ts):
 * publishes the next key ahead of use, retires and removes old ones. Global: one issuer per Keel.
 */
export const rotateFederationKeysQueue = defineQueue({
  name: "entra.rotate-signing-keys",
  payload: z.object({}),
  scope: "global",
  policy: "standard",
  retry: { limit: 3, delaySeconds: 60, backoff: true },
  expireInSeconds: 5 * 60,
  concurrency: 1,
});

/**
 * Makes a repository's service-hook subscriptions in Azure DevOps what its profiles' triggers need
 * (lib/hooks/subscriptions.ts): creates, repairs or removes them. One queued per repository.
 */
export const syncHooksQueue = defineQueue({
  name: "hooks.sync",
  payload: z.object({ connectionId: z.uuid(), projectId: z.string().min(1).max(100), repositoryId: z.string().min(1).max(100) }),
  scope: "organization",
  policy: "stately",
  singletonKey: (payload) => `${payload.connectionId}:${payload.repositoryId.toLowerCase()}`,
  retry: { limit: 3, delaySeconds: 30, backoff: true },
  expireInSeconds: 5 * 60,
});

/** Acts on one stored delivery of the webhook inbox: matches profiles, starts builds (lib/hooks/process.ts). */
export const processDeliveryQueue = defineQueue({
  name: "hooks.process",
  payload: z.object({ deliveryId: z.uuid() }),
  scope: "organization",
  policy: "standard",
  // Azure DevOps unreachable while the build is started: 5 tries over about 5 minutes, then the
  // delivery is FAILED with the reason (Replay tries again).
  retry: { limit: 4, delaySeconds: 10, backoff: true },
  expireInSeconds: 5 * 60,
});

/** Fetches a connection's notification history from Azure DevOps and processes what never arrived (lib/hooks/backfill.ts). */
export const backfillHooksQueue = defineQueue({
  name: "hooks.backfill",
  payload: z.object({ connectionId: z.uuid() }),
  scope: "organization",
  policy: "stately",
  singletonKey: (payload) => payload.connectionId,
  retry: { limit: 1, delaySeconds: 30, backoff: false },
  expireInSeconds: 10 * 60,
});

/** Every 30 s: queues deliveries again that were stored but whose job was never queued or got lost. */
export const sweepDeliveriesQueue = defineQueue({
  name: "hooks.sweep",
  payload: z.object({}),
  scope: "global",
  policy: "standard",
  retry: { limit: 0, delaySeconds: 0, backoff: false },
  expireInSeconds: 120,
  concurrency: 1,
});

/** The polling fallback's fan-out (lib/hooks/poll.ts): one `hooks.poll` per repository that cannot receive hooks. */
export const pollAllQueue = defineQueue({
  name: "hooks.poll-all",
  payload: z.object({}),
  scope: "global",
  policy: "standard",
  retry: { limit: 0, delaySeconds: 0, backoff: false },
  expireInSeconds: 120,
  concurrency: 1,
});

/** Polls one repository's branches and open pull requests and starts what a hook would have (lib/hooks/poll.ts). */
export const pollRepositoryQueue = defineQueue({
  name: "hooks.poll",
  payload: z.object({ connectionId: z.uuid(), projectId: z.string().min(1).max(100), repositoryId: z.string().min(1).max(100) }),
  scope: "organization",
  policy: "stately",
  singletonKey: (payload) => `${payload.connectionId}:${payload.repositoryId.toLowerCase()}`,
  retry: { limit: 1, delaySeconds: 10, backoff: false },
  expireInSeconds: 5 * 60,
});
