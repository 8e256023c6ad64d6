// The security suite, part 1 (issue 11): what Keel does with hostile requests — redirect targets,
// forged client addresses, oversized bodies, query text, headers — in the browser and over
// HTTPS through the TLS proxy (a production-like deployment: KEEL_TRUSTED_PROXIES names the
// proxy, not the browsers).
import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { DEFAULT_PATS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { HOSTILE_REDIRECTS } from "@/lib/shared/test-kit";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { removeConnection, seedPatConnection, uniqueName } from "./support/connections";
import { createUser, prisma, removeUser } from "./support/db";
import { e2eLogFile } from "./support/keel-env";
import { rawClient } from "./support/raw-https";
import { FIRST_ADMIN, KEEL_URL } from "./support/settings";

const KEEL_ORIGIN = new URL(KEEL_URL).origin;

/** The origin the page ended on, or what it tried to reach when the navigation failed. */
async function landedOrigin(page: Page, path: string): Promise<string> {
  const requested: string[] = [];
  const listener = (request: { isNavigationRequest(): boolean; url(): string }) => {
    if (request.isNavigationRequest()) {
      requested.push(request.url());
    }
  };
  page.on("request", listener);
  try {
    await page.goto(path);
  } catch {
    // A navigation to another host fails here (no DNS): what it tried is in `requested`.
  } finally {
    page.off("request", listener);
  }
  const foreign = requested.map((url) => new URL(url).origin).find((origin) => origin !== KEEL_ORIGIN);
  return foreign ?? new URL(page.url()).origin;
}

test.describe("no open redirect", () => {
  test(`none of the ${HOSTILE_REDIRECTS.length} hostile callbackUrl targets leaves Keel, signed in or signing in`, async ({ page, playwright }) => {
    test.setTimeout(120_000);
    const user = await createUser({ role: "MEMBER", name: "Rita Redirect" });
    try {
      await test.step("signed in: /signin redirects at once", async () => {
        await signInPage(page, user.email, user.password);
        for (const { label, target } of HOSTILE_REDIRECTS) {
          expect(await landedOrigin(page, `/signin?callbackUrl=${encodeURIComponent(target)}`), label).toBe(KEEL_ORIGIN);
          expect(new URL(page.url()).pathname, label).toBe("/connections");
        }
      });

      await test.step("next-auth's own redirects (callbackUrl of sign-out) stay on Keel", async () => {
        const anonymous = await playwright.request.newContext({ baseURL: KEEL_URL, ignoreHTTPSErrors: true });
        try {
          const { csrfToken } = (await (await anonymous.get("/api/auth/csrf")).json()) as { csrfToken: string };
          for (const { label, target } of HOSTILE_REDIRECTS) {
            const answer = await anonymous.post("/api/auth/signout", { form: { csrfToken, callbackUrl: target, json: "true" }, headers: { origin: KEEL_URL } });
            const { url } = (await answer.json()) as { url: string };
            expect(new URL(url).origin, label).toBe(KEEL_ORIGIN);
          }
        } finally {
          await anonymous.dispose();
        }
      });

      await test.step("signing in through the form with a hostile target ends on Keel", async () => {
        await page.context().clearCookies();
        for (const target of ["/\t/evil.example", "/%5Cevil.example", "https://evil.example/phish"]) {
          await page.goto(`/signin?callbackUrl=${encodeURIComponent(target)}`);
          await page.getByLabel("Email").fill(user.email);
          await page.getByLabel("Password").fill(user.password);
          await page.getByRole("button", { name: "Sign in" }).click();
          await expect(page).toHaveURL(`${KEEL_URL}/connections`);
          await page.context().clearCookies();
        }
      });
    } finally {
      await removeUser(user.id);
    }
  });
});

test.describe("client addresses", () => {
  // Only this spec connects from 127.0.0.3, so the per-address counter it fills is its own.
  const ADDRESS = "127.0.0.3";

  test("a forged X-Forwarded-For neither escapes the per-address limit nor lands in the audit log", async () => {
    test.setTimeout(120_000);
    const user = await createUser({ role: "MEMBER", name: "Forge Victim" });
    const client = rawClient(ADDRESS);
    try {
      await prisma().rateLimitBucket.deleteMany({ where: { key: { contains: ADDRESS } } });
      for (let i = 0; i < 30; i++) {
        const attempt = await client.signIn(`nobody-${i}-${Date.now()}@keel.test`, "wrong password here", { "x-forwarded-for": `198.51.100.${i + 1}` });
        expect(attempt.ok).toBe(false);
        expect(attempt.url).not.toContain("RATE_LIMITED");
      }
      // Each attempt claimed another address; Keel counted the real one, which is now used up.
      const blocked = await client.signIn(user.email, user.password, { "x-forwarded-for": "203.0.113.77" });
      expect(blocked.ok).toBe(false);
      expect(decodeURIComponent(blocked.url)).toContain("RATE_LIMITED");
      expect(await prisma().rateLimitBucket.count({ where: { key: { contains: "198.51.100." } } })).toBe(0);

      await prisma().rateLimitBucket.deleteMany({ where: { key: { contains: ADDRESS } } });
      const signedIn = await client.signIn(user.email, user.password, { "x-forwarded-for": "203.0.113.77, 10.0.0.1" });
      expect(signedIn.ok).toBe(true);
      const audit = await prisma().auditEvent.findFirstOrThrow({ where: { action: "auth.signed_in", actorId: user.id }, orderBy: { createdAt: "desc" } });
      expect(audit.ip).toBe(ADDRESS);
      expect((await prisma().session.findFirstOrThrow({ where: { userId: user.id } })).ip).toBe(ADDRESS);
    } finally {
      await prisma().rateLimitBucket.deleteMany({ where: { key: { contains: ADDRESS } } });
      await removeUser(user.id);
    }
  });
});

test.describe("request bodies", () => {
  test("are capped on every route, next-auth's included, before anything reads them", async () => {
    const client = rawClient("127.0.0.4");
    const big = "a".repeat(100 * 1024);
    const signIn = await client.send("POST", "/api/auth/callback/credentials", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: big });
    expect(signIn.status).toBe(413);
    expect(JSON.parse(signIn.body)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
    const chunked = await client.send("POST", "/api/auth/signout", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: "csrfToken=x", chunked: true });
    expect(chunked.status).toBe(411);
    const page = await client.send("POST", "/settings", { headers: { "content-type": "text/plain", "next-action": "0".repeat(42) }, body: "a".repeat(4 * 1024 * 1024) });
    expect(page.status).toBe(413);
    // A small body still reaches next-auth.
    expect((await client.send("GET", "/api/auth/csrf")).status).toBe(200);
  });

  test("that cannot be read are refused with 400, where next-auth or Next.js would answer 500", async () => {
    const client = rawClient("127.0.0.6");
    const json = await client.send("POST", "/api/auth/session", { headers: { "content-type": "application/json" }, body: "{" });
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body)).toMatchObject({ error: { code: "INVALID_INPUT" } });
    const multipart = await client.send("POST", "/connections", { headers: { "content-type": "multipart/form-data" }, body: "junk" });
    expect(multipart.status).toBe(400);
    expect(multipart.body).toContain("boundary");
    // The credentials callback only takes the sign-in form: asked with GET, it sends to the sign-in page.
    const callback = await client.send("GET", "/api/auth/callback/credentials");
    expect(callback.status).toBe(302);
    expect(new URL(String(callback.headers.location)).pathname).toBe("/signin");
  });
});

