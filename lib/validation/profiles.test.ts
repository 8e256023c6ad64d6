import { describe, expect, it } from "vitest";
import { branchQuerySchema, commitQuerySchema, createProfileSchema, encodeCursor, pickerPageQuerySchema, profileListQuerySchema, queryErrors, repositoryQuerySchema } from "./profiles";
import { parseListQuery, searchParamsObject } from "./list-query";

function query(text: string) {
  return searchParamsObject(new URLSearchParams(text));
}

describe("picker query parameters", () => {
  it("accepts a search, a project, a cursor Keel issued and a limit", () => {
    const cursor = encodeCursor("wallet app", "3e3a6b1c-0000-4000-8000-000000000001");
    const parsed = repositoryQuerySchema.parse(query(`q=%20Caf%C3%A9%20&project=56AF920D-393B-4236-9A07-24439CCAA85C&cursor=${cursor}&limit=20`));
    expect(parsed).toEqual({ q: "café", project: "56af920d-393b-4236-9a07-24439ccaa85c", cursor: { key: "wallet app", id: "3e3a6b1c-0000-4000-8000-000000000001" }, limit: 20 });
    expect(repositoryQuerySchema.parse({})).toEqual({ limit: 50 });
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=201", "limit"],
    ["limit=ten", "limit"],
    ["project=not-a-guid", "project"],
    ["cursor=%7B%22a%22%3A1%7D", "cursor"],
    [`cursor=${Buffer.from('{"k":1}').toString("base64url")}`, "cursor"],
    [`q=${"x".repeat(201)}`, "q"],
    ["q=a%00b", "q"],
    ["q=a&q=b", "q"],
    ["sort=name", "sort"],
  ])("refuses %s, naming %s", (text, field) => {
    const parsed = repositoryQuerySchema.safeParse(query(text));
    expect(parsed.success).toBe(false);
    const errors = queryErrors(parsed.error!);
    expect(Object.keys(errors)).toContain(field);
    expect(errors[field]?.[0]).toContain(field);
  });

  it("reads the picker page's address: the wizard step, the search as typed, a project id; a bad one is named and ignored", () => {
    expect(parseListQuery(pickerPageQuerySchema, query("step=wizard&q=%20Wallet%20App%20&project=56AF920D-393B-4236-9A07-24439CCAA85C"))).toEqual({
      query: { step: "wizard", q: "Wallet App", project: "56af920d-393b-4236-9a07-24439ccaa85c" },
      problems: [],
    });
    expect(parseListQuery(pickerPageQuerySchema, query("q=wallet&project=56af920d&step=next"))).toEqual({
      query: { q: "wallet" },
      problems: ["Project must be an Azure DevOps project id (a GUID)", "Step must be wizard"],
    });
  });

  it("checks branch and commit parameters", () => {
    expect(branchQuerySchema.parse(query("q=login&cursor=cmVmcy9oZWFkcy9tYWlu&limit=10"))).toEqual({ q: "login", cursor: "cmVmcy9oZWFkcy9tYWlu", limit: 10 });
    expect(branchQuerySchema.safeParse(query("cursor=a%20b")).success).toBe(false);
    expect(commitQuerySchema.parse(query("branch=feature/%C3%BCmlaut-branch"))).toEqual({ branch: "feature/ümlaut-branch", top: 100 });
    for (const bad of ["", "a..b", "with space", "-x", "x.lock", "a~1", "x/"]) {
      expect(commitQuerySchema.safeParse({ branch: bad }).success, bad).toBe(false);
    }
  });
});

describe("the create-profile form", () => {
  const valid = { name: "  Wallet App  ", platform: "IOS", repositoryId: "3E3A6B1C-0000-4000-8000-000000000001", defaultBranch: "refs/heads/main", idempotencyKey: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b" };

  it("trims, lower-cases the id and strips refs/heads/", () => {
    expect(createProfileSchema.parse(valid)).toEqual({ name: "Wallet App", platform: "IOS", repositoryId: "3e3a6b1c-0000-4000-8000-000000000001", defaultBranch: "main", idempotencyKey: valid.idempotencyKey });
    expect(createProfileSchema.parse({ ...valid, defaultBranch: "" }).defaultBranch).toBeUndefined();
  });

  it("names the field and the fix for each bad value", () => {
    const result = createProfileSchema.safeParse({ name: " ", platform: "WINDOWS_PHONE", repositoryId: "../etc", defaultBranch: "two words", idempotencyKey: "nope" });
    expect(result.success).toBe(false);
    const fields = Object.fromEntries(result.error!.issues.map((issue) => [String(issue.path[0]), issue.message]));
    expect(fields).toEqual({
      name: "Name is required",
      platform: "Choose a target platform",
      repositoryId: "Pick a repository from the list",
      defaultBranch: "Default branch is not a valid Git branch name",
      idempotencyKey: "The form is outdated. Reload the page and try again.",
    });
  });
});

describe("the profiles list parameters", () => {
  it("defaults and validates", () => {
    expect(profileListQuerySchema.parse({})).toEqual({ sort: "name", order: "asc", page: 1 });
    expect(profileListQuerySchema.parse(query("q=wallet&platform=FLUTTER&sort=created&order=desc&page=2"))).toEqual({ q: "wallet", platform: "FLUTTER", sort: "created", order: "desc", page: 2 });
    expect(profileListQuerySchema.safeParse(query("sort=size")).success).toBe(false);
    expect(profileListQuerySchema.safeParse(query("page=-1")).success).toBe(false);
    expect(profileListQuerySchema.safeParse(query("evil=1")).success).toBe(false);
    expect(profileListQuerySchema.parse(query("show=watched"))).toMatchObject({ show: "watched" });
    expect(profileListQuerySchema.safeParse(query("show=mine")).error?.issues[0]?.message).toBe("Show must be watched, red or paused");
    expect(profileListQuerySchema.parse(query("show=red"))).toMatchObject({ show: "red" });
    expect(profileListQuerySchema.parse(query("show=paused"))).toMatchObject({ show: "paused" });
  });

  it("treats the form's “All platforms” (platform=) as no filter and keeps the search", () => {
    expect(parseListQuery(profileListQuerySchema, query("q=wallet&platform=&sort=name&order=asc"))).toEqual({ query: { q: "wallet", sort: "name", order: "asc", page: 1 }, problems: [] });
  });

  it("filters by a connection id, and names a bad one without repeating it", () => {
    const id = "3e3a6b1c-0000-4000-8000-000000000001";
    expect(parseListQuery(profileListQuerySchema, query(`connection=${id}`))).toEqual({ query: { connection: id, sort: "name", order: "asc", page: 1 }, problems: [] });
    expect(parseListQuery(profileListQuerySchema, query("connection=../etc&q=wallet"))).toEqual({ query: { q: "wallet", sort: "name", order: "asc", page: 1 }, problems: ["Unknown connection"] });
  });

  it("drops only the bad parameter and says which known one was wrong, without repeating unknown names", () => {
    const { query: kept, problems } = parseListQuery(profileListQuerySchema, query("q=wallet&platform=WINDOWS&evil=1"));
    expect(kept).toEqual({ q: "wallet", sort: "name", order: "asc", page: 1 });
    expect(problems).toEqual(["The address had a parameter this page does not know", "Unknown platform"]);
  });
});
