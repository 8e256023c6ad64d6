import "server-only";
import { randomUUID } from "node:crypto";
import { db, type Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { Prisma, type ListingStatus } from "@/lib/generated/prisma/client";
import { nameKey } from "@/lib/shared/names";
import { readProblem, type PickerProblem } from "@/lib/shared/problems";
import { onBehalfOf, type Scope } from "@/lib/scope";
import { logger } from "@/lib/logger";
import { recordAudit } from "./audit";
import { recordEffect } from "./jobs";
import { likeLiteral } from "./like";

/**
 * The repository picker's listing cache in PostgreSQL: one RepositoryListing row per
 * connection, and the projects/repositories it found, tagged with the generation that wrote
 * them. Several Keel instances share it; a run holds a lease (runId + heartbeat) so only
 * one of them lists a connection at a time, and a crashed instance's lease runs out.
 *
 * No function here holds a transaction across an HTTP call: the runner (lib/repositories)
 * calls Azure DevOps, then hands each batch to one short transaction.
 */

const log = logger("data.repository-listing");

/** A run whose heartbeat is older than this is considered dead and may be taken over. */
export const LEASE_STALE_MS = 90_000;

// The listing's transactions are short (no HTTP inside), but a batch of a few hundred rows
// on a busy machine can pass Prisma's 5 s default; a timeout there would lose the run.
const TX = { timeout: 30_000, maxWait: 10_000 } as const;

export type ListingView = {
  status: ListingStatus;
  /** Rows and projects of the visible generation: counted once per listing, not per page (null: unknown, count them). */
  visibleRepositories: number | null;
  visibleProjects: number | null;
  generation: number;
  readyGeneration: number | null;
  /** The generation pages read now: the ready one, or the running one before the first finishes. */
  visibleGeneration: number | null;
  startedAt: Date;
  finishedAt: Date | null;
  expiresAt: Date | null;
  heartbeatAt: Date;
  /** When the current QUEUED request was made. */
  queuedAt: Date | null;
  projectsFound: number;
  projectsTotal: number | null;
  projectsListed: number;
  projectsFailed: number;
  repositoriesListed: number;
  error: PickerProblem | null;
};

/** Proof that this process holds the lease of one listing run (of a connection of the scope it was claimed in). */
export type ListingClaim = {
  connectionId: string;
  runId: string;
  generation: number;
  /** The job-engine job running it, when one does: its audit events are written once per job. */
  jobId?: string | null;
};

/** Thrown when a run lost its lease (superseded by a refresh, or timed out and taken over). */
export class ListingLeaseLost extends Error {
  constructor() {
    super("The repository listing was taken over by another run.");
    this.name = "ListingLeaseLost";
  }
}

/** The listing's columns, as every read of a ListingView selects them (also joined to its connection: lib/data/connections.ts). */
export const listingSelect = {
  status: true,
  generation: true,
  readyGeneration: true,
  startedAt: true,
  finishedAt: true,
  expiresAt: true,
  heartbeatAt: true,
  queuedAt: true,
  projectsFound: true,
  projectsTotal: true,
  projectsListed: true,
  projectsFailed: true,
  repositoriesListed: true,
  readyRepositories: true,
  readyProjects: true,
  error: true,
} satisfies Prisma.RepositoryListingSelect;

type ListingRow = Prisma.RepositoryListingGetPayload<{ select: typeof listingSelect }>;

/** A row read with `listingSelect` as the listing the picker shows. */
export function toView(row: ListingRow): ListingView {
  const { readyRepositories, readyProjects, ...rest } = row;
  const visibleGeneration = row.readyGeneration ?? (row.status === "RUNNING" ? row.generation : null);
  // A first listing still running shows its rows as they arrive: its counters are exact so far.
  const running = row.readyGeneration === null && row.status === "RUNNING";
  return {
    ...rest,
    visibleGeneration,
    visibleRepositories: running ? row.repositoriesListed : readyRepositories,
    visibleProjects: running ? row.projectsFound : readyProjects,
    error: readProblem(row.error),
  };
}

/** The listing of a connection of the scope's organization, or null when it was never listed. */
export async function getListing(scope: Scope, connectionId: string): Promise<ListingView | null> {
  const row = await db.repositoryListing.findFirst({ where: { connectionId, organizationId: scope.organizationId }, select: listingSelect });
  return row ? toView(row) : null;
}

export type ClaimResult = { claimed: true; claim: ListingClaim } | { claimed: false };

/**
 * Starts a listing run unless one is running (with a live heartbeat) or, without `force`, the
 * cached listing has not expired yet. Atomic across instances: the row is locked while deciding.
 */
export async function claimListing(
  scope: Scope,
  connectionId: string,
  options: { force: boolean; now?: Date; jobId?: string },
): Promise<ClaimResult> {
  const runId = randomUUID();
  const jobId = options.jobId ?? null;
  const now = options.now ?? new Date();
  const attempt = () =>
    db.$transaction(async (tx) => {
      // The connection must belong to the caller's organization (ids are never trusted alone).
      const connection = await tx.connection.findFirst({ where: { id: connectionId, organizationId: scope.organizationId }, select: { id: true } });
      if (!connection) {
        throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
      }
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "RepositoryListing" WHERE "connectionId" = ${connectionId}::uuid FOR UPDATE`;
      const fresh = {
        status: "RUNNING" as const,
        runId,
        heartbeatAt: now,
        startedAt: now,
        finishedAt: null,
        projectsFound: 0,
        projectsTotal: null,
        projectsListed: 0,
        projectsFailed: 0,
        repositoriesListed: 0,
        error: Prisma.DbNull,
        requestedById: onBehalfOf(scope),
        queuedAt: null,
      };
      if (locked.length === 0) {
        const created = await tx.repositoryListing.create({
          data: { ...fresh, organizationId: scope.organizationId, connectionId, generation: 1 },
          select: { generation: true },
        });
        return { claimed: true as const, claim: { connectionId, runId, generation: created.generation, jobId } };
      }
      const current = await tx.repositoryListing.findUniqueOrThrow({ where: { connectionId }, select: { status: true, heartbeatAt: true, expiresAt: true } });
      const running = current.status === "RUNNING" && now.getTime() - current.heartbeatAt.getTime() < LEASE_STALE_MS;
      const expired = current.expiresAt === null || current.expiresAt.getTime() <= now.getTime();
      if (running || (!options.force && !expired && current.status !== "RUNNING" && current.status !== "QUEUED")) {
        return { claimed: false as const };
      }
      const updated = await tx.repositoryListing.update({
        where: { connectionId },
        data: { ...fresh, generation: { increment: 1 } },
        select: { generation: true },
      });
      return { claimed: true as const, claim: { connectionId, runId, generation: updated.generation, jobId } };
    }, TX);
  try {
    return await attempt();
  } catch (error) {
    // Two instances creating the first row at once: the loser looks again.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      return attempt();
    }
    throw error;
  }
}

/** A QUEUED request older than this (no worker took it: none running, or its job was lost) may be made again. */
export const QUEUE_STALE_MS = 5 * 60_000;

/**
 * Records that a listing run is wanted (status QUEUED) unless one is running, already queued,
 * or — without `force` — the cached listing has not expired. The caller then enqueues the job
 * that will claim it. Atomic across instances, like claimListing. Rows already shown stay
 * visible while queued (readyGeneration is untouched).
 */
export async function requestListing(
  scope: Scope,
  connectionId: string,
  options: { force: boolean; now?: Date },
): Promise<{ requested: boolean }> {
  const now = options.now ?? new Date();
  const attempt = () =>
    db.$transaction(async (tx) => {
      const connection = await tx.connection.findFirst({ where: { id: connectionId, organizationId: scope.organizationId }, select: { id: true } });
      if (!connection) {
        throw new AppError("NOT_FOUND", "That connection does not exist in your organization.");
      }
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "RepositoryListing" WHERE "connectionId" = ${connectionId}::uuid FOR UPDATE`;
      if (locked.length === 0) {
        // generation 0: the first claim makes it 1, the generation its rows are written with.
        await tx.repositoryListing.create({
          data: { organizationId: scope.organizationId, connectionId, status: "QUEUED", generation: 0, queuedAt: now, startedAt: now, heartbeatAt: now, requestedById: onBehalfOf(scope) },
        });
        return { requested: true };
      }
      const current = await tx.repositoryListing.findUniqueOrThrow({ where: { connectionId }, select: { status: true, heartbeatAt: true, expiresAt: true, queuedAt: true } });
      const running = current.status === "RUNNING" && now.getTime() - current.heartbeatAt.getTime() < LEASE_STALE_MS;
      const queued = current.status === "QUEUED" && current.queuedAt !== null && now.getTime() - current.queuedAt.getTime() < QUEUE_STALE_MS;
      const expired = current.expiresAt === null || current.expiresAt.getTime() <= now.getTime();
      if (running || queued || (!options.force && !expired && current.status !== "RUNNING" && current.status !== "QUEUED")) {
        return { requested: false };
      }
      await tx.repositoryListing.update({ where: { connectionId }, data: { status: "QUEUED", queuedAt: now, runId: null, requestedById: onBehalfOf(scope) } });
      return { requested: true };
    }, TX);
  try {
    return await attempt();
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      return attempt();
    }
    throw error;
  }
}

