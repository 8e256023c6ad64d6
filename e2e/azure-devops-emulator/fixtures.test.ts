import { afterAll, describe, expect, it } from "vitest";
import {
  DEFAULT_FIXTURE,
  DEFAULT_ORGS,
  DEFAULT_PATS,
  DEFAULT_USERS,
  DEMO_FIXTURE,
  fixtureNames,
  generateLargeFixture,
  getFixture,
} from "./fixtures/index.js";
import { Clock } from "./clock.js";
import { disposeGit, loadGit } from "./git-backend.js";
import { Store } from "./store.js";

/** The named fixtures hold what the emulator's README promises Keel's tests. */

describe("default fixture", () => {
  const store = new Store(DEFAULT_FIXTURE, new Clock());
  afterAll(() => disposeGit(store));

  it("every PAT has the 84-character AZDO format the Node client recognises as a PAT", () => {
    for (const token of [...Object.values(DEFAULT_PATS), ...DEMO_FIXTURE.pats.map((pat) => pat.token)]) {
      expect(token).toMatch(/^.{76}AZDO.{4}$/);
    }
    expect(new Set(Object.values(DEFAULT_PATS)).size).toBe(Object.values(DEFAULT_PATS).length);
  });

  it("memberships: Alex in fabrikam, contoso, bigcorp but not northwind; Nora nowhere", () => {
    const memberOf = (userId: string): string[] =>
      store
        .hostsOf("services")
        .filter((host) => host.members.has(userId))
        .map((host) => host.name);
    expect(memberOf(DEFAULT_USERS.alex.id)).toEqual(["fabrikam", "contoso", "bigcorp"]);
    expect(memberOf(DEFAULT_USERS.nora.id)).toEqual([]);
    expect(memberOf(DEFAULT_USERS.priya.id)).toEqual(["northwind"]);
    expect(store.host("services", DEFAULT_ORGS.contoso.name)?.oauthPolicy).toBe(false);
  });

  it("fabrikam has MOBILE_IOS, a repository with a space, a non-ASCII one, an empty, a disabled and a fork; a branch with ≥150 commits", async () => {
    const fabrikam = store.host("services", "fabrikam");
    expect(fabrikam).toBeDefined();
    const repos = [...(fabrikam?.reposById.values() ?? [])];
    expect(fabrikam?.projects.map((project) => project.name)).toContain("MOBILE_IOS");
    expect(repos.some((repo) => repo.name.includes(" "))).toBe(true);
    expect(repos.some((repo) => /[^\x00-\x7f]/.test(repo.name))).toBe(true);
    expect(repos.some((repo) => repo.branchSpecs.length === 0)).toBe(true);
    expect(repos.some((repo) => repo.isDisabled)).toBe(true);
    expect(repos.some((repo) => repo.forkOf !== undefined)).toBe(true);
    const wallet = repos.find((repo) => repo.name === "Wallet App");
    const git = await loadGit(store, wallet!);
    let count = 0;
    let current: string | undefined = git.refs.get("refs/heads/main")?.objectId;
    while (current !== undefined) {
      count += 1;
      current = git.commits.get(current)?.parents[0];
    }
    expect(count).toBeGreaterThanOrEqual(150);
    expect([...git.refs.keys()].filter((name) => name.startsWith("refs/heads/")).length).toBeGreaterThan(2);
  });

  it("bigcorp is 40 projects × 25 repositories", () => {
    const bigcorp = store.host("services", "bigcorp");
    expect(bigcorp?.projects).toHaveLength(40);
    expect(bigcorp?.reposById.size).toBe(1000);
  });

  it("has every server deployment the README lists", () => {
    expect(DEFAULT_FIXTURE.servers?.map((server) => [server.name, server.product, server.pathPrefix ?? "", server.tls ?? false])).toEqual([
      ["server2022", "server2022.1", "/tfs", false],
      ["server2020", "server2020", "", false],
      ["server2019", "server2019", "", false],
      ["tfs2018", "tfs2018", "/tfs", false],
      ["server-localhost", "server2022.1", "/tfs", false],
      ["server-tls", "server2022.1", "", true],
      ["server-yearless", "azure-devops-server", "", false],
    ]);
  });
});

describe("named fixtures", () => {
  it("all resolve; unknown names throw", () => {
    expect(fixtureNames()).toEqual(["default", "demo", "large-1k", "large-10k", "large-50k"]);
    expect(getFixture("demo").services?.organizations.map((org) => org.oauthPolicy)).toEqual([true, true, false]);
    expect(() => getFixture("nope")).toThrow(/Unknown fixture/);
  });

  it("generateLargeFixture is compact and deterministic", () => {
    const fixture = generateLargeFixture({ projects: 2000, reposPerProject: 25 });
    expect(JSON.stringify(fixture).length).toBeLessThan(20_000);
    const first = new Store(fixture, new Clock());
    const second = new Store(generateLargeFixture({ projects: 2000, reposPerProject: 25 }), new Clock());
    const a = first.host("services", "largeorg");
    const b = second.host("services", "largeorg");
    expect(a?.reposById.size).toBe(50_000);
    expect([...(a?.reposById.keys() ?? [])].slice(0, 50)).toEqual([...(b?.reposById.keys() ?? [])].slice(0, 50));
    // Git data is built only when asked for.
    expect([...(a?.reposById.values() ?? [])].every((repo) => repo.git === undefined)).toBe(true);
  });
});
