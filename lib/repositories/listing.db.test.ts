import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scope } from "@/lib/scope";
import { countStatements, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";
import { DEFAULT_PATS, DEFAULT_REPOS, pickerTestDatabase, seedConnection, seedOrganization, startEmulator, type EmulatorHandle, type Seeded } from "./test-support";

// The listing runner against the emulator and a real PostgreSQL: what it stores, how pages
// and searches read it, continuation-token paging, refresh, leases and failures.

let emulator: EmulatorHandle;
let database: TestDatabase;
let seeded: Seeded;
let scope: Scope;

beforeAll(async () => {
  emulator = await startEmulator({ fixture: "default", basePort: 0 });
  database = await pickerTestDatabase();
  seeded = await seedOrganization(database);
  scope = testScope(seeded.organizationId, seeded.adminId);
});

afterAll(async () => {
  await database?.drop();
  await emulator?.stop();
});

async function connectionView(id: string) {
  const { getConnectionOrThrow } = await import("@/lib/data/connections");
  return getConnectionOrThrow(scope, id);
}

async function listNow(connectionId: string, options: { force?: boolean; settings?: Record<string, number> } = {}) {
  const { ensureListing } = await import("./listing");
  return ensureListing(scope, await connectionView(connectionId), { wait: true, ...options });
}

async function visibleListing(connectionId: string) {
  const { getListing } = await import("@/lib/data/repository-listing");
  const listing = await getListing(scope, connectionId);
  expect(listing).not.toBeNull();
  return listing!;
}

describe("listing a connection's repositories", () => {
  it("stores every visible repository of every well-formed project, with badges and sizes", async () => {
    const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    await listNow(connection.id);
    const listing = await visibleListing(connection.id);
    expect(listing.status).toBe("READY");
    // MOBILE_IOS, Fabrikam Fiber, Android, Sandbox; "Retired Project" is being deleted.
    expect(listing.projectsTotal).toBe(4);
    expect(listing.projectsListed).toBe(4);
    const rows = await database.prisma.listedRepository.findMany({ where: { connectionId: connection.id, generation: listing.readyGeneration! }, orderBy: { nameKey: "asc" } });
    expect(rows.map((row) => row.name)).toEqual(["empty-repo", "Fabrikam Fiber", "ios-sdk", "legacy-disabled", "Wallet App", "wallet-android", "wallet-app-fork", "Ünïcödé-Café"].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
    const byName = new Map(rows.map((row) => [row.name, row]));
    expect(byName.get("empty-repo")).toMatchObject({ isEmpty: true, defaultBranch: null });
    expect(byName.get("legacy-disabled")).toMatchObject({ isDisabled: true, isEmpty: false });
    expect(byName.get("wallet-app-fork")).toMatchObject({ isFork: true });
    expect(byName.get("Wallet App")).toMatchObject({ repositoryId: DEFAULT_REPOS.walletApp.id.toLowerCase(), defaultBranch: "refs/heads/main", projectName: "MOBILE_IOS" });
    expect(Number(byName.get("Wallet App")!.size)).toBeGreaterThan(0);
    // The hidden wiki repository is not offered.
    expect(byName.has("MOBILE_IOS.wiki")).toBe(false);
    // Its sample for searches (fewer rows than a sample holds: all of them), in name order.
    const { nameSample } = await database.prisma.repositoryListing.findUniqueOrThrow({ where: { connectionId: connection.id }, select: { nameSample: true } });
    expect(nameSample).toEqual(rows.map((row) => [row.nameKey, row.projectNameKey]));
    const audit = await database.prisma.auditEvent.findFirst({ where: { action: "repositories.listed", targetId: connection.id } });
    expect(audit?.data).toMatchObject({ projects: 4, projectsFailed: 0 });
  });

  it("searches repository and project names case- and accent-form-insensitively, with LIKE wildcards taken literally", async () => {
    const { listListedRepositories, countListedRepositories } = await import("@/lib/data/repository-listing");
    const { nameKey } = await import("@/lib/shared/names");
    const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    await listNow(connection.id);
    const generation = (await visibleListing(connection.id)).readyGeneration!;
    // "Café" typed in decomposed form (as macOS keyboards produce) still finds the NFC name.
    const decomposed = nameKey("ünïcödé-cafe\u0301");
    expect((await listListedRepositories(scope, connection.id, generation, { q: decomposed, limit: 10 })).rows.map((row) => row.name)).toEqual(["Ünïcödé-Café"]);
    // A project name matches too: every repository of "Fabrikam Fiber".
    expect(await countListedRepositories(scope, connection.id, generation, { q: "fabrikam fiber" })).toBe(4);
    expect((await listListedRepositories(scope, connection.id, generation, { q: "WALLET", limit: 10 })).rows.map((row) => row.name)).toEqual(["Wallet App", "wallet-android", "wallet-app-fork"]);
    expect((await listListedRepositories(scope, connection.id, generation, { q: "wallet app", limit: 10 })).rows.map((row) => row.name)).toEqual(["Wallet App"]);
    expect(await countListedRepositories(scope, connection.id, generation, { q: "%" })).toBe(0);
    // "_" is literal: only the two repositories of MOBILE_IOS, not every name of one or more characters.
    expect(await countListedRepositories(scope, connection.id, generation, { q: "_" })).toBe(2);
  });

  it("pages projects with the x-ms-continuationtoken header and repositories with keyset cursors, without gaps or repeats", async () => {
    const { listListedRepositories } = await import("@/lib/data/repository-listing");
    const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "bigcorp", token: DEFAULT_PATS.bigcorp });
    const since = emulator.control.requests().at(-1)?.seq ?? 0;
    await listNow(connection.id, { settings: { projectPageSize: 7 } });
    const listing = await visibleListing(connection.id);
    expect(listing.projectsTotal).toBe(40);
    expect(listing.repositoriesListed).toBe(1_000);
    const projectCalls = emulator.control.requests({ since, pathContains: "/bigcorp/_apis/projects" });
    // 40 projects in pages of 7: the first request has no token, each follow-up carries the
    // one the previous answer's header sent (the emulator's log masks its value), and the
    // walk stops when an answer has none.
    expect(projectCalls).toHaveLength(6);
    expect(projectCalls[0]?.query.continuationToken).toBeUndefined();
    expect(projectCalls.slice(1).every((call) => call.query.continuationToken !== undefined)).toBe(true);
    expect(projectCalls.every((call) => call.query.$top === "7")).toBe(true);
    expect(await database.prisma.listedProject.count({ where: { connectionId: connection.id, generation: listing.readyGeneration! } })).toBe(40);

    const seen: string[] = [];
    let after: { key: string; id: string } | undefined;
    for (let page = 0; page < 200; page += 1) {
      const result = await listListedRepositories(scope, connection.id, listing.readyGeneration!, { limit: 37, ...(after ? { after } : {}) });
      seen.push(...result.rows.map((row) => row.repositoryId));
      const last = result.rows.at(-1);
      if (!result.hasMore || !last) {
        break;
      }
      after = { key: last.nameKey, id: last.repositoryId };
    }
    expect(seen).toHaveLength(1_000);
    expect(new Set(seen).size).toBe(1_000);
  });

  it("refreshes the planner's statistics while a large listing is still being written, not only when it finishes", async () => {
    // Manual ANALYZEs of the table (autovacuum's are counted apart, in autoanalyze_count).
    const analyzed = async () => Number((await database.prisma.$queryRaw<{ n: bigint }[]>`SELECT analyze_count AS n FROM pg_stat_user_tables WHERE relname = 'ListedRepository'`)[0]?.n ?? 0);
    const large = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "bigcorp", token: DEFAULT_PATS.bigcorp });
    let before = await analyzed();
    // 1,000 repositories written in batches of at least 20 projects (500 rows): the first batch
    // passes the threshold of 400, the next refresh would be due at four times the rows written.
    await listNow(large.id, { settings: { statisticsFirstAt: 400 } });
    expect((await visibleListing(large.id)).repositoriesListed).toBe(1_000);
    expect((await analyzed()) - before).toBe(2);

    // Under the threshold, only the refresh that finishes the listing.
    const small = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "bigcorp", token: DEFAULT_PATS.bigcorp });
    before = await analyzed();
    await listNow(small.id);
    expect((await analyzed()) - before).toBe(1);
  });

  it("Refresh lists again into a new generation and drops the old rows; a fresh listing is not re-listed on a visit", async () => {
    const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    await listNow(connection.id);
    const first = await visibleListing(connection.id);
    const visit = await listNow(connection.id);
    expect(visit.started).toBe(false);
    const refreshed = await listNow(connection.id, { force: true });
    expect(refreshed.started).toBe(true);
    const second = await visibleListing(connection.id);
    expect(second.readyGeneration).toBe(first.readyGeneration! + 1);
    const generations = await database.prisma.listedRepository.groupBy({ by: ["generation"], where: { connectionId: connection.id } });
    expect(generations.map((group) => group.generation)).toEqual([second.readyGeneration]);
  });

  it("on the job engine: a visit queues one job per connection, the job lists once, a retry of a finished job lists nothing", async () => {
    const { ensureListing, listRepositoriesJob } = await import("./listing");
    const { jobSender } = await import("@/lib/jobs/enqueue");
    const { systemScope } = await import("@/lib/scope");
    const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    const view = await connectionView(connection.id);
    // Three visits and a Refresh before any worker looked: one request, one job.
    const visits = await Promise.all([ensureListing(scope, view), ensureListing(scope, view), ensureListing(scope, view, { force: true })]);
    expect(visits.filter((visit) => visit.started)).toHaveLength(1);
    expect(visits.every((visit) => visit.listing.status === "QUEUED" && visit.listing.visibleGeneration === null)).toBe(true);
    const boss = await jobSender();
    const { rows } = await boss.getDb().executeSql(`SELECT id, data FROM pgboss.job WHERE name = 'repositories.list' AND data->'payload'->>'connectionId' = $1`, [connection.id]);
    expect(rows).toHaveLength(1);
    const job = rows[0] as { id: string; data: { payload: { connectionId: string; requestedAt: string }; organizationId: string; requestedBy: string } };
    expect(job.data).toMatchObject({ organizationId: seeded.organizationId, requestedBy: seeded.adminId });
    const context = { jobId: job.id, queue: "repositories.list", retryCount: 0, signal: new AbortController().signal, scheduledFor: null, scope: systemScope(seeded.organizationId, "repositories.list", seeded.adminId) };
    await listRepositoriesJob(job.data.payload, context);
    const listed = await visibleListing(connection.id);
    expect(listed).toMatchObject({ status: "READY", readyGeneration: 1, projectsTotal: 4 });
    // The worker died before pg-boss marked the job done: its retry finds the work done.
    await listRepositoriesJob(job.data.payload, { ...context, retryCount: 1 });
    expect((await visibleListing(connection.id)).readyGeneration).toBe(1);
    expect(await database.prisma.auditEvent.count({ where: { action: "repositories.listed", targetId: connection.id } })).toBe(1);
    expect(await database.prisma.jobEffect.count({ where: { key: `audit:repositories.listed:${job.id}` } })).toBe(1);
  });

  it("on the job engine: a job aborted by its worker's shutdown gives the lease back, so its next attempt can list at once", async () => {
    const { ensureListing, listRepositoriesJob } = await import("./listing");
    const { systemScope } = await import("@/lib/scope");
    const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    await ensureListing(scope, await connectionView(connection.id));
    const payload = { connectionId: connection.id, requestedAt: new Date().toISOString() };
    const shutdown = new AbortController();
    shutdown.abort();
    await listRepositoriesJob(payload, { jobId: "00000000-0000-4000-8000-000000000001", queue: "repositories.list", retryCount: 0, signal: shutdown.signal, scheduledFor: null, scope: systemScope(seeded.organizationId, "repositories.list", null) });
    const handedBack = await visibleListing(connection.id);
    expect(handedBack.status).toBe("QUEUED");
    // The next attempt (another worker) claims it without waiting for a lease to go stale.
    await listRepositoriesJob(payload, { jobId: "00000000-0000-4000-8000-000000000001", queue: "repositories.list", retryCount: 1, signal: new AbortController().signal, scheduledFor: null, scope });
    expect(await visibleListing(connection.id)).toMatchObject({ status: "READY", projectsTotal: 4 });
  });

  it("gives the lease to one run at a time and lets a dead run's lease be taken over", async () => {
    const { claimListing, LEASE_STALE_MS, recordListedProjects, recordListedRepositories, ListingLeaseLost } = await import("@/lib/data/repository-listing");
    const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    const results = await Promise.all([1, 2, 3].map(() => claimListing(scope, connection.id, { force: true })));
    expect(results.filter((result) => result.claimed)).toHaveLength(1);
    const winner = results.find((result) => result.claimed);
    // Another instance a while later: the first run stopped heart-beating, so it may take over.
    const later = await claimListing(scope, connection.id, { force: false, now: new Date(Date.now() + LEASE_STALE_MS + 1_000) });
    expect(later.claimed).toBe(true);
    // The old run notices on its next write and stops without touching the new run's rows.
    const lost = winner!.claimed ? winner!.claim : (null as never);
    await expect(recordListedProjects(scope, lost, [], { complete: false })).rejects.toBeInstanceOf(ListingLeaseLost);
    // A batch of repositories from the old run writes nothing at all: no rows, no counters.
    const before = await database.prisma.repositoryListing.findUniqueOrThrow({ where: { connectionId: connection.id } });
    const row = { repositoryId: "r-1", projectId: "p-1", projectName: "P", projectNameKey: "p", name: "R", nameKey: "r", defaultBranch: null, size: null, isDisabled: false, isFork: false, isEmpty: true };
    await expect(recordListedRepositories(scope, lost, [{ projectId: "p-1", repositories: [row], error: null }])).rejects.toBeInstanceOf(ListingLeaseLost);
    expect(await database.prisma.listedRepository.count({ where: { connectionId: connection.id } })).toBe(0);
    const after = await database.prisma.repositoryListing.findUniqueOrThrow({ where: { connectionId: connection.id } });
    expect({ listed: after.projectsListed, repositories: after.repositoriesListed, heartbeat: after.heartbeatAt }).toEqual({ listed: before.projectsListed, repositories: before.repositoriesListed, heartbeat: before.heartbeatAt });
    // The run that holds the lease writes the same batch, counters with it.
    const holder = later.claimed ? later.claim : (null as never);
    await recordListedRepositories(scope, holder, [{ projectId: "p-1", repositories: [row, row], error: null }]);
    expect(await database.prisma.listedRepository.count({ where: { connectionId: connection.id, generation: holder.generation } })).toBe(1);
    expect(await database.prisma.repositoryListing.findUniqueOrThrow({ where: { connectionId: connection.id } })).toMatchObject({ projectsListed: 1, repositoriesListed: 1 });
  });

  it("refuses a connection of another organization", async () => {
    const { claimListing } = await import("@/lib/data/repository-listing");
    const other = await seedOrganization(database, "Contoso");
    const connection = await seedConnection(database, other, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    await expect(claimListing(scope, connection.id, { force: true })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("reads a listing only in the connection's own organization", async () => {
    const { getListing, getListedRepository, listListedRepositories, countListedRepositories, listListedProjects, countListedProjects } = await import("@/lib/data/repository-listing");
    const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    await listNow(connection.id);
    const generation = (await visibleListing(connection.id)).readyGeneration!;
    const other = await seedOrganization(database, "Prying Org");
    const outsider = testScope(other.organizationId, other.adminId);
    // The owner sees the rows…
    expect(await countListedRepositories(scope, connection.id, generation, {})).toBe(8);
    expect(await getListedRepository(scope, connection.id, generation, DEFAULT_REPOS.walletApp.id.toLowerCase())).not.toBeNull();
    // …another organization, with the right ids, sees nothing.
    expect(await getListing(outsider, connection.id)).toBeNull();
    expect((await listListedRepositories(outsider, connection.id, generation, { limit: 50 })).rows).toEqual([]);
    expect(await countListedRepositories(outsider, connection.id, generation, {})).toBe(0);
    expect(await getListedRepository(outsider, connection.id, generation, DEFAULT_REPOS.walletApp.id.toLowerCase())).toBeNull();
    expect((await listListedProjects(outsider, connection.id, generation, { limit: 50 })).rows).toEqual([]);
    expect(await countListedProjects(outsider, connection.id, generation)).toBe(0);
  });

  it("a picker call reads the connection with its listing in one query, and a fresh listing needs no other", async () => {
    const { getConnectionWithListing, getPickerConnection } = await import("@/lib/data/connections");
    const { getListing } = await import("@/lib/data/repository-listing");
    const { repositoryPage } = await import("./picker");
    const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    // Never listed: the listing is null, not missing.
    expect((await getConnectionWithListing(scope, connection.id))?.listing).toBeNull();
    await listNow(connection.id);
    const other = await seedOrganization(database, "Curious Org");
    expect(await getConnectionWithListing(testScope(other.organizationId, other.adminId), connection.id)).toBeNull();
    expect(await getPickerConnection(testScope(other.organizationId, other.adminId), connection.id)).toBeNull();

    const loaded = await countStatements(() => getConnectionWithListing(scope, connection.id));
    expect(loaded.statements).toBe(1);
    expect(loaded.result?.listing).toEqual(await getListing(scope, connection.id));
    // The picker's JSON calls load less of the connection, the same listing, also in one query.
    const picker = await countStatements(() => getPickerConnection(scope, connection.id));
    expect(picker.statements).toBe(1);
    expect(picker.result?.listing).toEqual(loaded.result?.listing);
    // The first page of the fresh listing: its rows' query only (the total is kept with the listing).
    const page = await countStatements(() => repositoryPage(scope, picker.result!, { limit: 50 }));
    expect(page.result.total).toBe(8);
    expect(page.statements).toBe(1);
  });

  it("stores a NUL or an unpaired surrogate in a name or description as a replacement character, instead of failing the listing", async () => {
    const { generateLargeFixture, LARGE_PAT } = await import("../../e2e/azure-devops-emulator/index");
    const fixture = generateLargeFixture({ projects: 1, reposPerProject: 1, organization: "oddorg", name: "odd-names" });
    const organization = fixture.services!.organizations[0]!;
    delete organization.generated;
    // JSON carries both as escapes ("\u0000", "\udc00"); PostgreSQL stores neither in a text value.
    organization.projects = [
      {
        id: "0dd00000-0000-4000-8000-000000000001",
        name: "Odd\u0000Project",
        description: "half a surrogate: \udc00",
        repositories: [
          { id: "0dd00000-0000-4000-8000-000000000002", name: "broken-\u0000-name", branches: [{ name: "main", commits: 1 }] },
          { id: "0dd00000-0000-4000-8000-000000000003", name: "fine-😀-name", branches: [{ name: "main", commits: 1 }] },
        ],
      },
    ];
    const odd = await startEmulator({ fixture, basePort: 0 });
    try {
      const connection = await seedConnection(database, seeded, { origin: odd.servicesUrl!, collection: "oddorg", token: LARGE_PAT });
      await listNow(connection.id);
      const listing = await visibleListing(connection.id);
      expect(listing).toMatchObject({ status: "READY", repositoriesListed: 2 });
      const rows = await database.prisma.listedRepository.findMany({ where: { connectionId: connection.id }, orderBy: { name: "asc" }, select: { name: true, projectName: true } });
      expect(rows).toEqual([
        { name: "broken-\ufffd-name", projectName: "Odd\ufffdProject" },
        { name: "fine-😀-name", projectName: "Odd\ufffdProject" },
      ]);
      expect(await database.prisma.listedProject.findFirst({ where: { connectionId: connection.id }, select: { description: true } })).toEqual({ description: "half a surrogate: \ufffd" });
    } finally {
      await odd.stop();
    }
  });

  it("stores the doctor's explanation when the token has expired, and keeps an earlier listing visible", async () => {
    const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamExpired });
    await listNow(connection.id);
    const listing = await visibleListing(connection.id);
    expect(listing.status).toBe("FAILED");
    expect(listing.visibleGeneration).toBeNull();
    expect(listing.error).toMatchObject({ id: "token_expired", title: "The token has expired" });
    expect(listing.error?.detail).toContain("Access Denied: The Personal Access Token used has expired.");
    expect(await database.prisma.listedRepository.count({ where: { connectionId: connection.id } })).toBe(0);

    // A working listing first, then the server goes away: the old rows stay, marked stale.
    const healthy = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    await listNow(healthy.id);
    const fault = emulator.control.addFault({ kind: "error", status: 503, pathPrefix: "/fabrikam/_apis/projects" });
    try {
      await listNow(healthy.id, { force: true });
    } finally {
      emulator.control.removeFault(fault.id);
    }
    const after = await visibleListing(healthy.id);
    expect(after.status).toBe("FAILED");
    expect(after.error?.id).toBe("server_error");
    expect(after.visibleGeneration).toBe(after.readyGeneration);
    expect(await database.prisma.listedRepository.count({ where: { connectionId: healthy.id, generation: after.readyGeneration! } })).toBe(8);
  });

  it("a refused credential changes the connection's health once; a passing outage does not; success re-checks", async () => {
    const expired = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamExpired });
    expect((await connectionView(expired.id)).status).toBe("HEALTHY");
    await listNow(expired.id);
    await listNow(expired.id, { force: true });
    const after = await connectionView(expired.id);
    expect(after).toMatchObject({ status: "EXPIRED", statusReason: "The token has expired", credentialExpirySource: "AZURE_DEVOPS" });
    // Azure DevOps said it expired: that is now its expiry (its word wins over an unknown or later date).
    expect(after.credentialExpiresAt).not.toBeNull();
    // Two refused listings, one status change in the audit log (and one notice for the owner and admins).
    const changes = await database.prisma.auditEvent.findMany({ where: { action: "connection.status_changed", targetId: expired.id } });
    expect(changes).toHaveLength(1);
    expect(changes[0]!.data).toMatchObject({ from: "HEALTHY", to: "EXPIRED", finding: "token_expired", source: "use" });
    expect(await database.prisma.notification.count({ where: { connectionId: expired.id, kind: "connection.status_changed" } })).toBe(1);
    // Same status without a reason (an older row) still gets the reason, quietly: the status did not change.
    await database.prisma.connection.update({ where: { id: expired.id }, data: { statusReason: null } });
    await listNow(expired.id, { force: true });
    expect(await connectionView(expired.id)).toMatchObject({ status: "EXPIRED", statusReason: "The token has expired" });
    expect(await database.prisma.auditEvent.count({ where: { action: "connection.status_changed", targetId: expired.id } })).toBe(1);

    // A 503 says nothing about the credential: the health stays as Check left it.
    const healthy = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
    const fault = emulator.control.addFault({ kind: "error", status: 503, pathPrefix: "/fabrikam/_apis/projects" });
    try {
      await listNow(healthy.id);
    } finally {
      emulator.control.removeFault(fault.id);
    }
    expect((await visibleListing(healthy.id)).error?.id).toBe("server_error");
    expect((await connectionView(healthy.id)).status).toBe("HEALTHY");
    expect(await database.prisma.auditEvent.count({ where: { action: "connection.status_changed", targetId: healthy.id } })).toBe(0);

    // Marked failing, yet the listing works (say, the policy was turned on since): the doctor
    // runs once and its verdict replaces the stale health.
    await database.prisma.connection.update({ where: { id: healthy.id }, data: { status: "EXPIRED", statusReason: "The token has expired" } });
    await listNow(healthy.id, { force: true });
    expect((await visibleListing(healthy.id)).status).toBe("READY");
    const rechecked = await connectionView(healthy.id);
    expect(rechecked.status).toBe("HEALTHY");
    expect(rechecked.statusReason).not.toBe("The token has expired");
    expect(rechecked.lastCheckAt).not.toBeNull();
    expect(await database.prisma.auditEvent.count({ where: { action: "connection.checked", targetId: healthy.id } })).toBe(1);
  });

  it("lists a Server collection behind /tfs", async () => {
    const server = emulator.deployment("server2022");
    const connection = await seedConnection(database, seeded, {
      origin: server.origin,
      pathPrefix: server.pathPrefix,
      collection: "DefaultCollection",
      token: DEFAULT_PATS.server2022,
      deploymentType: "SERVER",
    });
    await listNow(connection.id);
    const listing = await visibleListing(connection.id);
    expect(listing.status).toBe("READY");
    const names = (await database.prisma.listedRepository.findMany({ where: { connectionId: connection.id }, select: { name: true } })).map((row) => row.name).sort();
    expect(names).toEqual(["Build Tools", "sandbox", "wallet", "wallet-backend"]);
  });

  it("offers the organizations an OAuth identity reaches as one picker, and only the organization itself for a PAT", async () => {
    const { listSiblingOrganizations } = await import("@/lib/data/repository-listing");
    const org = await seedOrganization(database, "Identity test");
    const oauth = async (collection: string, uniqueName: string) =>
      database.prisma.connection.create({
        data: {
          organizationId: org.organizationId,
          name: `OAuth ${collection}`,
          nameKey: `oauth ${collection}`,
          deploymentType: "SERVICES",
          authMethod: "OAUTH",
          serverUrl: "https://dev.azure.com",
          collection,
          lastCheckResult: { ok: true, checkedAt: new Date().toISOString(), findings: [], identity: { displayName: "Alex", uniqueName } },
        },
      });
    const fabrikam = await oauth("fabrikam", "alex@example.com");
    const contoso = await oauth("contoso", "ALEX@example.com");
    await oauth("northwind", "priya@example.com");
    const pat = await seedConnection(database, org, { origin: "https://dev.azure.com", collection: "fabrikam", token: "z".repeat(52) });
    const { getConnection } = await import("@/lib/data/connections");
    const own = testScope(org.organizationId, org.adminId);
    const siblings = async (id: string) => listSiblingOrganizations(own, (await getConnection(own, id))!);
    expect((await siblings(fabrikam.id)).map((entry) => entry.collection)).toEqual(["contoso", "fabrikam"]);
    expect((await siblings(contoso.id)).map((entry) => entry.connectionId)).toEqual([contoso.id, fabrikam.id]);
    expect((await siblings(pat.id)).map((entry) => entry.connectionId)).toEqual([pat.id]);
    // Another organization cannot load the connection at all; and siblings are looked for in
    // the scope's organization only, whatever connection a caller hands in.
    expect(await getConnection(scope, fabrikam.id)).toBeNull();
    expect((await listSiblingOrganizations(scope, (await getConnection(own, fabrikam.id))!)).map((entry) => entry.connectionId)).toEqual([fabrikam.id]);
  });
});