async function touch(tx: Pick<Tx, "repositoryListing">, scope: Scope, claim: ListingClaim, data: Prisma.RepositoryListingUpdateManyMutationInput): Promise<void> {
  const updated = await tx.repositoryListing.updateMany({
    where: { connectionId: claim.connectionId, organizationId: scope.organizationId, runId: claim.runId, status: "RUNNING" },
    data: { ...data, heartbeatAt: new Date() },
  });
  if (updated.count !== 1) {
    throw new ListingLeaseLost();
  }
}

/**
 * Gives a run's lease back and marks the listing QUEUED again (its worker is shutting down and
 * handed the job back): the job's next attempt claims it at once, and any later write of this
 * run fails with ListingLeaseLost. False when the run no longer held the lease.
 */
export async function requeueListing(scope: Scope, claim: ListingClaim): Promise<boolean> {
  const updated = await db.repositoryListing.updateMany({
    where: { connectionId: claim.connectionId, organizationId: scope.organizationId, runId: claim.runId, status: "RUNNING" },
    data: { status: "QUEUED", runId: null, queuedAt: new Date(), heartbeatAt: new Date() },
  });
  return updated.count === 1;
}

/** Keeps the lease alive during a long HTTP call. */
export async function heartbeatListing(scope: Scope, claim: ListingClaim): Promise<void> {
  await db.$transaction((tx) => touch(tx, scope, claim, {}), TX);
}

export type ProjectInput = { projectId: string; name: string; nameKey: string; description: string | null };

/** Saves one page of projects. */
export async function recordListedProjects(scope: Scope, claim: ListingClaim, projects: ProjectInput[], options: { complete: boolean }): Promise<void> {
  await db.$transaction(async (tx) => {
    await touch(tx, scope, claim, { projectsFound: { increment: projects.length } });
    if (projects.length > 0) {
      await tx.$executeRaw`
        INSERT INTO "ListedProject" ("connectionId", generation, "projectId", name, "nameKey", description)
        SELECT ${claim.connectionId}::uuid, ${claim.generation}::int, * FROM unnest(
          ${projects.map((project) => project.projectId)}::text[],
          ${projects.map((project) => project.name)}::text[],
          ${projects.map((project) => project.nameKey)}::text[],
          ${projects.map((project) => project.description)}::text[])
        ON CONFLICT DO NOTHING`;
    }
    if (options.complete) {
      const total = await tx.listedProject.count({ where: { connectionId: claim.connectionId, generation: claim.generation } });
      await touch(tx, scope, claim, { projectsTotal: total });
    }
  }, TX);
}

