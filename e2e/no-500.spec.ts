// The no-500 sweep. The standard: "no 500 for anything a user can type". Every page (the
// app/**/page.tsx files), every GET route and every server action is found mechanically
// (support/entry-points.ts), so a new one is swept without a row to add. They are asked, as an
// admin and as a member of an organization of their own, with damaged ids (a damaged %-escape, a
// non-UUID, a UUID of nothing, a long one), with damaged values of every query parameter Keel
// reads anywhere, and — the actions — with argument lists of the wrong shape. Each answer must be
// below 500; the failures are listed by request.
//
// What stays outside: action requests whose body is not React's reply encoding at all (Next.js
// answers those itself with 500; SECURITY.md, "Inbound requests").
import { randomBytes, randomUUID } from "node:crypto";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { signInViaApi } from "./support/auth";
import { seedPatConnection } from "./support/connections";
import { createUser, prisma } from "./support/db";
import { discoverActions, discoverPages, discoverRoutes, postAction } from "./support/entry-points";
import { seedProfile } from "./support/profiles";
import { KEEL_URL } from "./support/settings";

/** Ids that name nothing usable: a damaged %-escape (the web server's 400), not a UUID, a UUID of nothing, too long. */
const DAMAGED_IDS = ["%E0%A4%A", "not-an-id", randomUUID(), "a".repeat(300)];
/** Every query parameter a page or route of Keel reads, and a few it does not. */
const PARAMETERS = ["q", "limit", "cursor", "project", "before", "after", "page", "sort", "order", "platform", "status", "role", "connection", "step", "error", "deleted", "disconnected", "branch", "top", "actor", "action", "target", "from", "to", "reason", "provider", "code", "callbackUrl"];
/** Values that are wrong for every one of them, one way or another (a NUL, which PostgreSQL refuses in text; a cursor in Keel's own shape with a non-UUID id). */
const DAMAGED_VALUES = ["x\u0000", "-1", `2026-01-01T00:00:00.000Z_${"a".repeat(36)}`, "%".repeat(2_100)];

type Failure = string;

/** Runs `tasks` with a few in flight (the sweep is thousands of requests). */
async function inParallel(tasks: (() => Promise<void>)[], width = 6): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const task = tasks[next++]!;
        await task();
      }
    }),
  );
}

test("every page, route and server action answers damaged input without a 500", async ({ playwright }) => {
  test.setTimeout(240_000);
  const organization = await prisma().organization.create({ data: { name: `Sweep ${randomBytes(3).toString("hex")}` } });
  const admin = await createUser({ role: "ADMIN", name: "Sweep Admin", organizationId: organization.id });
  const member = await createUser({ role: "MEMBER", name: "Sweep Member", organizationId: organization.id });
  const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull, ownerId: admin.id, organizationId: organization.id });
  const profile = await seedProfile({
    organizationId: organization.id,
    connectionId: connection.id,
    name: "Sweep wallet",
    projectId: DEFAULT_PROJECTS.mobileIos.id,
    projectName: DEFAULT_REPOS.walletApp.project,
    repositoryId: DEFAULT_REPOS.walletApp.id,
    repositoryName: DEFAULT_REPOS.walletApp.name,
  });
  const contexts: Record<"admin" | "member", APIRequestContext> = {
    admin: await playwright.request.newContext({ baseURL: KEEL_URL, ignoreHTTPSErrors: true }),
    member: await playwright.request.newContext({ baseURL: KEEL_URL, ignoreHTTPSErrors: true }),
  };
  const users = { admin, member };
  try {
    await signInViaApi(contexts.admin, admin.email, admin.password);
    await signInViaApi(contexts.member, member.email, member.password);
    const failures: Failure[] = [];
    let asked = 0;
    const ask = async (who: "admin" | "member", path: string) => {
      asked += 1;
      const response = await contexts[who].get(path, { maxRedirects: 0, headers: { accept: path.startsWith("/api/") ? "application/json" : "text/html" } });
      await response.body().catch(() => undefined);
      if (response.status() >= 500) {
        failures.push(`${who} GET ${path.slice(0, 160)} → ${response.status()}`);
      }
    };
    // The real ids where the address names Keel's own records, so the query sweep reaches each page's code.
    const real = (pattern: string) =>
      pattern
        .replace(/^\/connections\/\[id\]/, `/connections/${connection.id}`)
        .replace(/^\/profiles\/\[id\]/, `/profiles/${profile.id}`)
        .replace(/^\/api\/connections\/\[id\]/, `/api/connections/${connection.id}`)
        .replace(/^\/api\/profiles\/\[id\]/, `/api/profiles/${profile.id}`)
        .replace(/\[[^\]]+\]/g, randomUUID());

    const pages = discoverPages();
    const routes = discoverRoutes()
      .filter((route) => route.startsWith("GET ") && !route.includes("[...nextauth]"))
      .map((route) => route.slice(4));
    expect(pages.length, "pages found").toBeGreaterThan(30);
    expect(routes.length, "GET routes found").toBeGreaterThan(8);
    const tasks: (() => Promise<void>)[] = [];
    for (const pattern of [...pages.map((page) => page.pattern), ...routes]) {
      if (pattern.includes("[")) {
        for (const id of DAMAGED_IDS) {
          for (const who of ["admin", "member"] as const) {
            tasks.push(() => ask(who, pattern.replace(/\[[^\]]+\]/g, id)));
          }
        }
      }
    }
    for (const pattern of [...pages.filter((page) => page.readsQuery).map((page) => page.pattern), ...routes]) {
      for (const name of PARAMETERS) {
        for (const value of DAMAGED_VALUES) {
          tasks.push(() => ask("admin", `${real(pattern)}?${name}=${encodeURIComponent(value)}`));
        }
      }
      tasks.push(() => ask("admin", `${real(pattern)}?limit=1&limit=2&page=1&page=2`));
    }
    await inParallel(tasks);

    // Actions, one at a time (some end the caller's session: it signs in again and goes on).
    const actions = [...discoverActions().entries()];
    expect(actions.length, "server actions found").toBeGreaterThan(30);
    const junkForm = () => {
      const form = new FormData();
      for (const field of ["id", "name", "token", "organizationUrl", "repositoryId", "email", "role", "branch", "hosts", "confirm"]) {
        form.append(field, "\u0000%E0<x>");
      }
      return form;
    };
    for (const [name, action] of actions) {
      const argumentLists: unknown[][] = [[], ["x\u0000"], [null, null], [{ status: "idle" }, junkForm()], ["not-an-id", { status: "idle" }, junkForm()], [randomUUID(), { status: "idle" }, new FormData()], [[1, 2], 3, "x"]];
      for (const who of ["admin", "member"] as const) {
        for (const args of argumentLists) {
          asked += 1;
          const result = await postAction(contexts[who], action, args, typeof args[0] === "string" ? args[0] : randomUUID());
          if (result.status >= 500) {
            failures.push(`${who} ${name} (${JSON.stringify(args).slice(0, 80)}) → ${result.status}`);
          }
          const session = (await (await contexts[who].get("/api/auth/session")).json()) as { user?: unknown };
          if (!session.user) {
            await signInViaApi(contexts[who], users[who].email, users[who].password);
          }
        }
      }
    }
    expect(failures, `${failures.length} of ${asked} requests answered 500 or more`).toEqual([]);
  } finally {
    await contexts.admin.dispose();
    await contexts.member.dispose();
    await prisma().organization.delete({ where: { id: organization.id } });
  }
});
