import { describe, expect, it } from "vitest";
import { auditPageQuerySchema } from "./audit";
import { buildListQuerySchema } from "./builds";
import { connectionListQuerySchema } from "./connections";
import { listHref, parseListQuery, searchParamsObject } from "./list-query";

const raw = (text: string) => searchParamsObject(new URLSearchParams(text));
const MEMBER = "3e3a6b1c-0000-4000-8000-000000000001";

describe("parseListQuery", () => {
  it("reads a filter form submitted with fields left blank as no filter on those fields", () => {
    // What the browser sends for the audit log's form with only an action chosen.
    expect(parseListQuery(auditPageQuerySchema, raw("actor=&action=connection.&target=&from=&to="))).toEqual({ query: { action: "connection." }, problems: [] });
    // The connections form with "All" statuses, sorted by name.
    expect(parseListQuery(connectionListQuerySchema, raw("status=&sort=name&order=desc"))).toEqual({ query: { sort: "name", order: "desc" }, problems: [] });
    expect(parseListQuery(buildListQuerySchema, raw("status=&profile=&branch=main"))).toEqual({ query: { branch: "main", page: 1 }, problems: [] });
    expect(parseListQuery(buildListQuerySchema, raw("who=mine&who2=x"))).toEqual({ query: { who: "mine", page: 1 }, problems: ["The address had a parameter this page does not know"] });
    expect(parseListQuery(buildListQuerySchema, raw("who=everyone")).problems).toEqual(["Who must be mine"]);
  });

  it("ignores only the bad parameter, names it with the schema's words, and keeps the others", () => {
    const audit = parseListQuery(auditPageQuerySchema, raw(`actor=${MEMBER}&from=2027-02-30&to=2027-03-01`));
    expect(audit.query).toEqual({ actor: MEMBER, to: new Date("2027-03-02T00:00:00.000Z") });
    expect(audit.problems).toEqual(["From must be a real date"]);

    const builds = parseListQuery(buildListQuerySchema, raw("status=RUNNING&profile=../etc&page=0"));
    expect(builds.query).toEqual({ status: "RUNNING", page: 1 });
    expect(builds.problems).toEqual(["Unknown build profile", "Page must be at least 1"]);

    const connections = parseListQuery(connectionListQuerySchema, raw("status=SLEEPY&sort=name"));
    expect(connections.query).toEqual({ sort: "name", order: "asc" });
    expect(connections.problems).toEqual(["Unknown status"]);
  });

  it("refuses a parameter given twice instead of picking one", () => {
    expect(parseListQuery(connectionListQuerySchema, raw("sort=name&sort=expiry&order=desc"))).toEqual({ query: { sort: "status", order: "desc" }, problems: ["sort must be given once"] });
  });

  it("counts unknown parameters without repeating their names or values", () => {
    const { query, problems } = parseListQuery(buildListQuerySchema, raw("branch=main&%3Cscript%3E=1&evil=%3Cb%3E"));
    expect(query).toEqual({ branch: "main", page: 1 });
    expect(problems).toEqual(["The address had parameters this page does not know"]);
    expect(parseListQuery(buildListQuerySchema, raw("constructor=1")).problems).toEqual(["The address had a parameter this page does not know"]);
  });
});

describe("listHref", () => {
  it("writes the values that differ from their defaults, in order; the defaults give the bare path", () => {
    expect(listHref("/profiles", { q: undefined, sort: "name", order: "asc", page: 1 }, { sort: "name", order: "asc" })).toBe("/profiles");
    expect(listHref("/profiles", { q: "wallet app", sort: "created", order: "asc", page: 3 }, { sort: "name", order: "asc" })).toBe("/profiles?q=wallet+app&sort=created&page=3");
    expect(listHref("/settings/members", { q: "", role: "ADMIN", status: null, page: 1 })).toBe("/settings/members?role=ADMIN");
    expect(listHref("/builds", { branch: "feature/a&b" })).toBe("/builds?branch=feature%2Fa%26b");
  });
});