export type RepositoryInput = {
  repositoryId: string;
  projectId: string;
  projectName: string;
  projectNameKey: string;
  name: string;
  nameKey: string;
  defaultBranch: string | null;
  size: bigint | null;
  isDisabled: boolean;
  isFork: boolean;
  isEmpty: boolean;
};

export type ProjectRepositories = { projectId: string; repositories: RepositoryInput[]; error: string | null };

/**
 * Saves the repositories of a batch of projects and advances the progress counters, in one
 * statement (one round trip, its own transaction). The lease row is locked first (`lease`);
 * the rows, the projects' counts and the counters are written only if this run still holds
 * it, so a lost lease writes nothing and fails with ListingLeaseLost. One statement instead
 * of an interactive transaction of five (BEGIN, insert, counters, projects, COMMIT): a
 * 50,000-repository listing writes 100 batches, and each round trip costs the worker a
 * socket write and PostgreSQL a statement (lib/repositories/README.md).
 *
 * The rows go in as one JSON parameter (`json_to_recordset`): createMany binds every cell as
 * its own parameter (300–700 ms per 500 rows), `unnest` over eleven array parameters took
 * 20–40 ms, and one JSON string halves what the worker spends handing the rows to Prisma and
 * the driver (measured: 3 → 1.5 ms of CPU per 500 rows; PostgreSQL's side is the same). The
 * insert's own row count (a repository Azure DevOps reported twice is stored once) keeps
 * repositoriesListed exact, so the finished listing's total needs no count.
 */
export async function recordListedRepositories(scope: Scope, claim: ListingClaim, batch: ProjectRepositories[]): Promise<void> {
  if (batch.length === 0) {
    return;
  }
  const rows = batch.flatMap((entry) => entry.repositories);
  const now = new Date();
  const updated = await db.$executeRaw`
    WITH lease AS (
      SELECT 1 FROM "RepositoryListing"
      WHERE "connectionId" = ${claim.connectionId}::uuid AND "organizationId" = ${scope.organizationId}::uuid AND "runId" = ${claim.runId}::uuid AND status = 'RUNNING'
      FOR UPDATE
    ), inserted AS (
      INSERT INTO "ListedRepository" ("connectionId", generation, "repositoryId", "projectId", "projectName", "projectNameKey", name, "nameKey", "defaultBranch", size, "isDisabled", "isFork", "isEmpty")
      SELECT ${claim.connectionId}::uuid, ${claim.generation}::int, r.*
      FROM json_to_recordset(${rowsJson(rows)}::json) AS r(i text, p text, pn text, pk text, n text, k text, b text, s bigint, d bool, f bool, e bool)
      WHERE EXISTS (SELECT 1 FROM lease)
      ON CONFLICT DO NOTHING
      RETURNING 1
    ), projects AS (
      UPDATE "ListedProject" AS p SET "repositoryCount" = v.count, "error" = v.error
      FROM unnest(${batch.map((entry) => entry.projectId)}::text[], ${batch.map((entry) => entry.repositories.length)}::int[], ${batch.map((entry) => entry.error)}::text[]) AS v(id, count, error)
      WHERE p."connectionId" = ${claim.connectionId}::uuid AND p.generation = ${claim.generation} AND p."projectId" = v.id AND EXISTS (SELECT 1 FROM lease)
    )
    UPDATE "RepositoryListing"
    SET "projectsListed" = "projectsListed" + ${batch.length}::int,
        "projectsFailed" = "projectsFailed" + ${batch.filter((entry) => entry.error !== null).length}::int,
        "repositoriesListed" = "repositoriesListed" + (SELECT count(*) FROM inserted)::int,
        "heartbeatAt" = ${now}, "updatedAt" = ${now}
    WHERE "connectionId" = ${claim.connectionId}::uuid AND EXISTS (SELECT 1 FROM lease)`;
  if (updated !== 1) {
    throw new ListingLeaseLost();
  }
}

/** A batch's rows as the JSON array `recordListedRepositories` expands (short keys, in column order). */
function rowsJson(rows: RepositoryInput[]): string {
  return JSON.stringify(
    rows.map((row) => ({
      i: row.repositoryId,
      p: row.projectId,
      pn: row.projectName,
      pk: row.projectNameKey,
      n: row.name,
      k: row.nameKey,
      b: row.defaultBranch,
      s: row.size === null ? null : row.size.toString(),
      d: row.isDisabled,
      f: row.isFork,
      e: row.isEmpty,
    })),
  );
}

/**
 * Marks the run complete: its generation becomes the one pages read, with its totals (the
 * run's exact counters, kept so no page counts rows) and its sample for searches
 * (nameSampleOf), older rows go, and the planner's statistics are refreshed for the rows just
 * written.
 */
export async function finishListing(scope: Scope, claim: ListingClaim, options: { ttlMs: number; audit: Prisma.InputJsonValue }): Promise<void> {
  const now = new Date();
  await db.$transaction(async (tx) => {
    const finished = await tx.$executeRaw`
      UPDATE "RepositoryListing"
      SET status = 'READY', "readyGeneration" = ${claim.generation}, "finishedAt" = ${now}, "expiresAt" = ${new Date(now.getTime() + options.ttlMs)},
          "runId" = NULL, "heartbeatAt" = ${now}, "updatedAt" = ${now},
          "readyRepositories" = "repositoriesListed", "readyProjects" = COALESCE("projectsTotal", "projectsFound"),
          "nameSample" = ${nameSampleOf(claim.connectionId, claim.generation)}
      WHERE "connectionId" = ${claim.connectionId}::uuid AND "organizationId" = ${scope.organizationId}::uuid AND "runId" = ${claim.runId}::uuid AND status = 'RUNNING'`;
    if (finished !== 1) {
      throw new ListingLeaseLost();
    }
    if (await recordEffect(tx, { key: `audit:repositories.listed:${claim.jobId ?? claim.runId}`, queue: claim.jobId ? "repositories.list" : "inline", jobId: claim.jobId ?? null, organizationId: scope.organizationId })) {
      await recordAudit(scope, { action: "repositories.listed", targetType: "connection", targetId: claim.connectionId, data: options.audit }, tx);
    }
  }, TX);
  await dropOtherGenerations(claim.connectionId, claim.generation);
  await refreshStatistics();
}