test.describe("headers", () => {
  test("pages carry a CSP with a fresh nonce on every script, and run without a single violation", async ({ page, browser }) => {
    await page.addInitScript(() => {
      const store = window as unknown as { __cspViolations: string[] };
      store.__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (event) => store.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`));
    });
    const consoleViolations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) {
        consoleViolations.push(message.text());
      }
    });
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    const nonces = new Set<string>();
    for (const path of ["/connections", "/connect", "/profiles", "/settings", "/settings/members", "/settings/account", "/settings/network"]) {
      const response = await page.goto(path);
      const policy = response!.headers()["content-security-policy"] ?? "";
      const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
      expect(nonce, `${path}: CSP with a nonce`).toBeTruthy();
      nonces.add(nonce!);
      expect(policy).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'(;|$)/);
      expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).toContain("connect-src 'self'");
      // Every script in the document carries this response's nonce.
      const scriptNonces = await page.locator("script").evaluateAll((scripts) => scripts.map((script) => (script as HTMLScriptElement).nonce));
      expect(scriptNonces.length).toBeGreaterThan(0);
      expect(new Set(scriptNonces)).toEqual(new Set([nonce]));
      expect(response!.headers()["strict-transport-security"]).toBe("max-age=31536000");
      expect(response!.headers()["referrer-policy"]).toBe("same-origin");
      // Hydrated: the client components answer (the account menu opens).
      await page.getByRole("button", { name: /open the account menu/ }).click();
      await expect(page.getByRole("button", { name: "Sign out", exact: true })).toBeVisible();
      await page.keyboard.press("Escape");
      expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), path).toEqual([]);
    }
    expect(nonces.size, "a new nonce per response").toBe(7);
    expect(consoleViolations).toEqual([]);

    await test.step("the sign-in page too, before anyone is signed in", async () => {
      const anonymous = await browser.newContext({ ignoreHTTPSErrors: true });
      const fresh = await anonymous.newPage();
      const response = await fresh.goto(`${KEEL_URL}/signin`);
      expect(response!.headers()["content-security-policy"]).toMatch(/'nonce-/);
      await expectNoSeriousA11yViolations(fresh, "/signin with the CSP on");
      await anonymous.close();
    });

    await test.step("JSON routes get a policy that loads nothing, and no page may be framed", async () => {
      const health = await page.request.get("/api/health");
      expect(health.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
      expect(health.headers()["x-frame-options"]).toBe("DENY");
    });
  });
});

test.describe("members see only what they need", () => {
  test("the network settings, the workers and the webhooks pages are for admins only", async ({ page }) => {
    const member = await createUser({ role: "MEMBER", name: "Nia Network" });
    try {
      await signInPage(page, member.email, member.password);
      expect((await page.goto("/settings/network"))?.status()).toBe(403);
      await expect(page.getByRole("heading", { name: "Only admins can open this page" })).toBeVisible();
      await expect(page.getByText("203.0.113.10")).toHaveCount(0);
      // The workers page names the installation's machines: admins only too.
      expect((await page.goto("/settings/workers"))?.status()).toBe(403);
      await expect(page.getByRole("heading", { name: "Only admins can open this page" })).toBeVisible();
      // Webhooks send every build's details to a server of an admin's choosing.
      expect((await page.goto("/settings/webhooks"))?.status()).toBe(403);
      await expect(page.getByRole("heading", { name: "Only admins can open this page" })).toBeVisible();
      await page.goto("/settings");
      await expect(page.getByRole("link", { name: "Network settings" })).toHaveCount(0);
      await expect(page.getByRole("link", { name: "Workers and build pools" })).toHaveCount(0);
      await expect(page.getByRole("link", { name: "Webhooks", exact: true })).toHaveCount(0);
      await expect(page.getByRole("link", { name: "Your account" })).toBeVisible();
    } finally {
      await removeUser(member.id);
    }
  });
});

test.describe("no query parameter becomes a message", () => {
  test("crafted links cannot make Keel's pages say words of their own", async ({ page }) => {
    const words = "Keel_is_moving_sign_in_at_evil_example";
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    for (const path of [
      `/profiles?${words}=1`,
      `/profiles?deleted=${words}`,
      `/profiles?deleted=6f1c2d7e-4b7a-4a52-9b1e-0d3c1f2a9b7c`,
      `/connections?deleted=${words}`,
      `/connections?${words}=1`,
      `/builds?status=${words}`,
      `/builds?${words}=1`,
      `/settings/audit?${words}=1`,
      `/connections?deleted=6f1c2d7e-4b7a-4a52-9b1e-0d3c1f2a9b7c&disconnected=3`,
      `/profiles?q=${words}`,
      `/connect/oauth-failed?reason=provider_error&provider=azure-devops&code=${words}`,
    ]) {
      await page.goto(path);
      const text = await page.getByRole("main").innerText();
      expect(text, path).not.toContain(words);
      expect(text, path).not.toContain("Deleted the build profile");
      expect(text, path).not.toContain("Deleted the connection");
    }
  });
});

test.describe("damaged addresses", () => {
  test("a broken %-escape in a path or a forged page cursor is a 400 or an ignored link, never a 500", async ({ page }) => {
    const client = rawClient("127.0.0.5");
    const pageAnswer = await client.send("GET", "/connections/%E0%A4%A");
    expect(pageAnswer.status).toBe(400);
    expect(pageAnswer.headers["content-type"]).toContain("text/plain");
    expect(pageAnswer.body).toContain("damaged %-escape");
    const apiAnswer = await client.send("GET", "/api/connections/%E0%A4%A/repositories");
    expect(apiAnswer.status).toBe(400);
    expect(JSON.parse(apiAnswer.body)).toMatchObject({ error: { code: "BAD_REQUEST_TARGET" } });
    // A client-router navigation with a damaged router state, to an address without a page.
    const navigation = await client.send("GET", "/no-such-page", { headers: { rsc: "1", "next-router-state-tree": "%E0%A4%A" } });
    expect(navigation.status).toBe(400);

    // Cursors in the shape Keel writes, with an id that is not a UUID: checked before any query.
    const forged = encodeURIComponent(`2026-01-01T00:00:00.000Z_${"a".repeat(36)}`);
    const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull, name: uniqueName("Cursor") });
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      expect((await page.goto(`/settings/audit?cursor=${forged}`))?.status()).toBe(200);
      await expect(page.getByText("The page link is damaged: start from the newest events")).toBeVisible();
      expect((await page.goto(`/connections/${connection.id}/deliveries?before=${forged}`))?.status()).toBe(200);
      await expect(page.getByRole("heading", { name: `Service hooks of ${connection.name}` })).toBeVisible();
    } finally {
      await removeConnection(connection.id);
    }
  });
});

test.describe("next-auth's error codes", () => {
  test("reach the log as codes, not as [redacted]", async ({ page }) => {
    const before = (await readFile(e2eLogFile(), "utf8")).length;
    // A callback without the state cookie of a sign-in this browser started.
    await page.goto("/api/auth/callback/azure-devops?code=forged-code&state=forged-state");
    await expect
      .poll(async () => (await readFile(e2eLogFile(), "utf8")).slice(before))
      .toMatch(/"nextAuthCode":"(OAUTH_CALLBACK_ERROR|OAuthCallback|[A-Za-z_]+)"/);
    const lines = (await readFile(e2eLogFile(), "utf8")).slice(before);
    expect(lines).not.toContain("forged-code");
  });
});
