import "server-only";
import type { AzureDevOpsClient } from "@/lib/azure-devops/client";
import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import type { GitRepository, TeamProjectReference } from "@/lib/azure-devops/types";
import { getConnection, type ConnectionView } from "@/lib/data/connections";
import type { ConnectionTarget } from "./connection-client";
import {
  claimListing,
  failListing,
  finishListing,
  getListing,
  heartbeatListing,
  LEASE_STALE_MS,
  ListingLeaseLost,
  QUEUE_STALE_MS,
  recordListedProjects,
  requestListing,
  requeueListing,
  recordListedRepositories,
  refreshPlannerStatistics,
  type ListingClaim,
  type ListingView,
  type ProjectRepositories,
  type RepositoryInput,
} from "@/lib/data/repository-listing";
import { noteUseFailure, noteUseSuccess } from "@/lib/connections/health";
import type { JobContext } from "@/lib/jobs/define";
import { enqueue } from "@/lib/jobs/enqueue";
import { listRepositoriesQueue } from "@/lib/jobs/queues";
import { logger } from "@/lib/logger";
import { onBehalfOf, systemScope, type Scope } from "@/lib/scope";
import { clientForConnection, problemFromError } from "./connection-client";
import { nameKey, storableText } from "@/lib/shared/names";
import { unexpectedProblem } from "@/lib/shared/problems";

/**
 * Lists a connection's projects and repositories into the PostgreSQL cache the picker reads.
 *
 * Why per project and not the organization-wide `GET _apis/git/repositories`: that answer is
 * one unpaged JSON document (~41 MiB for 50,000 repositories), over the guarded client's
 * 10 MiB cap and all held in memory at once. Per project, each answer is small, the work is
 * spread over a bounded number of concurrent requests, progress can be shown as
 * "projects listed / total", and one project that fails does not lose the rest.
 * Projects are paged with the `x-ms-continuationtoken` header (the client follows it).
 */

const log = logger("repositories.listing");

export type ListingSettings = {
  /** How long a complete listing is served before the next visit lists again. */
  ttlMs: number;
  /** After a failed run, visits wait this long before listing again on their own (Refresh does not wait). */
  retryAfterMs: number;
  /** Repository requests in flight at once, per listing. */
  concurrency: number;
  /** Projects per page of the project list. */
  projectPageSize: number;
  /** Projects whose repositories are written in one transaction. */
  batchProjects: number;
  /** Rows written before the first refresh of the planner's statistics during the run (then at each quadrupling). */
  statisticsFirstAt: number;
};

export const LISTING_SETTINGS: ListingSettings = { ttlMs: 10 * 60_000, retryAfterMs: 60_000, concurrency: 8, projectPageSize: 100, batchProjects: 20, statisticsFirstAt: 25_000 };

const HEARTBEAT_MS = 15_000;

/** What listing needs of a connection: how to reach it, how to explain a failure, its health. */
export type ListingConnection = ConnectionTarget & Pick<ConnectionView, "status">;

/**
 * Makes sure the connection has a listing: asks the job engine for a run when there is none,
 * it expired, or `force` (Refresh) — unless a run (on any instance) is queued or going. The
 * listing is then QUEUED until a worker starts it (lib/jobs; the picker says so). Returns the
 * listing as it stands now.
 *
 * `wait` runs the listing in this process instead and returns when it is done — for tests and
 * tools that have no worker; the web server never uses it. `current` is the listing as the
 * caller already read it with the connection (getPickerConnection, getConnectionWithListing;
 * null: never listed).
 */
export async function ensureListing(
  scope: Scope,
  connection: ListingConnection,
  options: { force?: boolean; settings?: Partial<ListingSettings>; wait?: boolean; current?: ListingView | null } = {},
): Promise<{ listing: ListingView; started: boolean }> {
  const settings = { ...LISTING_SETTINGS, ...options.settings };
  // The common case (a fresh listing, or a run queued or going on) costs one indexed read, no
  // lock — or none, when the caller read the listing with its connection.
  const current = options.current !== undefined ? options.current : await getListing(scope, connection.id);
  if (current !== null && !needsRun(current, options.force === true)) {
    return { listing: current, started: false };
  }
  let started = false;
  if (options.wait) {
    const result = await claimListing(scope, connection.id, { force: options.force === true });
    if (result.claimed) {
      started = true;
      await runListing(scope, connection, result.claim, settings).catch((error: unknown) => {
        log.error({ err: error, connectionId: connection.id }, "repository listing crashed");
      });
    }
  } else {
    const requestedAt = new Date();
    const request = await requestListing(scope, connection.id, { force: options.force === true, now: requestedAt });
    if (request.requested) {
      started = true;
      await enqueue(listRepositoriesQueue, { connectionId: connection.id, requestedAt: requestedAt.toISOString() }, { scope: systemScope(scope.organizationId, listRepositoriesQueue.name, onBehalfOf(scope)) });
    }
  }
  const listing = await getListing(scope, connection.id);
  if (!listing) {
    throw new Error("The listing row vanished right after it was claimed");
  }
  return { listing, started };
}