/**
 * The planner's row counts and value distributions for the listing tables. Without them,
 * right after a first listing PostgreSQL believes the table holds a row or two and sorts a
 * whole connection to show its first page. ANALYZE reads a fixed sample (not the table), so
 * it costs about the same at 1,000 or 500,000 rows. A role that does not own the tables gets
 * a warning from PostgreSQL instead, and autovacuum catches up later.
 *
 * Then the search indexes' pending lists: a GIN index takes inserts into an unsorted pending
 * list (up to gin_pending_list_limit, 4 MB) that every search reads in full until a vacuum
 * merges it, and a manual ANALYZE does not. Measured at 500,000 rows: a search with no match
 * took 4.7 ms with the list left by the listing's inserts and 0.05 ms after merging it (a rare
 * name 101 ms → 33 ms). Merging costs tens of milliseconds, once per listing.
 */
async function refreshStatistics(): Promise<void> {
  await refreshPlannerStatistics();
  try {
    await db.$queryRawUnsafe(
      `SELECT gin_clean_pending_list('"ListedRepository_nameKey_idx"'::regclass), gin_clean_pending_list('"ListedRepository_projectNameKey_idx"'::regclass), gin_clean_pending_list('"ListedProject_nameKey_idx"'::regclass)`,
    );
  } catch (error) {
    log.warn({ err: error }, "could not merge the search indexes' pending lists (gin_clean_pending_list); autovacuum will");
  }
}

/**
 * ANALYZE of the listing tables alone, also used while a large listing runs: the rows of a
 * generation being written are new values to the planner (a new connection, or the next
 * generation of one), so it estimates a handful of rows for them, and a page shown during the
 * listing — the picker asks every few seconds — can get a plan that reads every row written so
 * far and sorts them. Measured during a 500,000-repository listing: 76 such pages of 126 ms
 * (median, up to 231 ms), 9 s of PostgreSQL's CPU in a 30 s listing, against 0.05 ms with
 * statistics. Refreshing them as the generation grows (lib/repositories/listing.ts) keeps the
 * plan the ordered index scan.
 */
export async function refreshPlannerStatistics(): Promise<void> {
  try {
    await db.$executeRawUnsafe(`ANALYZE "ListedRepository", "ListedProject"`);
  } catch (error) {
    log.warn({ err: error }, "could not refresh the listing tables' statistics (ANALYZE); autovacuum will");
  }
}

/**
 * Marks the run failed with the problem to show. The previous complete listing (if any)
 * stays visible; this run's partial rows go. Visiting again after `retryAfterMs` retries.
 */
export async function failListing(scope: Scope, claim: ListingClaim, problem: PickerProblem, options: { retryAfterMs: number; audit: Prisma.InputJsonValue }): Promise<void> {
  const now = new Date();
  await db.$transaction(async (tx) => {
    await touch(tx, scope, claim, { status: "FAILED", finishedAt: now, expiresAt: new Date(now.getTime() + options.retryAfterMs), error: problem, runId: null });
    if (await recordEffect(tx, { key: `audit:repositories.listing_failed:${claim.jobId ?? claim.runId}`, queue: claim.jobId ? "repositories.list" : "inline", jobId: claim.jobId ?? null, organizationId: scope.organizationId })) {
      await recordAudit(scope, { action: "repositories.listing_failed", targetType: "connection", targetId: claim.connectionId, data: options.audit }, tx);
    }
  }, TX);
  await db.listedRepository.deleteMany({ where: { connectionId: claim.connectionId, generation: claim.generation } });
  await db.listedProject.deleteMany({ where: { connectionId: claim.connectionId, generation: claim.generation } });
}

async function dropOtherGenerations(connectionId: string, keep: number): Promise<void> {
  await db.listedRepository.deleteMany({ where: { connectionId, generation: { not: keep } } });
  await db.listedProject.deleteMany({ where: { connectionId, generation: { not: keep } } });
}

// ---------------------------------------------------------------------------------------------
// Reading pages: keyset paging on (nameKey, id); search with LIKE '%term%' on the lower-cased
// keys, answered by the pg_trgm GIN indexes (the btree on (connection, generation, nameKey)
// serves the unfiltered pages in order).

export type ListedRepositoryRow = {
  repositoryId: string;
  projectId: string;
  projectName: string;
  name: string;
  nameKey: string;
  defaultBranch: string | null;
  size: number | null;
  isDisabled: boolean;
  isFork: boolean;
  isEmpty: boolean;
};

export type ListedProjectRow = { projectId: string; name: string; nameKey: string; repositoryCount: number | null; error: string | null };

export type PageCursor = { key: string; id: string };

/**
 * Searches count their matches up to this many: past it the picker says "more than 200
 * match" (and asks for a longer term) instead of counting tens of thousands of rows on every
 * keystroke of a large estate. 200 is four pages of rows: enough to say a term is narrow
 * enough to scroll through, and what a broad term costs is the count (at 500,000 names a
 * word in 4 % of them: 7–8 ms to count 1,001 matches, 3.4 ms to count 201;
 * lib/repositories/README.md).
 */
export const SEARCH_COUNT_CAP = 200;

/** How many rows match: exact, or at least `count` when `capped`. */
export type MatchCount = { count: number; capped: boolean };

