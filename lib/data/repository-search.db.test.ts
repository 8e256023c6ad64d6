// The picker's search at the SQL level, against a brute-force expectation: a generated estate
// where every name shares one word (as the benchmark's and many real organizations' do), with
// rare, common, project and no-match terms, paged across the cursor and around the count's cap —
// once planned from the planner's statistics, once from the listing's own sample.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scope } from "@/lib/scope";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";

let database: TestDatabase;
let scope: Scope;
let connectionId: string;
/** The same estate in a second connection whose listing finished with its own sample. */
let sampledId: string;
const GENERATION = 1;
const WORDS = ["api", "web", "ios", "android", "infra", "docs", "payments", "search", "auth", "design"];

type Row = { repositoryId: string; nameKey: string; projectNameKey: string; projectId: string };
const all = new Map<string, Row[]>();

beforeAll(async () => {
  database = await createTestDatabase();
  const organization = await database.prisma.organization.create({ data: { name: "Search Org" } });
  const admin = await database.prisma.user.create({ data: { organizationId: organization.id, email: "search-admin@example.com", name: "Search Admin", memberships: { create: { organizationId: organization.id, role: "ADMIN" } } } });
  scope = testScope(organization.id, admin.id);
  connectionId = randomUUID();
  await database.prisma.connection.create({
    data: { id: connectionId, organizationId: organization.id, name: "Search", nameKey: "search", deploymentType: "SERVICES", authMethod: "PAT", serverUrl: "https://dev.azure.com", collection: "acme" },
  });
  // 3,000 repositories in 120 projects; "kilo" in exactly SEARCH_COUNT_CAP names and "mega" in one more (the cap's two sides).
  const { SEARCH_COUNT_CAP: cap } = await import("./repository-listing");
  const repositories = [];
  for (let index = 0; index < 3_000; index += 1) {
    const project = String(Math.floor(index / 25) + 1).padStart(4, "0");
    const word = WORDS[index % WORDS.length]!;
    const marks = `${index < cap ? "-kilo" : ""}${index < cap + 1 ? "-mega" : ""}`;
    const name = `acme-${project}-${word}-${String((index % 25) + 1).padStart(2, "0")}${marks}`;
    repositories.push({ repositoryId: randomUUID(), projectId: `p-${project}`, projectName: `Acme-${project}`, projectNameKey: `acme-${project}`, name, nameKey: name });
  }
  // Two repositories share a name (the cursor's tie-break on the id), one has a project name unlike its own.
  repositories.push({ repositoryId: randomUUID(), projectId: "p-0007", projectName: "Acme-0007", projectNameKey: "acme-0007", name: "acme-0007-docs-06", nameKey: "acme-0007-docs-06" });
  repositories.push({ repositoryId: randomUUID(), projectId: "p-x", projectName: "Zeta 100%_off", projectNameKey: "zeta 100%_off", name: "plain", nameKey: "plain" });
  sampledId = randomUUID();
  await database.prisma.connection.create({
    data: { id: sampledId, organizationId: organization.id, name: "Sampled", nameKey: "sampled", deploymentType: "SERVICES", authMethod: "PAT", serverUrl: "https://dev.azure.com", collection: "acme2" },
  });
  for (const id of [connectionId, sampledId]) {
    await database.prisma.listedRepository.createMany({ data: repositories.map((row) => ({ ...row, repositoryId: randomUUID(), connectionId: id, generation: GENERATION })) });
    // Another generation with the same names must never show.
    await database.prisma.listedRepository.createMany({ data: repositories.slice(0, 50).map((row) => ({ ...row, repositoryId: randomUUID(), connectionId: id, generation: GENERATION + 1 })) });
  }
  // The second connection's listing finished as finishListing finishes one: totals and sample.
  const { nameSampleOf } = await import("./repository-listing");
  await database.prisma.repositoryListing.create({
    data: { organizationId: organization.id, connectionId: sampledId, status: "READY", generation: GENERATION, readyGeneration: GENERATION, readyRepositories: repositories.length, repositoriesListed: repositories.length },
  });
  await database.prisma.$executeRaw`UPDATE "RepositoryListing" SET "nameSample" = ${nameSampleOf(sampledId, GENERATION)} WHERE "connectionId" = ${sampledId}::uuid`;
  await database.prisma.$executeRawUnsafe(`ANALYZE "ListedRepository"`);
  // The expectation's order is PostgreSQL's own (the unfiltered list), so it holds under any collation.
  for (const id of [connectionId, sampledId]) {
    all.set(
      id,
      await database.prisma.$queryRaw<Row[]>`
        SELECT "repositoryId", "nameKey", "projectNameKey", "projectId" FROM "ListedRepository"
        WHERE "connectionId" = ${id}::uuid AND generation = ${GENERATION} ORDER BY "nameKey", "repositoryId"`,
    );
  }
}, 120_000);

