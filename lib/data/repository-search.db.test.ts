// The picker's search at the SQL level, against a brute-force expectation: a generated estate
// where every name shares one word (as the benchmark's and many real organizations' do), with
// rare, common, project and no-match terms, paged across the cursor and around the count's cap.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scope } from "@/lib/scope";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";

let database: TestDatabase;
let scope: Scope;
let connectionId: string;
const GENERATION = 1;
const WORDS = ["api", "web", "ios", "android", "infra", "docs", "payments", "search", "auth", "design"];

type Row = { repositoryId: string; nameKey: string; projectNameKey: string; projectId: string };
let all: Row[];

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
  await database.prisma.listedRepository.createMany({ data: repositories.map((row) => ({ ...row, connectionId, generation: GENERATION })) });
  // Another generation with the same names must never show.
  await database.prisma.listedRepository.createMany({ data: repositories.slice(0, 50).map((row) => ({ ...row, repositoryId: randomUUID(), connectionId, generation: GENERATION + 1 })) });
  await database.prisma.$executeRawUnsafe(`ANALYZE "ListedRepository"`);
  // The expectation's order is PostgreSQL's own (the unfiltered list), so it holds under any collation.
  all = await database.prisma.$queryRaw<Row[]>`
    SELECT "repositoryId", "nameKey", "projectNameKey", "projectId" FROM "ListedRepository"
    WHERE "connectionId" = ${connectionId}::uuid AND generation = ${GENERATION} ORDER BY "nameKey", "repositoryId"`;
}, 120_000);

afterAll(async () => {
  await database?.drop();
});

function expected(term: string, projectId?: string): Row[] {
  const key = term.normalize("NFC").toLowerCase();
  return all.filter((row) => (row.nameKey.includes(key) || row.projectNameKey.includes(key)) && (projectId === undefined || row.projectId === projectId));
}

async function everyPage(term: string, options: { projectId?: string; limit: number }) {
  const { listListedRepositories } = await import("./repository-listing");
  const seen: string[] = [];
  let after: { key: string; id: string } | undefined;
  let first = true;
  let matches = null;
  for (;;) {
    const page = await listListedRepositories(scope, connectionId, GENERATION, { q: term, projectId: options.projectId, after, limit: options.limit, count: first ? "capped" : undefined });
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

describe("searching the listed repositories", () => {
  it("looks a term with a word in every name up by its rarest word, and only then", async () => {
    const { repositorySearch } = await import("./repository-listing");
    expect(await repositorySearch("ACME-0007-docs")).toMatchObject({ key: "acme-0007-docs", indexed: "0007" });
    expect(await repositorySearch("acme-0007")).toMatchObject({ key: "acme-0007", indexed: "0007" });
    // No word of it is everywhere (or it has one word): the whole term, as before.
    expect(await repositorySearch("docs-06")).toMatchObject({ key: "docs-06", indexed: "docs-06" });
    expect(await repositorySearch("acme")).toMatchObject({ key: "acme", indexed: "acme" });
  });

  it("gathers a rare term's matches through the index and leaves a common one to the name order", async () => {
    const { repositorySearch } = await import("./repository-listing");
    // In no name of the sample: gathered and sorted.
    expect(await repositorySearch("zz-no-match")).toMatchObject({ gather: true });
    expect(await repositorySearch("acme-zz")).toMatchObject({ indexed: "acme-zz", gather: true });
    // A word in a tenth of the names, and one in all of them: the ordered walk finds a page at once.
    expect(await repositorySearch("docs")).toMatchObject({ gather: false });
    expect(await repositorySearch("acme")).toMatchObject({ gather: false });
  });

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
    const want = expected(term);
    const { seen, matches } = await everyPage(term, { limit });
    expect(seen).toEqual(want.map((row) => row.repositoryId));
    expect(matches).toEqual(want.length > SEARCH_COUNT_CAP ? { count: SEARCH_COUNT_CAP, capped: true } : { count: want.length, capped: false });
  });

  it("keeps the project filter exact under a search, and counts exactly", async () => {
    const { countListedRepositories } = await import("./repository-listing");
    for (const term of ["acme-0007", "docs", "acme-0007-docs", "kilo"]) {
      const want = expected(term, "p-0007");
      expect((await everyPage(term, { projectId: "p-0007", limit: 4 })).seen).toEqual(want.map((row) => row.repositoryId));
      expect(await countListedRepositories(scope, connectionId, GENERATION, { q: term, projectId: "p-0007" })).toBe(want.length);
      expect(await countListedRepositories(scope, connectionId, GENERATION, { q: term })).toBe(expected(term).length);
    }
  });
});