/** `%term%` for LIKE on a name key, with the term normalized like the keys and LIKE's wildcards escaped. */
function containsPattern(term: string): string {
  return `%${likeLiteral(nameKey(term))}%`;
}

/**
 * Listed rows carry only their connection: this condition ties them to the scope's organization.
 * It does not depend on the row, so PostgreSQL evaluates it once per query (an InitPlan).
 */
function inScope(scope: Scope, connectionId: string): Prisma.Sql {
  return Prisma.sql`EXISTS (SELECT 1 FROM "Connection" c WHERE c.id = ${connectionId}::uuid AND c."organizationId" = ${scope.organizationId}::uuid)`;
}

/**
 * How a search's rows are found:
 * - `gather`: every match through the trigram indexes, once, then sorted — for a term with
 *   few matches, or whose matches lie far along the name order;
 * - `walk`: along the name-ordered index, checking each name, until a page (and the count's
 *   cap) of matches turns up — for a term in a good share of the names. Its condition is
 *   `strpos`, which no index serves, so PostgreSQL cannot pick anything else;
 * - `planner`: PostgreSQL's choice, when Keel knows too little (no sample of the listing).
 *
 * The choice is made from the listing's own sample (RepositoryListing.nameSample: 1,000 rows
 * drawn at random when the listing finished, in name order), not from the planner's
 * statistics: those hold 100 values of each name column for the whole table (every
 * organization's listings), and a term's share of 100 values swings from run to run. Measured
 * at 500,000 names over 25 ANALYZEs: a word in 4 % of the names took 2–3 ms, except after 3 of
 * them, when the planner's estimate fell and it decoded the word's posting lists to count the
 * matches (9–15 ms). With a 1,000-row sample the same word's share is 4 ± 0.6 %.
 */
export type SearchPlan = "gather" | "walk" | "planner";

/** A search term as the queries use it: the whole key, the part the trigram indexes look up, and how rows are found. */
export type RepositorySearch = { key: string; indexed: string; plan: SearchPlan };

/** How many rows of a finished listing its sample holds. */
export const NAME_SAMPLE_SIZE = 1_000;

/**
 * What a gathered row costs against a walked one: fetched from the table by the trigram index,
 * checked and sorted (0.68 µs a row measured at 500,000 names) against checked in name order
 * (0.46 µs).
 */
const GATHER_COST = 1.5;

/**
 * A walk of at most this many names is cheap whatever the estate (under 5 ms at 0.46 µs a
 * name; a term in 2 % of the names reaches the count's cap within it), and is taken over
 * gathering at least GATHER_ROWS_TINY rows. Measured at 100,000 names: "payments-17" (4 %)
 * gathered 4,000 rows in 8 ms — most of it decoding posting lists — and walked 5,000 names in
 * about 2.5 ms.
 */
const WALK_ROWS_CHEAP = 10_000;
const GATHER_ROWS_TINY = 1_000;

/**
 * How many mean waits (1/share sampled rows) the first sampled match may lie in before the
 * names ahead of it count as a stretch without matches: evenly spread matches put it further
 * only once in e^5 ≈ 150 samples, and even then the walk is chosen unless the stretch is long.
 */
const FIRST_MATCH_ALLOWANCE = 5;

/**
 * A word in more than this share of the names sampled counts as everywhere: its trigrams'
 * posting lists hold nearly every row, and a GIN scan decodes all of them however rare the
 * rest of the term is.
 */
const EVERYWHERE_SHARE = 0.2;

/**
 * Which part of a search term the pg_trgm GIN indexes should look up. A GIN scan for
 * `%term%` needs every trigram of the term and decodes each trigram's whole posting list: in
 * an estate where every name starts with the same word ("contoso-…", or the benchmark's
 * "project-00042-docs-06"), that word's trigrams list every row, and a search for one
 * repository cost 17 ms at 500,000 names (11 ms per column for a project name) before the
 * first match. So when the term has a word that appears in most sampled names and another
 * that does not, the index looks up only the rarest word and the whole term is checked on
 * the rows it returns (`strpos`, which the index cannot serve, so PostgreSQL does not look
 * the ubiquitous trigrams up anyway). Exact either way: every row containing the term
 * contains each of its words.
 *
 * `of` names the listing generation searched; `settled`, that it is complete. A complete
 * generation's own sample decides everything (SearchPlan). Without one (a listing still being
 * written, or one finished before samples were kept), the planner's sample of both name keys
 * picks the looked-up part (most common values and histogram bounds, refreshed by the ANALYZE
 * during and after each listing: a catalog read), and a part that no sampled name contains
 * is gathered; the rest is left to the planner. Without either, the whole term is looked up.
 */
export async function repositorySearch(term: string, of?: { connectionId: string; generation: number; settled: boolean }): Promise<RepositorySearch> {
  const key = nameKey(term);
  const sample = of?.settled ? await listingSample(of.connectionId, of.generation) : null;
  if (sample) {
    return planFromSample(key, sample);
  }
  const samples = await statisticsSamples(of?.settled ? `${of.connectionId}:${of.generation}` : undefined);
  if (samples.length === 0) {
    return { key, indexed: key, plan: "planner" };
  }
  // A part's cost is set by the column where it is most frequent (both are looked up).
  const share = (part: string) => Math.max(...samples.map((values) => values.filter((value) => value.includes(part)).length / values.length));
  const indexed = indexedPart(key, share);
  return { key, indexed, plan: share(indexed) === 0 ? "gather" : "planner" };
}

/**
 * Gather or walk, by the rows each would read. Gathering reads every row containing the
 * looked-up part. Walking reads the names before the first match, then about one row in
 * `share` until the count's cap is reached. The sample says both: the share of sampled rows
 * that match, and where the first of them lies in the name order. A sampled row stands for
 * hundreds of names, so where matches are spread evenly the first sampled one still lies
 * about 1/share sampled rows in (a geometric wait); only a first match further in than
 * FIRST_MATCH_ALLOWANCE such waits counts as names to walk past — matches bunched far along
 * the order (one project's repositories, named after it). So a word spread through the names
 * is walked (a page in a few hundred rows), a rare one gathered, and a common one whose
 * matches sit far along the order gathered rather than walked to.
 */