afterAll(async () => {
  await database?.drop();
});

function expected(connection: string, term: string, projectId?: string): Row[] {
  const key = term.normalize("NFC").toLowerCase();
  return all.get(connection)!.filter((row) => (row.nameKey.includes(key) || row.projectNameKey.includes(key)) && (projectId === undefined || row.projectId === projectId));
}

async function everyPage(connection: string, term: string, options: { projectId?: string; limit: number }) {
  const { listListedRepositories } = await import("./repository-listing");
  const seen: string[] = [];
  let after: { key: string; id: string } | undefined;
  let first = true;
  let matches = null;
  for (;;) {
    const page = await listListedRepositories(scope, connection, GENERATION, { q: term, projectId: options.projectId, after, limit: options.limit, count: first ? "capped" : undefined });
    if (first) {
      matches = page.matches;
    }
    first = false;
    seen.push(...page.rows.map((row) => row.repositoryId));
    if (!page.hasMore) {
      expect(page.rows.length).toBeLessThanOrEqual(options.limit);
      break;
    }
    expect(page.rows).toHaveLength(options.limit);
    const last = page.rows.at(-1)!;
    after = { key: last.nameKey, id: last.repositoryId };
  }
  return { seen, matches };
}

describe("planning a search", () => {
  it("looks a term with a word in every name up by its rarest word, and only then", async () => {
    const { repositorySearch } = await import("./repository-listing");
    for (const of of [undefined, { connectionId: sampledId, generation: GENERATION, settled: true }]) {
      expect(await repositorySearch("ACME-0007-docs", of)).toMatchObject({ key: "acme-0007-docs", indexed: "0007" });
      expect(await repositorySearch("acme-0007", of)).toMatchObject({ key: "acme-0007", indexed: "0007" });
      // No word of it is everywhere (or it has one word): the whole term, as before.
      expect(await repositorySearch("docs-06", of)).toMatchObject({ key: "docs-06", indexed: "docs-06" });
      expect(await repositorySearch("acme", of)).toMatchObject({ key: "acme", indexed: "acme" });
    }
  });

  it("without the listing's sample, gathers a term no statistic contains and leaves the rest to PostgreSQL", async () => {
    const { repositorySearch } = await import("./repository-listing");
    expect(await repositorySearch("zz-no-match")).toMatchObject({ plan: "gather" });
    expect(await repositorySearch("acme-zz")).toMatchObject({ indexed: "acme-zz", plan: "gather" });
    expect(await repositorySearch("docs")).toMatchObject({ plan: "planner" });
    // The connection's listing has no sample: the same.
    expect(await repositorySearch("acme", { connectionId, generation: GENERATION, settled: true })).toMatchObject({ plan: "planner" });
    // A generation still being written never uses a sample.
    expect(await repositorySearch("acme", { connectionId: sampledId, generation: GENERATION, settled: false })).toMatchObject({ plan: "planner" });
  });

  it("with the listing's sample, walks a term in most names and gathers a rare one", async () => {
    const { repositorySearch } = await import("./repository-listing");
    const of = { connectionId: sampledId, generation: GENERATION, settled: true };
    expect(await repositorySearch("acme", of)).toMatchObject({ plan: "walk" });
    expect(await repositorySearch("zz-no-match", of)).toMatchObject({ plan: "gather" });
    expect(await repositorySearch("acme-0042", of)).toMatchObject({ indexed: "0042", plan: "gather" });
  });

  it("stores a sample of the generation's rows in name order", async () => {
    const listing = await database.prisma.repositoryListing.findUniqueOrThrow({ where: { connectionId: sampledId }, select: { nameSample: true } });
    const pairs = listing.nameSample as [string, string][];
    const { NAME_SAMPLE_SIZE } = await import("./repository-listing");
    expect(pairs).toHaveLength(NAME_SAMPLE_SIZE);
    const keys = new Map(all.get(sampledId)!.map((row, index) => [`${row.nameKey}\u0000${row.projectNameKey}`, index]));
    // Every pair is a row of the generation, in the order pages walk (duplicate names share a position).
    const positions = pairs.map(([name, project]) => keys.get(`${name}\u0000${project}`));
    expect(positions.every((position) => position !== undefined)).toBe(true);
    expect(positions).toEqual([...positions].sort((x, y) => x! - y!));
  });
});