/** Whether a visit (or Refresh) should ask for a run; requestListing decides again under a lock. */
function needsRun(listing: ListingView, force: boolean): boolean {
  const now = Date.now();
  if (listing.status === "RUNNING") {
    return now - listing.heartbeatAt.getTime() >= LEASE_STALE_MS;
  }
  if (listing.status === "QUEUED") {
    return listing.queuedAt === null || now - listing.queuedAt.getTime() >= QUEUE_STALE_MS;
  }
  return force || listing.expiresAt === null || listing.expiresAt.getTime() <= now;
}

/**
 * The job that lists a connection on a worker (queue "repositories.list"). Idempotent: a run
 * that finished after the job was requested satisfies it (a retried job whose first attempt
 * finished lists nothing), and its audit events are keyed by the job id (JobEffect).
 */
export async function listRepositoriesJob(payload: { connectionId: string; requestedAt: string }, context: JobContext<"organization">): Promise<void> {
  const scope = context.scope;
  const connection = await getConnection(scope, payload.connectionId);
  if (!connection) {
    log.info({ connectionId: payload.connectionId, jobId: context.jobId }, "repository listing skipped: the connection is gone");
    return;
  }
  const current = await getListing(scope, connection.id);
  if (current && (current.status === "READY" || current.status === "FAILED") && current.finishedAt && current.finishedAt.getTime() >= Date.parse(payload.requestedAt)) {
    log.info({ connectionId: connection.id, jobId: context.jobId }, "repository listing skipped: a run since the request already finished");
    return;
  }
  const result = await claimListing(scope, connection.id, { force: true, jobId: context.jobId });
  if (!result.claimed) {
    log.info({ connectionId: connection.id, jobId: context.jobId }, "repository listing skipped: another run holds the lease");
    return;
  }
  const claim = result.claim;
  // On shutdown (or expiry) the lease goes back first — the listing is QUEUED again, so the
  // job's next attempt claims it at once — and only then does this attempt end; the run left
  // behind stops at its next write (ListingLeaseLost).
  const released = new Promise<void>((resolve) => {
    const giveBack = () => {
      requeueListing(scope, claim)
        .then(
          (given) => log.info({ connectionId: connection.id, jobId: context.jobId, given }, "repository listing handed back to the queue"),
          (error: unknown) => log.warn({ err: error, connectionId: connection.id }, "repository listing: could not give the lease back (it goes stale)"),
        )
        .finally(resolve);
    };
    if (context.signal.aborted) {
      giveBack();
    } else {
      context.signal.addEventListener("abort", giveBack, { once: true });
    }
  });
  await Promise.race([runListing(scope, connection, claim), released]);
}