export function planFromSample(key: string, sample: ListingSample): RepositorySearch {
  const { pairs, rows } = sample;
  const share = (part: string) => (pairs.length === 0 ? 0 : pairs.filter(([name, project]) => name.includes(part) || project.includes(part)).length / pairs.length);
  const indexed = indexedPart(key, share);
  const matching = share(key);
  const first = pairs.findIndex(([name, project]) => name.includes(key) || project.includes(key));
  const before = Math.max(0, first - FIRST_MATCH_ALLOWANCE / matching) / pairs.length;
  const walked = first < 0 || matching === 0 ? rows : before * rows + (SEARCH_COUNT_CAP + 1) / matching;
  const gathered = share(indexed) * rows;
  // A cheap walk wins over a gather that is not tiny: what a gather costs beyond its rows —
  // decoding the posting list of every trigram of the term, most rows' for a short or common
  // word ("payments-17": " 1" starts most names' numbers) — is not in the sample.
  if (gathered >= GATHER_ROWS_TINY && walked <= WALK_ROWS_CHEAP) {
    return { key, indexed, plan: "walk" };
  }
  return { key, indexed, plan: GATHER_COST * gathered <= walked ? "gather" : "walk" };
}

/** The whole key, or its rarest word when another of its words is everywhere. */
function indexedPart(key: string, share: (part: string) => number): string {
  // pg_trgm's own word boundaries (letters and digits); shorter words give it no trigram.
  const words = [...new Set(key.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length >= 3))];
  if (words.length < 2) {
    return key;
  }
  const shares = words.map((word) => ({ word, share: share(word) }));
  if (!shares.some((entry) => entry.share > EVERYWHERE_SHARE)) {
    return key;
  }
  const rarest = shares.reduce((best, entry) => (entry.share < best.share || (entry.share === best.share && entry.word.length > best.word.length) ? entry : best));
  return rarest.share > EVERYWHERE_SHARE ? key : rarest.word;
}

/**
 * Samples are kept per listing generation in this process: a generation's sample is written
 * with the statement that completes it and never changes, and a new listing is a new
 * generation — one read per generation instead of one per search. Values are kept, never
 * promises: a promise remembers the request it was made in (AsyncLocalStorage) and would keep
 * that request's whole context alive.
 */
function remember<T>(cache: Map<string, T>, key: string, value: T, entries: number): void {
  if (cache.size >= entries) {
    cache.delete(cache.keys().next().value ?? "");
  }
  cache.set(key, value);
}

/** A listing generation's own sample: its rows' name keys in name order, and how many rows it has. */
export type ListingSample = { pairs: [string, string][]; rows: number };

/** About 130 KiB each in memory: 64 listings are up to ~8 MiB of a web process. */
const listingSamples = new Map<string, ListingSample | null>();
const LISTING_SAMPLES_KEPT = 64;

async function listingSample(connectionId: string, generation: number): Promise<ListingSample | null> {
  const cacheKey = `${connectionId}:${generation}`;
  const cached = listingSamples.get(cacheKey);
  if (cached !== undefined) {
    return cached;
  }
  const found = await db.$queryRaw<{ sample: unknown; rows: number | null }[]>`
    SELECT "nameSample" AS sample, "readyRepositories" AS rows
    FROM "RepositoryListing"
    WHERE "connectionId" = ${connectionId}::uuid AND "readyGeneration" = ${generation}`;
  const row = found[0];
  if (!row) {
    // Not (or no longer) the complete generation: nothing to keep.
    return null;
  }
  const pairs = Array.isArray(row.sample) && row.sample.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every((value) => typeof value === "string")) ? (row.sample as [string, string][]) : null;
  // A listing finished before samples were kept has none, and never will: that is kept too.
  const sample = pairs && row.rows !== null ? { pairs, rows: row.rows } : null;
  remember(listingSamples, cacheKey, sample, LISTING_SAMPLES_KEPT);
  return sample;
}

/**
 * The SQL that draws a generation's sample (finishListing stores it with the statement that
 * completes the generation): NAME_SAMPLE_SIZE rows at random, in the order pages walk. 61 ms at
 * 500,000 rows, once per listing.
 */
export function nameSampleOf(connectionId: string, generation: number): Prisma.Sql {
  return Prisma.sql`(
    SELECT COALESCE(jsonb_agg(jsonb_build_array(s."nameKey", s."projectNameKey") ORDER BY s."nameKey", s."repositoryId"), '[]'::jsonb)
    FROM (
      SELECT "nameKey", "projectNameKey", "repositoryId" FROM "ListedRepository"
      WHERE "connectionId" = ${connectionId}::uuid AND generation = ${generation}
      ORDER BY random() LIMIT ${NAME_SAMPLE_SIZE}
    ) s)`;
}

/** The planner's sample of both name keys (for a listing without its own sample). */
const statisticsCache = new Map<string, string[][]>();
const STATISTICS_KEPT = 256;

async function statisticsSamples(statisticsOf: string | undefined): Promise<string[][]> {
  const cached = statisticsOf === undefined ? undefined : statisticsCache.get(statisticsOf);
  if (cached) {
    return cached;
  }
  const columns = await db.$queryRaw<{ sample: string[] | null }[]>`
    SELECT COALESCE(most_common_vals::text::text[], '{}') || COALESCE(histogram_bounds::text::text[], '{}') AS sample
    FROM pg_stats
    WHERE schemaname = current_schema() AND tablename = 'ListedRepository' AND attname IN ('nameKey', 'projectNameKey')`;
  const samples = columns.map((column) => column.sample ?? []).filter((sample) => sample.length > 0);
  // A listing without statistics yet is asked again next time.
  if (statisticsOf !== undefined && samples.length > 0) {
    remember(statisticsCache, statisticsOf, samples, STATISTICS_KEPT);
  }
  return samples;
}