describe("the plan from a sample", () => {
  // Names like the benchmark's: project-NNNNN-word-NN, 25 per project, ten words.
  const WORDS_500K = ["api", "web", "ios", "android", "infra", "docs", "payments", "search", "auth", "design"];
  function sample500k(seed: number, rows = 500_000): { pairs: [string, string][]; rows: number } {
    // mulberry32: a small seeded generator, so each sample is the same on every run.
    let state = seed;
    const random = () => {
      state = (state + 0x6d2b79f5) | 0;
      let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
      mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
      return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
    };
    const pairs: [string, string][] = [];
    for (let index = 0; index < 1_000; index += 1) {
      const row = Math.floor(random() * rows);
      const project = `project-${String(Math.floor(row / 25) + 1).padStart(5, "0")}`;
      const repository = row % 25;
      pairs.push([`${project}-${WORDS_500K[repository % 10]}-${String(repository + 1).padStart(2, "0")}`, project]);
    }
    return { pairs: pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), rows };
  }

  it.each(Array.from({ length: 20 }, (_, index) => index + 1))("sample %i: walks the words spread through the names, gathers the rare and the far", async (seed) => {
    const { planFromSample } = await import("./repository-listing");
    const sample = sample500k(seed);
    // In 8 % and 4 % of the names, everywhere in the order: a page is a walk of a few hundred rows.
    expect(planFromSample("docs", sample).plan).toBe("walk");
    expect(planFromSample("payments-17", sample).plan).toBe("walk");
    // One project's 25 repositories, looked up by its number; one repository; nothing.
    expect(planFromSample("project-10000", sample)).toMatchObject({ indexed: "10000", plan: "gather" });
    expect(planFromSample("project-10000-payments-07", sample)).toMatchObject({ indexed: "10000", plan: "gather" });
    expect(planFromSample("zz-no-match", sample).plan).toBe("gather");
    // A word in a tenth of the names: walked when spread through them, gathered when they all sit at the end of the order.
    const marked = (at: (index: number) => boolean) => ({ ...sample, pairs: sample.pairs.map(([name, project], index) => [at(index) ? `${name}-zeta` : name, project] as [string, string]) });
    expect(planFromSample("zeta", marked((index) => index % 10 === 0)).plan).toBe("walk");
    expect(planFromSample("zeta", marked((index) => index >= 900)).plan).toBe("gather");
    // At 50,000 and 100,000 names the 4 % word is still walked (5,000 names), not gathered (2,000–4,000 rows and their posting lists).
    expect(planFromSample("payments-17", sample500k(seed, 50_000)).plan).toBe("walk");
    expect(planFromSample("payments-17", sample500k(seed, 100_000)).plan).toBe("walk");
    expect(planFromSample("zz-no-match", sample500k(seed, 100_000)).plan).toBe("gather");
  });
});

describe.each([
  ["planned from the planner's statistics", () => connectionId],
  ["planned from the listing's sample", () => sampledId],
])("searching the listed repositories, %s", (_source, connectionOf) => {
  it.each([
    ["a rare name", "acme-0007-docs-06", 50],
    ["a project name (and its repositories' names)", "Acme-0042", 10],
    ["a common word, past the cap", "docs", 50],
    ["a word in every name", "acme", 500],
    ["exactly the cap", "kilo", 300],
    ["one past the cap", "mega", 300],
    ["a rare name whose common word is everywhere", "acme-01", 50],
    ["no match", "zz-no-match", 50],
    ["no match, with an everywhere word", "acme-zz", 50],
    ["LIKE's wildcards, literally", "100%_", 50],
    ["a wildcard that would match anything", "acme-00%", 50],
  ])("%s: the same rows, order and capped count as a brute-force search, across every page", async (_kind, term, limit) => {
    const { SEARCH_COUNT_CAP } = await import("./repository-listing");
    const connection = connectionOf();
    const want = expected(connection, term);
    const { seen, matches } = await everyPage(connection, term, { limit });
    expect(seen).toEqual(want.map((row) => row.repositoryId));
    expect(matches).toEqual(want.length > SEARCH_COUNT_CAP ? { count: SEARCH_COUNT_CAP, capped: true } : { count: want.length, capped: false });
  });

  it("keeps the project filter exact under a search, and counts exactly", async () => {
    const { countListedRepositories } = await import("./repository-listing");
    const connection = connectionOf();
    for (const term of ["acme-0007", "docs", "acme-0007-docs", "kilo", "acme"]) {
      const want = expected(connection, term, "p-0007");
      expect((await everyPage(connection, term, { projectId: "p-0007", limit: 4 })).seen).toEqual(want.map((row) => row.repositoryId));
      expect(await countListedRepositories(scope, connection, GENERATION, { q: term, projectId: "p-0007" })).toBe(want.length);
      expect(await countListedRepositories(scope, connection, GENERATION, { q: term })).toBe(expected(connection, term).length);
    }
  });
});