/** One listing run under a claimed lease. Never throws for Azure DevOps problems: they are stored. */
export async function runListing(scope: Scope, connection: ListingConnection, claim: ListingClaim, settings: ListingSettings = LISTING_SETTINGS): Promise<void> {
  const started = performance.now();
  let calls = 0;
  const heartbeat = setInterval(() => {
    heartbeatListing(scope, claim).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    const { client } = await clientForConnection(scope, connection, {
      recorder: () => {
        calls += 1;
      },
    });
    const ready = performance.now();
    const projects = await listProjects(scope, client, claim, settings);
    const projectsDone = performance.now();
    const failed = await listRepositories(scope, client, claim, projects, settings);
    const repositoriesDone = performance.now();
    await finishListing(scope, claim, {
      ttlMs: settings.ttlMs,
      audit: { projects: projects.length, projectsFailed: failed, calls, durationMs: Math.round(performance.now() - started) },
    });
    log.info(
      {
        connectionId: connection.id,
        projects: projects.length,
        projectsFailed: failed,
        calls,
        credentialMs: Math.round(ready - started),
        projectsMs: Math.round(projectsDone - ready),
        repositoriesMs: Math.round(repositoriesDone - projectsDone),
        finishMs: Math.round(performance.now() - repositoriesDone),
      },
      "repository listing finished",
    );
    await noteUseSuccess(scope, connection);
  } catch (error) {
    if (error instanceof ListingLeaseLost) {
      log.info({ connectionId: connection.id }, "repository listing superseded");
      return;
    }
    const problem = problemFromError(error, connection);
    if (problem === null) {
      log.error({ err: error, connectionId: connection.id }, "repository listing failed unexpectedly");
    }
    await noteUseFailure(scope, connection, problem);
    try {
      await failListing(scope, claim, problem ?? unexpectedProblem("Listing the repositories"), {
        retryAfterMs: settings.retryAfterMs,
        audit: { failure: problem?.id ?? "unexpected", calls, durationMs: Math.round(performance.now() - started) },
      });
    } catch (failure) {
      if (!(failure instanceof ListingLeaseLost)) {
        throw failure;
      }
    }
  } finally {
    clearInterval(heartbeat);
  }
}

async function listProjects(scope: Scope, client: AzureDevOpsClient, claim: ListingClaim, settings: ListingSettings): Promise<TeamProjectReference[]> {
  const projects: TeamProjectReference[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (;;) {
    const page = await client.listProjectsPage({ top: settings.projectPageSize, ...(token === undefined ? {} : { continuationToken: token }) });
    const fresh = page.items.filter((project) => !seen.has(project.id.toLowerCase()));
    for (const project of fresh) {
      seen.add(project.id.toLowerCase());
    }
    projects.push(...fresh);
    const next = page.continuationToken;
    // A server that repeats a token (or sends one with an empty page) would page forever.
    const done = next === undefined || next === token || page.items.length === 0;
    await recordListedProjects(
      scope,
      claim,
      fresh.map((project) => {
        const name = storableText(project.name);
        return { projectId: project.id.toLowerCase(), name, nameKey: nameKey(name), description: typeof project.description === "string" ? storableText(project.description) : null };
      }),
      { complete: done },
    );
    if (done) {
      return projects;
    }
    token = next;
  }
}

/** Lists every project's repositories with bounded concurrency; returns how many projects failed. */
async function listRepositories(scope: Scope, client: AzureDevOpsClient, claim: ListingClaim, projects: TeamProjectReference[], settings: ListingSettings): Promise<number> {
  let next = 0;
  let failed = 0;
  let fatal: unknown;
  let pending: ProjectRepositories[] = [];
  let writing: Promise<void> = Promise.resolve();

  // The planner's statistics are refreshed as the generation grows (refreshPlannerStatistics):
  // at 25,000 rows, then each time the rows written quadruple.
  let written = 0;
  let analyzeAt = settings.statisticsFirstAt;

  // Writes are serialized (one short transaction per batch) while requests keep flowing.
  const flush = (): Promise<void> => {
    const batch = pending;
    pending = [];
    written += batch.reduce((sum, entry) => sum + entry.repositories.length, 0);
    const analyze = written >= analyzeAt;
    if (analyze) {
      analyzeAt = written * 4;
    }
    writing = writing.then(async () => {
      await recordListedRepositories(scope, claim, batch);
      if (analyze) {
        await refreshPlannerStatistics();
      }
    });
    return writing;
  };

  const worker = async (): Promise<void> => {
    while (fatal === undefined && next < projects.length) {
      const project = projects[next];
      next += 1;
      if (project === undefined) {
        continue;
      }
      try {
        const repositories = await client.listRepositories(project.id);
        pending.push({ projectId: project.id.toLowerCase(), repositories: repositories.map((repo) => toRow(repo, project)), error: null });
      } catch (error) {
        const skip = projectProblem(error);
        if (skip === null) {
          fatal ??= error;
          return;
        }
        failed += 1;
        pending.push({ projectId: project.id.toLowerCase(), repositories: [], error: skip });
      }
      if (pending.length >= settings.batchProjects) {
        try {
          await flush();
        } catch (error) {
          fatal ??= error;
          return;
        }
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.concurrency, projects.length)) }, () => worker()));
  if (fatal !== undefined) {
    await writing.catch(() => undefined);
    throw fatal;
  }
  await flush();
  return failed;
}

/**
 * Failures that concern one project only (it was deleted meanwhile, its answer is over the
 * size cap): the listing goes on and the project says why it has no repositories. Anything
 * else (token, network, rate limit) stops the run.
 */
function projectProblem(error: unknown): string | null {
  if (isAzureDevOpsError(error, "not_found")) {
    return "Azure DevOps no longer finds this project (it may have been deleted or renamed while Keel was listing).";
  }
  if (isAzureDevOpsError(error, "network") && error.reason.kind === "network" && error.reason.failure === "too_large") {
    return "This project's repository list is larger than the 10 MiB Keel accepts in one answer.";
  }
  return null;
}

function toRow(repo: GitRepository, project: TeamProjectReference): RepositoryInput {
  const projectName = storableText(repo.project?.name ?? project.name);
  const name = storableText(repo.name);
  return {
    repositoryId: repo.id.toLowerCase(),
    projectId: (repo.project?.id ?? project.id).toLowerCase(),
    projectName,
    projectNameKey: nameKey(projectName),
    name,
    nameKey: nameKey(name),
    defaultBranch: typeof repo.defaultBranch === "string" ? storableText(repo.defaultBranch) : null,
    size: typeof repo.size === "number" && Number.isFinite(repo.size) ? BigInt(Math.max(0, Math.trunc(repo.size))) : null,
    isDisabled: repo.isDisabled === true,
    isFork: repo.isFork === true,
    // Azure DevOps omits defaultBranch exactly when a repository has no commits yet.
    isEmpty: repo.defaultBranch === undefined || repo.defaultBranch === "",
  };
}