function repositoryFilter(scope: Scope, connectionId: string, generation: number, filter: { search?: RepositorySearch; projectId?: string }): Prisma.Sql {
  const conditions: Prisma.Sql[] = [Prisma.sql`"connectionId" = ${connectionId}::uuid`, Prisma.sql`generation = ${generation}`, inScope(scope, connectionId)];
  if (filter.projectId !== undefined) {
    conditions.push(Prisma.sql`"projectId" = ${filter.projectId}`);
  }
  const search = filter.search;
  if (search !== undefined && search.key !== "") {
    // strpos: a literal substring, like LIKE '%term%' with its wildcards escaped.
    const whole = Prisma.sql`(strpos("nameKey", ${search.key}) > 0 OR strpos("projectNameKey", ${search.key}) > 0)`;
    if (search.plan === "walk") {
      // No index serves strpos: the name-ordered walk (SearchPlan).
      conditions.push(whole);
    } else {
      const pattern = `%${likeLiteral(search.indexed)}%`;
      conditions.push(Prisma.sql`("nameKey" LIKE ${pattern} ESCAPE '\\' OR "projectNameKey" LIKE ${pattern} ESCAPE '\\')`);
      if (search.indexed !== search.key) {
        // The whole term, on the rows the index found for its rarest word.
        conditions.push(whole);
      }
    }
  }
  return Prisma.join(conditions, " AND ");
}

/**
 * The search for a term in a listing generation, or none. Within one project the search is
 * left to the planner unless gathered: the project's own index walks at most its rows.
 */
async function searchOf(q: string | undefined, connectionId: string, generation: number, settled = true, projectId?: string): Promise<RepositorySearch | undefined> {
  if (q === undefined || q === "") {
    return undefined;
  }
  const search = await repositorySearch(q, { connectionId, generation, settled });
  return projectId !== undefined && search.plan === "walk" ? { ...search, plan: "planner" } : search;
}

/**
 * One page of listed repositories (search term already NFC + lower-cased), in one query.
 * `count: "capped"` also counts the matches (up to SEARCH_COUNT_CAP) in the same statement —
 * for a search's first page; unfiltered pages take their total from the listing instead.
 */
export async function listListedRepositories(
  scope: Scope,
  connectionId: string,
  generation: number,
  options: { q?: string; projectId?: string; after?: PageCursor; limit: number; count?: "capped"; settled?: boolean },
): Promise<{ rows: ListedRepositoryRow[]; hasMore: boolean; matches: MatchCount | null }> {
  const search = await searchOf(options.q, connectionId, generation, options.settled, options.projectId);
  const where = repositoryFilter(scope, connectionId, generation, { projectId: options.projectId, search });
  const after = options.after ? Prisma.sql`AND ("nameKey", "repositoryId") > (${options.after.key}, ${options.after.id})` : Prisma.empty;
  type Found = Omit<ListedRepositoryRow, "size"> & { size: bigint | null; matches?: bigint };
  const columns = Prisma.sql`"repositoryId", "projectId", "projectName", name, "nameKey", "defaultBranch", size, "isDisabled", "isFork", "isEmpty"`;
  let rows: Found[];
  if (search?.plan === "gather") {
    // Gathered (SearchPlan): every match through the trigram index, once, then
    // the page and the capped count from that set.
    const counted = options.count === "capped" ? Prisma.sql`, (SELECT count(*) FROM (SELECT 1 FROM found LIMIT ${SEARCH_COUNT_CAP + 1}) m) AS matches` : Prisma.empty;
    rows = await db.$queryRaw<Found[]>`
      WITH found AS MATERIALIZED (
        SELECT ${columns}
        FROM "ListedRepository"
        WHERE ${where}
      )
      SELECT * ${counted}
      FROM found
      WHERE TRUE ${after}
      ORDER BY "nameKey", "repositoryId"
      LIMIT ${options.limit + 1}`;
  } else {
    // An uncorrelated scalar subquery runs once per statement (an InitPlan), not once per row.
    // A walked search counts along the same walk. Unordered, PostgreSQL may count with a
    // sequential scan, which starts wherever the table starts — in another connection's rows:
    // 92 ms with another 500,000-row listing written first, against 2.3 ms along the walk.
    const walkOrder = search?.plan === "walk" ? Prisma.sql`ORDER BY "nameKey", "repositoryId"` : Prisma.empty;
    const counted =
      options.count === "capped" ? Prisma.sql`, (SELECT count(*) FROM (SELECT 1 FROM "ListedRepository" WHERE ${where} ${walkOrder} LIMIT ${SEARCH_COUNT_CAP + 1}) m) AS matches` : Prisma.empty;
    rows = await db.$queryRaw<Found[]>`
      SELECT ${columns} ${counted}
      FROM "ListedRepository"
      WHERE ${where} ${after}
      ORDER BY "nameKey", "repositoryId"
      LIMIT ${options.limit + 1}`;
  }
  return {
    rows: rows.slice(0, options.limit).map(({ matches: _matches, ...row }) => ({ ...row, size: row.size === null ? null : Number(row.size) })),
    hasMore: rows.length > options.limit,
    // No row at all: nothing matched.
    matches: options.count === "capped" ? cappedCount(rows[0]?.matches) : null,
  };
}

function cappedCount(raw: bigint | undefined): MatchCount {
  const count = Number(raw ?? 0);
  return count > SEARCH_COUNT_CAP ? { count: SEARCH_COUNT_CAP, capped: true } : { count, capped: false };
}

/** How many listed repositories match, exactly (tests, and listings finished before totals were kept). */
export async function countListedRepositories(scope: Scope, connectionId: string, generation: number, options: { q?: string; projectId?: string }): Promise<number> {
  const where = repositoryFilter(scope, connectionId, generation, { projectId: options.projectId, search: await searchOf(options.q, connectionId, generation, true, options.projectId) });
  const result = await db.$queryRaw<{ count: bigint }[]>`SELECT count(*) AS count FROM "ListedRepository" WHERE ${where}`;
  return Number(result[0]?.count ?? 0);
}

/** One listed repository, by its Azure DevOps id. */
export async function getListedRepository(scope: Scope, connectionId: string, generation: number, repositoryId: string): Promise<ListedRepositoryRow | null> {
  const row = await db.listedRepository.findFirst({
    where: { connectionId, generation, repositoryId, connection: { organizationId: scope.organizationId } },
    select: { repositoryId: true, projectId: true, projectName: true, name: true, nameKey: true, defaultBranch: true, size: true, isDisabled: true, isFork: true, isEmpty: true },
  });
  return row ? { ...row, size: row.size === null ? null : Number(row.size) } : null;
}

/** One listed project of the visible generation (its repository count is the project filter's total). */
export async function getListedProject(scope: Scope, connectionId: string, generation: number, projectId: string): Promise<ListedProjectRow | null> {
  const rows = await db.$queryRaw<ListedProjectRow[]>`
    SELECT "projectId", name, "nameKey", "repositoryCount", error FROM "ListedProject"
    WHERE "connectionId" = ${connectionId}::uuid AND generation = ${generation} AND "projectId" = ${projectId} AND ${inScope(scope, connectionId)}`;
  return rows[0] ?? null;
}

function projectFilter(scope: Scope, connectionId: string, generation: number, q: string | undefined): Prisma.Sql {
  const conditions: Prisma.Sql[] = [Prisma.sql`"connectionId" = ${connectionId}::uuid`, Prisma.sql`generation = ${generation}`, inScope(scope, connectionId)];
  if (q) {
    conditions.push(Prisma.sql`"nameKey" LIKE ${containsPattern(q)} ESCAPE '\\'`);
  }
  return Prisma.join(conditions, " AND ");
}

/** One page of listed projects; `count: "capped"` counts a search's matches in the same statement. */
export async function listListedProjects(
  scope: Scope,
  connectionId: string,
  generation: number,
  options: { q?: string; after?: PageCursor; limit: number; count?: "capped" },
): Promise<{ rows: ListedProjectRow[]; hasMore: boolean; matches: MatchCount | null }> {
  const where = projectFilter(scope, connectionId, generation, options.q);
  const after = options.after ? Prisma.sql`AND ("nameKey", "projectId") > (${options.after.key}, ${options.after.id})` : Prisma.empty;
  const counted = options.count === "capped" ? Prisma.sql`, (SELECT count(*) FROM (SELECT 1 FROM "ListedProject" WHERE ${where} LIMIT ${SEARCH_COUNT_CAP + 1}) m) AS matches` : Prisma.empty;
  const rows = await db.$queryRaw<(ListedProjectRow & { matches?: bigint })[]>`
    SELECT "projectId", name, "nameKey", "repositoryCount", error ${counted}
    FROM "ListedProject"
    WHERE ${where} ${after}
    ORDER BY "nameKey", "projectId"
    LIMIT ${options.limit + 1}`;
  return {
    rows: rows.slice(0, options.limit).map(({ matches: _matches, ...row }) => row),
    hasMore: rows.length > options.limit,
    matches: options.count === "capped" ? cappedCount(rows[0]?.matches) : null,
  };
}

/** How many projects the visible listing holds (optionally matching a term), exactly. */
export async function countListedProjects(scope: Scope, connectionId: string, generation: number, options: { q?: string } = {}): Promise<number> {
  const result = await db.$queryRaw<{ count: bigint }[]>`SELECT count(*) AS count FROM "ListedProject" WHERE ${projectFilter(scope, connectionId, generation, options.q)}`;
  return Number(result[0]?.count ?? 0);
}

export type SiblingOrganization = { connectionId: string; connectionName: string; collection: string; status: string };

/**
 * The organizations reachable through the same Azure DevOps identity as this OAuth
 * connection: the organization's other OAuth connections to Azure DevOps Services whose last
 * check authenticated the same user. PAT connections reach exactly one organization. `current`
 * is the connection as the caller already loaded it in the scope (not read again).
 */
export async function listSiblingOrganizations(
  scope: Scope,
  current: { id: string; name: string; collection: string; status: string; authMethod: string; deploymentType: string; lastCheckResult: unknown },
): Promise<SiblingOrganization[]> {
  const organizationId = scope.organizationId;
  const self: SiblingOrganization = { connectionId: current.id, connectionName: current.name, collection: current.collection, status: current.status };
  const identity = identityOf(current.lastCheckResult);
  if (current.authMethod !== "OAUTH" || current.deploymentType !== "SERVICES" || identity === null) {
    return [self];
  }
  const others = await db.connection.findMany({
    where: { organizationId, authMethod: "OAUTH", deploymentType: "SERVICES", id: { not: current.id } },
    select: { id: true, name: true, collection: true, status: true, lastCheckResult: true },
    orderBy: { nameKey: "asc" },
    take: 200,
  });
  const siblings = others
    .filter((other) => identityOf(other.lastCheckResult) === identity)
    .map((other) => ({ connectionId: other.id, connectionName: other.name, collection: other.collection, status: other.status }));
  return [self, ...siblings].sort((a, b) => a.collection.localeCompare(b.collection));
}

function identityOf(summary: unknown): string | null {
  if (!summary || typeof summary !== "object") {
    return null;
  }
  const identity = (summary as { identity?: { uniqueName?: unknown; displayName?: unknown } }).identity;
  const key = identity?.uniqueName ?? identity?.displayName;
  return typeof key === "string" && key !== "" ? key.toLowerCase() : null;
}
